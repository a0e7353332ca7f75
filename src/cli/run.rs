//! `creditsim run`: parse the arguments into a run configuration, run it with Ctrl-C as its
//! shutdown signal, print the summary, and exit with the outcome's code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use creditsim::backends::LedgerKind;
use creditsim::report::{Outcome, Summary, check_thresholds, render_summary, write_results};
use creditsim::runner::{self, OutDir, Overrides, RunConfig};
use creditsim::scenario::Fault;

/// Arguments of `creditsim run`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  creditsim run scenarios/campaigns.toml
  creditsim run scenarios/stress.toml --faults all --seed 7
  creditsim run scenarios/stress.toml --ledger racy --faults all --no-thresholds
  creditsim run scenarios/aytada.toml --deterministic --json > summary.json")]
pub struct Args {
    /// The scenario file (TOML), e.g. `scenarios/aytada.toml`.
    pub scenario: PathBuf,
    /// Which ledger serves the accounts: `actor` (the correct one), or a deliberately flawed
    /// one that the checker must catch: `racy` (overdraws), `no-dedup` (charges twice),
    /// `charge-failed` (bills failed generations).
    #[arg(long, default_value = "actor", value_parser = parse_ledger)]
    pub ledger: LedgerKind,
    /// The seed for every agent's RNG (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run this many steps instead of the scenario's duration (not for a trace scenario,
    /// whose trace fixes its steps).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Inject faults: a comma-separated list of generation-failure, slow-generation,
    /// duplicate-delivery, lost-reply, key-reuse, duplicate-grant, actor-crash,
    /// cycle-boundary; or `all`. Probabilities come from the scenario's [faults], else 0.01.
    #[arg(long, value_name = "LIST|all")]
    pub faults: Option<String>,
    /// One thread, with all randomness from the seed: the same seed writes a byte-identical
    /// journal. Latencies are then near zero.
    #[arg(long)]
    pub deterministic: bool,
    /// Where to write summary.json, latency.csv, journal.csv and steps.csv
    /// [default: results/<scenario>-<seed>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the summary as one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Ignore the scenario's [thresholds] (for example when faults make latency meaningless).
    #[arg(long)]
    pub no_thresholds: bool,
    /// Turn the online checker off (to measure its cost); the journal is still written and
    /// `creditsim check` can check it afterwards.
    #[arg(long)]
    pub no_check: bool,
}

fn parse_ledger(text: &str) -> Result<LedgerKind, String> {
    text.parse()
}

/// Runs `creditsim run`: exit 0 when every invariant held, 1 when one was violated, 3 when a
/// threshold was breached (and none violated), 2 for bad input.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = RunConfig::load(&args.scenario, overrides(&args)?)?;
    check_thresholds(&config)?;
    if let Some(dir) = &config.out_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    }
    let runtime = runner::runtime(&config)?;
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let result = runtime.block_on(runner::run(&config, ctrl_c))?;
    let summary = Summary::new(&config, &result);
    if let Some(dir) = &config.out_dir {
        write_results(dir, &summary, &result)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", render_summary(&summary, result.verdict.as_ref()));
        if let Some(dir) = &config.out_dir {
            println!("results in {}", dir.display());
        }
    }
    Ok(ExitCode::from(Outcome::of(&summary).exit_code()))
}

fn overrides(args: &Args) -> anyhow::Result<Overrides> {
    let faults = match &args.faults {
        Some(list) => Fault::parse_list(list)?,
        None => Vec::new(),
    };
    Ok(Overrides {
        seed: args.seed,
        steps: args.steps,
        faults,
        ledger: args.ledger,
        deterministic: args.deterministic,
        no_thresholds: args.no_thresholds,
        no_check: args.no_check,
        out: args.out.clone().map_or(OutDir::Default, OutDir::At),
        progress: runner::progress_wanted(!args.json),
    })
}
