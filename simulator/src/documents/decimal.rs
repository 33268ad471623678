//! Exact decimal arithmetic for the validators' amount checks (Peppol BIS Billing, SDI).
//!
//! The rules work on `xs:decimal` values and their tolerances are a cent or a euro, so
//! binary floating point would make a check pass or fail on representation noise, exactly
//! where integrators look hardest: on the last cent. A value is an integer count of
//! 10^-scale units, kept at the scale it was written with (`100.00` stays `100.00`, for
//! messages that quote it); sums and products are exact, and the rules never divide (a
//! division by a percentage or a base quantity is moved to the other side of the comparison
//! as a multiplication).
//!
//! Every operation is checked: a value too large for `i128` yields `None`, and the rule that
//! needed it is not evaluated instead of being decided on a wrapped number.

use std::cmp::Ordering;

/// More fraction digits than any amount, quantity or price needs; beyond it a value is not
/// read (no invoice has a price with 19 decimals, and it keeps products inside `i128`).
const MAX_SCALE: u32 = 18;
/// Likewise for the integer part (leading zeros aside).
const MAX_INTEGER_DIGITS: usize = 18;
/// The most fraction digits a product keeps once its trailing zeros are dropped: two read
/// values multiplied, then divided by 100 and a little more.
const MAX_PRODUCT_SCALE: u32 = 2 * MAX_SCALE + 4;

/// An `xs:decimal` value: `units` × 10^-`scale`. `units` is never `i128::MIN`, so that
/// [`Decimal::neg`] and [`Decimal::abs`] cannot overflow. Equality is by value (`22.00` equals
/// `22`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Decimal {
    units: i128,
    scale: u32,
}

impl Decimal {
    pub(super) const ZERO: Self = Self { units: 0, scale: 0 };

    /// Keeps the invariant: `None` for the one `i128` whose negation overflows.
    fn new(units: i128, scale: u32) -> Option<Self> {
        (units != i128::MIN).then_some(Self { units, scale })
    }

