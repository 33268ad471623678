//! Signing outgoing webhooks: Standard Webhooks v1 and the provider dialect.
//!
//! Standard Webhooks (spec v1.0.0): the key is the Base64-decoded part of a `whsec_` secret,
//! the signed content is `{webhook-id}.{webhook-timestamp}.{body}`, and the header lists one
//! `v1,<base64>` entry per active secret, so a receiver keeps verifying through a rotation.
//! The provider dialect (Billit) signs `{t}.{body}` with the secret string's own bytes and
//! sends `Billit-Signature: t=<unix>,s=<hex>`, one `s=` per active secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::digest::sha256_hex;

type HmacSha256 = Hmac<Sha256>;

/// The prefix Standard Webhooks gives symmetric secrets.
const SECRET_PREFIX: &str = "whsec_";

/// A `whsec_` secret: 32 bytes, shown Base64-encoded after the prefix.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret {
    text: String,
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

impl Secret {
    /// A secret derived from the run's seed and a label, so a replayed scenario hands out the
    /// same secrets (eisim is a test double; its secrets protect nothing real).
    pub(crate) fn derive(seed: u64, label: &str) -> Self {
        let hex = sha256_hex(format!("{seed}:webhook-secret:{label}").as_bytes());
        let key: Vec<u8> = (0..32)
            .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        Secret {
            text: format!("{SECRET_PREFIX}{}", STANDARD.encode(&key)),
            key,
        }
    }

    /// The secret as the integrator stores it: `whsec_<base64>`.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Standard Webhooks `v1`: Base64 HMAC-SHA256 over `{id}.{timestamp}.{body}` keyed with
    /// the decoded secret.
    pub(crate) fn sign_standard(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut content = format!("{id}.{timestamp}.").into_bytes();
        content.extend_from_slice(body);
        format!("v1,{}", STANDARD.encode(hmac(&self.key, &content)))
    }

    /// Provider dialect: hex HMAC-SHA256 over `{t}.{body}` keyed with the secret string's
    /// UTF-8 bytes, as Billit and Stripe do.
    pub(crate) fn sign_provider(&self, timestamp: i64, body: &[u8]) -> String {
        let mut content = format!("{timestamp}.").into_bytes();
        content.extend_from_slice(body);
        hmac(self.text.as_bytes(), &content)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn hmac(key: &[u8], content: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail; an empty MAC would only make the
    // receiver refuse the delivery, never panic the sender.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(content);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The `webhook-signature` value: one entry per secret, newest first, space-separated.
pub(super) fn standard_header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign_standard(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `Billit-Signature` value: `t=<unix>` then one `s=<hex>` per secret, newest first.
pub(super) fn provider_header(secrets: &[Secret], timestamp: i64, body: &[u8]) -> String {
    std::iter::once(format!("t={timestamp}"))
        .chain(
            secrets
                .iter()
                .map(|secret| format!("s={}", secret.sign_provider(timestamp, body))),
        )
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_secret() -> Secret {
        let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        Secret { text, key }
    }

    #[test]
    fn signs_the_spec_test_vector() {
        let signature = spec_secret().sign_standard(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn derived_secrets_are_stable_and_distinct() {
        let a = Secret::derive(7, "ep_1:0");
        assert_eq!(a, Secret::derive(7, "ep_1:0"));
        assert_ne!(a, Secret::derive(7, "ep_1:1"));
        assert_ne!(a, Secret::derive(8, "ep_1:0"));
        assert!(a.as_str().starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&a.as_str()[6..]).unwrap().len(), 32);
    }

    #[test]
    fn headers_carry_one_signature_per_secret() {
        let secrets = [Secret::derive(1, "new"), Secret::derive(1, "old")];
        let standard = standard_header(&secrets, "evt_1", 1_700_000_000, b"{}");
        assert_eq!(standard.split(' ').count(), 2);
        assert!(standard.split(' ').all(|s| s.starts_with("v1,")));
        let provider = provider_header(&secrets, 1_700_000_000, b"{}");
        let parts: Vec<&str> = provider.split(',').collect();
        assert_eq!(parts[0], "t=1700000000");
        assert_eq!(parts.len(), 3);
        assert!(
            parts[1..]
                .iter()
                .all(|p| p.starts_with("s=") && p.len() == 66)
        );
    }
}
