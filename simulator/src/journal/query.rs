//! Selecting entries: the filters `/_sim/journal` takes and the suite uses.

use jiff::Timestamp;
use serde::Deserialize;

use super::record::{JournalEntry, RecordKind};
use crate::vocabulary::TenantId;

/// Which entries a reader wants. Every field narrows; the default selects everything.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    pub tenant: Option<TenantId>,
    pub kind: Option<RecordKind>,
    /// Simulated time, inclusive.
    pub since: Option<Timestamp>,
    /// Simulated time, exclusive.
    pub until: Option<Timestamp>,
    /// Only entries with a sequence number above this one (for tailing).
    pub after_seq: Option<u64>,
    /// At most this many entries, the oldest first.
    pub limit: Option<usize>,
}

impl JournalQuery {
    pub(super) fn matches(&self, entry: &JournalEntry) -> bool {
        self.tenant
            .as_ref()
            .is_none_or(|t| entry.tenant.as_ref() == Some(t))
            && self.kind.is_none_or(|k| entry.record.kind() == k)
            && self.since.is_none_or(|t| entry.sim_time >= t)
            && self.until.is_none_or(|t| entry.sim_time < t)
            && self.after_seq.is_none_or(|s| entry.seq > s)
    }
}
