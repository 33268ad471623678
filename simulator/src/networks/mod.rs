//! What belongs to one network alone: its identifiers, and (as they land) its lifecycle and
//! native API. Nothing here knows about another network.

pub(crate) mod ksef;
pub(crate) mod peppol;
pub(crate) mod sdi;
