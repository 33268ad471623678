//! The queue of things that will happen later: a webhook retry in 5 minutes, an SDI
//! "decorrenza termini" in 15 days, a KSeF session that expires after an hour.
//!
//! This module only knows *what* is due *when*. It never looks at a [`Clock`](crate::clock::Clock)
//! and never waits: the async event driver asks it for [`Scheduler::next_due_at`], sleeps on the
//! clock until then (or jumps a virtual clock there), and calls [`Scheduler::pop_due`] with the
//! clock's `now`. Keeping the queue synchronous and pure lets us check its ordering guarantees
//! with property tests, without a runtime.
//!
//! Guarantees:
//! - every event fires at most once, and never before its time;
//! - events fire in order of time, and events due at the same instant fire in the order they
//!   were scheduled, so a run with the same seed replays identically;
//! - a cancelled event never fires.
//!
//! Scenarios cancel a lot (a delivered webhook cancels its pending retries, a response cancels
//! its timeout), so cancelling is O(1) amortised: the entry is dropped from the payload map and
//! its heap slot becomes a tombstone that is skipped when it reaches the top, and the heap is
//! rebuilt when tombstones start to dominate it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;

use jiff::Timestamp;

/// Identifies one scheduled event, so the thing that scheduled it can cancel it later.
///
/// Ids are handed out in scheduling order and never reused, which is what makes them usable as
/// the tie-breaker for events due at the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct EventId(u64);

impl EventId {
    /// The raw sequence number, for logs and the control API.
    pub(crate) fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ev-{}", self.0)
    }
}

/// An event whose time has come, handed back to the driver with the time it was due at, so the
/// payload it produces can carry the simulated time the event was *meant* for (a virtual clock
/// may have jumped well past it).
#[derive(Debug)]
pub(crate) struct Due<E> {
    pub id: EventId,
    pub at: Timestamp,
    pub event: E,
}

/// Heap slots that may be tombstones are tolerated up to this many before a rebuild is even
/// considered, so small queues never pay for rebuilding. Tiny under test so the property tests
/// exercise the rebuild path.
const TOMBSTONE_SLACK: usize = if cfg!(test) { 8 } else { 1024 };

/// A queue of events ordered by (due time, scheduling order).
///
/// Invariants, kept by every `&mut self` method:
/// - every live event (key of `pending`) has exactly one slot in `heap`;
/// - the top of `heap`, if any, is live, which lets [`Scheduler::next_due_at`] take `&self`.
#[derive(Debug)]
pub(crate) struct Scheduler<E> {
    /// Min-heap of (due time, id); may also hold slots of cancelled events (tombstones).
    heap: BinaryHeap<Reverse<(Timestamp, u64)>>,
    /// Live events only; an id missing here means its heap slot is a tombstone.
    pending: HashMap<u64, E>,
    next_id: u64,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    pub(crate) fn new() -> Self {
        Scheduler {
            heap: BinaryHeap::new(),
            pending: HashMap::new(),
            next_id: 0,
        }
    }

    /// Schedules `event` for `at`. A time already in the past is allowed: the event fires at the
    /// next [`Scheduler::pop_due`], which is what a zero delay in a scenario means.
    pub(crate) fn schedule(&mut self, at: Timestamp, event: E) -> EventId {
        let id = self.next_id;
        self.next_id += 1;
        self.heap.push(Reverse((at, id)));
        self.pending.insert(id, event);
        EventId(id)
    }

    /// Cancels a pending event and gives its payload back. `None` if it already fired, was
    /// already cancelled, or was never scheduled here, so cancelling is always safe to retry.
    pub(crate) fn cancel(&mut self, id: EventId) -> Option<E> {
        let event = self.pending.remove(&id.0)?;
        self.drop_dead_top();
        self.rebuild_if_mostly_tombstones();
        Some(event)
    }

