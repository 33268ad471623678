//! KSeF's invoice lifecycle, for both ways an invoice reaches KSeF through eisim: a document
//! the gateway hands over ([`Ksef::submit`]), and an invoice sent in an online session
//! ([`plan_processing`], after `sessions::send` took it). Each status is an event on the
//! clock; each moves the gateway document that mirrors the invoice through the one
//! network-neutral path (`lifecycle::record_change`), so the tenant's journal and webhooks
//! hear of it whichever channel the integration used.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::number::ksef_number;
use super::repository::Repository;
use super::sessions::{InvoiceKey, Verdict};
use super::state::{Ksef, date_of};
use crate::codelists::ksef::{KSEF_CODES, gateway_state, invoice_description};
use crate::codelists::sdi::{Family, MessageType, notification_description};
use crate::journal::Record;
use crate::lifecycle::{chosen_behaviour, hold, record_change};
use crate::runtime::Context;
use crate::scenario::{Behaviour, Outcome};
use crate::store::{DocumentRecord, NetworkDetail};
use crate::vocabulary::{DocumentState, Network, TenantId};

/// The unremarkable path of a document, as delays after the previous step: handed to the
/// network after 1 s, taken by it 4 s later, delivered 25 s after that.
pub(crate) const DEFAULT_LIFECYCLE: [(Duration, DocumentState); 3] = [
    (Duration::from_secs(1), DocumentState::Sent),
    (Duration::from_secs(4), DocumentState::Accepted),
    (Duration::from_secs(25), DocumentState::Delivered),
];

/// One planned step: when, which state, and what the network says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    after: Duration,
    state: DocumentState,
    detail: NetworkDetail,
}

/// The gateway hands over a KSeF document: its statuses follow the scenario's first
/// matching behaviour, or [`DEFAULT_LIFECYCLE`], each step an event on the clock. A KSeF
/// outage (the scenario's `faults:`) holds the document, and each step falling due inside
/// one waits for its end, the later steps keeping their delays after it; an outage that
/// lasts until the end of the run leaves the document where it is. A step to 200 gives the
/// document its KSeF number.
///
/// `refusal` (a code and its detail) replaces the scenario's steps with 100, then that refusal
/// after the usual processing delay: what KSeF does with an invoice it will not take.
pub(super) fn submit(
    repository: &Arc<Repository>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    doc: &DocumentRecord,
    refusal: Option<(u16, String)>,
) {
    let Some(mut at) = hold(ctx, tenant, doc, ctx.now, "the document's lifecycle") else {
        return;
    };
    let steps = match refusal {
        Some((code, detail)) => refusal_steps(code, detail),
        None => steps_for(ctx.seed, &ctx.scenario.behaviours, doc),
    };
    for step in steps {
        let due = at.checked_add(step.after).unwrap_or(Timestamp::MAX);
        let what = format!("the step to {}", step.state.as_str());
        let Some(step_at) = hold(ctx, tenant, doc, due, &what) else {
            return;
        };
        at = step_at;
        let tenant = tenant.clone();
        let id = doc.id.clone();
        let label = format!("document {} -> {}", doc.id, step.state.as_str());
        let numbered = (step.detail.status.as_deref() == Some("200"))
            .then(|| doc.facts.seller_tax_id.clone())
            .flatten();
        let seed = ctx.seed;
        let repository = repository.clone();
        let bytes = doc.bytes.clone();
        let invoicing_date = doc.created_at;
        ctx.events.schedule(at, label, move |ctx| {
            let why = step
                .detail
                .status
                .as_deref()
                .map(|status| format!("network status {status}"));
            let mut detail = step.detail;
            if let Some(nip) = numbered {
                let date = ctx.now.to_zoned(TimeZone::UTC).date();
                let number = ksef_number(&nip, date, &format!("{seed}:{id}"));
                repository.file(bytes, &number, invoicing_date, ctx.now, false);
                detail.network_id = Some(number);
            }
            if let Some(change) =
                ctx.store
                    .ledger
                    .transition(&tenant, &id, step.state, Some(detail), ctx.now)
            {
                record_change(ctx, &tenant, &change, why);
            }
        });
    }
}

