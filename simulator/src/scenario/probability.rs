//! Chances between 0 and 1: how often a behaviour applies, how many webhooks are duplicated.
//!
//! Checked while the file is read, so `duplicate_rate: 10` (meant as 10 %) is an error at its
//! own line and column instead of a rate that silently means "always".

use std::fmt;

use serde::de::{self, Deserialize, Deserializer};

/// A probability in `0.0..=1.0`, drawn against the scenario's seeded random source.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Probability(f64);

impl Probability {
    pub const NEVER: Self = Self(0.0);
    pub const ALWAYS: Self = Self(1.0);

    /// `None` unless `value` is a finite number from 0 to 1.
    pub fn new(value: f64) -> Option<Self> {
        (0.0..=1.0).contains(&value).then_some(Self(value))
    }

    pub const fn get(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Self::new(value).ok_or_else(|| {
            de::Error::custom(format!(
                "expected a probability from 0 to 1 (0.1 means 10 %), found `{value}`"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_closed_unit_interval() {
        assert_eq!(Probability::new(0.0), Some(Probability::NEVER));
        assert_eq!(Probability::new(1.0), Some(Probability::ALWAYS));
        assert_eq!(Probability::new(0.25).map(Probability::get), Some(0.25));
    }

    #[test]
    fn refuses_values_outside_it() {
        for value in [-0.1, 1.01, 10.0, f64::NAN, f64::INFINITY] {
            assert_eq!(Probability::new(value), None, "{value}");
        }
    }
}
