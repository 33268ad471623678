//! KSeF batch sessions driven as the official clients drive them: a ZIP of FA(3) invoices
//! built with the `zip` crate, split into parts, each part AES-256-CBC encrypted and hashed
//! (the tests' own crypto, [`crate::ksef_client_crypto`]), the session opened with the key
//! RSA-OAEP wrapped, every part `PUT` to the URL the opening answered with, then close, the
//! session's and the invoices' statuses, and the UPOs; every failure KSeF documents for a
//! package, on the virtual clock.

use std::io::{Cursor, Write as _};

use serde_json::{Value, json};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::TestSim;
use crate::ksef::{Answer, Client, IV, KEY, fixture, redact, scenario, step, with_number};
use crate::ksef_client_crypto::{aes256_cbc_encrypt, sha256_base64};

const BLOCK_BLOB: (&str, &str) = ("x-ms-blob-type", "BlockBlob");

/// `count` valid FA(3) invoices, each with its own number, named as a client names its files.
fn invoices(count: usize, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let template = fixture("fa3-minimal.xml");
    (1..=count)
        .map(|n| {
            (
                format!("faktura_{n:05}.xml"),
                with_number(&template, &format!("{prefix}/{n}")),
            )
        })
        .collect()
}

/// A deflated ZIP of the files, as the official clients write it.
fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// A package ready to declare: the ZIP and its parts, each split binary and encrypted.
struct Package {
    zip: Vec<u8>,
    parts: Vec<Vec<u8>>,
}

impl Package {
    fn of(zip: Vec<u8>, parts: usize, key: &[u8; 32]) -> Package {
        let size = zip.len().div_ceil(parts).max(1);
        let parts = zip
            .chunks(size)
            .map(|chunk| aes256_cbc_encrypt(key, &IV, chunk))
            .collect();
        Package { zip, parts }
    }

    fn declaration(&self) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .enumerate()
            .map(|(index, part)| {
                json!({
                    "ordinalNumber": index + 1,
                    "fileSize": part.len(),
                    "fileHash": sha256_base64(part),
                })
            })
            .collect();
        json!({
            "fileSize": self.zip.len(),
            "fileHash": sha256_base64(&self.zip),
            "fileParts": parts,
        })
    }
}

fn open_body(client: &Client<'_>, batch_file: Value, offline: bool) -> Value {
    json!({
        "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
        "batchFile": batch_file,
        "encryption": client.encryption(&KEY),
        "offlineMode": offline,
    })
}

/// The opening's answer, checked for its shape.
async fn open(client: &Client<'_>, body: Value) -> (String, Vec<String>, Answer) {
    let opened = client.post("/sessions/batch", Some(body)).await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    let reference = opened.body["referenceNumber"].as_str().unwrap().to_owned();
    assert!(reference.contains("-SB-"), "{reference}");
    let urls = opened.body["partUploadRequests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| {
            assert_eq!(request["method"], "PUT");
            assert_eq!(request["headers"], json!({"x-ms-blob-type": "BlockBlob"}));
            request["url"].as_str().unwrap().to_owned()
        })
        .collect();
    (reference, urls, opened)
}

async fn upload_all(client: &Client<'_>, urls: &[String], package: &Package) {
    for (url, part) in urls.iter().zip(&package.parts) {
        let put = client.put_part(url, &[BLOCK_BLOB], part.clone()).await;
        assert_eq!(put.status, 201, "{}", put.text);
    }
}

async fn close(client: &Client<'_>, reference: &str) -> Answer {
    client
        .post(&format!("/sessions/batch/{reference}/close"), None)
        .await
}

async fn logged_in(t: &TestSim) -> Client<'_> {
    let mut client = Client::connect(t, "/v2").await;
    client.login().await;
    client
}

fn exception_code(answer: &Answer) -> &Value {
    &answer.body["exception"]["exceptionDetailList"][0]["exceptionCode"]
}

/// Opens, uploads every part and closes a package of `files`; returns the session.
async fn send_batch(client: &Client<'_>, files: &[(String, Vec<u8>)], parts: usize) -> String {
    let package = Package::of(zip_of(files), parts, &KEY);
    let (reference, urls, _) = open(client, open_body(client, package.declaration(), false)).await;
    assert_eq!(urls.len(), parts);
    upload_all(client, &urls, &package).await;
    let closed = close(client, &reference).await;
    assert_eq!(closed.status, 204, "{}", closed.text);
    reference
}

