//! The KSeF client's own cryptography: wrapping the KSeF token and the session key for KSeF's
//! public key, encrypting invoices, and the hashes that go with them.
//!
//! This is deliberately not eisim's `networks::ksef::crypto`. The reference integration plays
//! the client against the simulator; if both sides ran the same code, a wrong parameter (an
//! OAEP hash, an IV in front of the ciphertext) would agree with itself and every test would
//! pass. Written separately on the RustCrypto crates and checked against OpenSSL in the tests
//! below, it lets the reference and the simulator check each other.
//!
//! The parameters are those the official clients (C# and Java) use, which differ from KSeF's
//! prose documentation in one place: the invoice goes out as the bare AES-256-CBC ciphertext,
//! with no IV in front (the IV travels once, in the session's open request).
//!
//! - RSA-OAEP with SHA-256 for the label hash *and* for MGF1, empty label. Libraries that take
//!   one digest for OAEP often default MGF1 to SHA-1; KSeF then cannot unwrap the key.
//! - AES-256-CBC with PKCS#7 padding, 32-byte key, 16-byte IV.
//! - SHA-256 in standard Base64 (44 characters, with padding) for every hash KSeF compares.

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockEncryptMut as _, KeyIvInit as _};
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::{Oaep, RsaPublicKey};
use sha2::Digest as _;
use x509_cert::Certificate;
use x509_cert::der::Decode as _;
use x509_cert::spki::ObjectIdentifier;

/// `rsaEncryption` (PKCS #1). KSeF may one day publish an EC key, which needs ECIES instead;
/// this client only speaks the RSA branch and says so rather than misreading the key.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Why a KSeF key could not be read or used. AES and hashing cannot fail: their inputs are
/// typed to the right lengths.
#[derive(Debug, thiserror::Error)]
pub enum KsefCryptoError {
    /// What `GET /security/public-key-certificates` listed is not a DER X.509 certificate.
    #[error("the KSeF certificate is not DER X.509: {0}")]
    Certificate(#[source] x509_cert::der::Error),
    /// The certificate carries a key of another algorithm (an EC key would need ECIES).
    #[error(
        "the KSeF certificate's key is not RSA (algorithm {0}); this client encrypts with RSA-OAEP only"
    )]
    NotRsa(ObjectIdentifier),
    /// The key's BIT STRING has unused bits, so it cannot hold a DER structure.
    #[error("the KSeF certificate's public key is not a whole number of bytes")]
    UnalignedKey,
    /// The RSA key inside the certificate is not a PKCS #1 `RSAPublicKey`.
    #[error("the KSeF certificate's RSA key is malformed: {0}")]
    RsaKey(#[source] rsa::pkcs1::Error),
    /// In practice: the message is too long for the key (190 bytes for RSA-2048 with SHA-256).
    #[error("RSA-OAEP (SHA-256) encryption failed: {0}")]
    RsaEncrypt(#[source] rsa::Error),
}

/// KSeF compares hashes as text, so the encoding matters as much as the digest: standard
/// alphabet, padded.
pub fn sha256_base64(bytes: &[u8]) -> String {
    B64.encode(sha2::Sha256::digest(bytes))
}

/// The ciphertext alone is returned because that is what KSeF expects in
/// `encryptedInvoiceContent`; the IV was sent when the session was opened.
pub fn aes256_cbc_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<Aes256>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
}

/// Wraps the KSeF token (`token|timestampMs`) or the AES session key. The digest is named
/// twice on purpose: SHA-256 for the label hash and for MGF1, as KSeF decrypts.
pub fn rsa_oaep_encrypt(key: &RsaPublicKey, plaintext: &[u8]) -> Result<Vec<u8>, KsefCryptoError> {
    let padding = Oaep::new_with_mgf_hash::<sha2_010::Sha256, sha2_010::Sha256>();
    key.encrypt(&mut rand::rngs::OsRng, padding, plaintext)
        .map_err(KsefCryptoError::RsaEncrypt)
}

