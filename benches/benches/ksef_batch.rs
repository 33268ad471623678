//! Wall time of one KSeF batch close at volume: `POST /v2/sessions/batch/{ref}/close` for a
//! package of 10,000 FA(3) invoices (KSeF's limit per session), in-process through eisim's
//! router. The close is where eisim does the batch's work: each part's hash and decryption,
//! the ZIP's size and hash, the ZIP read, and every file taken in exactly as an online invoice
//! (FA(3) validation, the gateway document, the journal, status 100, its processing planned on
//! the clock). The statuses after 100 are events on the virtual clock; the time to fire them
//! all is printed too, apart.
//!
//! Two baselines in the same run, on the same package:
//! - *unpack only*: the parts decrypted, concatenated and every file read out of the ZIP with
//!   the RustCrypto and `zip` crates directly, the least any close must do;
//! - *online*: the same 10,000 invoices sent one by one in an online session
//!   (`POST /v2/sessions/online/{ref}/invoices`, each AES-encrypted beforehand), the way an
//!   integrator would without batch sessions.
//!
//! A plain timing binary (`harness = false` without criterion), like `sdi_lifecycle`: one
//! sample takes seconds, and criterion's ten samples with a fresh session each would not fit
//! the `cargo bench` budget. It runs `EISIM_BENCH_BATCH_RUNS` (default 3) closes and prints
//! each and the median. Without `--bench` (as `cargo test --benches` runs it) it does 200
//! invoices once, as a smoke check. The goal (issue 20): under 2 s for 10,000 in release.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Read as _, Write as _};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aes::Aes256;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut as _, KeyIvInit as _};
use eisim::Simulation;
use eisim_benches::fixtures::fa3_numbered;
use eisim_benches::load::ksef_client::{
    aes256_cbc_encrypt, public_key_from_certificate, rsa_oaep_encrypt, sha256_base64,
};
use eisim_benches::router::call;
use rsa::RsaPublicKey;
use serde_json::{Value, json};

const SCENARIO: &str = include_str!("../src/load/scenario.yaml");
const KSEF_TOKEN: &str = "eisim-demo-ksef-token";
const KEY: [u8; 32] = [0x42; 32];
const IV: [u8; 16] = [0x24; 16];
/// Parts of at most ~2 MB, under eisim's default 5 MiB request body limit.
const PART_BYTES: usize = 2_000_000;

struct Package {
    zip: Vec<u8>,
    parts: Vec<Vec<u8>>,
    invoices: Vec<Vec<u8>>,
}

fn package(count: usize, run: usize) -> Package {
    let invoices: Vec<Vec<u8>> = (1..=count)
        .map(|n| fa3_numbered(&format!("FV/BATCH/{run}/{n}")).into_bytes())
        .collect();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (n, invoice) in invoices.iter().enumerate() {
        writer
            .start_file(format!("faktura_{n:05}.xml"), options)
            .unwrap();
        writer.write_all(invoice).unwrap();
    }
    let zip = writer.finish().unwrap().into_inner();
    let parts = zip
        .chunks(PART_BYTES)
        .map(|chunk| aes256_cbc_encrypt(&KEY, &IV, chunk))
        .collect();
    Package {
        zip,
        parts,
        invoices,
    }
}

