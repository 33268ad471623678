//! Exact decimal arithmetic for the BIS Billing rules.
//!
//! The Schematron works on `xs:decimal`, so a validator that sums amounts in `f64` disagrees
//! with the official one exactly where integrators look hardest: on the last cent. Values are
//! kept as an integer count of 10^-scale units, and the rules compare them without ever
//! dividing (a division by a percentage or a base quantity is moved to the other side of the
//! comparison as a multiplication).
//!
//! Every operation is checked: a value too large for `i128` yields `None`, and the rule that
//! needed it is reported as not evaluated instead of being decided on a wrapped number.

use std::cmp::Ordering;

/// More fraction digits than any amount, quantity or price needs; beyond it a value is not
/// evaluated (no invoice has a price with 19 decimals, and it keeps products inside `i128`).
const MAX_SCALE: u32 = 18;
/// Likewise for the integer part.
const MAX_INTEGER_DIGITS: usize = 18;

/// An `xs:decimal` value: `units` × 10^-`scale`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    pub(super) const ZERO: Self = Self { units: 0, scale: 0 };

    /// Reads the `xs:decimal` lexical form (`-12.50`, `+3`, `.5`, `7.`), surrounding
    /// whitespace allowed. No exponent, no thousands separator, no comma.
    pub(super) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int_part) || !all_digits(frac_part) {
            return None;
        }
        let significant = int_part.trim_start_matches('0');
        if significant.len() > MAX_INTEGER_DIGITS || frac_part.len() > MAX_SCALE as usize {
            return None;
        }
        let mut units: i128 = 0;
        for b in significant.bytes().chain(frac_part.bytes()) {
            units = units * 10 + i128::from(b - b'0');
        }
        let scale = u32::try_from(frac_part.len()).ok()?;
        Some(Self {
            units: if negative { -units } else { units },
            scale,
        })
    }

    /// A whole number, for tolerances and constants.
    pub(super) const fn int(value: i128) -> Self {
        Self {
            units: value,
            scale: 0,
        }
    }

    /// `units` hundredths: `Decimal::cents(2)` is 0.02.
    pub(super) const fn cents(units: i128) -> Self {
        Self { units, scale: 2 }
    }

    /// The same value at a larger scale.
    fn rescaled(self, scale: u32) -> Option<i128> {
        let factor = 10i128.checked_pow(scale.checked_sub(self.scale)?)?;
        self.units.checked_mul(factor)
    }

    fn aligned(self, other: Self) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        Some((self.rescaled(scale)?, other.rescaled(scale)?, scale))
    }

    pub(super) fn add(self, other: Self) -> Option<Self> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Self {
            units: a.checked_add(b)?,
            scale,
        })
    }

    pub(super) fn sub(self, other: Self) -> Option<Self> {
        self.add(other.neg())
    }

    pub(super) fn mul(self, other: Self) -> Option<Self> {
        Some(Self {
            units: self.units.checked_mul(other.units)?,
            scale: self.scale.checked_add(other.scale)?,
        })
        .and_then(Self::trimmed)
    }

    pub(super) const fn neg(self) -> Self {
        Self {
            units: -self.units,
            scale: self.scale,
        }
    }

    pub(super) const fn abs(self) -> Self {
        Self {
            units: self.units.abs(),
            scale: self.scale,
        }
    }

    pub(super) fn is_positive(self) -> bool {
        self.units > 0
    }

    /// Drops trailing zero fraction digits, so that long chains of products keep their scale
    /// small.
    fn trimmed(mut self) -> Option<Self> {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        (self.scale <= 2 * MAX_SCALE + 4).then_some(self)
    }

    /// XPath `round(x * 10^places) div 10^places`: half-way values go towards positive
    /// infinity (`round(-2.5)` is `-2`), unlike the banker's or half-away-from-zero rounding
    /// of most libraries.
    pub(super) fn round_half_up(self, places: u32) -> Option<Self> {
        if self.scale <= places {
            return Some(self);
        }
        let divisor = 10i128.checked_pow(self.scale - places)?;
        let half = divisor / 2;
        let units = self.units.checked_add(half)?.div_euclid(divisor);
        Some(Self {
            units,
            scale: places,
        })
    }

    /// The same value written with at least `places` decimals (`21` as `21.00`), for
    /// messages that show amounts.
    pub(super) fn padded(self, places: u32) -> Self {
        match self.rescaled(places) {
            Some(units) if self.scale < places => Self {
                units,
                scale: places,
            },
            _ => self,
        }
    }

    /// Exact comparison, `None` when aligning the scales overflows.
    pub(super) fn compare(self, other: Self) -> Option<Ordering> {
        let (a, b, _) = self.aligned(other)?;
        Some(a.cmp(&b))
    }

    /// `|self - other| <= slack`, the Peppol `u:slack` function.
    pub(super) fn within(self, other: Self, slack: Self) -> Option<bool> {
        let diff = self.sub(other)?.abs();
        Some(diff.compare(slack)? != Ordering::Greater)
    }

    /// `|self - other| < slack`, the strict form the EN 16931 rules use for a 1.00 tolerance
    /// (`x - 1 < y and x + 1 > y`).
    pub(super) fn strictly_within(self, other: Self, slack: Self) -> Option<bool> {
        let diff = self.sub(other)?.abs();
        Some(diff.compare(slack)? == Ordering::Less)
    }

    /// Sum of a sequence, `None` if any addition overflows.
    pub(super) fn sum(values: impl IntoIterator<Item = Self>) -> Option<Self> {
        values
            .into_iter()
            .try_fold(Self::ZERO, |total, value| total.add(value))
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.compare(*other) == Some(Ordering::Equal)
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int_part, frac_part) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int_part}.{frac_part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn parses_the_xs_decimal_lexical_space() {
        assert_eq!(d("12.50"), d("12.5"));
        assert_eq!(d("-0.10").to_string(), "-0.10");
        assert_eq!(d("+3").to_string(), "3");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("7.").to_string(), "7");
        assert_eq!(d(" 100.00 \n").to_string(), "100.00");
        assert_eq!(d("000123.4"), d("123.4"));
        for bad in ["", "-", ".", "1,50", "1e3", "12.5.0", "€5", "NaN", " - 1"] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
        assert!(Decimal::parse("0.1234567890123456789").is_none());
    }

    #[test]
    fn rounds_half_towards_positive_infinity_like_xpath() {
        let r = |s: &str| d(s).round_half_up(2).unwrap().to_string();
        assert_eq!(r("2.345"), "2.35");
        assert_eq!(r("-2.345"), "-2.34");
        assert_eq!(r("2.344999"), "2.34");
        assert_eq!(r("-2.3451"), "-2.35");
        assert_eq!(r("0.005"), "0.01");
        assert_eq!(r("-0.005"), "0.00");
        assert_eq!(r("7.1"), "7.1");
        assert_eq!(d("21").padded(2).to_string(), "21.00");
        assert_eq!(d("-0.5").padded(2).to_string(), "-0.50");
        assert_eq!(d("1.234").padded(2).to_string(), "1.234");
        assert_eq!(d("-2.5").round_half_up(0).unwrap(), Decimal::int(-2));
        assert_eq!(d("0.5").round_half_up(0).unwrap(), Decimal::int(1));
    }

    #[test]
    fn sums_without_binary_fractions() {
        // 0.1 + 0.2 = 0.3 exactly, which f64 gets wrong.
        let total = Decimal::sum([d("0.1"), d("0.2")]).unwrap();
        assert_eq!(total, d("0.3"));
        let many = Decimal::sum(std::iter::repeat_n(d("0.01"), 1000)).unwrap();
        assert_eq!(many, d("10"));
    }

    #[test]
    fn multiplies_and_compares_with_tolerances() {
        let tax = d("100.00").mul(d("21")).unwrap();
        assert_eq!(tax, d("2100"));
        assert_eq!(d("33.333").mul(d("3")).unwrap().to_string(), "99.999");
        assert_eq!(d("1.00").within(d("1.02"), Decimal::cents(2)), Some(true));
        assert_eq!(d("1.00").within(d("1.021"), Decimal::cents(2)), Some(false));
        assert_eq!(
            d("21").strictly_within(d("22"), Decimal::int(1)),
            Some(false)
        );
        assert_eq!(
            d("21").strictly_within(d("21.99"), Decimal::int(1)),
            Some(true)
        );
    }

    #[test]
    fn reports_overflow_instead_of_wrapping() {
        let big = d("999999999999999999.999999999999999999");
        assert!(big.mul(big).and_then(|x| x.mul(big)).is_none());
    }
}
