//! TEST's `/testdata` API as the official SDKs' end-to-end suites use it: subjects and persons
//! created at run time log in and send, grants narrow what a login may do, attachment consent
//! gates invoices with `Zalacznik` (native and through the gateway), a blocked context ends
//! authentication with 480, and a production-like scenario has no `/testdata` at all.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::Method;
use serde_json::{Value, json};

use crate::TestSim;
use crate::ksef::{Answer, Client, KEY, call, fixture, redact, scenario, step, with_number};

const NIP: &str = "5265877635";
const TOKEN: &str = "20261101-EC-1A2B3C4D5E-6F7A8B9C0D-00|nip-5265877635|7f3a9c";
/// NIPs and a PESEL whose check digits hold, and no scenario knows.
const SUBJECT: &str = "7770000005";
const SUBUNIT: &str = "2223334443";
const PERSON_NIP: &str = "3334445554";
const PESEL: &str = "80010112340";

fn code(answer: &Answer) -> Value {
    answer.body["exception"]["exceptionDetailList"][0]["exceptionCode"].clone()
}

/// An unauthenticated test-data call.
async fn testdata(t: &TestSim, rest: &str, body: Value) -> Answer {
    call(
        t,
        Method::POST,
        &format!("/v2/testdata{rest}"),
        None,
        Some(body),
        false,
    )
    .await
}

/// eisim's certificate's fingerprint, the identity of [`Client::xades_login`].
async fn fingerprint(t: &TestSim) -> String {
    use sha2::Digest as _;
    let certs = call(
        t,
        Method::GET,
        "/v2/security/public-key-certificates",
        None,
        None,
        false,
    )
    .await;
    let der = B64
        .decode(certs.body[0]["certificate"].as_str().unwrap())
        .unwrap();
    sha2::Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The status code of invoice `reference` of `session`.
async fn invoice_code(client: &Client<'_>, session: &str, reference: &str) -> Value {
    let status = client
        .get(&format!("/sessions/{session}/invoices/{reference}"))
        .await;
    status.body["status"]["code"].clone()
}

/// `invoice` sent in a new session; returns (session, invoice reference).
async fn send(client: &Client<'_>, invoice: &[u8]) -> (String, String) {
    let session = client.open().await;
    let sent = client
        .send(&session, Client::send_body(invoice, &KEY))
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    let reference = sent.body["referenceNumber"].as_str().unwrap().to_owned();
    (session, reference)
}

fn with_attachment(invoice: &[u8]) -> Vec<u8> {
    String::from_utf8(invoice.to_vec())
        .unwrap()
        .replace(
            "</Faktura>",
            "  <Zalacznik><BlokDanych><ZNaglowek>Specyfikacja</ZNaglowek></BlokDanych></Zalacznik>\n</Faktura>",
        )
        .into_bytes()
}

#[tokio::test]
async fn a_subject_created_at_run_time_logs_in_sends_and_goes_away() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let created = testdata(
        &t,
        "/subject",
        json!({
            "subjectNip": SUBJECT,
            "subjectType": "VatGroup",
            "description": "Grupa VAT testowa",
            "subunits": [{"subjectNip": SUBUNIT, "description": "Członek grupy"}],
        }),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);

    let mut client = Client::connect(&t, "/v2").await;
    let done = client.xades_login(SUBJECT).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    let invoice = String::from_utf8(fixture("fa3-minimal.xml"))
        .unwrap()
        .replace(NIP, SUBJECT)
        .into_bytes();
    let (session, reference) = send(&client, &invoice).await;
    step(&t, 3).await;
    assert_eq!(invoice_code(&client, &session, &reference).await, 200);
    let mut unit = Client::connect(&t, "/v2").await;
    assert_eq!(unit.xades_login(SUBUNIT).await.body["status"]["code"], 200);

    // A token made in the subject's context works until the subject is removed.
    let made = client
        .call_as(
            Method::POST,
            "/tokens",
            None,
            Some(json!({"permissions": ["InvoiceWrite"], "description": "Token grupy VAT"})),
            false,
        )
        .await;
    assert_eq!(made.status, 202, "{}", made.text);
    let token = made.body["token"].as_str().unwrap().to_owned();
    step(&t, 1).await;

    let again = testdata(
        &t,
        "/subject",
        json!({"subjectNip": SUBJECT, "subjectType": "VatGroup", "description": "Grupa VAT testowa"}),
    )
    .await;
    let scenario_subject = testdata(
        &t,
        "/subject",
        json!({"subjectNip": NIP, "subjectType": "JST", "description": "Istnieje w scenariuszu"}),
    )
    .await;
    assert_eq!(code(&again), 30001);
    assert_eq!(code(&scenario_subject), 30001);
    let bad_nip = testdata(
        &t,
        "/subject",
        json!({"subjectNip": "7770000006", "subjectType": "JST", "description": "Zła suma kontrolna"}),
    )
    .await;
    let bad_type = testdata(
        &t,
        "/subject",
        json!({"subjectNip": "9876543210", "subjectType": "Spółka", "description": "Nieznany typ"}),
    )
    .await;
    let short = testdata(
        &t,
        "/subject",
        json!({"subjectNip": "9876543210", "subjectType": "JST", "description": "JST"}),
    )
    .await;
    for answer in [&bad_nip, &bad_type, &short] {
        assert_eq!(code(answer), 21405, "{}", answer.text);
    }

    let removed = testdata(&t, "/subject/remove", json!({"subjectNip": SUBJECT})).await;
    assert_eq!(removed.status, 200);
    let gone = Client::connect(&t, "/v2").await.xades_login(SUBJECT).await;
    assert_eq!(gone.body["status"]["code"], 415);
    let unit_gone = Client::connect(&t, "/v2").await.xades_login(SUBUNIT).await;
    assert_eq!(unit_gone.body["status"]["code"], 415);
    let token_gone = Client::connect(&t, "/v2")
        .await
        .token_login(&token, SUBJECT)
        .await;
    assert_eq!(token_gone.body["status"]["code"], 450);
    let unknown = testdata(&t, "/subject/remove", json!({"subjectNip": SUBJECT})).await;
    assert_eq!(code(&unknown), 21405);

    insta::assert_json_snapshot!(
        "ksef_testdata_subjects",
        redact(json!({
            "POST /testdata/subject twice": again.body,
            "POST /testdata/subject bad NIP": bad_nip.body,
            "GET /auth/{ref} into a removed subject": gone.body,
            "GET /auth/{ref} with a removed subject's token": token_gone.body,
        }))
    );
}

