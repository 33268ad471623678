//! Where events go: a webhook endpoint (a URL, a dialect, a secret) or an ERP callback (a
//! base URL and the API key eisim presents).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Serialize;

use super::event::EventType;
use super::signing::Secret;
use crate::vocabulary::TenantId;

/// How a webhook endpoint wants its requests signed and shaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Dialect {
    /// Standard Webhooks v1: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    Standard,
    /// The same signatures under Svix's header names (`svix-id`, ...).
    Svix,
    /// The provider seed's message body, signed with `Billit-Signature: t=...,s=...`.
    Provider,
}

impl Dialect {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "standard" => Ok(Self::Standard),
            "svix" => Ok(Self::Svix),
            "provider" => Ok(Self::Provider),
            other => Err(format!(
                "unknown dialect `{other}`; expected `standard` (Standard Webhooks), `svix` (the same under svix-* headers) or `provider` (Billit-Signature)"
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Webhook {
        url: String,
        dialect: Dialect,
    },
    /// ERP callback mode: `PUT {base_url}/notifications/documents|receipts` with
    /// `Authorization: ApiKey {api_key}`.
    Callback {
        base_url: String,
        api_key: String,
    },
}

/// A subscription: one tenant's endpoint and what it wants to hear about.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    pub id: String,
    pub tenant: TenantId,
    pub target: Target,
    /// `None` receives every invoice event.
    pub events: Option<BTreeSet<EventType>>,
    pub description: Option<String>,
    pub secret: Secret,
    /// The secret before the last rotation, still signing until the instant given.
    pub previous: Option<(Secret, Timestamp)>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// When the current run of failures began; cleared by any success.
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The seed's `EntityType` and `EntityUpdateType`, when created in the provider shape.
    pub provider_shape: Option<(String, String)>,
    pub rotations: u32,
}

impl Endpoint {
    pub(crate) fn wants(&self, event_type: EventType) -> bool {
        match &self.events {
            Some(events) => events.contains(&event_type),
            None => event_type.in_everything(),
        }
    }

    /// The secrets that sign a request sent at simulated instant `at`, newest first.
    pub(crate) fn secrets_at(&self, at: Timestamp) -> Vec<Secret> {
        let mut secrets = vec![self.secret.clone()];
        if let Some((previous, until)) = &self.previous
            && at < *until
        {
            secrets.push(previous.clone());
        }
        secrets
    }

    /// Where a request for `event_type` goes, and with which method.
    pub(crate) fn destination(&self, event_type: EventType) -> (&'static str, String) {
        match &self.target {
            Target::Webhook { url, .. } => ("POST", url.clone()),
            Target::Callback { base_url, .. } => {
                let path = match event_type {
                    EventType::CallbackReceipts => "notifications/receipts",
                    _ => "notifications/documents",
                };
                ("PUT", format!("{}/{path}", base_url.trim_end_matches('/')))
            }
        }
    }
}
