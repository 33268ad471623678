//! Where things are written in a scenario file, for the checks that run after deserialization.
//!
//! The model ([`Scenario`](super::Scenario)) holds plain values so that the rest of the crate
//! never deals with source positions. The checks that need the whole scenario (duplicate ids,
//! a participant naming an unknown tenant) still point at `file:line:column`: once the typed
//! parse has succeeded, the same text is read a second time into these shadow structs, which
//! keep the position of each value those checks report on and ignore everything else. Lists
//! line up index by index with the model's.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::Spanned;

/// 1-based line and column of a value or key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Position {
    pub(crate) line: u64,
    pub(crate) column: u64,
}

type Located = Option<Spanned<IgnoredAny>>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ScenarioPositions {
    clock: Located,
    tenants: Vec<TenantPositions>,
    participants: Vec<ParticipantPositions>,
    faults: Vec<Spanned<FaultPositions>>,
    steps: Vec<Spanned<IgnoredAny>>,
    expect: Vec<Spanned<IgnoredAny>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TenantPositions {
    id: Located,
    credentials: Vec<CredentialPositions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CredentialPositions {
    client_id: Located,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ParticipantPositions {
    id: Located,
    tenant: Located,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FaultPositions {
    path: Located,
}

impl ScenarioPositions {
    pub(crate) fn clock(&self) -> Option<Position> {
        position(&self.clock)
    }

    pub(crate) fn tenant_id(&self, tenant: usize) -> Option<Position> {
        position(&self.tenants.get(tenant)?.id)
    }

    pub(crate) fn client_id(&self, tenant: usize, credential: usize) -> Option<Position> {
        position(
            &self
                .tenants
                .get(tenant)?
                .credentials
                .get(credential)?
                .client_id,
        )
    }

    pub(crate) fn participant_id(&self, participant: usize) -> Option<Position> {
        position(&self.participants.get(participant)?.id)
    }

    pub(crate) fn participant_tenant(&self, participant: usize) -> Option<Position> {
        position(&self.participants.get(participant)?.tenant)
    }

    /// Where fault `fault` (from 0) starts.
    pub(crate) fn fault(&self, fault: usize) -> Option<Position> {
        location(self.faults.get(fault)?.referenced)
    }

    /// Where step `step` (from 0) starts: its key.
    pub(crate) fn step(&self, step: usize) -> Option<Position> {
        location(self.steps.get(step)?.referenced)
    }

    /// Where rule id `index` (from 0) of `expect` is written.
    pub(crate) fn expected_rule(&self, index: usize) -> Option<Position> {
        location(self.expect.get(index)?.referenced)
    }

    /// Where fault `fault`'s `path` is written, or else where the fault starts.
    pub(crate) fn fault_path(&self, fault: usize) -> Option<Position> {
        position(&self.faults.get(fault)?.value.path).or_else(|| self.fault(fault))
    }
}

/// Where a value is used: for a value reached through a YAML alias, the alias, which is the
/// place in the text that belongs to this particular entry.
fn position(located: &Located) -> Option<Position> {
    location(located.as_ref()?.referenced)
}

fn location(location: serde_saphyr::Location) -> Option<Position> {
    // Line 0 is serde-saphyr's "unknown".
    (location.line() > 0).then(|| Position {
        line: location.line(),
        column: location.column(),
    })
}

/// Where a top-level key is written. In block style, the only style scenario files use for
/// the top level, such a key is the only text that can start a line at column 1.
pub(crate) fn top_level_key(source: &str, key: &str) -> Option<Position> {
    source.lines().zip(1..).find_map(|(line, number)| {
        let rest = line
            .strip_prefix(key)
            .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| line.strip_prefix(&format!("'{key}'")))?;
        rest.trim_start().starts_with(':').then_some(Position {
            line: number,
            column: 1,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_top_level_keys_at_the_start_of_a_line() {
        let source = "name: x\ndescription: |\n  behaviours: not a key\n\"behaviours\" : []\n";
        assert_eq!(
            top_level_key(source, "behaviours"),
            Some(Position { line: 4, column: 1 })
        );
        assert_eq!(top_level_key(source, "faults"), None);
    }
}
