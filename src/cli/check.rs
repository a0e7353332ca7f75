//! `creditsim check`: the offline invariant checker over a saved journal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use creditsim::check::{Checker, RunSetup, SETUP_FILE, Verdict, render_timeline};
use creditsim::journal::{JournalReader, StepReader, TornLine};
use creditsim::ledger::{AccountId, Event, TimeMs};
use creditsim::report::virtual_date;

use super::{EXIT_OK, EXIT_VIOLATION};

/// Arguments of `creditsim check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  creditsim check results/stress-1/journal.csv
  creditsim check results/aibc-1/journal.csv --json
  creditsim check results/aibc-1/journal.csv --timeline 12

steps.csv and setup.json next to the journal are used when present. The runner writes \
setup.json only once the run has finished, so without it (a run killed or still running), \
with a setup.json that records no end (a stalled run never closed its accounts), or with \
a torn last line in the journal or steps (a row cut off mid-write) or an empty file (a run \
killed before it wrote anything), the run is judged unfinished: the complete rows are \
judged, but open holds (I6) and keys whose charge or step was not yet written (I7) are not \
violations; --finished demands them anyway, except of a torn or empty file. \
Exit codes: 0 every invariant held, 1 one was violated, 2 a file is missing or malformed \
(file, line and column named); a torn last line or an empty file alone is not exit 2.")]
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
    /// copied alone) or with one that records no end: open holds are I6 and half-written
    /// keys I7. A torn last line or an empty file still marks the run unfinished.
    #[arg(long)]
    pub finished: bool,
}

/// Runs `creditsim check`: exit 0 when every invariant held, 1 when one was violated; an
/// unreadable or malformed file is an error (exit 2) naming the file, line and column.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let steps = beside(&args.steps, &args.journal, "steps.csv");
    let setup = beside(&args.setup, &args.journal, SETUP_FILE);
    let mut checker = Checker::new();
    let mut end_ms = None;
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
        end_ms = read.end_ms;
        checker = checker.with_setup(&read);
    }
    let mut cuts = Vec::new();
    let timeline = read_journal(&args, &mut checker, &mut cuts)?;
    if let Some(path) = &steps {
        read_steps(path, &mut checker, &mut cuts)?;
    }
    judge_finished(&args, &mut checker, &cuts, setup.as_ref().map(|_| end_ms));
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

/// What a file shows of a run that had not finished writing it.
enum Cut {
    /// A torn last line, with how many complete rows (`what`) came before it.
    Torn(TornLine, u64, &'static str),
    /// No bytes at all: the run was killed before it wrote the header; no `what` yet.
    Empty(PathBuf, &'static str),
}

impl Cut {
    fn note(&self) -> String {
        match self {
            Cut::Torn(line, complete, what) => {
                format!("{line}: judged the {complete} complete {what} before it")
            }
            Cut::Empty(file, what) => format!(
                "{} is empty: the run wrote nothing yet (it was stopped before its header \
                 reached the file), so there are no {what} to judge",
                file.display()
            ),
        }
    }
}

/// Notes each cut file, and declares the run unfinished where the files say so: a cut file,
/// no setup (written only once a run has finished) unless `--finished`, or a setup that
/// records no end (`end_ms` null: the run stopped without closing its accounts, as after a
/// stall) unless `--finished`. `setup_end` is `None` without a setup.
fn judge_finished(
    args: &Args,
    checker: &mut Checker,
    cuts: &[Cut],
    setup_end: Option<Option<TimeMs>>,
) {
    for cut in cuts {
        let note = cut.note();
        eprintln!("{note}");
        checker.note(note);
    }
    let why = match (cuts.first(), setup_end) {
        (Some(Cut::Torn(..)), _) => "a file ends in a torn line".to_string(),
        (Some(Cut::Empty(..)), _) => "a file is empty".to_string(),
        _ if args.finished => return,
        (None, None) => format!("no {SETUP_FILE} beside the journal, which a finished run writes"),
        (None, Some(None)) => format!(
            "{SETUP_FILE} records no end: `end_ms` is null, as a stalled run leaves it, whose \
             accounts were never closed"
        ),
        (None, Some(Some(_))) => return,
    };
    checker.unfinished(why);
}

/// Feeds the journal's complete events to `checker`, noting a cut in `cuts`, and returns the
/// `--timeline` account's events.
fn read_journal(
    args: &Args,
    checker: &mut Checker,
    cuts: &mut Vec<Cut>,
) -> anyhow::Result<Vec<Event>> {
    let mut timeline = Vec::new();
    let mut journal = JournalReader::open(&args.journal)?;
    if journal.file_is_empty() {
        cuts.push(Cut::Empty(args.journal.clone(), "events"));
    }
    let mut events = 0u64;
    for event in journal.by_ref() {
        let event = event?;
        events += 1;
        checker.observe(&event);
        if args.timeline == Some(event.account) {
            timeline.push(event);
        }
    }
    cuts.extend(
        journal
            .torn_tail()
            .map(|line| Cut::Torn(line, events, "events")),
    );
    Ok(timeline)
}

/// Feeds the complete steps of `path` to `checker`, noting a cut in `cuts`.
fn read_steps(path: &Path, checker: &mut Checker, cuts: &mut Vec<Cut>) -> anyhow::Result<()> {
    let mut reader = StepReader::open(path)?;
    if reader.file_is_empty() {
        cuts.push(Cut::Empty(path.to_path_buf(), "steps"));
    }
    let mut count = 0u64;
    for step in reader.by_ref() {
        checker.observe_step(&step?);
        count += 1;
    }
    cuts.extend(
        reader
            .torn_tail()
            .map(|line| Cut::Torn(line, count, "steps")),
    );
    Ok(())
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