    /// When the earliest pending event is due; the driver sleeps (or jumps) until then.
    pub(crate) fn next_due_at(&self) -> Option<Timestamp> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Takes the earliest pending event that is due at or before `now`, if any. Call it in a loop
    /// after every clock change.
    pub(crate) fn pop_due(&mut self, now: Timestamp) -> Option<Due<E>> {
        loop {
            let &Reverse((at, id)) = self.heap.peek()?;
            if at > now {
                return None;
            }
            self.heap.pop();
            // Always live given the invariant; the check keeps us correct if it were ever broken.
            if let Some(event) = self.pending.remove(&id) {
                self.drop_dead_top();
                return Some(Due {
                    id: EventId(id),
                    at,
                    event,
                });
            }
        }
    }

    /// Takes every event due at or before `now`, in firing order.
    #[cfg(test)]
    pub(crate) fn drain_due(&mut self, now: Timestamp) -> Vec<Due<E>> {
        let mut due = Vec::new();
        while let Some(next) = self.pop_due(now) {
            due.push(next);
        }
        due
    }

    /// Number of pending (scheduled, not yet fired, not cancelled) events.
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Restores "the top of the heap is live" after the top may have been cancelled or popped.
    fn drop_dead_top(&mut self) {
        // With no tombstones at all (the common case) the top is live: skip the map lookup.
        while self.heap.len() > self.pending.len()
            && let Some(Reverse((_, id))) = self.heap.peek()
        {
            if self.pending.contains_key(id) {
                break;
            }
            self.heap.pop();
        }
    }

