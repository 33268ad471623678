//! Exact decimal arithmetic for SDI's amount checks (00421, 00422, 00423).
//!
//! FatturaPA amounts carry up to 8 decimals and SDI's tolerances are a cent or a euro, so
//! binary floating point would make a check pass or fail on representation noise. A value is
//! an integer count of 10^-scale units; sums and products are exact, and an operation that
//! would overflow returns `None` so the caller skips the check instead of guessing.

use std::cmp::Ordering;

/// Beyond what any FatturaPA amount needs (8 decimals, times a few cascading percentages).
const MAX_SCALE: u32 = 30;

/// Always kept reduced (no trailing zero decimals), so equal values compare equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    pub(super) const ZERO: Self = Self { units: 0, scale: 0 };

    /// Reads `[-+]?digits[.digits]`, the lexical form of `xs:decimal`.
    pub(super) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let scale = u32::try_from(frac.len()).ok().filter(|s| *s <= MAX_SCALE)?;
        let mut units: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        Some(
            Self {
                units: if negative { -units } else { units },
                scale,
            }
            .reduced(),
        )
    }

    /// A whole number of hundredths: `cents(1)` is 0.01, `cents(100)` is 1.00.
    pub(super) fn cents(units: i128) -> Self {
        Self { units, scale: 2 }.reduced()
    }

    pub(super) const fn is_zero(self) -> bool {
        self.units == 0
    }

    pub(super) fn abs(self) -> Self {
        Self {
            units: self.units.abs(),
            scale: self.scale,
        }
    }

    pub(super) fn checked_add(self, other: Self) -> Option<Self> {
        let scale = self.scale.max(other.scale);
        let sum = self.units_at(scale)?.checked_add(other.units_at(scale)?)?;
        Some(Self { units: sum, scale }.reduced())
    }

    pub(super) fn checked_sub(self, other: Self) -> Option<Self> {
        self.checked_add(Self {
            units: other.units.checked_neg()?,
            scale: other.scale,
        })
    }

    pub(super) fn checked_mul(self, other: Self) -> Option<Self> {
        let scale = self.scale + other.scale;
        if scale > MAX_SCALE {
            return None;
        }
        Some(
            Self {
                units: self.units.checked_mul(other.units)?,
                scale,
            }
            .reduced(),
        )
    }

    /// Divides by 100 exactly: a percentage becomes a factor.
    pub(super) fn percent(self) -> Option<Self> {
        let scale = self.scale + 2;
        (scale <= MAX_SCALE).then(|| {
            Self {
                units: self.units,
                scale,
            }
            .reduced()
        })
    }

    /// Rounds to `decimals` places, halves away from zero (the rule the specifications give
    /// for `Imposta`: 1500.2458 becomes 1500.25).
    pub(super) fn round(self, decimals: u32) -> Self {
        if self.scale <= decimals {
            return self;
        }
        let divisor = 10_i128.pow(self.scale - decimals);
        let quotient = self.units / divisor;
        let remainder = (self.units % divisor).abs();
        let away = if remainder * 2 >= divisor { 1 } else { 0 };
        Self {
            units: quotient + away * self.units.signum(),
            scale: decimals,
        }
        .reduced()
    }

    fn units_at(self, scale: u32) -> Option<i128> {
        self.units
            .checked_mul(10_i128.checked_pow(scale - self.scale)?)
    }

    /// Drops trailing zero decimals, so values stay small through long computations.
    fn reduced(mut self) -> Self {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        self
    }

    /// Compares exactly; `None` only if aligning the scales would overflow.
    pub(super) fn checked_cmp(self, other: Self) -> Option<Ordering> {
        let scale = self.scale.max(other.scale);
        Some(self.units_at(scale)?.cmp(&other.units_at(scale)?))
    }

    /// Whether `self` and `other` differ by no more than `tolerance`; `None` on overflow.
    pub(super) fn within(self, other: Self, tolerance: Self) -> Option<bool> {
        let difference = self.checked_sub(other)?.abs();
        Some(difference.checked_cmp(tolerance)? != Ordering::Greater)
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = if self.scale < 2 {
            self.units_at(2).map(|u| (u, 2))
        } else {
            Some((self.units, self.scale))
        };
        let Some((units, scale)) = shown else {
            return write!(f, "{}e-{}", self.units, self.scale);
        };
        let divisor = 10_i128.pow(scale);
        let sign = if units < 0 { "-" } else { "" };
        let (int, frac) = (units.abs() / divisor, units.abs() % divisor);
        write!(f, "{sign}{int}.{frac:0width$}", width = scale as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn parses_and_compares_exactly() {
        assert_eq!(d("22.00"), d("22"));
        assert_eq!(d("-0.10"), Decimal::cents(-10));
        assert_eq!(d("+1.5").to_string(), "1.50");
        assert_eq!(d("0.00000001").to_string(), "0.00000001");
        for bad in ["", "-", ".", "1.2.3", "1e5", "abc", "1,00"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
        assert_eq!(d("0.1").checked_add(d("0.2")), Some(d("0.3")));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(d("1500.2448").round(2), d("1500.24"));
        assert_eq!(d("1500.2458").round(2), d("1500.25"));
        assert_eq!(d("0.125").round(2), d("0.13"));
        assert_eq!(d("-0.125").round(2), d("-0.13"));
        assert_eq!(d("7").round(2), d("7"));
    }

    #[test]
    fn cascading_percentages_match_the_official_example() {
        // Elenco controlli, 00423 case 2: 500.00 less 8.50 %, 5.15 %, 3.00 %, times 100.
        let mut price = d("500.00");
        for p in ["8.50", "5.15", "3.00"] {
            let cut = price.checked_mul(d(p).percent().unwrap()).unwrap();
            price = price.checked_sub(cut).unwrap();
        }
        let total = price.checked_mul(d("100.00")).unwrap();
        assert_eq!(total, d("42092.05875"));
        let cent = Decimal::cents(1);
        assert_eq!(d("42092.05").within(total, cent), Some(true));
        assert_eq!(d("42092.06").within(total, cent), Some(true));
        assert_eq!(d("42092.07").within(total, cent), Some(false));
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        let big = d("99999999999.99999999");
        let mut v = big;
        let mut overflowed = false;
        for _ in 0..6 {
            match v.checked_mul(big) {
                Some(next) => v = next,
                None => {
                    overflowed = true;
                    break;
                }
            }
        }
        assert!(overflowed);
    }
}
