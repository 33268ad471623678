//! KSeF cryptography: the server side (session-key and invoice decryption, hashes), and for
//! the unit tests and the fuzz seeds the client side they need to speak to it. The suite, the
//! integration tests and the load benchmark bring their own client crypto, so that a bug here
//! cannot pass on both sides.
//!
//! Parameters follow the official clients rather than the prose docs: AES-256-CBC with PKCS#7 over
//! the *bare* ciphertext (no IV prefix) and RSA-OAEP with SHA-256 for both the label hash and MGF1.

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
#[cfg(test)]
use rsa::pkcs8::DecodePublicKey;
#[cfg(test)]
use rsa::{Oaep, RsaPublicKey};
use sha2::Digest as _;
#[cfg(test)]
use x509_cert::Certificate;
#[cfg(test)]
use x509_cert::der::{Decode, Encode};

/// AES-256 key length in bytes.
const AES_KEY_LEN: usize = 32;
/// AES block (and therefore CBC IV) length in bytes.
const AES_BLOCK_LEN: usize = 16;

/// Everything that can go wrong with KSeF keys and payload encryption.
///
/// The variants stay coarse on purpose: the HTTP layer maps them to KSeF status codes (415, 435,
/// 21180…), and a padding failure says nothing useful beyond "wrong key or IV".
#[derive(Debug, thiserror::Error)]
pub(crate) enum CryptoError {
    /// The embedded PEM is not a PKCS#8 RSA private key.
    #[error("the KSeF private key is unreadable: {0}")]
    KeyFile(#[source] rsa::pkcs8::Error),
    /// The self-signed certificate could not be assembled or signed.
    #[error("cannot build the KSeF certificate: {0}")]
    CertificateBuild(String),
    /// RSA-OAEP decryption failed: wrong length, wrong key, or a different OAEP hash.
    #[error("RSA-OAEP (SHA-256) decryption failed")]
    RsaDecrypt,
    /// RSA-OAEP encryption failed, in practice because the message is too long for the key.
    #[error("RSA-OAEP (SHA-256) encryption failed: {0}")]
    #[cfg(test)]
    RsaEncrypt(#[source] rsa::Error),
    /// The AES key is not 32 bytes.
    #[error("AES-256 key must be 32 bytes, got {0}")]
    AesKeyLength(usize),
    /// The CBC IV is not 16 bytes.
    #[error("AES-CBC initialization vector must be 16 bytes, got {0}")]
    AesIvLength(usize),
    /// The ciphertext cannot be CBC output: empty or not a whole number of blocks.
    #[error("AES-CBC ciphertext length {0} is not a positive multiple of 16")]
    AesCiphertextLength(usize),
    /// The last block does not end in valid PKCS#7 padding, which usually means a wrong key or IV.
    #[error("AES-CBC PKCS#7 padding is invalid (wrong key or IV?)")]
    AesPadding,
    /// The certificate is not DER X.509 carrying an RSA public key.
    #[error("bad certificate: {0}")]
    #[cfg(test)]
    BadCertificate(String),
}

/// KSeF hashes are always SHA-256 rendered as standard Base64 (44 characters).
pub(crate) fn sha256_base64(bytes: &[u8]) -> String {
    STANDARD.encode(sha2::Sha256::digest(bytes))
}

/// PKCS#7 always adds 1..=16 bytes, so a whole block is added when the plaintext is aligned;
/// clients declare this as `encryptedInvoiceSize` and the simulator must agree with it.
#[cfg(test)]
pub(crate) fn encrypted_size(plain_len: u64) -> u64 {
    16 * (plain_len / 16 + 1)
}

fn check_key_iv(key: &[u8], iv: &[u8]) -> Result<(), CryptoError> {
    if key.len() != AES_KEY_LEN {
        return Err(CryptoError::AesKeyLength(key.len()));
    }
    if iv.len() != AES_BLOCK_LEN {
        return Err(CryptoError::AesIvLength(iv.len()));
    }
    Ok(())
}

/// Decrypts an invoice or batch part. The ciphertext is bare: a client that prefixed the IV
/// (as one KSeF document wrongly suggests) gets a garbled first block, not a silent success.
pub(crate) fn aes256_cbc_decrypt(
    key: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    check_key_iv(key, iv)?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(AES_BLOCK_LEN) {
        return Err(CryptoError::AesCiphertextLength(ciphertext.len()));
    }
    let decryptor = cbc::Decryptor::<Aes256>::new_from_slices(key, iv)
        .map_err(|_| CryptoError::AesKeyLength(key.len()))?;
    decryptor
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .map_err(|_| CryptoError::AesPadding)
}

/// Encrypts the way KSeF clients do (and the way the server encrypts export parts).
pub(crate) fn aes256_cbc_encrypt(
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    check_key_iv(key, iv)?;
    let encryptor = cbc::Encryptor::<Aes256>::new_from_slices(key, iv)
        .map_err(|_| CryptoError::AesKeyLength(key.len()))?;
    Ok(encryptor.encrypt_padded_vec_mut::<Pkcs7>(plaintext))
}

/// What a client does with the KSeF token and the AES session key before sending them.
#[cfg(test)]
pub(crate) fn rsa_oaep_encrypt(
    public_key: &RsaPublicKey,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    public_key
        .encrypt(
            &mut rand::rngs::OsRng,
            Oaep::new::<sha2_010::Sha256>(),
            plaintext,
        )
        .map_err(CryptoError::RsaEncrypt)
}

/// Clients never pin a key: they read it out of the certificate published by
/// `GET /security/public-key-certificates`, so tests go through the same path.
#[cfg(test)]
pub(crate) fn public_key_from_certificate(der: &[u8]) -> Result<RsaPublicKey, CryptoError> {
    let certificate =
        Certificate::from_der(der).map_err(|e| CryptoError::BadCertificate(e.to_string()))?;
    let spki_der = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| CryptoError::BadCertificate(e.to_string()))?;
    RsaPublicKey::from_public_key_der(&spki_der)
        .map_err(|e| CryptoError::BadCertificate(format!("not an RSA public key: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const IV: [u8; 16] = [9; 16];

    #[test]
    fn sha256_is_44_chars_of_standard_base64() {
        // SHA-256("abc"), a FIPS 180-2 test vector.
        assert_eq!(
            sha256_base64(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(sha256_base64(b"").len(), 44);
    }

    #[test]
    fn encrypted_size_matches_pkcs7() {
        assert_eq!(encrypted_size(0), 16);
        assert_eq!(encrypted_size(15), 16);
        assert_eq!(encrypted_size(16), 32);
        assert_eq!(encrypted_size(3365), 3376);
    }

    #[test]
    fn aes_round_trips_with_expected_sizes() {
        for len in [0_usize, 1, 15, 16, 17, 3365] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let cipher = aes256_cbc_encrypt(&KEY, &IV, &plain).unwrap();
            assert_eq!(cipher.len() as u64, encrypted_size(len as u64), "len {len}");
            if len > 0 {
                assert_ne!(&cipher[..len.min(16)], &plain[..len.min(16)]);
            }
            assert_eq!(aes256_cbc_decrypt(&KEY, &IV, &cipher).unwrap(), plain);
        }
    }

    #[test]
    fn aes_matches_a_known_vector() {
        // NIST SP 800-38A F.2.5 (CBC-AES256.Encrypt), first block; PKCS#7 then adds a full block.
        let key = [
            0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d,
            0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3,
            0x09, 0x14, 0xdf, 0xf4,
        ];
        let iv: Vec<u8> = (0..16).collect();
        let plain = [
            0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93,
            0x17, 0x2a,
        ];
        let expected = [
            0xf5, 0x8c, 0x4c, 0x04, 0xd6, 0xe5, 0xf1, 0xba, 0x77, 0x9e, 0xab, 0xfb, 0x5f, 0x7b,
            0xfb, 0xd6,
        ];
        let cipher = aes256_cbc_encrypt(&key, &iv, &plain).unwrap();
        assert_eq!(cipher.len(), 32);
        assert_eq!(&cipher[..16], &expected);
    }

    #[test]
    fn aes_refuses_bad_lengths() {
        let cipher = aes256_cbc_encrypt(&KEY, &IV, b"<Faktura/>").unwrap();
        assert!(matches!(
            aes256_cbc_decrypt(&KEY, &IV, &cipher[..cipher.len() - 1]),
            Err(CryptoError::AesCiphertextLength(15))
        ));
        assert!(matches!(
            aes256_cbc_decrypt(&KEY, &IV, &[]),
            Err(CryptoError::AesCiphertextLength(0))
        ));
        assert!(matches!(
            aes256_cbc_decrypt(&KEY[..16], &IV, &cipher),
            Err(CryptoError::AesKeyLength(16))
        ));
        assert!(matches!(
            aes256_cbc_encrypt(&KEY[..31], &IV, b"x"),
            Err(CryptoError::AesKeyLength(31))
        ));
        assert!(matches!(
            aes256_cbc_decrypt(&KEY, &IV[..12], &cipher),
            Err(CryptoError::AesIvLength(12))
        ));
    }

    #[test]
    fn aes_wrong_key_is_a_padding_error() {
        // A block-aligned plaintext makes the last block pure padding, so a wrong key is
        // detected with overwhelming probability rather than yielding garbage.
        let cipher = aes256_cbc_encrypt(&KEY, &IV, &[1; 32]).unwrap();
        let mut other = KEY;
        other[0] ^= 1;
        assert!(matches!(
            aes256_cbc_decrypt(&other, &IV, &cipher),
            Err(CryptoError::AesPadding)
        ));
    }

    #[test]
    fn garbage_certificate_is_refused() {
        assert!(matches!(
            public_key_from_certificate(b"not a certificate"),
            Err(CryptoError::BadCertificate(_))
        ));
    }
}
