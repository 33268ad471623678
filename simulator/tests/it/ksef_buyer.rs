//! The buyer's side of KSeF, driven as a buyer's ERP drives it: invoices a seller sends (in
//! an online session or through the gateway) appear in the buyer's and third parties'
//! contexts, found with `POST /invoices/query/metadata` (the incremental sync on the
//! high-water mark across two simulated days), exported into encrypted packages that are
//! decrypted and unzipped here with the crates (aes, cbc, zip, sha2), and downloaded by KSeF
//! number. Every error path has its snapshot.

use std::collections::{BTreeSet, HashSet};
use std::io::Read as _;

use aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use serde_json::{Value, json};

use crate::TestSim;
use crate::ksef::{Client, KEY, fixture, redact, step, with_number};
use crate::ksef_client_crypto::sha256_base64;

const SELLER: &str = "5265877635";
const BUYER: &str = "5261040828";
const THIRD: &str = "6771234561";
const BUYER_TOKEN: &str = "odra-ksef-token";
const THIRD_TOKEN: &str = "nowak-ksef-token";
const EXPORT_KEY: [u8; 32] = [3; 32];
const EXPORT_IV: [u8; 16] = [4; 16];

fn scenario() -> String {
    format!(
        r#"
name: ksef-buyer
clock: {{ mode: virtual, start: 2026-11-02T09:00:00Z }}
seed: 5
tenants:
  - id: acme
    credentials: [ {{ client_id: acme-client, client_secret: acme-secret }} ]
  - id: odra
    credentials: [ {{ client_id: odra-client, client_secret: odra-secret }} ]
  - id: nowak
    credentials: [ {{ client_id: nowak-client, client_secret: nowak-secret }} ]
participants:
  - {{ id: "KSEF:{SELLER}", network: ksef, tenant: acme }}
  - {{ id: "KSEF:{BUYER}", network: ksef, tenant: odra }}
  - {{ id: "KSEF:{THIRD}", network: ksef, tenant: nowak }}
ksef:
  tokens:
    - {{ token: "20261101-EC-1A2B3C4D5E-6F7A8B9C0D-00|nip-5265877635|7f3a9c", context: "{SELLER}" }}
    - {{ token: "{BUYER_TOKEN}", context: "{BUYER}" }}
    - {{ token: "{THIRD_TOKEN}", context: "{THIRD}" }}
  rate_limits: {{ enabled: false }}
"#
    )
}

/// The seller, the buyer and the third party, each logged into its own context.
async fn parties(t: &TestSim) -> (Client<'_>, Client<'_>, Client<'_>) {
    let mut seller = Client::connect(t, "/v2").await;
    seller.login().await;
    let mut buyer = Client::connect(t, "/v2").await;
    buyer.login_as(BUYER, BUYER_TOKEN).await;
    let mut third = Client::connect(t, "/v2").await;
    third.login_as(THIRD, THIRD_TOKEN).await;
    (seller, buyer, third)
}

/// The minimal invoice under `number`, naming the third party as a factor when asked.
fn invoice(number: &str, with_third: bool) -> Vec<u8> {
    let plain = with_number(&fixture("fa3-minimal.xml"), number);
    if !with_third {
        return plain;
    }
    String::from_utf8(plain)
        .unwrap()
        .replace(
            "</Podmiot2>",
            &format!("</Podmiot2>\n  <Podmiot3>\n    <DaneIdentyfikacyjne>\n      <NIP>{THIRD}</NIP>\n      <Nazwa>Faktor Nowak S.A.</Nazwa>\n    </DaneIdentyfikacyjne>\n    <Rola>1</Rola>\n  </Podmiot3>"),
        )
        .into_bytes()
}

/// Sends each invoice in `session` (all taken with 202).
async fn send_all(seller: &Client<'_>, session: &str, invoices: &[Vec<u8>]) {
    for invoice in invoices {
        let sent = seller.send(session, Client::send_body(invoice, &KEY)).await;
        assert_eq!(sent.status, 202, "{}", sent.text);
    }
}

fn filters(subject: &str, date_type: &str, from: &str) -> Value {
    json!({"subjectType": subject, "dateRange": {"dateType": date_type, "from": from}})
}

