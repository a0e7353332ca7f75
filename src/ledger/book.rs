//! `Book`: one account's lots, holds and idempotency records, and every ledger rule as a
//! synchronous method. STUB: the signatures below are the contract; bodies come later.

use super::types::*;

/// One account's ledger state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Book {
    account: AccountId,
    spec: AccountSpec,
}

/// Per-pool totals, for conservation: granted = charged + expired + remaining + held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolTotals {
    /// Credits ever granted to the pool.
    pub granted: Credits,
    /// Credits charged by commits.
    pub charged: Credits,
    /// Credits that expired unused.
    pub expired: Credits,
    /// Credits left in lots, whether or not the lot has expired yet.
    pub remaining: Credits,
    /// Credits in open holds.
    pub held: Credits,
}

/// Why a journal could not be replayed into a `Book`.
#[derive(Debug, thiserror::Error)]
#[error("event {seq} of account {account} cannot be replayed: {why}")]
pub struct ReplayError {
    /// The account.
    pub account: AccountId,
    /// The offending event.
    pub seq: u64,
    /// What is wrong with it.
    pub why: String,
}

impl Book {
    /// An empty book at virtual time 0; scheduled grants happen on the first `advance`.
    pub fn new(account: AccountId, spec: AccountSpec) -> Book {
        Book { account, spec }
    }
    /// The account's id.
    pub fn account(&self) -> AccountId {
        self.account
    }
    /// The account's terms.
    pub fn spec(&self) -> &AccountSpec {
        &self.spec
    }
    /// Advances virtual time to `now_ms` (never backwards), producing timeouts, expiries,
    /// renewals and warnings in time order.
    pub fn advance(&mut self, now_ms: TimeMs) -> Vec<Event> {
        let _ = now_ms;
        todo!()
    }
    /// Holds `req.credits`, or refuses.
    pub fn reserve(&mut self, req: &ReserveRequest, now_ms: TimeMs) -> Applied<ReserveOutcome> {
        let _ = (req, now_ms);
        todo!()
    }
    /// Charges `credits` of the hold under `key` and returns the rest.
    pub fn commit(
        &mut self,
        key: &str,
        credits: Credits,
        now_ms: TimeMs,
    ) -> Applied<CommitOutcome> {
        let _ = (key, credits, now_ms);
        todo!()
    }
    /// Returns the whole hold under `key`.
    pub fn release(&mut self, key: &str, now_ms: TimeMs) -> Applied<ReleaseOutcome> {
        let _ = (key, now_ms);
        todo!()
    }
    /// Adds a lot, once per key.
    pub fn grant(&mut self, req: &GrantRequest, now_ms: TimeMs) -> Applied<GrantOutcome> {
        let _ = (req, now_ms);
        todo!()
    }
    /// The pool's balance now.
    pub fn balance(&self, pool: &str) -> Balance {
        let _ = pool;
        todo!()
    }
    /// The pool's running totals.
    pub fn totals(&self, pool: &str) -> PoolTotals {
        let _ = pool;
        todo!()
    }
    /// Rebuilds a book from its own events, in `seq` order.
    pub fn replay(
        account: AccountId,
        spec: AccountSpec,
        events: &[Event],
    ) -> Result<Book, ReplayError> {
        let _ = events;
        Ok(Book::new(account, spec))
    }
}
