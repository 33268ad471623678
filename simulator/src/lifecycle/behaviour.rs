//! Which of the scenario's `behaviours` decides a document's outcomes: the first whose `when`
//! matches, on the gateway and on a network's native API alike.

use crate::digest::unit_draw;
use crate::scenario::{Behaviour, Match, glob_matches};
use crate::store::DocumentRecord;
use crate::vocabulary::Network;

/// What a behaviour's `when` looks at, for a gateway document and a file that reached a
/// network some other way alike.
#[derive(Debug, Clone)]
pub(crate) struct BehaviourSubject<'a> {
    pub network: Network,
    pub recipient: Option<&'a str>,
    /// The invoice numbers the document carries (several in a lotto).
    pub numbers: Vec<&'a str>,
    /// Fixes the seeded draw for `probability`.
    pub id: &'a str,
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
