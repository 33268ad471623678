//! The three Peppol feedback documents that travel as UBL 2.1 `ApplicationResponse`s.
//!
//! One UBL document type carries three unrelated conversations, told apart only by their
//! `CustomizationID` / `ProfileID`:
//!
//! * **MLR** (Message Level Response, BIS 36, transaction T71): the receiving side tells the
//!   sender whether the *content* of a message passed validation (AB / AP / RE), with one
//!   [`LineError`] per broken rule. Legacy and optional.
//! * **MLS** (Message Level Status): the receiving access point (C3) tells the sending one (C2)
//!   whether the message reached the end user (AP with confirmation, AB blind, RE failed).
//!   Addressed to access points by their SPIS id (`0242:…`), not to participants.
//! * **Invoice Response** (BIS 63, transaction T111): the buyer tells the seller what happened to
//!   the invoice in its business process (AB, IP, UQ, CA, RE, AP, PD), optionally with a
//!   [`StatusReason`], [`StatusAction`]s and [`Condition`]s. The order in which these may follow
//!   each other lives in `super::ordering`.
//!
//! [`StatusReason`]: crate::codelists::peppol::StatusReason
//! [`StatusAction`]: crate::codelists::peppol::StatusAction
//!
//! The pieces fit like this, one file each: the code lists are closed enums, so an unknown code
//! cannot be represented (which settles the code-list Schematron rules once and for all); the
//! documents are plain structs (`model.rs`, with the profiles' identifiers); `render.rs` turns
//! one into the XML an access point would put on the wire; `checks.rs` reports the Schematron
//! rules the types cannot rule out. Rendering never refuses: a simulator must be able to emit a
//! broken document on purpose (fault injection), so deciding whether to send something that
//! fails a check is the caller's business. `layout.rs` holds what rendering and the checks must
//! read alike, so that a rule is judged on what is actually sent.
//!
//! The renderer follows the element order of the UBL 2.1 XSD and the data models of the Peppol
//! specifications (no element outside the model, no empty optional element, `IssueTime` always
//! carrying a zone), so every rendered document passes `UBL-ApplicationResponse-2.1.xsd`.

mod checks;
#[cfg(test)]
mod fixtures;
mod layout;
mod model;
mod render;

pub(crate) use checks::check_invoice_response;
pub(crate) use model::{
    InvoiceResponse, LineError, MessageLevelResponse, MessageLevelStatus, Party,
};
pub(crate) use render::{render_invoice_response, render_mlr, render_mls};
