//! The load generator's KSeF client cryptography, on the RustCrypto crates rather than eisim's
//! `networks::ksef::crypto`: the generator stands in for an integrator, and requests built with
//! the server's own code would be accepted even if that code got a parameter wrong.
//!
//! Parameters as the official clients use them: RSA-OAEP with SHA-256 for the label hash and
//! MGF1, AES-256-CBC with PKCS#7 sent as the bare ciphertext, hashes as SHA-256 in standard
//! Base64. Like the rest of the harness, a failure here panics: the figures would be meaningless.

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

/// `rsaEncryption`: the RSA-OAEP branch needs an RSA key in the certificate.
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

pub fn sha256_base64(bytes: &[u8]) -> String {
    B64.encode(sha2::Sha256::digest(bytes))
}

/// The bare ciphertext, as `encryptedInvoiceContent` carries it (the IV went with the open).
pub fn aes256_cbc_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    cbc::Encryptor::<Aes256>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext)
}

/// SHA-256 named for both digests, since a library default for MGF1 may be SHA-1.
pub fn rsa_oaep_encrypt(key: &RsaPublicKey, plaintext: &[u8]) -> Vec<u8> {
    let padding = Oaep::new_with_mgf_hash::<sha2_010::Sha256, sha2_010::Sha256>();
    key.encrypt(&mut rand::rngs::OsRng, padding, plaintext)
        .expect("RSA-OAEP encryption (is the message longer than the key allows?)")
}

/// The PKCS #1 key in the SubjectPublicKeyInfo of a certificate KSeF lists.
pub fn public_key_from_certificate(der: &[u8]) -> RsaPublicKey {
    let certificate = Certificate::from_der(der).expect("KSeF lists a DER X.509 certificate");
    let spki = certificate.tbs_certificate.subject_public_key_info;
    assert_eq!(
        spki.algorithm.oid.to_string(),
        RSA_ENCRYPTION,
        "the KSeF certificate's key is not RSA"
    );
    let pkcs1 = spki
        .subject_public_key
        .as_bytes()
        .expect("the key's BIT STRING has no unused bits");
    RsaPublicKey::from_pkcs1_der(pkcs1).expect("a PKCS #1 RSA public key")
}
