//! What happens to a document after the gateway takes it in, until the network engines
//! arrive: the scenario's behaviours, run on the simulator clock.
//!
//! The first behaviour whose `when` matches a document decides its outcomes; a document no
//! behaviour matches goes the ordinary way (sent, accepted by the network, delivered) on
//! [`DEFAULT_LIFECYCLE`]. Each outcome is one event on the agenda, so a virtual clock
//! advanced by 15 days runs a 15-day lifecycle in milliseconds, in order.

use std::time::Duration;

use jiff::Timestamp;

use jiff::tz::TimeZone;

use crate::codelists::ksef::KSEF_CODES;
use crate::codelists::ksef::invoice_description;
use crate::codelists::sdi::Family;
use crate::codelists::sdi::MessageType;
use crate::codelists::sdi::notification_description;
use crate::digest::unit_draw;
use crate::faults::Release;
use crate::journal::{DocumentTaken, Journal, Record};
use crate::networks::ksef::ksef_number;
use crate::networks::{peppol, sdi};
use crate::scenario::{Behaviour, Match, Outcome, glob_matches};
use crate::store::{DocumentChange, DocumentRecord, NetworkDetail};
use crate::vocabulary::Network;
use crate::vocabulary::{DocumentState, TenantId};
use crate::webhooks;
use crate::world::Epoch;

/// The unremarkable path of a document, as delays after the previous step: handed to the
/// network after 1 s, taken by it 4 s later, delivered 25 s after that.
pub(crate) const DEFAULT_LIFECYCLE: [(Duration, DocumentState); 3] = [
    (Duration::from_secs(1), DocumentState::Sent),
    (Duration::from_secs(4), DocumentState::Accepted),
    (Duration::from_secs(25), DocumentState::Delivered),
];

/// What the envelope told the gateway for the network alone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Handover {
    /// SDI: the file name to submit under.
    pub(crate) file_name: Option<String>,
    /// Peppol: the AS4 MessageId (and SBDH InstanceIdentifier) to send with.
    pub(crate) message_id: Option<String>,
}

/// One planned step: when, which state, and what the network says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    after: Duration,
    state: DocumentState,
    detail: NetworkDetail,
}

/// Plans the rest of `doc`'s life on the agenda, starting from `now`.
///
/// A network in an outage (the scenario's `faults:`) takes nothing in: a document submitted
/// during one starts its life when the outage ends, and a step that falls due inside one waits
/// for its end, the later steps keeping their delays after it. An outage that lasts until the
/// end of the run leaves the document where it is.
///
/// An SDI document is handed to SDI as a file named `file_name` (or the name a provider
/// gives it), and SDI's own lifecycle takes it from there. A Peppol document goes to eisim's
/// access point with its AS4 `message_id` (minted when the integrator gave none); there an
/// outage is the receiving access point being down, which the sender retries.
pub(crate) fn plan(
    epoch: &Epoch,
    journal: &Journal,
    tenant: &TenantId,
    doc: &DocumentRecord,
    handover: &Handover,
    now: Timestamp,
) {
    if doc.network == Network::Peppol {
        peppol::submit(epoch, tenant, doc, handover.message_id.as_deref(), now);
        return;
    }
    let file_name = handover.file_name.as_deref();
    let hold = |due: Timestamp, what: &str| -> Option<Timestamp> {
        let (at, fault, detail) = match epoch.faults.release(doc.network, due) {
            Release::Due => return Some(due),
            Release::Held { until, fault } => (
                Some(until),
                fault,
                format!(
                    "{} is in an outage until {until}; {what} waits for its end",
                    doc.network.display_name()
                ),
            ),
            Release::Never { fault } => (
                None,
                fault,
                format!(
                    "{} is in an outage until the end of the run; {what} is held for good",
                    doc.network.display_name()
                ),
            ),
        };
        journal.append(
            now,
            Some(tenant.clone()),
            Record::FaultInjected {
                fault: fault + 1,
                fault_kind: "outage".to_owned(),
                target: format!("document {}", doc.id),
                status: None,
                detail: Some(detail),
            },
        );
        at
    };
    let Some(mut at) = hold(now, "the document's lifecycle") else {
        return;
    };
    if doc.network == Network::Sdi {
        let arrival = sdi::Arrival {
            file_name: file_name.map(str::to_owned),
            bytes: doc.bytes.clone(),
            channel: sdi::Channel::Gateway,
            tenant: Some(tenant.clone()),
            document_id: Some(doc.id.clone()),
            // The context intake inspected the document in (intake.rs: its date, its name).
            prior: Some(std::sync::Arc::new(sdi::PriorInspection {
                content_hash: doc.content_hash.clone(),
                received: doc.created_at.to_zoned(jiff::tz::TimeZone::UTC).date(),
                file_name: handover.file_name.clone(),
                format: doc.format,
                findings: doc.findings.clone(),
            })),
        };
        epoch
            .agenda
            .schedule(at, format!("document {} -> SDI", doc.id), move |ctx| {
                sdi::receive(ctx.epoch, ctx.journal, arrival, ctx.now);
            });
        return;
    }
    for step in steps_for(epoch.seed, &epoch.scenario.behaviours, doc) {
        let due = at.checked_add(step.after).unwrap_or(Timestamp::MAX);
        let Some(step_at) = hold(due, &format!("the step to {}", step.state.as_str())) else {
            return;
        };
        at = step_at;
        let tenant = tenant.clone();
        let id = doc.id.clone();
        let label = format!("document {} -> {}", doc.id, step.state.as_str());
        let numbered = (doc.network == Network::Ksef
            && step.detail.status.as_deref() == Some("200"))
        .then(|| doc.facts.seller_tax_id.clone())
        .flatten();
        let seed = epoch.seed;
        epoch.agenda.schedule(at, label, move |ctx| {
            let why = step
                .detail
                .status
                .as_deref()
                .map(|status| format!("network status {status}"));
            let mut detail = step.detail;
            if let Some(nip) = numbered {
                let date = ctx.now.to_zoned(TimeZone::UTC).date();
                detail.network_id = Some(ksef_number(&nip, date, &format!("{seed}:{id}")));
            }
            if let Some(change) =
                ctx.epoch
                    .store
                    .ledger
                    .transition(&tenant, &id, step.state, Some(detail), ctx.now)
            {
                record_change(ctx.epoch, ctx.journal, &tenant, &change, ctx.now, why);
            }
        });
    }
}

