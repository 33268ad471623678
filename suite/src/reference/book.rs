//! The integration's own record of the documents it was asked to send: what it believes about
//! each one (state, network id, the history of states it applied) and how it maps eisim's
//! document ids back to its refs.
//!
//! Status news arrives from three places (the submission's answer, webhooks, status reads)
//! and all of it goes through [`Book::apply`], which holds the rules that keep a document's
//! history honest: an event older than the last one applied is ignored (HOOK-5), a repeated
//! state is not a new step (HOOK-4), and a final state is never left.

use std::collections::HashMap;

use super::breakage::Breakage;
use crate::contract::{self, DocumentReport};

/// Where a piece of status news came from, which decides how it is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A webhook event, ordered by its per-document `sequence`.
    Event { sequence: u64 },
    /// A read of eisim's current state (a submission answer or a status read): always the
    /// latest at the moment it was read.
    Read,
}

/// One document the integration was asked to send.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) reference: String,
    /// Index of the eisim connection it was sent through.
    pub(crate) connection: usize,
    pub(crate) network: String,
    pub(crate) recipient: String,
    pub(crate) bytes: Vec<u8>,
    /// The `file_name` the scenario asked for (SDI).
    pub(crate) requested_file_name: Option<String>,
    /// The file name it was sent under (SDI).
    pub(crate) file_name: Option<String>,
    /// The ref of the refused document this one corrects.
    pub(crate) replaces: Option<String>,
    /// Chosen once, sent with every attempt, so a retry can never create a second document.
    pub(crate) idempotency_key: String,
    /// eisim's id, once a submission was answered.
    pub(crate) document_id: Option<String>,
    state: String,
    network_id: Option<String>,
    history: Vec<String>,
    /// The `sequence` of the last webhook event applied.
    last_sequence: u64,
}

impl Document {
    pub(crate) fn report(&self) -> DocumentReport {
        DocumentReport {
            state: self.state.clone(),
            network_id: self.network_id.clone(),
            history: Some(self.history.clone()),
        }
    }
}

/// What [`Book::new_document`] needs to know.
#[derive(Debug)]
pub(crate) struct NewDocument {
    pub(crate) connection: usize,
    pub(crate) network: String,
    pub(crate) recipient: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) requested_file_name: Option<String>,
    pub(crate) replaces: Option<String>,
}

/// News about a document eisim sent before the integration knew the document's id (a
/// webhook can overtake the answer to the submission it is about), kept until the id is
/// linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct News {
    pub(crate) state: String,
    pub(crate) network_id: Option<String>,
    pub(crate) source: Source,
}

/// Most early news kept for documents not linked yet; beyond it, news about ids that are
/// never linked (another client's documents) would grow without bound.
const MAX_ORPHANS: usize = 10_000;

/// What an applied piece of news changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) reference: String,
    /// The state the document moved to, when it moved.
    pub(crate) moved_to: Option<String>,
}

/// Every document, by ref and by (connection, eisim id).
#[derive(Debug, Default)]
pub(crate) struct Book {
    documents: HashMap<String, Document>,
    by_eisim: HashMap<(usize, String), Vec<String>>,
    orphans: HashMap<(usize, String), Vec<News>>,
    orphan_count: usize,
    issued: u64,
}

impl Book {
    /// Files a new document under the next ref (`doc-1`, `doc-2`, ...); it is `received` by
    /// the integration and has no history until eisim says something about it.
    pub(crate) fn new_document(&mut self, new: NewDocument) -> String {
        self.issued += 1;
        let reference = format!("doc-{}", self.issued);
        let document = Document {
            reference: reference.clone(),
            connection: new.connection,
            network: new.network,
            recipient: new.recipient,
            bytes: new.bytes,
            requested_file_name: new.requested_file_name,
            file_name: None,
            replaces: new.replaces,
            idempotency_key: idempotency_key(),
            document_id: None,
            state: "received".to_owned(),
            network_id: None,
            history: Vec::new(),
            last_sequence: 0,
        };
        self.documents.insert(reference.clone(), document);
        reference
    }

    pub(crate) fn get(&self, reference: &str) -> Option<&Document> {
        self.documents.get(reference)
    }

    pub(crate) fn contains(&self, reference: &str) -> bool {
        self.documents.contains_key(reference)
    }

    pub(crate) fn set_file_name(&mut self, reference: &str, name: &str) {
        if let Some(doc) = self.documents.get_mut(reference) {
            doc.file_name = Some(name.to_owned());
        }
    }

    /// The refs of the documents linked to `document_id`; when there are none yet, `news`
    /// is kept for the document that will be linked to it. One call, under one lock, so news
    /// cannot slip in between a link and its check.
    pub(crate) fn refs_or_keep(
        &mut self,
        connection: usize,
        document_id: &str,
        news: News,
    ) -> Vec<String> {
        let refs = self.refs_of(connection, document_id);
        if refs.is_empty() {
            self.keep_orphan(connection, document_id, news);
        }
        refs
    }

