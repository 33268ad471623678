//! KSeF's identifiers checked from their published format (KSeF API reference, "Reference
//! numbers" and "KSeF number"), not with eisim's `networks::ksef` helpers: these tests judge
//! numbers the simulator minted, so they must not borrow the simulator's idea of a valid one.
//!
//! Both identifiers end in `-CC`, a CRC-8 (polynomial 0x07, initial value 0, no reflection, no
//! final XOR) of everything before that last hyphen, as two upper-case hex digits.

/// `YYYYMMDD-TT-XXXXXXXXXX-XXXXXXXXXX-CC`, 36 characters. In a shape, `9` is a decimal digit,
/// `A` an upper-case letter, `F` an upper-case hex digit and `-` itself.
const REFERENCE_NUMBER: &str = "99999999-AA-FFFFFFFFFF-FFFFFFFFFF-FF";
/// `{seller NIP}-{YYYYMMDD}-{12 hex}-CC`, 35 characters.
const KSEF_NUMBER: &str = "9999999999-99999999-FFFFFFFFFFFF-FF";

/// A reference number (challenge `CR`, session `SO`, invoice `EE`, UPO page `EU`...) with a
/// checksum that holds.
pub(crate) fn is_reference_number(text: &str) -> bool {
    has_shape(text, REFERENCE_NUMBER) && checksum_holds(text)
}

/// A 35-character KSeF number with a checksum that holds.
pub(crate) fn is_ksef_number(text: &str) -> bool {
    has_shape(text, KSEF_NUMBER) && checksum_holds(text)
}

fn has_shape(text: &str, shape: &str) -> bool {
    text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            b'F' => c.is_ascii_digit() || (b'A'..=b'F').contains(&c),
            other => c == other,
        })
}

/// The last two characters are the CRC-8 of all but the last three (`-CC`).
fn checksum_holds(text: &str) -> bool {
    let Some(split) = text.len().checked_sub(3) else {
        return false;
    };
    match (text.get(..split), text.get(split + 1..)) {
        (Some(body), Some(crc)) => format!("{:02X}", crc8(body.as_bytes())) == crc,
        _ => false,
    }
}

/// CRC-8/SMBUS parameters: poly 0x07, init 0x00, MSB first, no final XOR.
fn crc8(bytes: &[u8]) -> u8 {
    let mut crc: u8 = 0;
    for &byte in bytes {
        crc ^= byte;
        for _ in 0..8 {
            let carry = crc & 0x80 != 0;
            crc <<= 1;
            if carry {
                crc ^= 0x07;
            }
        }
    }
    crc
}

#[test]
fn crc8_has_the_catalogued_check_value() {
    // The CRC catalogue's check value for these parameters: CRC of "123456789".
    assert_eq!(crc8(b"123456789"), 0xF4);
    assert_eq!(crc8(b""), 0x00);
}

#[test]
fn the_documented_examples_check_out_and_altered_ones_do_not() {
    let reference = "20250514-CR-226FB7B000-3ACF9BE4C0-10";
    assert!(is_reference_number(reference));
    assert!(!is_reference_number("20250514-CR-226FB7B000-3ACF9BE4C0-11"));
    assert!(!is_reference_number("20250514-CR-226FB7B001-3ACF9BE4C0-10"));
    assert!(!is_reference_number(&reference.to_ascii_lowercase()));
    assert!(!is_reference_number(&reference[..35]));
    assert!(!is_ksef_number(reference));

    let number = "5265877635-20250826-0100001AF629-AF";
    assert!(is_ksef_number(number));
    assert!(!is_ksef_number("5265877635-20250826-0100001AF629-AE"));
    assert!(!is_ksef_number("5265877636-20250826-0100001AF629-AF"));
    assert!(!is_ksef_number("5265877635-20250826-0100001af629-AF"));
    assert!(!is_ksef_number(&format!("{number}0")));
    assert!(!is_reference_number(number));
    assert!(!is_ksef_number(""));
}