    /// Reads the `xs:decimal` lexical form `[+-]?(digits[.digits?]|.digits)` (`-12.50`, `+3`,
    /// `.5`, `7.`), surrounding whitespace allowed. No exponent, no thousands separator, no
    /// comma; at most 18 integer digits (leading zeros aside) and 18 fraction digits. Both
    /// validators read their amounts with it: FatturaPA's only after the format check, whose
    /// patterns (`-?[0-9]{1,12}\.[0-9]{2,8}`) are well inside these limits.
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
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        let scale = u32::try_from(frac_part.len()).ok()?;
        Self::new(if negative { -units } else { units }, scale)
    }

    /// A whole number, for tolerances and constants.
    pub(super) const fn int(value: i64) -> Self {
        Self {
            units: value as i128,
            scale: 0,
        }
    }

    /// `units` hundredths: `Decimal::cents(2)` is 0.02, `Decimal::cents(100)` is 1.00.
    pub(super) const fn cents(units: i64) -> Self {
        Self {
            units: units as i128,
            scale: 2,
        }
    }

    /// How many fraction digits the value is held with (`1.50` has 2; see [`Self::reduced`]).
    pub(super) const fn scale(self) -> u32 {
        self.scale
    }

    pub(super) const fn is_zero(self) -> bool {
        self.units == 0
    }

    pub(super) const fn is_positive(self) -> bool {
        self.units > 0
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

    /// The same value at a larger scale.
    fn rescaled(self, scale: u32) -> Option<i128> {
        let factor = 10i128.checked_pow(scale.checked_sub(self.scale)?)?;
        self.units.checked_mul(factor)
    }

    fn aligned(self, other: Self) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        Some((self.rescaled(scale)?, other.rescaled(scale)?, scale))
    }

    /// The exact sum, at the larger of the two scales.
    pub(super) fn checked_add(self, other: Self) -> Option<Self> {
        let (a, b, scale) = self.aligned(other)?;
        Self::new(a.checked_add(b)?, scale)
    }

    /// The exact difference, at the larger of the two scales.
    pub(super) fn checked_sub(self, other: Self) -> Option<Self> {
        self.checked_add(other.neg())
    }

    /// The exact product, with its trailing zero decimals dropped so that long chains of
    /// products keep their scale small.
    pub(super) fn checked_mul(self, other: Self) -> Option<Self> {
        let units = self.units.checked_mul(other.units)?;
        let scale = self.scale.checked_add(other.scale)?;
        let product = Self::new(units, scale)?.reduced();
        (product.scale <= MAX_PRODUCT_SCALE).then_some(product)
    }

    /// Divides by 100 exactly: a percentage becomes a factor (`22` becomes `0.22`).
    pub(super) fn percent(self) -> Option<Self> {
        self.checked_mul(Self::cents(1))
    }

    /// Sum of a sequence, `None` if any addition overflows.
    pub(super) fn sum(values: impl IntoIterator<Item = Self>) -> Option<Self> {
        values.into_iter().try_fold(Self::ZERO, Self::checked_add)
    }

    /// The same value without trailing zero decimals (`1500.2400` as `1500.24`).
    pub(super) fn reduced(mut self) -> Self {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        self
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

    /// XPath `round(x * 10^places) div 10^places`, as the Peppol Schematron computes its
    /// expected amounts: half-way values go towards positive infinity (`round(-2.5)` is `-2`,
    /// `-2.345` rounds to `-2.34`), unlike the banker's or half-away-from-zero rounding of
    /// most libraries. `None` on overflow.
    pub(super) fn round_half_towards_positive_infinity(self, places: u32) -> Option<Self> {
        if self.scale <= places {
            return Some(self);
        }
        let divisor = 10i128.checked_pow(self.scale - places)?;
        let half = divisor / 2;
        let units = self.units.checked_add(half)?.div_euclid(divisor);
        Self::new(units, places)
    }

    /// Rounds to `places` decimals, halves away from zero (`0.125` to `0.13`, `-0.125` to
    /// `-0.13`): the rule the FatturaPA specifications give for `Imposta` (1500.2458 becomes
    /// 1500.25), which SDI's check 00421 recomputes.
    pub(super) fn round_half_away_from_zero(self, places: u32) -> Self {
        if self.scale <= places {
            return self;
        }
        let Some(divisor) = 10i128.checked_pow(self.scale - places) else {
            // |self| < 10^38 × 10^-scale, far below half a unit of the last place kept.
            return Self {
                units: 0,
                scale: places,
            };
        };
        let quotient = self.units / divisor;
        let remainder = (self.units % divisor).abs();
        let away = i128::from(remainder >= divisor - remainder);
        Self {
            units: quotient + away * self.units.signum(),
            scale: places,
        }
    }

    /// Exact comparison, `None` when aligning the scales overflows.
    pub(super) fn checked_cmp(self, other: Self) -> Option<Ordering> {
        let (a, b, _) = self.aligned(other)?;
        Some(a.cmp(&b))
    }

    /// `|self - other| <= tolerance`: the Peppol `u:slack` function, SDI's cent and euro
    /// tolerances. `None` on overflow.
    pub(super) fn within(self, other: Self, tolerance: Self) -> Option<bool> {
        let difference = self.checked_sub(other)?.abs();
        Some(difference.checked_cmp(tolerance)? != Ordering::Greater)
    }

    /// `|self - other| < tolerance`, the strict form the EN 16931 rules use for a 1.00
    /// tolerance (`x - 1 < y and x + 1 > y`). `None` on overflow.
    pub(super) fn strictly_within(self, other: Self, tolerance: Self) -> Option<bool> {
        let difference = self.checked_sub(other)?.abs();
        Some(difference.checked_cmp(tolerance)? == Ordering::Less)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.checked_cmp(*other) == Some(Ordering::Equal)
    }
}

