//! Calling eisim's router in-process, as the gateway and lifecycle benches both do: one request
//! through `oneshot`, and the demo tenant's access token.
//!
//! Bench harness code: a failed call means the bench itself is broken, so it panics rather
//! than measuring something else.
#![allow(clippy::unwrap_used, clippy::panic)]

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Sends one request through the router and reads the whole answer.
pub async fn call(app: &Router, request: Request<Body>) -> (StatusCode, Bytes) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

/// An access token for the demo tenant of the benches' scenarios.
pub async fn token(app: &Router) -> String {
    let (status, body) = call(
        app,
        Request::post("/connect/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(
                "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
            ))
            .unwrap(),
    )
    .await;
    if status != StatusCode::OK {
        panic!("the token request answered {status}");
    }
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    value["access_token"].as_str().unwrap().to_owned()
}
