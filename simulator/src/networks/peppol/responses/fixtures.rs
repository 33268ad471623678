//! The documents the tests of rendering and of the checks start from: one of each profile
//! between two named parties (the MLS between two access points), which a test then breaks
//! or completes.

use jiff::Timestamp;

use super::model::{InvoiceResponse, LineError, MessageLevelResponse, MessageLevelStatus, Party};
use crate::codelists::peppol::{InvoiceResponseCode, LineReason, MlrCode, MlsCode};

pub(super) fn issued() -> Timestamp {
    "2026-03-04T09:15:30.250Z".parse().unwrap()
}

pub(super) fn buyer() -> Party {
    Party::new("0208", "4711081548").named("Brasserie De Kroon BV")
}

pub(super) fn seller() -> Party {
    Party::new("0208", "8123456723").named("Hoppe & Malt NV")
}

pub(super) fn mlr(code: MlrCode) -> MessageLevelResponse {
    MessageLevelResponse {
        id: "MLR-2026-0001".into(),
        issued: issued(),
        sender: buyer(),
        receiver: seller(),
        code,
        description: None,
        referenced_instance: "b7e0c1d2-5a4f-4e8b-9c3d-2f1a6e7b8c90".into(),
        lines: Vec::new(),
    }
}

pub(super) fn mls(code: MlsCode) -> MessageLevelStatus {
    MessageLevelStatus {
        id: "MLS-2026-0001".into(),
        issued: issued(),
        sender_ap: "0242:000417".into(),
        receiver_ap: "0242:000952".into(),
        code,
        description: None,
        referenced_instance: "b7e0c1d2-5a4f-4e8b-9c3d-2f1a6e7b8c90".into(),
        lines: Vec::new(),
    }
}

pub(super) fn imr(code: InvoiceResponseCode) -> InvoiceResponse {
    InvoiceResponse {
        id: "IMR-2026-0001".into(),
        issued: issued(),
        sender: buyer(),
        receiver: seller(),
        invoice_id: "INV-2026-0042".into(),
        invoice_issue_date: Some(jiff::civil::date(2026, 3, 2)),
        document_type_code: "380".into(),
        code,
        reason: None,
        reason_text: None,
        actions: Vec::new(),
        conditions: Vec::new(),
    }
}

pub(super) fn line(location: &str, description: &str, reason: LineReason) -> LineError {
    LineError {
        location: location.into(),
        description: description.into(),
        reason,
    }
}
