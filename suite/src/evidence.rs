//! What the rules judge: the run's journal, the documents the suite asked for, and what the
//! integration reported, with the few lookups every rule family needs (which eisim document a
//! request became, its final state, who asked for what).

use eisim::JournalEntry;
use eisim::Network;
use eisim::journal::{DocumentTaken, HttpExchange, Record};
use eisim::scenario::{Channel, Scenario};
use jiff::Timestamp;

use crate::contract::DocumentReport;
use crate::outcome::{DocumentOutcome, Evidence};

/// A document the suite asked the integration to send.
#[derive(Clone, Debug)]
pub(crate) struct Tracked {
    pub(crate) alias: String,
    /// The integration's `ref`.
    pub(crate) reference: String,
    /// SHA-256 of the bytes handed to the driver; eisim's `document_taken` carries the same
    /// hash, which is how the two sides' documents are matched.
    pub sha256: String,
    pub(crate) network: Network,
    pub(crate) channel: Channel,
    pub(crate) recipient: String,
    /// The alias of the refused document this one corrects.
    pub(crate) replaces: Option<String>,
    /// When the suite asked (wall clock).
    pub(crate) asked_at: Timestamp,
}

/// An `expect_state` step's outcome.
#[derive(Clone, Debug)]
pub(crate) struct ExpectCheck {
    pub(crate) alias: String,
    pub(crate) expected: String,
    pub(crate) reported: String,
    pub(crate) eisim: Option<String>,
    pub(crate) real_time: Timestamp,
    pub(crate) sim_time: Timestamp,
}

/// Everything one scenario run left behind.
#[derive(Debug)]
pub(crate) struct Observation<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) entries: &'a [JournalEntry],
    pub(crate) tracked: &'a [Tracked],
    /// The driver's final answer per tracked document (same order); `None` when it gave none.
    pub(crate) reports: &'a [Option<DocumentReport>],
    pub(crate) checks: &'a [ExpectCheck],
}

impl Observation<'_> {
    pub(crate) fn http(&self) -> impl Iterator<Item = (&JournalEntry, &HttpExchange)> {
        self.entries.iter().filter_map(|entry| match &entry.record {
            Record::Http(exchange) => Some((entry, exchange)),
            _ => None,
        })
    }

    pub(crate) fn taken(&self) -> impl Iterator<Item = (&JournalEntry, &DocumentTaken)> {
        taken(self.entries)
    }
}

pub(crate) fn taken(
    entries: &[JournalEntry],
) -> impl Iterator<Item = (&JournalEntry, &DocumentTaken)> {
    entries.iter().filter_map(|entry| match &entry.record {
        Record::DocumentTaken(taken) => Some((entry, taken)),
        _ => None,
    })
}

/// The subject eisim's state changes use for a document taken in through `channel`.
pub(crate) fn subject(taken: &DocumentTaken) -> String {
    if taken.channel == "native" && taken.network == "ksef" {
        format!("ksef invoice {}", taken.document)
    } else {
        format!("document {}", taken.document)
    }
}

/// The state of `subject` after every entry up to `until` (inclusive), if it has one.
pub(crate) fn state_at(entries: &[JournalEntry], subject_name: &str, until: u64) -> Option<String> {
    entries
        .iter()
        .rev()
        .filter(|entry| entry.seq <= until)
        .find_map(|entry| match &entry.record {
            Record::StateChange { subject, to, .. } if subject == subject_name => Some(to.clone()),
            _ => None,
        })
}

/// Which eisim document each tracked document became: the outbound `document_taken` entries
/// with the same content, handed out in order so two submits of equal bytes map to two
/// documents.
pub(crate) fn matches<'e>(
    entries: &'e [JournalEntry],
    tracked: &[Tracked],
) -> Vec<Option<&'e DocumentTaken>> {
    let mut used: Vec<u64> = Vec::new();
    tracked
        .iter()
        .map(|t| {
            let found = taken(entries).find(|(entry, taken)| {
                taken.direction == "outbound"
                    && taken.content_sha256 == t.sha256
                    && !used.contains(&entry.seq)
            });
            found.map(|(entry, taken)| {
                used.push(entry.seq);
                taken
            })
        })
        .collect()
}

/// eisim's current state of a tracked document; `None` when eisim never got it.
pub(crate) fn eisim_state(
    entries: &[JournalEntry],
    all: &[Tracked],
    one: &Tracked,
) -> Option<String> {
    let index = all.iter().position(|t| t.alias == one.alias)?;
    let matched = matches(entries, all);
    let taken = matched.get(index).copied().flatten()?;
    state_at(entries, &subject(taken), u64::MAX)
}

/// The eisim id of an inbound document that arrived as `file`.
pub(crate) fn inbound_document(entries: &[JournalEntry], file: &str) -> Option<String> {
    taken(entries)
        .find(|(_, taken)| {
            taken.direction == "inbound"
                && taken
                    .file_name
                    .as_deref()
                    .is_some_and(|name| same_file(name, file))
        })
        .map(|(_, taken)| taken.document.clone())
}

/// Each tracked document with what both sides hold at the end.
pub(crate) fn outcomes(observation: &Observation<'_>) -> Vec<DocumentOutcome> {
    let matched = matches(observation.entries, observation.tracked);
    observation
        .tracked
        .iter()
        .enumerate()
        .map(|(i, tracked)| {
            let report = observation.reports.get(i).cloned().flatten();
            let taken = matched.get(i).copied().flatten();
            DocumentOutcome {
                step: tracked.alias.clone(),
                reference: tracked.reference.clone(),
                reported_state: report.as_ref().map(|r| r.state.clone()),
                reported_network_id: report.and_then(|r| r.network_id),
                eisim_document: taken.map(|t| t.document.clone()),
                eisim_state: taken
                    .and_then(|t| state_at(observation.entries, &subject(t), u64::MAX)),
            }
        })
        .collect()
}

/// A journal entry cited as evidence, summarised in one line.
pub(crate) fn cite(entry: &JournalEntry) -> Evidence {
    Evidence {
        seq: Some(entry.seq),
        real_time: entry.real_time,
        sim_time: entry.sim_time,
        summary: crate::timeline::summary(entry),
    }
}

/// Something the driver said, cited as evidence.
pub(crate) fn said(real_time: Timestamp, sim_time: Timestamp, summary: String) -> Evidence {
    Evidence {
        seq: None,
        real_time,
        sim_time,
        summary,
    }
}

/// Whether two spellings name the same file: equal, or equal once folders are dropped (the
/// scenario writes a path, the journal may keep the name).
fn same_file(a: &str, b: &str) -> bool {
    let base = |p: &str| p.rsplit(['/', '\\']).next().unwrap_or(p).to_owned();
    a == b || base(a) == base(b)
}