async fn query(client: &Client<'_>, params: &str, body: Value) -> crate::ksef::Answer {
    client
        .post(&format!("/invoices/query/metadata{params}"), Some(body))
        .await
}

fn numbers(answer: &Value) -> Vec<String> {
    answer["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ksefNumber"].as_str().unwrap().to_owned())
        .collect()
}

fn exception_code(answer: &crate::ksef::Answer) -> Value {
    answer.body["exception"]["exceptionDetailList"][0]["exceptionCode"].clone()
}

#[tokio::test]
async fn a_purchase_is_visible_to_its_buyer_and_third_party_and_nobody_else() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (seller, buyer, third) = parties(&t).await;
    let session = seller.open().await;
    let plain = invoice("FV/B/1", false);
    let factored = invoice("FV/B/2", true);
    send_all(&seller, &session, &[plain.clone(), factored.clone()]).await;
    step(&t, 3).await;

    // Numbered but not yet permanently stored: not listed, and not yet downloadable.
    let from = "2026-11-01T00:00:00Z";
    let early = query(&buyer, "", filters("Subject2", "Invoicing", from)).await;
    assert_eq!(early.status, 200, "{}", early.text);
    assert_eq!(early.body["invoices"], json!([]));
    let sold = query(&seller, "", filters("Subject1", "Invoicing", from)).await;
    assert_eq!(sold.body["invoices"], json!([]));

    step(&t, 5).await;
    let bought = query(&buyer, "", filters("Subject2", "PermanentStorage", from)).await;
    assert_eq!(bought.status, 200, "{}", bought.text);
    insta::assert_json_snapshot!("ksef_buyer_query_subject2", redact(bought.body.clone()));
    let purchases = numbers(&bought.body);
    assert_eq!(purchases.len(), 2);
    let sold = query(&seller, "", filters("Subject1", "Invoicing", from)).await;
    assert_eq!(numbers(&sold.body), purchases);
    // P_1 is 2026-10-30: an issue-date range from November finds nothing.
    let issued = query(&seller, "", filters("Subject1", "Issue", from)).await;
    assert_eq!(issued.body["invoices"], json!([]));
    let factor = query(&third, "", filters("Subject3", "Invoicing", from)).await;
    assert_eq!(numbers(&factor.body), vec![purchases[1].clone()]);
    // The third party is nobody's buyer.
    let none = query(&third, "", filters("Subject2", "Invoicing", from)).await;
    assert_eq!(none.body["invoices"], json!([]));

    // Downloads: the buyer both, the factor its one, with the hash header.
    let download = buyer.get(&format!("/invoices/ksef/{}", purchases[0])).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, plain);
    assert_eq!(
        download.headers["x-ms-meta-hash"].to_str().unwrap(),
        sha256_base64(&plain)
    );
    let download = third.get(&format!("/invoices/ksef/{}", purchases[1])).await;
    assert_eq!(download.bytes, factored);
    let refused = third.get(&format!("/invoices/ksef/{}", purchases[0])).await;
    assert_eq!(refused.status, 400);
    insta::assert_json_snapshot!("ksef_buyer_download_21164", refused.body);
    let unknown = buyer
        .get("/invoices/ksef/5265877635-20261102-0000000000AA-00")
        .await;
    assert_eq!(exception_code(&unknown), 21164);
}

#[tokio::test]
async fn a_download_before_permanent_storage_is_21165() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (seller, buyer, _) = parties(&t).await;
    let session = seller.open().await;
    send_all(&seller, &session, &[invoice("FV/B/9", false)]).await;
    step(&t, 3).await;
    let listed = seller.get(&format!("/sessions/{session}/invoices")).await;
    let number = listed.body["invoices"][0]["ksefNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let early = buyer.get(&format!("/invoices/ksef/{number}")).await;
    assert_eq!(early.status, 400);
    insta::assert_json_snapshot!("ksef_buyer_download_21165", early.body);
    step(&t, 5).await;
    assert_eq!(
        buyer.get(&format!("/invoices/ksef/{number}")).await.status,
        200
    );
}

