//! `creditsim economics`: load an economics scenario, simulate it with a progress bar on a
//! terminal, print the report, write the result files, and exit with the verdict's code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use creditsim::report::economics::{EconomicsReport, render_economics, write_economics};
use creditsim::runner::progress_wanted;
use creditsim::sim::{self, EconomicsConfig, EconomicsOut, EconomicsOverrides, Flaw, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `creditsim economics`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  creditsim economics scenarios/economics/aytada.toml
  creditsim economics scenarios/economics/compare-vendors.toml --json > economics.json
  creditsim economics scenarios/economics/campaigns-packs.toml --accounts 100 --out /tmp/packs
  creditsim economics scenarios/economics/campaigns.toml --flaw topup-loop   # exits 1 (I12)

Writes economics.json, months.csv and report.html (open it in a browser) to
results/<scenario>-<seed>/ unless --out says otherwise. Exit codes: 0 every invariant held,
1 an invariant was violated, 2 bad input.")]
pub struct Args {
    /// The economics scenario (TOML), e.g. `scenarios/economics/aytada.toml`.
    pub scenario: PathBuf,
    /// The seed every account's randomness derives from (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads to spread the accounts over [default: every core]; the report is the same
    /// for any number.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Simulate at most N accounts per persona: a quick look before the full run.
    #[arg(long, value_name = "N")]
    pub accounts: Option<u32>,
    /// Break the engine on purpose, to see the checks catch it: `topup-loop` (a top-up
    /// policy that buys again and again: I12) or `charge-failed` (failed generations
    /// charged: I4).
    #[arg(long, value_name = "NAME", value_parser = parse_flaw)]
    pub flaw: Option<Flaw>,
    /// Where to write economics.json, months.csv and report.html
    /// [default: results/<scenario>-<seed>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_flaw(text: &str) -> Result<Flaw, String> {
    text.parse()
}

/// Runs `creditsim economics`: exit 0 when every invariant held, 1 when one was violated,
/// 2 for bad input.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let overrides = EconomicsOverrides {
        seed: args.seed,
        threads: args.threads,
        flaw: args.flaw,
        max_accounts: args.accounts,
        out: args
            .out
            .clone()
            .map_or(EconomicsOut::Default, EconomicsOut::At),
    };
    let config = EconomicsConfig::load(&args.scenario, overrides)?;
    if let Some(dir) = &config.out_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    }
    let progress = Progress::default();
    let result = with_progress_bar(&config, &progress, progress_wanted(!args.json));
    let report = EconomicsReport::new(&config, &result);
    if let Some(dir) = &config.out_dir {
        write_economics(dir, &report)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let elapsed = result.elapsed.as_secs_f64();
        print!("{}", render_economics(&report, elapsed, result.threads));
        if let Some(dir) = &config.out_dir {
            println!(
                "results in {} (open report.html in a browser)",
                dir.display()
            );
        }
    }
    Ok(ExitCode::from(report.exit_code()))
}

/// Runs the simulation, drawing a bar over accounts on another thread when `wanted`.
fn with_progress_bar(
    config: &EconomicsConfig,
    progress: &Progress,
    wanted: bool,
) -> sim::SimResult {
    if !wanted {
        return sim::run(config, progress);
    }
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} accounts {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            let bar = ProgressBar::new(config.account_runs()).with_style(style);
            while !done.load(Ordering::Relaxed) {
                bar.set_position(progress.accounts_done());
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        let result = sim::run(config, progress);
        done.store(true, Ordering::Relaxed);
        result
    })
}