#[tokio::test]
async fn a_batch_of_three_runs_end_to_end_with_real_cryptography() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let files = invoices(3, "FV/BATCH");
    let package = Package::of(zip_of(&files), 2, &KEY);
    let (reference, urls, opened) =
        open(&client, open_body(&client, package.declaration(), false)).await;
    assert_eq!(urls.len(), 2);
    insta::assert_json_snapshot!("ksef_batch_opened", redact(opened.body));

    let before = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(before.body["status"]["code"], 100, "{}", before.text);
    upload_all(&client, &urls, &package).await;
    let closed = close(&client, &reference).await;
    assert_eq!(closed.status, 204, "{}", closed.text);
    let again = close(&client, &reference).await;
    assert_eq!(again.status, 400);
    assert_eq!(*exception_code(&again), 21180, "{}", again.text);

    let processing = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(
        processing.body["status"]["code"], 150,
        "{}",
        processing.text
    );
    insta::assert_json_snapshot!("ksef_batch_processing", redact(processing.body));

    step(&t, 1).await;
    let listed = client.get(&format!("/sessions/{reference}/invoices")).await;
    let codes: Vec<&Value> = listed.body["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["status"]["code"])
        .collect();
    assert_eq!(codes, [150, 150, 150], "{}", listed.text);
    step(&t, 10).await;

    let done = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    assert_eq!(done.body["successfulInvoiceCount"], 3);
    insta::assert_json_snapshot!("ksef_batch_done", redact(done.body.clone()));

    let listed = client.get(&format!("/sessions/{reference}/invoices")).await;
    let invoices = listed.body["invoices"].as_array().unwrap();
    for (invoice, (name, bytes)) in invoices.iter().zip(&files) {
        assert_eq!(invoice["invoiceFileName"], name.as_str());
        assert_eq!(invoice["invoiceHash"], sha256_base64(bytes));
        assert_eq!(invoice["invoicingMode"], "Online");
        assert_eq!(invoice["status"]["code"], 200);
        assert!(invoice["ksefNumber"].as_str().is_some());
    }
    insta::assert_json_snapshot!("ksef_batch_invoice", redact(invoices[0].clone()));
    let failed = client
        .get(&format!("/sessions/{reference}/invoices/failed"))
        .await;
    assert_eq!(failed.body["invoices"], json!([]), "{}", failed.text);

    let invoice_ref = invoices[0]["referenceNumber"].as_str().unwrap();
    let upo = client
        .get(&format!("/sessions/{reference}/invoices/{invoice_ref}/upo"))
        .await;
    assert_eq!(upo.status, 200, "{}", upo.text);
    assert!(upo.text.contains(&reference), "{}", upo.text);
    assert!(upo.text.contains("<TrybWysylki>Online</TrybWysylki>"));

    let page = done.body["upo"]["pages"][0]["downloadUrl"]
        .as_str()
        .unwrap();
    let collective = t.http.get(page).send().await.unwrap().text().await.unwrap();
    for invoice in invoices {
        assert!(collective.contains(invoice["ksefNumber"].as_str().unwrap()));
    }

    let batch_list = client.get("/sessions?sessionType=Batch").await;
    assert_eq!(
        batch_list.body["sessions"][0]["referenceNumber"], reference,
        "{}",
        batch_list.text
    );
    let online_list = client.get("/sessions?sessionType=Online").await;
    assert_eq!(online_list.body["sessions"], json!([]));
}

