//! The JWTs KSeF hands out: the operation token of an auth operation and the access and
//! refresh tokens it is redeemed for.
//!
//! Clients treat them as opaque and go by `validUntil`, and eisim keeps its own table of what
//! it issued, so the token is not where authority lives. It is still a real HS256 JWT with
//! the claim names of the KSeF specification's examples, because integrators paste tokens
//! into jwt.io while debugging and some client libraries decode `exp` to schedule refreshes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// SHA-256's block size: the length HMAC pads or hashes every key to (RFC 2104).
const HMAC_BLOCK: usize = 64;

/// The issuer and audience in the specification's example tokens (TEST uses `ksef-api-te`
/// in newer tokens; nothing checks either).
const ISSUER: &str = "ksef-api-ti";

/// Why a presented token is not one of ours; callers answer all of them with the same 401,
/// the distinction is for logs and tests.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub(crate) enum JwtError {
    #[error("the token does not have the three dot-separated parts of a JWT")]
    Shape,
    #[error("the token's {0} is not base64url without padding")]
    Encoding(&'static str),
    #[error("the token's {0} is not a JSON object")]
    Json(&'static str),
    #[error("the token is not signed with HS256")]
    Algorithm,
    #[error("the token's signature does not match")]
    Signature,
}

/// Signs and checks eisim's tokens.
///
/// Holds the HMAC state already keyed rather than the secret, so the secret is not kept
/// around in a second place; `Debug` prints nothing of either.
#[derive(Clone)]
pub(crate) struct JwtSigner {
    mac: HmacSha256,
}

impl fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSigner")
            .field("key", &"<redacted>")
            .finish()
    }
}

impl JwtSigner {
    pub(crate) fn new(secret: &[u8]) -> Self {
        // HMAC first brings any key to exactly one block (zero-padded, or hashed when longer);
        // doing that here gives the same MAC and lets the keying be infallible.
        let mut block = [0u8; HMAC_BLOCK];
        if secret.len() <= HMAC_BLOCK {
            if let Some(head) = block.get_mut(..secret.len()) {
                head.copy_from_slice(secret);
            }
        } else {
            let hash = Sha256::digest(secret);
            if let Some(head) = block.get_mut(..hash.len()) {
                head.copy_from_slice(&hash);
            }
        }
        Self {
            mac: HmacSha256::new(&block.into()),
        }
    }

    /// A compact JWT (`header.payload.signature`, base64url without padding) over `claims`.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let mut mac = self.mac.clone();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The claims of a token this signer made, checked in constant time.
    ///
    /// Expiry is not checked here: the issued-token table decides whether a token is still
    /// good (it may also have been revoked), so `exp` is only what the client sees.
    pub(crate) fn verify(&self, token: &str) -> Result<Value, JwtError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Shape);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| JwtError::Encoding("signature"))?;
        // The MAC covers the text as received: re-encoding the decoded parts would accept
        // tokens whose base64 differs from what was signed.
        let mut mac = self.mac.clone();
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| JwtError::Signature)?;

        let header = decode_object(header, "header")?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err(JwtError::Algorithm);
        }
        decode_object(payload, "payload").map(Value::Object)
    }
}

fn decode_object(part: &str, which: &'static str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Encoding(which))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Json(which)),
    }
}

/// Which of the three tokens of an auth operation this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TokenType {
    /// The `authenticationToken`: polls `GET /auth/{ref}` and redeems once.
    Operation,
    /// The `accessToken` the API is called with.
    Access,
    /// The `refreshToken` that mints new access tokens.
    Refresh,
}

impl TokenType {
    /// The `token-type` claim. The specification's examples show only `OperationToken` and
    /// `ContextToken` (an access token); refresh tokens issued by KSeF carry their own type
    /// (`RefreshToken`, seen in tokens quoted in CIRFMF/ksef-api#336), which keeps a refresh
    /// token from reading as an access token to anyone decoding it.
    pub(crate) const fn claim(self) -> &'static str {
        match self {
            Self::Operation => "OperationToken",
            Self::Access => "ContextToken",
            Self::Refresh => "RefreshToken",
        }
    }
}

