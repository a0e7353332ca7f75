//! `creditsim shrink`: from a failing run's results folder, the smallest run found that
//! still breaks the same invariant, written beside the results as a scenario and a trace,
//! with the command that replays it and the violated account's timeline.
//!
//! The run is replayed deterministically from the `setup.json` it left, its steps taken as
//! a trace, and the trace reduced (a prefix cut, ddmin over the steps, faults stripped,
//! unused accounts, agents and months dropped), every candidate judged by a whole
//! deterministic run of the online checker. The result is run once more from the files
//! written, so a reproducer that does not reproduce is an error, not a report.

mod ddmin;
mod probe;
mod reduce;
mod reproducer;

use std::path::{Path, PathBuf};

use crate::check::{Invariant, SETUP_FILE, SetupError, Verdict, Violation, render_timeline};
use crate::journal::{JournalError, JournalReader};
use crate::ledger::AccountId;
use crate::report::{ClaimError, ResultsDir, Summary, WriteError, virtual_date, write_results};
use crate::runner::{Invocation, OutDir, RunConfig, RunError, RunResult, SetupFile};
use crate::scenario::{Scenario, ScenarioError};

use ddmin::Budget;
use probe::Probe;
use reduce::Failing;

/// What `creditsim shrink` was asked for: which invariant to keep broken and the budget.
#[derive(Clone, Copy, Debug)]
pub struct ShrinkOptions {
    /// The invariant to keep broken; by default the one broken first in the run.
    pub invariant: Option<Invariant>,
    /// At most this many candidate runs; the smallest failure found by then is kept.
    pub max_runs: u64,
}

impl Default for ShrinkOptions {
    fn default() -> ShrinkOptions {
        ShrinkOptions {
            invariant: None,
            max_runs: 2000,
        }
    }
}

/// How big a failing run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Size {
    /// Steps the agents took (rows of the trace, for the reproducer).
    pub steps: u64,
    /// Agents that take at least one step.
    pub agents: u64,
    /// Accounts those agents spend from.
    pub accounts: u64,
    /// Steps with an injected fault or a failed generation.
    pub faulted_steps: u64,
}

/// What shrinking found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Shrunk {
    /// The invariant the reproducer breaks.
    pub invariant: Invariant,
    /// The run as it was.
    pub original: Size,
    /// The reproducer's size, to print beside `original`.
    pub reduced: Size,
    /// Candidate runs tried.
    pub runs: u64,
    /// Whether `max_runs` stopped the search before it was done.
    pub budget_exhausted: bool,
    /// The reproducer's folder: its scenario, trace and the results of running it.
    pub folder: PathBuf,
    /// The reproducer's scenario file.
    pub scenario_file: PathBuf,
    /// The reproducer's trace.
    pub trace_file: PathBuf,
    /// A `creditsim run` command line that replays the reproducer deterministically.
    pub replay: String,
    /// The account of the reproducer's first violation of `invariant`.
    pub account: AccountId,
    /// That violation, in words.
    pub first: String,
    /// The command that prints the account's timeline again.
    pub timeline_command: String,
    /// Every event of that account with its lots and holds before and after.
    pub timeline: String,
}

