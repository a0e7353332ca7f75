//! One step of one agent, the unit that workloads draw, traces record and agents take.

use std::sync::Arc;

use crate::ledger::{AccountId, Credits, Key};
use crate::pricing::{Cost, Params};

use super::AgentId;
use super::faults::StepFaults;

/// The upper end of [`Step::actual_permille`].
pub(super) const PERMILLE_MAX: u16 = 1000;

/// One step of one agent: quote, reserve, generate for `duration_ms`, then commit or
/// release. Cheap to clone: the action and parameters are shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Unique across the run: agent `a`'s `k`-th drawn step has index `k × agents + a`, and
    /// a trace row's index is its row number from 0. Use it in idempotency keys.
    pub index: u64,
    /// The agent taking the step.
    pub agent: AgentId,
    /// The agent's account, which the step reserves from; an account's agents share it.
    pub account: AccountId,
    /// When the step is due, in microseconds from the start of the run on the run's clock
    /// (real when paced, virtual otherwise): set for open arrival, and for a run bounded by
    /// months, whose steps are spread over them. Paced latency is measured from here.
    /// `None` when the agent takes the step as soon as it is ready.
    pub send_at_us: Option<u64>,
    /// The vendor action id, from the workload entry the step was drawn from (or a trace row).
    pub action: Arc<str>,
    /// The action's parameters, shared with that workload entry.
    pub params: Arc<Params>,
    /// Whether the generation fails (the hold must then be released, never charged).
    pub fails: bool,
    /// How long the generation takes, in virtual ms.
    pub duration_ms: u64,
    /// Where the actual cost of a variable-cost action lands in its quoted range, in
    /// thousandths from `min` (0) to `max` (1000); see [`Step::actual_credits`]. Recorded per
    /// step, not as credits, so that the same trace stays valid if a price changes.
    pub actual_permille: u16,
    /// Injected faults for this step.
    pub faults: StepFaults,
}

impl Step {
    /// The amount to commit for a successful step quoted at `cost`. The 1001 permille
    /// values are cut into `max − min + 1` equal runs, one per whole number of the range, so
    /// that a uniform permille gives a uniform actual cost with both ends as likely as any
    /// other value: `min + ⌊permille × (max − min + 1) / 1001⌋`, never outside `[min, max]`.
    pub fn actual_credits(&self, cost: Cost) -> Credits {
        let values = u128::from(cost.max.saturating_sub(cost.min)) + 1;
        let permille = u128::from(self.actual_permille.min(PERMILLE_MAX));
        let extra = permille * values / (u128::from(PERMILLE_MAX) + 1);
        // extra < values, so min + extra <= max.
        cost.min + extra as u64
    }

    /// An idempotency key unique within the run (`a17-s3042`).
    pub fn key(&self) -> Key {
        smol_str::format_smolstr!("a{}-s{}", self.agent, self.index)
    }
}
