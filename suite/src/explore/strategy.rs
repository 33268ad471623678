//! proptest strategies for [`Case`]s. Each choice lists its plainest value first, because
//! proptest shrinks a `prop_oneof!` toward its earlier arms, a `Vec` toward fewer elements, an
//! `Option` toward `None` and a number toward its lower bound: a shrunk case is then the
//! fewest documents with the fewest and mildest faults that still fail.
//!
//! Weights keep most cases small and most documents valid: a fault in every case would hide
//! the rules that only a calm run can break (and make each case slower).

use eisim::Network;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::case::{Case, Content, Document, Fault, RESPONSE_SEQUENCES, Rate, Wave, WebhookFaults};

/// Every case the exploration can generate, within `max_documents` over `networks`.
pub(crate) fn cases(
    max_documents: usize,
    networks: Vec<Network>,
) -> impl Strategy<Value = Case, Tree: Send + Sync> + Send + Sync {
    let kinds = networks.len().max(1);
    let per_wave = max_documents.clamp(1, 3);
    // Tuples shrink their elements in order: documents first (the biggest cut), the seed
    // never (a different seed is a different run, not a smaller one).
    (
        vec(wave(kinds, per_wave), 1..=3),
        vec(fault(kinds), 0..=2),
        webhook_faults(),
        option::weighted(0.2, 2u32..=4),
        option::weighted(0.2, 0..RESPONSE_SEQUENCES.len()),
        any::<u32>().no_shrink(),
    )
        .prop_map(
            move |(waves, faults, webhooks, token_ttl_minutes, inbound, seed)| {
                Case {
                    seed: u64::from(seed),
                    waves,
                    token_ttl_minutes,
                    faults,
                    webhooks,
                    inbound,
                }
                .limited(max_documents, &networks)
            },
        )
}

fn wave(
    kinds: usize,
    per_wave: usize,
) -> impl Strategy<Value = Wave, Tree: Send + Sync> + Send + Sync {
    (vec(document(kinds), 1..=per_wave), minutes(&[5, 30, 120])).prop_map(
        |(documents, advance_minutes)| Wave {
            documents,
            advance_minutes,
        },
    )
}

fn document(kinds: usize) -> impl Strategy<Value = Document, Tree: Send + Sync> + Send + Sync {
    (
        0..kinds,
        any::<bool>(),
        content(),
        proptest::bool::weighted(0.3),
    )
        .prop_map(|(network, native, content, correct)| Document {
            network,
            native,
            content,
            // A correction follows a refusal; asking for one after a valid document makes
            // no sense to an integrator.
            correct: correct && matches!(content, Content::Refused { .. } | Content::Broken(_)),
        })
}

fn content() -> impl Strategy<Value = Content, Tree: Send + Sync> + Send + Sync {
    prop_oneof![
        6 => Just(Content::Valid),
        2 => minutes(&[10, 45, 90]).prop_map(Content::Delayed),
        2 => any::<bool>().prop_map(|duplicate| Content::Refused { duplicate }),
        1 => (0usize..3).prop_map(Content::Broken),
    ]
}

fn fault(kinds: usize) -> impl Strategy<Value = Fault, Tree: Send + Sync> + Send + Sync {
    prop_oneof![
        (
            prop_oneof![Just(503u16), Just(500), Just(502), Just(504)],
            1u32..=2
        )
            .prop_map(|(status, seconds)| Fault::ServerErrors { status, seconds }),
        (1u32..=2, 1u32..=2).prop_map(|(seconds, retry_after)| Fault::Throttled {
            seconds,
            retry_after
        }),
        (0..kinds, minutes(&[5, 30, 120]))
            .prop_map(|(network, minutes)| Fault::Outage { network, minutes }),
        Just(Fault::KsefSendErrors),
    ]
}

/// One of a few durations, shortest first. A range would shrink by bisection, a run per
/// halving; a handful of choices says as much about a failure at a fraction of the runs.
fn minutes(choices: &'static [u32]) -> impl Strategy<Value = u32, Tree: Send + Sync> + Send + Sync {
    proptest::sample::select(choices)
}

fn webhook_faults() -> impl Strategy<Value = WebhookFaults, Tree: Send + Sync> + Send + Sync {
    // Every delivery first: a shrunk case whose fault strikes every time replays the same way,
    // where one that strikes half the deliveries may miss on the replay.
    let rate = || option::weighted(0.25, prop_oneof![Just(Rate::All), Just(Rate::Half)]);
    (rate(), rate(), rate(), rate(), rate()).prop_map(
        |(duplicate, reorder, forged, stale, timeout)| WebhookFaults {
            duplicate,
            reorder,
            forged,
            stale,
            timeout,
        },
    )
}

#[cfg(test)]
mod tests {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    use super::*;
    use crate::explore::case::Paths;

    fn paths(networks: &[Network]) -> Paths {
        Paths {
            networks: networks.to_vec(),
            inbound_file: "/fixtures/peppol/invoice-minimal.xml".into(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever proptest generates or shrinks to is a scenario eisim accepts, within the
        /// document bound, and with only the networks allowed.
        #[test]
        fn every_case_renders_to_a_valid_scenario(
            case in cases(4, vec![Network::Sdi, Network::Peppol]),
        ) {
            let yaml = case.render("generated", &[], &paths(&[Network::Sdi, Network::Peppol]));
            let parsed = eisim::scenario::parse(&yaml, "generated");
            prop_assert!(parsed.is_ok(), "{yaml}\n{}", parsed.err().map(|e| e.to_string()).unwrap_or_default());
            prop_assert!(case.size().documents <= 4);
            prop_assert!(!yaml.contains("network: ksef, recipient"));
        }

        #[test]
        fn all_networks_render_too(case in cases(6, Network::ALL.to_vec())) {
            let yaml = case.render("generated", &[], &paths(&Network::ALL));
            let parsed = eisim::scenario::parse(&yaml, "generated");
            prop_assert!(parsed.is_ok(), "{yaml}\n{}", parsed.err().map(|e| e.to_string()).unwrap_or_default());
        }
    }

    /// Shrinking ends at one valid document without faults: what "minimal" means when
    /// anything fails.
    #[test]
    fn shrinking_all_the_way_reaches_the_plainest_case() {
        let mut runner = TestRunner::deterministic();
        for _ in 0..20 {
            let mut tree = cases(6, Network::ALL.to_vec())
                .new_tree(&mut runner)
                .unwrap_or_else(|e| panic!("{e}"));
            while tree.simplify() {}
            let case = tree.current();
            assert_eq!(case.size().documents, 1, "{case:?}");
            assert_eq!(case.size().faults, 0, "{case:?}");
            assert_eq!(case.waves[0].documents[0].content, Content::Valid);
        }
    }
}
