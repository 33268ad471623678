//! How many webhook signatures a second the simulator's signer makes for a typical 1 KB event
//! body: every delivery attempt is signed once per active secret, so this caps the webhook
//! deliveries per second before any network cost.
//!
//! The baseline in the same run is a bare HMAC-SHA256 (hmac + sha2) over the same signed
//! content, streamed with no allocation and no encoding: what the signer adds on top of it is
//! building the `{id}.{timestamp}.{body}` buffer and the Base64 (or hex) rendering.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use signing::Secret;

// The signer is a private building block of eisim, not part of its API; the bench compiles the
// very same source files (the signer and the digest helper it uses) rather than widening the
// crate's surface for them.
#[allow(dead_code, unreachable_pub)]
#[path = "../../simulator/src/digest.rs"]
mod digest;
#[allow(dead_code, unreachable_pub)]
#[path = "../../simulator/src/webhooks/signing.rs"]
mod signing;

const EVENT_ID: &str = "evt_01JD4ZQ4J7K3M9X0B2C5V8N1R6";
const TIMESTAMP: i64 = 1_795_000_000;

/// A 1 KB `invoice.status_updated` body, the shape the gateway sends, padded to 1,024 bytes.
fn body() -> Vec<u8> {
    let mut body = String::from(
        r#"{"id":"evt_01JD4ZQ4J7K3M9X0B2C5V8N1R6","type":"invoice.status_updated","created_at":"2026-11-21T09:00:00Z","data":{"id":"doc_7f3a9c2e","submission_id":"sub_1b2c3d4e","reference":"ERP-2026-000123","direction":"outbound","network":"sdi","recipient":"SDI:UFE3ZQ","format":"fatturapa-fpa12","state":"delivered","previous_state":"accepted","network_detail":{"status":"RC","description":"Ricevuta di consegna"},"note":""#,
    );
    while body.len() < 1_024 - 3 {
        body.push('x');
    }
    body.push_str(r#""}}"#);
    body.into_bytes()
}

fn signing(c: &mut Criterion) {
    let body = body();
    let secret = Secret::derive(20_260_115, "bench");
    // The key Standard Webhooks signs with: the Base64-decoded part of the secret.
    let key = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&secret.as_str()["whsec_".len()..])
            .unwrap()
    };
    let content = [
        format!("{EVENT_ID}.{TIMESTAMP}.").as_bytes(),
        body.as_slice(),
    ]
    .concat();

    let mut group = c.benchmark_group("webhook_signing_1kb");
    group
        .throughput(Throughput::Elements(1))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("baseline_bare_hmac_sha256", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&key)).unwrap();
            mac.update(black_box(&content));
            mac.finalize().into_bytes()
        });
    });
    group.bench_function("standard_webhooks_v1", |b| {
        b.iter(|| secret.sign_standard(EVENT_ID, black_box(TIMESTAMP), black_box(&body)));
    });
    group.bench_function("provider_dialect_hex", |b| {
        b.iter(|| secret.sign_provider(black_box(TIMESTAMP), black_box(&body)));
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
