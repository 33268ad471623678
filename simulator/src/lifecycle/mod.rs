//! The network-neutral part of a document's life, which every network engine shares: the
//! one path a state change takes (journal, then webhooks), the one way an inbound document is
//! filed for the integrator, which scenario behaviour decides a document's outcomes, and how
//! an outage holds a document's next step.
//!
//! What happens between those moments is each network's own business (`networks/`).

mod behaviour;
mod change;
mod outage;
mod submission;

pub(crate) use behaviour::{BehaviourSubject, chosen_behaviour, chosen_behaviour_for};
pub(crate) use change::{file_inbound, record_change};
pub(crate) use outage::hold;
pub(crate) use submission::SubmitOptions;
