//! Tenants and everything they own.
//!
//! Each integrator (or each parallel CI job) is a tenant with its own client credentials, and
//! a real provider never lets one customer see another's invoices. eisim enforces that by
//! construction: per-tenant data lives in the [`Ledger`], whose every read
//! and write takes a [`TenantId`], so there is no call that could return another tenant's
//! rows.
//!
//! The participant directory is different on purpose: who can receive on Peppol, SDI or KSeF
//! is public network knowledge (an SMP lookup, a codice destinatario, a NIP), so it is shared.

mod access_tokens;
mod documents;
mod ledger;

pub(crate) use access_tokens::{
    AccessTokens, DEFAULT_TOKEN_TTL, TokenExpiryOverflow, TokenRejection,
};

pub(crate) use documents::{
    DocumentChange, DocumentRecord, InboundOrigin, NetworkDetail, StateChange, SubmissionItem,
    SubmissionRecord,
};
pub(crate) use ledger::{DocumentFilter, Duplicate, IdempotencyCheck, Ledger, StoredResponse};

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::scenario::{Participant, Scenario};
use crate::vocabulary::Network;
use crate::vocabulary::TenantId;

/// A tenant as the control API shows it: never with its secrets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Tenant {
    pub id: TenantId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub client_ids: Vec<String>,
    /// The tenant's own identities on the networks (participants owned by it).
    pub participants: Vec<String>,
}

#[derive(Debug)]
struct ClientSecret {
    tenant: TenantId,
    secret: String,
}

/// The simulator's state for one scenario run: tenants, credentials and the directory.
/// Rebuilt from the scenario on every reset.
#[derive(Debug)]
pub(crate) struct Store {
    tenants: BTreeMap<TenantId, Tenant>,
    clients: HashMap<String, ClientSecret>,
    directory: Vec<Participant>,
    /// Documents, submissions and idempotency keys of every tenant.
    pub ledger: Ledger,
}

impl Store {
    /// Builds the store a scenario describes. The scenario parser has already refused
    /// duplicate ids and dangling references, so this cannot fail.
    pub(crate) fn from_scenario(scenario: &Scenario) -> Self {
        let mut tenants = BTreeMap::new();
        let mut clients = HashMap::new();
        for tenant in &scenario.tenants {
            let id = TenantId::new(tenant.id.as_str());
            for credential in &tenant.credentials {
                clients.insert(
                    credential.client_id.clone(),
                    ClientSecret {
                        tenant: id.clone(),
                        secret: credential.client_secret.clone(),
                    },
                );
            }
            let participants = scenario
                .participants
                .iter()
                .filter(|p| p.tenant.as_deref() == Some(tenant.id.as_str()))
                .map(|p| p.id.clone())
                .collect();
            tenants.insert(
                id.clone(),
                Tenant {
                    id,
                    name: tenant.name.clone(),
                    client_ids: tenant
                        .credentials
                        .iter()
                        .map(|c| c.client_id.clone())
                        .collect(),
                    participants,
                },
            );
        }
        Store {
            tenants,
            clients,
            directory: scenario.participants.clone(),
            ledger: Ledger::default(),
        }
    }

    /// The tenant these client credentials belong to, if they are right. The comparison
    /// takes the same time wherever the secrets differ, as a real token endpoint's would.
    pub(crate) fn authenticate(&self, client_id: &str, client_secret: &str) -> Option<TenantId> {
        let known = self.clients.get(client_id)?;
        constant_time_eq(known.secret.as_bytes(), client_secret.as_bytes())
            .then(|| known.tenant.clone())
    }

    pub(crate) fn tenants(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.values()
    }

    #[cfg(test)]
    pub(crate) fn tenant(&self, id: &TenantId) -> Option<&Tenant> {
        self.tenants.get(id)
    }

    /// Every participant reachable on the simulated networks.
    #[cfg(test)]
    pub(crate) fn directory(&self) -> &[Participant] {
        &self.directory
    }

    pub(crate) fn participant(&self, network: Network, id: &str) -> Option<&Participant> {
        self.directory
            .iter()
            .find(|p| p.network == network && p.id == id)
    }
}

/// Compares secrets without returning early at the first difference, so response timing
/// does not reveal how much of a guess was right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const TWO_TENANTS: &str = r#"
name: two-tenants
tenants:
  - id: acme
    name: Acme S.p.A.
    credentials:
      - { client_id: acme-client, client_secret: acme-secret }
  - id: globex
    credentials:
      - { client_id: globex-client, client_secret: globex-secret }
      - { client_id: globex-ci, client_secret: globex-ci-secret }
participants:
  - { id: "SDI:ABC1234", network: sdi, tenant: acme }
  - { id: "KSEF:5265877635", network: ksef }
"#;

    fn store() -> Store {
        let scenario = crate::scenario::parse(TWO_TENANTS, "two-tenants.yaml").unwrap();
        Store::from_scenario(&scenario)
    }

    #[test]
    fn credentials_resolve_to_their_own_tenant_only() {
        let store = store();
        assert_eq!(
            store.authenticate("acme-client", "acme-secret"),
            Some(TenantId::new("acme"))
        );
        assert_eq!(
            store.authenticate("globex-ci", "globex-ci-secret"),
            Some(TenantId::new("globex"))
        );
        assert_eq!(store.authenticate("acme-client", "globex-secret"), None);
        assert_eq!(store.authenticate("acme-client", "acme-secre"), None);
        assert_eq!(store.authenticate("nobody", "acme-secret"), None);
    }

    #[test]
    fn tenants_list_their_own_participants_and_no_secrets() {
        let store = store();
        let acme = store.tenant(&TenantId::new("acme")).unwrap();
        assert_eq!(acme.participants, vec!["SDI:ABC1234".to_string()]);
        let json = serde_json::to_string(&store.tenants().collect::<Vec<_>>()).unwrap();
        assert!(!json.contains("secret\""), "{json}");
        assert!(!json.contains("acme-secret"), "{json}");
        assert_eq!(store.directory().len(), 2);
        assert!(
            store
                .participant(Network::Ksef, "KSEF:5265877635")
                .is_some()
        );
        assert!(store.participant(Network::Sdi, "KSEF:5265877635").is_none());
    }
}
