//! Simulated time. Every timestamp the simulator hands out (a submission's `received_at`, an
//! SDI notification's date, a KSeF session's expiry, when a webhook retry is due) comes from one
//! shared [`Clock`], so a scenario can make time run at whatever speed its test needs:
//!
//! - **`real`**: simulated time follows the wall clock, for demos and manual exploration.
//! - **`scaled:N`**: simulated time runs N times as fast as the wall clock (`scaled:60` turns a
//!   minute into a second), for soak tests that should look realistic but finish sooner.
//! - **`virtual`**: simulated time stands still until someone moves it: the control API, the
//!   conformance suite, or the event driver when auto-advance is on (it jumps straight to the
//!   next due event). This is how a 15-day SDI "decorrenza termini" is tested in milliseconds.
//!
//! In every mode the clock can also be pushed forward ([`Clock::advance`]); in `real` and
//! `scaled` it then keeps running from the new point. It never moves backwards, so anything
//! scheduled from it stays in order.
//!
//! Webhook *signatures* deliberately do not use this clock. Receivers verify Standard Webhooks
//! signatures with stock libraries that reject a `webhook-timestamp` more than a few minutes
//! away from their own wall clock, so a virtual clock 15 days ahead would make every delivery
//! look forged. The signature carries wall time; the simulated time of the event travels in the
//! payload, where the integration under test reads it.
//!
//! The wall source is [`tokio::time::Instant`] rather than [`std::time::Instant`] so that tests
//! of `real` and `scaled` clocks can run under tokio's paused time: deterministic, and without
//! ever sleeping for real.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tokio::sync::watch;
use tokio::time::Instant;

/// `at` plus `by`, held at the end of time rather than overflowing: a step planned absurdly
/// far ahead simply never comes due.
pub(crate) fn later(at: Timestamp, by: Duration) -> Timestamp {
    at.checked_add(by).unwrap_or(Timestamp::MAX)
}

/// How simulated time relates to the wall clock. Written `real`, `virtual` or `scaled:N` in
/// scenario files and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ClockMode {
    /// What a scenario gets when it does not say: simulated time is the wall clock.
    #[default]
    Real,
    /// Simulated seconds per wall second; positive and finite (see [`Clock::new`] for what
    /// happens otherwise).
    Scaled(f64),
    Virtual,
}

impl FromStr for ClockMode {
    type Err = ClockError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ClockError::BadMode {
            found: s.to_owned(),
        };
        match s {
            "real" => Ok(ClockMode::Real),
            "virtual" => Ok(ClockMode::Virtual),
            _ => {
                let factor = s.strip_prefix("scaled:").ok_or_else(bad)?;
                factor
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f > 0.0)
                    .map(ClockMode::Scaled)
                    .ok_or_else(bad)
            }
        }
    }
}

impl fmt::Display for ClockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockMode::Real => f.write_str("real"),
            // `f64`'s Display is the shortest text that parses back to the same value.
            ClockMode::Scaled(factor) => write!(f, "scaled:{factor}"),
            ClockMode::Virtual => f.write_str("virtual"),
        }
    }
}

/// As its text form, so `clock: scaled:60` in a scenario reads the way it does on the CLI.
impl Serialize for ClockMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    #[error(
        "invalid clock mode {found:?}: expected \"real\", \"virtual\" or \"scaled:N\" \
         where N is a positive number of simulated seconds per wall second (e.g. \"scaled:60\")"
    )]
    BadMode { found: String },
    #[error(
        "cannot move the clock back from {now} to {requested}: simulated time only moves forward"
    )]
    Backwards {
        now: Timestamp,
        requested: Timestamp,
    },
    #[error(
        "advancing the clock would pass the latest time it can represent ({})",
        Timestamp::MAX
    )]
    Overflow,
}

