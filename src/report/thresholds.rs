//! Comparing what a run measured with the limits its scenario sets (exit code 3 on a
//! breach).

use std::fmt;

use crate::scenario::Thresholds;

/// What a run measured, in the units of [`Thresholds`]. Rates and ratios are floats because
/// they are measurements, not money.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Observed {
    /// 99th percentile of reserve latency, microseconds.
    pub reserve_p99_us: u64,
    /// 99th percentile of commit latency, microseconds.
    pub commit_p99_us: u64,
    /// Completed cycles per real second.
    pub cycles_per_s: f64,
    /// Finished steps per real second.
    pub steps_per_s: f64,
    /// Insufficient reserves divided by all reserves (0 when there were none).
    pub insufficient_ratio: f64,
}

/// Which side of its limit a measurement must stay on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The measurement must be at most the limit.
    AtMost,
    /// The measurement must be at least the limit.
    AtLeast,
}

/// One limit that a run breached, with both numbers, for the summary and for CI logs.
#[derive(Clone, Debug, PartialEq)]
pub struct Breach {
    /// The threshold's field name in the scenario (`reserve_p99_us`).
    pub threshold: &'static str,
    /// The direction of the limit.
    pub bound: Bound,
    /// The limit the scenario set.
    pub limit: f64,
    /// What the run measured.
    pub observed: f64,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let want = match self.bound {
            Bound::AtMost => "at most",
            Bound::AtLeast => "at least",
        };
        write!(
            f,
            "{}: observed {}, limit {want} {}",
            self.threshold, self.observed, self.limit
        )
    }
}

/// The limits of `thresholds` that `observed` breaches, in field order; empty means the run
/// passes.
pub fn breaches(thresholds: &Thresholds, observed: &Observed) -> Vec<Breach> {
    let checks = [
        (
            "reserve_p99_us",
            Bound::AtMost,
            thresholds.reserve_p99_us.map(|v| v as f64),
            observed.reserve_p99_us as f64,
        ),
        (
            "commit_p99_us",
            Bound::AtMost,
            thresholds.commit_p99_us.map(|v| v as f64),
            observed.commit_p99_us as f64,
        ),
        (
            "min_cycles_per_s",
            Bound::AtLeast,
            thresholds.min_cycles_per_s,
            observed.cycles_per_s,
        ),
        (
            "min_steps_per_s",
            Bound::AtLeast,
            thresholds.min_steps_per_s,
            observed.steps_per_s,
        ),
        (
            "max_insufficient_ratio",
            Bound::AtMost,
            thresholds.max_insufficient_ratio,
            observed.insufficient_ratio,
        ),
    ];
    checks
        .into_iter()
        .filter_map(|(threshold, bound, limit, observed)| {
            let limit = limit?;
            let ok = match bound {
                Bound::AtMost => observed <= limit,
                Bound::AtLeast => observed >= limit,
            };
            (!ok).then_some(Breach {
                threshold,
                bound,
                limit,
                observed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_set() -> Thresholds {
        Thresholds {
            reserve_p99_us: Some(500),
            commit_p99_us: Some(400),
            min_cycles_per_s: Some(1000.0),
            min_steps_per_s: Some(900.0),
            max_insufficient_ratio: Some(0.1),
        }
    }

    fn passing() -> Observed {
        Observed {
            reserve_p99_us: 500,
            commit_p99_us: 10,
            cycles_per_s: 1000.0,
            steps_per_s: 5000.0,
            insufficient_ratio: 0.1,
        }
    }

    #[test]
    fn values_on_the_limit_pass() {
        assert_eq!(breaches(&all_set(), &passing()), vec![]);
    }

    #[test]
    fn each_limit_breaches_on_its_own() {
        type Breaker = fn(&mut Observed);
        let cases: [(&str, Breaker); 5] = [
            ("reserve_p99_us", |o| o.reserve_p99_us = 501),
            ("commit_p99_us", |o| o.commit_p99_us = 401),
            ("min_cycles_per_s", |o| o.cycles_per_s = 999.5),
            ("min_steps_per_s", |o| o.steps_per_s = 10.0),
            ("max_insufficient_ratio", |o| o.insufficient_ratio = 0.11),
        ];
        for (name, breach) in cases {
            let mut observed = passing();
            breach(&mut observed);
            let found = breaches(&all_set(), &observed);
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert_eq!(found[0].threshold, name);
        }
    }

    #[test]
    fn unset_limits_never_breach() {
        let awful = Observed {
            reserve_p99_us: u64::MAX,
            commit_p99_us: u64::MAX,
            cycles_per_s: 0.0,
            steps_per_s: 0.0,
            insufficient_ratio: 1.0,
        };
        assert!(Thresholds::default().is_empty());
        assert_eq!(breaches(&Thresholds::default(), &awful), vec![]);
        assert_eq!(breaches(&all_set(), &awful).len(), 5);
    }

    #[test]
    fn a_breach_reads_well() {
        let observed = Observed {
            reserve_p99_us: 812,
            ..passing()
        };
        let text = breaches(&all_set(), &observed)[0].to_string();
        assert_eq!(text, "reserve_p99_us: observed 812, limit at most 500");
    }
}
