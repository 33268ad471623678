//! The gateway's ledger: documents, submissions and idempotency keys, kept per tenant.
//!
//! Duplicate detection and idempotency are check-then-insert operations, so the tenants' ledgers
//! sit behind one lock and [`Ledger::admit`] checks and inserts in one step: two identical
//! submissions racing each other cannot both get in. Every method takes a [`TenantId`] and
//! touches only that tenant's own ledger.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;

use super::documents::{
    BusinessKey, DocumentChange, DocumentRecord, NetworkDetail, StateChange, SubmissionRecord,
};
use crate::vocabulary::TenantId;
use crate::vocabulary::{Direction, DocumentState, Network};

/// An earlier document the new one repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Duplicate {
    pub original_id: String,
    /// Which key matched, in words.
    pub reason: String,
}

/// A response kept for an idempotency key, replayed byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What an `Idempotency-Key` says about a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IdempotencyCheck {
    /// First use: go ahead, then [`Ledger::idempotency_finish`].
    Proceed,
    /// Same key, same request, already answered: send this again.
    Replay(StoredResponse),
    /// Same key, different request.
    Mismatch,
    /// Same key, same request, still being answered.
    InFlight,
}

/// How long an idempotency key is remembered, on the simulated clock. Providers keep keys
/// for at least 24 hours (Stripe's documented window) and then forget them; keeping them for
/// ever would make a long run's memory grow with every keyed request, and a client that
/// retries a day later gets the same "new request" it would get from the real service.
pub(crate) const IDEMPOTENCY_KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug)]
struct IdempotencyEntry {
    /// When the key was first used: it is forgotten [`IDEMPOTENCY_KEY_LIFETIME`] later.
    claimed_at: Timestamp,
    fingerprint: String,
    /// `None` while the first request is still being answered.
    response: Option<StoredResponse>,
}

/// Filters for listing documents.
#[derive(Clone, Debug, Default)]
pub(crate) struct DocumentFilter {
    pub state: Option<DocumentState>,
    pub network: Option<Network>,
    pub direction: Option<Direction>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created before.
    pub to: Option<Timestamp>,
}

impl DocumentFilter {
    fn matches(&self, doc: &DocumentRecord) -> bool {
        self.state.is_none_or(|s| doc.state == s)
            && self.network.is_none_or(|n| doc.network == n)
            && self.direction.is_none_or(|d| doc.direction == d)
            && self.from.is_none_or(|from| doc.created_at >= from)
            && self.to.is_none_or(|to| doc.created_at < to)
    }
}

#[derive(Debug, Default)]
struct TenantLedger {
    /// Keyed by creation sequence, which is what cursors point into.
    documents: BTreeMap<u64, DocumentRecord>,
    by_id: HashMap<String, u64>,
    /// Content hash and business keys of documents that still count for duplicate checks
    /// (a refused or failed document no longer blocks a corrected resubmission).
    by_hash: HashMap<String, String>,
    by_key: HashMap<BusinessKey, String>,
    submissions: HashMap<String, SubmissionRecord>,
    idempotency: HashMap<String, IdempotencyEntry>,
    /// Keys in the order they were claimed, with the claim time: the simulated clock never
    /// goes back within a run, so the front is always the next key to expire and expiry
    /// costs no scan. A key freed and claimed again appears twice; the stale copy is
    /// recognised by its older time.
    idempotency_claims: VecDeque<(Timestamp, String)>,
    next_seq: u64,
}

