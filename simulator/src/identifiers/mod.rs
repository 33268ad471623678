//! The networks' identifiers that more than one layer reads: a Peppol participant id is
//! written in scenario files, looked up by the gateway and routed by the Peppol engine, and
//! each must refuse the same malformed ids with the same check-digit rules.

pub(crate) mod peppol;