#[tokio::test]
async fn a_batch_of_a_thousand_is_numbered_with_a_collective_upo() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let files = invoices(1000, "FV/K");
    let reference = send_batch(&client, &files, 3).await;
    step(&t, 20).await;
    let done = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    assert_eq!(done.body["invoiceCount"], 1000);
    assert_eq!(done.body["successfulInvoiceCount"], 1000);
    assert_eq!(done.body["failedInvoiceCount"], 0);
    let pages = done.body["upo"]["pages"].as_array().unwrap();
    assert!(!pages.is_empty());
    let listed = client
        .get(&format!("/sessions/{reference}/invoices?pageSize=1000"))
        .await;
    let invoices = listed.body["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1000);
    let last = &invoices[999];
    assert_eq!(last["ordinalNumber"], 1000);
    assert_eq!(last["invoiceFileName"], "faktura_01000.xml");
    let number = last["ksefNumber"].as_str().unwrap();
    let upo = client
        .get(&format!("/sessions/{reference}/invoices/ksef/{number}/upo"))
        .await;
    assert_eq!(upo.status, 200, "{}", upo.text);
    let mut numbers = 0;
    for page in pages {
        let url = page["downloadUrl"].as_str().unwrap();
        let xml = t.http.get(url).send().await.unwrap().text().await.unwrap();
        numbers += xml.matches("<NumerKSeFDokumentu>").count();
    }
    assert_eq!(numbers, 1000, "every invoice on a collective UPO page");
}

#[tokio::test]
async fn offline_mode_marks_the_invoices_and_their_upos() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(2, "FV/OFF")), 1, &KEY);
    let (reference, urls, _) = open(&client, open_body(&client, package.declaration(), true)).await;
    upload_all(&client, &urls, &package).await;
    assert_eq!(close(&client, &reference).await.status, 204);
    step(&t, 20).await;
    let listed = client.get(&format!("/sessions/{reference}/invoices")).await;
    let invoice = &listed.body["invoices"][0];
    assert_eq!(invoice["invoicingMode"], "Offline", "{}", listed.text);
    let upo = client
        .get(&format!(
            "/sessions/{reference}/invoices/{}/upo",
            invoice["referenceNumber"].as_str().unwrap()
        ))
        .await;
    assert!(
        upo.text.contains("<TrybWysylki>Offline</TrybWysylki>"),
        "{}",
        upo.text
    );
}

#[tokio::test]
async fn each_file_is_judged_like_an_online_invoice() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let mut files = invoices(2, "FV/MIX");
    files.push(("duplicate.xml".to_owned(), files[0].1.clone()));
    files.push(("invalid.xml".to_owned(), fixture("450.kod-systemowy.xml")));
    files.push(("huge.xml".to_owned(), vec![b' '; 3_000_001]));
    let reference = send_batch(&client, &files, 2).await;
    step(&t, 20).await;
    let done = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    assert_eq!(done.body["successfulInvoiceCount"], 2);
    assert_eq!(done.body["failedInvoiceCount"], 3);
    let failed = client
        .get(&format!("/sessions/{reference}/invoices/failed"))
        .await;
    let codes: Vec<(&Value, &Value)> = failed.body["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (&i["invoiceFileName"], &i["status"]["code"]))
        .collect();
    assert_eq!(
        codes,
        [
            (&json!("duplicate.xml"), &json!(440)),
            (&json!("invalid.xml"), &json!(450)),
            (&json!("huge.xml"), &json!(430)),
        ],
        "{}",
        failed.text
    );
    insta::assert_json_snapshot!("ksef_batch_failed_invoices", redact(failed.body));
}

#[tokio::test]
async fn a_part_whose_hash_does_not_match_fails_the_session_with_405() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(3, "FV/H")), 2, &KEY);
    let mut declared = package.declaration();
    declared["fileParts"][1]["fileHash"] = json!(sha256_base64(b"another part"));
    let (reference, urls, _) = open(&client, open_body(&client, declared, false)).await;
    upload_all(&client, &urls, &package).await;
    assert_eq!(close(&client, &reference).await.status, 204);
    let processing = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(processing.body["status"]["code"], 150);
    step(&t, 1).await;
    let failed = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(failed.body["status"]["code"], 405, "{}", failed.text);
    insta::assert_json_snapshot!("ksef_batch_part_hash", redact(failed.body));
    let invoices = client.get(&format!("/sessions/{reference}/invoices")).await;
    assert_eq!(invoices.body["invoices"], json!([]));
}