async fn json_call(
    app: &Router,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    let (status, bytes) = call(app, request.body(body).unwrap()).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A fresh run of the load scenario, logged in with its KSeF token: the router, the
/// simulation (for its clock), the access token and the key to wrap session keys with.
async fn logged_in() -> (Router, Arc<Simulation>, String, RsaPublicKey, String) {
    let scenario = eisim::scenario::parse(SCENARIO, "scenario.yaml").unwrap();
    let world = Arc::new(Simulation::new(
        scenario,
        "scenario.yaml".into(),
        eisim::Overrides::default(),
        eisim::Journal::default(),
    ));
    let app = eisim::app(world.clone(), eisim::ServerSettings::default());
    let (_, certificates) = json_call(
        &app,
        "GET",
        "/v2/security/public-key-certificates",
        None,
        Value::Null,
    )
    .await;
    let entry = certificates
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["usage"].to_string().contains("SymmetricKeyEncryption"))
        .unwrap();
    let key =
        public_key_from_certificate(&B64.decode(entry["certificate"].as_str().unwrap()).unwrap());
    let key_id = entry["publicKeyId"].as_str().unwrap().to_owned();
    let (_, challenge) = json_call(&app, "POST", "/v2/auth/challenge", None, Value::Null).await;
    let secret = format!(
        "{KSEF_TOKEN}|{}",
        challenge["timestampMs"].as_i64().unwrap()
    );
    let (_, started) = json_call(
        &app,
        "POST",
        "/v2/auth/ksef-token",
        None,
        json!({
            "challenge": challenge["challenge"],
            "contextIdentifier": {"type": "Nip", "value": "5265877635"},
            "encryptedToken": B64.encode(rsa_oaep_encrypt(&key, secret.as_bytes())),
            "publicKeyId": key_id,
        }),
    )
    .await;
    let operation = started["authenticationToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, redeemed) = json_call(
        &app,
        "POST",
        "/v2/auth/token/redeem",
        Some(&operation),
        Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{redeemed}");
    let access = redeemed["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    (app, world, access, key, key_id)
}

fn encryption(key: &RsaPublicKey, key_id: &str) -> Value {
    json!({
        "encryptedSymmetricKey": B64.encode(rsa_oaep_encrypt(key, &KEY)),
        "initializationVector": B64.encode(IV),
        "publicKeyId": key_id,
    })
}

struct Closed {
    close: Duration,
    processing: Duration,
}

/// Opens a batch session, uploads the parts, and times the close; then fires the statuses
/// after it on the clock and checks every invoice got its KSeF number.
async fn batch_close(package: &Package) -> Closed {
    let (app, world, access, key, key_id) = logged_in().await;
    let parts: Vec<Value> = package
        .parts
        .iter()
        .enumerate()
        .map(|(i, part)| json!({"ordinalNumber": i + 1, "fileSize": part.len(), "fileHash": sha256_base64(part)}))
        .collect();
    let (status, opened) = json_call(
        &app,
        "POST",
        "/v2/sessions/batch",
        Some(&access),
        json!({
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "batchFile": {"fileSize": package.zip.len(), "fileHash": sha256_base64(&package.zip), "fileParts": parts},
            "encryption": encryption(&key, &key_id),
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let reference = opened["referenceNumber"].as_str().unwrap().to_owned();
    for (request, part) in opened["partUploadRequests"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&package.parts)
    {
        let url = request["url"].as_str().unwrap();
        let path = &url[url.find("/ksef-storage/").unwrap()..];
        let upload = Request::put(path)
            .header("x-ms-blob-type", "BlockBlob")
            .body(Body::from(part.clone()))
            .unwrap();
        let (status, body) = call(&app, upload).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    let started = Instant::now();
    let (status, body) = json_call(
        &app,
        "POST",
        &format!("/v2/sessions/batch/{reference}/close"),
        Some(&access),
        Value::Null,
    )
    .await;
    let close = started.elapsed();
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let started = Instant::now();
    world.advance(Duration::from_secs(60)).unwrap();
    let processing = started.elapsed();
    // The access token outlives a minute of simulated time (15 minutes).
    let (_, session) = json_call(
        &app,
        "GET",
        &format!("/v2/sessions/{reference}"),
        Some(&access),
        Value::Null,
    )
    .await;
    assert_eq!(session["status"]["code"], 200, "{session}");
    assert_eq!(
        session["successfulInvoiceCount"],
        package.invoices.len(),
        "{session}"
    );
    Closed { close, processing }
}

/// The least a close must do: decrypt each part, put the ZIP together, read every file.
fn unpack_only(package: &Package) -> Duration {
    let started = Instant::now();
    let mut zip = Vec::with_capacity(package.zip.len());
    for part in &package.parts {
        let plain = cbc::Decryptor::<Aes256>::new(&KEY.into(), &IV.into())
            .decrypt_padded_vec_mut::<Pkcs7>(part)
            .unwrap();
        zip.extend_from_slice(&plain);
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(&zip)).unwrap();
    let mut total = 0;
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        total += bytes.len();
    }
    let elapsed = started.elapsed();
    assert_eq!(total, package.invoices.iter().map(Vec::len).sum::<usize>());
    elapsed
}

/// The same invoices sent one by one in an online session, each encrypted beforehand.
async fn online(package: &Package) -> Duration {
    let (app, _world, access, key, key_id) = logged_in().await;
    let (status, opened) = json_call(
        &app,
        "POST",
        "/v2/sessions/online",
        Some(&access),
        json!({
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": encryption(&key, &key_id),
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let path = format!(
        "/v2/sessions/online/{}/invoices",
        opened["referenceNumber"].as_str().unwrap()
    );
    let bodies: Vec<String> = package
        .invoices
        .iter()
        .map(|invoice| {
            let encrypted = aes256_cbc_encrypt(&KEY, &IV, invoice);
            json!({
                "invoiceHash": sha256_base64(invoice),
                "invoiceSize": invoice.len(),
                "encryptedInvoiceHash": sha256_base64(&encrypted),
                "encryptedInvoiceSize": encrypted.len(),
                "encryptedInvoiceContent": B64.encode(&encrypted),
            })
            .to_string()
        })
        .collect();
    let bearer = format!("Bearer {access}");
    let started = Instant::now();
    for body in bodies {
        let request = Request::post(path.as_str())
            .header("content-type", "application/json")
            .header("authorization", &bearer)
            .body(Body::from(body))
            .unwrap();
        let (status, answer) = call(&app, request).await;
        assert_eq!(
            status,
            StatusCode::ACCEPTED,
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    started.elapsed()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let benching = std::env::args().any(|arg| arg == "--bench");
    let invoices = std::env::var("EISIM_BENCH_BATCH_INVOICES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(if benching { 10_000 } else { 200 });
    let runs = std::env::var("EISIM_BENCH_BATCH_RUNS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(if benching { 3 } else { 1 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut closes = Vec::new();
    let mut processings = Vec::new();
    let mut unpacks = Vec::new();
    let mut onlines = Vec::new();
    for run in 0..runs {
        let package = package(invoices, run);
        let closed = runtime.block_on(batch_close(&package));
        let unpacked = unpack_only(&package);
        let sent = runtime.block_on(online(&package));
        println!(
            "ksef_batch run {}: {invoices} invoices, ZIP {} B in {} part(s): close {}, then statuses on the clock {}; unpack only {}; online one by one {}",
            run + 1,
            package.zip.len(),
            package.parts.len(),
            ms(closed.close),
            ms(closed.processing),
            ms(unpacked),
            ms(sent),
        );
        closes.push(closed.close);
        processings.push(closed.processing);
        unpacks.push(unpacked);
        onlines.push(sent);
    }
    let close = median(closes);
    let unpack = median(unpacks);
    let sent = median(onlines);
    println!(
        "ksef_batch median of {runs}: close {} ({:.1} µs/invoice); statuses on the clock {}; baseline unpack only {} (close = {:.1}x); baseline online one by one {} (close = {:.2}x of it); goal < 2 s for 10,000: {}",
        ms(close),
        close.as_secs_f64() * 1e6 / invoices as f64,
        ms(median(processings)),
        ms(unpack),
        close.as_secs_f64() / unpack.as_secs_f64(),
        ms(sent),
        close.as_secs_f64() / sent.as_secs_f64(),
        if invoices == 10_000 {
            if close < Duration::from_secs(2) {
                "met"
            } else {
                "not met"
            }
        } else {
            "n/a (not 10,000)"
        }
    );
}