fn refusal_steps(code: u16, detail: String) -> Vec<Step> {
    let (first, _) = DEFAULT_LIFECYCLE[0];
    let (second, _) = DEFAULT_LIFECYCLE[1];
    vec![
        Step {
            after: first,
            state: DocumentState::Sent,
            detail: default_detail(Network::Ksef, DocumentState::Sent),
        },
        Step {
            after: second,
            state: DocumentState::Refused,
            detail: NetworkDetail {
                status: Some(code.to_string()),
                description: Some(invoice_description(code).to_owned()),
                errors: vec![detail],
                network_id: None,
            },
        },
    ]
}

fn steps_for(seed: u64, behaviours: &[Behaviour], doc: &DocumentRecord) -> Vec<Step> {
    match chosen_behaviour(seed, behaviours, doc) {
        Some(behaviour) => behaviour
            .then
            .iter()
            .filter_map(|outcome| {
                Some(Step {
                    after: outcome.after.as_std(),
                    state: outcome.gateway_state()?,
                    detail: detail_of(outcome),
                })
            })
            .collect(),
        None => DEFAULT_LIFECYCLE
            .iter()
            .map(|(after, state)| Step {
                after: *after,
                state: *state,
                detail: default_detail(doc.network, *state),
            })
            .collect(),
    }
}

fn detail_of(outcome: &Outcome) -> NetworkDetail {
    let status = outcome.network_status();
    NetworkDetail {
        description: status.as_deref().and_then(description),
        status,
        errors: outcome.errors.clone(),
        network_id: None,
    }
}

fn default_detail(network: Network, state: DocumentState) -> NetworkDetail {
    let status = match (network, state) {
        (Network::Sdi, DocumentState::Delivered) => Some("RC"),
        (Network::Ksef, DocumentState::Sent) => Some("100"),
        (Network::Ksef, DocumentState::Accepted) => Some("150"),
        (Network::Ksef, DocumentState::Delivered) => Some("200"),
        _ => None,
    };
    NetworkDetail {
        status: status.map(str::to_owned),
        description: status.and_then(description),
        errors: Vec::new(),
        network_id: None,
    }
}

/// The network's own name for a status, in its own language.
fn description(status: &str) -> Option<String> {
    if let Ok(code) = status.parse::<u16>()
        && KSEF_CODES.contains(&code)
    {
        return Some(invoice_description(code).to_owned());
    }
    if let Some(kind) = MessageType::from_tag(status) {
        return Some(notification_description(kind, Family::Pa).to_owned());
    }
    None
}

/// Plans the statuses after 100: a refusal after the processing delay; otherwise the first
/// matching KSeF behaviour of the scenario, or 150 then 200 on the scenario's timing.
pub(super) fn plan_processing(
    ksef: &Arc<Ksef>,
    ctx: &Context<'_>,
    tenant: &TenantId,
    invoice_ref: &str,
    record: &DocumentRecord,
    verdict: Verdict,
) {
    let settings = &ksef.settings;
    let steps: Vec<(Duration, u16, Vec<String>)> = match verdict {
        Verdict::Refuse(code, details) => vec![(settings.processing(), code, details)],
        Verdict::Accept(_) => match chosen_behaviour(ctx.seed, &ctx.scenario.behaviours, record) {
            Some(behaviour) => behaviour
                .then
                .iter()
                .filter_map(|o| Some((o.after.as_std(), o.ksef?, o.errors.clone())))
                .collect(),
            None => vec![
                (settings.processing(), 150, Vec::new()),
                (settings.numbering(), 200, Vec::new()),
            ],
        },
    };
    let mut at = ctx.now;
    for (after, code, details) in steps {
        at = at.checked_add(after).unwrap_or(Timestamp::MAX);
        let tenant = tenant.clone();
        let reference = invoice_ref.to_owned();
        let ksef = ksef.clone();
        ctx.events.schedule(
            at,
            format!("ksef invoice {invoice_ref} -> {code}"),
            move |ctx| advance(&ksef, ctx, &tenant, &reference, code, details),
        );
    }
}

