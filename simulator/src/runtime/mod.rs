//! What events and engines run with: the narrow [`Context`] of one scenario run (clock, store,
//! planned events, journal, webhooks, faults, scenario) and the [`EventQueue`] of what will
//! happen later.
//!
//! Network engines, the lifecycle and webhooks take a `&Context` plus their own state, never
//! the whole simulation: that is what lets them sit below it. An event planned now runs later
//! with the context of its own run, so nothing it does can leak into a run started after a
//! reset.

mod context;
mod event_queue;

pub(crate) use context::{Context, Publisher};
pub(crate) use event_queue::EventQueue;
