//! A network in an outage takes nothing in: the next step of a document's life waits for the
//! outage's end, and the wait is journaled as the fault that caused it.

use jiff::Timestamp;

use crate::faults::Availability;
use crate::journal::Record;
use crate::runtime::Context;
use crate::store::DocumentRecord;
use crate::vocabulary::TenantId;

/// When `doc`'s step due at `due` (`what`, for the journal) can happen given its network's
/// outages: at `due`, at the end of the outage it falls in, or never (`None`) when the outage
/// lasts until the end of the run. A hold is journaled at `ctx.now`.
pub(crate) fn hold(
    ctx: &Context<'_>,
    tenant: &TenantId,
    doc: &DocumentRecord,
    due: Timestamp,
    what: &str,
) -> Option<Timestamp> {
    let (at, fault, detail) = match ctx.faults.availability(doc.network, due) {
        Availability::Due => return Some(due),
        Availability::HeldUntil { until, fault } => (
            Some(until),
            fault,
            format!(
                "{} is in an outage until {until}; {what} waits for its end",
                doc.network.display_name()
            ),
        ),
        Availability::HeldForGood { fault } => (
            None,
            fault,
            format!(
                "{} is in an outage until the end of the run; {what} is held for good",
                doc.network.display_name()
            ),
        ),
    };
    ctx.journal.append(
        ctx.now,
        Some(tenant.clone()),
        Record::FaultInjected {
            fault: fault + 1,
            fault_kind: "outage".to_owned(),
            target: format!("document {}", doc.id),
            status: None,
            detail: Some(detail),
        },
    );
    at
}
