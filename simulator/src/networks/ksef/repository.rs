//! KSeF's repository of invoices with a KSeF number, as the parties to an invoice see it:
//! whatever way an invoice came (online session, batch session, the gateway), the moment it
//! gets its number it is filed here ([`Repository::file`]) and indexed under every context it
//! names (seller, buyer, third parties, the authorized subject). KSeF pushes nothing to
//! buyers; they find their purchases by querying this (`query.rs`), exporting it
//! (`export.rs`) or downloading by KSeF number.
//!
//! An invoice is readable once permanently stored (`permanentStorageDate`, on the clock).
//! The high-water mark is the instant below which nothing new can appear: the clock, held
//! back when an event that may number an invoice is still due (a late-firing event writes its
//! own due time as the acquisition date), so that a buyer following KSeF's incremental
//! procedure loses nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

use super::error::KsefError;
use super::extract::{Stamp, describe};
use super::metadata::{InvoiceMetadata, Role};
use super::query::{self, Filters};
use super::state::Grant;

/// What one run's repository holds, behind one lock.
#[derive(Debug, Default)]
struct Stored {
    /// In the order they were filed.
    records: Vec<InvoiceMetadata>,
    bytes: Vec<Arc<[u8]>>,
    by_number: HashMap<String, u32>,
    /// (role, context NIP) -> records, in `permanentStorageDate` order.
    index: HashMap<(Role, String), Vec<u32>>,
}

/// The invoices every context may read, and the exports prepared from them.
#[derive(Debug)]
pub(crate) struct Repository {
    storage_delay: Duration,
    stored: Mutex<Stored>,
    pub(crate) exports: super::export::Exports,
}

/// An invoice as an export packs it: its metadata and its bytes.
pub(crate) type Packed = (InvoiceMetadata, Arc<[u8]>);

/// A query's answer, rendered while the repository is locked.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) invoices: Vec<Value>,
    pub(crate) has_more: bool,
    pub(crate) is_truncated: bool,
}

/// Whether the context of `grant` may read `invoice`: it must be one of its parties (the
/// permissions other contexts may be given are not simulated).
pub(crate) fn can_read(grant: &Grant, invoice: &InvoiceMetadata) -> bool {
    Role::ALL
        .into_iter()
        .any(|role| invoice.names(role, &grant.context))
}

/// 21164, as KSeF answers both an unknown number and another context's invoice.
pub(crate) fn not_found(number: &str) -> KsefError {
    KsefError::exception(
        21164,
        [format!(
            "Faktura o numerze KSeF {number} nie została znaleziona."
        )],
    )
}

impl Repository {
    pub(crate) fn new(storage_delay: Duration) -> Self {
        Repository {
            storage_delay,
            stored: Mutex::new(Stored::default()),
            exports: super::export::Exports::default(),
        }
    }

    fn stored(&self) -> MutexGuard<'_, Stored> {
        self.stored.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When an invoice numbered at `acquired` is permanently stored.
    pub(crate) fn storage_date(&self, acquired: Timestamp) -> Timestamp {
        acquired.checked_add(self.storage_delay).unwrap_or(acquired)
    }

    /// Files an invoice that has just been given `ksef_number` (the visibility hook every
    /// intake calls: online sessions, batch sessions, the gateway). Filing the same number
    /// twice keeps the first.
    pub(crate) fn file(
        &self,
        bytes: Arc<[u8]>,
        ksef_number: &str,
        invoicing_date: Timestamp,
        acquired: Timestamp,
        offline: bool,
    ) {
        let stamp = Stamp {
            ksef_number: ksef_number.to_owned(),
            invoicing_date,
            acquisition_date: acquired,
            permanent_storage_date: self.storage_date(acquired),
            offline,
            invoice_hash: super::crypto::sha256_base64(&bytes),
        };
        let Some(record) = describe(&bytes, stamp) else {
            return;
        };
        let mut stored = self.stored();
        if stored.by_number.contains_key(ksef_number) {
            return;
        }
        let Ok(position) = u32::try_from(stored.records.len()) else {
            return;
        };
        let mut keys: Vec<(Role, String)> = vec![(Role::Seller, record.seller_nip.clone())];
        if let Some(nip) = record.buyer.nip() {
            keys.push((Role::Buyer, nip.to_owned()));
        }
        for third in &record.third_subjects {
            if let Some(nip) = third.identifier.nip() {
                keys.push((Role::Third, nip.to_owned()));
            }
        }
        if let Some(authorized) = &record.authorized {
            keys.push((Role::Authorized, authorized.nip.clone()));
        }
        keys.sort();
        keys.dedup();
        let date = record.permanent_storage_date;
        let Stored {
            records,
            bytes: contents,
            by_number,
            index,
        } = &mut *stored;
        for key in keys {
            let list = index.entry(key).or_default();
            // Filing follows the clock, so this is almost always the end of the list.
            let at = list.partition_point(|i| {
                records
                    .get(*i as usize)
                    .is_some_and(|r| r.permanent_storage_date <= date)
            });
            list.insert(at, position);
        }
        by_number.insert(ksef_number.to_owned(), position);
        records.push(record);
        contents.push(bytes);
    }