/// The simulator's shared source of simulated time. Cloning is cheap and every clone sees (and
/// moves) the same time.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    /// The mode actually in effect, reported back by [`Clock::mode`].
    mode: ClockMode,
    /// What the clock read when it was made: the start of the run, from which scenario
    /// faults count their windows.
    start: Timestamp,
    pace: Pace,
    anchor: Mutex<Anchor>,
    auto_advance: AtomicBool,
    /// Bumped on every advance (and auto-advance toggle). Waiters subscribe *before* they check
    /// the time, so an advance between their check and their wait still wakes them: a watch
    /// channel remembers that a value was sent, where a bare notification would be lost.
    changes: watch::Sender<u64>,
}

/// Simulated time is `sim_nanos` at wall instant `wall`, moving on at the clock's pace.
#[derive(Debug)]
struct Anchor {
    /// Nanoseconds since the Unix epoch, as jiff counts them. Advances are added here.
    sim_nanos: i128,
    wall: Instant,
}

/// How many simulated nanoseconds pass per wall nanosecond, in a form that keeps integer
/// factors (including `real`) exact over arbitrarily long runs.
#[derive(Debug, Clone, Copy)]
enum Pace {
    Frozen,
    Times(u32),
    Factor(f64),
}

impl Pace {
    fn of(mode: ClockMode) -> Pace {
        match mode {
            ClockMode::Real => Pace::Times(1),
            ClockMode::Virtual => Pace::Frozen,
            ClockMode::Scaled(f)
                if f.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&f) =>
            {
                Pace::Times(f as u32)
            }
            ClockMode::Scaled(f) => Pace::Factor(f),
        }
    }

    fn simulated(self, wall: Duration) -> i128 {
        let wall = i128::try_from(wall.as_nanos()).unwrap_or(i128::MAX);
        match self {
            Pace::Frozen => 0,
            Pace::Times(k) => wall.saturating_mul(i128::from(k)),
            // Float-to-int `as` saturates, and rounding is monotonic, so time never runs back.
            Pace::Factor(f) => (wall as f64 * f) as i128,
        }
    }

    /// Wall time until `simulated` nanoseconds have passed, rounded up so a sleep does not wake
    /// just short of its target. `None` when wall time does not move the clock at all.
    fn wall(self, simulated: i128) -> Option<Duration> {
        let simulated = u128::try_from(simulated).unwrap_or(0);
        let nanos = match self {
            Pace::Frozen => return None,
            Pace::Times(k) => simulated.div_ceil(u128::from(k)),
            Pace::Factor(f) => (simulated as f64 / f).ceil() as u128,
        };
        Some(duration_from_nanos(nanos.max(1)))
    }
}

fn duration_from_nanos(nanos: u128) -> Duration {
    const PER_SEC: u128 = 1_000_000_000;
    match u64::try_from(nanos / PER_SEC) {
        Ok(secs) => Duration::new(secs, (nanos % PER_SEC) as u32),
        Err(_) => Duration::MAX,
    }
}

impl Anchor {
    fn now_nanos(&self, pace: Pace) -> i128 {
        let elapsed = Instant::now().saturating_duration_since(self.wall);
        self.sim_nanos.saturating_add(pace.simulated(elapsed))
    }
}

