//! What belongs to one network alone: its identifiers, and (as they land) its lifecycle and
//! native API. Nothing here knows about another network.

pub mod ksef;
pub mod peppol;
pub mod sdi;
