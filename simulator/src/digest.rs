//! Content digests: how the journal fingerprints bodies and how eisim derives identifiers
//! that are unique yet repeat exactly under the same seed.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// A number in [0, 1) fixed by `key`: how seeded choices (which documents a behaviour picks,
/// which deliveries get a fault) repeat exactly when a scenario is replayed. Callers put the
/// seed and whatever identifies the choice into the key.
pub(crate) fn unit_draw(key: &str) -> f64 {
    let digest = sha256_hex(key.as_bytes());
    let top = u64::from_str_radix(digest.get(..13).unwrap_or("0"), 16).unwrap_or(0);
    // 13 hex digits are 52 bits: exact in an f64.
    #[allow(clippy::cast_precision_loss)]
    let value = top as f64 / (1u64 << 52) as f64;
    value
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_fips_180_test_vector() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
