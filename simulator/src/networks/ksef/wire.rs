//! Small facts of KSeF's wire format that every endpoint shares.

use jiff::Timestamp;

/// A KSeF date-time: UTC with an explicit `+00:00` offset and six fractional digits. MF
/// itself emits seven, but several client libraries choke on more than six, and every client
/// rejects a time without an offset, so eisim never sends one.
pub(crate) fn ksef_time(at: Timestamp) -> String {
    let micros = at.subsec_microsecond().unsigned_abs();
    format!("{}.{micros:06}+00:00", at.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// Milliseconds since the Unix epoch, as the challenge's `timestampMs` carries them.
pub(crate) fn unix_millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_an_offset_and_six_fraction_digits() {
        let at: Timestamp = "2025-07-11T12:23:56.0154302Z".parse().unwrap();
        assert_eq!(ksef_time(at), "2025-07-11T12:23:56.015430+00:00");
        let whole: Timestamp = "2025-07-11T12:23:56Z".parse().unwrap();
        assert_eq!(ksef_time(whole), "2025-07-11T12:23:56.000000+00:00");
        assert_eq!(unix_millis(whole), 1_752_236_636_000);
    }
}