#[tokio::test]
async fn a_gateway_invoice_reaches_the_buyer_too() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (_, buyer, _) = parties(&t).await;
    let token = t.token("acme-client", "acme-secret").await;
    let bytes = invoice("GW/1", false);
    let created = t
        .http
        .post(t.url("/api/v1/invoices"))
        .bearer_auth(&token)
        .json(&json!({
            "document": B64.encode(&bytes),
            "network": "ksef",
            "recipient": format!("KSEF:{BUYER}"),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    step(&t, 40).await;
    let bought = query(
        &buyer,
        "",
        filters("Subject2", "PermanentStorage", "2026-11-02T00:00:00Z"),
    )
    .await;
    let found = bought.body["invoices"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", bought.text);
    assert_eq!(found[0]["invoiceNumber"], "GW/1");
    assert_eq!(found[0]["invoiceHash"], sha256_base64(&bytes));
    let number = found[0]["ksefNumber"].as_str().unwrap();
    let download = buyer.get(&format!("/invoices/ksef/{number}")).await;
    assert_eq!(download.bytes, bytes);
}

#[tokio::test]
async fn filters_sorting_and_pages() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (seller, buyer, _) = parties(&t).await;
    let session = seller.open().await;
    let invoices: Vec<Vec<u8>> = (1..=12)
        .map(|n| invoice(&format!("FV/P/{n:02}"), n == 12))
        .collect();
    for chunk in invoices.chunks(4) {
        send_all(&seller, &session, chunk).await;
        step(&t, 1).await;
    }
    step(&t, 10).await;
    let from = "2026-11-02T00:00:00Z";
    let base = filters("Subject2", "PermanentStorage", from);
    let first = query(&buyer, "?pageSize=10&pageOffset=0", base.clone()).await;
    assert_eq!(
        (
            first.body["hasMore"].clone(),
            first.body["isTruncated"].clone()
        ),
        (json!(true), json!(false))
    );
    let second = query(&buyer, "?pageSize=10&pageOffset=1", base.clone()).await;
    assert_eq!(second.body["hasMore"], false);
    let mut all = numbers(&first.body);
    all.extend(numbers(&second.body));
    assert_eq!(all.len(), 12);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 12);
    let desc = query(&buyer, "?sortOrder=Desc&pageSize=250", base.clone()).await;
    let mut reversed = numbers(&desc.body);
    reversed.reverse();
    assert_eq!(
        reversed, all,
        "Desc is Asc reversed (ties in storage order)"
    );
    let dates: Vec<&str> = desc.body["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["permanentStorageDate"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));

    let count = |answer: &crate::ksef::Answer| answer.body["invoices"].as_array().unwrap().len();
    let with = |extra: Value| {
        let mut body = base.clone();
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (json!({"invoiceNumber": "FV/P/03"}), 1),
        (json!({"ksefNumber": all[4]}), 1),
        (json!({"sellerNip": SELLER}), 12),
        (json!({"sellerNip": "1111111111"}), 0),
        (
            json!({"buyerIdentifier": {"type": "Nip", "value": BUYER}}),
            12,
        ),
        (json!({"buyerIdentifier": {"type": "VatUe"}}), 0),
        (json!({"currencyCodes": ["PLN"]}), 12),
        (json!({"currencyCodes": ["EUR"]}), 0),
        (json!({"invoiceTypes": ["Vat"]}), 12),
        (json!({"invoiceTypes": ["Kor", "Zal"]}), 0),
        (
            json!({"amount": {"type": "Brutto", "from": 1230, "to": 1230}}),
            12,
        ),
        (json!({"amount": {"type": "Netto", "from": 1000.01}}), 0),
        (json!({"amount": {"type": "Vat", "to": 230}}), 12),
        (json!({"formType": "FA"}), 12),
        (json!({"formType": "PEF"}), 0),
        (json!({"invoicingMode": "Online"}), 12),
        (json!({"invoicingMode": "Offline"}), 0),
        (json!({"isSelfInvoicing": false}), 12),
        (json!({"hasAttachment": true}), 0),
        (json!({"hasAttachment": false}), 12),
    ];
    for (extra, expected) in cases {
        let answer = query(&buyer, "?pageSize=250", with(extra.clone())).await;
        assert_eq!(answer.status, 200, "{extra}: {}", answer.text);
        assert_eq!(count(&answer), expected, "{extra}");
    }
    // The Podmiot3 invoice is in the factor's view, not on the buyer's list under Subject3.
    let third = query(&buyer, "", filters("Subject3", "Issue", from)).await;
    assert_eq!(count(&third), 0);
    // Issue dates are calendar days: P_1 is 2026-10-30.
    let issued = query(
        &buyer,
        "?pageSize=250",
        json!({"subjectType": "Subject2", "dateRange": {"dateType": "Issue", "from": "2026-10-30T00:00:00", "to": "2026-10-30T23:59:59"}}),
    )
    .await;
    assert_eq!(count(&issued), 12);
    assert!(issued.body.get("permanentStorageHwmDate").is_none());
}

#[tokio::test]
async fn query_errors_have_ksef_codes() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (_, buyer, _) = parties(&t).await;
    let from = "2026-11-02T00:00:00Z";
    let cases = [
        (
            "missing_subject",
            "",
            json!({"dateRange": {"dateType": "Issue", "from": from}}),
        ),
        (
            "bad_subject",
            "",
            json!({"subjectType": "Subject9", "dateRange": {"dateType": "Issue", "from": from}}),
        ),
        ("missing_range", "", json!({"subjectType": "Subject2"})),
        ("bad_date_type", "", filters("Subject2", "Yesterday", from)),
        ("bad_from", "", filters("Subject2", "Issue", "2.11.2026")),
        (
            "from_after_to",
            "",
            json!({"subjectType": "Subject2", "dateRange": {"dateType": "Issue", "from": from, "to": "2026-10-01T00:00:00Z"}}),
        ),
        (
            "over_three_months",
            "",
            json!({"subjectType": "Subject2", "dateRange": {"dateType": "Issue", "from": "2026-07-01T00:00:00Z", "to": "2026-10-02T00:00:00Z"}}),
        ),
        (
            "page_size_small",
            "?pageSize=9",
            filters("Subject2", "Issue", from),
        ),
        (
            "page_size_large",
            "?pageSize=251",
            filters("Subject2", "Issue", from),
        ),
        (
            "page_offset",
            "?pageOffset=-1",
            filters("Subject2", "Issue", from),
        ),
        (
            "sort_order",
            "?sortOrder=Up",
            filters("Subject2", "Issue", from),
        ),
        (
            "bad_amount",
            "",
            json!({"subjectType": "Subject2", "dateRange": {"dateType": "Issue", "from": from}, "amount": {"type": "Gross"}}),
        ),
        (
            "bad_invoice_type",
            "",
            json!({"subjectType": "Subject2", "dateRange": {"dateType": "Issue", "from": from}, "invoiceTypes": ["FV"]}),
        ),
        (
            "beyond_mark",
            "",
            json!({"subjectType": "Subject2", "dateRange": {"dateType": "PermanentStorage", "from": "2026-11-02T10:00:00Z", "restrictToPermanentStorageHwmDate": true}}),
        ),
    ];
    let mut bodies = serde_json::Map::new();
    for (name, params, body) in cases {
        let answer = query(&buyer, params, body).await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.text);
        bodies.insert(
            name.to_owned(),
            answer.body["exception"]["exceptionDetailList"].clone(),
        );
    }
    insta::assert_json_snapshot!("ksef_buyer_query_errors", bodies);
    // Not JSON at all.
    let garbage = buyer
        .post("/invoices/query/metadata", Some(json!("not an object")))
        .await;
    assert_eq!(exception_code(&garbage), 21405);
    // No token.
    let mut stranger = Client::connect(&t, "/v2").await;
    let unauthorized = query(&stranger, "", filters("Subject2", "Issue", from)).await;
    assert_eq!(unauthorized.status, 401);
    // Without the HWM restriction, a range in the future is simply empty.
    stranger.login_as(THIRD, THIRD_TOKEN).await;
    let future = query(
        &stranger,
        "",
        json!({"subjectType": "Subject2", "dateRange": {"dateType": "PermanentStorage", "from": "2026-11-02T10:00:00Z", "to": "2026-11-02T11:00:00Z"}}),
    )
    .await;
    assert_eq!(future.status, 200, "{}", future.text);
    assert_eq!(future.body["invoices"], json!([]));
}

