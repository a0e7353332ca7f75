//! A run's configuration: a validated scenario with the command line's overrides applied,
//! checked once here so that the runner, the CLI, the tests and `bench` all run the same
//! thing.

use std::path::{Path, PathBuf};

use crate::backends::{DatabaseOptions, LedgerKind};
use crate::scenario::{Fault, RunDuration, Scenario, ScenarioError, StepSource};

/// What the command line (or a test, or `bench`) changes about a scenario.
#[derive(Clone, Debug)]
pub struct Overrides {
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Replaces the scenario's duration by this many steps.
    pub steps: Option<u64>,
    /// Faults to turn on (at the scenario's probabilities, else the CLI default).
    pub faults: Vec<Fault>,
    /// Which ledger serves the accounts.
    pub ledger: LedgerKind,
    /// One thread, with all randomness from the seed: the same seed writes the same journal.
    pub deterministic: bool,
    /// Drop the scenario's thresholds.
    pub no_thresholds: bool,
    /// Turn the online checker off.
    pub no_check: bool,
    /// Where results go.
    pub out: OutDir,
    /// Draw a progress bar.
    pub progress: bool,
    /// Where a database ledger connects, and what becomes of its schema.
    pub database: DatabaseOptions,
}

impl Default for Overrides {
    fn default() -> Overrides {
        Overrides {
            seed: None,
            steps: None,
            faults: Vec::new(),
            ledger: LedgerKind::Actor,
            deterministic: false,
            no_thresholds: false,
            no_check: false,
            out: OutDir::Default,
            progress: false,
            database: DatabaseOptions::default(),
        }
    }
}

/// Where a run's results go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutDir {
    /// `results/<scenario>-<seed>/`.
    Default,
    /// `--out DIR`: the result files go straight into this folder.
    At(PathBuf),
    /// Nowhere: nothing is written (tests and benchmarks that only read the result).
    Discard,
}

/// Everything a run needs, validated.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The scenario, with overrides applied.
    pub scenario: Scenario,
    /// Which ledger serves the accounts.
    pub ledger: LedgerKind,
    /// One thread, with all randomness from the seed.
    pub deterministic: bool,
    /// Whether the online checker runs.
    pub online_check: bool,
    /// Whether a progress bar is drawn.
    pub progress: bool,
    /// Where results are written; `None` writes nothing.
    pub out_dir: Option<PathBuf>,
    /// Where a database ledger connects, and what becomes of its schema.
    pub database: DatabaseOptions,
    /// The faults turned on beyond the scenario's (for the reproducing command).
    faults: Vec<Fault>,
    /// Whether `--steps` was given (for the reproducing command).
    steps: Option<u64>,
    /// Whether the thresholds were dropped (for the reproducing command).
    no_thresholds: bool,
}

/// `results/<scenario>-<seed>/`, with the ledger's name appended for any but the default
/// one, so that a flawed ledger's run never overwrites the correct one's.
fn default_out_dir(scenario: &Scenario, ledger: LedgerKind) -> PathBuf {
    let mut name = format!("{}-{}", scenario.name, scenario.seed);
    if ledger != LedgerKind::Actor {
        name = format!("{name}-{}", ledger.name());
    }
    Path::new("results").join(name)
}

impl RunConfig {
    /// Loads the scenario at `path` and applies `overrides`.
    pub fn load(path: &Path, overrides: Overrides) -> Result<RunConfig, ScenarioError> {
        let scenario = Scenario::load(path, overrides.seed)?;
        RunConfig::new(scenario, overrides)
    }

