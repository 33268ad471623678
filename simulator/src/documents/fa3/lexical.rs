//! The FA(3) simple types, checked the way an XSD validator checks them: first the lexical
//! space of the built-in base type (`xsd:decimal`, `xsd:date`, ...), then the schema's facets
//! (pattern, length, range). Each check says which of the two failed, because the validator's
//! message differs.

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime};

use super::messages;

/// Why a value was refused, as the facet text of the validator's message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Not in the lexical space of the built-in type (the name is .NET's: `Decimal`, `Date`).
    NotValid(&'static str),
    Facet(&'static str),
}

impl Refusal {
    /// The part of the validator's message after the datatype.
    pub(super) fn reason(&self, value: &str) -> String {
        match self {
            Self::NotValid(builtin) => messages::not_valid(value, builtin),
            Self::Facet(text) => (*text).to_owned(),
        }
    }
}

/// `TNrNIP`: `[1-9]((\d[1-9])|([1-9]\d))\d{7}`, ten digits whose first is not 0 and whose
/// second and third are not both 0.
pub(super) fn is_nip(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b.iter().all(u8::is_ascii_digit)
        && b[0] != b'0'
        && (b[1] != b'0' || b[2] != b'0')
}

/// The NIP check digit: Σ dᵢ·wᵢ mod 11 over the first nine digits must equal the tenth (a
/// remainder of 10 is never valid). KSeF enforces it on production only.
pub(crate) fn nip_checksum_ok(nip: &str) -> bool {
    const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    let digits: Vec<u32> = nip.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 {
        return false;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    let check = sum % 11;
    check != 10 && Some(&check) == digits.last()
}

/// An amount type: `TKwotowy` (16 integer digits, 2 decimals), `TKwotowy2` (14, 8) or
/// `TIlosci` (16, 6). Their patterns are `-?([1-9]\d{0,n}|0)(\.\d{1,m})?`: no plus sign, no
/// leading zeros, no trailing point, no exponent.
#[derive(Clone, Copy, Debug)]
pub(super) struct Amount {
    pub(super) datatype: &'static str,
    integer_digits: usize,
    fraction_digits: usize,
}

pub(super) const KWOTOWY: Amount = Amount {
    datatype: "TKwotowy",
    integer_digits: 16,
    fraction_digits: 2,
};
pub(super) const KWOTOWY2: Amount = Amount {
    datatype: "TKwotowy2",
    integer_digits: 14,
    fraction_digits: 8,
};
pub(super) const ILOSCI: Amount = Amount {
    datatype: "TIlosci",
    integer_digits: 16,
    fraction_digits: 6,
};

impl Amount {
    pub(super) fn check(&self, value: &str) -> Result<(), Refusal> {
        if !is_xsd_decimal(value) {
            return Err(Refusal::NotValid("Decimal"));
        }
        let unsigned = value.strip_prefix('-').unwrap_or(value);
        let (integer, fraction) = match unsigned.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (unsigned, None),
        };
        let integer_ok = integer == "0"
            || (!integer.is_empty()
                && integer.bytes().all(|b| b.is_ascii_digit())
                && !integer.starts_with('0')
                && integer.len() <= self.integer_digits);
        let fraction_ok = fraction.is_none_or(|f| !f.is_empty() && f.len() <= self.fraction_digits);
        if integer_ok && fraction_ok {
            Ok(())
        } else {
            Err(Refusal::Facet(messages::PATTERN))
        }
    }
}

/// The lexical space of `xsd:decimal`: `[+-]?(\d+(\.\d*)?|\.\d+)`.
fn is_xsd_decimal(value: &str) -> bool {
    let unsigned = value
        .strip_prefix('-')
        .or_else(|| value.strip_prefix('+'))
        .unwrap_or(value);
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, f),
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!integer.is_empty() || !fraction.is_empty()) && digits(integer) && digits(fraction)
}

/// `TNaturalny`: an `xsd:nonNegativeInteger` of at most 14 digits, greater than zero.
pub(super) fn natural(value: &str) -> Result<(), Refusal> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal::NotValid("Integer"));
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 14 {
        Err(Refusal::Facet("The TotalDigits constraint failed."))
    } else if significant.is_empty() {
        Err(Refusal::Facet("The MinExclusive constraint failed."))
    } else {
        Ok(())
    }
}