/// Invoices the seller sends (and KSeF stores) while the buyer is between two pages.
type Arrival<'c, 'a> = (&'c Client<'a>, &'c str, &'c [Vec<u8>], &'a TestSim);

/// The documented incremental sync: PermanentStorage dates, ascending, restricted to the
/// high-water mark; page until `hasMore` is false (narrowing the range from the last record
/// when `isTruncated`), then the next window starts at the mark. Returns every (ksefNumber,
/// permanentStorageDate) seen, duplicates included, and the new checkpoint.
async fn sync_window(
    buyer: &Client<'_>,
    checkpoint: &str,
    mut arrival: Option<Arrival<'_, '_>>,
) -> (Vec<(String, String)>, String) {
    let mut seen = Vec::new();
    let mut offset = 0;
    let mut from = checkpoint.to_owned();
    loop {
        let answer = query(
            buyer,
            &format!("?sortOrder=Asc&pageSize=10&pageOffset={offset}"),
            json!({"subjectType": "Subject2", "dateRange": {
                "dateType": "PermanentStorage", "from": from,
                "restrictToPermanentStorageHwmDate": true,
            }}),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        for invoice in answer.body["invoices"].as_array().unwrap() {
            seen.push((
                invoice["ksefNumber"].as_str().unwrap().to_owned(),
                invoice["permanentStorageDate"].as_str().unwrap().to_owned(),
            ));
        }
        let mark = answer.body["permanentStorageHwmDate"]
            .as_str()
            .unwrap()
            .to_owned();
        if let Some((seller, session, invoices, t)) = arrival.take() {
            send_all(seller, session, invoices).await;
            step(t, 10).await;
        }
        match (
            answer.body["hasMore"].as_bool().unwrap(),
            answer.body["isTruncated"].as_bool().unwrap(),
        ) {
            (false, _) => return (seen, mark),
            (true, false) => offset += 1,
            (true, true) => {
                from = seen.last().unwrap().1.clone();
                offset = 0;
            }
        }
    }
}

#[tokio::test]
async fn an_incremental_sync_across_two_days_loses_and_duplicates_nothing() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (mut seller, mut buyer, _) = parties(&t).await;
    let lot = |day: &str, numbers: std::ops::RangeInclusive<u32>| -> Vec<Vec<u8>> {
        numbers
            .map(|n| invoice(&format!("{day}/{n}"), false))
            .collect()
    };
    let mut all_seen: Vec<(String, String)> = Vec::new();
    let mut checkpoints = vec!["2026-11-02T00:00:00Z".to_owned()];
    let mut window = |seen: Vec<(String, String)>, mark: String, checkpoints: &mut Vec<String>| {
        all_seen.extend(seen);
        checkpoints.push(mark);
    };

    // Day one: fifteen invoices; five more arrive after the buyer's first page.
    let session = seller.open().await;
    send_all(&seller, &session, &lot("D1", 1..=15)).await;
    step(&t, 10).await;
    let late = lot("D1", 16..=20);
    let from = checkpoints.last().unwrap().clone();
    let (seen, mark) = sync_window(&buyer, &from, Some((&seller, &session, &late, &t))).await;
    assert_eq!(
        seen.len(),
        20,
        "the late five come at the end of the ascending order"
    );
    window(seen, mark, &mut checkpoints);

    // Three more, numbered but not yet stored: below the mark nothing is missing yet.
    send_all(&seller, &session, &lot("D1", 21..=23)).await;
    step(&t, 3).await;
    let from = checkpoints.last().unwrap().clone();
    let (seen, mark) = sync_window(&buyer, &from, None).await;
    assert!(seen.iter().all(|(_, stored)| *stored == from), "{seen:?}");
    window(seen, mark, &mut checkpoints);
    step(&t, 10).await;
    let from = checkpoints.last().unwrap().clone();
    let (seen, mark) = sync_window(&buyer, &from, None).await;
    assert_eq!(seen.iter().filter(|(_, stored)| *stored != from).count(), 3);
    window(seen, mark, &mut checkpoints);

    // Day two: new logins, a new session, twelve invoices and six more between pages.
    step(&t, 86_400).await;
    seller.login().await;
    buyer.login_as(BUYER, BUYER_TOKEN).await;
    let session = seller.open().await;
    send_all(&seller, &session, &lot("D2", 1..=12)).await;
    step(&t, 10).await;
    let late = lot("D2", 13..=18);
    let from = checkpoints.last().unwrap().clone();
    let (seen, mark) = sync_window(&buyer, &from, Some((&seller, &session, &late, &t))).await;
    window(seen, mark, &mut checkpoints);
    // And a last window, which finds nothing new.
    let from = checkpoints.last().unwrap().clone();
    let (seen, mark) = sync_window(&buyer, &from, None).await;
    assert!(seen.iter().all(|(_, stored)| *stored == from), "{seen:?}");
    window(seen, mark, &mut checkpoints);

    // Everything the seller sent to the buyer; a record seen twice sits exactly on a window
    // boundary (the range is inclusive), which the procedure deduplicates by ksefNumber.
    let sold = query(
        &seller,
        "?pageSize=250",
        filters("Subject1", "Invoicing", "2026-11-02T00:00:00Z"),
    )
    .await;
    let expected: BTreeSet<String> = numbers(&sold.body).into_iter().collect();
    assert_eq!(expected.len(), 41);
    let got: BTreeSet<String> = all_seen.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(got, expected);
    let mut once = HashSet::new();
    for (number, stored) in &all_seen {
        if !once.insert(number.clone()) {
            assert!(
                checkpoints.contains(stored),
                "{number} at {stored} seen twice"
            );
        }
    }
}

/// Decrypts one part with the client's key, as a client does.
fn decrypt(part: &[u8]) -> Vec<u8> {
    cbc::Decryptor::<Aes256>::new_from_slices(&EXPORT_KEY, &EXPORT_IV)
        .unwrap()
        .decrypt_padded_vec_mut::<Pkcs7>(part)
        .unwrap()
}

async fn start_export(
    client: &Client<'_>,
    filters: Value,
    only_metadata: bool,
) -> crate::ksef::Answer {
    let (wrapped, key_id) = client.wrap(&EXPORT_KEY);
    client
        .post(
            "/invoices/exports",
            Some(json!({
                "encryption": {
                    "encryptedSymmetricKey": B64.encode(wrapped),
                    "initializationVector": B64.encode(EXPORT_IV),
                    "publicKeyId": key_id,
                },
                "onlyMetadata": only_metadata,
                "filters": filters,
            })),
        )
        .await
}

/// Downloads, checks and decrypts every part, and opens the ZIP.
async fn open_package(
    client: &Client<'_>,
    status: &Value,
) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
    let mut zip = Vec::new();
    for part in status["package"]["parts"].as_array().unwrap() {
        let answer = client.fetch_link(part["url"].as_str().unwrap()).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(
            answer.bytes.len() as u64,
            part["encryptedPartSize"].as_u64().unwrap()
        );
        assert_eq!(sha256_base64(&answer.bytes), part["encryptedPartHash"]);
        assert_eq!(
            answer.headers["x-ms-meta-hash"].to_str().unwrap(),
            part["encryptedPartHash"]
        );
        let plain = decrypt(&answer.bytes);
        assert_eq!(plain.len() as u64, part["partSize"].as_u64().unwrap());
        assert_eq!(sha256_base64(&plain), part["partHash"]);
        zip.extend(plain);
    }
    assert_eq!(
        zip.len() as u64,
        status["package"]["size"].as_u64().unwrap()
    );
    zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap()
}