    /// Applies `overrides` to `scenario`. A step count for a trace, which fixes its own
    /// steps, is refused rather than ignored, as is a count of 0.
    pub fn new(mut scenario: Scenario, overrides: Overrides) -> Result<RunConfig, ScenarioError> {
        let refuse = |message: String| ScenarioError::Unsupported {
            path: scenario.path.clone(),
            message,
        };
        if overrides.deterministic && overrides.ledger.needs_database() {
            return Err(refuse(format!(
                "--deterministic: a run against a database cannot be deterministic (the \
                 server's timing orders the calls); drop it for --ledger {}",
                overrides.ledger.name()
            )));
        }
        if let Some(seed) = overrides.seed {
            scenario.seed = seed;
        }
        if let Some(steps) = overrides.steps {
            if let StepSource::Trace(trace) = &scenario.source {
                let trace = trace.path().display();
                return Err(refuse(format!(
                    "--steps: the steps are replayed from the trace {trace}, which fixes them"
                )));
            }
            if steps == 0 {
                return Err(refuse(
                    "--steps: expected a positive number of steps".into(),
                ));
            }
            scenario.duration = RunDuration::Steps(steps);
        }
        scenario.enable_faults(&overrides.faults)?;
        if overrides.no_thresholds {
            scenario.thresholds = Default::default();
        }
        let out_dir = match &overrides.out {
            OutDir::Default => Some(default_out_dir(&scenario, overrides.ledger)),
            OutDir::At(dir) => Some(dir.clone()),
            OutDir::Discard => None,
        };
        Ok(RunConfig {
            scenario,
            ledger: overrides.ledger,
            deterministic: overrides.deterministic,
            online_check: !overrides.no_check,
            progress: overrides.progress,
            out_dir,
            database: overrides.database,
            faults: overrides.faults,
            steps: overrides.steps,
            no_thresholds: overrides.no_thresholds,
        })
    }

    /// The command line that reproduces this run, seed included.
    pub fn reproduce(&self) -> String {
        let scenario = &self.scenario;
        let mut command = format!(
            "creditsim run {} --seed {}",
            scenario.path.display(),
            scenario.seed
        );
        if self.ledger != LedgerKind::Actor {
            command.push_str(&format!(" --ledger {}", self.ledger.name()));
        }
        if let Some(steps) = self.steps {
            command.push_str(&format!(" --steps {steps}"));
        }
        if !self.faults.is_empty() {
            let names: Vec<&str> = self.faults.iter().map(|fault| fault.name()).collect();
            command.push_str(&format!(" --faults {}", names.join(",")));
        }
        if self.deterministic {
            command.push_str(" --deterministic");
        }
        if self.no_thresholds {
            command.push_str(" --no-thresholds");
        }
        command
    }

    /// What the command line chose, to run this again (`setup.json` records it, and
    /// `creditsim shrink` reruns from it).
    pub(crate) fn invocation(&self) -> Invocation {
        let scenario = &self.scenario;
        Invocation {
            scenario: scenario.path.clone(),
            seed: scenario.seed,
            ledger: self.ledger.name().to_string(),
            steps: self.steps,
            faults: self.faults.iter().map(|f| f.name().to_string()).collect(),
            deterministic: self.deterministic,
            no_thresholds: self.no_thresholds,
        }
    }

    /// The faults injected, by name (ordinary generation failures are part of every
    /// workload, not an injected fault).
    pub(crate) fn fault_names(&self) -> Vec<String> {
        let enabled = self.scenario.faults.enabled().into_iter();
        let injected = enabled.filter(|fault| *fault != Fault::GenerationFailure);
        injected.map(|fault| fault.name().to_string()).collect()
    }
}

/// A run's choices as the command line made them: the scenario file and the overrides, in
/// words, so that a saved run can be run again.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Invocation {
    /// The scenario file, as given.
    pub scenario: PathBuf,
    pub seed: u64,
    /// The `--ledger` name.
    pub ledger: String,
    /// `--steps`, if given.
    pub steps: Option<u64>,
    /// `--faults`, by name.
    pub faults: Vec<String>,
    /// `--deterministic`.
    pub deterministic: bool,
    /// `--no-thresholds`.
    pub no_thresholds: bool,
}

impl Invocation {
    /// The overrides that rerun this (results discarded unless `out` says otherwise), or
    /// why a name in it is not known.
    pub(crate) fn overrides(&self) -> Result<Overrides, String> {
        let faults = (self.faults.iter())
            .map(|name| name.parse::<Fault>().map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Overrides {
            seed: Some(self.seed),
            steps: self.steps,
            faults,
            ledger: self.ledger.parse()?,
            deterministic: self.deterministic,
            no_thresholds: self.no_thresholds,
            ..Overrides::default()
        })
    }
}
