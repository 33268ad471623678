//! What is wrong with a scenario file, said so that it can be fixed without reading our code.
//!
//! Each error names the file, line and column, what was expected and what was found, and when
//! the mistake looks like a typo, the likely intended spelling. The rendering is what
//! `eisim check` prints and what snapshot tests lock down:
//!
//! ```text
//! scenarios/typo.yaml:4:1: error[unknown-key]: unknown key `behavours` in scenario; expected one of `name`, ...
//!   help: did you mean `behaviours`?
//! ```

use std::fmt;

use super::positions::Position;

/// Every error found in one scenario source.
///
/// A file that does not deserialize yields one error (serde stops at the first); a file that
/// deserializes but breaks cross-field rules yields all of them at once, so an author fixes a
/// file in one round.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioErrors {
    /// The file path, or `<embedded default>` / `<request body>` for sources without one.
    pub origin: String,
    pub errors: Vec<ScenarioError>,
}

impl ScenarioErrors {
    pub fn single(origin: impl Into<String>, error: ScenarioError) -> Self {
        Self {
            origin: origin.into(),
            errors: vec![error],
        }
    }
}

impl fmt::Display for ScenarioErrors {
    /// Blocks separated by a blank line, each starting with `origin:line:column:`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = &self.origin;
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("\n\n")?;
            }
            match error.location() {
                Some(_) => write!(f, "{origin}:{error}")?,
                None => write!(f, "{origin}: {error}")?,
            }
        }
        Ok(())
    }
}

/// One problem in a scenario source.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// 1-based; `None` when the problem has no place in the text (the file cannot be read).
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub kind: ScenarioErrorKind,
    /// What was expected and what was found.
    pub message: String,
    /// A `help:` line: the likely intended spelling, or how to fix the problem.
    pub suggestion: Option<String>,
}

impl ScenarioError {
    pub fn new(kind: ScenarioErrorKind, message: impl Into<String>) -> Self {
        Self {
            line: None,
            column: None,
            kind,
            message: message.into(),
            suggestion: None,
        }
    }

    #[must_use]
    pub fn at(mut self, line: u64, column: u64) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    #[must_use]
    pub(crate) fn at_position(mut self, position: Option<Position>) -> Self {
        self.line = position.map(|p| p.line);
        self.column = position.map(|p| p.column);
        self
    }

    #[must_use]
    pub fn with_suggestion(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    /// `(line, column)`, when the error has a place in the text.
    pub fn location(&self) -> Option<(u64, u64)> {
        Some((self.line?, self.column.unwrap_or(1)))
    }
}

impl fmt::Display for ScenarioError {
    /// `line:column: error[code]: message`, then the help line if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.location() {
            write!(f, "{line}:{column}: ")?;
        }
        write!(f, "error[{}]: {}", self.kind, self.message)?;
        if let Some(suggestion) = &self.suggestion {
            write!(f, "\n  help: {suggestion}")?;
        }
        Ok(())
    }
}

/// The class of a scenario error; [`as_str`](Self::as_str) is a stable code for tests and CI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScenarioErrorKind {
    /// Not well-formed YAML, or not a single mapping.
    Syntax,
    /// A key the section does not have, usually a typo.
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// The same key twice in one mapping, or the same id twice in the scenario.
    Duplicate,
    /// A value of the wrong shape: text where a number is needed, a map where a list is.
    WrongType,
    /// A value of the right shape that is not allowed: a bad duration, an unknown network,
    /// a participant id that does not fit its network, a tenant that does not exist.
    BadValue,
    /// The file could not be read.
    Io,
}

impl ScenarioErrorKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Syntax => "syntax",
            Self::UnknownKey => "unknown-key",
            Self::MissingKey => "missing-key",
            Self::Duplicate => "duplicate",
            Self::WrongType => "wrong-type",
            Self::BadValue => "bad-value",
            Self::Io => "io",
        }
    }
}

impl fmt::Display for ScenarioErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
