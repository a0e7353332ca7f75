//! Drawing the actual cost of a variable-cost action from its quoted range `{min, max}`:
//! the vendors state only the range ("1-3 credits"), so the distribution is the model's
//! assumption, documented here and selectable per action by a scenario.
//!
//! - `Uniform` (the default): every whole number of the range equally likely, both ends
//!   included.
//! - `Mean(m)`: the maximum-entropy distribution over the whole numbers of the range with
//!   mean `m` — P(k) ∝ rᵏ, with `r` chosen so that the mean is `m`. It assumes nothing but
//!   the mean, and every value of the range (both ends included) stays reachable whenever
//!   `min < m < max`; `m` at an end of the range gives that end always.

use super::Cost;

/// How the actual cost of a variable-cost action is drawn from its range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CostDraw {
    /// Every whole number of the range equally likely.
    Uniform,
    /// The maximum-entropy distribution over the range's whole numbers with this mean.
    Mean(f64),
}

/// Why a cost distribution cannot apply to a range.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("a mean of {mean} is outside the cost range {min}–{max}")]
pub struct MeanOutOfRange {
    /// The mean cost in credits that the `CostDraw::Mean` asked for.
    pub mean: f64,
    /// The range's least cost.
    pub min: u64,
    /// The range's greatest cost.
    pub max: u64,
}

/// A distribution made ready for one range: draws map a uniform number in `[0, 1)` to a
/// cost, through the cumulative probabilities of the range's values.
#[derive(Clone, Debug, PartialEq)]
pub struct CostSampler {
    min: u64,
    /// Cumulative probability of `min + i`, for each `i`; empty for a uniform draw, which
    /// needs no table.
    cumulative: Vec<f64>,
    values: u64,
}

/// The most values a `Mean` distribution tabulates: far beyond any vendor's range.
const MAX_TABLE: u64 = 1 << 16;

impl CostSampler {
    /// A sampler of `draw` over `cost`'s range.
    pub fn new(cost: Cost, draw: CostDraw) -> Result<CostSampler, MeanOutOfRange> {
        let values = cost.max.saturating_sub(cost.min).saturating_add(1);
        let uniform = CostSampler {
            min: cost.min,
            cumulative: Vec::new(),
            values,
        };
        let CostDraw::Mean(mean) = draw else {
            return Ok(uniform);
        };
        let out_of_range = MeanOutOfRange {
            mean,
            min: cost.min,
            max: cost.max,
        };
        if !(mean >= cost.min as f64 && mean <= cost.max as f64) || values > MAX_TABLE {
            return Err(out_of_range);
        }
        let offset = mean - cost.min as f64;
        let cumulative = cumulative(&tilted(values, offset));
        Ok(CostSampler {
            cumulative,
            ..uniform
        })
    }

    /// The cost at `unit`, a uniform random number in `[0, 1)`.
    pub fn sample(&self, unit: f64) -> u64 {
        let unit = unit.clamp(0.0, 1.0);
        let index = match self.cumulative.is_empty() {
            true => ((unit * self.values as f64) as u64).min(self.values - 1),
            false => {
                let found = self.cumulative.partition_point(|&c| c <= unit);
                (found as u64).min(self.values - 1)
            }
        };
        self.min + index
    }

    /// The least and greatest cost this sampler can return, both inclusive.
    pub fn range(&self) -> Cost {
        Cost {
            min: self.min,
            max: self.min + (self.values - 1),
        }
    }

    /// The distribution's mean, for reports and tests.
    pub fn mean(&self) -> f64 {
        if self.cumulative.is_empty() {
            return self.min as f64 + (self.values - 1) as f64 / 2.0;
        }
        let mut previous = 0.0;
        let mut mean = 0.0;
        for (i, &c) in self.cumulative.iter().enumerate() {
            mean += (c - previous) * i as f64;
            previous = c;
        }
        self.min as f64 + mean
    }
}