#[tokio::test]
async fn an_export_is_downloaded_decrypted_and_unzipped() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (seller, mut buyer, _) = parties(&t).await;
    let session = seller.open().await;
    let sent: Vec<Vec<u8>> = (1..=3)
        .map(|n| invoice(&format!("EX/{n}"), false))
        .collect();
    send_all(&seller, &session, &sent).await;
    step(&t, 10).await;
    let window = json!({"subjectType": "Subject2", "dateRange": {"dateType": "PermanentStorage", "from": "2026-11-02T00:00:00Z", "restrictToPermanentStorageHwmDate": true}});
    let started = start_export(&buyer, window.clone(), false).await;
    assert_eq!(started.status, 201, "{}", started.text);
    let reference = started.body["referenceNumber"].as_str().unwrap().to_owned();
    let running = buyer.get(&format!("/invoices/exports/{reference}")).await;
    assert_eq!(running.status, 200);
    insta::assert_json_snapshot!("ksef_buyer_export_running", running.body);
    step(&t, 5).await;
    let done = buyer.get(&format!("/invoices/exports/{reference}")).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    let mut shown = redact(done.body.clone());
    for part in shown["package"]["parts"].as_array_mut().unwrap() {
        part["url"] = json!("[link]");
    }
    insta::assert_json_snapshot!("ksef_buyer_export_done", shown);
    let mut archive = open_package(&buyer, &done.body).await;
    let mut metadata = String::new();
    archive
        .by_name("_metadata.json")
        .unwrap()
        .read_to_string(&mut metadata)
        .unwrap();
    let metadata: Value = serde_json::from_str(&metadata).unwrap();
    let listed = query(&buyer, "", window.clone()).await;
    assert_eq!(metadata["invoices"], listed.body["invoices"]);
    for (entry, bytes) in metadata["invoices"].as_array().unwrap().iter().zip(&sent) {
        let name = format!("{}.xml", entry["ksefNumber"].as_str().unwrap());
        let mut file = Vec::new();
        archive
            .by_name(&name)
            .unwrap()
            .read_to_end(&mut file)
            .unwrap();
        assert_eq!(&file, bytes);
    }
    assert_eq!(archive.len(), 4);

    // Only the metadata.
    let started = start_export(&buyer, window, true).await;
    let reference = started.body["referenceNumber"].as_str().unwrap().to_owned();
    step(&t, 5).await;
    let done = buyer.get(&format!("/invoices/exports/{reference}")).await;
    let archive = open_package(&buyer, &done.body).await;
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    assert_eq!(names, vec!["_metadata.json"]);

    // A day later the package has expired: 210, and its links are gone.
    let url = done.body["package"]["parts"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    step(&t, 86_400).await;
    buyer.login_as(BUYER, BUYER_TOKEN).await;
    let expired = buyer.get(&format!("/invoices/exports/{reference}")).await;
    insta::assert_json_snapshot!("ksef_buyer_export_expired", expired.body);
    assert_eq!(buyer.fetch_link(&url).await.status, 404);
    // A week on, the status itself is gone.
    step(&t, 7 * 86_400).await;
    buyer.login_as(BUYER, BUYER_TOKEN).await;
    let gone = buyer.get(&format!("/invoices/exports/{reference}")).await;
    assert_eq!(gone.status, 410, "{}", gone.text);
}

