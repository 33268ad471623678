//! The words every layer shares: which network, which tenant, where a document is in its
//! life and which way it travels. Defined once at the bottom so that the scenario, the store
//! and the networks can all use them without importing each other.

mod document;
mod network;
mod tenant;

pub use document::{Direction, DocumentState};
pub use network::Network;
pub use tenant::TenantId;