/// Probabilities of 0..values with mean `offset`: P(i) ∝ rⁱ, `r` found by bisection on
/// the mean (which rises with `r`), in log space so that long ranges do not overflow.
fn tilted(values: u64, offset: f64) -> Vec<f64> {
    let last = (values - 1) as f64;
    if values == 1 || offset <= 0.0 {
        return point(values, 0);
    }
    if offset >= last {
        return point(values, values - 1);
    }
    let (mut low, mut high) = (-50.0f64, 50.0f64);
    for _ in 0..200 {
        let log_r = (low + high) / 2.0;
        match mean_of(&weights(values, log_r)) < offset {
            true => low = log_r,
            false => high = log_r,
        }
    }
    normalized(weights(values, (low + high) / 2.0))
}

fn point(values: u64, at: u64) -> Vec<f64> {
    (0..values)
        .map(|i| if i == at { 1.0 } else { 0.0 })
        .collect()
}

/// rⁱ for each `i`, scaled by the largest so that none overflows.
fn weights(values: u64, log_r: f64) -> Vec<f64> {
    let top = if log_r > 0.0 {
        (values - 1) as f64 * log_r
    } else {
        0.0
    };
    (0..values)
        .map(|i| (i as f64 * log_r - top).exp())
        .collect()
}

fn mean_of(weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    let weighted: f64 = weights.iter().enumerate().map(|(i, w)| i as f64 * w).sum();
    weighted / total
}

fn normalized(weights: Vec<f64>) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}

/// Running sums, with the last forced to 1 so that every `unit < 1` finds a value.
fn cumulative(probabilities: &[f64]) -> Vec<f64> {
    let mut sum = 0.0;
    let mut out: Vec<f64> = probabilities
        .iter()
        .map(|p| {
            sum += p;
            sum
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws at `n` evenly spaced points of [0, 1): what a fair random source would give.
    fn histogram(sampler: &CostSampler, cost: Cost, n: u32) -> Vec<u32> {
        let mut counts = vec![0; (cost.max - cost.min + 1) as usize];
        for i in 0..n {
            let unit = (f64::from(i) + 0.5) / f64::from(n);
            counts[(sampler.sample(unit) - cost.min) as usize] += 1;
        }
        counts
    }

    #[test]
    fn uniform_draws_give_every_value_of_the_range_equally() {
        let cost = Cost { min: 1, max: 3 };
        let sampler = CostSampler::new(cost, CostDraw::Uniform).unwrap();
        assert_eq!(histogram(&sampler, cost, 3000), [1000, 1000, 1000]);
        assert_eq!(sampler.mean(), 2.0);
        assert_eq!((sampler.sample(0.0), sampler.sample(0.999_999)), (1, 3));
    }

    #[test]
    fn a_mean_is_met_with_both_ends_reachable() {
        let cost = Cost { min: 1, max: 3 };
        let sampler = CostSampler::new(cost, CostDraw::Mean(1.5)).unwrap();
        assert!((sampler.mean() - 1.5).abs() < 1e-9, "{}", sampler.mean());
        let counts = histogram(&sampler, cost, 100_000);
        assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
        assert!(counts[0] > counts[1] && counts[1] > counts[2], "{counts:?}");
        let drawn: u64 = (0..100_000)
            .map(|i| sampler.sample((f64::from(i) + 0.5) / 100_000.0))
            .sum();
        assert!((drawn as f64 / 100_000.0 - 1.5).abs() < 0.001);
    }

    #[test]
    fn a_mean_at_an_end_or_outside_the_range() {
        let cost = Cost { min: 5, max: 20 };
        let low = CostSampler::new(cost, CostDraw::Mean(5.0)).unwrap();
        assert_eq!((low.sample(0.0), low.sample(0.99)), (5, 5));
        let err = CostSampler::new(cost, CostDraw::Mean(21.0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a mean of 21 is outside the cost range 5–20"
        );
        assert!(CostSampler::new(cost, CostDraw::Mean(f64::NAN)).is_err());
    }

    #[test]
    fn a_fixed_cost_is_always_itself() {
        let cost = Cost { min: 7, max: 7 };
        for draw in [CostDraw::Uniform, CostDraw::Mean(7.0)] {
            let sampler = CostSampler::new(cost, draw).unwrap();
            assert_eq!((sampler.sample(0.0), sampler.sample(0.999)), (7, 7));
        }
    }
}
