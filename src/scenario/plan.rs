//! The resolved, validated scenario that the runner consumes.

use std::path::PathBuf;
use std::sync::Arc;

use crate::ledger::{AccountId, MONTH_MS, TimeMs};
use crate::pricing::Model;

use super::faults::{Fault, FaultSet};
use super::steps::{StepGen, Workload};
use super::thresholds::Thresholds;
use super::trace::Trace;
use super::{AgentId, ScenarioError};

/// Everything a run needs, resolved and validated: the vendor model, the accounts and their
/// agents, how steps arrive and what they are. Built by [`Plan::load`].
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario's name (its file stem unless `name` is set), for result directories.
    pub name: String,
    /// The scenario file, so that reports can say where the run came from.
    pub path: PathBuf,
    /// The vendor's pricing model.
    pub vendor: Model,
    /// The seed every agent's RNG derives from (`--seed` overrides the file's).
    pub seed: u64,
    /// Accounts, ids dense from 0 in file order.
    pub accounts: Vec<AccountPlan>,
    /// Agents, ids dense from 0; each account's agents are consecutive.
    pub agents: Vec<AgentPlan>,
    /// How steps arrive.
    pub arrival: Arrival,
    /// How long the run lasts.
    pub duration: RunDuration,
    /// How long a generation takes. Trace replay ignores it: rows carry their durations.
    pub generation: Generation,
    /// How long a hold may stay open, in virtual ms, before the account releases it.
    pub ttl_ms: TimeMs,
    /// How virtual time moves.
    pub clock: ClockPlan,
    /// Limits whose breach makes the run exit 3.
    pub thresholds: Thresholds,
    /// Per-step fault probabilities (including ordinary generation failures). Trace replay
    /// ignores them: rows carry their own faults.
    pub faults: FaultSet,
    /// Where steps come from.
    pub source: StepSource,
}

/// One account to create before the run starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountPlan {
    /// Dense from 0 in file order.
    pub id: AccountId,
    /// A label for economics reports: the group's `persona`, else its plan, else `packs`.
    pub persona: String,
    /// The vendor plan, or `None` for an account that only buys packs.
    pub plan: Option<String>,
    /// Seats on the plan (allowances per seat multiply).
    pub seats: u32,
    /// Pack ids bought at the start of the run, in order.
    pub packs: Vec<String>,
    /// Recurring add-on units (aistudios).
    pub addon_units: u32,
    /// How many agents share this account (more than one makes a workspace pool).
    pub agents: u32,
}

/// One user agent: an actor with its own RNG and step script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentPlan {
    /// Dense from 0.
    pub id: AgentId,
    /// The account it spends from.
    pub account: AccountId,
}

/// How steps arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Each agent issues its next step when the previous one is done and it has thought for
    /// `think_ms` real milliseconds. Throughput is whatever the system sustains.
    Closed {
        /// Pause between an agent's steps, real ms.
        think_ms: u64,
    },
    /// Steps are due at a fixed overall rate, spread round-robin over the agents; each step
    /// carries its intended send time (`Step::send_at_us`), from which latency is measured,
    /// so a stall cannot hide behind delayed sends (coordinated omission).
    Open {
        /// Steps per real second across all agents (for a trace: its average rate).
        rate_per_s: u64,
    },
}

/// How long a run lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunDuration {
    /// A total number of steps, split across agents as evenly as possible (the first
    /// `steps % agents` agents get one more).
    Steps(u64),
    /// Real seconds. With open arrival this is `rate_per_s × seconds` steps; with closed
    /// arrival agents draw steps until the runner stops them.
    Seconds(u64),
}

/// How long a simulated generation takes, in virtual ms (the runner waits it out in real
/// time divided by the clock's speedup).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Generation {
    /// Always `ms`.
    Fixed {
        /// Duration, virtual ms.
        ms: u64,
    },
    /// Uniform over `[min_ms, max_ms]`.
    Uniform {
        /// Shortest, virtual ms.
        min_ms: u64,
        /// Longest, virtual ms.
        max_ms: u64,
    },
    /// Exponential with mean `mean_ms`, cut at 20 × the mean so that one draw cannot stall a
    /// run.
    Exponential {
        /// Mean, virtual ms.
        mean_ms: u64,
    },
}

impl Default for Generation {
    /// Instant generations: the default measures the ledger, not a simulated model.
    fn default() -> Generation {
        Generation::Fixed { ms: 0 }
    }
}

/// How virtual time (what the ledger uses for renewals, expiry and hold timeouts) relates to
/// real time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockPlan {
    /// Virtual time at the start of the run. Enabling the `cycle-boundary` fault moves a
    /// zero start to half a hold ttl before the first month boundary.
    pub start_ms: TimeMs,
    /// How fast virtual time runs.
    pub pace: Pace,
    start_given: bool,
}

/// How fast virtual time runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Virtual milliseconds per real millisecond.
    Speedup(u64),
    /// The run spans this many virtual months; the runner picks the speedup that stretches
    /// them over the run (for example `months × MONTH_MS / expected real ms`).
    Months(u32),
}

impl ClockPlan {
    pub(crate) fn new(start_ms: Option<TimeMs>, pace: Pace) -> ClockPlan {
        ClockPlan {
            start_ms: start_ms.unwrap_or(0),
            pace,
            start_given: start_ms.is_some(),
        }
    }

    /// The virtual ms that the run spans, when the pace fixes it (`months`).
    pub fn span_ms(&self) -> Option<TimeMs> {
        match self.pace {
            Pace::Months(months) => MONTH_MS.checked_mul(u64::from(months)),
            Pace::Speedup(_) => None,
        }
    }