/// A `real` or `scaled` clock left running for millennia pins at the end of time rather than
/// failing every caller of [`Clock::now`].
fn timestamp_saturating(nanos: i128) -> Timestamp {
    Timestamp::from_nanosecond(nanos).unwrap_or(if nanos < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

impl Clock {
    /// A clock reading `start` (default: the wall clock's now) at this moment.
    ///
    /// A `Scaled` factor that is not positive and finite cannot be honoured; such a clock runs
    /// at `real` speed and says so through [`Clock::mode`]. Parsing a [`ClockMode`] from text
    /// rejects those factors up front.
    pub fn new(mode: ClockMode, start: Option<Timestamp>) -> Clock {
        let mode = match mode {
            ClockMode::Scaled(f) if !(f.is_finite() && f > 0.0) => ClockMode::Real,
            valid => valid,
        };
        let start = start.unwrap_or_else(Timestamp::now);
        let (changes, _) = watch::channel(0);
        Clock(Arc::new(Shared {
            mode,
            start,
            pace: Pace::of(mode),
            anchor: Mutex::new(Anchor {
                sim_nanos: start.as_nanosecond(),
                wall: Instant::now(),
            }),
            auto_advance: AtomicBool::new(false),
            changes,
        }))
    }

    pub fn mode(&self) -> ClockMode {
        self.0.mode
    }

    /// The simulated instant the clock started at (the run's start); advances do not move it.
    pub fn start(&self) -> Timestamp {
        self.0.start
    }

    /// Whether the event driver should jump a virtual clock to the next due event when it has
    /// nothing else to do. The clock itself never acts on this.
    pub fn auto_advance(&self) -> bool {
        self.0.auto_advance.load(Ordering::Acquire)
    }

    /// Turning auto-advance on or off wakes [`Clock::changed`] waiters, so an idle driver
    /// notices at once instead of at the next advance.
    pub fn set_auto_advance(&self, on: bool) {
        if self.0.auto_advance.swap(on, Ordering::AcqRel) != on {
            self.announce_change();
        }
    }

    pub fn now(&self) -> Timestamp {
        let nanos = self.anchor().now_nanos(self.0.pace);
        timestamp_saturating(nanos)
    }

    /// Moves simulated time forward by `by` and returns the new now. Works in every mode: in
    /// `real` and `scaled` the clock keeps running from the new point, which lets a demo skip
    /// ahead without restarting.
    pub fn advance(&self, by: Duration) -> Result<Timestamp, ClockError> {
        let by = i128::try_from(by.as_nanos()).map_err(|_| ClockError::Overflow)?;
        let now = {
            let mut anchor = self.anchor();
            let now = anchor.now_nanos(self.0.pace).saturating_add(by);
            let now = Timestamp::from_nanosecond(now).map_err(|_| ClockError::Overflow)?;
            anchor.sim_nanos += by;
            now
        };
        if by > 0 {
            self.announce_change();
        }
        Ok(now)
    }

    /// Moves simulated time forward to `t`. Moving to the current time is a no-op; moving back
    /// is refused, because events already fired at later times cannot be un-fired.
    pub fn advance_to(&self, t: Timestamp) -> Result<Timestamp, ClockError> {
        {
            let mut anchor = self.anchor();
            let now = anchor.now_nanos(self.0.pace);
            let gap = t.as_nanosecond() - now;
            if gap < 0 {
                return Err(ClockError::Backwards {
                    now: timestamp_saturating(now),
                    requested: t,
                });
            }
            if gap == 0 {
                return Ok(t);
            }
            anchor.sim_nanos += gap;
        }
        self.announce_change();
        Ok(t)
    }

    /// Completes once simulated time has reached `t`, however it gets there: wall time passing
    /// (`real`, `scaled`) or an advance, which may jump past `t` long before the wall-clock
    /// sleep would have ended.
    pub async fn sleep_until(&self, t: Timestamp) {
        loop {
            let changed = self.changed();
            let now = self.now();
            if now >= t {
                return;
            }
            let remaining = t.as_nanosecond() - now.as_nanosecond();
            match self.0.pace.wall(remaining) {
                None => changed.await,
                Some(wall) => {
                    tokio::select! {
                        () = tokio::time::sleep(wall) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }

    /// Resolves at the next advance (or auto-advance toggle) after this call, so a driver that
    /// jumped or was waiting can re-check what is due.
    ///
    /// The subscription starts when `changed` is *called*, not when the future is first
    /// polled: call it before checking the time and await it afterwards, and an advance in
    /// between is never missed.
    pub fn changed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut changes = self.0.changes.subscribe();
        // Holding the clock keeps the sender alive, so the wait below can only end in a change.
        let clock = self.clone();
        async move {
            let _ = changes.changed().await;
            drop(clock);
        }
    }

    fn announce_change(&self) {
        self.0.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn anchor(&self) -> MutexGuard<'_, Anchor> {
        // The anchor is two plain numbers updated in one assignment: a panic elsewhere while
        // holding the lock cannot leave it half-written, so a poisoned lock is still good.
        self.0.anchor.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    /// 2025-01-01T00:00:00Z.
    const START: Timestamp = Timestamp::constant(1_735_689_600, 0);
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);

    fn plus(t: Timestamp, by: Duration) -> Timestamp {
        t.checked_add(by).unwrap_or(Timestamp::MAX)
    }

    /// Lets spawned tasks run to their next wait. Under paused time this costs no real time, and
    /// since no timers are involved in a virtual clock it does not move the clock either.
    async fn settle() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    #[test]
    fn modes_round_trip_through_text() {
        for text in ["real", "virtual", "scaled:60", "scaled:0.5", "scaled:1"] {
            let mode: Result<ClockMode, _> = text.parse();
            assert_eq!(
                mode.as_ref().map(ToString::to_string).ok(),
                Some(text.to_owned())
            );
        }
        assert_eq!(
            "scaled:60".parse::<ClockMode>().ok(),
            Some(ClockMode::Scaled(60.0))
        );
        assert_eq!(ClockMode::Scaled(0.25).to_string(), "scaled:0.25");
    }

    #[test]
    fn bad_modes_say_what_was_expected_and_found() {
        for text in [
            "",
            "Real",
            "fast",
            "scaled",
            "scaled:",
            "scaled:0",
            "scaled:-5",
            "scaled:NaN",
            "scaled:inf",
            "scaled:60x",
            "virtual ",
        ] {
            let parsed = text.parse::<ClockMode>();
            assert!(
                matches!(&parsed, Err(ClockError::BadMode { found }) if found == text),
                "{text:?} parsed as {parsed:?}"
            );
            let message = parsed.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains(&format!("{text:?}")), "{message}");
            assert!(message.contains("scaled:N"), "{message}");
        }
    }

    #[test]
    fn modes_deserialize_from_their_text() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};

        let de: StrDeserializer<'_, Error> = "scaled:60".into_deserializer();
        assert_eq!(
            ClockMode::deserialize(de).ok(),
            Some(ClockMode::Scaled(60.0))
        );
        let de: StrDeserializer<'_, Error> = "sometimes".into_deserializer();
        let err = ClockMode::deserialize(de).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("\"sometimes\"")));
    }

    #[test]
    fn unusable_scale_factors_run_at_real_speed() {
        for factor in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let clock = Clock::new(ClockMode::Scaled(factor), Some(START));
            assert_eq!(clock.mode(), ClockMode::Real);
        }
    }

    #[test]
    fn clock_is_shareable_across_tasks() {
        fn assert_send_sync<T: Send + Sync>(_: &T) {}
        fn assert_send<T: Send>(_: &T) {}
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        assert_send_sync(&clock);
        assert_send(&clock.sleep_until(START));
        assert_send(&clock.changed());
    }

    #[test]
    fn start_defaults_to_the_wall_clock() {
        let before = Timestamp::now();
        let clock = Clock::new(ClockMode::Virtual, None);
        let now = clock.now();
        assert!(before <= now && now <= Timestamp::now());
        assert_eq!(clock.start(), now);
    }

    #[tokio::test(start_paused = true)]
    async fn the_start_stays_where_the_run_began() {
        let clock = Clock::new(ClockMode::Real, Some(START));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(clock.advance(DAY).is_ok());
        assert_eq!(clock.start(), START);
        assert_eq!(clock.now(), plus(START, DAY + Duration::from_secs(5)));
    }

    #[tokio::test(start_paused = true)]
    async fn virtual_time_stands_still_until_advanced() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        tokio::time::advance(DAY).await;
        assert_eq!(clock.now(), START);

        let later = clock.advance(Duration::from_secs(90)).ok();
        assert_eq!(later, Some(plus(START, Duration::from_secs(90))));
        assert_eq!(Some(clock.now()), later);
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_time() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        let other = clock.clone();
        assert!(other.advance(DAY).is_ok());
        assert_eq!(clock.now(), plus(START, DAY));
        other.set_auto_advance(true);
        assert!(clock.auto_advance());
    }

    #[tokio::test(start_paused = true)]
    async fn decorrenza_termini_fires_after_fifteen_days_not_fourteen() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        let deadline = plus(START, 15 * DAY);
        let sleeper = clock.clone();
        let mut waiting = tokio::spawn(async move { sleeper.sleep_until(deadline).await });
        settle().await;

        assert!(clock.advance(14 * DAY).is_ok());
        settle().await;
        assert!(!waiting.is_finished());

        assert!(clock.advance(DAY).is_ok());
        let done = tokio::time::timeout(Duration::from_secs(1), &mut waiting).await;
        assert!(matches!(done, Ok(Ok(()))));
        assert_eq!(clock.now(), deadline);
    }

    #[tokio::test(start_paused = true)]
    async fn virtual_sleep_wakes_when_an_advance_jumps_past_its_target() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        let sleeper = clock.clone();
        let waiting = tokio::spawn(async move {
            sleeper
                .sleep_until(plus(START, Duration::from_secs(60)))
                .await;
        });
        settle().await;
        assert!(clock.advance_to(plus(START, DAY)).is_ok());
        let done = tokio::time::timeout(Duration::from_secs(1), waiting).await;
        assert!(matches!(done, Ok(Ok(()))));
    }

    #[tokio::test(start_paused = true)]
    async fn sleeping_until_the_past_returns_at_once() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        let wall = Instant::now();
        clock.sleep_until(START).await;
        clock.sleep_until(Timestamp::MIN).await;
        assert_eq!(Instant::now(), wall);
    }

    #[tokio::test(start_paused = true)]
    async fn real_time_follows_the_wall_clock_from_the_given_start() {
        let clock = Clock::new(ClockMode::Real, Some(START));
        assert_eq!(clock.now(), START);
        tokio::time::advance(Duration::from_millis(1500)).await;
        assert_eq!(clock.now(), plus(START, Duration::from_millis(1500)));
    }

    #[tokio::test(start_paused = true)]
    async fn scaled_sixty_turns_a_wall_second_into_a_minute() {
        let clock = Clock::new(ClockMode::Scaled(60.0), Some(START));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(clock.now(), plus(START, Duration::from_secs(60)));
    }

    #[tokio::test(start_paused = true)]
    async fn fractional_scale_runs_slower_than_the_wall() {
        let clock = Clock::new(ClockMode::Scaled(0.5), Some(START));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(clock.now(), plus(START, Duration::from_secs(1)));
    }

    #[tokio::test(start_paused = true)]
    async fn scaled_sleep_takes_the_scaled_wall_time() {
        let clock = Clock::new(ClockMode::Scaled(60.0), Some(START));
        let target = plus(START, Duration::from_secs(10 * 60));
        let wall = Instant::now();
        clock.sleep_until(target).await;
        let slept = wall.elapsed();
        assert!(clock.now() >= target);
        assert!(slept >= Duration::from_secs(10), "{slept:?}");
        assert!(slept < Duration::from_millis(10_010), "{slept:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn fractional_scaled_sleep_never_wakes_early() {
        let clock = Clock::new(ClockMode::Scaled(0.3), Some(START));
        let target = plus(START, Duration::from_millis(1234));
        clock.sleep_until(target).await;
        assert!(clock.now() >= target);
    }

    #[tokio::test(start_paused = true)]
    async fn an_advance_wakes_a_real_time_sleep_early() {
        let clock = Clock::new(ClockMode::Real, Some(START));
        let wall = Instant::now();
        let sleeper = clock.clone();
        let mut waiting = tokio::spawn(async move { sleeper.sleep_until(plus(START, DAY)).await });
        let still = tokio::time::timeout(Duration::from_secs(1), &mut waiting).await;
        assert!(still.is_err(), "woke before the day was over");

        assert!(clock.advance(DAY).is_ok());
        let done = tokio::time::timeout(Duration::from_secs(1), &mut waiting).await;
        assert!(matches!(done, Ok(Ok(()))));
        assert!(
            wall.elapsed() < Duration::from_secs(2),
            "{:?}",
            wall.elapsed()
        );
        assert!(clock.now() >= plus(START, DAY));
    }

    #[tokio::test(start_paused = true)]
    async fn a_small_advance_leaves_a_scaled_sleep_waiting_for_the_rest() {
        let clock = Clock::new(ClockMode::Scaled(60.0), Some(START));
        let wall = Instant::now();
        let sleeper = clock.clone();
        // Ten simulated minutes: ten wall seconds at 60x.
        let waiting = tokio::spawn(async move {
            sleeper
                .sleep_until(plus(START, Duration::from_secs(600)))
                .await;
            Instant::now()
        });
        settle().await;
        // Skipping five simulated minutes leaves five, i.e. five wall seconds.
        assert!(clock.advance(Duration::from_secs(300)).is_ok());
        let woke = tokio::time::timeout(Duration::from_secs(60), waiting).await;
        let slept = woke.ok().and_then(Result::ok).map(|at| at - wall);
        assert!(
            slept.is_some_and(|s| s >= Duration::from_secs(5) && s < Duration::from_millis(5_100)),
            "{slept:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn advance_to_refuses_to_go_back() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        let earlier = START - SignedDuration::from_secs(1);
        let refused = clock.advance_to(earlier);
        assert!(
            matches!(refused, Err(ClockError::Backwards { now, requested })
                if now == START && requested == earlier),
            "{refused:?}"
        );
        assert_eq!(clock.now(), START);
    }

    #[tokio::test(start_paused = true)]
    async fn advance_to_now_changes_nothing() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        let changed = clock.changed();
        assert_eq!(clock.advance_to(START).ok(), Some(START));
        let woke = tokio::time::timeout(Duration::from_secs(1), changed).await;
        assert!(woke.is_err(), "a no-op advance announced a change");
    }

    #[tokio::test(start_paused = true)]
    async fn advance_to_lands_exactly_on_target() {
        let clock = Clock::new(ClockMode::Scaled(60.0), Some(START));
        tokio::time::advance(Duration::from_secs(1)).await;
        let target = plus(START, DAY);
        assert_eq!(clock.advance_to(target).ok(), Some(target));
        assert_eq!(clock.now(), target);
    }

    #[tokio::test(start_paused = true)]
    async fn advancing_past_the_end_of_time_fails_and_changes_nothing() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        assert!(matches!(
            clock.advance(Duration::MAX),
            Err(ClockError::Overflow)
        ));
        assert_eq!(clock.now(), START);
        assert!(clock.advance_to(Timestamp::MAX).is_ok());
        assert!(matches!(
            clock.advance(Duration::from_nanos(1)),
            Err(ClockError::Overflow)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn changed_sees_an_advance_made_before_it_is_awaited() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        let changed = clock.changed();
        assert!(clock.advance(Duration::from_secs(1)).is_ok());
        let woke = tokio::time::timeout(Duration::from_secs(1), changed).await;
        assert!(woke.is_ok(), "the advance was lost");
    }

    #[tokio::test(start_paused = true)]
    async fn changed_waits_for_the_next_advance() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        assert!(clock.advance(Duration::from_secs(1)).is_ok());
        let changed = clock.changed();
        let woke = tokio::time::timeout(Duration::from_secs(1), changed).await;
        assert!(
            woke.is_err(),
            "woke for an advance made before it subscribed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn toggling_auto_advance_wakes_the_driver() {
        let clock = Clock::new(ClockMode::Virtual, Some(START));
        assert!(!clock.auto_advance());
        let changed = clock.changed();
        clock.set_auto_advance(true);
        assert!(clock.auto_advance());
        let woke = tokio::time::timeout(Duration::from_secs(1), changed).await;
        assert!(woke.is_ok());

        let changed = clock.changed();
        clock.set_auto_advance(true);
        let woke = tokio::time::timeout(Duration::from_secs(1), changed).await;
        assert!(woke.is_err(), "setting the same value announced a change");
    }
}
