//! The economics engine's throughput, beside its floor: AIBC Pro accounts (100 credits a
//! month, renewed and expired every month) making ten 5-credit images a month for a year,
//! through `creditsim economics`' engine with every check on; and the same accounts'
//! reserve→commit cycles on a bare `Book`, one thread, with no checks, counters or
//! randomness. `benches/economics.rs` runs the million-account version of the same pair.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use super::BenchError;
use crate::ledger::{Book, CommitRequest, Key, ReserveRequest, calendar};
use crate::sim::config::{Cell, Line};
use crate::sim::{self, EconomicsConfig, EconomicsOut, EconomicsOverrides, Progress};

/// The `per_month` of the benchmark scenario's one usage line: steps per account-month.
pub const STEPS_PER_MONTH: u64 = 10;

/// The scenario, as an analyst would write it.
pub fn scenario(accounts: u64) -> String {
    format!(
        "vendor = \"aibc\"\nmonths = 12\nseed = 1\n[[personas]]\nid = \"bench\"\n\
         accounts = {accounts}\nplan = \"pro\"\n[[personas.usage]]\naction = \"image\"\n\
         params = {{ size = \"short\" }}\nper_month = {STEPS_PER_MONTH}\n"
    )
}

/// The scenario of `accounts` accounts, loaded, with nothing written.
pub fn config(accounts: u64) -> Result<EconomicsConfig, String> {
    let overrides = EconomicsOverrides {
        out: EconomicsOut::Discard,
        ..EconomicsOverrides::default()
    };
    EconomicsConfig::parse(
        &scenario(accounts),
        Path::new("economics-bench.toml"),
        overrides,
    )
    .map_err(|err| err.to_string())
}

/// What one engine run did: its steps, time and threads, and whether every check held.
pub struct EngineRun {
    /// Usage steps drawn over every account-month, whatever became of them.
    pub steps: u64,
    /// Wall-clock time of the simulation.
    pub elapsed: Duration,
    /// Threads the accounts were spread over.
    pub threads: usize,
}

/// Runs the engine over `config`. A run that breaks an invariant is an error: a figure
/// from a wrong engine is no figure.
pub fn run_engine(entry: &'static str, config: &EconomicsConfig) -> Result<EngineRun, BenchError> {
    let result = sim::run(config, &Progress::default());
    if let Some(first) = result.verdict.violations.first() {
        return Err(BenchError::Violated {
            entry,
            what: first.to_string(),
            reproduce: "creditsim bench --only economics_steps_per_s".into(),
        });
    }
    Ok(EngineRun {
        steps: result.steps,
        elapsed: result.elapsed,
        threads: result.threads,
    })
}

/// The floor: the first `accounts` accounts' cycles on `Book` alone; steps and time taken.
pub fn floor(config: &EconomicsConfig, accounts: u32) -> (u64, Duration) {
    let cell: &Cell = &config.cells[0];
    let Line::Served(served) = &cell.lines[0] else {
        unreachable!("the bench scenario's one usage line is served by AIBC");
    };
    let months = u64::from(config.months);
    let starts: Vec<u64> = (0..=months)
        .map(|m| calendar::add_months(config.start_ms, m).unwrap_or(u64::MAX))
        .collect();
    let keys: Vec<Key> = (0..months * STEPS_PER_MONTH)
        .map(|n| smol_str::format_smolstr!("s{n}"))
        .collect();
    let (mut events, mut steps) = (Vec::new(), 0);
    let started = Instant::now();
    for account in 0..accounts {
        let mut book = Book::new(account, cell.spec.clone());
        for month in 0..months as usize {
            let span = starts[month + 1] - starts[month];
            for s in 0..STEPS_PER_MONTH {
                let at = starts[month] + span * (2 * s + 1) / (2 * STEPS_PER_MONTH);
                let key = keys[month * STEPS_PER_MONTH as usize + s as usize].clone();
                let reserve = ReserveRequest {
                    key: key.clone(),
                    pool: served.pool.clone(),
                    action: served.action.clone(),
                    credits: served.cost.max,
                    ttl_ms: 3_600_000,
                };
                black_box(book.reserve_into(&reserve, at, &mut events));
                let commit = CommitRequest {
                    key,
                    credits: served.cost.max,
                };
                black_box(book.commit_into(&commit, at, &mut events));
                events.clear();
                steps += 1;
            }
        }
        book.close_into(starts[months as usize], &mut events);
        events.clear();
    }
    (steps, started.elapsed())
}

/// Steps per second of the engine over `accounts` accounts, all threads.
pub(crate) fn engine_steps_per_s(entry: &'static str, accounts: u64) -> Result<f64, BenchError> {
    let config = config(accounts).map_err(|err| BenchError::failed(entry, err))?;
    let run = run_engine(entry, &config)?;
    Ok(run.steps as f64 / run.elapsed.as_secs_f64())
}

/// Steps per second of the bare `Book` loop over `accounts` accounts, one thread.
pub(crate) fn floor_steps_per_s(entry: &'static str, accounts: u64) -> Result<f64, BenchError> {
    let config = config(accounts).map_err(|err| BenchError::failed(entry, err))?;
    let accounts = u32::try_from(accounts).map_err(|err| BenchError::failed(entry, err))?;
    let (steps, elapsed) = floor(&config, accounts);
    Ok(steps as f64 / elapsed.as_secs_f64())
}
