//! Credits per pool as the journal streams by, so the report needs no second pass over the
//! events and works for the flawed ledgers too. Each account is tallied on its own and the
//! run's and personas' totals are sums of those, so one rule (an account's `held` never
//! drops below zero) decides both and the persona totals always add up to the run's.

use std::collections::BTreeMap;

use crate::ledger::{Draw, Event, EventKind, Name, PoolTotals};

/// One account's running totals per pool. An account draws on one to three pools, so a
/// short list searched by name beats a map.
#[derive(Clone, Debug, Default)]
pub(super) struct AccountCredits {
    pools: Vec<(Name, PoolTotals)>,
}

fn sum(draws: &[Draw]) -> u64 {
    draws.iter().map(|d| d.credits).sum()
}

impl AccountCredits {
    fn pool(&mut self, pool: &Name) -> &mut PoolTotals {
        let index = match self.pools.iter().position(|(name, _)| name == pool) {
            Some(index) => index,
            None => {
                self.pools.push((pool.clone(), PoolTotals::default()));
                self.pools.len() - 1
            }
        };
        &mut self.pools[index].1
    }

    /// Adds one of the account's events. A release of more than is held (a flawed ledger's)
    /// leaves `held` at zero rather than wrapping.
    pub(super) fn observe(&mut self, event: &Event) {
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
}

/// Totals per pool over a set of accounts (the run's, or one persona's). `remaining` is
/// derived at the end: what is neither charged, expired nor held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreditTotals {
    pools: BTreeMap<String, PoolTotals>,
}

impl CreditTotals {
    /// Adds one account's totals.
    pub(super) fn add(&mut self, account: &AccountCredits) {
        for (name, totals) in &account.pools {
            if !self.pools.contains_key(name.as_str()) {
                self.pools.insert(name.to_string(), PoolTotals::default());
            }
            let sum = self.pools.get_mut(name.as_str()).expect("inserted above");
            sum.granted += totals.granted;
            sum.charged += totals.charged;
            sum.expired += totals.expired;
            sum.held += totals.held;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{AccountId, DrawList};

    fn event(account: AccountId, kind: EventKind) -> Event {
        Event {
            account,
            seq: 0,
            at_ms: 0,
            kind,
        }
    }

    fn reserved(account: AccountId, credits: u64) -> Event {
        let draws: DrawList = [Draw { lot: 0, credits }].into_iter().collect();
        event(
            account,
            EventKind::Reserved {
                key: "k".into(),
                pool: "credits".into(),
                action: "a".into(),
                credits,
                expires_at_ms: 1,
                draws,
            },
        )
    }

    fn released(account: AccountId, credits: u64) -> Event {
        let returned: DrawList = [Draw { lot: 0, credits }].into_iter().collect();
        event(
            account,
            EventKind::Released {
                key: "k".into(),
                pool: "credits".into(),
                timed_out: false,
                returned,
            },
        )
    }

    /// Account 0 releases 8 of the 5 it held (a flawed ledger's double release) while account
    /// 1 holds 3. Saturating one run-wide sum would hide account 1's hold; per account, the
    /// run still shows 3 held, whatever order the events came in.
    #[test]
    fn an_over_release_saturates_within_its_own_account() {
        let events = [reserved(0, 5), reserved(1, 3), released(0, 8)];
        let mut accounts = [AccountCredits::default(), AccountCredits::default()];
        for e in &events {
            accounts[e.account as usize].observe(e);
        }
        let mut run = CreditTotals::default();
        accounts.iter().for_each(|a| run.add(a));
        let pools = run.finish();
        assert_eq!(pools["credits"].held, 3, "{pools:?}");
    }

    #[test]
    fn sums_every_pool_of_every_account_and_derives_remaining() {
        let grant = |account, pool: &str, credits| {
            event(
                account,
                EventKind::Granted {
                    key: "g".into(),
                    lot: 0,
                    pool: pool.into(),
                    source: crate::ledger::LotSource::Pack,
                    credits,
                    expires_at_ms: None,
                    priority: 0,
                },
            )
        };
        let events = [
            grant(0, "credits", 10),
            grant(1, "credits", 7),
            reserved(1, 2),
        ];
        let events = events.into_iter().chain([grant(1, "seats", 4)]);
        let mut accounts = [AccountCredits::default(), AccountCredits::default()];
        for e in events {
            accounts[e.account as usize].observe(&e);
        }
        let mut run = CreditTotals::default();
        accounts.iter().for_each(|a| run.add(a));
        let pools = run.finish();
        let credits = &pools["credits"];
        assert_eq!(
            (credits.granted, credits.held, credits.remaining),
            (17, 2, 15)
        );
        assert_eq!((pools["seats"].granted, pools["seats"].remaining), (4, 4));
    }
}
