//! Central European civil time, in which both Poland (KSeF's UPO) and Italy (SDI's messages)
//! write their timestamps.
//!
//! A POSIX rule rather than the tz database keeps the output identical on machines without
//! zoneinfo. The rule, EU summer time from the last Sunday of March to the last Sunday of
//! October, has held since 1996 in both countries, which covers every date either network
//! accepts.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// `UTC` as a fallback is unreachable (the rule is a constant that parses), but keeps this free
/// of a panic path.
static CENTRAL_EUROPEAN: LazyLock<TimeZone> =
    LazyLock::new(|| TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap_or(TimeZone::UTC));

pub(crate) fn central_european() -> TimeZone {
    CENTRAL_EUROPEAN.clone()
}

/// The calendar date at `at` in Central European time.
pub(crate) fn central_european_date(at: Timestamp) -> Date {
    at.to_zoned(central_european()).date()
}
