//! `creditsim check`: the offline invariant checker over a saved journal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use creditsim::check::{Checker, RunSetup, SETUP_FILE, Verdict};
use creditsim::journal::{JournalReader, StepReader};

use super::{EXIT_OK, EXIT_VIOLATION};

/// Arguments of `creditsim check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The journal to check: the `journal.csv` of a run.
    pub journal: PathBuf,
    /// What the agents were told (`steps.csv`), for I4, I5 and I7. Defaults to the
    /// `steps.csv` next to the journal, if there is one.
    #[arg(long, value_name = "STEPS")]
    pub steps: Option<PathBuf>,
    /// What the run was set up with (`setup.json`: each account's terms and starting
    /// grants, and the run's end), to explain every grant and check renewals (I11).
    /// Defaults to the `setup.json` next to the journal, if there is one.
    #[arg(long, value_name = "SETUP")]
    pub setup: Option<PathBuf>,
    /// Print one JSON object (the verdict) instead of the human summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs `creditsim check`: exit 0 when every invariant held, 1 when one was violated; an
/// unreadable or malformed file is an error (exit 2) naming the file, line and column.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let steps = beside(&args.steps, &args.journal, "steps.csv");
    let setup = beside(&args.setup, &args.journal, SETUP_FILE);
    let mut checker = Checker::new();
    if let Some(path) = &setup {
        checker = checker.with_setup(&RunSetup::read(path)?);
    }
    for event in JournalReader::open(&args.journal)? {
        checker.observe(&event?);
    }
    if let Some(path) = &steps {
        for step in StepReader::open(path)? {
            checker.observe_step(&step?);
        }
    }
    let verdict = checker.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        print_human(&args.journal, steps.as_deref(), &verdict);
    }
    let code = if verdict.ok() {
        EXIT_OK
    } else {
        EXIT_VIOLATION
    };
    Ok(ExitCode::from(code))
}

/// The file given by its flag, or else the file `name` beside the journal when it exists
/// (said on stderr, so that nobody wonders where I4, I5 and I7, or the grants' explanation,
/// came from).
fn beside(given: &Option<PathBuf>, journal: &Path, name: &str) -> Option<PathBuf> {
    if let Some(path) = given {
        return Some(path.clone());
    }
    let beside = journal.with_file_name(name);
    if beside.is_file() {
        eprintln!("using {} (found next to the journal)", beside.display());
        return Some(beside);
    }
    None
}

fn print_human(journal: &Path, steps: Option<&Path>, verdict: &Verdict) {
    println!(
        "journal {}: {} events, {} accounts, {} holds, {} charges",
        journal.display(),
        verdict.events,
        verdict.accounts,
        verdict.holds,
        verdict.charges
    );
    if let Some(steps) = steps {
        println!("steps {}: {} steps", steps.display(), verdict.steps);
    }
    if verdict.ok() {
        println!("OK: every invariant held");
    } else {
        println!("FAIL: {} violations", verdict.violations_total);
    }
    let mut text = String::new();
    creditsim::report::render_verdict(verdict, &mut text);
    print!("{text}");
}
