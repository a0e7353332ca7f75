//! `creditsim run`: replay a scenario against the ledger and report.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use creditsim::report::{RunLabels, Summary, latency_csv, render_summary};
use creditsim::runner::{self, LedgerKind, RunOptions, progress};
use creditsim::scenario::{Fault, Plan, RunDuration};

use super::{EXIT_OK, EXIT_THRESHOLD, EXIT_VIOLATION};

/// Arguments of `creditsim run`.
#[derive(Debug, clap::Args)]
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
    /// Run this many steps instead of the scenario's duration.
    #[arg(long)]
    pub steps: Option<u64>,
    /// Inject faults: a comma-separated list of generation-failure, slow-generation,
    /// duplicate-delivery, lost-reply, key-reuse, duplicate-grant, actor-crash,
    /// cycle-boundary; or `all`. Probabilities come from the scenario's [faults], else 0.01.
    #[arg(long, value_name = "LIST|all")]
    pub faults: Option<String>,
    /// Single-threaded, with virtual time and all randomness from the seed: the same seed
    /// writes a byte-identical journal. Latencies are then virtual (near zero).
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
    let mut plan = Plan::load(&args.scenario, args.seed)?;
    if let Some(steps) = args.steps {
        anyhow::ensure!(
            steps > 0,
            "--steps: expected a positive number of steps, got 0"
        );
        plan.duration = RunDuration::Steps(steps);
    }
    let faults = match &args.faults {
        Some(list) => Fault::parse_list(list)?,
        None => Vec::new(),
    };
    plan.enable_faults(&faults)?;
    if args.no_thresholds {
        plan.thresholds = Default::default();
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("results/{}-{}", plan.name, plan.seed)));
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create the output directory {}", out_dir.display()))?;
    let opts = RunOptions {
        ledger: args.ledger,
        out_dir: Some(out_dir.clone()),
        online_check: !args.no_check,
        progress: progress::wanted(!args.json),
    };
    warn_if_holds_cannot_live(&plan);
    let result = runtime(args.deterministic)?.block_on(runner::run(&plan, &opts))?;
    let labels = RunLabels {
        scenario: plan.name.clone(),
        vendor: plan.vendor.id().to_string(),
        ledger: args.ledger.name().to_string(),
        seed: plan.seed,
        deterministic: args.deterministic,
        // Ordinary generation failures are part of every workload, not an injected fault.
        faults: plan
            .faults
            .enabled()
            .into_iter()
            .filter(|fault| *fault != Fault::GenerationFailure)
            .map(|fault| fault.name().to_string())
            .collect(),
        reproduce: reproduce(&args, plan.seed),
    };
    let summary = Summary::new(&result, labels, &plan.thresholds);
    let json = serde_json::to_string_pretty(&summary)?;
    std::fs::write(out_dir.join("summary.json"), &json)?;
    std::fs::write(out_dir.join("latency.csv"), latency_csv(&result))?;
    if args.json {
        println!("{json}");
    } else {
        print!("{}", render_summary(&summary, result.verdict.as_ref()));
        println!("results in {}", out_dir.display());
    }
    Ok(ExitCode::from(if !summary.ok {
        EXIT_VIOLATION
    } else if !summary.thresholds.is_empty() {
        EXIT_THRESHOLD
    } else {
        EXIT_OK
    }))
}

/// A runtime for the run: multi-threaded normally; single-threaded with paused (virtual)
/// time in deterministic mode, so that sleeps advance a clock instead of waiting.
fn runtime(deterministic: bool) -> anyhow::Result<tokio::runtime::Runtime> {
    let runtime = if deterministic {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
    };
    Ok(runtime)
}

/// The command line that reproduces this run, seed included.
fn reproduce(args: &Args, seed: u64) -> String {
    let mut command = format!("creditsim run {} --seed {seed}", args.scenario.display());
    if args.ledger != LedgerKind::Actor {
        command.push_str(&format!(" --ledger {}", args.ledger.name()));
    }
    if let Some(steps) = args.steps {
        command.push_str(&format!(" --steps {steps}"));
    }
    if let Some(faults) = &args.faults {
        command.push_str(&format!(" --faults {faults}"));
    }
    if args.deterministic {
        command.push_str(" --deterministic");
    }
    if args.no_thresholds {
        command.push_str(" --no-thresholds");
    }
    command
}

/// Real milliseconds below which a hold's ttl is too short for a reserve→commit round trip.
const SHORTEST_SENSIBLE_TTL_REAL_MS: u64 = 20;

/// Warns when the pace compresses the hold ttl into less real time than a round trip takes,
/// so that most holds would time out: a scenario mistake, not a ledger bug.
fn warn_if_holds_cannot_live(plan: &Plan) {
    let speedup = runner::setup::speedup(plan);
    let ttl_real_ms = plan.ttl_ms / speedup.max(1);
    if ttl_real_ms < SHORTEST_SENSIBLE_TTL_REAL_MS {
        eprintln!(
            "warning: at this pace ({speedup} virtual ms per real ms) the hold ttl of {} virtual ms \
             lasts {ttl_real_ms} real ms; most holds will time out before their commit. \
             Raise [hold] ttl_ms.",
            plan.ttl_ms
        );
    }
}
