//! Credits per pool, summed over every account as the journal streams by, so the report
//! needs no second pass over the events and works for the flawed ledgers too.

use std::collections::BTreeMap;

use crate::ledger::PoolTotals;
use crate::ledger::{Draw, Event, EventKind};

/// Running totals per pool. `remaining` is derived at the end: what is neither charged,
/// expired nor held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreditTotals {
    pools: BTreeMap<String, PoolTotals>,
}

fn sum(draws: &[Draw]) -> u64 {
    draws.iter().map(|d| d.credits).sum()
}

impl CreditTotals {
    fn pool(&mut self, pool: &str) -> &mut PoolTotals {
        if !self.pools.contains_key(pool) {
            self.pools.insert(pool.to_string(), PoolTotals::default());
        }
        self.pools.get_mut(pool).expect("inserted above")
    }

    /// Adds one event.
    pub fn observe(&mut self, event: &Event) {
        match &event.kind {
            EventKind::Granted { pool, credits, .. } => self.pool(pool).granted += credits,
            EventKind::Reserved { pool, credits, .. } => self.pool(pool).held += credits,
            EventKind::Committed {
                pool,
                charged,
                returned,
                ..
            } => {
                let totals = self.pool(pool);
                totals.charged += charged;
                totals.held = totals.held.saturating_sub(charged + sum(returned));
            }
            EventKind::Released { pool, returned, .. } => {
                let totals = self.pool(pool);
                totals.held = totals.held.saturating_sub(sum(returned));
            }
            EventKind::Expired { pool, credits, .. } => self.pool(pool).expired += credits,
            EventKind::Rejected { .. }
            | EventKind::Unlimited { .. }
            | EventKind::Warning { .. } => {}
        }
    }

    /// The totals per pool, with `remaining` filled in.
    pub fn finish(mut self) -> BTreeMap<String, PoolTotals> {
        for totals in self.pools.values_mut() {
            let spent = totals.charged + totals.expired + totals.held;
            totals.remaining = totals.granted.saturating_sub(spent);
        }
        self.pools
    }
}