/// The value at the scale it is held with: `-0.10` as `-0.10`, `3` as `3`.
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
        assert_eq!(d("22.00"), d("22"));
        assert_eq!(d("-0.10"), Decimal::cents(-10));
        assert_eq!(d("-0.10").to_string(), "-0.10");
        assert_eq!(d("+3").to_string(), "3");
        assert_eq!(d("+1.5").to_string(), "1.5");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("7.").to_string(), "7");
        assert_eq!(d(" 100.00 \n").to_string(), "100.00");
        assert_eq!(d("0.00000001").to_string(), "0.00000001");
        assert_eq!(d("000123.4"), d("123.4"));
        for bad in [
            "", "-", "+", ".", "-.", "1,50", "1,00", "1e3", "1e5", "12.5.0", "1.2.3", "€5", "NaN",
            "abc", " - 1", "--1", "+-1",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn parses_up_to_18_integer_and_18_fraction_digits() {
        assert!(Decimal::parse("999999999999999999.999999999999999999").is_some());
        assert!(Decimal::parse("-0000999999999999999999.5").is_some());
        assert!(Decimal::parse("1000000000000000000").is_none());
        assert!(Decimal::parse("0.1234567890123456789").is_none());
        // The widest values FatturaPA's format check lets through.
        assert!(Decimal::parse("-99999999999.99999999").is_some());
        assert!(Decimal::parse("999999999999.99999999").is_some());
    }

    #[test]
    fn rounds_half_towards_positive_infinity_like_xpath() {
        let r = |s: &str| {
            d(s).round_half_towards_positive_infinity(2)
                .unwrap()
                .to_string()
        };
        assert_eq!(r("2.345"), "2.35");
        assert_eq!(r("-2.345"), "-2.34");
        assert_eq!(r("2.344999"), "2.34");
        assert_eq!(r("-2.3451"), "-2.35");
        assert_eq!(r("0.005"), "0.01");
        assert_eq!(r("-0.005"), "0.00");
        assert_eq!(r("7.1"), "7.1");
        let r0 = |s: &str| d(s).round_half_towards_positive_infinity(0).unwrap();
        assert_eq!(r0("-2.5"), Decimal::int(-2));
        assert_eq!(r0("0.5"), Decimal::int(1));
    }

    #[test]
    fn rounds_half_away_from_zero_like_the_fatturapa_specifications() {
        let r = |s: &str| d(s).round_half_away_from_zero(2);
        assert_eq!(r("1500.2448"), d("1500.24"));
        assert_eq!(r("1500.2458"), d("1500.25"));
        assert_eq!(r("0.125"), d("0.13"));
        assert_eq!(r("-0.125"), d("-0.13"));
        assert_eq!(r("-0.1249"), d("-0.12"));
        assert_eq!(r("7"), d("7"));
        assert_eq!(d("-2.5").round_half_away_from_zero(0), Decimal::int(-3));
        // A product with more decimals than 10^places fits in i128 rounds to zero.
        let tiny = d("0.000000000000000001")
            .checked_mul(d("0.000000000000000001"))
            .unwrap()
            .checked_mul(d("0.0001"))
            .unwrap();
        assert_eq!(tiny.round_half_away_from_zero(0), Decimal::ZERO);
    }

    #[test]
    fn pads_and_reduces_for_messages() {
        assert_eq!(d("21").padded(2).to_string(), "21.00");
        assert_eq!(d("-0.5").padded(2).to_string(), "-0.50");
        assert_eq!(d("1.234").padded(2).to_string(), "1.234");
        assert_eq!(d("1500.2400").reduced().to_string(), "1500.24");
        assert_eq!(d("+1.50").reduced().padded(2).to_string(), "1.50");
        assert_eq!(d("100.00").reduced().to_string(), "100");
        assert_eq!(d("100.00").reduced().scale(), 0);
    }

    #[test]
    fn sums_without_binary_fractions() {
        // 0.1 + 0.2 = 0.3 exactly, which f64 gets wrong.
        assert_eq!(d("0.1").checked_add(d("0.2")), Some(d("0.3")));
        let total = Decimal::sum([d("0.1"), d("0.2")]).unwrap();
        assert_eq!(total, d("0.3"));
        let many = Decimal::sum(std::iter::repeat_n(d("0.01"), 1000)).unwrap();
        assert_eq!(many, d("10"));
        assert_eq!(
            d("10.00").checked_sub(d("2.5")).unwrap().to_string(),
            "7.50"
        );
    }

    #[test]
    fn multiplies_and_compares_with_tolerances() {
        let tax = d("100.00").checked_mul(d("21")).unwrap();
        assert_eq!(tax, d("2100"));
        assert_eq!(
            d("33.333").checked_mul(d("3")).unwrap().to_string(),
            "99.999"
        );
        assert_eq!(d("22.00").percent().unwrap().to_string(), "0.22");
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
        assert_eq!(d("-3").abs(), d("3"));
        assert_eq!(d("3").neg(), d("-3"));
        assert!(d("0.00").is_zero() && !d("0.00").is_positive() && d("0.01").is_positive());
    }

    #[test]
    fn cascading_percentages_match_the_official_fatturapa_example() {
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
    fn reports_overflow_instead_of_wrapping() {
        let big = d("999999999999999999.999999999999999999");
        assert!(
            big.checked_mul(big)
                .and_then(|x| x.checked_mul(big))
                .is_none()
        );
        let amount = d("99999999999.99999999");
        let mut v = amount;
        let mut overflowed = false;
        for _ in 0..6 {
            match v.checked_mul(amount) {
                Some(next) => v = next,
                None => {
                    overflowed = true;
                    break;
                }
            }
        }
        assert!(overflowed);
        // -(2^64) × 2^63 is exactly i128::MIN, whose negation would overflow.
        let min = d("-18446.744073709551616").checked_mul(d("9.223372036854775808"));
        assert!(min.is_none());
    }
}