    /// The speedup that spreads the run over `real_ms` real milliseconds: the given speedup,
    /// or for `months` the span divided by `real_ms` (at least 1).
    pub fn speedup_over(&self, real_ms: u64) -> u64 {
        match (self.pace, self.span_ms()) {
            (Pace::Speedup(speedup), _) => speedup,
            (Pace::Months(_), Some(span)) => (span / real_ms.max(1)).max(1),
            (Pace::Months(_), None) => u64::MAX,
        }
    }

    fn near_boundary(&mut self, ttl_ms: TimeMs) {
        if !self.start_given {
            self.start_ms = MONTH_MS.saturating_sub(ttl_ms / 2);
        }
    }
}

/// Where a run's steps come from.
#[derive(Clone, Debug)]
pub enum StepSource {
    /// Drawn from a weighted mix by each agent's seeded RNG.
    Workload(Arc<Workload>),
    /// Replayed exactly from a trace file.
    Trace(Arc<Trace>),
}

impl Plan {
    /// The number of steps the run issues, or `None` when agents draw until the runner
    /// stops them (closed arrival bounded by seconds).
    pub fn total_steps(&self) -> Option<u64> {
        match (&self.source, self.duration, self.arrival) {
            (StepSource::Trace(trace), _, _) => Some(trace.len() as u64),
            (_, RunDuration::Steps(steps), _) => Some(steps),
            (_, RunDuration::Seconds(s), Arrival::Open { rate_per_s }) => {
                Some(rate_per_s.saturating_mul(s))
            }
            (_, RunDuration::Seconds(_), Arrival::Closed { .. }) => None,
        }
    }

    /// The steps of one agent, in order. Each call starts the agent's script afresh, so two
    /// calls yield the same steps.
    ///
    /// # Panics
    ///
    /// If `agent` is not the id of one of `self.agents` (a caller bug, not bad input).
    pub fn steps(&self, agent: AgentId) -> StepGen {
        let slot = self.agents[agent as usize];
        match &self.source {
            StepSource::Trace(trace) => StepGen::replay(Arc::clone(trace), slot),
            StepSource::Workload(workload) => StepGen::drawn(self, Arc::clone(workload), slot),
        }
    }

    /// Every step of the run in index order, as `generate` writes them. Refused when the run
    /// has no fixed step count.
    pub fn all_steps(&self) -> Result<AllSteps, ScenarioError> {
        let Some(total) = self.total_steps() else {
            return Err(ScenarioError::Unsupported {
                path: self.path.clone(),
                message: "closed arrival bounded by `duration.seconds` has no fixed step \
                          count; set `duration.steps` or use `arrival.mode = \"open\"`"
                    .to_string(),
            });
        };
        let gens = (0..self.agents.len() as AgentId)
            .map(|a| self.steps(a))
            .collect();
        Ok(AllSteps {
            gens,
            trace: match &self.source {
                StepSource::Trace(trace) => Some(Arc::clone(trace)),
                StepSource::Workload(_) => None,
            },
            next: 0,
            total,
        })
    }

    /// Turns on faults named by `--faults` (see [`FaultSet::enable`]). A trace records its
    /// own faults, so enabling faults on a trace replay is refused.
    pub fn enable_faults(&mut self, faults: &[Fault]) -> Result<(), ScenarioError> {
        if let StepSource::Trace(trace) = &self.source {
            return Err(ScenarioError::Unsupported {
                path: self.path.clone(),
                message: format!(
                    "steps are replayed from the trace {}, which records each step's faults; \
                     regenerate the trace with --faults instead",
                    trace.path().display()
                ),
            });
        }
        self.faults.enable(faults);
        self.apply_fault_clock();
        Ok(())
    }

    pub(crate) fn apply_fault_clock(&mut self) {
        if self.faults.probability(Fault::CycleBoundary) > 0.0 {
            self.clock.near_boundary(self.ttl_ms);
        }
    }
}

/// Every step of a plan in index order (agents interleaved round-robin for a drawn
/// workload, row order for a trace).
#[derive(Debug)]
pub struct AllSteps {
    gens: Vec<StepGen>,
    trace: Option<Arc<Trace>>,
    next: u64,
    total: u64,
}

impl Iterator for AllSteps {
    type Item = super::Step;

    fn next(&mut self) -> Option<super::Step> {
        if self.next >= self.total {
            return None;
        }
        let index = self.next;
        self.next += 1;
        if let Some(trace) = &self.trace {
            return trace.row(index as usize).cloned();
        }
        let agent = (index % self.gens.len() as u64) as usize;
        let step = self.gens[agent].next();
        debug_assert_eq!(step.as_ref().map(|s| s.index), Some(index));
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_set_the_speedup_over_the_run() {
        let months = ClockPlan::new(None, Pace::Months(12));
        assert_eq!(months.span_ms(), Some(12 * MONTH_MS));
        assert_eq!(months.speedup_over(4_000), 12 * MONTH_MS / 4_000);
        assert_eq!(months.speedup_over(0), 12 * MONTH_MS);
        let fixed = ClockPlan::new(Some(7), Pace::Speedup(1000));
        assert_eq!((fixed.span_ms(), fixed.speedup_over(4_000)), (None, 1000));
        assert_eq!(fixed.start_ms, 7);
    }

    #[test]
    fn the_boundary_fault_moves_only_an_unset_start() {
        let mut unset = ClockPlan::new(None, Pace::Speedup(1));
        unset.near_boundary(60_000);
        assert_eq!(unset.start_ms, MONTH_MS - 30_000);
        let mut set = ClockPlan::new(Some(0), Pace::Speedup(1));
        set.near_boundary(60_000);
        assert_eq!(set.start_ms, 0);
    }
}
