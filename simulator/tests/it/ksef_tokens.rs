//! KSeF tokens, permissions, authentication sessions and limits through the native API, as
//! an integrator meets them after the first XAdES login: `POST /tokens`, logging in with the
//! new token once it is active, what its permissions allow, revoking it; listing and revoking
//! authentication sessions; the context's limits and TEST's controls over them. Also the two
//! defects of issue 20: `GET /auth/sessions` and the gateway's unregistered KSeF buyer.

use reqwest::Method;
use serde_json::{Value, json};

use crate::TestSim;
use crate::ksef::{Answer, Client, KEY, call, fixture, redact, scenario, step, with_number};

const NIP: &str = "5265877635";
const TOKEN: &str = "20261101-EC-1A2B3C4D5E-6F7A8B9C0D-00|nip-5265877635|7f3a9c";

/// The exception code of a legacy 400 body.
fn code(answer: &Answer) -> Value {
    answer.body["exception"]["exceptionDetailList"][0]["exceptionCode"].clone()
}

/// A logged-in owner of the scenario's context (the scenario token has every permission).
async fn owner(t: &TestSim) -> Client<'_> {
    let mut client = Client::connect(t, "/v2").await;
    let done = client.token_login(TOKEN, NIP).await;
    assert_eq!(done.body["status"]["code"], 200, "{}", done.text);
    client
}

