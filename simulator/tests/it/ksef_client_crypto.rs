//! The test client's KSeF cryptography, written here on the RustCrypto crates rather than taken
//! from eisim's `networks::ksef::crypto`: these tests exercise the simulator's decryption, and
//! a client sharing its code would agree with any mistake in it (a wrong OAEP digest, an IV in
//! front of the ciphertext) and pass.
//!
//! Parameters as the official clients use them: RSA-OAEP with SHA-256 for the label hash and
//! MGF1, AES-256-CBC with PKCS#7 sent as the bare ciphertext, hashes as SHA-256 in standard
//! Base64.

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

/// `rsaEncryption`: the certificate must carry an RSA key for the RSA-OAEP branch.
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

pub(crate) fn sha256_base64(bytes: &[u8]) -> String {
    B64.encode(sha2::Sha256::digest(bytes))
}

/// What a client declares as `encryptedInvoiceSize` before encrypting: PKCS#7 always adds 1 to
/// 16 bytes (KSeF's own example: 3365 -> 3376).
pub(crate) fn encrypted_size(plain_len: u64) -> u64 {
    (plain_len / 16 + 1) * 16
}

pub(crate) fn aes256_cbc_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<Aes256>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
}

/// SHA-256 named for both digests, since a library default for MGF1 may be SHA-1.
pub(crate) fn rsa_oaep_encrypt(key: &RsaPublicKey, plaintext: &[u8]) -> Vec<u8> {
    let padding = Oaep::new_with_mgf_hash::<sha2_010::Sha256, sha2_010::Sha256>();
    key.encrypt(&mut rand::rngs::OsRng, padding, plaintext)
        .expect("RSA-OAEP encryption (is the message longer than the key allows?)")
}

/// The key inside the DER certificate KSeF lists: the PKCS #1 key in its SubjectPublicKeyInfo.
pub(crate) fn public_key_from_certificate(der: &[u8]) -> RsaPublicKey {
    let certificate = Certificate::from_der(der).expect("KSeF lists a DER X.509 certificate");
    let spki = certificate.tbs_certificate.subject_public_key_info;
    assert_eq!(
        spki.algorithm.oid.to_string(),
        RSA_ENCRYPTION,
        "the certificate's key is not RSA"
    );
    let pkcs1 = spki
        .subject_public_key
        .as_bytes()
        .expect("the key's BIT STRING has no unused bits");
    RsaPublicKey::from_pkcs1_der(pkcs1).expect("a PKCS #1 RSA public key")
}

#[test]
fn sha256_and_aes_match_published_vectors() {
    // FIPS 180-2 B.1, SHA-256("abc").
    assert_eq!(
        sha256_base64(b"abc"),
        "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    );
    // NIST SP 800-38A F.2.5, the first block of CBC-AES256; PKCS#7 then adds one block.
    let key: [u8; 32] = [
        0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77,
        0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14,
        0xdf, 0xf4,
    ];
    let iv: [u8; 16] = std::array::from_fn(|i| i as u8);
    let plain = [
        0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17,
        0x2a,
    ];
    let cipher = aes256_cbc_encrypt(&key, &iv, &plain);
    assert_eq!(cipher.len() as u64, encrypted_size(16));
    assert_eq!(
        cipher[..16],
        [
            0xf5, 0x8c, 0x4c, 0x04, 0xd6, 0xe5, 0xf1, 0xba, 0x77, 0x9e, 0xab, 0xfb, 0x5f, 0x7b,
            0xfb, 0xd6,
        ]
    );
}
