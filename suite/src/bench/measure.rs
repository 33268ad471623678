//! Following eisim's journal while the benchmark runs, and turning what it shows into each
//! document's figures.
//!
//! Three sources meet here. The suite's own wall clock times each document from its
//! `POST /submit` to the driver reporting its end state (the latency). The journal says when
//! eisim took the document in (`document_taken`, matched by content SHA-256 as `run` matches
//! documents) and when it reached its end state (`state_change`), which is what the network
//! delays cost under the chosen clock. And the journal's `http` entries say how long eisim
//! spent handling each of the integration's requests (`latency_us`).

use std::collections::HashMap;

use eisim::JournalEntry;
use eisim::journal::Record;
use jiff::Timestamp;

use crate::evidence::subject;

/// How long a document must have held a state that is not final, with nothing left on
/// eisim's agenda, before that state counts as its end state: long enough that a request
/// being handled at that moment has planned what comes next.
const SETTLED_FOR_US: i64 = 100_000;

/// An outbound document eisim took in.
#[derive(Clone, Debug)]
pub(crate) struct Taken {
    pub(crate) document: String,
    subject: String,
    pub(crate) at: Timestamp,
}

/// eisim's end state of a document and when it got there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EndState {
    pub(crate) state: String,
    pub(crate) at: Timestamp,
}

/// One request of the integration's that eisim handled.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) at: Timestamp,
    pub(crate) path: String,
    pub(crate) latency_us: u64,
}

/// What the journal has shown so far.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// The last entry read.
    pub(crate) cursor: u64,
    taken: HashMap<String, Taken>,
    /// The latest state of each subject and when (real time) it changed to it.
    states: HashMap<String, (String, Timestamp)>,
    pub(crate) requests: Vec<Request>,
}

impl Ledger {
    /// Reads `entries` (oldest first); entries already read are skipped, so overlapping reads
    /// are harmless.
    pub(crate) fn apply(&mut self, entries: &[JournalEntry]) {
        for entry in entries {
            if entry.seq <= self.cursor {
                continue;
            }
            self.cursor = entry.seq;
            match &entry.record {
                Record::DocumentTaken(taken) if taken.direction == "outbound" => {
                    // The first document with these bytes is the one the benchmark sent;
                    // every benchmark document has distinct bytes.
                    self.taken
                        .entry(taken.content_sha256.clone())
                        .or_insert_with(|| Taken {
                            document: taken.document.clone(),
                            subject: subject(taken),
                            at: entry.real_time,
                        });
                }
                Record::StateChange { subject, to, .. } => {
                    self.states
                        .insert(subject.clone(), (to.clone(), entry.real_time));
                }
                Record::Http(exchange) if !exchange.path.starts_with("/_sim") => {
                    self.requests.push(Request {
                        at: entry.real_time,
                        path: exchange.path.clone(),
                        latency_us: exchange.latency_us,
                    });
                }
                _ => {}
            }
        }
    }

    pub(crate) fn taken(&self, sha256: &str) -> Option<&Taken> {
        self.taken.get(sha256)
    }

    /// eisim's current state of the document with these bytes, if it took it in.
    pub(crate) fn state(&self, sha256: &str) -> Option<&(String, Timestamp)> {
        let taken = self.taken.get(sha256)?;
        self.states.get(&taken.subject)
    }

    /// The document's end state, once it has one: a final state (`delivered`, `refused`,
    /// `failed`), or whatever state it has held for a moment while eisim had nothing more
    /// planned at all (`agenda_empty`), e.g. a behaviour that leaves it `accepted`.
    pub(crate) fn end_state(
        &self,
        sha256: &str,
        agenda_empty: bool,
        now: Timestamp,
    ) -> Option<EndState> {
        let (state, at) = self.state(sha256)?;
        let settled = agenda_empty && now.as_microsecond() - at.as_microsecond() >= SETTLED_FOR_US;
        (is_final(state) || settled).then(|| EndState {
            state: state.clone(),
            at: *at,
        })
    }
}

/// eisim's final gateway states: nothing the default lifecycles plan follows them.
pub(crate) fn is_final(state: &str) -> bool {
    matches!(state, "delivered" | "refused" | "failed")
}

