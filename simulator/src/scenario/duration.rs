//! Durations as scenario authors write them: `500ms`, `90s`, `5m`, `2h`, `15d`, `1h30m`.
//!
//! Every delay in a scenario (outcome delays, fault windows, token lifetimes, webhook retry
//! schedules) is one of these. A bare number is refused rather than guessed: `after: 5` could
//! mean seconds to one author and minutes to the next, and a silent factor of 60 in a 15-day
//! SDI deadline is exactly the kind of bug a simulator must not introduce.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The units a scenario may use, largest first: a compound duration must list them in this
/// order (`1h30m`, not `30m1h`), so there is one way to read each value.
const UNITS: [(&str, u128); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// What a duration looks like, repeated in every error so the fix is in the message.
pub(crate) const EXPECTED: &str = "a duration such as 90s, 5m, 2h or 15d";

/// A span of simulated time, written with units in scenario files.
///
/// Millisecond precision is enough for every delay the networks have, and keeps [`Display`]
/// output exact: what is printed parses back to the same value.
///
/// [`Display`]: fmt::Display
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(std::time::Duration);

impl Duration {
    pub const ZERO: Self = Self(std::time::Duration::ZERO);

    pub const fn from_millis(millis: u64) -> Self {
        Self(std::time::Duration::from_millis(millis))
    }

    pub const fn from_secs(secs: u64) -> Self {
        Self(std::time::Duration::from_secs(secs))
    }

    pub const fn as_std(self) -> std::time::Duration {
        self.0
    }
}

impl From<std::time::Duration> for Duration {
    /// Sub-millisecond precision is dropped, so that every value can be written back.
    fn from(value: std::time::Duration) -> Self {
        Self::from_millis(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }
}

impl From<Duration> for std::time::Duration {
    fn from(value: Duration) -> Self {
        value.0
    }
}

/// Why a string is not a duration; the message is what a scenario author reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DurationError {
    message: String,
}

impl DurationError {
    fn new(found: &str, why: Option<&str>) -> Self {
        let message = match why {
            Some(why) => format!("expected {EXPECTED}, found `{found}` ({why})"),
            None => format!("expected {EXPECTED}, found `{found}`"),
        };
        Self { message }
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(DurationError::new(text, Some("it is empty")));
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DurationError::new(
                text,
                Some("a bare number is ambiguous: add a unit such as s, m, h or d"),
            ));
        }

        let mut rest = text;
        let mut total: u128 = 0;
        // Index into UNITS of the last unit seen: each next unit must be strictly smaller.
        let mut previous_unit: Option<usize> = None;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(DurationError::new(text, None));
            }
            let (number, after_number) = rest.split_at(digits);
            let letters = after_number
                .bytes()
                .take_while(u8::is_ascii_alphabetic)
                .count();
            let (unit, after_unit) = after_number.split_at(letters);
            let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
                let why = if unit.is_empty() {
                    None
                } else {
                    Some("units are ms, s, m, h and d")
                };
                return Err(DurationError::new(text, why));
            };
            if previous_unit.is_some_and(|previous| previous >= index) {
                return Err(DurationError::new(
                    text,
                    Some("write each unit once, largest first, as in 1h30m"),
                ));
            }
            previous_unit = Some(index);

            let value: u128 = number
                .parse()
                .map_err(|_| DurationError::new(text, Some("the number is too large")))?;
            total = value
                .checked_mul(UNITS[index].1)
                .and_then(|millis| total.checked_add(millis))
                .ok_or_else(|| DurationError::new(text, Some("the number is too large")))?;
            rest = after_unit;
        }

        let millis = u64::try_from(total)
            .map_err(|_| DurationError::new(text, Some("the number is too large")))?;
        Ok(Self::from_millis(millis))
    }
}

impl fmt::Display for Duration {
    /// Largest units first, zero parts left out: 90 seconds prints as `1m30s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0.as_millis();
        if rest == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in UNITS {
            let count = rest / size;
            if count > 0 {
                write!(f, "{count}{unit}")?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(DurationVisitor)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        text.parse().map_err(E::custom)
    }

    // Self-describing formats (JSON bodies on the control API) hand numbers over as numbers;
    // they are refused for the same reason as in YAML.
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Duration, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Duration, E> {
        Err(E::custom(DurationError::new(&number.to_string(), None)))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Duration, E> {
        Err(E::custom(DurationError::new(&number.to_string(), None)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Duration, String> {
        text.parse::<Duration>().map_err(|e| e.to_string())
    }

    #[test]
    fn single_units() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7_200)));
        assert_eq!(parse("15d"), Ok(Duration::from_secs(15 * 86_400)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn compound_units_largest_first() {
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(
            parse("2d3h4m5s6ms"),
            Ok(Duration::from_millis(
                ((2 * 24 + 3) * 3_600 + 4 * 60 + 5) * 1_000 + 6
            ))
        );
    }

    #[test]
    fn bare_numbers_are_ambiguous() {
        assert_eq!(
            parse("5").unwrap_err(),
            "expected a duration such as 90s, 5m, 2h or 15d, found `5` \
             (a bare number is ambiguous: add a unit such as s, m, h or d)"
        );
    }

    #[test]
    fn rejects_words_spaces_and_unknown_units() {
        assert_eq!(
            parse("5 minutes").unwrap_err(),
            "expected a duration such as 90s, 5m, 2h or 15d, found `5 minutes`"
        );
        assert_eq!(
            parse("10x").unwrap_err(),
            "expected a duration such as 90s, 5m, 2h or 15d, found `10x` \
             (units are ms, s, m, h and d)"
        );
        for bad in ["", "m", "1.5h", "-5s", "1h 30m", "5S", "h1"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn rejects_units_out_of_order_or_repeated() {
        for bad in ["30m1h", "1m1m", "1s1m"] {
            assert!(
                parse(bad).unwrap_err().contains("largest first"),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn rejects_overflow() {
        assert!(
            parse("99999999999999999999999d")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse("213503982336d").unwrap_err().contains("too large"));
    }

    #[test]
    fn displays_largest_units_first() {
        assert_eq!(Duration::from_secs(90).to_string(), "1m30s");
        assert_eq!(Duration::from_secs(15 * 86_400).to_string(), "15d");
        assert_eq!(Duration::from_millis(1_500).to_string(), "1s500ms");
        assert_eq!(Duration::ZERO.to_string(), "0s");
    }

    #[test]
    fn display_round_trips() {
        for millis in [
            0,
            1,
            999,
            1_000,
            61_001,
            5_400_000,
            86_400_000,
            1_296_000_123,
        ] {
            let duration = Duration::from_millis(millis);
            assert_eq!(parse(&duration.to_string()), Ok(duration), "{millis} ms");
        }
        for text in ["500ms", "90s", "5m", "2h", "15d", "1h30m", "1d12h"] {
            let duration = parse(text).unwrap();
            assert_eq!(parse(&duration.to_string()), Ok(duration), "{text}");
        }
    }

    #[test]
    fn converts_to_and_from_std() {
        let std = std::time::Duration::from_micros(1_500_700);
        assert_eq!(Duration::from(std), Duration::from_millis(1_500));
        assert_eq!(
            std::time::Duration::from(Duration::from_secs(2)),
            std::time::Duration::from_secs(2)
        );
    }
}