    /// The stored invoice `number`, for a context that may read it: 21164 otherwise, and 21165
    /// while it is numbered but not yet permanently stored.
    pub(crate) fn download(
        &self,
        grant: &Grant,
        number: &str,
        now: Timestamp,
    ) -> Result<Arc<[u8]>, KsefError> {
        let stored = self.stored();
        let position = *stored
            .by_number
            .get(number)
            .ok_or_else(|| not_found(number))?;
        let record = stored
            .records
            .get(position as usize)
            .filter(|record| can_read(grant, record))
            .ok_or_else(|| not_found(number))?;
        if now < record.permanent_storage_date {
            return Err(KsefError::exception(
                21165,
                [format!(
                    "Faktura o numerze KSeF {number} została przetworzona, ale nie jest jeszcze dostępna do pobrania. Spróbuj ponownie później."
                )],
            ));
        }
        stored
            .bytes
            .get(position as usize)
            .cloned()
            .ok_or_else(|| not_found(number))
    }

    /// The high-water mark at `now`: nothing will ever be filed with a permanent-storage date
    /// at or below it. `next_due` is the run's earliest pending event.
    pub(crate) fn high_water_mark(&self, now: Timestamp, next_due: Option<Timestamp>) -> Timestamp {
        next_due
            .map(|due| self.storage_date(due))
            .map_or(now, |held| held.min(now))
    }

    /// One page of a query for `grant`'s context as `filters.role`, among the invoices
    /// permanently stored by `now`.
    pub(crate) fn query(
        &self,
        grant: &Grant,
        filters: &Filters,
        descending: bool,
        offset: usize,
        size: usize,
        now: Timestamp,
    ) -> Answer {
        let mut filters = filters.clone();
        // Not yet stored means not yet there, whatever the date asked about.
        if filters.date_type == query::DateType::PermanentStorage {
            filters.to = filters.to.min(now);
        }
        let stored = self.stored();
        let candidates = stored
            .index
            .get(&(filters.role, grant.context.clone()))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let visible: Vec<u32>;
        let candidates = if filters.date_type == query::DateType::PermanentStorage {
            candidates
        } else {
            visible = candidates
                .iter()
                .copied()
                .filter(|i| {
                    stored
                        .records
                        .get(*i as usize)
                        .is_some_and(|r| r.permanent_storage_date <= now)
                })
                .collect();
            &visible
        };
        let page = query::select(
            &stored.records,
            candidates,
            &filters,
            descending,
            offset,
            size,
        );
        Answer {
            invoices: page.invoices.iter().map(|r| r.to_json()).collect(),
            has_more: page.has_more,
            is_truncated: page.is_truncated,
        }
    }

    /// Every invoice of a query in ascending order up to the cap, with its bytes: what an
    /// export packs. The flag says whether the cap cut it short.
    pub(crate) fn collect(
        &self,
        grant: &Grant,
        filters: &Filters,
        now: Timestamp,
    ) -> (Vec<Packed>, bool) {
        let mut filters = filters.clone();
        if filters.date_type == query::DateType::PermanentStorage {
            filters.to = filters.to.min(now);
        }
        let stored = self.stored();
        let candidates: Vec<u32> = stored
            .index
            .get(&(filters.role, grant.context.clone()))
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|i| {
                stored
                    .records
                    .get(*i as usize)
                    .is_some_and(|r| r.permanent_storage_date <= now)
            })
            .collect();
        let page = query::select(&stored.records, &candidates, &filters, false, 0, query::CAP);
        let items = page
            .invoices
            .iter()
            .filter_map(|record| {
                let position = *stored.by_number.get(&record.ksef_number)?;
                let bytes = stored.bytes.get(position as usize)?.clone();
                Some(((*record).clone(), bytes))
            })
            .collect();
        (items, page.is_truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_held_back_by_an_event_still_due() {
        let repository = Repository::new(Duration::from_secs(5));
        let now: Timestamp = "2026-11-02T09:00:30Z".parse().unwrap();
        assert_eq!(repository.high_water_mark(now, None), now);
        let later: Timestamp = "2026-11-02T09:00:31Z".parse().unwrap();
        assert_eq!(repository.high_water_mark(now, Some(later)), now);
        // An event due at :20 that has not fired yet may still number an invoice, which will
        // be stored at :25: the mark stays there until it has fired.
        let late: Timestamp = "2026-11-02T09:00:20Z".parse().unwrap();
        let held: Timestamp = "2026-11-02T09:00:25Z".parse().unwrap();
        assert_eq!(repository.high_water_mark(now, Some(late)), held);
    }

    #[test]
    fn an_invoice_is_indexed_under_every_party_it_names_once() {
        let repository = Repository::new(Duration::from_secs(5));
        let bytes: Arc<[u8]> =
            Arc::from(&include_bytes!("../../../../fixtures/ksef/fa3-minimal.xml")[..]);
        let at: Timestamp = "2026-11-02T09:00:00Z".parse().unwrap();
        repository.file(bytes.clone(), "n1", at, at, false);
        repository.file(bytes, "n1", at, at, false);
        let stored = repository.stored();
        assert_eq!(stored.records.len(), 1);
        assert_eq!(
            stored.index.get(&(Role::Buyer, "5261040828".to_owned())),
            Some(&vec![0])
        );
        assert_eq!(
            stored.index.get(&(Role::Seller, "5265877635".to_owned())),
            Some(&vec![0])
        );
    }
}