#[tokio::test]
async fn export_errors_have_ksef_codes() {
    let t = TestSim::with_scenario(&scenario()).await;
    let (seller, buyer, _) = parties(&t).await;
    let window = filters("Subject2", "PermanentStorage", "2026-11-02T00:00:00Z");
    let mut bodies = serde_json::Map::new();

    // Ten at 100 at once; the eleventh is 21182.
    for _ in 0..10 {
        assert_eq!(
            start_export(&buyer, window.clone(), false).await.status,
            201
        );
    }
    let eleventh = start_export(&buyer, window.clone(), false).await;
    assert_eq!(eleventh.status, 400);
    bodies.insert(
        "21182".into(),
        eleventh.body["exception"]["exceptionDetailList"].clone(),
    );
    // Another context has its own ten.
    assert_eq!(
        start_export(
            &seller,
            filters("Subject1", "Issue", "2026-11-02T00:00:00Z"),
            false
        )
        .await
        .status,
        201
    );
    step(&t, 5).await;

    let unknown = buyer
        .get("/invoices/exports/20261102-EH-0000000000-0000000000-00")
        .await;
    bodies.insert(
        "21175".into(),
        unknown.body["exception"]["exceptionDetailList"].clone(),
    );
    // The seller's export is not the buyer's to see.
    let started = start_export(
        &seller,
        filters("Subject1", "Issue", "2026-11-02T00:00:00Z"),
        false,
    )
    .await;
    let theirs = started.body["referenceNumber"].as_str().unwrap().to_owned();
    assert_eq!(
        exception_code(&buyer.get(&format!("/invoices/exports/{theirs}")).await),
        21175
    );

    // A key that does not decrypt: taken, then 415.
    let bad_key = buyer
        .post(
            "/invoices/exports",
            Some(json!({
                "encryption": {"encryptedSymmetricKey": B64.encode([1u8; 256]), "initializationVector": B64.encode(EXPORT_IV)},
                "filters": window,
            })),
        )
        .await;
    assert_eq!(bad_key.status, 201, "{}", bad_key.text);
    let reference = bad_key.body["referenceNumber"].as_str().unwrap().to_owned();
    step(&t, 5).await;
    let status = buyer.get(&format!("/invoices/exports/{reference}")).await;
    bodies.insert("415".into(), status.body.clone());

    // A window starting past the mark when held to it: 420.
    let past = start_export(
        &buyer,
        json!({"subjectType": "Subject2", "dateRange": {"dateType": "PermanentStorage", "from": "2026-11-03T00:00:00Z", "to": "2026-11-04T00:00:00Z", "restrictToPermanentStorageHwmDate": true}}),
        false,
    )
    .await;
    let reference = past.body["referenceNumber"].as_str().unwrap().to_owned();
    step(&t, 5).await;
    bodies.insert(
        "420".into(),
        buyer
            .get(&format!("/invoices/exports/{reference}"))
            .await
            .body,
    );

    // Request errors.
    let (wrapped, _) = buyer.wrap(&EXPORT_KEY);
    let encryption = json!({"encryptedSymmetricKey": B64.encode(&wrapped), "initializationVector": B64.encode(EXPORT_IV)});
    let requests = [
        ("no_encryption", json!({"filters": window})),
        ("no_filters", json!({"encryption": encryption})),
        (
            "bad_iv",
            json!({"encryption": {"encryptedSymmetricKey": B64.encode(&wrapped), "initializationVector": "AAAA"}, "filters": window}),
        ),
        (
            "bad_key_id",
            json!({"encryption": {"encryptedSymmetricKey": B64.encode(&wrapped), "initializationVector": B64.encode(EXPORT_IV), "publicKeyId": "x".repeat(44)}, "filters": window}),
        ),
        (
            "bad_filters",
            json!({"encryption": encryption, "filters": {"subjectType": "Subject2"}}),
        ),
    ];
    for (name, body) in requests {
        let answer = buyer.post("/invoices/exports", Some(body)).await;
        assert_eq!(answer.status, 400, "{name}: {}", answer.text);
        bodies.insert(
            name.into(),
            answer.body["exception"]["exceptionDetailList"].clone(),
        );
    }
    let tar = buyer
        .post(
            "/invoices/exports",
            Some(json!({"encryption": encryption, "filters": window, "compressionType": "TarGz"})),
        )
        .await;
    assert_eq!(tar.status, 501, "{}", tar.text);
    insta::assert_json_snapshot!("ksef_buyer_export_errors", bodies);

    // An unknown link.
    let link = buyer
        .fetch_link(
            &t.url("/ksef-storage/exports/20261102-EH-0000000000-0000000000-00/1/1900000000/00"),
        )
        .await;
    assert_eq!(link.status, 404);
}