/// Each package KSeF gives up on while processing, and the status it shows.
#[tokio::test]
async fn broken_packages_show_their_status_after_processing() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;

    // Not a ZIP at all, but declared and encrypted correctly.
    let garbage = Package::of(b"PK\x03\x04 this is not an archive".repeat(40), 2, &KEY);
    // Encrypted with another key than the one the session was opened with.
    let other_key = Package::of(zip_of(&invoices(1, "FV/K2")), 1, &[3; 32]);
    // One file more than a session may hold.
    let too_many: Vec<(String, Vec<u8>)> = (0..10_001)
        .map(|n| (format!("{n}.xml"), b"<x/>".to_vec()))
        .collect();
    let too_many = Package::of(zip_of(&too_many), 2, &KEY);
    // A declared ZIP hash that is not the reassembled ZIP's.
    let wrong_zip = Package::of(zip_of(&invoices(1, "FV/Z")), 1, &KEY);
    let mut wrong_zip_declared = wrong_zip.declaration();
    wrong_zip_declared["fileHash"] = json!(sha256_base64(b"another zip"));

    for (name, package, declared, code) in [
        ("corrupt_zip", &garbage, garbage.declaration(), 430),
        (
            "undecryptable_part",
            &other_key,
            other_key.declaration(),
            435,
        ),
        ("too_many_invoices", &too_many, too_many.declaration(), 420),
        ("zip_hash", &wrong_zip, wrong_zip_declared, 405),
    ] {
        let (reference, urls, _) = open(&client, open_body(&client, declared, false)).await;
        upload_all(&client, &urls, package).await;
        let closed = close(&client, &reference).await;
        assert_eq!(closed.status, 204, "{name}: {}", closed.text);
        step(&t, 1).await;
        let status = client.get(&format!("/sessions/{reference}")).await;
        assert_eq!(
            status.body["status"]["code"], code,
            "{name}: {}",
            status.text
        );
        insta::assert_json_snapshot!(format!("ksef_batch_broken_{name}"), redact(status.body));
    }
}

#[tokio::test]
async fn close_refuses_missing_short_and_empty_packages() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(3, "FV/M")), 2, &KEY);

    // Part 2 never sent.
    let (reference, urls, _) =
        open(&client, open_body(&client, package.declaration(), false)).await;
    let put = client
        .put_part(&urls[0], &[BLOCK_BLOB], package.parts[0].clone())
        .await;
    assert_eq!(put.status, 201);
    let missing = close(&client, &reference).await;
    assert_eq!(missing.status, 400);
    assert_eq!(*exception_code(&missing), 21205, "{}", missing.text);
    insta::assert_json_snapshot!("ksef_batch_close_missing_part", redact(missing.body));

    // Part 2 sent short of its declared size.
    let short = package.parts[1][..16].to_vec();
    assert_eq!(
        client.put_part(&urls[1], &[BLOCK_BLOB], short).await.status,
        201
    );
    let wrong_size = close(&client, &reference).await;
    assert_eq!(*exception_code(&wrong_size), 21157, "{}", wrong_size.text);
    insta::assert_json_snapshot!("ksef_batch_close_part_size", redact(wrong_size.body));

    // Sent again in full, the package closes.
    upload_all(&client, &urls, &package).await;
    assert_eq!(close(&client, &reference).await.status, 204);
    let late = client
        .put_part(&urls[0], &[BLOCK_BLOB], package.parts[0].clone())
        .await;
    assert_eq!(late.status, 403, "no upload after close: {}", late.text);

    // An archive without files.
    let empty = Package::of(zip_of(&[]), 1, &KEY);
    let (reference, urls, _) = open(&client, open_body(&client, empty.declaration(), false)).await;
    upload_all(&client, &urls, &empty).await;
    let closed = close(&client, &reference).await;
    assert_eq!(*exception_code(&closed), 21205, "{}", closed.text);
    insta::assert_json_snapshot!("ksef_batch_close_empty", redact(closed.body));

    // Another session's kind, or none.
    let online = client.open().await;
    let not_batch = close(&client, &online).await;
    assert_eq!(*exception_code(&not_batch), 21173, "{}", not_batch.text);
    let batch_as_online = client
        .post(&format!("/sessions/online/{reference}/close"), None)
        .await;
    assert_eq!(*exception_code(&batch_as_online), 21173);
}

