//! Properties of submission under any interleaving of submits, resubmits, idempotent retries
//! and batches by two tenants, checked through the router in-process:
//! - one idempotency key never creates two documents, and its answer never changes;
//! - every resubmission of a document already taken in is flagged (409 or 429), never stored;
//! - no tenant ever sees the other's documents.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::gateway_invoices::{SCENARIO, invoice};

const TENANTS: [(&str, &str); 2] = [
    ("acme-client", "acme-secret"),
    ("globex-client", "globex-secret"),
];

#[derive(Clone, Debug)]
enum Op {
    /// Submit document `doc` as tenant `tenant`, with idempotency key `key` if any.
    Submit {
        tenant: usize,
        doc: u8,
        key: Option<u8>,
    },
    /// Submit a batch of documents.
    Batch {
        tenant: usize,
        docs: Vec<u8>,
        key: Option<u8>,
    },
    /// Send the previous request again, byte for byte.
    Retry,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, 0..4u8, proptest::option::of(0..3u8)).prop_map(|(tenant, doc, key)| Op::Submit { tenant, doc, key }),
        2 => (0..2usize, proptest::collection::vec(0..4u8, 1..4), proptest::option::of(0..3u8))
            .prop_map(|(tenant, docs, key)| Op::Batch { tenant, docs, key }),
        2 => Just(Op::Retry),
    ]
}

#[derive(Clone, Debug)]
struct Sent {
    tenant: usize,
    path: &'static str,
    body: Vec<u8>,
    content_type: &'static str,
    key: Option<String>,
}

struct Harness {
    app: axum::Router,
    tokens: Vec<String>,
}