/// What eisim puts into a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Claims {
    pub token_type: TokenType,
    /// `Nip`, `InternalId`, `NipVatUe` or `PeppolId`.
    pub context_type: String,
    pub context_value: String,
    /// `Token`, `QualifiedSeal`, `QualifiedSignature`, ... as in `GET /auth/{ref}`.
    pub authentication_method: String,
    /// The auth operation (`AU`) the token belongs to.
    pub reference_number: String,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// Makes two tokens issued in the same second for the same operation differ (`jti`).
    pub unique: String,
}

impl Claims {
    /// The payload, shaped like the specification's examples: an operation token names its
    /// operation (`operation-reference-number`) and no context, an access token names its
    /// context and no operation, and a refresh token names both (KSeF's own refresh tokens
    /// carry the operation, as `arn`).
    pub(crate) fn to_json(&self) -> Value {
        let mut claims = Map::new();
        claims.insert("token-type".into(), json!(self.token_type.claim()));
        if self.token_type != TokenType::Access {
            claims.insert(
                "operation-reference-number".into(),
                json!(self.reference_number),
            );
        }
        if self.token_type != TokenType::Operation {
            claims.insert("context-identifier-type".into(), json!(self.context_type));
            claims.insert("context-identifier-value".into(), json!(self.context_value));
            claims.insert(
                "authentication-method".into(),
                json!(self.authentication_method),
            );
        }
        claims.insert("exp".into(), json!(self.expires_at.as_second()));
        claims.insert("iat".into(), json!(self.issued_at.as_second()));
        claims.insert("iss".into(), json!(ISSUER));
        claims.insert("aud".into(), json!(ISSUER));
        claims.insert("jti".into(), json!(self.unique));
        Value::Object(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(token_type: TokenType) -> Claims {
        let issued_at: Timestamp = "2025-05-14T12:00:00Z".parse().unwrap();
        Claims {
            token_type,
            context_type: "Nip".into(),
            context_value: "5265877635".into(),
            authentication_method: "QualifiedSeal".into(),
            reference_number: "20250514-AU-2DFC46C000-3AC6D5877F-D4".into(),
            issued_at,
            expires_at: issued_at + jiff::SignedDuration::from_secs(900),
            unique: "7f3c".into(),
        }
    }

    #[test]
    fn round_trip_keeps_the_claims() {
        let signer = JwtSigner::new(b"eisim test secret");
        let payload = claims(TokenType::Access).to_json();
        let token = signer.sign(&payload);
        assert_eq!(token.split('.').count(), 3);
        assert!(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
        assert_eq!(signer.verify(&token).unwrap(), payload);
    }

    #[test]
    fn matches_an_independent_hs256_computation() {
        // The block-size key preparation in `new` must give the MAC the hmac crate gives for
        // the raw key, for keys both longer and shorter than a block.
        let key =
            b"a-key-longer-than-one-sha256-block-so-that-hmac-has-to-hash-it-first-0123456789";
        let signer = JwtSigner::new(key);
        let token = signer.sign(&json!({"a": 1}));
        let (input, signature) = token.rsplit_once('.').unwrap();
        let mut mac = HmacSha256::new_from_slice(key).unwrap();
        mac.update(input.as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(signature).unwrap(),
            mac.finalize().into_bytes().to_vec()
        );
        let short = JwtSigner::new(b"k");
        let token = short.sign(&json!({"a": 1}));
        let (input, signature) = token.rsplit_once('.').unwrap();
        let mut mac = HmacSha256::new_from_slice(b"k").unwrap();
        mac.update(input.as_bytes());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(signature).unwrap(),
            mac.finalize().into_bytes().to_vec()
        );
    }

    #[test]
    fn another_key_is_refused() {
        let token = JwtSigner::new(b"one").sign(&json!({"a": 1}));
        assert_eq!(
            JwtSigner::new(b"two").verify(&token),
            Err(JwtError::Signature)
        );
    }

    #[test]
    fn any_changed_character_is_refused() {
        let signer = JwtSigner::new(b"eisim test secret");
        let token = signer.sign(&claims(TokenType::Operation).to_json());
        for (i, c) in token.char_indices() {
            if c == '.' {
                continue;
            }
            for replacement in ['A', 'B', '-', '_'] {
                if replacement == c {
                    continue;
                }
                let mut forged = token.clone();
                forged.replace_range(i..=i, &replacement.to_string());
                assert!(
                    signer.verify(&forged).is_err(),
                    "accepted with {c:?} -> {replacement:?} at {i}"
                );
            }
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let signer = JwtSigner::new(b"eisim test secret");
        let token = signer.sign(&json!({"a": 1}));
        let parts: Vec<&str> = token.split('.').collect();
        let cases = [
            String::new(),
            parts[0].to_owned(),
            format!("{}.{}", parts[0], parts[1]),
            format!("{token}.{}", parts[2]),
            format!("{token}."),
            "..".to_owned(),
            format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
            format!("{}.{}.!!!", parts[0], parts[1]),
            format!("{}.{}.{}", parts[0], parts[1], &parts[2][..10]),
            "é.é.é".to_owned(),
        ];
        for case in &cases {
            assert!(signer.verify(case).is_err(), "accepted {case:?}");
        }
        assert_eq!(signer.verify(parts[0]), Err(JwtError::Shape));
        assert_eq!(signer.verify(&format!("{token}.x")), Err(JwtError::Shape));
        assert_eq!(
            signer.verify(&format!("{}.{}.!!!", parts[0], parts[1])),
            Err(JwtError::Encoding("signature"))
        );
    }

    #[test]
    fn a_validly_signed_token_with_bad_contents_is_refused() {
        let signer = JwtSigner::new(b"eisim test secret");
        let forge = |header: &[u8], payload: &[u8]| {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(payload)
            );
            let mut mac = signer.mac.clone();
            mac.update(input.as_bytes());
            format!(
                "{input}.{}",
                URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
            )
        };
        assert_eq!(
            signer.verify(&forge(br#"{"alg":"none"}"#, b"{}")),
            Err(JwtError::Algorithm)
        );
        assert_eq!(
            signer.verify(&forge(br#"{"alg":"HS256"}"#, b"[1]")),
            Err(JwtError::Json("payload"))
        );
        assert_eq!(
            signer.verify(&forge(b"not json", b"{}")),
            Err(JwtError::Json("header"))
        );
    }

    #[test]
    fn claims_follow_the_specification_examples() {
        let operation = claims(TokenType::Operation).to_json();
        assert_eq!(operation["token-type"], "OperationToken");
        assert_eq!(
            operation["operation-reference-number"],
            "20250514-AU-2DFC46C000-3AC6D5877F-D4"
        );
        assert!(operation.get("context-identifier-value").is_none());
        assert_eq!(operation["iat"], 1_747_224_000);
        assert_eq!(operation["exp"], 1_747_224_900);
        assert_eq!(operation["iss"], "ksef-api-ti");
        assert_eq!(operation["aud"], "ksef-api-ti");
        assert_eq!(operation["jti"], "7f3c");

        let access = claims(TokenType::Access).to_json();
        assert_eq!(access["token-type"], "ContextToken");
        assert_eq!(access["context-identifier-type"], "Nip");
        assert_eq!(access["context-identifier-value"], "5265877635");
        assert_eq!(access["authentication-method"], "QualifiedSeal");
        assert!(access.get("operation-reference-number").is_none());

        let refresh = claims(TokenType::Refresh).to_json();
        assert_eq!(refresh["token-type"], "RefreshToken");
        assert_eq!(refresh["context-identifier-value"], "5265877635");
        assert!(refresh.get("operation-reference-number").is_some());
    }

    #[test]
    fn two_tokens_for_the_same_operation_differ_by_unique() {
        let signer = JwtSigner::new(b"s");
        let a = claims(TokenType::Access);
        let b = Claims {
            unique: "other".into(),
            ..a.clone()
        };
        assert_ne!(signer.sign(&a.to_json()), signer.sign(&b.to_json()));
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let shown = format!("{:?}", JwtSigner::new(b"super-secret-value"));
        assert!(!shown.contains("super"));
        assert!(shown.contains("redacted"));
    }
}
