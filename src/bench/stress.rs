//! The stress scenario (`scenarios/stress.toml`, built in) run end to end in-process with
//! the journal consumer and the online checker on, as `creditsim run` runs it: one hot
//! workspace account shared by 1000 agents beside 2000 accounts with one agent each.

use std::path::Path;

use super::BenchError;
use crate::report::Summary;
use crate::runner::{self, OutDir, Overrides, RunConfig};
use crate::scenario::Scenario;

/// The shipped stress scenario, built in so that `bench` runs from any directory.
pub(super) const STRESS_TOML: &str = include_str!("../../scenarios/stress.toml");

/// Its name in messages.
const STRESS_PATH: &str = "scenarios/stress.toml";

/// Agents sharing the hot account, and agents in all, as the file sets them.
pub(super) const HOT_AGENTS: usize = 1000;
/// See [`HOT_AGENTS`].
pub(super) const ALL_AGENTS: usize = 3000;

/// Reserve→commit cycles per second over a run of `steps` steps with `seed`. A run whose
/// checker finds a violation is an error: a figure from a wrong ledger is no figure.
pub(super) fn stress_cycles_per_s(
    entry: &'static str,
    steps: u64,
    seed: u64,
) -> Result<f64, BenchError> {
    let failed = |err: &dyn std::fmt::Display| BenchError::failed(entry, err);
    let scenario = Scenario::parse(STRESS_TOML, Path::new(STRESS_PATH), Some(seed), None)
        .map_err(|err| failed(&err))?;
    let overrides = Overrides {
        steps: Some(steps),
        no_thresholds: true,
        out: OutDir::Discard,
        ..Overrides::default()
    };
    let config = RunConfig::new(scenario, overrides).map_err(|err| failed(&err))?;
    let runtime = runner::runtime(&config).map_err(|err| failed(&err))?;
    let result = (runtime.block_on(runner::run(&config, std::future::pending())))
        .map_err(|err| failed(&err))?;
    let summary = Summary::new(&config, &result);
    if !summary.ok {
        let first = summary.violations.first().map(ToString::to_string);
        return Err(BenchError::Violated {
            entry,
            what: first.unwrap_or_else(|| "the ledger stalled".into()),
            reproduce: summary.labels.reproduce,
        });
    }
    Ok(summary.throughput.cycles_per_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_file_has_the_shape_the_floor_copies() {
        let scenario = Scenario::parse(STRESS_TOML, Path::new(STRESS_PATH), None, None).unwrap();
        assert_eq!(scenario.agents.len(), ALL_AGENTS);
        let hot = scenario
            .agents
            .iter()
            .filter(|agent| agent.account == 0)
            .count();
        assert_eq!(hot, HOT_AGENTS);
        assert_eq!(scenario.accounts.len(), ALL_AGENTS - HOT_AGENTS + 1);
    }
}