#[tokio::test]
async fn the_upload_window_is_twenty_minutes_per_part_on_the_simulated_clock() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(2, "FV/T")), 2, &KEY);
    let (reference, urls, _) =
        open(&client, open_body(&client, package.declaration(), false)).await;
    let first = client
        .put_part(&urls[0], &[BLOCK_BLOB], package.parts[0].clone())
        .await;
    assert_eq!(first.status, 201);
    step(&t, 40 * 60 - 1).await;
    let still = client
        .put_part(&urls[0], &[BLOCK_BLOB], package.parts[0].clone())
        .await;
    assert_eq!(
        still.status, 201,
        "two parts have 40 minutes: {}",
        still.text
    );
    step(&t, 1).await;
    let expired = client
        .put_part(&urls[1], &[BLOCK_BLOB], package.parts[1].clone())
        .await;
    assert_eq!(expired.status, 403, "{}", expired.text);
    // The access token lives 15 minutes; a client refreshes it as it goes.
    client.refresh_access().await;
    insta::assert_json_snapshot!("ksef_batch_upload_expired", redact(expired.body));
    let closed = close(&client, &reference).await;
    assert_eq!(*exception_code(&closed), 21208, "{}", closed.text);
    insta::assert_json_snapshot!("ksef_batch_close_expired", redact(closed.body));
    let status = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(status.body["status"]["code"], 440);
    insta::assert_json_snapshot!("ksef_batch_expired", redact(status.body));

    // A session nothing was uploaded to says so.
    let (idle, _, _) = open(&client, open_body(&client, package.declaration(), false)).await;
    step(&t, 40 * 60).await;
    client.refresh_access().await;
    let status = client.get(&format!("/sessions/{idle}")).await;
    assert_eq!(
        status.body["status"]["details"],
        json!(["Nie przesłano faktur"]),
        "{}",
        status.text
    );
}

#[tokio::test]
async fn uploads_need_the_blob_header_and_a_url_eisim_handed_out() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(1, "FV/U")), 1, &KEY);
    let (_, urls, _) = open(&client, open_body(&client, package.declaration(), false)).await;
    let no_header = client
        .put_part(&urls[0], &[], package.parts[0].clone())
        .await;
    assert_eq!(no_header.status, 400, "{}", no_header.text);
    insta::assert_json_snapshot!("ksef_batch_upload_no_blob_type", redact(no_header.body));
    let append = client
        .put_part(
            &urls[0],
            &[("x-ms-blob-type", "AppendBlob")],
            package.parts[0].clone(),
        )
        .await;
    assert_eq!(append.status, 400, "{}", append.text);

    let (base, _) = urls[0].rsplit_once('/').unwrap();
    let unknown = client
        .put_part(
            &format!("{base}/{}", "0".repeat(64)),
            &[BLOCK_BLOB],
            package.parts[0].clone(),
        )
        .await;
    assert_eq!(unknown.status, 403, "{}", unknown.text);
    insta::assert_json_snapshot!("ksef_batch_upload_unknown", redact(unknown.body));
}

#[tokio::test]
async fn the_opening_checks_the_declaration() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(1, "FV/O")), 1, &KEY);
    let part = package.declaration()["fileParts"][0].clone();

    let mut too_many = package.declaration();
    too_many["fileParts"] = Value::Array(
        (1..=51)
            .map(|n| {
                let mut p = part.clone();
                p["ordinalNumber"] = json!(n);
                p
            })
            .collect(),
    );
    let mut odd_size = package.declaration();
    odd_size["fileParts"][0]["fileSize"] = json!(17);
    let mut huge_part = package.declaration();
    huge_part["fileParts"][0]["fileSize"] = json!(100_000_032_u64);
    let mut gap = package.declaration();
    gap["fileParts"][0]["ordinalNumber"] = json!(2);
    let mut bad_hash = package.declaration();
    bad_hash["fileHash"] = json!("not a hash");
    for (name, declared, code) in [
        ("too_many_parts", too_many, 21161),
        ("part_size", odd_size, 21157),
        ("part_over_100_mb", huge_part, 21157),
        ("ordinal_gap", gap, 21405),
        ("file_hash", bad_hash, 21405),
    ] {
        let answer = client
            .post("/sessions/batch", Some(open_body(&client, declared, false)))
            .await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.text);
        assert_eq!(*exception_code(&answer), code, "{name}: {}", answer.text);
        insta::assert_json_snapshot!(format!("ksef_batch_open_{name}"), redact(answer.body));
        step(&t, 1).await;
    }

    let mut unknown_key = open_body(&client, package.declaration(), false);
    unknown_key["encryption"]["publicKeyId"] = json!("A".repeat(44));
    let answer = client.post("/sessions/batch", Some(unknown_key)).await;
    assert_eq!(*exception_code(&answer), 21470, "{}", answer.text);

    let mut tar = open_body(&client, package.declaration(), false);
    tar["batchFile"]["compressionType"] = json!("TarGz");
    let answer = client.post("/sessions/batch", Some(tar)).await;
    assert_eq!(answer.status, 501, "{}", answer.text);
    insta::assert_json_snapshot!("ksef_batch_open_targz", redact(answer.body));

    let mut fa2 = open_body(&client, package.declaration(), false);
    fa2["formCode"]["systemCode"] = json!("FA (2)");
    let answer = client.post("/sessions/batch", Some(fa2)).await;
    assert_eq!(*exception_code(&answer), 21405, "{}", answer.text);

    let mut bad_key = open_body(&client, package.declaration(), false);
    bad_key["encryption"]["encryptedSymmetricKey"] = json!("AAAA");
    let (reference, urls, _) = open(&client, bad_key).await;
    upload_all(&client, &urls, &package).await;
    let status = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(status.body["status"]["code"], 415, "{}", status.text);
    let closed = close(&client, &reference).await;
    assert_eq!(*exception_code(&closed), 21180, "{}", closed.text);
}

