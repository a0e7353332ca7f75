//! The economics engine: a discrete-event simulation over virtual calendar months that
//! calls `Book` directly (no actors, no wall clock), for pricing analysts.
//!
//! # Layout
//!
//! - [`config`]: the economics scenario (personas, offers, intents, prices) and its
//!   validation.
//! - `plan`: one cell (persona × offer) prepared for simulation.
//! - `demand`: an account's monthly steps, drawn from its own random stream.
//! - `account`: one account's life, event by event.
//! - `policy`: top-up policies.
//! - `audit`: the invariant checks, bounded per account, with I12.
//! - [`tally`]: what is counted.
//!
//! # Determinism and threads
//!
//! Accounts never interact, so they are spread over threads in contiguous ranges. Each
//! account's randomness comes from (seed, persona, account index) alone, and every counter
//! is a whole number summed in any order, so the result is the same for any number of
//! threads. Every offer compared for a persona sees the same demand.

mod account;
pub(crate) mod audit;
pub mod config;
mod demand;
mod plan;
mod policy;
pub mod tally;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::check::Verdict;
use crate::ledger::AccountId;
pub use config::{EconomicsConfig, EconomicsOut, EconomicsOverrides, Flaw};
pub use tally::CellTally;

use account::Scratch;
use audit::ShardAudit;
use plan::{CellPlan, Keys};

/// How far a run has got, for a progress bar another thread draws.
#[derive(Debug, Default)]
pub struct Progress {
    accounts: AtomicU64,
}

impl Progress {
    /// Accounts finished so far, over all threads.
    pub fn accounts_done(&self) -> u64 {
        self.accounts.load(Ordering::Relaxed)
    }

    fn add(&self, accounts: u64) {
        self.accounts.fetch_add(accounts, Ordering::Relaxed);
    }
}

/// Accounts a thread finishes between progress updates, so that threads do not contend on
/// the counter.
const PROGRESS_EVERY: u64 = 1024;

/// What an economics run produced.
#[derive(Clone, Debug)]
pub struct SimResult {
    /// Per cell, in the config's cell order.
    pub cells: Vec<CellTally>,
    /// The invariant checks over every account.
    pub verdict: Verdict,
    /// Steps drawn (every usage step, whatever became of it).
    pub steps: u64,
    /// Wall-clock time of the simulation, for throughput; not part of any report.
    pub elapsed: Duration,
    /// Threads the accounts were spread over: `--threads`, or every core; at most one per
    /// account.
    pub threads: usize,
}

/// Runs the scenario: every account of every cell, from its first month to its last.
pub fn run(config: &EconomicsConfig, progress: &Progress) -> SimResult {
    let started = Instant::now();
    let total = config.account_runs();
    let wanted = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let threads = (wanted as u64).clamp(1, total.max(1)) as usize;
    let keys = Arc::new(Keys::new());
    let ranges: Vec<(u64, u64)> = (0..threads as u64)
        .map(|s| (s * total / threads as u64, (s + 1) * total / threads as u64))
        .collect();
    let shards: Vec<Shard> = std::thread::scope(|scope| {
        let handles: Vec<_> = (ranges.iter())
            .map(|&range| {
                let keys = keys.clone();
                scope.spawn(move || run_shard(config, range, keys, progress))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a shard panicked"))
            .collect()
    });
    let mut cells: Vec<CellTally> = empty_tallies(config);
    let mut steps = 0;
    let mut verdicts = Vec::new();
    for shard in shards {
        for (into, from) in cells.iter_mut().zip(&shard.cells) {
            into.merge(from);
        }
        steps += shard.steps;
        verdicts.push(shard.verdict);
    }
    SimResult {
        cells,
        verdict: Verdict::merge(verdicts),
        steps,
        elapsed: started.elapsed(),
        threads,
    }
}

/// One thread's share.
struct Shard {
    cells: Vec<CellTally>,
    verdict: Verdict,
    steps: u64,
}

fn empty_tallies(config: &EconomicsConfig) -> Vec<CellTally> {
    let tally = |cell: &config::Cell| {
        let model = &config.offers[cell.offer].model;
        CellTally::new(
            config.months as usize,
            cell.lines.len(),
            model.pools().len(),
            model.packs().len(),
        )
    };
    config.cells.iter().map(tally).collect()
}

/// Simulates account-runs `from..to`, numbered over the cells in order.
fn run_shard(
    config: &EconomicsConfig,
    (from, to): (u64, u64),
    keys: Arc<Keys>,
    progress: &Progress,
) -> Shard {
    let mut cells = empty_tallies(config);
    let mut audit = ShardAudit::default();
    let mut scratch = Scratch::default();
    let (mut first, mut pending) = (0u64, 0u64);
    for (c, cell) in config.cells.iter().enumerate() {
        let size = u64::from(config.personas[cell.persona].accounts);
        let (start, end) = (from.max(first), to.min(first + size));
        if start < end {
            let plan = CellPlan::new(config, cell, first as AccountId, keys.clone());
            for g in start..end {
                account::simulate(
                    &plan,
                    (g - first) as u32,
                    &mut scratch,
                    &mut cells[c],
                    &mut audit,
                );
                pending += 1;
                if pending == PROGRESS_EVERY {
                    progress.add(pending);
                    pending = 0;
                }
            }
        }
        first += size;
    }
    progress.add(pending);
    let steps = cells
        .iter()
        .map(|c| c.months.iter().map(|m| total_steps(&m.steps)).sum::<u64>())
        .sum();
    Shard {
        cells,
        verdict: audit.finish(),
        steps,
    }
}

fn total_steps(s: &tally::StepCounts) -> u64 {
    s.done + s.failed + s.blocked + s.unserved
}
