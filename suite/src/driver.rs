//! The suite's side of the driver contract: one HTTP client per run, and every answer checked
//! against the contract so a misbehaving adapter is reported as such, never as a rule failure.

use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::contract::{
    DocumentReport, DriverInfo, RespondRequest, STATES, SubmitReply, SubmitRequest,
};
use crate::errors::SuiteError;

/// How long one driver call may take. `POST /submit` must answer at once (the integration
/// submits "possibly later"), so this is generous.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub(crate) struct Driver {
    base: String,
    http: reqwest::Client,
}

impl Driver {
    pub(crate) fn new(base_url: &str) -> Result<Driver, SuiteError> {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .no_proxy()
            .build()
            .map_err(|e| SuiteError::Usage(format!("cannot build an HTTP client: {e}")))?;
        Ok(Driver {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// `GET /`.
    pub(crate) async fn info(&self) -> Result<DriverInfo, SuiteError> {
        let info: DriverInfo = self
            .call(
                "GET /",
                self.http.get(format!("{}/", self.base)),
                &[StatusCode::OK],
            )
            .await?;
        if info.name.trim().is_empty() {
            return Err(contract("GET /", "`name` is empty"));
        }
        Ok(info)
    }

    /// `POST /submit`.
    pub(crate) async fn submit(&self, request: &SubmitRequest) -> Result<String, SuiteError> {
        let reply: SubmitReply = self
            .call(
                "POST /submit",
                self.http
                    .post(format!("{}/submit", self.base))
                    .json(request),
                &[StatusCode::OK, StatusCode::CREATED, StatusCode::ACCEPTED],
            )
            .await?;
        check_ref(&reply.reference)?;
        Ok(reply.reference)
    }

    /// `GET /documents/{ref}`.
    pub(crate) async fn document(&self, reference: &str) -> Result<DocumentReport, SuiteError> {
        let call = format!("GET /documents/{reference}");
        let url = format!("{}/documents/{}", self.base, encode(reference));
        let report: DocumentReport = self
            .call(&call, self.http.get(url), &[StatusCode::OK])
            .await?;
        if !STATES.contains(&report.state.as_str()) {
            return Err(contract(
                &call,
                &format!(
                    "`state` is `{}`, expected one of {}",
                    report.state,
                    STATES.join(", ")
                ),
            ));
        }
        if let Some(bad) = report
            .history
            .iter()
            .flatten()
            .find(|state| !STATES.contains(&state.as_str()))
        {
            return Err(contract(
                &call,
                &format!("`history` holds `{bad}`, not a gateway state"),
            ));
        }
        Ok(report)
    }

    /// `POST /respond`.
    pub(crate) async fn respond(&self, request: &RespondRequest) -> Result<(), SuiteError> {
        let response = self
            .http
            .post(format!("{}/respond", self.base))
            .json(request)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            let body = response.text().await.unwrap_or_default();
            Err(contract(
                "POST /respond",
                &format!("answered {status}: {}", clip(&body)),
            ))
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        call: &str,
        request: reqwest::RequestBuilder,
        ok: &[StatusCode],
    ) -> Result<T, SuiteError> {
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.unreachable(e))?;
        if !ok.contains(&status) {
            return Err(contract(
                call,
                &format!(
                    "answered {status}: {}",
                    clip(&String::from_utf8_lossy(&body))
                ),
            ));
        }
        serde_json::from_slice(&body).map_err(|e| {
            contract(
                call,
                &format!(
                    "answer is not the contract's JSON ({e}): {}",
                    clip(&String::from_utf8_lossy(&body))
                ),
            )
        })
    }

    fn unreachable(&self, error: reqwest::Error) -> SuiteError {
        SuiteError::DriverUnreachable {
            url: self.base.clone(),
            detail: error.to_string(),
        }
    }
}

fn check_ref(reference: &str) -> Result<(), SuiteError> {
    if reference.is_empty() || reference.len() > 200 || reference.contains('/') {
        return Err(contract(
            "POST /submit",
            &format!(
                "`ref` must be 1 to 200 characters without `/`, found `{}`",
                clip(reference)
            ),
        ));
    }
    Ok(())
}

fn contract(call: &str, detail: &str) -> SuiteError {
    SuiteError::Contract {
        call: call.to_owned(),
        detail: detail.to_owned(),
    }
}

fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(300).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}

fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