/// Why a run could not be shrunk.
#[derive(Debug, thiserror::Error)]
pub enum ShrinkError {
    /// The results folder has no readable `setup.json`.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// The run's scenario (or the reproducer's) did not load.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A run could not be carried out.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The run cannot be shrunk, and why.
    #[error("{0}")]
    Refused(String),
    /// The reproducer's folder is in use by a run.
    #[error(transparent)]
    Claim(#[from] ClaimError),
    /// A reproducer file could not be written.
    #[error("cannot write {}", file.display())]
    Write {
        /// The reproducer file being written, under the results folder's `shrunk/`.
        file: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The reproducer's results could not be written.
    #[error(transparent)]
    Results(#[from] WriteError),
    /// The reproducer's journal could not be read back.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Shrinks the failing run whose results are in `dir` (which must hold its `setup.json`),
/// writing the reproducer into `dir/shrunk/`.
pub fn shrink(dir: &Path, options: ShrinkOptions) -> Result<Shrunk, ShrinkError> {
    let setup = SetupFile::read(dir)?;
    let config = rerun_config(dir, &setup.run)?;
    let runtime = probe::runtime(&config)?;
    let (target, focus) = choose_target(&runtime, &config, options.invariant)?;
    let probe = Probe::new(runtime, config.ledger, target);
    let steps: Vec<_> = config.scenario.all_steps()?.collect();
    let failing = Failing {
        scenario: config.scenario.clone(),
        steps,
        compacted: false,
    };
    if !probe.breaks(&failing.scenario, &failing.steps) {
        return Err(ShrinkError::Refused(format!(
            "the run's own {} steps, replayed as a trace, no longer break {target}; shrink \
             needs a failure that replays",
            failing.steps.len()
        )));
    }
    let original = size(&failing);
    let mut budget = Budget::new(options.max_runs);
    let reduced = reduce::reduce(&probe, failing, focus, &mut budget);
    let folder = dir.join("shrunk");
    let written = reproducer::write(&folder, &setup.run.scenario, &reduced, target)?;
    let confirmed = confirm(
        &probe,
        &written.scenario_file,
        config.scenario.seed,
        &folder,
    )?;
    Ok(Shrunk {
        invariant: target,
        original,
        reduced: size(&reduced),
        runs: budget.used(),
        budget_exhausted: budget.exhausted(),
        folder,
        scenario_file: written.scenario_file,
        trace_file: written.trace_file,
        replay: confirmed.replay,
        account: confirmed.first.account,
        first: format!("{} {}", confirmed.first.invariant, confirmed.first.message),
        timeline_command: confirmed.timeline_command,
        timeline: confirmed.timeline,
    })
}

/// The reproducer, run from its files.
struct Confirmed {
    replay: String,
    first: Violation,
    timeline_command: String,
    timeline: String,
}

/// The recorded run, made deterministic and writing nothing. A database run cannot be
/// replayed: the server's timing, not the seed, ordered its calls.
fn rerun_config(dir: &Path, run: &Invocation) -> Result<RunConfig, ShrinkError> {
    let setup_file = dir.join(SETUP_FILE);
    let mut overrides = (run.overrides())
        .map_err(|why| ShrinkError::Refused(format!("{}: {why}", setup_file.display())))?;
    if overrides.ledger.needs_database() {
        return Err(ShrinkError::Refused(format!(
            "{}: a run against --ledger {} cannot be replayed deterministically, so it \
             cannot be shrunk; shrink a run of the same scenario on an in-process ledger",
            setup_file.display(),
            run.ledger
        )));
    }
    overrides.deterministic = true;
    overrides.no_thresholds = true;
    overrides.out = OutDir::Discard;
    Ok(RunConfig::load(&run.scenario, overrides)?)
}

/// The invariant to keep broken, `wanted` if the rerun breaks it, else the one whose
/// violation came first in virtual time; with the account of its first violation.
fn choose_target(
    runtime: &tokio::runtime::Runtime,
    config: &RunConfig,
    wanted: Option<Invariant>,
) -> Result<(Invariant, AccountId), ShrinkError> {
    let verdict = checked(probe::run_on(runtime, config)?)?;
    let broken: Vec<Invariant> = (verdict.counts.iter())
        .filter(|(_, count)| **count > 0)
        .map(|(invariant, _)| *invariant)
        .collect();
    if broken.is_empty() {
        return Err(ShrinkError::Refused(format!(
            "the run, replayed deterministically (`{}`), held every invariant: nothing to \
             shrink",
            config.reproduce()
        )));
    }
    if let Some(invariant) = wanted.filter(|w| !broken.contains(w)) {
        let named: Vec<String> = broken.iter().map(Invariant::to_string).collect();
        return Err(ShrinkError::Refused(format!(
            "--invariant {invariant}: the run, replayed deterministically, breaks only {}",
            named.join(", ")
        )));
    }
    let candidates =
        (verdict.violations.iter()).filter(|v| wanted.is_none_or(|w| v.invariant == w));
    let first = earliest(candidates).ok_or_else(|| {
        ShrinkError::Refused("the run's verdict kept none of its violations".into())
    })?;
    Ok((first.invariant, first.account))
}

/// The online checker's verdict (shrink never turns it off).
fn checked(result: RunResult) -> Result<Verdict, ShrinkError> {
    (result.verdict).ok_or_else(|| ShrinkError::Refused("the run was not checked".into()))
}

/// The violation that happened first (end-of-run ones last).
fn earliest<'a>(violations: impl IntoIterator<Item = &'a Violation>) -> Option<&'a Violation> {
    (violations.into_iter())
        .min_by_key(|v| (v.at_ms.unwrap_or(u64::MAX), v.seq.unwrap_or(u64::MAX)))
}

fn size(failing: &Failing) -> Size {
    let steps = &failing.steps;
    let agents: std::collections::BTreeSet<_> = steps.iter().map(|s| s.agent).collect();
    let accounts: std::collections::BTreeSet<_> = steps.iter().map(|s| s.account).collect();
    Size {
        steps: steps.len() as u64,
        agents: agents.len() as u64,
        accounts: accounts.len() as u64,
        faulted_steps: steps
            .iter()
            .filter(|s| s.fails || !s.faults.is_empty())
            .count() as u64,
    }
}

/// Runs the reproducer from its files into `folder` and checks that it breaks the target,
/// returning what a person needs: the replay command and the violated account's timeline.
fn confirm(
    probe: &Probe,
    scenario_file: &Path,
    seed: u64,
    folder: &Path,
) -> Result<Confirmed, ShrinkError> {
    let target = probe.target;
    let scenario = Scenario::load(scenario_file, Some(seed))?;
    let config = probe.config(scenario, OutDir::At(folder.to_path_buf()))?;
    let _held = ResultsDir::claim(folder)?;
    let result = probe.run(&config)?;
    write_results(folder, &Summary::new(&config, &result), &result)?;
    let verdict = checked(result)?;
    let on_target = verdict.violations.iter().filter(|v| v.invariant == target);
    let Some(first) = earliest(on_target).cloned() else {
        return Err(ShrinkError::Refused(format!(
            "the reproducer {} did not break {target} when run from its files, though the \
             same steps did in memory; this is a bug in shrink",
            scenario_file.display()
        )));
    };
    let journal = folder.join("journal.csv");
    let events = JournalReader::open(&journal)?
        .filter(|event| !matches!(event, Ok(e) if e.account != first.account))
        .collect::<Result<Vec<_>, _>>()?;
    let here: Vec<Violation> = (verdict.violations.iter())
        .filter(|v| v.account == first.account)
        .cloned()
        .collect();
    Ok(Confirmed {
        replay: config.reproduce(),
        timeline_command: format!(
            "creditsim check {} --timeline {}",
            journal.display(),
            first.account
        ),
        timeline: render_timeline(&events, &here, virtual_date),
        first,
    })
}