impl TenantLedger {
    /// Forgets the idempotency keys claimed [`IDEMPOTENCY_KEY_LIFETIME`] or more before `now`.
    fn expire_idempotency_keys(&mut self, now: Timestamp) {
        while let Some((claimed_at, _)) = self.idempotency_claims.front() {
            let expires = claimed_at
                .checked_add(IDEMPOTENCY_KEY_LIFETIME)
                .unwrap_or(Timestamp::MAX);
            if expires > now {
                break;
            }
            let Some((claimed_at, key)) = self.idempotency_claims.pop_front() else {
                break;
            };
            if self
                .idempotency
                .get(&key)
                .is_some_and(|entry| entry.claimed_at == claimed_at)
            {
                self.idempotency.remove(&key);
            }
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Ledger {
    tenants: Mutex<HashMap<TenantId, TenantLedger>>,
    minted: AtomicU64,
}

impl Ledger {
    /// A new id such as `inv_3f9a0c1d2e4b5a697887`: derived from the seed and a counter, so
    /// the same scenario run mints the same ids, yet ids do not reveal how many documents
    /// other tenants hold.
    pub(crate) fn mint_id(&self, prefix: &str, seed: u64) -> String {
        let n = self.minted.fetch_add(1, Ordering::Relaxed);
        let digest = crate::digest::sha256_hex(format!("{seed}:{prefix}:{n}").as_bytes());
        format!("{prefix}_{}", digest.get(..20).unwrap_or(&digest))
    }

    fn tenants(&self) -> MutexGuard<'_, HashMap<TenantId, TenantLedger>> {
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a document unless it duplicates one still standing. Documents that failed
    /// validation are stored (the integrator can read why) but never block later ones.
    pub(crate) fn admit(&self, tenant: &TenantId, doc: DocumentRecord) -> Result<(), Duplicate> {
        let mut tenants = self.tenants();
        let tenant_ledger = tenants.entry(tenant.clone()).or_default();
        let counts = !doc.state.is_final();
        let keys = doc.business_keys();
        if counts && let Some(duplicate) = duplicate_in(tenant_ledger, &doc.content_hash, &keys) {
            return Err(duplicate);
        }
        let seq = tenant_ledger.next_seq;
        tenant_ledger.next_seq += 1;
        if counts {
            tenant_ledger
                .by_hash
                .insert(doc.content_hash.clone(), doc.id.clone());
            for key in keys {
                tenant_ledger.by_key.insert(key, doc.id.clone());
            }
        }
        tenant_ledger.by_id.insert(doc.id.clone(), seq);
        tenant_ledger.documents.insert(seq, doc);
        Ok(())
    }

    /// Stores a document that a network has already taken in on its own terms (a KSeF
    /// invoice sent in an online session): KSeF judges duplicates itself (440), so the
    /// gateway's duplicate keys neither refuse nor remember it.
    pub(crate) fn record(&self, tenant: &TenantId, doc: DocumentRecord) {
        let mut tenants = self.tenants();
        let tenant_ledger = tenants.entry(tenant.clone()).or_default();
        let seq = tenant_ledger.next_seq;
        tenant_ledger.next_seq += 1;
        tenant_ledger.by_id.insert(doc.id.clone(), seq);
        tenant_ledger.documents.insert(seq, doc);
    }

    pub(crate) fn insert_submission(&self, tenant: &TenantId, submission: SubmissionRecord) {
        let mut tenants = self.tenants();
        tenants
            .entry(tenant.clone())
            .or_default()
            .submissions
            .insert(submission.id.clone(), submission);
    }

    pub(crate) fn document(&self, tenant: &TenantId, id: &str) -> Option<DocumentRecord> {
        let tenants = self.tenants();
        let tenant_ledger = tenants.get(tenant)?;
        tenant_ledger
            .by_id
            .get(id)
            .and_then(|seq| tenant_ledger.documents.get(seq))
            .cloned()
    }

    /// A submission and the current state of each of its documents.
    pub(crate) fn submission(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Option<(SubmissionRecord, Vec<DocumentRecord>)> {
        let tenants = self.tenants();
        let tenant_ledger = tenants.get(tenant)?;
        let submission = tenant_ledger.submissions.get(id)?.clone();
        let documents = submission
            .items
            .iter()
            .filter_map(|item| match item {
                super::documents::SubmissionItem::Document { document_id } => tenant_ledger
                    .by_id
                    .get(document_id)
                    .and_then(|seq| tenant_ledger.documents.get(seq))
                    .cloned(),
                _ => None,
            })
            .collect();
        Some((submission, documents))
    }

    /// Moves a document to `to` at `at`. Returns `None` when the document does not exist or
    /// is already final (a late event never reopens a settled document).
    pub(crate) fn transition(
        &self,
        tenant: &TenantId,
        id: &str,
        to: DocumentState,
        detail: Option<NetworkDetail>,
        at: Timestamp,
    ) -> Option<DocumentChange> {
        let mut tenants = self.tenants();
        let tenant_ledger = tenants.get_mut(tenant)?;
        let seq = *tenant_ledger.by_id.get(id)?;
        let doc = tenant_ledger.documents.get_mut(&seq)?;
        // After delivery only the recipient's word can still change things: its refusal (SDI
        // NE with EC02, a Peppol Invoice Response RE) or news that keeps the state (SDI NE
        // with EC01, DT). Everything else about a final document is settled.
        let recipient_says = doc.state == DocumentState::Delivered
            && (to == DocumentState::Refused || (to == doc.state && detail.is_some()));
        if doc.state.is_final() && !recipient_says {
            return None;
        }
        let from = doc.state;
        doc.state = to;
        doc.updated_at = at;
        if let Some(detail) = detail {
            doc.network_detail = detail;
        }
        doc.history.push(StateChange {
            state: to,
            at,
            network_status: doc.network_detail.status.clone(),
        });
        let change = DocumentChange::of(doc, Some(from));
        if matches!(to, DocumentState::Refused | DocumentState::Failed) {
            let hash = doc.content_hash.clone();
            let keys = doc.business_keys();
            let id = doc.id.clone();
            if tenant_ledger.by_hash.get(&hash) == Some(&id) {
                tenant_ledger.by_hash.remove(&hash);
            }
            for key in keys {
                if tenant_ledger.by_key.get(&key) == Some(&id) {
                    tenant_ledger.by_key.remove(&key);
                }
            }
        }
        Some(change)
    }

    /// Documents matching `filter` in creation order, starting after the cursor `after`;
    /// returns the page and the cursor of the next page, if there is one.
    pub(crate) fn list(
        &self,
        tenant: &TenantId,
        filter: &DocumentFilter,
        after: Option<u64>,
        limit: usize,
    ) -> (Vec<DocumentRecord>, Option<u64>) {
        let tenants = self.tenants();
        let Some(tenant_ledger) = tenants.get(tenant) else {
            return (Vec::new(), None);
        };
        let start = after.map_or(0, |seq| seq.saturating_add(1));
        let mut page = Vec::new();
        let mut last_seq = None;
        let mut more = false;
        for (seq, doc) in tenant_ledger.documents.range(start..) {
            if !filter.matches(doc) {
                continue;
            }
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(doc.clone());
            last_seq = Some(*seq);
        }
        (page, if more { last_seq } else { None })
    }

    /// The `n` most recently changed documents, newest first.
    pub(crate) fn recent(&self, tenant: &TenantId, n: usize) -> Vec<DocumentRecord> {
        let tenants = self.tenants();
        let Some(tenant_ledger) = tenants.get(tenant) else {
            return Vec::new();
        };
        let mut docs: Vec<&DocumentRecord> = tenant_ledger.documents.values().collect();
        docs.sort_by_key(|doc| std::cmp::Reverse(doc.updated_at));
        docs.into_iter().take(n).cloned().collect()
    }

    /// Claims an idempotency key at `now` for a request with this fingerprint. Keys claimed
    /// [`IDEMPOTENCY_KEY_LIFETIME`] or more before `now` are forgotten first.
    pub(crate) fn idempotency_begin(
        &self,
        tenant: &TenantId,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
    ) -> IdempotencyCheck {
        let mut tenants = self.tenants();
        let tenant_ledger = tenants.entry(tenant.clone()).or_default();
        tenant_ledger.expire_idempotency_keys(now);
        match tenant_ledger.idempotency.get(key) {
            None => {
                tenant_ledger.idempotency.insert(
                    key.to_owned(),
                    IdempotencyEntry {
                        claimed_at: now,
                        fingerprint: fingerprint.to_owned(),
                        response: None,
                    },
                );
                tenant_ledger
                    .idempotency_claims
                    .push_back((now, key.to_owned()));
                IdempotencyCheck::Proceed
            }
            Some(entry) if entry.fingerprint != fingerprint => IdempotencyCheck::Mismatch,
            Some(IdempotencyEntry {
                response: Some(response),
                ..
            }) => IdempotencyCheck::Replay(response.clone()),
            Some(_) => IdempotencyCheck::InFlight,
        }
    }

    /// Keeps the answer to replay for later uses of the key.
    pub(crate) fn idempotency_finish(
        &self,
        tenant: &TenantId,
        key: &str,
        response: StoredResponse,
    ) {
        let mut tenants = self.tenants();
        let tenant_ledger = tenants.entry(tenant.clone()).or_default();
        if let Some(entry) = tenant_ledger.idempotency.get_mut(key) {
            entry.response = Some(response);
        }
    }

    /// Idempotency keys `tenant` has in memory (in flight or answered, not yet expired).
    /// How many documents `tenant` has.
    pub(crate) fn count(&self, tenant: &TenantId) -> usize {
        self.tenants()
            .get(tenant)
            .map_or(0, |tenant_ledger| tenant_ledger.documents.len())
    }

    pub(crate) fn idempotency_keys(&self, tenant: &TenantId) -> usize {
        self.tenants()
            .get(tenant)
            .map_or(0, |tenant_ledger| tenant_ledger.idempotency.len())
    }

    /// Frees a key whose request ended without an answer worth replaying (a rate limit, a
    /// server error), so a retry is treated as new.
    pub(crate) fn idempotency_abandon(&self, tenant: &TenantId, key: &str) {
        let mut tenants = self.tenants();
        if let Some(tenant_ledger) = tenants.get_mut(tenant)
            && tenant_ledger
                .idempotency
                .get(key)
                .is_some_and(|entry| entry.response.is_none())
        {
            tenant_ledger.idempotency.remove(key);
        }
    }
}

fn duplicate_in(
    tenant_ledger: &TenantLedger,
    content_hash: &str,
    keys: &[BusinessKey],
) -> Option<Duplicate> {
    if let Some(original) = tenant_ledger.by_hash.get(content_hash) {
        return Some(Duplicate {
            original_id: original.clone(),
            reason: "the same document (identical content) was already submitted".into(),
        });
    }
    keys.iter().find_map(|key| {
        tenant_ledger.by_key.get(key).map(|original| Duplicate {
            original_id: original.clone(),
            reason: format!("an invoice with the same {key} was already submitted"),
        })
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn answer() -> StoredResponse {
        StoredResponse {
            status: 201,
            content_type: "application/json".into(),
            location: None,
            body: b"{}".to_vec(),
        }
    }

    fn document(id: &str, at: Timestamp) -> DocumentRecord {
        DocumentRecord {
            id: id.to_owned(),
            submission_id: format!("sub-{id}"),
            reference: Some(id.to_owned()),
            direction: Direction::Outbound,
            network: Network::Sdi,
            recipient: None,
            format: crate::documents::Format::FatturaPaFpr12,
            state: DocumentState::Received,
            history: Vec::new(),
            created_at: at,
            updated_at: at,
            content_hash: format!("hash-{id}"),
            bytes: std::sync::Arc::from(id.as_bytes()),
            facts: crate::documents::Facts::default(),
            findings: Vec::new(),
            corrections: Vec::new(),
            network_detail: NetworkDetail::default(),
        }
    }

    proptest::proptest! {
        /// Whatever two tenants write, each reads back exactly its own documents, and neither
        /// can read, list, count or move the other's.
        #[test]
        fn a_tenant_never_sees_another_tenants_documents(
            writes in proptest::collection::vec((proptest::bool::ANY, 0u8..20), 0..120)
        ) {
            let ledger = Ledger::default();
            let (a, b) = (TenantId::new("a"), TenantId::new("b"));
            let at = t("2026-11-02T09:00:00Z");
            let mut model_a = std::collections::BTreeSet::new();
            let mut model_b = std::collections::BTreeSet::new();
            for (to_a, n) in writes {
                let (tenant, model, prefix) = if to_a {
                    (&a, &mut model_a, "a")
                } else {
                    (&b, &mut model_b, "b")
                };
                let id = format!("{prefix}-{n}");
                if model.insert(id.clone()) {
                    ledger.record(tenant, document(&id, at));
                }
            }
            let listed = |tenant: &TenantId| -> std::collections::BTreeSet<String> {
                let (page, _) = ledger.list(tenant, &DocumentFilter::default(), None, usize::MAX);
                page.into_iter().map(|doc| doc.id).collect()
            };
            proptest::prop_assert_eq!(listed(&a), model_a.clone());
            proptest::prop_assert_eq!(listed(&b), model_b.clone());
            proptest::prop_assert_eq!(ledger.count(&TenantId::new("c")), 0);
            for id in &model_b {
                proptest::prop_assert!(ledger.document(&a, id).is_none());
                proptest::prop_assert!(
                    ledger.transition(&a, id, DocumentState::Sent, None, at).is_none()
                );
                proptest::prop_assert!(ledger.document(&b, id).is_some());
            }
        }
    }

    #[test]
    fn an_idempotency_key_is_forgotten_a_day_after_it_was_first_used() {
        let ledger = Ledger::default();
        let acme = TenantId::new("acme");
        let start = t("2026-11-02T09:00:00Z");
        assert_eq!(
            ledger.idempotency_begin(&acme, "k1", "f1", start),
            IdempotencyCheck::Proceed
        );
        ledger.idempotency_finish(&acme, "k1", answer());
        let later = t("2026-11-02T10:00:00Z");
        assert_eq!(
            ledger.idempotency_begin(&acme, "k2", "f2", later),
            IdempotencyCheck::Proceed
        );

        let almost_a_day = t("2026-11-03T08:59:59Z");
        assert_eq!(
            ledger.idempotency_begin(&acme, "k1", "f1", almost_a_day),
            IdempotencyCheck::Replay(answer())
        );
        assert_eq!(ledger.idempotency_keys(&acme), 2);

        // k1 expires at exactly 24 h; k2, claimed an hour later, is still remembered.
        let a_day = t("2026-11-03T09:00:00Z");
        assert_eq!(
            ledger.idempotency_begin(&acme, "k1", "other body", a_day),
            IdempotencyCheck::Proceed
        );
        assert_eq!(
            ledger.idempotency_begin(&acme, "k2", "other body", a_day),
            IdempotencyCheck::Mismatch
        );
        assert_eq!(ledger.idempotency_keys(&acme), 2);
    }

    #[test]
    fn a_key_freed_and_claimed_again_lives_a_day_from_its_second_claim() {
        let ledger = Ledger::default();
        let acme = TenantId::new("acme");
        ledger.idempotency_begin(&acme, "k", "f", t("2026-11-02T09:00:00Z"));
        ledger.idempotency_abandon(&acme, "k");
        ledger.idempotency_begin(&acme, "k", "f", t("2026-11-02T12:00:00Z"));
        ledger.idempotency_finish(&acme, "k", answer());
        // The first claim's expiry must not take the second claim with it.
        assert_eq!(
            ledger.idempotency_begin(&acme, "other", "f", t("2026-11-03T10:00:00Z")),
            IdempotencyCheck::Proceed
        );
        assert_eq!(
            ledger.idempotency_begin(&acme, "k", "f", t("2026-11-03T10:00:00Z")),
            IdempotencyCheck::Replay(answer())
        );
        ledger.idempotency_begin(&acme, "other2", "f", t("2026-11-03T12:00:00Z"));
        assert_eq!(ledger.idempotency_keys(&acme), 2);
    }
}
