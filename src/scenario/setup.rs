//! The resolved, validated scenario that a run is configured from.

use std::path::PathBuf;
use std::sync::Arc;

use crate::ledger::{TimeMs, calendar};
use crate::pricing::Model;

use super::ScenarioError;
use super::faults::{Fault, FaultSet};
use super::population::{AccountSetup, AgentSetup};
use super::thresholds::Thresholds;
use super::trace::Trace;
use super::workload::Workload;

/// Everything a scenario file says, resolved and validated: the vendor model, the accounts
/// and their agents, how steps arrive and what they are. Built by [`Scenario::load`].
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario's name (its file stem unless `name` is set), for result directories.
    pub name: String,
    /// The scenario file, so that reports can say where the run came from.
    pub path: PathBuf,
    /// The vendor's pricing model.
    pub vendor: Model,
    /// The seed every agent's RNG derives from (`--seed` overrides the file's).
    pub seed: u64,
    /// Accounts, ids dense from 0 in file order.
    pub accounts: Vec<AccountSetup>,
    /// Agents, ids dense from 0; each account's agents are consecutive.
    pub agents: Vec<AgentSetup>,
    /// How steps arrive.
    pub arrival: Arrival,
    /// How long the run lasts.
    pub duration: RunDuration,
    /// How long a generation takes. Trace replay ignores it: rows carry their durations.
    pub generation: Generation,
    /// How long a hold may stay open, in virtual ms, before the account releases it.
    pub ttl_ms: TimeMs,
    /// How virtual time moves.
    pub clock: ClockSetup,
    /// Limits whose breach makes the run exit 3.
    pub thresholds: Thresholds,
    /// Per-step fault probabilities (including ordinary generation failures). Trace replay
    /// ignores them: rows carry their own faults.
    pub faults: FaultSet,
    /// Where steps come from.
    pub source: StepSource,
}

/// How steps arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Each agent issues its next step when the previous one is done and it has thought for
    /// `think_ms` virtual milliseconds. Throughput is whatever the system sustains.
    Closed {
        /// Pause between an agent's steps, virtual ms.
        think_ms: u64,
    },
    /// Steps are due at a fixed overall rate, spread round-robin over the agents; each step
    /// carries its intended send time (`Step::send_at_us`). Paced, that is real time, from
    /// which latency is measured, so a stall cannot hide behind delayed sends (coordinated
    /// omission); in virtual time it is virtual.
    Open {
        /// Steps per second across all agents (for a trace: its average rate).
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

/// How virtual time (what the ledger uses for renewals, expiry and hold timeouts) moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSetup {
    /// Virtual time at the start of the run, ms since the Unix epoch: every account starts
    /// (and counts its billing cycles from) here.
    pub start_ms: TimeMs,
    /// Virtual or paced.
    pub mode: ClockMode,
    /// The run spans this many calendar months, when set: it ends at the end of the last,
    /// and its steps are spread evenly over them.
    pub months: Option<u32>,
}

/// Whether virtual time waits on the wall clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// Per-agent virtual clocks that never wait on the wall clock (the default).
    Virtual,
    /// The wall clock sped up: for an open-loop load test at a real arrival rate.
    Paced {
        /// Virtual ms per real ms; for a run bounded by months, the speedup that stretches
        /// them over the run's real duration.
        speedup: u64,
    },
}

impl ClockSetup {
    /// When a run bounded by months ends: the end of the last month.
    pub fn end_ms(&self) -> Option<TimeMs> {
        let months = self.months?;
        calendar::add_months(self.start_ms, u64::from(months))
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

impl Scenario {
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

    /// This scenario with its steps replayed from `trace`, as a file with `trace = ...`
    /// would build it: the trace fixes the number of steps, their durations and faults, and
    /// whether they arrive open (rows with send times) or closed (after the think time).
    pub fn replaying(mut self, trace: Trace) -> Scenario {
        self.arrival = match (trace.is_open(), self.arrival) {
            (true, _) => Arrival::Open {
                rate_per_s: trace.rate_per_s(),
            },
            (false, Arrival::Closed { think_ms }) => Arrival::Closed { think_ms },
            (false, Arrival::Open { .. }) => Arrival::Closed { think_ms: 0 },
        };
        self.duration = RunDuration::Steps(trace.len() as u64);
        self.generation = Generation::default();
        self.faults = FaultSet::none();
        self.source = StepSource::Trace(Arc::new(trace));
        self
    }

    /// Turns on faults named by `--faults` (see [`FaultSet::enable`]). A trace records its
    /// own faults, so enabling faults on a trace replay is refused.
    pub fn enable_faults(&mut self, faults: &[Fault]) -> Result<(), ScenarioError> {
        if faults.is_empty() {
            return Ok(());
        }
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
        Ok(())
    }
}
