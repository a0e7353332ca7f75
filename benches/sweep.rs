//! The seed-sweep benchmark: every shipped scenario (`scenarios/*.toml`) over 1000 seeds
//! with every fault on, on the correct actor ledger, each seed a deterministic in-process
//! run judged by the online checker (what `creditsim sweep` does). Goal (issue 16): 0
//! violations, and the time each scenario takes.
//!
//! `cargo bench --bench sweep` runs it. `SWEEP_BENCH_SEEDS` (default 1000) sets the seeds
//! per scenario, `SWEEP_BENCH_ONLY` (comma-separated scenario names) picks scenarios,
//! `SWEEP_BENCH_STEPS` replaces each scenario's step count, and `SWEEP_BENCH_JOBS` (default
//! one per core) the worker threads. It exits 1 if any seed failed.

use std::path::{Path, PathBuf};

use creditsim::runner::{OutDir, Overrides, RunConfig, SweepOptions, sweep};
use creditsim::scenario::Fault;

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The shipped scenarios, by name, in name order.
fn scenarios(only: Option<&str>) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ is readable")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let wanted: Option<Vec<&str>> = only.map(|list| list.split(',').map(str::trim).collect());
    files.retain(|file| {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        wanted.as_ref().is_none_or(|names| names.contains(&stem))
    });
    files
}

fn main() {
    creditsim::backends::quiet_injected_crashes();
    let seeds: u64 = env("SWEEP_BENCH_SEEDS").unwrap_or(1000);
    let steps: Option<u64> = env("SWEEP_BENCH_STEPS");
    let jobs = env("SWEEP_BENCH_JOBS")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let only = std::env::var("SWEEP_BENCH_ONLY").ok();
    let options = SweepOptions {
        jobs,
        stop_at_first: false,
    };
    println!("seed sweep: {seeds} seeds per scenario, --faults all, actor ledger, {jobs} jobs");
    println!("| scenario | steps per seed | seeds | failing | seconds | seeds/min |");
    println!("|---|---|---|---|---|---|");
    let mut failing_total = 0;
    let mut seconds_total = 0.0;
    for file in scenarios(only.as_deref()) {
        let overrides = Overrides {
            steps,
            faults: Fault::parse_list("all").expect("`all` names every fault"),
            out: OutDir::Discard,
            no_thresholds: true,
            ..Overrides::default()
        };
        let config = RunConfig::load(&file, overrides).unwrap_or_else(|err| panic!("{err}"));
        let per_seed = config
            .scenario
            .total_steps()
            .map_or("-".into(), |n| n.to_string());
        let result = sweep(&config, 1..seeds + 1, options).unwrap_or_else(|err| panic!("{err}"));
        for failed in &result.failed {
            eprintln!(
                "seed {} failed: {:?} {:?}",
                failed.seed, failed.violated, failed.first
            );
        }
        failing_total += result.failed.len();
        seconds_total += result.elapsed_s;
        println!(
            "| {} | {per_seed} | {} | {} | {:.1} | {:.0} |",
            config.scenario.name,
            result.seeds_run,
            result.failed.len(),
            result.elapsed_s,
            result.seeds_per_minute()
        );
    }
    println!("total: {seconds_total:.1} s, {failing_total} failing seeds");
    if failing_total > 0 {
        std::process::exit(1);
    }
}
