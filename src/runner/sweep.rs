//! Many seeds of one run, in-process and over all cores: the fast way to look for the rare
//! interleaving or fault that breaks an invariant. Every seed runs deterministically (one
//! thread, virtual time, all randomness from the seed), so each failing seed comes with the
//! command that replays it exactly; the seeds run side by side, one per worker thread.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use super::{RunConfig, RunError};
use crate::check::Invariant;

/// How a sweep spreads seeds over threads and when it stops; each run's setup is the `RunConfig`.
#[derive(Clone, Copy, Debug)]
pub struct SweepOptions {
    /// Worker threads, each running one seed at a time.
    pub jobs: usize,
    /// Stop handing out seeds at the first failing one (seeds already running finish).
    pub stop_at_first: bool,
}

/// One seed that failed: what it broke and how to replay it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FailedSeed {
    /// The seed whose run failed; `reproduce` is the command that runs it again.
    pub seed: u64,
    /// Violations per violated invariant.
    pub violated: BTreeMap<Invariant, u64>,
    /// Why the run ended early, if it did (a stall: an agent's wait on the ledger).
    pub stalled: Option<String>,
    /// The first violation, located, as the run's summary words it.
    pub first: Option<String>,
    /// The command that replays this seed.
    pub reproduce: String,
}

/// What a sweep found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SweepResult {
    /// Seeds whose runs finished and were judged; fewer than asked when `stop_at_first`
    /// ended the sweep early.
    pub seeds_run: u64,
    /// The failing seeds, in seed order.
    pub failed: Vec<FailedSeed>,
    /// Real seconds the sweep took.
    pub elapsed_s: f64,
    /// Worker threads used.
    pub jobs: usize,
}

impl SweepResult {
    /// Seeds run per minute of real time.
    pub fn seeds_per_minute(&self) -> f64 {
        self.seeds_run as f64 * 60.0 / self.elapsed_s.max(f64::MIN_POSITIVE)
    }
}

/// Runs `config` once per seed in `seeds`, deterministically, writing no results, on
/// `options.jobs` threads. The first error that stops a run from being carried out ends
/// the sweep with that error.
pub fn sweep(
    config: &RunConfig,
    seeds: Range<u64>,
    options: SweepOptions,
) -> Result<SweepResult, RunError> {
    let started = Instant::now();
    let next = AtomicU64::new(seeds.start);
    let stop = AtomicBool::new(false);
    let found: Mutex<(u64, Vec<FailedSeed>)> = Mutex::new((0, Vec::new()));
    let jobs = options.jobs.max(1);
    let error = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| scope.spawn(|| worker(config, &seeds, &next, &stop, &found, options)))
            .collect();
        let results = workers.into_iter().map(|w| w.join().expect("sweep worker"));
        results.filter_map(Result::err).next()
    });
    if let Some(error) = error {
        return Err(error);
    }
    let (seeds_run, mut failed) = found.into_inner().expect("sweep results");
    failed.sort_by_key(|f| f.seed);
    Ok(SweepResult {
        seeds_run,
        failed,
        elapsed_s: started.elapsed().as_secs_f64(),
        jobs,
    })
}

/// Takes seeds until none are left (or a failure stops the sweep), running each.
fn worker(
    config: &RunConfig,
    seeds: &Range<u64>,
    next: &AtomicU64,
    stop: &AtomicBool,
    found: &Mutex<(u64, Vec<FailedSeed>)>,
    options: SweepOptions,
) -> Result<(), RunError> {
    let mut config = config.clone();
    config.deterministic = true;
    config.progress = false;
    config.out_dir = None;
    let runtime = super::runtime(&config).map_err(|e| RunError::Setup(e.to_string()))?;
    while !stop.load(Ordering::Relaxed) {
        let seed = next.fetch_add(1, Ordering::Relaxed);
        if seed >= seeds.end {
            break;
        }
        config.scenario.seed = seed;
        let result = runtime.block_on(super::run(&config, std::future::pending::<()>()));
        let failed = judge(&config, seed, result?);
        let mut found = found.lock().expect("sweep results");
        found.0 += 1;
        if let Some(failed) = failed {
            found.1.push(failed);
            stop.fetch_or(options.stop_at_first, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// The seed's failure, if its run broke an invariant or stalled.
fn judge(config: &RunConfig, seed: u64, result: super::RunResult) -> Option<FailedSeed> {
    let verdict = result.verdict.as_ref();
    let violated: BTreeMap<Invariant, u64> = (verdict.into_iter())
        .flat_map(|v| v.counts.iter())
        .filter(|(_, count)| **count > 0)
        .map(|(invariant, count)| (*invariant, *count))
        .collect();
    let stalled = (result.stalled.as_ref()).map(|stall| {
        format!(
            "agent {} waited {} s on the ledger",
            stall.agent, stall.waited_s
        )
    });
    if violated.is_empty() && stalled.is_none() {
        return None;
    }
    let first = verdict
        .and_then(|v| v.violations.first())
        .map(|v| format!("{} {}", v.invariant, v.message));
    Some(FailedSeed {
        seed,
        violated,
        stalled,
        first,
        reproduce: config.reproduce(),
    })
}