/// An `xsd:byte` or `xsd:integer` restricted to a few values (`TWybor1`, `TWybor1_2`, `JST`,
/// `GV`): compared as numbers, so `01` is 1, as in the XSD's value space.
pub(super) fn choice_number(
    value: &str,
    allowed: &[i64],
    builtin: &'static str,
) -> Result<(), Refusal> {
    match value.parse::<i64>() {
        Err(_) => Err(Refusal::NotValid(builtin)),
        Ok(n) if allowed.contains(&n) => Ok(()),
        Ok(_) => Err(Refusal::Facet(messages::ENUMERATION)),
    }
}

/// `TDataT` (`etd:TData` with its `\d{4}-\d{2}-\d{2}` pattern), between `min` and `max`.
pub(super) fn date(value: &str, min: Date, max: Date) -> Result<Date, Refusal> {
    let date = strict_date(value).ok_or(Refusal::NotValid("Date"))?;
    if date < min {
        Err(Refusal::Facet(messages::MIN_INCLUSIVE))
    } else if date > max {
        Err(Refusal::Facet(messages::MAX_INCLUSIVE))
    } else {
        Ok(date)
    }
}

fn strict_date(value: &str) -> Option<Date> {
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let year = value.get(0..4)?.parse().ok()?;
    let month = value.get(5..7)?.parse().ok()?;
    let day = value.get(8..10)?.parse().ok()?;
    Date::new(year, month, day).ok()
}

/// An `xsd:dateTime` (`2026-10-31T10:15:00`, optional fraction, optional `Z` or `±hh:mm`),
/// brought to UTC for the range facets; a value without a zone is taken as UTC.
pub(super) fn date_time_utc(value: &str) -> Option<DateTime> {
    let (body, offset_seconds) = if let Some(body) = value.strip_suffix('Z') {
        (body, 0)
    } else if value.len() > 6 && matches!(value.as_bytes()[value.len() - 6], b'+' | b'-') {
        let (body, zone) = value.split_at(value.len() - 6);
        (body, zone_seconds(zone)?)
    } else {
        (value, 0)
    };
    let b = body.as_bytes();
    let (date_part, time_part) = (body.get(..10)?, body.get(11..)?);
    if b.get(10) != Some(&b'T') {
        return None;
    }
    let date = strict_date(date_part)?;
    let (hms, fraction) = match time_part.split_once('.') {
        Some((hms, f)) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => (hms, f),
        Some(_) => return None,
        None => (time_part, ""),
    };
    let t = hms.as_bytes();
    let shape = t.len() == 8
        && t[2] == b':'
        && t[5] == b':'
        && t.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let hour = hms.get(0..2)?.parse().ok()?;
    let minute = hms.get(3..5)?.parse().ok()?;
    let second = hms.get(6..8)?.parse().ok()?;
    let nanos = format!("{fraction:0<9}").get(..9)?.parse().ok()?;
    let local = date.to_datetime(jiff::civil::Time::new(hour, minute, second, nanos).ok()?);
    local
        .checked_sub(SignedDuration::from_secs(offset_seconds))
        .ok()
}

