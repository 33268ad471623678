//! How fast the due-event queue is at the sizes a long soak scenario reaches: a million pending
//! webhook retries and deadlines, and the schedule-then-cancel churn of retries that become
//! unnecessary once a delivery succeeds.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use scheduler::Scheduler;

// The queue is a private building block of eisim, not part of its API; the bench compiles the
// very same source file rather than widening the crate's surface for it.
#[allow(dead_code, unreachable_pub)]
#[path = "../../simulator/src/scheduler.rs"]
mod scheduler;

/// 2025-01-01T00:00:00Z.
const START: Timestamp = Timestamp::constant(1_735_689_600, 0);

/// Thirty days in milliseconds: events spread over a month, like SDI and webhook deadlines.
const SPREAD_MS: u64 = 30 * 24 * 60 * 60 * 1000;

/// Due times from a fixed 64-bit LCG (Knuth's MMIX constants), so every run measures the same
/// insertion order without pulling in a random number crate.
fn due_times(count: usize) -> Vec<Timestamp> {
    let mut state: u64 = 0x5eed;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // The high bits of an LCG are the well-mixed ones.
            let offset_ms = (state >> 16) % SPREAD_MS;
            let offset = SignedDuration::from_millis(offset_ms as i64);
            START.saturating_add(offset).unwrap_or(START)
        })
        .collect()
}

fn schedule_then_pop_all(c: &mut Criterion) {
    const EVENTS: usize = 1_000_000;
    let times = due_times(EVENTS);

    let mut group = c.benchmark_group("scheduler");
    group
        .throughput(Throughput::Elements(EVENTS as u64))
        // One iteration takes around a second on a small machine: ten flat samples of one
        // iteration each are plenty, and keep the whole bench under a minute.
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    // Baseline measured in the same run: a bare binary heap of (time, sequence) with no
    // payloads and no cancellation support. The scheduler's figure is read as a ratio of it.
    group.bench_function("baseline_binary_heap_1m", |b| {
        b.iter(|| {
            let mut heap = BinaryHeap::with_capacity(EVENTS);
            for (n, at) in times.iter().enumerate() {
                heap.push(Reverse((*at, n)));
            }
            let mut popped = 0usize;
            while let Some(entry) = heap.pop() {
                black_box(&entry);
                popped += 1;
            }
            black_box(popped)
        });
    });
    group.bench_function("schedule_then_pop_1m", |b| {
        b.iter(|| {
            let mut queue = Scheduler::new();
            for (n, at) in times.iter().enumerate() {
                queue.schedule(*at, n);
            }
            let mut fired = 0usize;
            while let Some(due) = queue.pop_due(Timestamp::MAX) {
                black_box(&due);
                fired += 1;
            }
            black_box(fired)
        });
    });
    group.finish();
}

fn schedule_cancel_half_then_drain(c: &mut Criterion) {
    const EVENTS: usize = 100_000;
    let times = due_times(EVENTS);

    let mut group = c.benchmark_group("scheduler");
    group
        .throughput(Throughput::Elements(EVENTS as u64))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("schedule_cancel_half_drain_100k", |b| {
        b.iter(|| {
            let mut queue = Scheduler::new();
            let ids: Vec<_> = times
                .iter()
                .enumerate()
                .map(|(n, at)| queue.schedule(*at, n))
                .collect();
            for id in ids.iter().step_by(2) {
                black_box(queue.cancel(*id));
            }
            black_box(queue.drain_due(Timestamp::MAX).len())
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    schedule_then_pop_all,
    schedule_cancel_half_then_drain
);
criterion_main!(benches);