    /// Keeps memory proportional to the live events: a scenario that schedules and cancels
    /// retries for hours would otherwise grow the heap without bound. A rebuild costs O(heap)
    /// and only happens after more tombstones than live events have piled up, so it is O(1)
    /// amortised per cancellation.
    fn rebuild_if_mostly_tombstones(&mut self) {
        let tombstones = self.heap.len() - self.pending.len();
        if tombstones > TOMBSTONE_SLACK && tombstones > self.pending.len() {
            let pending = &self.pending;
            self.heap
                .retain(|Reverse((_, id))| pending.contains_key(id));
            self.heap.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;
    use proptest::prelude::*;

    /// 2025-01-01T00:00:00Z: any fixed instant will do, the queue only compares times.
    const T0: Timestamp = Timestamp::constant(1_735_689_600, 0);

    fn at(seconds: i64) -> Timestamp {
        // T0 plus at most a few thousand seconds cannot leave jiff's range.
        T0.saturating_add(SignedDuration::from_secs(seconds))
            .unwrap_or(T0)
    }

    fn events<E: Copy>(due: &[Due<E>]) -> Vec<E> {
        due.iter().map(|d| d.event).collect()
    }

    #[test]
    fn event_ids_count_up_and_display_with_a_prefix() {
        let mut queue = Scheduler::new();
        let first = queue.schedule(at(5), ());
        let second = queue.schedule(at(1), ());
        assert_eq!((first.get(), second.get()), (0, 1));
        assert!(first < second);
        assert_eq!(second.to_string(), "ev-1");
    }

    #[test]
    fn nothing_fires_before_its_time() {
        let mut queue = Scheduler::new();
        queue.schedule(at(10), "later");
        assert!(queue.pop_due(at(9)).is_none());
        assert_eq!(queue.len(), 1);
        let due = queue.pop_due(at(10));
        assert_eq!(due.map(|d| (d.at, d.event)), Some((at(10), "later")));
        assert!(queue.is_empty());
        assert_eq!(queue.next_due_at(), None);
    }

    #[test]
    fn fires_in_time_order_then_scheduling_order() {
        let mut queue = Scheduler::new();
        queue.schedule(at(3), "c");
        queue.schedule(at(1), "a1");
        queue.schedule(at(2), "b");
        queue.schedule(at(1), "a2");
        queue.schedule(at(1), "a3");
        assert_eq!(queue.next_due_at(), Some(at(1)));
        assert_eq!(
            events(&queue.drain_due(at(100))),
            ["a1", "a2", "a3", "b", "c"]
        );
    }

    #[test]
    fn drain_stops_at_now_and_reports_the_due_time() {
        let mut queue = Scheduler::new();
        let early = queue.schedule(at(1), 'a');
        queue.schedule(at(2), 'b');
        queue.schedule(at(3), 'c');
        let due = queue.drain_due(at(2));
        assert_eq!(events(&due), ['a', 'b']);
        assert_eq!((due[0].id, due[0].at), (early, at(1)));
        assert_eq!(queue.next_due_at(), Some(at(3)));
        assert_eq!(queue.len(), 1);
    }

    #[test]
    fn past_times_fire_at_the_next_pop() {
        let mut queue = Scheduler::new();
        queue.schedule(at(-60), "overdue");
        assert_eq!(queue.pop_due(at(0)).map(|d| d.event), Some("overdue"));
    }

    #[test]
    fn cancel_returns_the_payload_once() {
        let mut queue = Scheduler::new();
        let id = queue.schedule(at(1), "retry");
        assert_eq!(queue.cancel(id), Some("retry"));
        assert_eq!(queue.cancel(id), None);
        assert!(queue.is_empty());
        assert!(queue.pop_due(at(100)).is_none());
    }

    #[test]
    fn cancel_of_a_fired_or_unknown_event_is_none() {
        let mut queue = Scheduler::new();
        let id = queue.schedule(at(1), 1);
        assert!(queue.pop_due(at(1)).is_some());
        assert_eq!(queue.cancel(id), None);
        assert_eq!(queue.cancel(EventId(999)), None);
    }

    #[test]
    fn next_due_at_skips_cancelled_events() {
        let mut queue = Scheduler::new();
        let first = queue.schedule(at(1), ());
        let second = queue.schedule(at(2), ());
        queue.schedule(at(3), ());
        queue.cancel(first);
        assert_eq!(queue.next_due_at(), Some(at(2)));
        queue.cancel(second);
        assert_eq!(queue.next_due_at(), Some(at(3)));
        assert_eq!(queue.len(), 1);
    }

    #[test]
    fn cancelling_buried_events_keeps_the_heap_bounded() {
        let mut queue = Scheduler::new();
        // The earliest event stays live, so no tombstone ever reaches the top and only the
        // rebuild can reclaim them.
        queue.schedule(at(0), u64::MAX);
        for round in 0..10_000 {
            let id = queue.schedule(at(1 + round), round as u64);
            queue.cancel(id);
            assert!(queue.heap.len() <= 2 * queue.len() + TOMBSTONE_SLACK + 1);
        }
        assert_eq!(queue.len(), 1);
        assert_eq!(events(&queue.drain_due(at(1_000_000))), [u64::MAX]);
    }

    #[test]
    fn rebuild_keeps_every_live_event_in_order() {
        let mut queue = Scheduler::new();
        let ids: Vec<_> = (0..1_000).map(|i| queue.schedule(at(i % 7), i)).collect();
        for (i, id) in ids.iter().enumerate() {
            if i % 10 != 0 {
                queue.cancel(*id);
            }
        }
        assert!(queue.heap.len() < 1_000, "rebuild never ran");
        let mut expected: Vec<i64> = (0..1_000).filter(|i| i % 10 == 0).collect();
        expected.sort_by_key(|i| (i % 7, *i));
        assert_eq!(events(&queue.drain_due(at(7))), expected);
    }

    /// One step of the property test, applied to both the queue and the reference.
    #[derive(Debug, Clone)]
    enum Step {
        Schedule {
            offset: i64,
        },
        /// Cancels the `n`-th id handed out so far (modulo their count), which may already have
        /// fired or been cancelled.
        Cancel {
            n: usize,
        },
        /// Moves `now` forward, then pops one by one or drains.
        Advance {
            by: i64,
            drain: bool,
        },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            // A narrow range of times so many events tie.
            4 => (-5i64..40).prop_map(|offset| Step::Schedule { offset }),
            2 => any::<usize>().prop_map(|n| Step::Cancel { n }),
            1 => (0i64..8, any::<bool>()).prop_map(|(by, drain)| Step::Advance { by, drain }),
        ]
    }

    /// What the reference remembers about each scheduled event, in scheduling order.
    #[derive(Debug, PartialEq)]
    enum Fate {
        Pending,
        Fired,
        Cancelled,
    }

    /// (id, due time, payload) of one fired event.
    type Fired = (EventId, Timestamp, usize);

    /// Fires everything due at `now` from the queue and the reference, returning what the queue
    /// fired and what the reference says should have fired, as (id, due time, payload).
    fn fire_until(
        queue: &mut Scheduler<usize>,
        model: &mut [(Timestamp, usize, Fate)],
        ids: &[EventId],
        now: Timestamp,
        drain: bool,
    ) -> (Vec<Fired>, Vec<Fired>) {
        let fired = if drain {
            queue.drain_due(now)
        } else {
            std::iter::from_fn(|| queue.pop_due(now)).collect()
        };
        let got = fired.iter().map(|d| (d.id, d.at, d.event)).collect();
        let mut expected: Vec<usize> = (0..model.len())
            .filter(|&i| model[i].2 == Fate::Pending && model[i].0 <= now)
            .collect();
        expected.sort_by_key(|&i| (model[i].0, i));
        let want = expected
            .iter()
            .map(|&i| (ids[i], model[i].0, model[i].1))
            .collect();
        for &i in &expected {
            model[i].2 = Fate::Fired;
        }
        (got, want)
    }

    proptest! {
        #[test]
        fn fires_every_live_event_exactly_once_in_order(
            steps in proptest::collection::vec(step(), 0..300),
        ) {
            let mut queue = Scheduler::new();
            // Reference: (due time, payload, fate) indexed by scheduling order.
            let mut model: Vec<(Timestamp, usize, Fate)> = Vec::new();
            let mut ids: Vec<EventId> = Vec::new();
            let mut now = at(0);

            for step in steps {
                match step {
                    Step::Schedule { offset } => {
                        let payload = model.len();
                        let due = now.saturating_add(SignedDuration::from_secs(offset))
                            .unwrap_or(now);
                        ids.push(queue.schedule(due, payload));
                        model.push((due, payload, Fate::Pending));
                    }
                    Step::Cancel { n } => {
                        if let Some(i) = n.checked_rem(ids.len()) {
                            let want = (model[i].2 == Fate::Pending).then_some(model[i].1);
                            prop_assert_eq!(queue.cancel(ids[i]), want);
                            if want.is_some() {
                                model[i].2 = Fate::Cancelled;
                            }
                        }
                    }
                    Step::Advance { by, drain } => {
                        now = now.saturating_add(SignedDuration::from_secs(by)).unwrap_or(now);
                        let (got, want) = fire_until(&mut queue, &mut model, &ids, now, drain);
                        prop_assert!(got.iter().all(|(_, due, _)| *due <= now));
                        prop_assert_eq!(got, want);
                    }
                }
                let live: Vec<&(Timestamp, usize, Fate)> =
                    model.iter().filter(|m| m.2 == Fate::Pending).collect();
                prop_assert_eq!(queue.len(), live.len());
                prop_assert_eq!(queue.is_empty(), live.is_empty());
                prop_assert_eq!(queue.next_due_at(), live.iter().map(|m| m.0).min());
            }

            // Past the latest event, everything still pending fires and the queue is empty.
            let end = model.iter().map(|m| m.0).max().unwrap_or(now).max(now);
            let (got, want) = fire_until(&mut queue, &mut model, &ids, end, true);
            prop_assert_eq!(got, want);
            prop_assert!(queue.is_empty());
            prop_assert_eq!(queue.next_due_at(), None);
            prop_assert!(model.iter().all(|m| m.2 != Fate::Pending));
        }
    }
}
