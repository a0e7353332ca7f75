//! What an account does in a month, drawn from its own random stream: how many steps of each
//! usage line, in what order, which generations fail, and where each variable cost lands.
//!
//! The stream is seeded from (seed, persona, account) only, and every step draws the same
//! numbers whatever the vendor charges for it, so that every offer compared for a persona
//! faces exactly the same demand (common random numbers): differences between offers are
//! the offers', not noise.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Poisson};

use super::config::{PerMonth, Usage};

/// One step of a month, as drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Drawn {
    /// The usage line.
    pub line: usize,
    /// Whether the generation fails.
    pub fails: bool,
    /// A uniform number in [0, 1) that places a variable cost in its range.
    pub unit: f64,
}

/// How a persona's usage lines are drawn, prepared once per persona.
#[derive(Clone, Debug)]
pub(super) struct UsageDraws {
    lines: Vec<LineDraw>,
}

#[derive(Clone, Debug)]
struct LineDraw {
    count: Count,
    failure_rate: f64,
}

#[derive(Clone, Debug)]
enum Count {
    Exact(u32),
    Poisson(Poisson<f64>),
    Zero,
}

impl UsageDraws {
    pub(super) fn new(usage: &[Usage]) -> UsageDraws {
        let line = |u: &Usage| LineDraw {
            count: match u.per_month {
                PerMonth::Exact(n) => Count::Exact(n),
                // A mean of 0 (or one rand_distr refuses) draws nothing.
                PerMonth::Mean(mean) => Poisson::new(mean).map_or(Count::Zero, Count::Poisson),
            },
            failure_rate: u.failure_rate,
        };
        UsageDraws {
            lines: usage.iter().map(line).collect(),
        }
    }
}

/// One account's random stream.
pub(super) struct Demand {
    rng: Xoshiro256PlusPlus,
}

impl Demand {
    /// The stream of account `account` of persona `persona` under `seed`.
    pub(super) fn new(seed: u64, persona: usize, account: u32) -> Demand {
        let mixed = splitmix64(splitmix64(splitmix64(seed) ^ persona as u64) ^ u64::from(account));
        Demand {
            rng: Xoshiro256PlusPlus::seed_from_u64(mixed),
        }
    }

    /// The month's steps in the order they happen, into `out` (cleared first).
    pub(super) fn month(&mut self, draws: &UsageDraws, out: &mut Vec<Drawn>) {
        out.clear();
        for (line, draw) in draws.lines.iter().enumerate() {
            let count = match &draw.count {
                Count::Exact(n) => u64::from(*n),
                Count::Poisson(poisson) => poisson.sample(&mut self.rng) as u64,
                Count::Zero => 0,
            };
            for _ in 0..count {
                let fails = draw.failure_rate > 0.0 && self.rng.random::<f64>() < draw.failure_rate;
                let unit = self.rng.random::<f64>();
                out.push(Drawn { line, fails, unit });
            }
        }
        // Fisher-Yates, so that lines interleave instead of running one after another.
        for i in (1..out.len()).rev() {
            let j = self.rng.random_range(0..=i);
            out.swap(i, j);
        }
    }
}

/// splitmix64's finalizer: neighbouring seeds, personas and accounts get unrelated streams.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// When the `i`-th of `n` steps of a month happens: the midpoints of `n` equal slices of
/// `[start_ms, end_ms)`, so every step lies strictly inside the month.
pub(super) fn step_time(start_ms: u64, end_ms: u64, i: usize, n: usize) -> u64 {
    let span = u128::from(end_ms - start_ms);
    let offset = span * (2 * i as u128 + 1) / (2 * n as u128);
    start_ms + offset as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(per_month: PerMonth, failure_rate: f64) -> Usage {
        Usage {
            label: "x".into(),
            intent: None,
            per_month,
            failure_rate,
        }
    }

    #[test]
    fn exact_counts_are_exact_and_lines_interleave() {
        let draws = UsageDraws::new(&[
            usage(PerMonth::Exact(3), 0.0),
            usage(PerMonth::Exact(5), 0.0),
        ]);
        let mut out = Vec::new();
        Demand::new(1, 0, 0).month(&draws, &mut out);
        assert_eq!(out.iter().filter(|d| d.line == 0).count(), 3);
        assert_eq!(out.iter().filter(|d| d.line == 1).count(), 5);
        assert!(out.iter().all(|d| !d.fails && (0.0..1.0).contains(&d.unit)));
    }

    #[test]
    fn a_poisson_count_has_its_mean() {
        let draws = UsageDraws::new(&[usage(PerMonth::Mean(4.5), 0.2)]);
        let mut out = Vec::new();
        let (mut steps, mut fails) = (0usize, 0usize);
        for account in 0..4000 {
            Demand::new(7, 1, account).month(&draws, &mut out);
            steps += out.len();
            fails += out.iter().filter(|d| d.fails).count();
        }
        let mean = steps as f64 / 4000.0;
        assert!((mean - 4.5).abs() < 0.15, "{mean}");
        let rate = fails as f64 / steps as f64;
        assert!((rate - 0.2).abs() < 0.02, "{rate}");
    }

    #[test]
    fn streams_depend_on_seed_persona_and_account_only() {
        let draws = UsageDraws::new(&[usage(PerMonth::Mean(20.0), 0.5)]);
        let month = |seed, persona, account| {
            let mut out = Vec::new();
            Demand::new(seed, persona, account).month(&draws, &mut out);
            out
        };
        assert_eq!(month(1, 0, 0), month(1, 0, 0));
        assert_ne!(month(1, 0, 0), month(2, 0, 0));
        assert_ne!(month(1, 0, 0), month(1, 1, 0));
        assert_ne!(month(1, 0, 0), month(1, 0, 1));
    }

    #[test]
    fn steps_lie_inside_the_month_in_order() {
        let times: Vec<u64> = (0..4).map(|i| step_time(100, 200, i, 4)).collect();
        assert_eq!(times, [112, 137, 162, 187]);
        assert_eq!(step_time(0, 1, 0, 1), 0);
    }
}
