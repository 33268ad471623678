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
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};

use super::suggest;

/// What the scenario asks of the clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockSpec {
    pub mode: ClockModeSpec,
    /// Simulated time at the start of the run; the wall-clock time when left out.
    pub start: Option<jiff::Timestamp>,
    /// With a virtual clock, jump to the next due event whenever nothing else is happening,
    /// so a 15-day deadline passes as soon as the run goes idle.
    pub auto_advance: bool,
}

/// How fast simulated time runs against the wall clock.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum ClockModeSpec {
    /// Simulated time is wall-clock time.
    #[default]
    Real,
    /// Time moves only when advanced (control API, suite, or `auto_advance`).
    Virtual,
    /// Time runs this many times faster than the wall clock (always > 0).
    Scaled(f64),
}

const MODES: &str = "`real`, `virtual` or `scaled:N` (N > 0)";

impl FromStr for ClockModeSpec {
    /// A message for the scenario author, which may end in a "did you mean" suggestion.
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "real" => return Ok(Self::Real),
            "virtual" => return Ok(Self::Virtual),
            _ => {}
        }
        if text.starts_with("scaled") {
            let factor = text.strip_prefix("scaled:").map(str::parse::<f64>);
            return match factor {
                Some(Ok(factor)) if factor.is_finite() && factor > 0.0 => Ok(Self::Scaled(factor)),
                _ => Err(format!(
                    "expected `scaled:N` with N a number greater than 0 \
                     (`scaled:60` runs 60 times faster than real time), found `{text}`"
                )),
            };
        }
        Err(suggest::append(
            format!("expected {MODES}, found `{text}`"),
            text,
            ["real", "virtual", "scaled"],
        ))
    }
}

impl fmt::Display for ClockModeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Real => f.write_str("real"),
            Self::Virtual => f.write_str("virtual"),
            Self::Scaled(factor) => write!(f, "scaled:{factor}"),
        }
    }
}

impl<'de> Deserialize<'de> for ClockModeSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// The long form, read as a map and then turned into a [`ClockSpec`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClockFields {
    #[serde(default)]
    mode: ClockModeSpec,
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
        let mode = text.parse().map_err(E::custom)?;
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
        assert_eq!("real".parse(), Ok(ClockModeSpec::Real));
        assert_eq!("virtual".parse(), Ok(ClockModeSpec::Virtual));
        assert_eq!("scaled:60".parse(), Ok(ClockModeSpec::Scaled(60.0)));
        assert_eq!("scaled:0.5".parse(), Ok(ClockModeSpec::Scaled(0.5)));
    }

    #[test]
    fn refuses_unknown_modes_with_a_suggestion_when_close() {
        assert_eq!(
            "fast".parse::<ClockModeSpec>(),
            Err("expected `real`, `virtual` or `scaled:N` (N > 0), found `fast`".to_owned())
        );
        let (_, help) = suggest::split(&"virtaul".parse::<ClockModeSpec>().unwrap_err());
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
            let message = bad.parse::<ClockModeSpec>().unwrap_err();
            assert!(
                message.starts_with("expected `scaled:N`"),
                "{bad}: {message}"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for mode in [
            ClockModeSpec::Real,
            ClockModeSpec::Virtual,
            ClockModeSpec::Scaled(60.0),
            ClockModeSpec::Scaled(1.5),
        ] {
            assert_eq!(mode.to_string().parse(), Ok(mode));
        }
    }
}