    fn keep_orphan(&mut self, connection: usize, document_id: &str, news: News) {
        if self.orphan_count >= MAX_ORPHANS {
            return;
        }
        self.orphan_count += 1;
        self.orphans
            .entry((connection, document_id.to_owned()))
            .or_default()
            .push(news);
    }

    /// Ties a document to the id eisim gave it; returns the news that arrived for that id
    /// before, to be applied now.
    pub(crate) fn link(&mut self, reference: &str, document_id: &str) -> Vec<News> {
        let Some(doc) = self.documents.get_mut(reference) else {
            return Vec::new();
        };
        doc.document_id = Some(document_id.to_owned());
        let refs = self
            .by_eisim
            .entry((doc.connection, document_id.to_owned()))
            .or_default();
        if !refs.iter().any(|r| r == reference) {
            refs.push(reference.to_owned());
        }
        let early = self
            .orphans
            .remove(&(doc.connection, document_id.to_owned()))
            .unwrap_or_default();
        self.orphan_count = self.orphan_count.saturating_sub(early.len());
        early
    }

    /// The refs of the documents eisim knows as `document_id` on `connection`.
    pub(crate) fn refs_of(&self, connection: usize, document_id: &str) -> Vec<String> {
        self.by_eisim
            .get(&(connection, document_id.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Whether eisim's `document_id` is one of ours on any connection.
    pub(crate) fn connection_of(&self, document_id: &str) -> Option<usize> {
        self.by_eisim
            .keys()
            .find(|(_, id)| id == document_id)
            .map(|(connection, _)| *connection)
    }

    /// Whether some document sent through `connection` may still change in eisim.
    pub(crate) fn any_open(&self, connection: usize) -> bool {
        self.documents
            .values()
            .any(|d| d.connection == connection && !eisim_final(&d.state))
    }

    /// The integration gave a document up before eisim took it in: eisim never received it,
    /// so `failed` is the truth.
    pub(crate) fn fail(&mut self, reference: &str) {
        if let Some(doc) = self.documents.get_mut(reference)
            && doc.state != "failed"
        {
            doc.state = "failed".to_owned();
            doc.history.push("failed".to_owned());
        }
    }

    /// Applies eisim's news about `reference`: `state`, and the network's id when given.
    /// Returns what changed, or `None` when the news was ignored.
    pub(crate) fn apply(
        &mut self,
        reference: &str,
        state: &str,
        network_id: Option<&str>,
        source: Source,
        breakage: Option<Breakage>,
    ) -> Option<Applied> {
        let doc = self.documents.get_mut(reference)?;
        contract::rank(state)?;
        if breakage == Some(Breakage::Stat3) && contract::rank(state) > contract::rank("accepted") {
            return None;
        }
        let repeat = match source {
            Source::Event { sequence } => match breakage {
                // HOOK-5's variant: arrival order is the order.
                Some(Breakage::Hook5) => false,
                // HOOK-4's variant: an event with the last sequence is applied again.
                Some(Breakage::Hook4) if sequence == doc.last_sequence && sequence > 0 => true,
                _ if sequence <= doc.last_sequence => return None,
                _ => false,
            },
            // A read is eisim's state when it was read; a webhook applied meanwhile may be
            // newer, and eisim's states only move forward, so a lower one is stale.
            Source::Read
                if !doc.history.is_empty()
                    && contract::rank(state) < contract::rank(&doc.state) =>
            {
                return None;
            }
            Source::Read => false,
        };
        if let Source::Event { sequence } = source {
            doc.last_sequence = doc.last_sequence.max(sequence);
        }
        // eisim's states only move forward. An event older than a state already read (the
        // submission's answer can overtake the webhooks about it) must not move it back.
        if breakage != Some(Breakage::Hook5)
            && !doc.history.is_empty()
            && contract::rank(state) < contract::rank(&doc.state)
        {
            return None;
        }
        // Refused and failed are final: nothing eisim says later reopens them. (HOOK-5's
        // variant applies in arrival order, finality included.)
        if contract::is_final(&doc.state) && doc.state != state && breakage != Some(Breakage::Hook5)
        {
            return None;
        }
        if let Some(id) = network_id {
            doc.network_id = Some(id.to_owned());
        }
        let moved = doc.state != state || doc.history.is_empty();
        if moved || repeat {
            doc.state = state.to_owned();
            doc.history.push(state.to_owned());
        }
        Some(Applied {
            reference: reference.to_owned(),
            moved_to: moved.then(|| state.to_owned()),
        })
    }
}

/// Whether eisim will change a document in `state` no more (its own notion, where
/// `delivered` is final): what pollers stop at.
pub(crate) fn eisim_final(state: &str) -> bool {
    matches!(state, "delivered" | "refused" | "failed")
}

/// A random key for one document's submissions.
fn idempotency_key() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::thread_rng().r#gen();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ref-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_with_one() -> (Book, String) {
        let mut book = Book::default();
        let reference = book.new_document(NewDocument {
            connection: 0,
            network: "peppol".into(),
            recipient: "0208:0456789133".into(),
            bytes: b"<Invoice/>".to_vec(),
            requested_file_name: None,
            replaces: None,
        });
        book.link(&reference, "inv_1");
        (book, reference)
    }

    fn event(
        book: &mut Book,
        reference: &str,
        sequence: u64,
        state: &str,
        breakage: Option<Breakage>,
    ) {
        book.apply(reference, state, None, Source::Event { sequence }, breakage);
    }

    fn history(book: &Book, reference: &str) -> Vec<String> {
        book.get(reference).unwrap().report().history.unwrap()
    }

    #[test]
    fn refs_count_up_and_map_back_from_eisim_ids() {
        let (mut book, first) = book_with_one();
        assert_eq!(first, "doc-1");
        assert_eq!(book.refs_of(0, "inv_1"), ["doc-1"]);
        assert_eq!(book.refs_of(1, "inv_1"), Vec::<String>::new());
        let second = book.new_document(NewDocument {
            connection: 0,
            network: "sdi".into(),
            recipient: "SDI:ABC1234".into(),
            bytes: Vec::new(),
            requested_file_name: None,
            replaces: Some(first.clone()),
        });
        assert_eq!(second, "doc-2");
        assert_ne!(
            book.get(&first).unwrap().idempotency_key,
            book.get(&second).unwrap().idempotency_key
        );
    }

    #[test]
    fn events_apply_in_sequence_order_and_twins_and_duplicates_add_nothing() {
        let (mut book, r) = book_with_one();
        book.apply(&r, "received", None, Source::Read, None);
        for (sequence, state) in [
            (1, "received"),
            (2, "received"),
            (3, "sent"),
            (4, "sent"),
            (4, "sent"),
            (7, "delivered"),
            (5, "accepted"),
            (8, "delivered"),
        ] {
            event(&mut book, &r, sequence, state, None);
        }
        assert_eq!(history(&book, &r), ["received", "sent", "delivered"]);
        assert_eq!(book.get(&r).unwrap().report().state, "delivered");
    }

    #[test]
    fn a_stale_read_never_moves_a_document_back() {
        let (mut book, r) = book_with_one();
        event(&mut book, &r, 3, "sent", None);
        assert!(
            book.apply(&r, "received", None, Source::Read, None)
                .is_none()
        );
        book.apply(&r, "accepted", Some("msg-1"), Source::Read, None);
        assert_eq!(history(&book, &r), ["sent", "accepted"]);
        assert_eq!(
            book.get(&r).unwrap().report().network_id.as_deref(),
            Some("msg-1")
        );
    }

    #[test]
    fn news_that_overtook_the_submission_answer_waits_for_the_link() {
        let mut book = Book::default();
        let r = book.new_document(NewDocument {
            connection: 0,
            network: "ksef".into(),
            recipient: "KSEF:5265877635".into(),
            bytes: Vec::new(),
            requested_file_name: None,
            replaces: None,
        });
        let news = News {
            state: "sent".into(),
            network_id: None,
            source: Source::Event { sequence: 2 },
        };
        assert!(book.refs_or_keep(0, "inv_9", news.clone()).is_empty());
        assert_eq!(book.link(&r, "inv_9"), vec![news.clone()]);
        assert_eq!(book.refs_or_keep(0, "inv_9", news), vec![r.clone()]);
        assert!(book.link(&r, "inv_9").is_empty());
    }

    #[test]
    fn a_refused_document_stays_refused_and_a_delivered_one_can_still_be_refused() {
        let (mut book, r) = book_with_one();
        event(&mut book, &r, 1, "delivered", None);
        event(&mut book, &r, 2, "refused", None);
        book.apply(&r, "delivered", None, Source::Read, None);
        assert_eq!(history(&book, &r), ["delivered", "refused"]);
    }

    #[test]
    fn the_hook4_variant_applies_a_duplicate_again() {
        let (mut book, r) = book_with_one();
        let b = Some(Breakage::Hook4);
        event(&mut book, &r, 1, "sent", b);
        event(&mut book, &r, 2, "sent", b);
        event(&mut book, &r, 2, "sent", b);
        assert_eq!(history(&book, &r), ["sent", "sent"]);
    }

    #[test]
    fn the_hook5_variant_goes_backwards_on_a_late_event() {
        let (mut book, r) = book_with_one();
        let b = Some(Breakage::Hook5);
        event(&mut book, &r, 5, "delivered", b);
        event(&mut book, &r, 3, "accepted", b);
        assert_eq!(history(&book, &r), ["delivered", "accepted"]);
    }

    #[test]
    fn the_stat3_variant_stops_at_accepted() {
        let (mut book, r) = book_with_one();
        let b = Some(Breakage::Stat3);
        event(&mut book, &r, 1, "accepted", b);
        event(&mut book, &r, 2, "delivered", b);
        assert_eq!(book.get(&r).unwrap().report().state, "accepted");
    }

    #[test]
    fn giving_up_is_reported_failed_and_unknown_states_are_ignored() {
        let (mut book, r) = book_with_one();
        assert!(
            book.apply(&r, "lost", None, Source::Read, None).is_none(),
            "not a gateway state"
        );
        book.fail(&r);
        book.fail(&r);
        assert_eq!(history(&book, &r), ["failed"]);
        assert!(!book.any_open(0));
    }
}
