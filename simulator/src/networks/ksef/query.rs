//! `POST /invoices/query/metadata` over the repository: the OpenAPI's `InvoiceQueryFilters`,
//! sorting on the filtered date, page offsets, and the cap of 10,000 records per filter set
//! (`isTruncated`), after which the documented procedure narrows the date range from the last
//! record and starts again at page 0.
//!
//! Plain data and one function, free of the rest of eisim, so the query benchmark compiles
//! this file as it is and measures exactly what the server runs.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::metadata::{InvoiceMetadata, Role};

/// KSeF returns at most this many records for one set of filters.
pub(crate) const CAP: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateType {
    Issue,
    Invoicing,
    PermanentStorage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AmountType {
    Brutto,
    Netto,
    Vat,
}

/// The filters of one query, already read and checked; `to` is the effective upper bound
/// (the client's, or now, or the high-water mark when the client asked to be held to it).
#[derive(Debug, Clone)]
pub(crate) struct Filters {
    pub(crate) role: Role,
    pub(crate) date_type: DateType,
    pub(crate) from: Timestamp,
    pub(crate) to: Timestamp,
    pub(crate) ksef_number: Option<String>,
    pub(crate) invoice_number: Option<String>,
    pub(crate) amount: Option<(AmountType, Option<f64>, Option<f64>)>,
    pub(crate) seller_nip: Option<String>,
    /// `(type, value)`: `Nip`, `VatUe`, `Other` or `None`.
    pub(crate) buyer: Option<(String, Option<String>)>,
    pub(crate) currencies: Vec<String>,
    /// `Some(true)` for offline invoices only.
    pub(crate) offline: Option<bool>,
    pub(crate) self_invoicing: Option<bool>,
    /// `FA`, `PEF`, `FA_RR`.
    pub(crate) form_type: Option<String>,
    pub(crate) invoice_types: Vec<String>,
    pub(crate) has_attachment: Option<bool>,
}

/// One page of answers.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    pub(crate) invoices: Vec<&'a InvoiceMetadata>,
    pub(crate) has_more: bool,
    pub(crate) is_truncated: bool,
}

impl Filters {
    /// Every filter but the date range and the party, which [`select`] narrows first.
    fn admits(&self, invoice: &InvoiceMetadata) -> bool {
        let date_ok = match self.date_type {
            DateType::PermanentStorage => {
                (self.from..=self.to).contains(&invoice.permanent_storage_date)
            }
            DateType::Invoicing => (self.from..=self.to).contains(&invoice.invoicing_date),
            DateType::Issue => {
                (warsaw_date(self.from)..=warsaw_date(self.to)).contains(&invoice.issue_date)
            }
        };
        date_ok
            && self
                .ksef_number
                .as_ref()
                .is_none_or(|n| *n == invoice.ksef_number)
            && self
                .invoice_number
                .as_ref()
                .is_none_or(|n| *n == invoice.invoice_number)
            && self
                .seller_nip
                .as_ref()
                .is_none_or(|n| *n == invoice.seller_nip)
            && self.buyer.as_ref().is_none_or(|(kind, value)| {
                kind.eq_ignore_ascii_case(invoice.buyer.kind)
                    && value
                        .as_ref()
                        .is_none_or(|v| Some(v) == invoice.buyer.value.as_ref())
            })
            && self.amount.is_none_or(|(kind, from, to)| {
                let amount = match kind {
                    AmountType::Brutto => invoice.gross_amount,
                    AmountType::Netto => invoice.net_amount,
                    AmountType::Vat => invoice.vat_amount,
                };
                from.is_none_or(|f| amount >= f) && to.is_none_or(|t| amount <= t)
            })
            && (self.currencies.is_empty()
                || self
                    .currencies
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&invoice.currency)))
            && self.offline.is_none_or(|o| o == invoice.offline)
            && self
                .self_invoicing
                .is_none_or(|s| s == invoice.self_invoicing)
            && self
                .form_type
                .as_ref()
                .is_none_or(|f| f.eq_ignore_ascii_case(&invoice.form_code.2))
            && (self.invoice_types.is_empty()
                || self
                    .invoice_types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(invoice.invoice_type)))
            && self
                .has_attachment
                .is_none_or(|a| a == invoice.has_attachment)
    }
}

/// The calendar day in Poland, which `issueDate` is.
fn warsaw_date(at: Timestamp) -> Date {
    static WARSAW: std::sync::LazyLock<TimeZone> = std::sync::LazyLock::new(|| {
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap_or(TimeZone::UTC)
    });
    at.to_zoned(WARSAW.clone()).date()
}

