//! The HTTP layer, and the only place that speaks HTTP: the server loop and the journaling of
//! every exchange (`server.rs`), the application state, problem+json rendering of errors
//! (`problem.rs`), fault injection at the door (`faults.rs`), the provider gateway
//! (`gateway/`), the control API (`control.rs`) and each network's own wire API (`ksef/`,
//! `sdi.rs`, `peppol.rs`). Below this folder nothing names an axum, hyper, http or tower type.

pub(crate) mod control;
pub(crate) mod faults;
pub(crate) mod gateway;
pub(crate) mod ksef;
pub(crate) mod peppol;
pub(crate) mod problem;
pub(crate) mod sdi;
pub(crate) mod server;