/// KSeF publishes certificates, not bare keys, and rotates them; a client reads the key out of
/// whatever is listed instead of pinning one.
pub fn public_key_from_certificate(der: &[u8]) -> Result<RsaPublicKey, KsefCryptoError> {
    let certificate = Certificate::from_der(der).map_err(KsefCryptoError::Certificate)?;
    let spki = certificate.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return Err(KsefCryptoError::NotRsa(spki.algorithm.oid));
    }
    let pkcs1 = spki
        .subject_public_key
        .as_bytes()
        .ok_or(KsefCryptoError::UnalignedKey)?;
    RsaPublicKey::from_pkcs1_der(pkcs1).map_err(KsefCryptoError::RsaKey)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    //! Two kinds of evidence: known-answer vectors and round trips through the RustCrypto
    //! primitives (always run), and agreement with OpenSSL, an implementation that shares no
    //! code with this module or with eisim (run when `openssl` is on the PATH; the test says
    //! so when it is not).

    use std::ffi::OsStr;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::str::FromStr as _;
    use std::sync::OnceLock;
    use std::time::Duration;

    use rsa::traits::PublicKeyParts as _;
    use rsa::{BigUint, RsaPrivateKey};
    use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
    use x509_cert::der::Encode as _;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    use super::*;

    /// The largest message RSA-2048 OAEP-SHA-256 can carry: 256 − 2·32 − 2.
    const OAEP_2048_SHA256_MAX: usize = 190;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// One RSA-2048 key for the tests that do not need OpenSSL (generation is the slow part).
    fn private_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap())
    }

    /// A temporary directory for OpenSSL's input and output files, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(test: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!(
                "eisim-suite-ksef-crypto-{}-{test}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let path = self.path(name);
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Whether `openssl` can be run; when it cannot, says which check was skipped, so a green
    /// run without OpenSSL is not mistaken for one that compared against it.
    fn openssl_present(test: &str) -> bool {
        match Command::new("openssl").arg("version").output() {
            Ok(output) if output.status.success() => true,
            _ => {
                eprintln!(
                    "SKIPPED {test}: `openssl` is not on the PATH, so this cross-check against \
                     OpenSSL did not run"
                );
                false
            }
        }
    }

    /// Runs `openssl` and returns whether it succeeded, with its stdout and stderr.
    fn run_openssl<I, S>(args: I) -> (bool, Vec<u8>, String)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = Command::new("openssl").args(args).output().unwrap();
        (
            output.status.success(),
            output.stdout,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs `openssl`, which must succeed, and returns its stdout.
    fn openssl<I, S>(args: I) -> Vec<u8>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<S> = args.into_iter().collect();
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        let (ok, stdout, stderr) = run_openssl(&args);
        assert!(ok, "openssl {} failed: {stderr}", shown.join(" "));
        stdout
    }

    /// A self-signed RSA-2048 certificate (DER) and its private key (PEM), made by OpenSSL.
    fn openssl_rsa_certificate(scratch: &Scratch) -> (Vec<u8>, PathBuf) {
        let key = scratch.path("key.pem");
        let cert = scratch.path("cert.der");
        openssl([
            OsStr::new("req"),
            OsStr::new("-x509"),
            OsStr::new("-newkey"),
            OsStr::new("rsa:2048"),
            OsStr::new("-nodes"),
            OsStr::new("-keyout"),
            key.as_os_str(),
            OsStr::new("-outform"),
            OsStr::new("DER"),
            OsStr::new("-out"),
            cert.as_os_str(),
            OsStr::new("-subj"),
            OsStr::new("/CN=KSeF test key"),
            OsStr::new("-days"),
            OsStr::new("1"),
        ]);
        (std::fs::read(&cert).unwrap(), key)
    }

    /// `openssl pkeyutl -decrypt` of `ciphertext` with OAEP using `md` for the label hash and
    /// `mgf1` for MGF1; `None` when OpenSSL refuses it.
    fn openssl_oaep_decrypt(
        scratch: &Scratch,
        key: &Path,
        ciphertext: &[u8],
        md: &str,
        mgf1: &str,
    ) -> Option<Vec<u8>> {
        let input = scratch.write("wrapped.bin", ciphertext);
        let output = scratch.path("unwrapped.bin");
        let _ = std::fs::remove_file(&output);
        let (ok, _, _) = run_openssl([
            OsStr::new("pkeyutl"),
            OsStr::new("-decrypt"),
            OsStr::new("-inkey"),
            key.as_os_str(),
            OsStr::new("-in"),
            input.as_os_str(),
            OsStr::new("-out"),
            output.as_os_str(),
            OsStr::new("-pkeyopt"),
            OsStr::new("rsa_padding_mode:oaep"),
            OsStr::new("-pkeyopt"),
            OsStr::new(&format!("rsa_oaep_md:{md}")),
            OsStr::new("-pkeyopt"),
            OsStr::new(&format!("rsa_mgf1_md:{mgf1}")),
        ]);
        ok.then(|| std::fs::read(&output).unwrap())
    }

    #[test]
    fn sha256_is_padded_standard_base64_of_the_digest() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_base64(b"abc"), B64.encode(unhex(expected)));
        assert_eq!(
            sha256_base64(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        for len in [0, 1, 1000] {
            let hash = sha256_base64(&vec![0xA5; len]);
            assert_eq!(hash.len(), 44, "{hash}");
            assert!(hash.ends_with('='), "{hash}");
        }
    }

    #[test]
    fn sha256_matches_openssl() {
        if !openssl_present("sha256_matches_openssl") {
            return;
        }
        let scratch = Scratch::new("sha256");
        for (i, len) in [0_usize, 3, 64, 3365].into_iter().enumerate() {
            let data: Vec<u8> = (0..len).map(|n| (n * 31 + i) as u8).collect();
            let file = scratch.write("data.bin", &data);
            let digest = openssl([
                OsStr::new("dgst"),
                OsStr::new("-sha256"),
                OsStr::new("-binary"),
                file.as_os_str(),
            ]);
            assert_eq!(digest.len(), 32);
            assert_eq!(sha256_base64(&data), B64.encode(&digest), "length {len}");
        }
    }

    #[test]
    fn aes_matches_the_nist_cbc_vector_plus_a_padding_block() {
        // NIST SP 800-38A, F.2.5 CBC-AES256.Encrypt. Four whole blocks in, so PKCS#7 adds a
        // fifth of pure padding and the first four are NIST's ciphertext exactly.
        let key: [u8; 32] =
            unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
                .try_into()
                .unwrap();
        let iv: [u8; 16] = unhex("000102030405060708090a0b0c0d0e0f")
            .try_into()
            .unwrap();
        let plain = unhex(concat!(
            "6bc1bee22e409f96e93d7e117393172a",
            "ae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52ef",
            "f69f2445df4f9b17ad2b417be66c3710",
        ));
        let expected = concat!(
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6",
            "9cfc4e967edb808d679f777bc6702c7d",
            "39f23369a9d9bacfa530e26304231461",
            "b2eb05e2c39be9fcda6c19078c6a9d1b",
        );
        let cipher = aes256_cbc_encrypt(&key, &iv, &plain);
        assert_eq!(cipher.len(), 80);
        assert_eq!(hex(&cipher[..64]), expected);
    }

    #[test]
    fn aes_output_is_the_bare_ciphertext_of_the_declared_size() {
        let key = [0x11; 32];
        let iv = [0x22; 16];
        for len in [0_usize, 1, 15, 16, 17, 3365] {
            let plain = vec![b'<'; len];
            let cipher = aes256_cbc_encrypt(&key, &iv, &plain);
            // KSeF's encryptedInvoiceSize: PKCS#7 always adds 1..=16 bytes (3365 -> 3376).
            assert_eq!(cipher.len(), 16 * (len / 16 + 1), "length {len}");
            assert_ne!(
                &cipher[..16],
                &iv[..],
                "the IV must not lead the ciphertext"
            );
        }
    }

    #[test]
    fn aes_round_trips_through_the_cbc_decryptor() {
        use cbc::cipher::BlockDecryptMut as _;
        let key = [0x5A; 32];
        let iv = [0xC3; 16];
        let plain = b"<Faktura xmlns=\"http://crd.gov.pl/wzor/2025/06/25/13775/\"/>";
        let cipher = aes256_cbc_encrypt(&key, &iv, plain);
        let back = cbc::Decryptor::<Aes256>::new(&key.into(), &iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(&cipher)
            .unwrap();
        assert_eq!(back, plain);
    }

    #[test]
    fn aes_matches_openssl_enc() {
        if !openssl_present("aes_matches_openssl_enc") {
            return;
        }
        let scratch = Scratch::new("aes");
        for (i, len) in [0_usize, 1, 15, 16, 17, 100, 3365].into_iter().enumerate() {
            let key: [u8; 32] = std::array::from_fn(|n| (n * 7 + i * 13 + 1) as u8);
            let iv: [u8; 16] = std::array::from_fn(|n| (n * 11 + i * 5 + 2) as u8);
            let plain: Vec<u8> = (0..len).map(|n| (n * 3 + i) as u8).collect();
            let input = scratch.write("plain.bin", &plain);
            let output = scratch.path("cipher.bin");
            // openssl enc pads with PKCS#7 by default and writes no IV or salt with -K/-iv.
            openssl([
                OsStr::new("enc"),
                OsStr::new("-aes-256-cbc"),
                OsStr::new("-K"),
                OsStr::new(&hex(&key)),
                OsStr::new("-iv"),
                OsStr::new(&hex(&iv)),
                OsStr::new("-in"),
                input.as_os_str(),
                OsStr::new("-out"),
                output.as_os_str(),
            ]);
            let expected = std::fs::read(&output).unwrap();
            assert_eq!(
                hex(&aes256_cbc_encrypt(&key, &iv, &plain)),
                hex(&expected),
                "length {len}"
            );
        }
    }

    #[test]
    fn oaep_round_trips_with_sha256_for_label_and_mgf1_only() {
        let private = private_key();
        let public = private.to_public_key();
        let session_key = [0x42; 32];
        let first = rsa_oaep_encrypt(&public, &session_key).unwrap();
        let second = rsa_oaep_encrypt(&public, &session_key).unwrap();
        assert_eq!(first.len(), 256);
        assert_ne!(first, second, "OAEP is randomised");
        let sha256 = || Oaep::new_with_mgf_hash::<sha2_010::Sha256, sha2_010::Sha256>();
        assert_eq!(private.decrypt(sha256(), &first).unwrap(), session_key);
        assert_eq!(private.decrypt(sha256(), &second).unwrap(), session_key);
        // Another MGF1 digest, or another label digest, does not open it.
        let other_mgf1 = Oaep::new_with_mgf_hash::<sha2_010::Sha256, sha2_010::Sha512>();
        assert!(private.decrypt(other_mgf1, &first).is_err());
        let other_label = Oaep::new_with_mgf_hash::<sha2_010::Sha512, sha2_010::Sha256>();
        assert!(private.decrypt(other_label, &first).is_err());
    }

    #[test]
    fn oaep_refuses_what_does_not_fit_the_key() {
        let public = private_key().to_public_key();
        assert!(rsa_oaep_encrypt(&public, &[1; OAEP_2048_SHA256_MAX]).is_ok());
        assert!(matches!(
            rsa_oaep_encrypt(&public, &[1; OAEP_2048_SHA256_MAX + 1]),
            Err(KsefCryptoError::RsaEncrypt(_))
        ));
    }

    #[test]
    fn the_key_is_read_from_a_certificate_built_around_it() {
        let private = private_key();
        let signer = rsa::pkcs1v15::SigningKey::<sha2_010::Sha256>::new(private.clone());
        let spki = SubjectPublicKeyInfoOwned::from_key(private.to_public_key()).unwrap();
        let certificate = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(1_u32),
            Validity::from_now(Duration::from_secs(3600)).unwrap(),
            Name::from_str("CN=KSeF test key").unwrap(),
            spki,
            &signer,
        )
        .unwrap()
        .build::<rsa::pkcs1v15::Signature>()
        .unwrap();
        let der = certificate.to_der().unwrap();
        assert_eq!(
            public_key_from_certificate(&der).unwrap(),
            private.to_public_key()
        );
    }

    #[test]
    fn what_is_not_a_certificate_is_refused() {
        assert!(matches!(
            public_key_from_certificate(b"not a certificate"),
            Err(KsefCryptoError::Certificate(_))
        ));
        assert!(matches!(
            public_key_from_certificate(&[]),
            Err(KsefCryptoError::Certificate(_))
        ));
    }

    #[test]
    fn openssl_reads_the_same_key_and_unwraps_what_we_wrap() {
        if !openssl_present("openssl_reads_the_same_key_and_unwraps_what_we_wrap") {
            return;
        }
        let scratch = Scratch::new("oaep");
        let (der, private_pem) = openssl_rsa_certificate(&scratch);
        let public = public_key_from_certificate(&der).unwrap();

        // The modulus we read out of the certificate is the one OpenSSL put there.
        let cert_path = scratch.write("cert-again.der", &der);
        let modulus = openssl([
            OsStr::new("x509"),
            OsStr::new("-inform"),
            OsStr::new("DER"),
            OsStr::new("-in"),
            cert_path.as_os_str(),
            OsStr::new("-noout"),
            OsStr::new("-modulus"),
        ]);
        let modulus = String::from_utf8(modulus).unwrap();
        let modulus = modulus.trim().trim_start_matches("Modulus=");
        assert_eq!(
            public.n(),
            &BigUint::parse_bytes(modulus.as_bytes(), 16).unwrap()
        );
        assert_eq!(public.e(), &BigUint::from(65_537_u32));

        // The session key and the KSeF token, as the client sends them.
        let session_key: [u8; 32] = std::array::from_fn(|n| (n * 9 + 1) as u8);
        let token = b"20261101-EC-1A2B3C4D5E-6F7A8B9C0D-00|nip-5265877635|7f3a9c|1793613600000";
        for plain in [&session_key[..], &token[..]] {
            let wrapped = rsa_oaep_encrypt(&public, plain).unwrap();
            assert_eq!(wrapped.len(), 256);
            let unwrapped =
                openssl_oaep_decrypt(&scratch, &private_pem, &wrapped, "sha256", "sha256");
            assert_eq!(unwrapped.as_deref(), Some(plain));
            // OpenSSL's OAEP defaults are SHA-1; with either digest on SHA-1 it must fail, which
            // shows both are really SHA-256 (and not merely whatever a library defaults to).
            assert_eq!(
                openssl_oaep_decrypt(&scratch, &private_pem, &wrapped, "sha256", "sha1"),
                None,
                "MGF1 must be SHA-256"
            );
            assert_eq!(
                openssl_oaep_decrypt(&scratch, &private_pem, &wrapped, "sha1", "sha256"),
                None,
                "the label hash must be SHA-256"
            );
        }
    }

    #[test]
    fn an_ec_certificate_from_openssl_is_refused_as_not_rsa() {
        if !openssl_present("an_ec_certificate_from_openssl_is_refused_as_not_rsa") {
            return;
        }
        let scratch = Scratch::new("ec");
        let key = scratch.path("ec-key.pem");
        let cert = scratch.path("ec-cert.der");
        openssl([
            OsStr::new("req"),
            OsStr::new("-x509"),
            OsStr::new("-newkey"),
            OsStr::new("ec"),
            OsStr::new("-pkeyopt"),
            OsStr::new("ec_paramgen_curve:prime256v1"),
            OsStr::new("-nodes"),
            OsStr::new("-keyout"),
            key.as_os_str(),
            OsStr::new("-outform"),
            OsStr::new("DER"),
            OsStr::new("-out"),
            cert.as_os_str(),
            OsStr::new("-subj"),
            OsStr::new("/CN=KSeF EC test key"),
            OsStr::new("-days"),
            OsStr::new("1"),
        ]);
        let der = std::fs::read(&cert).unwrap();
        assert!(matches!(
            public_key_from_certificate(&der),
            Err(KsefCryptoError::NotRsa(oid)) if oid.to_string() == "1.2.840.10045.2.1"
        ));
    }
}