/// One page of the invoices `candidates` (indexes into `records`, in the order they were
/// stored, which is `permanentStorageDate` order) that pass `filters`, sorted on the filtered
/// date (ties in storage order), `descending` or not, page `offset` of `size`.
///
/// A permanent-storage range is found by binary search and the scan stops one record past the
/// page (or past the cap, for the page that reaches it): the incremental sync, KSeF's
/// recommended use, costs the page, not the history.
pub(crate) fn select<'a>(
    records: &'a [InvoiceMetadata],
    candidates: &[u32],
    filters: &Filters,
    descending: bool,
    offset: usize,
    size: usize,
) -> Page<'a> {
    let record = |i: &u32| records.get(*i as usize);
    let mut matches: Vec<&InvoiceMetadata> = Vec::new();
    let start = offset.saturating_mul(size);
    let end = start.saturating_add(size);
    // In storage order, one record past the page says whether there is more; only a page
    // that reaches the cap needs to know whether the cap cut anything off.
    let enough = if end >= CAP { CAP + 1 } else { end + 1 };
    if filters.date_type == DateType::PermanentStorage {
        let stored = |i: &u32| record(i).map(|r| r.permanent_storage_date);
        let low = candidates.partition_point(|i| stored(i) < Some(filters.from));
        let high = candidates.partition_point(|i| stored(i) <= Some(filters.to));
        let range = candidates.get(low..high.max(low)).unwrap_or_default();
        let admitted = |i: &u32| record(i).filter(|r| filters.admits(r));
        if descending {
            matches.extend(range.iter().rev().filter_map(admitted).take(enough));
        } else {
            matches.extend(range.iter().filter_map(admitted).take(enough));
        }
    } else {
        matches.extend(
            candidates
                .iter()
                .filter_map(record)
                .filter(|r| filters.admits(r)),
        );
        // Stable sorts: ties keep storage order in both directions.
        match (filters.date_type, descending) {
            (DateType::Invoicing, false) => matches.sort_by_key(|r| r.invoicing_date),
            (DateType::Invoicing, true) => {
                matches.sort_by_key(|r| std::cmp::Reverse(r.invoicing_date));
            }
            (_, false) => matches.sort_by_key(|r| r.issue_date),
            (_, true) => matches.sort_by_key(|r| std::cmp::Reverse(r.issue_date)),
        }
    }
    let total = matches.len();
    let visible = total.min(CAP);
    let invoices = matches
        .get(start.min(visible)..end.min(visible))
        .unwrap_or_default()
        .to_vec();
    Page {
        invoices,
        has_more: end < visible || total > CAP,
        is_truncated: total > CAP && end >= CAP,
    }
}

#[cfg(test)]
mod tests {
    use super::super::metadata::Identifier;
    use super::*;

    fn record(n: usize) -> InvoiceMetadata {
        let at = Timestamp::from_second(1_800_000_000 + n as i64).unwrap();
        InvoiceMetadata {
            ksef_number: format!("k{n}"),
            invoice_number: format!("FV/{n}"),
            issue_date: jiff::civil::date(2026, 10, 30),
            invoicing_date: at,
            acquisition_date: at,
            permanent_storage_date: at,
            seller_nip: "5265877635".into(),
            seller_name: None,
            buyer: Identifier {
                kind: "Nip",
                value: Some("5261040828".into()),
            },
            buyer_name: None,
            net_amount: n as f64,
            gross_amount: n as f64,
            vat_amount: 0.0,
            currency: "PLN".into(),
            offline: false,
            invoice_type: "Vat",
            form_code: ("FA (3)".into(), "1-0E".into(), "FA".into()),
            self_invoicing: false,
            has_attachment: false,
            invoice_hash: String::new(),
            third_subjects: Vec::new(),
            authorized: None,
        }
    }

    fn filters(date_type: DateType, records: &[InvoiceMetadata]) -> Filters {
        Filters {
            role: Role::Buyer,
            date_type,
            from: records[0].permanent_storage_date,
            to: records[records.len() - 1].permanent_storage_date,
            ksef_number: None,
            invoice_number: None,
            amount: None,
            seller_nip: None,
            buyer: None,
            currencies: Vec::new(),
            offline: None,
            self_invoicing: None,
            form_type: None,
            invoice_types: Vec::new(),
            has_attachment: None,
        }
    }

    #[test]
    fn the_cap_truncates_and_the_documented_procedure_resumes_from_the_last_record() {
        let records: Vec<InvoiceMetadata> = (0..CAP + 25).map(record).collect();
        let index: Vec<u32> = (0..records.len() as u32).collect();
        for date_type in [DateType::PermanentStorage, DateType::Invoicing] {
            let mut filters = filters(date_type, &records);
            let early = select(&records, &index, &filters, false, 0, 250);
            assert!(early.has_more && !early.is_truncated);
            let last_page = CAP / 250 - 1;
            let at_cap = select(&records, &index, &filters, false, last_page, 250);
            assert!(at_cap.has_more && at_cap.is_truncated);
            assert_eq!(
                at_cap.invoices.last().map(|r| r.ksef_number.as_str()),
                Some("k9999")
            );
            let beyond = select(&records, &index, &filters, false, last_page + 1, 250);
            assert!(beyond.invoices.is_empty() && beyond.is_truncated);
            // Narrow from the last record, page 0 again: it comes back once, then the rest.
            filters.from = records[CAP - 1].permanent_storage_date;
            let resumed = select(&records, &index, &filters, false, 0, 250);
            assert!(!resumed.has_more && !resumed.is_truncated);
            assert_eq!(resumed.invoices.len(), 26);
        }
    }

    #[test]
    fn descending_pages_run_from_the_newest() {
        let records: Vec<InvoiceMetadata> = (0..30).map(record).collect();
        let index: Vec<u32> = (0..30).collect();
        for date_type in [DateType::PermanentStorage, DateType::Invoicing] {
            let page = select(&records, &index, &filters(date_type, &records), true, 1, 10);
            let numbers: Vec<&str> = page
                .invoices
                .iter()
                .map(|r| r.ksef_number.as_str())
                .collect();
            assert_eq!(numbers.first(), Some(&"k19"));
            assert_eq!(numbers.last(), Some(&"k10"));
            assert!(page.has_more);
        }
    }

    #[test]
    fn amounts_and_the_party_index_filter() {
        let records: Vec<InvoiceMetadata> = (0..30).map(record).collect();
        let index: Vec<u32> = (0..30).collect();
        let mut filters = filters(DateType::PermanentStorage, &records);
        filters.amount = Some((AmountType::Brutto, Some(5.0), Some(7.0)));
        let page = select(&records, &index, &filters, false, 0, 10);
        assert_eq!(page.invoices.len(), 3);
        let page = select(&records, &index[..3], &filters, false, 0, 10);
        assert!(page.invoices.is_empty());
    }
}
