//! `creditsim shrink`: a failing run's results folder reduced to the smallest scenario and
//! trace that still break the same invariant.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use creditsim::check::Invariant;
use creditsim::shrink::{ShrinkOptions, Shrunk, Size, shrink};

use super::EXIT_OK;

/// Arguments of `creditsim shrink`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The run is replayed deterministically from the setup.json in \
RESULTS_DIR, its steps taken as a trace, and the trace reduced (steps after the failure cut, \
steps it does not need deleted, faults stripped, unused accounts, agents and months \
dropped) while every candidate run still breaks the invariant. The reproducer is written to \
RESULTS_DIR/shrunk/ (scenario.toml, trace.csv, and the results of running it), run once \
more from those files, and the violated account's timeline printed.
Exit codes: 0 a reproducer was written and breaks the invariant; 2 the folder cannot be \
shrunk (no setup.json, a run that held every invariant, a database ledger), with the reason.

Examples:
  creditsim run scenarios/aibc.toml --ledger no-expiry --deterministic
  creditsim shrink results/aibc-1-no-expiry
  creditsim shrink results/stress-7-racy --invariant I1 --max-runs 500 --json"
)]
pub struct Args {
    /// A run's results folder (it must hold the run's setup.json), e.g. `results/aibc-1`.
    pub results_dir: PathBuf,
    /// The invariant to keep broken [default: the one broken first].
    #[arg(long, value_parser = parse_invariant)]
    pub invariant: Option<Invariant>,
    /// At most this many candidate runs; the smallest failure found by then is written.
    #[arg(long, default_value_t = ShrinkOptions::default().max_runs)]
    pub max_runs: u64,
    /// Print the result as one JSON object (the timeline included).
    #[arg(long)]
    pub json: bool,
}

fn parse_invariant(text: &str) -> Result<Invariant, String> {
    text.parse()
}

/// Runs `creditsim shrink`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = ShrinkOptions {
        invariant: args.invariant,
        max_runs: args.max_runs,
    };
    let shrunk = shrink(&args.results_dir, options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&shrunk)?);
    } else {
        print!("{}", render(&shrunk));
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn size_text(size: &Size) -> String {
    format!(
        "{} steps, {} agents, {} accounts, {} faulted steps",
        size.steps, size.agents, size.accounts, size.faulted_steps
    )
}

fn render(shrunk: &Shrunk) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "shrunk to the smallest run found that breaks {} ({}), in {} runs{}",
        shrunk.invariant,
        shrunk.invariant.summary(),
        shrunk.runs,
        match shrunk.budget_exhausted {
            true => " (--max-runs stopped the search; a longer one may find smaller)",
            false => "",
        }
    );
    let _ = writeln!(out, "  from  {}", size_text(&shrunk.original));
    let _ = writeln!(out, "  to    {}", size_text(&shrunk.reduced));
    let _ = writeln!(out, "  first {}", shrunk.first);
    let _ = writeln!(out, "scenario {}", shrunk.scenario_file.display());
    let _ = writeln!(out, "trace    {}", shrunk.trace_file.display());
    let _ = writeln!(out, "replay   {}", shrunk.replay);
    let _ = writeln!(out, "timeline {}", shrunk.timeline_command);
    let _ = writeln!(out, "\naccount {}:", shrunk.account);
    out.push_str(&shrunk.timeline);
    out
}
