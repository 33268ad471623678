//! `GET /security/public-key-certificates` and `GET /rate-limits`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::codelists::ksef::RateGroup;
use crate::http::ksef::{Caller, reply};
use crate::networks::ksef::error::KsefError;
use crate::networks::ksef::wire::ksef_time;

/// eisim's one certificate, listed once per usage: clients that pick "the first entry for
/// this usage" and clients that pick "the latest valid" all land on it.
pub(crate) async fn certificates(caller: Caller) -> Result<Response, KsefError> {
    caller.limit(RateGroup::Public, "")?;
    let keys = caller.ksef().keys()?;
    let entry = |usage: &str| {
        json!({
            "certificate": keys.certificate_base64(),
            "certificateId": keys.certificate_id(),
            "publicKeyId": keys.public_key_id(),
            "validFrom": ksef_time(keys.valid_from()),
            "validTo": ksef_time(keys.valid_to()),
            "usage": [usage],
        })
    };
    Ok(reply(
        StatusCode::OK,
        &json!([
            entry("KsefTokenEncryption"),
            entry("SymmetricKeyEncryption")
        ]),
    ))
}

/// The limits in force, per group, as TEST's `GET /rate-limits` shows them.
pub(crate) async fn rate_limits(caller: Caller) -> Result<Response, KsefError> {
    let grant = caller.access(RateGroup::Other)?;
    let mut body = serde_json::Map::new();
    for (group, thresholds) in caller.ksef().limiter.effective(&grant.context) {
        body.insert(
            group.name().to_owned(),
            json!({
                "perSecond": thresholds.per_second,
                "perMinute": thresholds.per_minute,
                "perHour": thresholds.per_hour,
            }),
        );
    }
    Ok(reply(StatusCode::OK, &serde_json::Value::Object(body)))
}