/// Creates a token and returns (reference, token).
async fn create_token(
    client: &Client<'_>,
    permissions: &[&str],
    description: &str,
) -> (String, String) {
    let created = client
        .call_as(
            Method::POST,
            "/tokens",
            None,
            Some(json!({"permissions": permissions, "description": description})),
            false,
        )
        .await;
    assert_eq!(created.status, 202, "{}", created.text);
    (
        created.body["referenceNumber"].as_str().unwrap().to_owned(),
        created.body["token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn get_auth_sessions_lists_sessions_instead_of_looking_for_an_operation() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let client = owner(&t).await;
    let listed = client.get("/auth/sessions").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["items"][0]["isCurrent"], true);
    let legacy = client
        .call_as(Method::GET, "/auth/sessions", None, None, false)
        .await;
    assert_eq!(legacy.status, 200);
}

#[tokio::test]
async fn the_gateway_takes_a_ksef_invoice_for_an_unregistered_buyer_with_a_valid_nip() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let token = t.token("acme-client", "acme-secret").await;
    // 7762811692 is no participant of the scenario; its check digit holds.
    let invoice = String::from_utf8(fixture("fa3-minimal.xml"))
        .unwrap()
        .replace("5261040828", "7762811692");
    let submit = |envelope: Value| {
        t.http
            .post(t.url("/api/v1/invoices"))
            .bearer_auth(&token)
            .json(&envelope)
            .send()
    };
    use base64::Engine as _;
    let document = base64::engine::general_purpose::STANDARD.encode(&invoice);
    let created = submit(json!({"document": document, "recipient": "KSEF:7762811692"}))
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    step(&t, 40).await;
    let status: Value = t
        .http
        .get(t.url(&format!("/api/v1/invoices/{id}/status")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "delivered", "{status}");
    assert!(
        crate::ksef_numbers::is_ksef_number(
            status["network_detail"]["network_id"].as_str().unwrap()
        ),
        "{status}"
    );

    // Without an envelope recipient the document's own buyer is taken, registered or not.
    let again = invoice.replace("FV/2026/10/001", "FV/2026/10/002");
    let created =
        submit(json!({"document": base64::engine::general_purpose::STANDARD.encode(&again)}))
            .await
            .unwrap();
    assert_eq!(created.status(), 201);

    // A NIP whose check digit fails cannot be anybody's.
    let refused = submit(json!({"document": document, "recipient": "KSEF:7762811693"}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.unwrap();
    insta::assert_json_snapshot!("gateway_ksef_buyer_bad_nip", refused);
}

#[tokio::test]
async fn a_token_is_created_activated_used_within_its_permissions_and_revoked() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let admin = owner(&t).await;
    let (reference, token) = create_token(&admin, &["InvoiceRead"], "Tylko odczyt faktur").await;
    assert!(
        token.starts_with(&format!("{reference}|nip-{NIP}|")),
        "{token}"
    );

    let pending = admin.get(&format!("/tokens/{reference}")).await;
    assert_eq!(pending.status, 200, "{}", pending.text);
    assert_eq!(pending.body["status"], "Pending");
    let mut reader = Client::connect(&t, "/v2").await;
    let too_early = reader.token_login(&token, NIP).await;
    assert_eq!(too_early.body["status"]["code"], 450);

    step(&t, 1).await;
    let active = admin.get(&format!("/tokens/{reference}")).await;
    assert_eq!(active.body["status"], "Active");
    let logged_in = reader.token_login(&token, NIP).await;
    assert_eq!(logged_in.body["status"]["code"], 200, "{}", logged_in.text);
    let used = admin.get(&format!("/tokens/{reference}")).await;
    assert!(used.body["lastUseDate"].is_string(), "{}", used.text);

    // InvoiceRead reads invoices (the number is unknown, but the permission check passed)...
    let download = reader
        .get("/invoices/ksef/5265877635-20261102-0100001AF629-AF")
        .await;
    assert_eq!(download.status, 400, "{}", download.text);
    // ...but does not send them, list sessions or manage tokens: 403 with KSeF's body.
    let open = reader.try_open().await;
    assert_eq!(open.status, 403);
    let sessions = reader.get("/sessions?sessionType=Online").await;
    assert_eq!(sessions.status, 403);
    let create = reader
        .call_as(
            Method::POST,
            "/tokens",
            None,
            Some(json!({"permissions": ["InvoiceRead"], "description": "Kolejny token"})),
            false,
        )
        .await;
    assert_eq!(create.status, 403);

    // Without CredentialsRead a token login sees only its own token.
    let own = reader.get("/tokens").await;
    assert_eq!(
        own.body["tokens"].as_array().unwrap().len(),
        1,
        "{}",
        own.text
    );
    let scenario_token = admin
        .get("/tokens?status=Active&description=scenariusza")
        .await;
    let scenario_reference = scenario_token.body["tokens"][0]["referenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let hidden = reader.get(&format!("/tokens/{scenario_reference}")).await;
    assert_eq!(code(&hidden), 21405);

    // Revoking: Revoking at once, Revoked a moment later; the token no longer logs in.
    let revoked = admin
        .call_as(
            Method::DELETE,
            &format!("/tokens/{reference}"),
            None,
            None,
            false,
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let revoking = admin.get(&format!("/tokens/{reference}")).await;
    assert_eq!(revoking.body["status"], "Revoking");
    let refused = Client::connect(&t, "/v2")
        .await
        .token_login(&token, NIP)
        .await;
    step(&t, 1).await;
    let done = admin.get(&format!("/tokens/{reference}")).await;
    assert_eq!(done.body["status"], "Revoked");
    let again = admin
        .call_as(
            Method::DELETE,
            &format!("/tokens/{reference}"),
            None,
            None,
            false,
        )
        .await;
    assert_eq!(again.status, 204);

    insta::assert_json_snapshot!(
        "ksef_token_lifecycle",
        redact(json!({
            "GET /tokens/{ref} Pending": pending.body,
            "GET /auth/{ref} with a pending token": too_early.body,
            "GET /tokens/{ref} after use": used.body,
            "POST /sessions/online without InvoiceWrite": open.body,
            "GET /tokens (own only)": own.body,
            "GET /tokens/{ref} out of scope": hidden.body,
            "GET /tokens/{ref} Revoking": revoking.body,
            "GET /auth/{ref} with a revoked token": refused.body,
            "GET /tokens/{ref} Revoked": done.body,
        }))
    );
}

#[tokio::test]
async fn token_creation_and_listing_refuse_what_the_openapi_refuses() {
    // Sixteen tokens in a second are past `POST /tokens`' own rate limit.
    let t = TestSim::with_scenario(&scenario("  rate_limits: { enabled: false }")).await;
    let admin = owner(&t).await;
    let post = |body: Value| admin.call_as(Method::POST, "/tokens", None, Some(body), false);
    let short = post(json!({"permissions": ["InvoiceRead"], "description": "abc"})).await;
    let unknown =
        post(json!({"permissions": ["VatUeManage"], "description": "Nieznane uprawnienie"})).await;
    let none = post(json!({"permissions": [], "description": "Bez uprawnień"})).await;
    let missing = post(json!({"description": "Bez listy uprawnień"})).await;
    for answer in [&short, &unknown, &none, &missing] {
        assert_eq!(code(answer), 21405, "{}", answer.text);
    }

    // A token with CredentialsManage cannot hand out what it does not hold itself.
    let (_, manager) = create_token(
        &admin,
        &["CredentialsManage", "InvoiceRead"],
        "Zarządzanie tokenami",
    )
    .await;
    step(&t, 1).await;
    let mut delegate = Client::connect(&t, "/v2").await;
    delegate.token_login(&manager, NIP).await;
    let beyond = delegate
        .call_as(
            Method::POST,
            "/tokens",
            None,
            Some(json!({"permissions": ["InvoiceWrite"], "description": "Wysyłka faktur"})),
            false,
        )
        .await;
    assert_eq!(code(&beyond), 26001, "{}", beyond.text);
    let within = delegate
        .call_as(
            Method::POST,
            "/tokens",
            None,
            Some(json!({"permissions": ["InvoiceRead"], "description": "Odczyt faktur"})),
            false,
        )
        .await;
    assert_eq!(within.status, 202, "{}", within.text);

    // Filters and paging: 12 more tokens, newest first, ten to a page.
    for n in 0..12 {
        create_token(&admin, &["InvoiceRead"], &format!("Seria tokenów {n:02}")).await;
    }
    let first = admin.get("/tokens?description=seria").await;
    assert_eq!(first.body["tokens"].as_array().unwrap().len(), 10);
    assert_eq!(first.body["tokens"][0]["description"], "Seria tokenów 11");
    let next = first.body["continuationToken"].as_str().unwrap().to_owned();
    let second: Value = t
        .http
        .get(t.url("/v2/tokens?description=seria"))
        .bearer_auth(admin.access_token())
        .header("x-continuation-token", &next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["tokens"].as_array().unwrap().len(), 2);
    assert!(second.get("continuationToken").is_none());
    // The twelve and the delegate's, none active yet.
    let pending = admin
        .get("/tokens?status=Pending&status=Revoked&pageSize=100")
        .await;
    assert_eq!(pending.body["tokens"].as_array().unwrap().len(), 13);
    let by_author = admin
        .get("/tokens?authorIdentifier=52658&authorIdentifierType=Nip&pageSize=100")
        .await;
    assert_eq!(by_author.body["tokens"].as_array().unwrap().len(), 16);
    let by_pesel = admin.get("/tokens?authorIdentifierType=Pesel").await;
    assert_eq!(by_pesel.body["tokens"].as_array().unwrap().len(), 0);

    let small_page = admin.get("/tokens?pageSize=5").await;
    let bad_status = admin.get("/tokens?status=Asleep").await;
    let short_filter = admin.get("/tokens?description=ab").await;
    let bad_type = admin.get("/tokens?authorIdentifierType=Email").await;
    for answer in [&small_page, &bad_status, &short_filter, &bad_type] {
        assert_eq!(code(answer), 21405, "{}", answer.text);
    }
    let unknown_ref = admin
        .get("/tokens/20261102-EC-0000000000-0000000000-00")
        .await;
    assert_eq!(code(&unknown_ref), 21405);
    let unknown_delete = admin
        .call_as(
            Method::DELETE,
            "/tokens/20261102-EC-0000000000-0000000000-00",
            None,
            None,
            false,
        )
        .await;
    assert_eq!(code(&unknown_delete), 21405);
    let anonymous = call(&t, Method::GET, "/v2/tokens", None, None, false).await;
    assert_eq!(anonymous.status, 401);

    insta::assert_json_snapshot!(
        "ksef_token_errors",
        redact(json!({
            "POST /tokens description too short": short.body,
            "POST /tokens unknown permission": unknown.body,
            "POST /tokens beyond the caller's permissions": beyond.body,
            "GET /tokens pageSize=5": small_page.body,
            "GET /tokens status=Asleep": bad_status.body,
            "GET /tokens/{unknown}": unknown_ref.body,
            "GET /tokens without a token": anonymous.body,
            "GET /tokens first page": first.body["tokens"][0],
        }))
    );
}

#[tokio::test]
async fn a_bad_continuation_token_is_21418() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let admin = owner(&t).await;
    for path in ["/v2/tokens", "/v2/auth/sessions"] {
        let response = t
            .http
            .get(t.url(path))
            .bearer_auth(admin.access_token())
            .header("x-continuation-token", "not-ours")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["exception"]["exceptionDetailList"][0]["exceptionCode"], 21418,
            "{body}"
        );
    }
}

#[tokio::test]
async fn authentication_sessions_are_listed_and_revoked() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let first = owner(&t).await;
    let second = owner(&t).await;
    let listed = second.get("/auth/sessions").await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", listed.text);
    assert_eq!(items[0]["isCurrent"], true);
    assert_eq!(items[1]["isCurrent"], false);
    let first_reference = items[1]["referenceNumber"].as_str().unwrap().to_owned();

    // Revoking the first session stops its refresh token at once; as KSeF documents it, its
    // access token keeps working until it expires.
    let revoked = second
        .call_as(
            Method::DELETE,
            &format!("/auth/sessions/{first_reference}"),
            None,
            None,
            false,
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let refresh = first
        .call_as(
            Method::POST,
            "/auth/token/refresh",
            Some(first.refresh_token()),
            None,
            false,
        )
        .await;
    assert_eq!(code(&refresh), 21301, "{}", refresh.text);
    let still = first.get("/auth/sessions").await;
    assert_eq!(still.status, 200);
    assert_eq!(still.body["items"].as_array().unwrap().len(), 1);

    // The current session, revoked with its refresh token.
    let current = second
        .call_as(
            Method::DELETE,
            "/auth/sessions/current",
            Some(second.refresh_token()),
            None,
            false,
        )
        .await;
    assert_eq!(current.status, 204, "{}", current.text);
    let refresh = second
        .call_as(
            Method::POST,
            "/auth/token/refresh",
            Some(second.refresh_token()),
            None,
            false,
        )
        .await;
    assert_eq!(code(&refresh), 21301);
    let empty = second.get("/auth/sessions").await;
    assert_eq!(empty.body["items"].as_array().unwrap().len(), 0);

    let unknown = second
        .call_as(
            Method::DELETE,
            "/auth/sessions/20261102-AU-0000000000-0000000000-00",
            None,
            None,
            false,
        )
        .await;
    assert_eq!(code(&unknown), 21405);
    let small_page = second.get("/auth/sessions?pageSize=5").await;
    assert_eq!(code(&small_page), 21405);
    let anonymous = call(
        &t,
        Method::DELETE,
        "/v2/auth/sessions/current",
        None,
        None,
        false,
    )
    .await;
    assert_eq!(anonymous.status, 401);

    // Another session than one's own takes CredentialsManage.
    let admin = owner(&t).await;
    let (_, token) = create_token(&admin, &["InvoiceRead"], "Tylko odczyt faktur").await;
    step(&t, 1).await;
    let mut reader = Client::connect(&t, "/v2").await;
    reader.token_login(&token, NIP).await;
    let admins = admin.get("/auth/sessions").await;
    let admin_reference = admins.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["authenticationMethod"] == "Token" && i["isCurrent"] == true)
        .unwrap()["referenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    let forbidden = reader
        .call_as(
            Method::DELETE,
            &format!("/auth/sessions/{admin_reference}"),
            None,
            None,
            true,
        )
        .await;
    assert_eq!(forbidden.status, 403);

    insta::assert_json_snapshot!(
        "ksef_auth_sessions",
        redact(json!({
            "GET /auth/sessions": listed.body,
            "POST /auth/token/refresh after revocation": refresh.body,
            "DELETE /auth/sessions/{unknown}": unknown.body,
            "DELETE /auth/sessions/{other} without CredentialsManage": forbidden.body,
        }))
    );
}

#[tokio::test]
async fn limits_are_reported_changed_enforced_and_restored() {
    let t = TestSim::with_scenario(&scenario(
        "  limits:\n    online_session: { max_invoices: 5000 }\n    max_certificates: 3",
    ))
    .await;
    let admin = owner(&t).await;
    let context = admin.get("/limits/context").await;
    let subject = admin.get("/limits/subject").await;
    assert_eq!(context.body["onlineSession"]["maxInvoices"], 5000);
    assert_eq!(subject.body["certificate"]["maxCertificates"], 3);

    let one_invoice = json!({
        "onlineSession": {"maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 3, "maxInvoices": 1},
        "batchSession": {"maxInvoiceSizeInMB": 2, "maxInvoiceWithAttachmentSizeInMB": 4, "maxInvoices": 7},
    });
    let set = admin
        .call_as(
            Method::POST,
            "/testdata/limits/context/session",
            None,
            Some(one_invoice),
            false,
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let changed = admin.get("/limits/context").await;
    assert_eq!(changed.body["onlineSession"]["maxInvoices"], 1);
    assert_eq!(changed.body["batchSession"]["maxInvoices"], 7);

    let session = admin.open().await;
    let invoice = fixture("fa3-minimal.xml");
    let sent = admin
        .send(&session, Client::send_body(&invoice, &KEY))
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    let second = admin
        .send(
            &session,
            Client::send_body(&with_number(&invoice, "FV/2"), &KEY),
        )
        .await;
    assert_eq!(code(&second), 21155, "{}", second.text);

    // A size limit below the invoice's refuses it once processed (450).
    let tiny = json!({
        "onlineSession": {"maxInvoiceSizeInMB": 0, "maxInvoiceWithAttachmentSizeInMB": 0, "maxInvoices": 100},
        "batchSession": {"maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 3, "maxInvoices": 100},
    });
    let set = admin
        .call_as(
            Method::POST,
            "/testdata/limits/context/session",
            None,
            Some(tiny),
            false,
        )
        .await;
    assert_eq!(set.status, 200);
    let session = admin.open().await;
    let sent = admin
        .send(
            &session,
            Client::send_body(&with_number(&invoice, "FV/3"), &KEY),
        )
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    step(&t, 3).await;
    let reference = sent.body["referenceNumber"].as_str().unwrap();
    let too_large = admin
        .get(&format!("/sessions/{session}/invoices/{reference}"))
        .await;
    assert_eq!(too_large.body["status"]["code"], 450, "{}", too_large.text);

    let too_big = json!({
        "onlineSession": {"maxInvoiceSizeInMB": 9, "maxInvoiceWithAttachmentSizeInMB": 3, "maxInvoices": 1},
        "batchSession": {"maxInvoiceSizeInMB": 1, "maxInvoiceWithAttachmentSizeInMB": 3, "maxInvoices": 1},
    });
    let refused = admin
        .call_as(
            Method::POST,
            "/testdata/limits/context/session",
            None,
            Some(too_big),
            false,
        )
        .await;
    assert_eq!(code(&refused), 21405);
    let half = admin
        .call_as(
            Method::POST,
            "/testdata/limits/context/session",
            None,
            Some(json!({"onlineSession": {"maxInvoices": 1}})),
            false,
        )
        .await;
    assert_eq!(code(&half), 21405);

    let reset = admin
        .call_as(
            Method::DELETE,
            "/testdata/limits/context/session",
            None,
            None,
            false,
        )
        .await;
    assert_eq!(reset.status, 200);
    assert_eq!(admin.get("/limits/context").await.body, context.body);

    let set = admin
        .call_as(
            Method::POST,
            "/testdata/limits/subject/certificate",
            None,
            Some(json!({"subjectIdentifierType": "Nip", "certificate": {"maxCertificates": 9}})),
            false,
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let changed_subject = admin.get("/limits/subject").await;
    assert_eq!(changed_subject.body["certificate"]["maxCertificates"], 9);
    assert_eq!(changed_subject.body["enrollment"]["maxEnrollments"], 12);
    admin
        .call_as(
            Method::DELETE,
            "/testdata/limits/subject/certificate",
            None,
            None,
            false,
        )
        .await;
    assert_eq!(admin.get("/limits/subject").await.body, subject.body);

    let anonymous = call(&t, Method::GET, "/v2/limits/context", None, None, false).await;
    assert_eq!(anonymous.status, 401);

    insta::assert_json_snapshot!(
        "ksef_limits",
        redact(json!({
            "GET /limits/context": context.body,
            "GET /limits/subject": subject.body,
            "GET /limits/context after POST /testdata/limits/context/session": changed.body,
            "POST /sessions/online/{ref}/invoices past maxInvoices": second.body,
            "POST /testdata/limits/context/session out of bounds": refused.body,
            "GET /sessions/{ref}/invoices/{ref} past the size limit": too_large.body,
        }))
    );
}

/// Every group's values, as `POST /testdata/rate-limits` requires them: `sessionList` at
/// `per_second`, the others at their published per-second values or more.
fn all_groups(per_second: u32) -> Value {
    let groups = [
        "onlineSession",
        "batchSession",
        "invoiceSend",
        "invoiceStatus",
        "sessionList",
        "sessionInvoiceList",
        "sessionMisc",
        "invoiceMetadata",
        "invoiceExport",
        "invoiceExportStatus",
        "invoiceDownload",
        "other",
    ];
    let map: serde_json::Map<String, Value> = groups
        .iter()
        .map(|g| {
            (
                (*g).to_owned(),
                json!({
                    "perSecond": if *g == "sessionList" { per_second } else { 50 },
                    "perMinute": 100,
                    "perHour": 1000,
                }),
            )
        })
        .collect();
    json!({"rateLimits": map})
}

#[tokio::test]
async fn rate_limits_change_per_context_at_run_time_and_come_back() {
    let t = TestSim::with_scenario(&scenario("")).await;
    let admin = owner(&t).await;
    let published = admin.get("/rate-limits").await;
    assert_eq!(published.body["sessionList"]["perSecond"], 5);

    let set = admin
        .call_as(
            Method::POST,
            "/testdata/rate-limits",
            None,
            Some(all_groups(2)),
            false,
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let changed = admin.get("/rate-limits").await;
    assert_eq!(changed.body["sessionList"]["perSecond"], 2);
    assert_eq!(changed.body["public"], published.body["public"]);
    // Enforced: the third session list in one second is 429.
    for _ in 0..2 {
        assert_eq!(admin.get("/sessions?sessionType=Online").await.status, 200);
    }
    let limited = admin.get("/sessions?sessionType=Online").await;
    assert_eq!(limited.status, 429, "{}", limited.text);

    let mut partial = all_groups(2);
    partial["rateLimits"]
        .as_object_mut()
        .unwrap()
        .remove("other");
    let missing = admin
        .call_as(
            Method::POST,
            "/testdata/rate-limits",
            None,
            Some(partial),
            false,
        )
        .await;
    assert_eq!(code(&missing), 21405);
    let mut unknown = all_groups(2);
    unknown["rateLimits"]["telepathy"] = json!({"perSecond": 1, "perMinute": 1, "perHour": 1});
    let unknown = admin
        .call_as(
            Method::POST,
            "/testdata/rate-limits",
            None,
            Some(unknown),
            false,
        )
        .await;
    assert_eq!(code(&unknown), 21405);

    step(&t, 2).await;
    let reset = admin
        .call_as(Method::DELETE, "/testdata/rate-limits", None, None, false)
        .await;
    assert_eq!(reset.status, 200);
    assert_eq!(admin.get("/rate-limits").await.body, published.body);

    let production = admin
        .call_as(
            Method::POST,
            "/testdata/rate-limits/production",
            None,
            None,
            false,
        )
        .await;
    assert_eq!(production.status, 200);
    assert_eq!(admin.get("/rate-limits").await.body, published.body);

    insta::assert_json_snapshot!(
        "ksef_rate_limits_changed",
        redact(json!({
            "GET /rate-limits after POST /testdata/rate-limits": changed.body,
            "POST /testdata/rate-limits without a group": missing.body,
        }))
    );
}

#[tokio::test]
async fn a_scenario_token_carries_the_scenario_s_permissions() {
    let extra = r#"    - { token: "reader-token", context: "5265877635", permissions: [InvoiceRead], description: "Odczyt z scenariusza" }"#;
    let yaml = scenario("").replace(
        "    - { token: \"blocked-token\"",
        &format!("{extra}\n    - {{ token: \"blocked-token\""),
    );
    let t = TestSim::with_scenario(&yaml).await;
    let mut reader = Client::connect(&t, "/v2").await;
    let done = reader.token_login("reader-token", NIP).await;
    assert_eq!(done.body["status"]["code"], 200);
    let open = reader.try_open().await;
    assert_eq!(open.status, 403);
    assert_eq!(
        open.body["security"]["presentPermissions"],
        json!(["InvoiceRead"])
    );
    let own = reader.get("/tokens").await;
    assert_eq!(own.body["tokens"][0]["description"], "Odczyt z scenariusza");
}
