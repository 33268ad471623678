//! The journal as a timeline of messages between the integration and eisim: one line per entry,
//! with who spoke to whom, for the HTML report and for evidence.

use eisim::JournalEntry;
use eisim::journal::Record;

use crate::outcome::{Flow, TimelineEntry};

pub(crate) fn of(entries: &[JournalEntry]) -> Vec<TimelineEntry> {
    entries
        .iter()
        // The suite's own reads of an external simulator's control API are not part of the
        // conversation.
        .filter(|entry| !matches!(&entry.record, Record::Http(x) if x.path.starts_with("/_sim")))
        .map(|entry| {
            let (flow, status) = match &entry.record {
                Record::Http(exchange) => (Flow::IntegrationToEisim, Some(exchange.status)),
                Record::WebhookAttempt(attempt) => (Flow::EisimToIntegration, attempt.status),
                Record::SoapCall(call) => (Flow::EisimToIntegration, call.status),
                Record::FaultInjected { status, .. } => (Flow::Eisim, *status),
                _ => (Flow::Eisim, None),
            };
            TimelineEntry {
                seq: Some(entry.seq),
                real_time: entry.real_time,
                sim_time: entry.sim_time,
                flow,
                kind: kind_name(&entry.record),
                summary: summary(entry),
                status,
            }
        })
        .collect()
}

fn kind_name(record: &Record) -> String {
    serde_json::to_value(record.kind())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One line saying what an entry records.
pub(crate) fn summary(entry: &JournalEntry) -> String {
    match &entry.record {
        Record::Http(x) => {
            let mut line = format!("{} {}", x.method, x.path);
            if let Some(query) = &x.query {
                line.push('?');
                line.push_str(query);
            }
            line.push_str(&format!(" -> {}", x.status));
            if let Some(key) = &x.idempotency_key {
                line.push_str(&format!(" (Idempotency-Key {key})"));
            }
            if let Some(after) = x.retry_after {
                line.push_str(&format!(" (Retry-After {after})"));
            }
            line
        }
        Record::StateChange {
            subject,
            from,
            to,
            detail,
        } => {
            let mut line = format!("{subject}: {} -> {to}", from.as_deref().unwrap_or("new"));
            if let Some(detail) = detail {
                line.push_str(&format!(" ({detail})"));
            }
            line
        }
        Record::EventFired { label, .. } => format!("event fired: {label}"),
        Record::Simulator { message } => message.clone(),
        Record::AntiPattern { pattern, detail } => {
            let name = serde_json::to_value(pattern)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("anti-pattern {name}: {detail}")
        }
        Record::WebhookAttempt(a) => {
            let mut line = format!("{} {} attempt {}", a.event_type, a.event_id, a.attempt);
            if let Some(fault) = a.fault {
                let name = serde_json::to_value(fault)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                line.push_str(&format!(" [{name}]"));
            }
            match a.status {
                Some(status) => line.push_str(&format!(" -> {status}")),
                None => line.push_str(" -> no answer"),
            }
            line.push_str(&format!(" in {} ms", a.latency_us / 1000));
            line
        }
        Record::WebhookEndpoint {
            endpoint_id,
            change,
            ..
        } => {
            format!("webhook endpoint {endpoint_id} {change}")
        }
        Record::FaultInjected {
            fault,
            fault_kind,
            target,
            status,
            ..
        } => match status {
            Some(status) => format!("fault {fault} ({fault_kind}) on {target}: {status}"),
            None => format!("fault {fault} ({fault_kind}) on {target}"),
        },
        Record::SdiMessage(m) => format!(
            "SDI {} {} for {}",
            m.message_type, m.file_name, m.invoice_file
        ),
        Record::SoapCall(c) => format!(
            "SOAP {} {} -> {}",
            c.operation,
            c.file_name,
            c.status.map_or("no answer".to_owned(), |s| s.to_string())
        ),
        Record::PeppolMessage(m) => format!(
            "Peppol {} {}{}",
            m.message,
            m.document,
            m.code
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default()
        ),
        Record::DocumentTaken(t) => format!(
            "{} document {} taken ({}, {}{})",
            t.network,
            t.document,
            t.channel,
            t.direction,
            t.file_name
                .as_deref()
                .map(|f| format!(", {f}"))
                .unwrap_or_default()
        ),
    }
}
