//! The KSeF number an invoice gets when KSeF accepts it (status 200).
//!
//! 35 characters: `{seller NIP}-{YYYYMMDD}-{12 upper-case hex}-{CRC-8 as 2 hex}`, e.g.
//! `5265877635-20250826-0100001AF629-AF`. The checksum is CRC-8 (polynomial 0x07, initial
//! value 0) over the first 32 characters, hyphens included; the date is the acceptance date.

use jiff::civil::Date;

use crate::digest::sha256_hex;

/// CRC-8 with polynomial 0x07 and initial value 0x00, as KSeF computes its checksums.
pub(crate) fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |mut crc, byte| {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// A KSeF number for `seller_nip`'s invoice accepted on `date`; `unique` (the document id and
/// the seed) fixes the 12 hex digits, so a replayed run numbers its invoices the same.
pub(crate) fn ksef_number(seller_nip: &str, date: Date, unique: &str) -> String {
    let hex = sha256_hex(unique.as_bytes()).to_ascii_uppercase();
    let body = format!(
        "{seller_nip}-{}-{}",
        date.strftime("%Y%m%d"),
        hex.get(..12).unwrap_or("000000000000")
    );
    format!("{body}-{:02X}", crc8(body.as_bytes()))
}

/// A 36-character reference number `YYYYMMDD-TT-XXXXXXXXXX-XXXXXXXXXX-CC` for an object of
/// kind `TT` (`CR` challenge, `AU` authentication, `SO` online session, `EE` invoice, `EU`
/// UPO page...), its 20 hex digits fixed by `unique`; CRC-8 over the first 33 characters.
pub(crate) fn reference_number(date: Date, kind: &str, unique: &str) -> String {
    let hex = sha256_hex(unique.as_bytes()).to_ascii_uppercase();
    let body = format!(
        "{}-{kind}-{}-{}",
        date.strftime("%Y%m%d"),
        hex.get(..10).unwrap_or("0000000000"),
        hex.get(10..20).unwrap_or("0000000000")
    );
    format!("{body}-{:02X}", crc8(body.as_bytes()))
}

/// True when `text` has the shape of a reference number and its checksum holds.
pub(crate) fn is_reference_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let shaped = matches!(parts.as_slice(), [date, kind, a, b, _]
        if date.len() == 8 && date.bytes().all(|c| c.is_ascii_digit())
            && kind.len() == 2 && kind.bytes().all(|c| c.is_ascii_uppercase())
            && [a, b].iter().all(|p| p.len() == 10 && is_upper_hex(p)));
    shaped && checksum_holds(text, 33)
}

/// True when `text` has the shape of a 35-character KSeF number and its checksum holds.
#[cfg(test)]
pub(crate) fn is_ksef_number(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let shaped = matches!(parts.as_slice(), [nip, date, hex, _]
        if nip.len() == 10 && nip.bytes().all(|c| c.is_ascii_digit())
            && date.len() == 8 && date.bytes().all(|c| c.is_ascii_digit())
            && hex.len() == 12 && is_upper_hex(hex));
    shaped && checksum_holds(text, 32)
}

fn is_upper_hex(text: &str) -> bool {
    text.bytes()
        .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
}

/// The last two characters are the CRC-8 of the first `covered`, after one hyphen.
fn checksum_holds(text: &str, covered: usize) -> bool {
    text.len() == covered + 3
        && text.get(covered..=covered) == Some("-")
        && text
            .get(..covered)
            .zip(text.get(covered + 1..))
            .is_some_and(|(body, crc)| format!("{:02X}", crc8(body.as_bytes())) == crc)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the day, kind and uniqueness key, the numbers carry a checksum that holds,
        /// and distinct keys give distinct numbers.
        #[test]
        fn numbers_always_check_out_and_never_collide(
            days in 0i32..20_000,
            kind in "[A-Z]{2}",
            nip in "[1-9][0-9]{9}",
            keys in proptest::collection::hash_set("[ -~]{1,40}", 1..40),
        ) {
            let date = Date::constant(1990, 1, 1)
                .checked_add(jiff::Span::new().days(days))
                .unwrap();
            let mut references = HashSet::new();
            let mut numbers = HashSet::new();
            for key in &keys {
                let reference = reference_number(date, &kind, key);
                prop_assert!(is_reference_number(&reference), "{}", reference);
                prop_assert_eq!(reference.len(), 36);
                references.insert(reference);
                let number = ksef_number(&nip, date, key);
                prop_assert!(is_ksef_number(&number), "{}", number);
                prop_assert_eq!(number.len(), 35);
                numbers.insert(number);
            }
            prop_assert_eq!(references.len(), keys.len());
            prop_assert_eq!(numbers.len(), keys.len());
        }

        /// Changing any one character of a valid number breaks its checksum or its shape.
        #[test]
        fn a_changed_character_is_caught(key in "[a-z]{1,12}", at in 0usize..35, to in "[0-9A-F]") {
            let number = ksef_number("5265877635", Date::constant(2026, 11, 21), &key);
            let mut bytes = number.clone().into_bytes();
            let replacement = to.as_bytes()[0];
            prop_assume!(bytes[at] != replacement && bytes[at] != b'-');
            bytes[at] = replacement;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(!is_ksef_number(&changed), "{} -> {}", number, changed);
        }
    }

    #[test]
    fn the_reference_example_checks_out() {
        let number = "5265877635-20250826-0100001AF629-AF";
        assert_eq!(format!("{:02X}", crc8(&number.as_bytes()[..32])), "AF");
    }

    #[test]
    fn the_reference_examples_check_out() {
        assert!(is_reference_number("20250514-CR-226FB7B000-3ACF9BE4C0-10"));
        assert!(!is_reference_number("20250514-CR-226FB7B000-3ACF9BE4C0-11"));
        assert!(is_ksef_number("5265877635-20250826-0100001AF629-AF"));
        assert!(!is_ksef_number("5265877635-20250826-0100001AF629-AE"));
        assert!(!is_ksef_number("5265877635-20250826-0100001AF629"));
    }

    #[test]
    fn references_have_the_documented_shape() {
        let reference = reference_number(Date::constant(2026, 11, 21), "SO", "1:session:1");
        assert_eq!(reference.len(), 36);
        assert!(reference.starts_with("20261121-SO-"));
        assert!(is_reference_number(&reference), "{reference}");
    }

    #[test]
    fn numbers_have_the_documented_shape() {
        let date = Date::constant(2026, 11, 21);
        let number = ksef_number("5265877635", date, "7:inv_1");
        assert_eq!(number.len(), 35);
        assert!(number.starts_with("5265877635-20261121-"));
        assert_eq!(
            format!("{:02X}", crc8(&number.as_bytes()[..32])),
            &number[33..]
        );
        assert_eq!(number, ksef_number("5265877635", date, "7:inv_1"));
    }
}
