//! `creditsim check`: the offline invariant checker over a saved journal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use creditsim::check::{Checker, RunSetup, SETUP_FILE, Verdict, render_timeline};
use creditsim::journal::{JournalReader, StepReader, TornLine};
use creditsim::ledger::{AccountId, Event};
use creditsim::report::virtual_date;

use super::{EXIT_OK, EXIT_VIOLATION};

/// Arguments of `creditsim check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  creditsim check results/stress-1/journal.csv
  creditsim check results/aibc-1/journal.csv --json
  creditsim check results/aibc-1/journal.csv --timeline 12

steps.csv and setup.json next to the journal are used when present. The runner writes \
setup.json only once the run has finished, so without it (a run killed or still running) \
or with a torn last line in the journal or steps (a row cut off mid-write), the run is \
judged unfinished: the complete rows are judged, but open holds (I6) and keys whose charge \
or step was not yet written (I7) are not violations; --finished demands them anyway. \
Exit codes: 0 every invariant held, 1 one was violated, 2 a file is missing or malformed \
(file, line and column named); a torn last line alone is not exit 2.")]
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
    /// Also print this account's timeline: every event with its lots and holds before and
    /// after, and the violations found at it.
    #[arg(long, value_name = "ACCOUNT")]
    pub timeline: Option<AccountId>,
    /// Print one JSON object (the verdict) instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Judge the run as finished even without its setup.json (a journal made by hand or
    /// copied alone): open holds are I6 and half-written keys I7. A torn last line still
    /// marks the run unfinished.
    #[arg(long)]
    pub finished: bool,
}

/// Runs `creditsim check`: exit 0 when every invariant held, 1 when one was violated; an
/// unreadable or malformed file is an error (exit 2) naming the file, line and column.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let steps = beside(&args.steps, &args.journal, "steps.csv");
    let setup = beside(&args.setup, &args.journal, SETUP_FILE);
    let mut checker = Checker::new();
    if let Some(path) = &setup {
        let read = RunSetup::read(path)?;
        if !args.json {
            let end = read.end_ms.map_or("not closed".to_string(), |end| {
                format!("closed at {}", virtual_date(end))
            });
            println!(
                "setup {}: {} accounts, {end}",
                path.display(),
                read.accounts.len()
            );
        }
        checker = checker.with_setup(&read);
    }
    let mut torn = Vec::new();
    let timeline = read_journal(&args, &mut checker, &mut torn)?;
    if let Some(path) = &steps {
        let mut reader = StepReader::open(path)?;
        let mut count = 0u64;
        for step in reader.by_ref() {
            checker.observe_step(&step?);
            count += 1;
        }
        torn.extend(reader.torn_tail().map(|line| (line, count, "steps")));
    }
    for (line, complete, what) in &torn {
        let note = format!("{line}: judged the {complete} complete {what} before it");
        eprintln!("{note}");
        checker.note(note);
    }
    if !torn.is_empty() {
        checker.unfinished("a file ends in a torn line");
    } else if setup.is_none() && !args.finished {
        checker.unfinished(format!(
            "no {SETUP_FILE} beside the journal, which a finished run writes"
        ));
    }
    let verdict = checker.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&verdict)?);
    } else {
        print_human(&args.journal, steps.as_deref(), &verdict);
        if let Some(account) = args.timeline {
            let violations: Vec<_> = (verdict.violations.iter())
                .filter(|v| v.account == account)
                .cloned()
                .collect();
            println!("\naccount {account}: {} events", timeline.len());
            print!("{}", render_timeline(&timeline, &violations, virtual_date));
        }
    }
    let code = if verdict.ok() {
        EXIT_OK
    } else {
        EXIT_VIOLATION
    };
    Ok(ExitCode::from(code))
}

/// A file's torn last line, with how many complete rows (`what`) came before it.
type Torn = (TornLine, u64, &'static str);

/// Feeds the journal's complete events to `checker`, noting a torn last line in `torn`, and
/// returns the `--timeline` account's events.
fn read_journal(
    args: &Args,
    checker: &mut Checker,
    torn: &mut Vec<Torn>,
) -> anyhow::Result<Vec<Event>> {
    let mut timeline = Vec::new();
    let mut journal = JournalReader::open(&args.journal)?;
    let mut events = 0u64;
    for event in journal.by_ref() {
        let event = event?;
        events += 1;
        checker.observe(&event);
        if args.timeline == Some(event.account) {
            timeline.push(event);
        }
    }
    torn.extend(journal.torn_tail().map(|line| (line, events, "events")));
    Ok(timeline)
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