/// Journals a document's change of state and raises its webhook events: the one path every
/// document state change takes.
pub(crate) fn record_change(
    epoch: &Epoch,
    journal: &Journal,
    tenant: &TenantId,
    change: &DocumentChange,
    now: Timestamp,
    why: Option<String>,
) {
    journal.append(
        now,
        Some(tenant.clone()),
        Record::StateChange {
            subject: format!("document {}", change.document_id),
            from: change.from.map(|state| state.as_str().to_owned()),
            to: change.to.as_str().to_owned(),
            detail: why,
        },
    );
    webhooks::publish_change(epoch, tenant, change, now);
}

/// Stores a document a network delivered to the integrator and journals it as taken in, named
/// by the file it arrived as: the one way SDI and Peppol hand inbound documents over.
pub(crate) fn file_inbound(
    epoch: &Epoch,
    journal: &Journal,
    tenant: &TenantId,
    record: &DocumentRecord,
    file_name: String,
    now: Timestamp,
) {
    epoch.store.ledger.record(tenant, record.clone());
    journal.append(
        now,
        Some(tenant.clone()),
        Record::DocumentTaken(DocumentTaken::of(
            record,
            DocumentTaken::NETWORK,
            Some(file_name),
        )),
    );
}

/// What a behaviour's `when` looks at, for a gateway document and a file that reached a
/// network some other way alike.
#[derive(Debug, Clone)]
pub(crate) struct BehaviourSubject<'a> {
    pub(crate) network: Network,
    pub(crate) recipient: Option<&'a str>,
    /// The invoice numbers the document carries (several in a lotto).
    pub(crate) numbers: Vec<&'a str>,
    /// Fixes the seeded draw for `probability`.
    pub(crate) id: &'a str,
}

impl<'a> BehaviourSubject<'a> {
    fn of(doc: &'a DocumentRecord) -> Self {
        BehaviourSubject {
            network: doc.network,
            recipient: doc.recipient.as_deref(),
            numbers: doc
                .facts
                .invoices
                .iter()
                .map(|invoice| invoice.number.as_str())
                .collect(),
            id: &doc.id,
        }
    }
}

/// The first behaviour of the scenario whose `when` matches `doc`, if any: the one rule that
/// decides a document's outcomes, on the gateway and on a network's native API alike.
pub(crate) fn chosen_behaviour<'a>(
    seed: u64,
    behaviours: &'a [Behaviour],
    doc: &DocumentRecord,
) -> Option<&'a Behaviour> {
    chosen_behaviour_for(seed, behaviours, &BehaviourSubject::of(doc))
}

/// [`chosen_behaviour`] for something that is not a gateway document.
pub(crate) fn chosen_behaviour_for<'a>(
    seed: u64,
    behaviours: &'a [Behaviour],
    subject: &BehaviourSubject<'_>,
) -> Option<&'a Behaviour> {
    behaviours
        .iter()
        .enumerate()
        .find(|(index, behaviour)| matches(seed, *index, &behaviour.when, subject))
        .map(|(_, behaviour)| behaviour)
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

fn matches(seed: u64, index: usize, when: &Match, subject: &BehaviourSubject<'_>) -> bool {
    when.network.is_none_or(|n| n == subject.network)
        && when
            .recipient
            .as_deref()
            .is_none_or(|r| subject.recipient == Some(r))
        && when.invoice_number.as_deref().is_none_or(|pattern| {
            subject
                .numbers
                .iter()
                .any(|number| glob_matches(pattern, number))
        })
        && when
            .probability
            .is_none_or(|p| draw(seed, index, subject.id) < p.get())
}

/// A number in [0, 1) fixed by the seed, the behaviour and the document: the same scenario
/// and seed pick the same documents every run.
fn draw(seed: u64, index: usize, document_id: &str) -> f64 {
    unit_draw(&format!("{seed}:{index}:{document_id}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_fixed_by_seed_and_spread_over_the_unit_interval() {
        assert_eq!(draw(1, 0, "inv_a"), draw(1, 0, "inv_a"));
        assert_ne!(draw(1, 0, "inv_a"), draw(2, 0, "inv_a"));
        let below_half = (0..1000)
            .filter(|i| draw(7, 0, &format!("inv_{i}")) < 0.5)
            .count();
        assert!((400..600).contains(&below_half), "{below_half}");
    }
}
