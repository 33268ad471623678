//! The networks' own code lists, and the rules that go with them: what a scenario, the gateway
//! and the network engines all need to name the same codes the same way. Nothing here
//! depends on a network engine; the engines depend on this.

pub(crate) mod invoice_response_order;
pub(crate) mod ksef;
pub(crate) mod peppol;
pub(crate) mod sdi;
