//! Tenants and everything they own.
//!
//! Each integrator (or each parallel CI job) is a tenant with its own client credentials, and
//! a real provider never lets one customer see another's invoices. eisim enforces that by
//! construction: per-tenant data lives in [`TenantTable`]s and in the [`Ledger`]'s
//! per-tenant books, whose every read and write takes a [`TenantId`], so there is no call that
//! could return another tenant's rows.
//!
//! The participant directory is different on purpose: who can receive on Peppol, SDI or KSeF
//! is public network knowledge (an SMP lookup, a codice destinatario, a NIP), so it is shared.

mod access_tokens;
mod documents;
mod ledger;

pub use access_tokens::{AccessTokens, DEFAULT_TOKEN_TTL, TokenExpiryOverflow, TokenRejection};

pub use documents::{
    BusinessKey, DocumentChange, DocumentRecord, InboundOrigin, NetworkDetail, StateChange,
    SubmissionItem, SubmissionRecord,
};
pub use ledger::{
    DocumentFilter, Duplicate, IDEMPOTENCY_KEY_LIFETIME, IdempotencyCheck, Ledger, StoredResponse,
};

use std::collections::{BTreeMap, HashMap};
use std::sync::{PoisonError, RwLock};

use serde::Serialize;

use crate::scenario::{Participant, Scenario};
use crate::vocabulary::Network;
use crate::vocabulary::TenantId;

/// A tenant as the control API shows it: never with its secrets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tenant {
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
pub struct Store {
    tenants: BTreeMap<TenantId, Tenant>,
    clients: HashMap<String, ClientSecret>,
    directory: Vec<Participant>,
    /// Documents, submissions and idempotency keys of every tenant.
    pub ledger: Ledger,
}

impl Store {
    /// Builds the store a scenario describes. The scenario parser has already refused
    /// duplicate ids and dangling references, so this cannot fail.
    pub fn from_scenario(scenario: &Scenario) -> Self {
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
    pub fn authenticate(&self, client_id: &str, client_secret: &str) -> Option<TenantId> {
        let known = self.clients.get(client_id)?;
        constant_time_eq(known.secret.as_bytes(), client_secret.as_bytes())
            .then(|| known.tenant.clone())
    }

    pub fn tenants(&self) -> impl Iterator<Item = &Tenant> {
        self.tenants.values()
    }

    pub fn tenant(&self, id: &TenantId) -> Option<&Tenant> {
        self.tenants.get(id)
    }

    /// Every participant reachable on the simulated networks.
    pub fn directory(&self) -> &[Participant] {
        &self.directory
    }

    pub fn participant(&self, network: Network, id: &str) -> Option<&Participant> {
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

/// Rows of one kind (documents, submissions, sessions...) partitioned by tenant. The only way
/// in or out is through a [`TenantId`], which is what makes cross-tenant leaks impossible
/// rather than merely untested.
#[derive(Debug)]
pub struct TenantTable<K, V> {
    rows: RwLock<HashMap<TenantId, BTreeMap<K, V>>>,
}

impl<K, V> Default for TenantTable<K, V> {
    fn default() -> Self {
        TenantTable {
            rows: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Ord + Clone, V: Clone> TenantTable<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value` under `key` for `tenant`, returning what was there before.
    pub fn insert(&self, tenant: &TenantId, key: K, value: V) -> Option<V> {
        let mut rows = self.rows.write().unwrap_or_else(PoisonError::into_inner);
        rows.entry(tenant.clone()).or_default().insert(key, value)
    }

    pub fn get(&self, tenant: &TenantId, key: &K) -> Option<V> {
        let rows = self.rows.read().unwrap_or_else(PoisonError::into_inner);
        rows.get(tenant).and_then(|t| t.get(key)).cloned()
    }

    /// Changes a row in place; `None` when the tenant has no such row.
    pub fn update<R>(
        &self,
        tenant: &TenantId,
        key: &K,
        change: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        let mut rows = self.rows.write().unwrap_or_else(PoisonError::into_inner);
        rows.get_mut(tenant)
            .and_then(|t| t.get_mut(key))
            .map(change)
    }

    pub fn remove(&self, tenant: &TenantId, key: &K) -> Option<V> {
        let mut rows = self.rows.write().unwrap_or_else(PoisonError::into_inner);
        rows.get_mut(tenant).and_then(|t| t.remove(key))
    }

    /// The tenant's rows in key order.
    pub fn list(&self, tenant: &TenantId) -> Vec<(K, V)> {
        let rows = self.rows.read().unwrap_or_else(PoisonError::into_inner);
        rows.get(tenant)
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    pub fn count(&self, tenant: &TenantId) -> usize {
        let rows = self.rows.read().unwrap_or_else(PoisonError::into_inner);
        rows.get(tenant).map_or(0, BTreeMap::len)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    proptest! {
        /// Whatever two tenants write, each reads back exactly its own rows.
        #[test]
        fn a_tenant_never_sees_another_tenants_rows(
            writes in proptest::collection::vec((any::<bool>(), 0u8..20, any::<u32>()), 0..200)
        ) {
            let table: TenantTable<u8, u32> = TenantTable::new();
            let (a, b) = (TenantId::new("a"), TenantId::new("b"));
            let mut model_a = BTreeMap::new();
            let mut model_b = BTreeMap::new();
            for (to_a, key, value) in writes {
                if to_a {
                    table.insert(&a, key, value);
                    model_a.insert(key, value);
                } else {
                    table.insert(&b, key, value);
                    model_b.insert(key, value);
                }
            }
            prop_assert_eq!(table.list(&a), model_a.into_iter().collect::<Vec<_>>());
            prop_assert_eq!(table.list(&b), model_b.into_iter().collect::<Vec<_>>());
            prop_assert_eq!(table.count(&TenantId::new("c")), 0);
        }
    }

    #[test]
    fn update_and_remove_are_scoped_too() {
        let table: TenantTable<String, u32> = TenantTable::new();
        let (a, b) = (TenantId::new("a"), TenantId::new("b"));
        table.insert(&a, "doc-1".into(), 1);
        assert_eq!(table.update(&b, &"doc-1".into(), |v| *v += 1), None);
        assert_eq!(table.remove(&b, &"doc-1".into()), None);
        assert_eq!(
            table.update(&a, &"doc-1".into(), |v| {
                *v += 1;
                *v
            }),
            Some(2)
        );
        assert_eq!(table.get(&a, &"doc-1".into()), Some(2));
        assert_eq!(table.remove(&a, &"doc-1".into()), Some(2));
        assert_eq!(table.get(&a, &"doc-1".into()), None);
    }
}
