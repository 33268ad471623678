//! `POST /invoices/query/metadata` over 100,000 stored invoices (networks/ksef/query.rs), the
//! call every buyer's ERP makes on a timer since KSeF pushes nothing.
//!
//! The repository indexes each invoice under its parties in `permanentStorageDate` order, so
//! a permanent-storage window is found by binary search and the scan stops one record past
//! the 10,000 cap. The baseline in the same run answers the same query the obvious way: one
//! pass over every stored invoice (party, date range, filters), a sort on the date, then the
//! page. Both answers are checked equal before timing. Half the invoices are the buyer's, half
//! another buyer's, spread evenly over 90 days.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use metadata::{Identifier, InvoiceMetadata, Role};
use query::{DateType, Filters, select};

// The query and its records are private building blocks of eisim; the bench compiles the very
// same source files (unit tests included) rather than widening the crate's surface for them.
// `query.rs` names its records as `super::metadata`, which is this crate's root here.
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../../simulator/src/networks/ksef/metadata.rs"]
mod metadata;
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../../simulator/src/networks/ksef/query.rs"]
mod query;

const STORED: usize = 100_000;
const BUYER: &str = "5261040828";
const OTHER: &str = "6771234561";
const START: i64 = 1_790_000_000;
/// 90 days over 100,000 invoices.
const SPACING: i64 = 90 * 86_400 / STORED as i64;

fn record(n: usize) -> InvoiceMetadata {
    let at = Timestamp::from_second(START + n as i64 * SPACING).unwrap();
    InvoiceMetadata {
        ksef_number: format!("5265877635-20261102-{n:012X}-00"),
        invoice_number: format!("FV/{n}"),
        issue_date: at.to_zoned(jiff::tz::TimeZone::UTC).date(),
        invoicing_date: at,
        acquisition_date: at,
        permanent_storage_date: at,
        seller_nip: "5265877635".into(),
        seller_name: Some("Hurtownia Wisła Sp. z o.o.".into()),
        buyer: Identifier {
            kind: "Nip",
            value: Some(if n.is_multiple_of(2) { BUYER } else { OTHER }.into()),
        },
        buyer_name: None,
        net_amount: 1000.0,
        gross_amount: 1230.0,
        vat_amount: 230.0,
        currency: if n.is_multiple_of(50) { "EUR" } else { "PLN" }.into(),
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

fn filters(date_type: DateType, from: Timestamp, to: Timestamp) -> Filters {
    Filters {
        role: Role::Buyer,
        date_type,
        from,
        to,
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

/// The obvious way: every stored invoice, filtered, sorted, paged (ascending).
fn baseline<'a>(
    records: &'a [InvoiceMetadata],
    filters: &Filters,
    offset: usize,
    size: usize,
) -> Vec<&'a InvoiceMetadata> {
    let date = |r: &InvoiceMetadata| match filters.date_type {
        DateType::PermanentStorage => r.permanent_storage_date,
        _ => r.invoicing_date,
    };
    let mut found: Vec<&InvoiceMetadata> = records
        .iter()
        .filter(|r| r.buyer.nip() == Some(BUYER))
        .filter(|r| (filters.from..=filters.to).contains(&date(r)))
        .filter(|r| filters.currencies.is_empty() || filters.currencies.contains(&r.currency))
        .collect();
    found.sort_by_key(|r| date(r));
    found.into_iter().skip(offset * size).take(size).collect()
}

fn ksef_query(c: &mut Criterion) {
    let records: Vec<InvoiceMetadata> = (0..STORED).map(record).collect();
    // The repository's index for the buyer: its invoices in permanent-storage order.
    let index: Vec<u32> = (0..STORED as u32)
        .filter(|n| records[*n as usize].buyer.nip() == Some(BUYER))
        .collect();
    let end = records.last().unwrap().permanent_storage_date;
    let begin = records[0].permanent_storage_date;
    let mut eur = filters(DateType::Invoicing, begin, end);
    eur.currencies = vec!["EUR".into()];
    let cases = [
        (
            "incremental_last_hour_page0_of_100",
            filters(
                DateType::PermanentStorage,
                end.checked_sub(jiff::SignedDuration::from_hours(1))
                    .unwrap(),
                end,
            ),
            0,
            100,
        ),
        (
            "permanent_storage_90_days_page0_of_250",
            filters(DateType::PermanentStorage, begin, end),
            0,
            250,
        ),
        (
            "permanent_storage_90_days_page20_of_250",
            filters(DateType::PermanentStorage, begin, end),
            20,
            250,
        ),
        ("invoicing_90_days_eur_page0_of_250", eur, 0, 250),
    ];
    for (name, filters, offset, size) in cases {
        let ours: Vec<&str> = select(&records, &index, &filters, false, offset, size)
            .invoices
            .iter()
            .map(|r| r.ksef_number.as_str())
            .collect();
        let plain: Vec<&str> = baseline(&records, &filters, offset, size)
            .iter()
            .map(|r| r.ksef_number.as_str())
            .collect();
        assert_eq!(ours, plain, "{name}: both ways must find the same page");
        let mut group = c.benchmark_group(format!("ksef_query_100k/{name}"));
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3));
        group.bench_function("baseline_vec_scan_sort_page", |b| {
            b.iter(|| baseline(black_box(&records), black_box(&filters), offset, size).len());
        });
        group.bench_function("eisim_select", |b| {
            b.iter(|| {
                select(
                    black_box(&records),
                    black_box(&index),
                    black_box(&filters),
                    false,
                    offset,
                    size,
                )
                .invoices
                .len()
            });
        });
        group.finish();
    }
}

criterion_group!(benches, ksef_query);
criterion_main!(benches);
