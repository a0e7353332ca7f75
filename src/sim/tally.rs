//! What the engine counts, per cell (persona × offer), summed over its accounts. Every
//! counter is a whole number, so that adding up shards in any order gives the same totals:
//! the report does not depend on how accounts were spread over threads.

use crate::ledger::Credits;

/// Lot class of plan allowances, for breakage valued by where the credits came from.
pub(crate) const CLASS_ALLOWANCE: usize = 0;
/// Lot class of recurring add-on units.
pub(crate) const CLASS_ADDON: usize = 1;
/// Lot class of the model's first pack; pack `i` is `CLASS_PACKS + i`.
pub(crate) const CLASS_PACKS: usize = 2;

/// What became of steps, summed over a cell's accounts for a month, a usage line or the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StepCounts {
    /// Items the user got: charged, free, or unlimited on the plan.
    pub done: u64,
    /// Generations that failed: released, never charged.
    pub failed: u64,
    /// Steps refused: too few credits, or not entitled on the plan.
    pub blocked: u64,
    /// Of `blocked`, the steps the plan may not use at all.
    pub not_entitled: u64,
    /// Of `done`, the actions that cost nothing.
    pub free: u64,
    /// Of `done`, the actions the plan makes unlimited.
    pub unlimited: u64,
    /// Steps of an intent the vendor cannot serve: never attempted.
    pub unserved: u64,
    /// Refused steps retried once after a top-up bought on the refusal.
    pub retried: u64,
}

impl StepCounts {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &StepCounts) {
        self.done += other.done;
        self.failed += other.failed;
        self.blocked += other.blocked;
        self.not_entitled += other.not_entitled;
        self.free += other.free;
        self.unlimited += other.unlimited;
        self.unserved += other.unserved;
        self.retried += other.retried;
    }
}

/// One calendar month of a cell, in the offer's main pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonthTally {
    /// Credits granted in the month, summed over the cell's accounts.
    pub granted: Credits,
    /// Credits charged.
    pub consumed: Credits,
    /// Credits that expired: lots that ended with the month, or credits returned to them.
    pub expired: Credits,
    /// Expired credits of every pool by lot class, to value breakage.
    pub expired_by_class: Vec<Credits>,
    /// Packs bought in the month (at the start and by top-up), by the model's pack index.
    pub purchases: Vec<u64>,
    /// Outcomes of the month's steps, summed over the cell's accounts.
    pub steps: StepCounts,
}

/// One usage line of a cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineTally {
    /// Step outcomes of the line.
    pub steps: StepCounts,
    /// Credits charged for the line's steps, summed over the cell's accounts.
    pub credits: Credits,
}

/// One pool of a cell over the whole run; `remaining` and `held` as the run ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PoolTally {
    /// Credits granted to the pool over the run, summed over the cell's accounts.
    pub granted: Credits,
    /// Credits charged.
    pub consumed: Credits,
    /// Credits expired unused.
    pub expired: Credits,
    /// Credits left at the end.
    pub remaining: Credits,
    /// Credits held at the end (0 unless a hold was left open).
    pub held: Credits,
}

/// Everything counted for one cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CellTally {
    /// How many accounts the cell ran; the report's per-account means divide by it.
    pub accounts: u64,
    /// Per calendar month.
    pub months: Vec<MonthTally>,
    /// Per usage line.
    pub lines: Vec<LineTally>,
    /// Per pool of the model, in model order.
    pub pools: Vec<PoolTally>,
    /// Packs bought at the start, by pack index.
    pub start_packs: Vec<u64>,
    /// Packs bought by the top-up policy, by pack index.
    pub topups: Vec<u64>,
    /// Low-balance warnings the ledger raised.
    pub warnings: u64,
}

impl CellTally {
    /// An empty tally shaped for `months`, `lines`, `pools` and `packs`.
    pub fn new(months: usize, lines: usize, pools: usize, packs: usize) -> CellTally {
        let month = MonthTally {
            expired_by_class: vec![0; CLASS_PACKS + packs],
            purchases: vec![0; packs],
            ..MonthTally::default()
        };
        CellTally {
            accounts: 0,
            months: vec![month; months],
            lines: vec![LineTally::default(); lines],
            pools: vec![PoolTally::default(); pools],
            start_packs: vec![0; packs],
            topups: vec![0; packs],
            warnings: 0,
        }
    }

    /// Adds another shard's counts of the same cell.
    pub fn merge(&mut self, other: &CellTally) {
        self.accounts += other.accounts;
        for (into, from) in self.months.iter_mut().zip(&other.months) {
            into.granted += from.granted;
            into.consumed += from.consumed;
            into.expired += from.expired;
            add_all(&mut into.expired_by_class, &from.expired_by_class);
            add_all(&mut into.purchases, &from.purchases);
            into.steps.add(&from.steps);
        }
        for (into, from) in self.lines.iter_mut().zip(&other.lines) {
            into.steps.add(&from.steps);
            into.credits += from.credits;
        }
        for (into, from) in self.pools.iter_mut().zip(&other.pools) {
            into.granted += from.granted;
            into.consumed += from.consumed;
            into.expired += from.expired;
            into.remaining += from.remaining;
            into.held += from.held;
        }
        add_all(&mut self.start_packs, &other.start_packs);
        add_all(&mut self.topups, &other.topups);
        self.warnings += other.warnings;
    }

    /// Step outcomes over the whole run.
    pub fn steps(&self) -> StepCounts {
        let mut total = StepCounts::default();
        self.months.iter().for_each(|m| total.add(&m.steps));
        total
    }

    /// Expired credits by lot class over the whole run.
    pub(crate) fn expired_by_class(&self) -> Vec<Credits> {
        let mut total = vec![0; self.months.first().map_or(0, |m| m.expired_by_class.len())];
        self.months
            .iter()
            .for_each(|m| add_all(&mut total, &m.expired_by_class));
        total
    }
}

fn add_all(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}
