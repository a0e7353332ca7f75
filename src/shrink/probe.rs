//! One candidate run: a scenario replayed deterministically, in-process, writing nothing,
//! and judged by whether it still breaks the invariant being shrunk.

use tokio::runtime::Runtime;

use crate::backends::LedgerKind;
use crate::check::{Invariant, Verdict};
use crate::runner::{self, OutDir, Overrides, RunConfig, RunError, RunResult};
use crate::scenario::{Scenario, Step, Trace};

use super::ShrinkError;

/// Runs candidates on one reused runtime, the single-threaded one of a deterministic run,
/// so that each is the same run every time it is tried.
pub(super) struct Probe {
    runtime: Runtime,
    ledger: LedgerKind,
    /// The invariant a candidate must still break.
    pub target: Invariant,
}

/// The runtime `config` (a deterministic run) asks for.
pub(super) fn runtime(config: &RunConfig) -> Result<Runtime, ShrinkError> {
    runner::runtime(config).map_err(|e| ShrinkError::Run(RunError::Setup(e.to_string())))
}

/// Runs `config` to its end on `runtime`.
pub(super) fn run_on(runtime: &Runtime, config: &RunConfig) -> Result<RunResult, ShrinkError> {
    let run = runner::run(config, std::future::pending::<()>());
    Ok(runtime.block_on(run)?)
}

impl Probe {
    /// Candidates of `ledger` judged by `target`, run on `runtime`.
    pub(super) fn new(runtime: Runtime, ledger: LedgerKind, target: Invariant) -> Probe {
        Probe {
            runtime,
            ledger,
            target,
        }
    }

    /// The run configuration for `scenario` as shrink runs it: deterministic, thresholds
    /// dropped (a run of a dozen steps would breach a throughput floor), results in `out`.
    pub(super) fn config(&self, scenario: Scenario, out: OutDir) -> Result<RunConfig, ShrinkError> {
        let overrides = Overrides {
            ledger: self.ledger,
            deterministic: true,
            no_thresholds: true,
            out,
            ..Overrides::default()
        };
        Ok(RunConfig::new(scenario, overrides)?)
    }

    /// Runs `config` to its end.
    pub(super) fn run(&self, config: &RunConfig) -> Result<RunResult, ShrinkError> {
        run_on(&self.runtime, config)
    }

    /// Whether `steps`, replayed on `template`'s accounts and agents, still break the
    /// target. A candidate that cannot be run at all does not count as breaking it.
    pub(super) fn breaks(&self, template: &Scenario, steps: &[Step]) -> bool {
        let scenario = replay(template, steps);
        let verdict = (self.config(scenario, OutDir::Discard))
            .and_then(|config| self.run(&config))
            .map(|result| result.verdict);
        matches!(verdict, Ok(Some(verdict)) if violates(&verdict, self.target))
    }
}

/// `template` with its steps replaced by `steps`, replayed as a trace.
pub(super) fn replay(template: &Scenario, steps: &[Step]) -> Scenario {
    let trace = Trace::from_steps(template.path.clone(), steps.to_vec(), template.agents.len());
    template.clone().replaying(trace)
}

/// Whether `verdict` counts a violation of `invariant`.
pub(super) fn violates(verdict: &Verdict, invariant: Invariant) -> bool {
    verdict
        .counts
        .get(&invariant)
        .is_some_and(|count| *count > 0)
}