/// `+hh:mm` / `-hh:mm` as seconds east of UTC.
fn zone_seconds(zone: &str) -> Option<i64> {
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = zone.get(1..)?.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = minutes.parse().ok()?;
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// An `xsd:token` (`TZnakowy`, `TZnakowy512`, `TAdresEmail`) within its length facets;
/// whitespace is collapsed before the length is taken.
pub(super) fn token(value: &str, min: usize, max: usize) -> Result<(), Refusal> {
    let length = collapse(value).chars().count();
    if length < min {
        Err(Refusal::Facet(messages::MIN_LENGTH))
    } else if length > max {
        Err(Refusal::Facet(messages::MAX_LENGTH))
    } else {
        Ok(())
    }
}

/// Whitespace collapsed as `xsd:token` does.
pub(super) fn collapse(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use jiff::civil::date as d;

    use super::*;

    #[test]
    fn nip_pattern_and_checksum() {
        for nip in ["5265877635", "5261040828"] {
            assert!(is_nip(nip) && nip_checksum_ok(nip), "{nip}");
        }
        assert!(is_nip("5265877636") && !nip_checksum_ok("5265877636"));
        assert!(!is_nip("0265877635"));
        assert!(!is_nip("1005877635"));
        assert!(is_nip("1015877635") && is_nip("1105877635"));
        assert!(!is_nip("526587763") && !is_nip("52658776350") && !is_nip("52658776a5"));
        // Remainder 10: 1234567890 has Σ = 1·6+2·5+3·7+4·2+5·3+6·4+7·5+8·6+9·7 = 230, 230 mod 11 = 10.
        assert!(!nip_checksum_ok("1234567890"));
    }

    #[test]
    fn amounts_follow_the_pattern() {
        for ok in ["0", "0.5", "1230.00", "-12.5", "9999999999999999.99"] {
            assert_eq!(KWOTOWY.check(ok), Ok(()), "{ok}");
        }
        for (bad, refusal) in [
            ("12,50", Refusal::NotValid("Decimal")),
            ("1e3", Refusal::NotValid("Decimal")),
            ("", Refusal::NotValid("Decimal")),
            ("012.00", Refusal::Facet(messages::PATTERN)),
            ("12.345", Refusal::Facet(messages::PATTERN)),
            ("+12", Refusal::Facet(messages::PATTERN)),
            ("12.", Refusal::Facet(messages::PATTERN)),
            (".5", Refusal::Facet(messages::PATTERN)),
            ("10000000000000000", Refusal::Facet(messages::PATTERN)),
        ] {
            assert_eq!(KWOTOWY.check(bad), Err(refusal), "{bad}");
        }
        assert_eq!(KWOTOWY2.check("0.12345678"), Ok(()));
        assert_eq!(
            ILOSCI.check("0.1234567"),
            Err(Refusal::Facet(messages::PATTERN))
        );
    }

    #[test]
    fn dates_and_date_times() {
        let (min, max) = (d(2006, 1, 1), d(2050, 1, 1));
        assert_eq!(date("2026-10-31", min, max), Ok(d(2026, 10, 31)));
        assert_eq!(date("31.10.2026", min, max), Err(Refusal::NotValid("Date")));
        assert_eq!(date("2026-02-30", min, max), Err(Refusal::NotValid("Date")));
        assert_eq!(
            date("2026-10-31Z", min, max),
            Err(Refusal::NotValid("Date"))
        );
        assert_eq!(
            date("2005-12-31", min, max),
            Err(Refusal::Facet(messages::MIN_INCLUSIVE))
        );
        assert_eq!(
            date_time_utc("2026-10-31T01:30:00+02:00"),
            Some(d(2026, 10, 30).at(23, 30, 0, 0))
        );
        assert_eq!(
            date_time_utc("2026-10-31T10:00:00.1234Z"),
            Some(d(2026, 10, 31).at(10, 0, 0, 123_400_000))
        );
        assert_eq!(
            date_time_utc("2026-10-31T10:00:00"),
            Some(d(2026, 10, 31).at(10, 0, 0, 0))
        );
        for bad in [
            "2026-10-31",
            "2026-10-31 10:00:00",
            "2026-10-31T10:00",
            "2026-10-31T10:00:00+2:00",
        ] {
            assert_eq!(date_time_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_and_tokens() {
        assert_eq!(natural("1"), Ok(()));
        assert_eq!(
            natural("0"),
            Err(Refusal::Facet("The MinExclusive constraint failed."))
        );
        assert_eq!(natural("a1"), Err(Refusal::NotValid("Integer")));
        assert_eq!(choice_number("01", &[1, 2], "Byte"), Ok(()));
        assert_eq!(
            choice_number("3", &[1, 2], "Byte"),
            Err(Refusal::Facet(messages::ENUMERATION))
        );
        assert_eq!(
            choice_number("tak", &[1, 2], "Byte"),
            Err(Refusal::NotValid("Byte"))
        );
        assert_eq!(token("  a   b ", 1, 3), Ok(()));
        assert_eq!(
            token("   ", 1, 3),
            Err(Refusal::Facet(messages::MIN_LENGTH))
        );
        assert_eq!(
            token("abcd", 1, 3),
            Err(Refusal::Facet(messages::MAX_LENGTH))
        );
    }
}
