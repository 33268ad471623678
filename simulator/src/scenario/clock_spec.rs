//! The `clock:` section: how simulated time moves during a run.
//!
//! The short form `clock: virtual` covers most scenarios; the long form adds a start time and
//! automatic advancing:
//!
//! ```yaml
//! clock: { mode: virtual, start: 2025-01-15T09:00:00+01:00, auto_advance: true }
//! ```
//!
//! These are specifications only: the runtime clock (`crate::clock`) is built from them.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};

use super::suggest;
use crate::clock::ClockMode;

/// What the scenario asks of the clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockSpec {
    pub mode: ClockMode,
    /// Simulated time at the start of the run; the wall-clock time when left out.
    pub start: Option<jiff::Timestamp>,
    /// With a virtual clock, jump to the next due event whenever nothing else is happening,
    /// so a 15-day deadline passes as soon as the run goes idle.
    pub auto_advance: bool,
}

const MODES: &str = "`real`, `virtual` or `scaled:N` (N > 0)";

/// Reads a clock mode with the runtime clock's own parser, and words a refusal for a scenario
/// author: what is accepted, and the nearest mode when the text is a near miss.
pub(crate) fn parse_mode(text: &str) -> Result<ClockMode, String> {
    text.parse::<ClockMode>().map_err(|_| {
        if text.starts_with("scaled") {
            format!(
                "expected `scaled:N` with N a number greater than 0 \
                 (`scaled:60` runs 60 times faster than real time), found `{text}`"
            )
        } else {
            suggest::append(
                format!("expected {MODES}, found `{text}`"),
                text,
                ["real", "virtual", "scaled"],
            )
        }
    })
}

fn mode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ClockMode, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_mode(&text).map_err(de::Error::custom)
}

/// The long form, read as a map and then turned into a [`ClockSpec`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClockFields {
    #[serde(default, deserialize_with = "mode")]
    mode: ClockMode,
    #[serde(default, deserialize_with = "timestamp")]
    start: Option<jiff::Timestamp>,
    #[serde(default)]
    auto_advance: bool,
}

fn timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<jiff::Timestamp>, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map(Some).map_err(|_| {
        de::Error::custom(format!(
            "expected an RFC 3339 timestamp with an offset, such as \
             `2025-01-15T09:00:00+01:00` or `2025-01-15T08:00:00Z`, found `{text}`"
        ))
    })
}

impl<'de> Deserialize<'de> for ClockSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ClockSpecVisitor)
    }
}

struct ClockSpecVisitor;

impl<'de> Visitor<'de> for ClockSpecVisitor {
    type Value = ClockSpec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{MODES}, or a map with `mode`, `start` and `auto_advance`"
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ClockSpec, E> {
        let mode = parse_mode(text).map_err(E::custom)?;
        Ok(ClockSpec {
            mode,
            ..ClockSpec::default()
        })
    }

    // A number or a boolean is not a mode either, but say so in the same words as for text.
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<ClockSpec, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<ClockSpec, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<ClockSpec, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<ClockSpec, E> {
        self.visit_str(&value.to_string())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ClockSpec, A::Error> {
        let fields = ClockFields::deserialize(MapAccessDeserializer::new(map))?;
        Ok(ClockSpec {
            mode: fields.mode,
            start: fields.start,
            auto_advance: fields.auto_advance,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_modes() {
        assert_eq!(parse_mode("real"), Ok(ClockMode::Real));
        assert_eq!(parse_mode("virtual"), Ok(ClockMode::Virtual));
        assert_eq!(parse_mode("scaled:60"), Ok(ClockMode::Scaled(60.0)));
        assert_eq!(parse_mode("scaled:0.5"), Ok(ClockMode::Scaled(0.5)));
    }

    #[test]
    fn refuses_unknown_modes_with_a_suggestion_when_close() {
        assert_eq!(
            parse_mode("fast"),
            Err("expected `real`, `virtual` or `scaled:N` (N > 0), found `fast`".to_owned())
        );
        let (_, help) = suggest::split(&parse_mode("virtaul").unwrap_err());
        assert_eq!(help.as_deref(), Some("did you mean `virtual`?"));
    }

    #[test]
    fn refuses_scale_factors_that_do_not_move_forward() {
        for bad in [
            "scaled",
            "scaled:",
            "scaled60",
            "scaled:0",
            "scaled:-2",
            "scaled:inf",
            "scaled:x",
        ] {
            let message = parse_mode(bad).unwrap_err();
            assert!(
                message.starts_with("expected `scaled:N`"),
                "{bad}: {message}"
            );
        }
    }
}
