//! How fast a document is parsed, detected, normalized and validated (`documents::inspect`),
//! per format, on the minimal fixtures and on 1,000-line invoices: every gateway submission
//! and every network intake pays this, so it bounds validated submissions per second.
//!
//! The baseline in the same run is a bare quick-xml scan of the same bytes (events only, no
//! tree, no rules), so figures read as "inspection costs N x a bare XML scan". Each document
//! is measured twice: once in bytes/s and once in documents/s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use eisim::{InspectionContext, inspect};
use quick_xml::Reader;
use quick_xml::events::Event;

use eisim_benches::fixtures::{
    FA3_MINIMAL, FPR12_MINIMAL, UBL_MINIMAL, large_fa3, large_fatturapa, large_ubl,
};

/// Lines in the large invoices: a big but ordinary invoice.
const LINES: usize = 1_000;

fn context() -> InspectionContext {
    // The fixtures are dated October 2026; a received date after them keeps date rules quiet.
    InspectionContext::new(jiff::civil::date(2026, 11, 1))
}

/// Every event of the document, dropped: the floor any XML reader pays.
fn bare_scan(bytes: &[u8]) -> usize {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut events = 0usize;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => {
                black_box(&event);
                events += 1;
            }
        }
        buf.clear();
    }
    events
}

fn bench_pair(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    doc: &[u8],
) {
    let context = context();
    group.bench_function(format!("{name}/baseline_quick_xml_scan"), |b| {
        b.iter(|| bare_scan(black_box(doc)));
    });
    group.bench_function(format!("{name}/inspect"), |b| {
        b.iter(|| inspect(black_box(doc), &context).map(|i| i.findings.len()));
    });
}

fn documents(c: &mut Criterion) {
    let large = [large_ubl(LINES), large_fatturapa(LINES), large_fa3(LINES)];
    let docs: [(&str, &[u8]); 6] = [
        ("ubl_minimal", UBL_MINIMAL.as_bytes()),
        ("ubl_1000_lines", large[0].as_bytes()),
        ("fatturapa_minimal", FPR12_MINIMAL.as_bytes()),
        ("fatturapa_1000_lines", large[1].as_bytes()),
        ("fa3_minimal", FA3_MINIMAL.as_bytes()),
        ("fa3_1000_lines", large[2].as_bytes()),
    ];
    // The large documents are built here, so say once whether they are valid: a finding
    // changes what the figure measures (rules stop early or add work).
    for (name, doc) in docs {
        match inspect(doc, &context()) {
            Ok(inspection) if inspection.is_valid() => {
                eprintln!("{name}: {} bytes, valid", doc.len());
            }
            Ok(inspection) => eprintln!(
                "{name}: {} bytes, INVALID: {:?}",
                doc.len(),
                inspection.fatal_rules()
            ),
            Err(error) => eprintln!("{name}: {} bytes, not inspected: {error}", doc.len()),
        }
    }

    for (unit, throughput) in [
        ("bytes", Throughput::Bytes as fn(u64) -> Throughput),
        ("docs", |_| Throughput::Elements(1)),
    ] {
        let mut group = c.benchmark_group(format!("documents_{unit}"));
        // Minimal documents take microseconds and the large ones a few milliseconds: short
        // windows keep the twelve pairs (bytes and docs) within about a minute and a half.
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for (name, doc) in docs {
            group.throughput(throughput(doc.len() as u64));
            bench_pair(&mut group, name, doc);
        }
        group.finish();
    }
}

criterion_group!(benches, documents);
criterion_main!(benches);