impl Harness {
    async fn new() -> Harness {
        let scenario = eisim::scenario::parse(SCENARIO, "properties.yaml").unwrap();
        let world = Arc::new(eisim::Simulation::new(
            scenario,
            "properties.yaml".into(),
            eisim::Overrides::default(),
            eisim::Journal::default(),
        ));
        let app = eisim::app(world, eisim::ServerSettings::default());
        let mut harness = Harness {
            app,
            tokens: vec![],
        };
        for (id, secret) in TENANTS {
            let body =
                format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
            let (_, value) = harness
                .call(
                    Request::post("/connect/token")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            harness
                .tokens
                .push(value["access_token"].as_str().unwrap().to_owned());
        }
        harness
    }

    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn send(&self, sent: &Sent) -> (StatusCode, Value) {
        let mut request = Request::post(sent.path)
            .header(
                "authorization",
                format!("Bearer {}", self.tokens[sent.tenant]),
            )
            .header("content-type", sent.content_type);
        if let Some(key) = &sent.key {
            request = request.header("idempotency-key", key);
        }
        self.call(request.body(Body::from(sent.body.clone())).unwrap())
            .await
    }

    async fn get(&self, tenant: usize, path: &str) -> (StatusCode, Value) {
        self.call(
            Request::get(path)
                .header("authorization", format!("Bearer {}", self.tokens[tenant]))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }
}

fn document(doc: u8) -> String {
    invoice(&format!("PROP-{doc}"))
}

fn request_for(op: &Op) -> Option<Sent> {
    match op {
        Op::Submit { tenant, doc, key } => Some(Sent {
            tenant: *tenant,
            path: "/api/v1/invoices",
            body: document(*doc).into_bytes(),
            content_type: "application/xml",
            key: key.map(|k| format!("key-{k}")),
        }),
        Op::Batch { tenant, docs, key } => {
            let documents: Vec<Value> = docs
                .iter()
                .map(|d| json!({"document": STANDARD.encode(document(*d))}))
                .collect();
            Some(Sent {
                tenant: *tenant,
                path: "/api/v1/submissions",
                body: serde_json::to_vec(&json!({ "documents": documents })).unwrap(),
                content_type: "application/json",
                key: key.map(|k| format!("key-{k}")),
            })
        }
        Op::Retry => None,
    }
}

/// Document ids an answer created (a single invoice, or a batch's stored documents).
fn created_ids(body: &Value) -> Vec<String> {
    if let Some(id) = body["id"].as_str().filter(|id| id.starts_with("inv_")) {
        return vec![id.to_owned()];
    }
    body["documents"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The body a key was first used with, and the answer it got.
type Answer = (Vec<u8>, StatusCode, Value);

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let h = Harness::new().await;
    let mut last: Option<Sent> = None;
    // Per tenant: documents taken in (by number), ids created, and answers per idempotency key.
    let mut taken: [BTreeSet<u8>; 2] = Default::default();
    let mut ids: [BTreeSet<String>; 2] = Default::default();
    let mut answers: [BTreeMap<String, Answer>; 2] = Default::default();
    for op in &ops {
        let Some(sent) = request_for(op).or_else(|| last.clone()) else {
            continue;
        };
        let (status, body) = h.send(&sent).await;
        let tenant = sent.tenant;
        if let Some(key) = &sent.key {
            match answers[tenant].get(key) {
                Some((body_sent, first_status, first_body)) if *body_sent == sent.body => {
                    prop_assert_eq!(
                        (status, &body),
                        (*first_status, first_body),
                        "a replay changed its answer"
                    );
                    last = Some(sent);
                    continue;
                }
                Some(_) => {
                    prop_assert_eq!(
                        status,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "a reused key was not refused"
                    );
                    last = Some(sent);
                    continue;
                }
                None if status != StatusCode::TOO_MANY_REQUESTS => {
                    answers[tenant].insert(key.clone(), (sent.body.clone(), status, body.clone()));
                }
                None => {}
            }
        }
        let docs: Vec<u8> = match op {
            Op::Submit { doc, .. } => vec![*doc],
            Op::Batch { docs, .. } => docs.clone(),
            Op::Retry => request_for_retry(&ops, &sent).unwrap_or_default(),
        };
        let new_ids = created_ids(&body);
        if sent.path == "/api/v1/invoices" {
            let doc = docs.first().copied().unwrap_or_default();
            if taken[tenant].contains(&doc) {
                prop_assert!(
                    status == StatusCode::CONFLICT || status == StatusCode::TOO_MANY_REQUESTS,
                    "a resubmission of PROP-{} was answered {}",
                    doc,
                    status
                );
            } else if status == StatusCode::CREATED {
                taken[tenant].insert(doc);
            }
        } else if status == StatusCode::ACCEPTED {
            for (item, doc) in body["documents"].as_array().unwrap().iter().zip(&docs) {
                if taken[tenant].contains(doc) {
                    prop_assert!(
                        item["duplicate_of"].is_string(),
                        "a duplicate in a batch was not flagged: {}",
                        item
                    );
                } else if item["id"].is_string() {
                    taken[tenant].insert(*doc);
                }
            }
        }
        for id in new_ids {
            prop_assert!(
                ids[tenant].insert(id.clone()),
                "document {} created twice",
                id
            );
            prop_assert!(
                !ids[1 - tenant].contains(&id),
                "an id was shared across tenants"
            );
        }
        last = Some(sent);
    }
    for tenant in 0..2 {
        let (_, list) = h.get(tenant, "/api/v1/invoices?limit=200").await;
        let listed: BTreeSet<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
        prop_assert_eq!(
            &listed,
            &ids[tenant],
            "the list differs from the documents created"
        );
        prop_assert_eq!(
            listed.len(),
            taken[tenant].len(),
            "one document per distinct invoice"
        );
        for id in &ids[1 - tenant] {
            let (status, _) = h.get(tenant, &format!("/api/v1/invoices/{id}")).await;
            prop_assert_eq!(status, StatusCode::NOT_FOUND);
        }
    }
    Ok(())
}

/// The documents of a retried request, recovered from the op that first sent it.
fn request_for_retry(ops: &[Op], sent: &Sent) -> Option<Vec<u8>> {
    ops.iter().rev().find_map(|op| {
        let candidate = request_for(op)?;
        (candidate.body == sent.body && candidate.tenant == sent.tenant).then(|| match op {
            Op::Submit { doc, .. } => vec![*doc],
            Op::Batch { docs, .. } => docs.clone(),
            Op::Retry => vec![],
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn submissions_are_idempotent_deduplicated_and_tenant_scoped(ops in proptest::collection::vec(op(), 1..24)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(run(ops))?;
    }
}