#[tokio::test]
async fn a_person_owns_their_nip_s_context_until_removed() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let person = |nip: &str, pesel: &str| json!({"nip": nip, "pesel": pesel, "isBailiff": false, "description": "Osoba testowa"});
    let bad_pesel = testdata(&t, "/person", person(PERSON_NIP, "80010112341")).await;
    let bad_nip = testdata(&t, "/person", person("3334445555", PESEL)).await;
    let missing = testdata(&t, "/person", json!({"nip": PERSON_NIP, "pesel": PESEL})).await;
    for answer in [&bad_pesel, &bad_nip, &missing] {
        assert_eq!(code(answer), 21405, "{}", answer.text);
    }
    let created = testdata(&t, "/person", person(PERSON_NIP, PESEL)).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let twice = testdata(&t, "/person", person(PERSON_NIP, PESEL)).await;
    assert_eq!(code(&twice), 30001);

    let mut client = Client::connect(&t, "/v2").await;
    let done = client.xades_login(PERSON_NIP).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    assert_eq!(client.try_open().await.status, 201);

    let removed = testdata(&t, "/person/remove", json!({"nip": PERSON_NIP})).await;
    assert_eq!(removed.status, 200);
    let gone = Client::connect(&t, "/v2")
        .await
        .xades_login(PERSON_NIP)
        .await;
    assert_eq!(gone.body["status"]["code"], 415);
    let unknown = testdata(&t, "/person/remove", json!({"nip": PERSON_NIP})).await;
    assert_eq!(code(&unknown), 21405);

    insta::assert_json_snapshot!(
        "ksef_testdata_persons",
        redact(json!({
            "POST /testdata/person bad PESEL": bad_pesel.body,
            "POST /testdata/person twice": twice.body,
        }))
    );
}

#[tokio::test]
async fn a_grant_gives_a_login_exactly_its_permissions() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let me = fingerprint(&t).await;
    let grant = json!({
        "contextIdentifier": {"type": "Nip", "value": NIP},
        "authorizedIdentifier": {"type": "Fingerprint", "value": me},
        "permissions": [{"description": "Odczyt faktur", "permissionType": "InvoiceRead"}],
    });
    let granted = testdata(&t, "/permissions", grant.clone()).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    let mut client = Client::connect(&t, "/v2").await;
    assert_eq!(client.xades_login(NIP).await.body["status"]["code"], 200);
    let open = client.try_open().await;
    assert_eq!(open.status, 403);
    assert_eq!(
        open.body["security"]["presentPermissions"],
        json!(["InvoiceRead"])
    );

    let revoke = json!({
        "contextIdentifier": {"type": "Nip", "value": NIP},
        "authorizedIdentifier": {"type": "Fingerprint", "value": me},
    });
    let revoked = testdata(&t, "/permissions/revoke", revoke.clone()).await;
    assert_eq!(revoked.status, 200);
    assert_eq!(client.xades_login(NIP).await.body["status"]["code"], 200);
    assert_eq!(client.try_open().await.status, 201);

    let twice = testdata(&t, "/permissions/revoke", revoke).await;
    let mut nowhere = grant.clone();
    nowhere["contextIdentifier"]["value"] = json!("9876543210");
    let nowhere = testdata(&t, "/permissions", nowhere).await;
    let mut bad_type = grant.clone();
    bad_type["authorizedIdentifier"]["type"] = json!("Email");
    let bad_type = testdata(&t, "/permissions", bad_type).await;
    let mut bad_permission = grant;
    bad_permission["permissions"][0]["permissionType"] = json!("Everything");
    let bad_permission = testdata(&t, "/permissions", bad_permission).await;
    for answer in [&twice, &nowhere, &bad_type, &bad_permission] {
        assert_eq!(code(answer), 21405, "{}", answer.text);
    }
    insta::assert_json_snapshot!(
        "ksef_testdata_permissions",
        redact(json!({
            "POST /sessions/online with a granted InvoiceRead": open.body,
            "POST /testdata/permissions in an unknown context": nowhere.body,
        }))
    );
}