/// A document's time in flight, for attributing eisim's request handling to it.
#[derive(Clone, Debug)]
pub(crate) struct Life {
    pub(crate) from: Timestamp,
    pub(crate) to: Timestamp,
    /// eisim's id of the document, when eisim took it in.
    pub(crate) document: Option<String>,
}

/// Spreads eisim's handling time of `requests` over the documents, in milliseconds per
/// document (same order as `lives`), plus what no document was in flight for.
///
/// A request whose path names a document (`/api/v1/invoices/{id}`, ...) is that document's
/// alone. Any other (tokens, batch submissions, lookups, webhook registration) served
/// whichever documents were in flight when eisim handled it, so it is split equally between
/// them; with none in flight it is the run's overhead.
pub(crate) fn attribute(requests: &[Request], lives: &[Life]) -> (Vec<f64>, f64) {
    let mut shares = vec![0.0; lives.len()];
    let mut unattributed = 0.0;
    let by_document: HashMap<&str, usize> = lives
        .iter()
        .enumerate()
        .filter_map(|(i, life)| life.document.as_deref().map(|d| (d, i)))
        .collect();
    for request in requests {
        let ms = request.latency_us as f64 / 1000.0;
        let named = request
            .path
            .split('/')
            .find_map(|segment| by_document.get(segment).copied());
        if let Some(i) = named {
            if let Some(share) = shares.get_mut(i) {
                *share += ms;
            }
            continue;
        }
        let in_flight: Vec<usize> = lives
            .iter()
            .enumerate()
            .filter(|(_, life)| life.from <= request.at && request.at <= life.to)
            .map(|(i, _)| i)
            .collect();
        if in_flight.is_empty() {
            unattributed += ms;
            continue;
        }
        let each = ms / in_flight.len() as f64;
        for i in in_flight {
            if let Some(share) = shares.get_mut(i) {
                *share += each;
            }
        }
    }
    (shares, unattributed)
}

/// Milliseconds from `from` to `to` (0 when `to` is earlier).
pub(crate) fn ms_between(from: Timestamp, to: Timestamp) -> f64 {
    let us = to
        .as_microsecond()
        .saturating_sub(from.as_microsecond())
        .max(0);
    us as f64 / 1000.0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(1_800_000_000_000 + ms).unwrap()
    }

    fn request(ms: i64, path: &str, latency_us: u64) -> Request {
        Request {
            at: at(ms),
            path: path.to_owned(),
            latency_us,
        }
    }

    #[test]
    fn requests_go_to_the_document_they_name_or_are_split_over_those_in_flight() {
        let lives = [
            Life {
                from: at(0),
                to: at(100),
                document: Some("doc_a".into()),
            },
            Life {
                from: at(50),
                to: at(200),
                document: Some("doc_b".into()),
            },
        ];
        let requests = [
            request(10, "/api/v1/invoices/doc_b", 4_000),
            request(10, "/connect/token", 1_000),
            request(60, "/api/v1/submissions", 2_000),
            request(300, "/api/v1/webhooks", 500),
        ];
        let (shares, unattributed) = attribute(&requests, &lives);
        assert_eq!(shares, vec![1.0 + 1.0, 4.0 + 1.0]);
        assert_eq!(unattributed, 0.5);
    }

    #[test]
    fn an_end_state_is_final_or_settled_with_nothing_planned() {
        let mut ledger = Ledger::default();
        ledger.taken.insert(
            "h".into(),
            Taken {
                document: "doc_a".into(),
                subject: "document doc_a".into(),
                at: at(0),
            },
        );
        ledger
            .states
            .insert("document doc_a".into(), ("accepted".into(), at(10)));
        assert_eq!(ledger.end_state("h", false, at(1_000)), None);
        assert_eq!(ledger.end_state("h", true, at(20)), None);
        assert_eq!(
            ledger.end_state("h", true, at(1_000)).map(|e| e.state),
            Some("accepted".to_owned())
        );
        ledger
            .states
            .insert("document doc_a".into(), ("delivered".into(), at(30)));
        assert_eq!(
            ledger.end_state("h", false, at(31)),
            Some(EndState {
                state: "delivered".into(),
                at: at(30)
            })
        );
    }
}