/// One status step of an invoice. A final invoice stays as it is; 200 gets its KSeF number
/// unless the same (seller, kind, number) already has one, which makes it 440.
fn advance(
    ksef: &Ksef,
    ctx: &Context<'_>,
    tenant: &TenantId,
    reference: &str,
    code: u16,
    details: Vec<String>,
) {
    let now = ctx.now;
    let mut filed = None;
    let (document_id, previous, code, details, number) = {
        let mut records = ksef.records();
        let Some(invoice) = records.invoices.get(reference).cloned() else {
            return;
        };
        if !invoice.pending() {
            return;
        }
        let mut code = code;
        let mut details = details;
        let mut extensions = None;
        let mut number = None;
        if code == 200 {
            let facts = invoice.facts.clone().unwrap_or(InvoiceKey {
                seller_nip: String::new(),
                kind: String::new(),
                number: String::new(),
                issue_date: None,
            });
            let key = (
                facts.seller_nip.clone(),
                facts.kind.clone(),
                facts.number.clone(),
            );
            match records.numbered.get(&key).cloned() {
                Some((original, session)) => {
                    code = 440;
                    details = vec![format!(
                        "Duplikat faktury. Faktura o numerze KSeF: {original} została już prawidłowo przesłana do systemu w sesji: {session}"
                    )];
                    extensions = Some(BTreeMap::from([
                        ("originalSessionReferenceNumber".to_owned(), session),
                        ("originalKsefNumber".to_owned(), original),
                    ]));
                }
                None => {
                    let assigned = ksef_number(
                        &facts.seller_nip,
                        date_of(now),
                        &format!("{}:{reference}", ksef.seed()),
                    );
                    records
                        .numbered
                        .insert(key, (assigned.clone(), invoice.session.clone()));
                    records
                        .by_ksef_number
                        .insert(assigned.clone(), reference.to_owned());
                    number = Some(assigned);
                }
            }
        }
        if let Some(invoice) = records.invoices.get_mut(reference) {
            invoice.code = code;
            invoice.details = details.clone();
            invoice.extensions = extensions;
            if !invoice.pending() {
                invoice.settled = Some(now);
            }
            if number.is_some() {
                invoice.ksef_number = number.clone();
                invoice.acquisition = Some(now);
            }
        }
        if let Some(number) = &number {
            filed = Some((
                invoice.bytes.clone(),
                number.clone(),
                invoice.invoicing_date,
                invoice.offline,
            ));
        }
        (invoice.document_id, invoice.code, code, details, number)
    };
    if let Some((bytes, number, invoicing_date, offline)) = filed {
        ksef.repository
            .file(bytes, &number, invoicing_date, now, offline);
    }
    if code != previous {
        note_status(
            ctx,
            tenant,
            reference,
            Some(previous),
            code,
            number.as_deref(),
        );
    }
    let detail = NetworkDetail {
        status: Some(code.to_string()),
        description: Some(invoice_description(code).to_owned()),
        errors: details,
        network_id: number,
    };
    if let Some(change) = ctx.store.ledger.transition(
        tenant,
        &document_id,
        gateway_state(code).unwrap_or(DocumentState::Failed),
        Some(detail),
        now,
    ) {
        record_change(
            ctx,
            tenant,
            &change,
            Some(format!("KSeF invoice {reference}: {code}")),
        );
    }
}

/// Journals an invoice's move to KSeF status `code` under the gateway's state names, mapped
/// as for a KSeF document sent through the gateway ([`gateway_state`]), so the conformance
/// suite reads one vocabulary whichever channel the integration used. The KSeF code and
/// number stay in the detail.
pub(super) fn note_status(
    ctx: &Context<'_>,
    tenant: &TenantId,
    reference: &str,
    previous: Option<u16>,
    code: u16,
    number: Option<&str>,
) {
    let state = |code| {
        gateway_state(code)
            .unwrap_or(DocumentState::Failed)
            .as_str()
            .to_owned()
    };
    let mut detail = format!("KSeF status {code} ({})", invoice_description(code));
    if let Some(number) = number {
        detail.push_str(&format!(", KSeF number {number}"));
    }
    ctx.journal.append(
        ctx.now,
        Some(tenant.clone()),
        Record::StateChange {
            subject: format!("ksef invoice {reference}"),
            from: previous.map(state),
            to: state(code),
            detail: Some(detail),
        },
    );
}
