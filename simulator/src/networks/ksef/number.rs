//! The KSeF number an invoice gets when KSeF accepts it (status 200).
//!
//! 35 characters: `{seller NIP}-{YYYYMMDD}-{12 upper-case hex}-{CRC-8 as 2 hex}`, e.g.
//! `5265877635-20250826-0100001AF629-AF`. The checksum is CRC-8 (polynomial 0x07, initial
//! value 0) over the first 32 characters, hyphens included; the date is the acceptance date.

use jiff::civil::Date;

use crate::digest::sha256_hex;

/// CRC-8 with polynomial 0x07 and initial value 0x00, as KSeF computes its checksums.
pub fn crc8(bytes: &[u8]) -> u8 {
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
pub fn ksef_number(seller_nip: &str, date: Date, unique: &str) -> String {
    let hex = sha256_hex(unique.as_bytes()).to_ascii_uppercase();
    let body = format!(
        "{seller_nip}-{}-{}",
        date.strftime("%Y%m%d"),
        hex.get(..12).unwrap_or("000000000000")
    );
    format!("{body}-{:02X}", crc8(body.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_example_checks_out() {
        let number = "5265877635-20250826-0100001AF629-AF";
        assert_eq!(format!("{:02X}", crc8(&number.as_bytes()[..32])), "AF");
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
