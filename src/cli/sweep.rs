//! `creditsim sweep`: one scenario over a range of seeds, each run deterministically and
//! in-process, the seeds spread over all cores; lists the failing seeds with the command
//! that replays each.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use creditsim::backends::LedgerKind;
use creditsim::runner::{OutDir, Overrides, RunConfig, SweepOptions, SweepResult, sweep};
use creditsim::scenario::Fault;

use super::{EXIT_OK, EXIT_VIOLATION};

/// Arguments of `creditsim sweep`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Every seed runs as `creditsim run --deterministic --no-thresholds` \
would, writing no results; a failing seed is listed with the command that replays it.
Exit codes: 0 every seed held every invariant, 1 some seed failed, 2 bad input.

Examples:
  creditsim sweep scenarios/stress.toml --seeds 1..1001 --faults all
  creditsim sweep scenarios/aibc.toml --seeds 1..=200 --ledger no-expiry --stop-at-first
  creditsim sweep scenarios/campaigns.toml --seeds 0..100 --jobs 1 --json"
)]
pub struct Args {
    /// The scenario file (TOML), e.g. `scenarios/stress.toml`.
    pub scenario: PathBuf,
    /// The seeds: `A..B` (B excluded) or `A..=B` (B included).
    #[arg(long, value_parser = parse_seeds)]
    pub seeds: Range<u64>,
    /// Which ledger serves the accounts (as for `creditsim run`).
    #[arg(long, default_value = "actor", value_parser = parse_ledger)]
    pub ledger: LedgerKind,
    /// Run this many steps per seed instead of the scenario's duration.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Inject faults (as for `creditsim run`): a comma-separated list, or `all`.
    #[arg(long, value_name = "LIST|all")]
    pub faults: Option<String>,
    /// Worker threads [default: one per core].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Stop at the first failing seed instead of running them all.
    #[arg(long)]
    pub stop_at_first: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn parse_ledger(text: &str) -> Result<LedgerKind, String> {
    text.parse()
}

fn parse_seeds(text: &str) -> Result<Range<u64>, String> {
    let expected = || format!("expected seeds as A..B or A..=B (numbers), got {text:?}");
    let (first, rest, inclusive) = match text.split_once("..=") {
        Some((a, b)) => (a, b, true),
        None => text
            .split_once("..")
            .map(|(a, b)| (a, b, false))
            .ok_or_else(expected)?,
    };
    let first: u64 = first.trim().parse().map_err(|_| expected())?;
    let last: u64 = rest.trim().parse().map_err(|_| expected())?;
    let end = match inclusive {
        true => last.checked_add(1).ok_or_else(expected)?,
        false => last,
    };
    if end <= first {
        return Err(format!(
            "{text:?} holds no seed: expected A < B (or A <= B with ..=)"
        ));
    }
    Ok(first..end)
}

/// Runs `creditsim sweep`: exit 0 when every seed held every invariant, 1 when one failed.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let faults = match &args.faults {
        Some(list) => Fault::parse_list(list)?,
        None => Vec::new(),
    };
    let overrides = Overrides {
        seed: Some(args.seeds.start),
        steps: args.steps,
        faults,
        ledger: args.ledger,
        deterministic: true,
        no_thresholds: true,
        out: OutDir::Discard,
        ..Overrides::default()
    };
    let config = RunConfig::load(&args.scenario, overrides)?;
    let jobs = match args.jobs {
        Some(0) => bail!("--jobs: expected at least 1 worker thread"),
        Some(jobs) => jobs,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let options = SweepOptions {
        jobs,
        stop_at_first: args.stop_at_first,
    };
    let result = sweep(&config, args.seeds.clone(), options)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", render(&args, &result));
    }
    let code = match result.failed.is_empty() {
        true => EXIT_OK,
        false => EXIT_VIOLATION,
    };
    Ok(ExitCode::from(code))
}

fn render(args: &Args, result: &SweepResult) -> String {
    let mut out = String::new();
    let seeds = &args.seeds;
    let _ = writeln!(
        out,
        "{} · ledger {} · faults {} · seeds {}..{} on {} threads",
        args.scenario.display(),
        args.ledger.name(),
        args.faults.as_deref().unwrap_or("none"),
        seeds.start,
        seeds.end,
        result.jobs
    );
    let _ = writeln!(
        out,
        "{} seeds in {:.1} s ({:.0} seeds/min): {} failing",
        result.seeds_run,
        result.elapsed_s,
        result.seeds_per_minute(),
        result.failed.len()
    );
    for failed in &result.failed {
        let broken: Vec<String> = (failed.violated.iter())
            .map(|(invariant, count)| format!("{invariant} ×{count}"))
            .chain(failed.stalled.iter().map(|why| format!("stalled: {why}")))
            .collect();
        let _ = writeln!(out, "  seed {}: {}", failed.seed, broken.join(", "));
        if let Some(first) = &failed.first {
            let _ = writeln!(out, "    first: {first}");
        }
        let _ = writeln!(out, "    reproduce: {}", failed.reproduce);
    }
    out
}
