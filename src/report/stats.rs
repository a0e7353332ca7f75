//! Repeated measurements summed up: the median, how widely the samples spread, and a
//! distribution-free confidence interval for the median, so that a noisy figure can be told
//! from a real change without assuming the timings are normal.

use serde::{Deserialize, Serialize};

/// The confidence asked of the median's interval; fewer than 6 samples cannot reach it, and
/// the interval then says the confidence it has.
pub(crate) const CONFIDENCE: f64 = 0.95;

/// The most samples kept; the interval's binomial sums stay exact in `f64` far beyond it.
pub(crate) const MAX_SAMPLES: usize = 1000;

/// The samples of one metric and what they say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Every sample, in the order measured.
    pub samples: Vec<f64>,
    /// The middle sample, or the mean of the two middle ones for an even count.
    pub median: f64,
    /// The interval for the median: the `k`-th smallest and `k`-th largest samples, with
    /// the largest `k` whose coverage is at least [`CONFIDENCE`] (or 1).
    pub ci_low: f64,
    /// See `ci_low`.
    pub ci_high: f64,
    /// The probability that the interval holds the true median (binomial, exact); 0 for a
    /// single sample, whose interval is the sample itself.
    pub ci_confidence: f64,
    /// Largest minus smallest sample, in % of the median (0 when the median is 0).
    pub spread_pct: f64,
}

impl Stat {
    /// The statistics of `samples`.
    ///
    /// # Panics
    ///
    /// On no samples, more than [`MAX_SAMPLES`], or a sample that is not finite: a metric is
    /// only made from measurements.
    pub fn of(samples: Vec<f64>) -> Stat {
        assert!(!samples.is_empty() && samples.len() <= MAX_SAMPLES);
        assert!(samples.iter().all(|s| s.is_finite()), "{samples:?}");
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n % 2 {
            1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        let (k, ci_confidence) = interval_rank(n);
        let spread = sorted[n - 1] - sorted[0];
        Stat {
            samples,
            median,
            ci_low: sorted[k - 1],
            ci_high: sorted[n - k],
            ci_confidence,
            spread_pct: percent_of(spread, median),
        }
    }

    /// The interval's width in % of the median: how precisely the median is known.
    pub(crate) fn ci_width_pct(&self) -> f64 {
        percent_of(self.ci_high - self.ci_low, self.median)
    }
}

fn percent_of(part: f64, whole: f64) -> f64 {
    match whole == 0.0 {
        true if part == 0.0 => 0.0,
        true => f64::INFINITY,
        false => 100.0 * part / whole.abs(),
    }
}

/// The rank `k` (from 1) of the median's interval among `n` sorted samples, and its
/// coverage: `1 - 2 P(B <= k - 1)` for `B ~ Binomial(n, 1/2)`.
fn interval_rank(n: usize) -> (usize, f64) {
    let coverage = |k: usize| 1.0 - 2.0 * binomial_half_cdf(n, k - 1);
    let mut k = 1;
    while k < n.div_ceil(2) && coverage(k + 1) >= CONFIDENCE {
        k += 1;
    }
    (k, coverage(k).max(0.0))
}

/// `P(B <= j)` for `B ~ Binomial(n, 1/2)`.
fn binomial_half_cdf(n: usize, j: usize) -> f64 {
    let mut term = 0.5f64.powi(n as i32);
    let mut sum = term;
    for i in 1..=j.min(n) {
        term *= (n + 1 - i) as f64 / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn small_samples_get_the_exact_coverage_they_have() {
        assert_eq!(interval_rank(1), (1, 0.0));
        assert_eq!(interval_rank(3), (1, 0.75));
        assert_eq!(interval_rank(5), (1, 0.9375));
        assert_eq!(interval_rank(6), (1, 0.96875));
        let (k, coverage) = interval_rank(10);
        assert_eq!(k, 2);
        assert!((coverage - (1.0 - 22.0 / 1024.0)).abs() < 1e-12);
    }

    #[test]
    fn one_sample_is_its_own_interval() {
        let stat = Stat::of(vec![7.0]);
        assert_eq!((stat.median, stat.ci_low, stat.ci_high), (7.0, 7.0, 7.0));
        assert_eq!((stat.spread_pct, stat.ci_width_pct()), (0.0, 0.0));
    }

    #[test]
    fn the_median_and_spread_of_a_few_samples() {
        let stat = Stat::of(vec![10.0, 8.0, 12.0, 9.0]);
        assert_eq!(stat.median, 9.5);
        assert_eq!((stat.ci_low, stat.ci_high), (8.0, 12.0));
        assert!((stat.spread_pct - 400.0 / 9.5).abs() < 1e-9);
    }

    proptest! {
        /// Against the definitions: half the samples on each side of the median, the
        /// interval ordered around it and made of samples, the coverage the binomial gives.
        #[test]
        fn stats_agree_with_their_definitions(
            samples in prop::collection::vec(-1e6f64..1e6, 1..60)
        ) {
            let stat = Stat::of(samples.clone());
            let at_most = samples.iter().filter(|s| **s <= stat.median).count();
            let at_least = samples.iter().filter(|s| **s >= stat.median).count();
            prop_assert!(2 * at_most >= samples.len() && 2 * at_least >= samples.len());
            prop_assert!(stat.ci_low <= stat.median && stat.median <= stat.ci_high);
            prop_assert!(samples.contains(&stat.ci_low) && samples.contains(&stat.ci_high));
            let n = samples.len();
            let (k, coverage) = interval_rank(n);
            prop_assert!(n < 6 || coverage >= CONFIDENCE);
            let tighter = 1.0 - 2.0 * binomial_half_cdf(n, k);
            prop_assert!(k + 1 > n.div_ceil(2) || tighter < CONFIDENCE);
        }
    }
}
