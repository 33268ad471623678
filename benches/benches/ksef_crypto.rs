//! What KSeF's online-session send costs before validation: the simulator checks the SHA-256
//! of the encrypted bytes, decrypts them (AES-256-CBC, PKCS#7) and checks the SHA-256 of the
//! plaintext against the client's declaration, per invoice (networks/ksef/sessions.rs).
//!
//! The baseline in the same run is one SHA-256 of the encrypted bytes alone (the cheapest
//! check the send makes), so the figure reads as "the whole check costs N x one hash". Measured
//! on the minimal FA(3) invoice and on a 1,000-line one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crypto::{aes256_cbc_decrypt, aes256_cbc_encrypt, sha256_base64};
use eisim_benches::fixtures::{FA3_MINIMAL, large_fa3};

// KSeF's crypto is a private building block of eisim, not part of its API; the bench compiles
// the very same source file rather than widening the crate's surface for it.
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../../simulator/src/networks/ksef/crypto.rs"]
mod crypto;

/// What a client declares with an encrypted invoice, as the send request carries it.
struct Declared {
    content: Vec<u8>,
    encrypted_hash: String,
    invoice_size: usize,
    invoice_hash: String,
}

const KEY: [u8; 32] = [0x42; 32];
const IV: [u8; 16] = [0x24; 16];

fn declare(plain: &[u8]) -> Declared {
    let content = aes256_cbc_encrypt(&KEY, &IV, plain).unwrap();
    Declared {
        encrypted_hash: sha256_base64(&content),
        content,
        invoice_size: plain.len(),
        invoice_hash: sha256_base64(plain),
    }
}

/// The send's checks in the simulator's order; `Some(plaintext)` when all pass.
fn check(declared: &Declared) -> Option<Vec<u8>> {
    if sha256_base64(&declared.content) != declared.encrypted_hash {
        return None;
    }
    let plain = aes256_cbc_decrypt(&KEY, &IV, &declared.content).ok()?;
    (plain.len() == declared.invoice_size && sha256_base64(&plain) == declared.invoice_hash)
        .then_some(plain)
}

fn ksef_crypto(c: &mut Criterion) {
    let large = large_fa3(1_000);
    for (name, plain) in [
        ("fa3_minimal", FA3_MINIMAL),
        ("fa3_1000_lines", large.as_str()),
    ] {
        let declared = declare(plain.as_bytes());
        assert!(check(&declared).is_some(), "the declaration must check");
        let mut group = c.benchmark_group(format!("ksef_send_crypto/{name}"));
        group
            .throughput(Throughput::Elements(1))
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        group.bench_function("baseline_sha256_of_ciphertext", |b| {
            b.iter(|| sha256_base64(black_box(&declared.content)));
        });
        group.bench_function("hash_decrypt_hash", |b| {
            b.iter(|| check(black_box(&declared)).map(|p| p.len()));
        });
        group.finish();
    }
}

criterion_group!(benches, ksef_crypto);
criterion_main!(benches);
