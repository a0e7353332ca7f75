//! `creditsim run`: parse the arguments into a run configuration, run it with Ctrl-C as its
//! shutdown signal, print the summary, and exit with the outcome's code.

use std::path::PathBuf;
use std::process::ExitCode;

use creditsim::backends::{DatabaseOptions, LedgerKind, postgres};
use creditsim::report::{
    Outcome, ResultsDir, Summary, check_thresholds, render_summary, write_results,
};
use creditsim::runner::{self, OutDir, Overrides, RunConfig};
use creditsim::scenario::Fault;

/// Arguments of `creditsim run`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  creditsim run scenarios/campaigns.toml
  creditsim run scenarios/stress.toml --faults all --seed 7
  creditsim run scenarios/stress.toml --ledger racy --faults all --no-thresholds
  creditsim run scenarios/aytada.toml --deterministic --json > summary.json
  creditsim run scenarios/stress.toml --ledger postgres --database-url postgres://me@localhost/db
  DATABASE_URL='host=/run/postgresql user=me' creditsim run scenarios/stress.toml \
      --ledger postgres-racy --faults all --no-thresholds --drop")]
pub struct Args {
    /// The scenario file (TOML), e.g. `scenarios/aytada.toml`.
    pub scenario: PathBuf,
    /// Which ledger serves the accounts: `actor` (the correct one), or a deliberately flawed
    /// one that the checker must catch: `racy` (overdraws), `no-dedup` (charges twice),
    /// `charge-failed` (bills failed generations), `no-expiry` (spends expired credits),
    /// `newest-first` (draws out of order), `double-renewal` (renews twice per boundary). A
    /// PostgreSQL database: `postgres` (row locks), `postgres-serializable`,
    /// `postgres-conditional`; flawed: `postgres-racy`, `postgres-no-dedup`,
    /// `postgres-misreport`.
    #[arg(long, default_value = "actor", value_parser = parse_ledger)]
    pub ledger: LedgerKind,
    /// The database a `postgres*` ledger uses, as a URL (`postgres://user@host/db`) or
    /// key=value pairs (`host=/run/postgresql user=me`) [default: $DATABASE_URL].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// The schema a `postgres*` run creates its tables in [default:
    /// creditsim_<scenario>_<seed>_<unix time>]; it must not exist yet.
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,
    /// Drop the run's schema at the end instead of keeping it for inspection.
    #[arg(long)]
    pub drop: bool,
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
    let mut config = RunConfig::load(&args.scenario, overrides(&args)?)?;
    if config.ledger.needs_database() && config.database.schema.is_none() {
        let (name, seed) = (&config.scenario.name, config.scenario.seed);
        config.database.schema = Some(postgres::run_schema_name(name, seed));
    }
    check_thresholds(&config)?;
    let _held = config
        .out_dir
        .as_deref()
        .map(ResultsDir::claim)
        .transpose()?;
    let runtime = runner::runtime(&config)?;
    let signals = Signals::default();
    let shutdown = signals.clone().first();
    let result = runtime.block_on(runner::run(&config, shutdown))?;
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
        if let (Some(schema), false) = (&config.database.schema, config.database.drop) {
            println!("database schema {schema} kept (drop it with DROP SCHEMA {schema} CASCADE)");
        }
    }
    let outcome = Outcome::of(&summary);
    Ok(ExitCode::from(match outcome {
        Outcome::Interrupted => signals.exit_code(),
        other => other.exit_code(),
    }))
}

/// Ctrl-C (SIGINT) and SIGTERM, which is what `timeout` and CI runners send. The first stops
/// the run cleanly: agents stop at their next step or wait, partial results are written, and
/// the run exits 130 (SIGINT) or 143 (SIGTERM). A second signal ends the process at once.
#[derive(Clone, Default)]
struct Signals {
    /// The number of the first signal received, 0 before any.
    first: std::sync::Arc<std::sync::atomic::AtomicU8>,
}

impl Signals {
    const SIGINT: u8 = 2;
    const SIGTERM: u8 = 15;

    /// Completes at the first signal, and from then on exits on the next.
    async fn first(self) {
        let signal = next_signal().await;
        self.first
            .store(signal, std::sync::atomic::Ordering::SeqCst);
        eprintln!(
            "stopping: finishing the steps in flight and writing the results (again to quit at once)"
        );
        tokio::spawn(async {
            let again = next_signal().await;
            std::process::exit(128 + i32::from(again));
        });
    }

    /// The exit code of a run the first signal stopped.
    fn exit_code(&self) -> u8 {
        match self.first.load(std::sync::atomic::Ordering::SeqCst) {
            Signals::SIGTERM => 128 + Signals::SIGTERM,
            _ => Outcome::EXIT_INTERRUPTED,
        }
    }
}

/// The next SIGINT or SIGTERM, by number. Where a handler cannot be installed, never.
async fn next_signal() -> u8 {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => Signals::SIGINT,
        _ = terminate.recv() => Signals::SIGTERM,
    }
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
        database: DatabaseOptions {
            url: args.database_url.clone(),
            schema: args.schema.clone(),
            drop: args.drop,
            pool_size: None,
        },
    })
}
