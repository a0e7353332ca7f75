//! Pass/fail limits that a scenario sets on what a run measured (exit code 3 on a breach).

/// Limits on a run's measurements; each is optional and unset limits never breach. The
/// report compares them with what the run measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thresholds {
    /// The 99th percentile of reserve latency must not exceed this, in microseconds.
    pub reserve_p99_us: Option<u64>,
    /// The 99th percentile of commit latency must not exceed this, in microseconds.
    pub commit_p99_us: Option<u64>,
    /// Completed reserve→commit/release cycles per real second must reach this.
    pub min_cycles_per_s: Option<f64>,
    /// Steps finished per real second (whatever their outcome) must reach this.
    pub min_steps_per_s: Option<f64>,
    /// The share of reserves refused as `Insufficient` must not exceed this (0 to 1).
    pub max_insufficient_ratio: Option<f64>,
}

impl Thresholds {
    /// Whether any limit is set at all.
    pub fn is_empty(&self) -> bool {
        *self == Thresholds::default()
    }
}