#[tokio::test]
async fn attachment_consent_gates_invoices_with_attachments() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let invoice = with_attachment(&fixture("fa3-minimal.xml"));
    let (session, refused) = send(&client, &invoice).await;
    step(&t, 3).await;
    let status = client
        .get(&format!("/sessions/{session}/invoices/{refused}"))
        .await;
    assert_eq!(status.body["status"]["code"], 415, "{}", status.text);

    let allowed = testdata(&t, "/attachment", json!({"nip": NIP})).await;
    assert_eq!(allowed.status, 200);
    let (session, accepted) = send(&client, &with_number(&invoice, "FV/ZAL/1")).await;
    step(&t, 3).await;
    assert_eq!(invoice_code(&client, &session, &accepted).await, 200);

    let revoked = testdata(&t, "/attachment/revoke", json!({"nip": NIP})).await;
    assert_eq!(revoked.status, 200);
    let (session, again) = send(&client, &with_number(&invoice, "FV/ZAL/2")).await;
    step(&t, 3).await;
    assert_eq!(invoice_code(&client, &session, &again).await, 415);
    let bad = testdata(&t, "/attachment", json!({"nip": "123"})).await;
    assert_eq!(code(&bad), 21405);

    // Through the gateway, the same invoice is refused with KSeF's 415.
    let token = t.token("acme-client", "acme-secret").await;
    let created: Value = t
        .http
        .post(t.url("/api/v1/invoices"))
        .bearer_auth(&token)
        .json(&json!({"document": B64.encode(with_number(&invoice, "FV/ZAL/3"))}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    step(&t, 10).await;
    let gateway: Value = t
        .http
        .get(t.url(&format!("/api/v1/invoices/{id}/status")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(gateway["state"], "refused", "{gateway}");
    assert_eq!(gateway["network_detail"]["status"], "415");

    insta::assert_json_snapshot!("ksef_testdata_attachment_refused", redact(status.body));
}

#[tokio::test]
async fn a_blocked_context_ends_authentication_with_480() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let context = json!({"contextIdentifier": {"type": "Nip", "value": NIP}});
    let blocked = testdata(&t, "/context/block", context.clone()).await;
    assert_eq!(blocked.status, 200, "{}", blocked.text);
    let by_token = Client::connect(&t, "/v2")
        .await
        .token_login(TOKEN, NIP)
        .await;
    assert_eq!(by_token.body["status"]["code"], 480);
    let by_seal = Client::connect(&t, "/v2").await.xades_login(NIP).await;
    assert_eq!(by_seal.body["status"]["code"], 480);

    let unblocked = testdata(&t, "/context/unblock", context).await;
    assert_eq!(unblocked.status, 200);
    let again = Client::connect(&t, "/v2")
        .await
        .token_login(TOKEN, NIP)
        .await;
    assert_eq!(again.body["status"]["code"], 200);

    let empty = testdata(&t, "/context/block", json!({})).await;
    let bad_type = testdata(
        &t,
        "/context/block",
        json!({"contextIdentifier": {"type": "Regon", "value": "123"}}),
    )
    .await;
    for answer in [&empty, &bad_type] {
        assert_eq!(code(answer), 21405, "{}", answer.text);
    }
    insta::assert_json_snapshot!("ksef_testdata_blocked", redact(by_token.body));
}

#[tokio::test]
async fn a_production_like_scenario_has_no_testdata() {
    let t = TestSim::with_scenario(&scenario("  testdata: false")).await;
    let subject = testdata(
        &t,
        "/subject",
        json!({"subjectNip": SUBJECT, "subjectType": "JST", "description": "Nie ma TEST"}),
    )
    .await;
    assert_eq!(subject.status, 404, "{}", subject.text);
    let mut client = Client::connect(&t, "/v2").await;
    client.login().await;
    let limits = client
        .call_as(Method::DELETE, "/testdata/rate-limits", None, None, false)
        .await;
    assert_eq!(limits.status, 404);
    // The rest of the API is there as ever.
    assert_eq!(client.get("/limits/context").await.status, 200);
    // Permissions are a later issue: still said plainly.
    let permissions = client.get("/permissions/attachments/status").await;
    assert_eq!(permissions.status, 501);
}