#[tokio::test]
async fn the_upload_urls_carry_the_scenarios_storage_host() {
    let t = TestSim::with_scenario(&scenario("  storage_url: https://storage.example.test/")).await;
    let client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(1, "FV/S")), 1, &KEY);
    let (_, urls, _) = open(&client, open_body(&client, package.declaration(), false)).await;
    assert!(
        urls[0].starts_with("https://storage.example.test/ksef-storage/batch-parts/"),
        "{}",
        urls[0]
    );
    // The proxy in front of eisim forwards the path as it is.
    let path = urls[0].trim_start_matches("https://storage.example.test");
    let put = client
        .put_part(&t.url(path), &[BLOCK_BLOB], package.parts[0].clone())
        .await;
    assert_eq!(put.status, 201, "{}", put.text);
}

#[tokio::test]
async fn batch_calls_need_an_access_token_and_count_against_the_batch_session_group() {
    let t = TestSim::with_scenario(&scenario(
        "  rate_limits: { groups: { batchSession: { per_second: 2 } } }",
    ))
    .await;
    let client = logged_in(&t).await;
    let package = Package::of(zip_of(&invoices(1, "FV/R")), 1, &KEY);
    let anonymous = Client::connect(&t, "/v2").await;
    let refused = anonymous
        .post(
            "/sessions/batch",
            Some(open_body(&client, package.declaration(), false)),
        )
        .await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    let (reference, urls, _) =
        open(&client, open_body(&client, package.declaration(), false)).await;
    upload_all(&client, &urls, &package).await;
    let anonymous_close = anonymous
        .post(&format!("/sessions/batch/{reference}/close"), None)
        .await;
    assert_eq!(anonymous_close.status, 401);
    // The opening and this close are the group's two calls in this second; uploads do not
    // count.
    assert_eq!(close(&client, &reference).await.status, 204);
    let limited = client
        .post(
            "/sessions/batch",
            Some(open_body(&client, package.declaration(), false)),
        )
        .await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    insta::assert_json_snapshot!("ksef_batch_rate_limited", redact(limited.body));
}

#[tokio::test]
async fn a_batch_without_one_valid_invoice_ends_with_445() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = logged_in(&t).await;
    let files = vec![("invalid.xml".to_owned(), fixture("450.kod-systemowy.xml"))];
    let reference = send_batch(&client, &files, 1).await;
    step(&t, 20).await;
    let status = client.get(&format!("/sessions/{reference}")).await;
    assert_eq!(status.body["status"]["code"], 445, "{}", status.text);
    insta::assert_json_snapshot!("ksef_batch_no_valid_invoice", redact(status.body));
    // An online send to a batch session does not find an online session.
    let sent = client
        .send(&reference, Client::send_body(b"<Faktura/>", &KEY))
        .await;
    assert_eq!(*exception_code(&sent), 21173, "{}", sent.text);
}
