//! What the sections share about ids: they are looked up by exact text, so each must be
//! well-formed, and unique where the scenario finds things by it, with the error pointing at
//! the first use.

use std::collections::HashMap;

use crate::scenario::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::positions::Position;

/// Ids are looked up by exact text, so surrounding spaces would make them unreachable.
pub(super) fn check_identifier(id: &str, what: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        Err(format!("expected a {what}, found an empty value"))
    } else if id.trim() != id || id.chars().any(char::is_control) {
        Err(format!(
            "expected a {what} without surrounding spaces or control characters, found `{}`",
            id.escape_debug()
        ))
    } else {
        Ok(())
    }
}

pub(super) fn duplicate(
    what: &str,
    id: &str,
    position: Option<Position>,
    first: Option<Position>,
) -> ScenarioError {
    let message = match first {
        Some(first) => format!(
            "duplicate {what} `{id}`; it is already used at line {}",
            first.line
        ),
        None => format!("duplicate {what} `{id}`"),
    };
    ScenarioError::new(Kind::Duplicate, message).at_position(position)
}

/// Remembers where each id was first written.
#[derive(Default)]
pub(super) struct FirstSeen<'a> {
    positions: HashMap<&'a str, Option<Position>>,
}

impl<'a> FirstSeen<'a> {
    /// `None` the first time; then `Some` with the first occurrence's position.
    pub(super) fn insert(
        &mut self,
        id: &'a str,
        position: Option<Position>,
    ) -> Option<Option<Position>> {
        match self.positions.get(id) {
            Some(first) => Some(*first),
            None => {
                self.positions.insert(id, position);
                None
            }
        }
    }
}
