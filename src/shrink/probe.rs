//! One candidate run: a scenario replayed deterministically, in-process, writing nothing,
//! and judged by whether it still breaks the invariant being shrunk.

use crate::backends::LedgerKind;
use crate::check::{Invariant, Verdict};
use crate::runner::{self, OutDir, Overrides, RunConfig, RunError, RunResult};
use crate::scenario::{Scenario, Step, Trace};

use super::ShrinkError;

/// Runs candidates on one reused single-threaded runtime (what `--deterministic` uses), so
/// that each is the same run every time it is tried.
pub(super) struct Probe {
    runtime: tokio::runtime::Runtime,
    ledger: LedgerKind,
    /// The invariant a candidate must still break.
    pub target: Invariant,
}

impl Probe {
    pub fn new(ledger: LedgerKind, target: Invariant) -> Result<Probe, ShrinkError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .map_err(|e| ShrinkError::Run(RunError::Setup(e.to_string())))?;
        Ok(Probe {
            runtime,
            ledger,
            target,
        })
    }

    /// The run configuration for `scenario` as shrink runs it: deterministic, thresholds
    /// dropped (a run of a dozen steps would breach a throughput floor), results in `out`.
    pub fn config(&self, scenario: Scenario, out: OutDir) -> Result<RunConfig, ShrinkError> {
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
    pub fn run(&self, config: &RunConfig) -> Result<RunResult, ShrinkError> {
        let run = runner::run(config, std::future::pending::<()>());
        Ok(self.runtime.block_on(run)?)
    }

    /// Whether `steps`, replayed on `template`'s accounts and agents, still break the
    /// target. A candidate that cannot be run at all does not count as breaking it.
    pub fn breaks(&self, template: &Scenario, steps: &[Step]) -> bool {
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
