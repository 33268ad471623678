//! The gateway's OAuth2 token endpoint, bearer authentication and participant lookup.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::TestSim;

const TOKEN: &str = "/connect/token";

async fn form_token(t: &TestSim, fields: &[(&str, &str)]) -> reqwest::Response {
    t.http.post(t.url(TOKEN)).form(fields).send().await.unwrap()
}

async fn demo_token(t: &TestSim) -> String {
    token_for(t, "demo-client", "demo-secret").await
}

async fn lookup(t: &TestSim, id: &str, token: Option<&str>) -> (StatusCode, Option<String>, Value) {
    let mut request = t.http.get(t.url(&format!("/api/v1/participants/{id}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    (status, challenge, response.json().await.unwrap())
}

fn anti_patterns(t: &TestSim, tenant: Option<&str>) -> Vec<Value> {
    t.sim
        .journal()
        .query(&eisim::JournalQuery {
            kind: Some(eisim::journal::RecordKind::AntiPattern),
            tenant: tenant.map(eisim::TenantId::new),
            ..Default::default()
        })
        .into_iter()
        .map(|entry| serde_json::to_value(entry.record).unwrap())
        .collect()
}

#[tokio::test]
async fn a_form_encoded_client_credentials_request_gets_a_bearer_token_for_exactly_an_hour() {
    let t = TestSim::virtual_clock().await;
    let response = form_token(
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    // Tokens derive from the scenario seed, so the whole body is stable.
    insta::assert_json_snapshot!("token_issued", body);
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn json_bodies_and_basic_credentials_work_too() {
    let t = TestSim::virtual_clock().await;
    let response = t
        .http
        .post(t.url(TOKEN))
        .json(&json!({"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let response = t
        .http
        .post(t.url(TOKEN))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let (status, _, _) = lookup(&t, "SDI:ABC1234", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_token_requests_are_refused_and_counted() {
    let t = TestSim::virtual_clock().await;
    let cases: [&[(&str, &str)]; 6] = [
        &[
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", ""),
            ("client_secret", "demo-secret"),
        ],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "0"),
            ("client_secret", "demo-secret"),
        ],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "YOUR_CLIENT_ID"),
            ("client_secret", "demo-secret"),
        ],
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", "demo-secret"),
        ],
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
        ],
    ];
    let mut bodies = Vec::new();
    for fields in cases {
        let response = form_token(&t, fields).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        bodies.push(response.json::<Value>().await.unwrap());
    }
    insta::assert_json_snapshot!("token_malformed", bodies);
    let counted = anti_patterns(&t, None);
    assert_eq!(counted.len(), cases.len());
    assert!(
        counted
            .iter()
            .all(|r| r["pattern"] == "malformed-token-request")
    );
}

#[tokio::test]
async fn wrong_credentials_grant_types_and_media_types_are_refused() {
    let t = TestSim::virtual_clock().await;
    let response = form_token(
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "not-the-secret"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"eisim\""
    );
    let wrong_secret: Value = response.json().await.unwrap();

    let response = t
        .http
        .post(t.url(TOKEN))
        .basic_auth("demo-client", Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"eisim\""
    );

    let response = form_token(
        &t,
        &[
            ("grant_type", "password"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let wrong_grant: Value = response.json().await.unwrap();

    let response = t
        .http
        .post(t.url(TOKEN))
        .header("content-type", "text/plain")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let wrong_type: Value = response.json().await.unwrap();

    insta::assert_json_snapshot!("token_refusals", [wrong_secret, wrong_grant, wrong_type]);
    assert!(
        anti_patterns(&t, None).is_empty(),
        "well-formed requests are not anti-patterns"
    );
}

#[tokio::test]
async fn calls_without_a_valid_token_get_401_with_a_challenge() {
    let t = TestSim::virtual_clock().await;
    let (status, challenge, missing) = lookup(&t, "SDI:ABC1234", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer realm=\"eisim\""));

    let (status, challenge, forged) = lookup(&t, "SDI:ABC1234", Some("eisim_at_forged")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.unwrap().contains("error=\"invalid_token\""));
    insta::assert_json_snapshot!("bearer_refusals", [missing, forged]);
}

#[tokio::test]
async fn tokens_expire_when_the_simulated_clock_passes_their_lifetime() {
    let t = TestSim::virtual_clock().await;
    let token = demo_token(&t).await;
    t.sim.advance(Duration::from_secs(59 * 60)).unwrap();
    let (status, _, _) = lookup(&t, "SDI:ABC1234", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    t.sim.advance(Duration::from_secs(60)).unwrap();
    let (status, challenge, body) = lookup(&t, "SDI:ABC1234", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.unwrap().contains("expired"));
    assert_eq!(body["type"], "urn:eisim:problem:invalid-token");
}

const SHORT_TOKENS: &str = "\
name: short-tokens
clock: virtual
limits:
  token_ttl: 5m
tenants:
  - id: acme
    credentials: [{ client_id: acme-client, client_secret: acme-secret }]
";

#[tokio::test]
async fn the_scenario_sets_the_token_lifetime() {
    let t = TestSim::virtual_clock().await;
    let response = t.load_scenario(SHORT_TOKENS).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = form_token(
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "acme-client"),
            ("client_secret", "acme-secret"),
        ],
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 300);
}

const TWO_CLIENTS: &str = "\
name: two-clients
clock: virtual
tenants:
  - id: careless
    credentials: [{ client_id: careless-client, client_secret: s1 }]
  - id: careful
    credentials: [{ client_id: careful-client, client_secret: s2 }]
participants:
  - { id: \"SDI:ABC1234\", network: sdi }
";

async fn token_for(t: &TestSim, id: &str, secret: &str) -> String {
    t.token(id, secret).await
}

#[tokio::test]
async fn the_journal_tells_a_client_that_caches_its_token_from_one_that_does_not() {
    let t = TestSim::virtual_clock().await;
    let loaded = t.load_scenario(TWO_CLIENTS).await;
    assert_eq!(loaded.status(), StatusCode::OK);

    const CALLS: usize = 10;
    // The careless client logs in before every call; the careful one once.
    for _ in 0..CALLS {
        let token = token_for(&t, "careless-client", "s1").await;
        assert_eq!(
            lookup(&t, "SDI:ABC1234", Some(&token)).await.0,
            StatusCode::OK
        );
    }
    let token = token_for(&t, "careful-client", "s2").await;
    for _ in 0..CALLS {
        assert_eq!(
            lookup(&t, "SDI:ABC1234", Some(&token)).await.0,
            StatusCode::OK
        );
        t.sim.advance(Duration::from_secs(60)).unwrap();
    }

    let token_requests = |tenant: &str| {
        t.sim
            .journal()
            .query(&eisim::JournalQuery {
                kind: Some(eisim::journal::RecordKind::Http),
                tenant: Some(eisim::TenantId::new(tenant)),
                ..Default::default()
            })
            .into_iter()
            .filter(|e| matches!(&e.record, eisim::Record::Http(x) if x.path == TOKEN))
            .count()
    };
    assert_eq!(token_requests("careless"), CALLS);
    assert_eq!(token_requests("careful"), 1);
    let careless = anti_patterns(&t, Some("careless"));
    assert_eq!(careless.len(), CALLS - 1);
    assert!(careless.iter().all(|r| r["pattern"] == "token-not-reused"));
    assert!(anti_patterns(&t, Some("careful")).is_empty());
}

#[tokio::test]
async fn participant_lookup_says_where_a_recipient_is_reachable() {
    let t = TestSim::virtual_clock().await;
    let token = demo_token(&t).await;
    let (status, _, found) = lookup(&t, "0208:0456789133", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, unknown) = lookup(&t, "KSEF:1111111111", Some(&token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, malformed) = lookup(&t, "not-an-id", Some(&token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("participant_lookups", [found, unknown, malformed]);

    // Failed calls by an authenticated tenant are still journaled under that tenant.
    let demo_calls = t.sim.journal().query(&eisim::JournalQuery {
        kind: Some(eisim::journal::RecordKind::Http),
        tenant: Some(eisim::TenantId::new("demo")),
        ..Default::default()
    });
    let statuses: Vec<u16> = demo_calls
        .iter()
        .filter_map(|e| match &e.record {
            eisim::Record::Http(x) => Some(x.status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![200, 200, 404, 400]);
}
