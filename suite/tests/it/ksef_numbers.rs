//! The KSeF number checked from its published format (KSeF API reference, "KSeF number"), not
//! with eisim's `networks::ksef::is_ksef_number`: the test judges numbers the simulator minted,
//! so it must not borrow the simulator's idea of a valid one.

/// `{seller NIP}-{YYYYMMDD}-{12 hex}-CC`, 35 characters. In the shape, `9` is a decimal digit,
/// `F` an upper-case hex digit and `-` itself.
const KSEF_NUMBER: &str = "9999999999-99999999-FFFFFFFFFFFF-FF";

/// A 35-character KSeF number whose last two characters are the CRC-8 of the first 32
/// (hyphens included), as two upper-case hex digits.
pub(crate) fn is_ksef_number(text: &str) -> bool {
    let shaped = text.len() == KSEF_NUMBER.len()
        && text.bytes().zip(KSEF_NUMBER.bytes()).all(|(c, s)| match s {
            b'9' => c.is_ascii_digit(),
            b'F' => c.is_ascii_digit() || (b'A'..=b'F').contains(&c),
            other => c == other,
        });
    shaped
        && text
            .get(..32)
            .zip(text.get(33..))
            .is_some_and(|(body, crc)| format!("{:02X}", crc8(body.as_bytes())) == crc)
}

/// CRC-8/SMBUS: polynomial 0x07, initial value 0, MSB first, no final XOR (as KSeF specifies).
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
    assert_eq!(crc8(b"123456789"), 0xF4);
}

#[test]
fn the_documented_ksef_number_checks_out_and_altered_ones_do_not() {
    let number = "5265877635-20250826-0100001AF629-AF";
    assert!(is_ksef_number(number));
    assert!(!is_ksef_number("5265877635-20250826-0100001AF629-AE"));
    assert!(!is_ksef_number("5265877636-20250826-0100001AF629-AF"));
    assert!(!is_ksef_number("5265877635-20250826-0100001af629-AF"));
    assert!(!is_ksef_number("20250514-CR-226FB7B000-3ACF9BE4C0-10"));
    assert!(!is_ksef_number(&format!("{number}0")));
    assert!(!is_ksef_number(""));
}