#[tokio::test]
async fn the_default_scenario_has_a_buyer_context_that_sees_the_demo_tenants_sales() {
    let t = TestSim::virtual_clock().await;
    let mut seller = Client::connect(&t, "/v2").await;
    seller.login_as(SELLER, "eisim-demo-ksef-token").await;
    let mut buyer = Client::connect(&t, "/v2").await;
    buyer.login_as(BUYER, "eisim-demo-buyer-ksef-token").await;
    let session = seller.open().await;
    send_all(&seller, &session, &[invoice("DEMO/1", false)]).await;
    step(&t, 10).await;
    let now = t.sim.clock().now();
    let from = now
        .checked_sub(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let bought = query(
        &buyer,
        "",
        filters("Subject2", "PermanentStorage", &from.to_string()),
    )
    .await;
    assert_eq!(bought.status, 200, "{}", bought.text);
    assert_eq!(bought.body["invoices"][0]["invoiceNumber"], "DEMO/1");
}

#[tokio::test]
async fn queries_count_against_the_invoice_metadata_group() {
    let limited = scenario().replace("  rate_limits: { enabled: false }\n", "");
    let t = TestSim::with_scenario(&limited).await;
    let (_, buyer, _) = parties(&t).await;
    let body = filters("Subject2", "PermanentStorage", "2026-11-02T00:00:00Z");
    for n in 0..8 {
        let answer = query(&buyer, "", body.clone()).await;
        assert_eq!(answer.status, 200, "query {n}: {}", answer.text);
    }
    // invoiceMetadata allows 8 a second.
    let limited = query(&buyer, "", body).await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert!(limited.headers.contains_key("retry-after"));
}
