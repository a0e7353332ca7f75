//! A drawn workload: the weighted mix of actions that agents draw their steps from.

use std::sync::Arc;

use crate::pricing::{CostSampler, Params};

/// One weighted choice of the mix.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadEntry {
    /// The vendor action id the entry's `action` key names.
    pub action: Arc<str>,
    /// The action's parameters, shared by every step drawn from this entry.
    pub params: Arc<Params>,
    /// Relative weight, at least 1.
    pub weight: u64,
    /// How the actual cost is drawn from the quoted range: `None` is uniform over its whole
    /// numbers; a sampler gives the scenario's `cost = { mean = M }` distribution.
    pub cost: Option<CostSampler>,
}

/// A weighted mix of actions, validated against the vendor.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    entries: Vec<WorkloadEntry>,
    /// Running sums of weights, for drawing an entry by binary search.
    cumulative: Vec<u64>,
}

impl Workload {
    /// A mix of `entries`; `None` when there are none or the weights overflow.
    pub fn new(entries: Vec<WorkloadEntry>) -> Option<Workload> {
        let mut sum: u64 = 0;
        let mut cumulative = Vec::with_capacity(entries.len());
        for entry in &entries {
            sum = sum.checked_add(entry.weight)?;
            cumulative.push(sum);
        }
        (sum > 0).then_some(Workload {
            entries,
            cumulative,
        })
    }

    pub(super) fn pick(&self, draw: u64) -> &WorkloadEntry {
        let total = *self.cumulative.last().expect("a workload is never empty");
        let point = draw % total;
        let at = self.cumulative.partition_point(|&c| c <= point);
        &self.entries[at]
    }
}
