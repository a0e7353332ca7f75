//! Pass/fail limits that a scenario sets on what a run reports (exit code 3 on a breach).
//!
//! A limit bounds a metric by name: any number the run's summary reports, named by its path
//! in `summary.json` (`latency_by_op_us.reserve.p99`, `counts.insufficient`,
//! `violations_total`). It is written `max.<metric> = N` or `min.<metric> = N` under
//! `[thresholds]`; the older names (`reserve_p99_us`, `min_steps_per_s`, ...) are shorthands
//! for five of them. The report checks that every named metric exists before a run and
//! compares after it.

use super::error::Location;

/// Which side of its limit a measurement must stay on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The measurement must be at most the limit (`max.`).
    AtMost,
    /// The measurement must be at least the limit (`min.`).
    AtLeast,
}

/// One limit on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The key as the scenario wrote it (`reserve_p99_us`, `max.counts.insufficient`), so
    /// that a breach names what the user typed.
    pub written: String,
    /// The metric it bounds: a dotted path in the run's summary.
    pub metric: String,
    /// The direction of the limit.
    pub bound: Bound,
    /// The number the metric is compared with, in the metric's own unit.
    pub limit: f64,
    /// Where it was written, for the error when the metric does not exist.
    pub at: Location,
}

/// The scenario's limits; none means the run is judged by its invariants alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thresholds {
    /// In the order of their keys.
    pub limits: Vec<Threshold>,
}

impl Thresholds {
    /// Whether any limit is set at all.
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }

    /// The limit written as `written`, if the scenario sets it.
    pub fn get(&self, written: &str) -> Option<&Threshold> {
        self.limits.iter().find(|limit| limit.written == written)
    }
}

/// What values a shorthand accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShorthandValue {
    /// Microseconds: an integer of 0 or more.
    Micros,
    /// A rate: a number of 0 or more.
    Rate,
    /// A share: a number from 0 to 1.
    Ratio,
}

/// A name kept from before limits could name any metric: what it bounds and what it takes.
#[derive(Clone, Copy, Debug)]
pub struct Shorthand {
    /// The key in `[thresholds]`.
    pub written: &'static str,
    /// Whether the shorthand sets an upper (`max.`) or a lower (`min.`) limit.
    pub bound: Bound,
    /// The dotted summary path it stands for, such as `latency_by_op_us.reserve.p99`.
    pub metric: &'static str,
    /// What numbers the key accepts, checked when the scenario is loaded.
    pub value: ShorthandValue,
}

/// The shorthands: `reserve_p99_us = N` means `max.latency_by_op_us.reserve.p99 = N`.
pub const SHORTHANDS: [Shorthand; 5] = [
    Shorthand {
        written: "reserve_p99_us",
        bound: Bound::AtMost,
        metric: "latency_by_op_us.reserve.p99",
        value: ShorthandValue::Micros,
    },
    Shorthand {
        written: "commit_p99_us",
        bound: Bound::AtMost,
        metric: "latency_by_op_us.commit.p99",
        value: ShorthandValue::Micros,
    },
    Shorthand {
        written: "min_cycles_per_s",
        bound: Bound::AtLeast,
        metric: "throughput.cycles_per_s",
        value: ShorthandValue::Rate,
    },
    Shorthand {
        written: "min_steps_per_s",
        bound: Bound::AtLeast,
        metric: "throughput.steps_per_s",
        value: ShorthandValue::Rate,
    },
    Shorthand {
        written: "max_insufficient_ratio",
        bound: Bound::AtMost,
        metric: "insufficient_ratio",
        value: ShorthandValue::Ratio,
    },
];
