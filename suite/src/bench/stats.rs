//! Percentiles the way a reader checks them by hand: sort the samples, take the nearest rank.
//! Every document's figure is kept (a benchmark has thousands, not billions), so there is no
//! histogram bucketing to explain and p99 of 12 samples is simply the largest.

use serde::Serialize;

/// The value at percentile `p` (0 < p <= 100) of `sorted` (ascending) by the nearest-rank
/// method: the smallest sample with at least p% of the samples at or below it. `None` when
/// there are no samples.
pub(crate) fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // ceil(p/100 * n) in integers of per-mille, so 50% of 10 is rank 5 exactly.
    let per_mille = (p.clamp(0.0, 100.0) * 10.0).round() as usize;
    let rank = (per_mille * n).div_ceil(1000).clamp(1, n);
    sorted.get(rank - 1).copied()
}

/// One figure over the documents that reached their end state, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Distribution {
    /// How many documents the figures are over.
    pub count: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// The sum over the documents: document-milliseconds, not wall time (documents overlap).
    pub total_ms: f64,
}

impl Distribution {
    /// The figures of `samples` (milliseconds, any order); all 0 when there are none.
    pub(crate) fn of(samples: &[f64]) -> Distribution {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let at = |p: f64| round_us(nearest_rank(&sorted, p).unwrap_or(0.0));
        let total: f64 = sorted.iter().sum();
        let mean = if sorted.is_empty() {
            0.0
        } else {
            total / sorted.len() as f64
        };
        Distribution {
            count: sorted.len(),
            p50_ms: at(50.0),
            p90_ms: at(90.0),
            p99_ms: at(99.0),
            max_ms: at(100.0),
            mean_ms: round_us(mean),
            total_ms: round_us(total),
        }
    }
}

/// Milliseconds to the microsecond: the journal's resolution, and no noise digits in reports.
pub(crate) fn round_us(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn nearest_rank_picks_the_textbook_samples() {
        let sorted: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&sorted, 50.0), Some(5.0));
        assert_eq!(nearest_rank(&sorted, 90.0), Some(9.0));
        assert_eq!(nearest_rank(&sorted, 99.0), Some(10.0));
        assert_eq!(nearest_rank(&sorted, 100.0), Some(10.0));
        assert_eq!(nearest_rank(&[7.0], 50.0), Some(7.0));
        assert_eq!(nearest_rank(&[], 50.0), None);
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&hundred, 99.0), Some(99.0));
        assert_eq!(nearest_rank(&hundred, 50.0), Some(50.0));
    }

    #[test]
    fn no_samples_give_zeros() {
        assert_eq!(Distribution::of(&[]), Distribution::default());
    }

    proptest! {
        #[test]
        fn percentiles_are_ordered_and_within_the_samples(
            samples in prop::collection::vec(0.0f64..1e7, 1..300)
        ) {
            let d = Distribution::of(&samples);
            let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
            let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(d.p50_ms <= d.p90_ms);
            prop_assert!(d.p90_ms <= d.p99_ms);
            prop_assert!(d.p99_ms <= d.max_ms);
            // Within the samples, give or take the rounding to the microsecond.
            prop_assert!(d.p50_ms >= round_us(min));
            prop_assert!(d.max_ms <= round_us(max));
            prop_assert_eq!(d.max_ms, round_us(max));
            prop_assert_eq!(d.count, samples.len());
        }
    }
}
