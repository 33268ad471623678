//! Integration tests, compiled as one binary (one link, not one per file).

// Test helpers panic on purpose: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod architecture;
mod check_cli;
mod control_api;
mod faults;
mod fixtures;
mod fuzz_seeds;
mod gateway_invoices;
mod gateway_properties;
mod gateway_tokens;
mod hostile;
mod journal_file;
mod ksef;
mod ksef_batch;
mod ksef_buyer;
mod ksef_client_crypto;
mod ksef_numbers;
mod ksef_openapi;
mod ksef_testdata;
mod ksef_tokens;
mod peppol;
mod schemas;
mod sdi;
mod sdi_signed;
mod sdicoop;
mod webhooks;

/// A running simulator on a free port with a virtual clock, plus an HTTP client for it.
pub(crate) struct TestSim {
    pub(crate) sim: eisim::Simulator,
    pub(crate) http: reqwest::Client,
}

impl TestSim {
    pub(crate) async fn virtual_clock() -> TestSim {
        let config = eisim::SimulatorConfig::new().clock(eisim::ClockMode::Virtual);
        Self::start(config).await
    }

    pub(crate) async fn start(config: eisim::SimulatorConfig) -> TestSim {
        let sim = eisim::Simulator::start(config).await.unwrap();
        TestSim {
            sim,
            http: reqwest::Client::new(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    pub(crate) async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub(crate) async fn with_scenario(yaml: &str) -> TestSim {
        let scenario = eisim::scenario::parse(yaml, "test.yaml").unwrap();
        Self::start(eisim::SimulatorConfig::new().scenario(scenario, "test.yaml")).await
    }

    /// Logs in with client credentials and returns the access token.
    pub(crate) async fn token(&self, client_id: &str, secret: &str) -> String {
        let response = self
            .http
            .post(self.url("/connect/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let body: serde_json::Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// The journal's entries of one `kind`, in order.
    pub(crate) async fn journal(&self, kind: &str) -> Vec<serde_json::Value> {
        self.journal_at(&format!("/_sim/journal?kind={kind}")).await
    }

    /// The whole journal, every kind, in order.
    pub(crate) async fn journal_all(&self) -> Vec<serde_json::Value> {
        self.journal_at("/_sim/journal").await
    }

    async fn journal_at(&self, path: &str) -> Vec<serde_json::Value> {
        let text = self
            .http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Loads a scenario through the control API, as a test harness would.
    pub(crate) async fn load_scenario(&self, yaml: &str) -> reqwest::Response {
        self.http
            .post(self.url("/_sim/scenario"))
            .header("content-type", "application/yaml")
            .body(yaml.to_string())
            .send()
            .await
            .unwrap()
    }
}

/// Lowercase hex SHA-256, from `sha2` itself: the digests eisim journals are checked against
/// an implementation that is not eisim's.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            write!(hex, "{byte:02x}").unwrap();
            hex
        })
}

/// (state, network status) of each document webhook a mock endpoint has received so far.
pub(crate) async fn hook_statuses(hooks: &wiremock::MockServer) -> Vec<(String, Option<String>)> {
    hooks
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).ok()?;
            let data = &body["data"];
            Some((
                data["state"].as_str()?.to_owned(),
                data["network_detail"]["status"].as_str().map(str::to_owned),
            ))
        })
        .collect()
}
