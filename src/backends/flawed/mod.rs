//! Deliberately flawed ledgers. A checker that never fails proves nothing, so creditsim ships
//! ledgers with classic billing bugs, selectable with `--ledger KIND`, behind the same
//! `Ledger` interface and journaling in the same event format. The tests show the checker
//! catching each of them and naming the invariant it breaks.
//!
//! They share one small, naive bookkeeping core (`naive`): lots drawn in grant order, holds
//! by key, and no renewals, expiry or warnings. Each flaw is one deliberate deviation from
//! the contract:
//!
//! - [`Flaw::Racy`]: check-then-act across an await. A reserve reads the balance, yields, then
//!   debits without checking again, so concurrent reserves overdraw a shared pool (I1).
//! - [`Flaw::NoDedup`]: ignores idempotency keys, so a duplicated reserve opens a second hold
//!   and a duplicated commit charges again (I2).
//! - [`Flaw::ChargeFailed`]: a release charges the hold instead of returning it, so failed
//!   generations are billed (I4, I7).

mod naive;

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::ledger::*;
use naive::NaiveBook;

/// Which bug a flawed ledger has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// Check-then-act across an await: overdraws under concurrency.
    Racy,
    /// No idempotency: duplicates hold and charge twice.
    NoDedup,
    /// Release charges instead of refunding.
    ChargeFailed,
}

/// A ledger with one deliberate bug, for proving that the checker catches it.
pub struct FlawedLedger {
    flaw: Flaw,
    accounts: Vec<Mutex<NaiveBook>>,
    sink: Arc<dyn EventSink>,
}

impl FlawedLedger {
    /// Opens every account, journaling its initial grants to `sink`.
    pub fn new(flaw: Flaw, specs: Vec<AccountSpec>, sink: Arc<dyn EventSink>) -> FlawedLedger {
        let accounts = (specs.iter().enumerate())
            .map(|(account, spec)| {
                let (book, mut events) = NaiveBook::new(account as AccountId, spec);
                sink.append(account as AccountId, &mut events);
                Mutex::new(book)
            })
            .collect();
        FlawedLedger {
            flaw,
            accounts,
            sink,
        }
    }

    fn book(&self, account: AccountId) -> Result<MutexGuard<'_, NaiveBook>, LedgerError> {
        let book = self.accounts.get(account as usize);
        let book = book.ok_or(LedgerError::NoSuchAccount(account))?;
        Ok(book.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Runs `op` on the account's book under its lock, at the account's clock after a call
    /// at `at_ms`, and journals the events.
    fn with_book<R>(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        op: impl FnOnce(&mut NaiveBook, TimeMs, &mut Vec<Event>) -> R,
    ) -> Result<R, LedgerError> {
        let mut events = Vec::new();
        let mut book = self.book(account)?;
        let now_ms = book.clock(at_ms);
        let result = op(&mut book, now_ms, &mut events);
        // Appended under the book's lock, so the sink gets the account's events in order.
        self.sink.append(account, &mut events);
        Ok(result)
    }

    fn dedup(&self) -> bool {
        self.flaw != Flaw::NoDedup
    }
}

#[async_trait]
impl Ledger for FlawedLedger {
    async fn reserve(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReserveRequest,
    ) -> Result<ReserveOutcome, LedgerError> {
        let racy_read = if self.flaw == Flaw::Racy {
            let available = self.book(account)?.available(&req.pool);
            // The bug: this balance is stale by the time the hold is written below.
            tokio::task::yield_now().await;
            Some(available)
        } else {
            None
        };
        self.with_book(account, at_ms, |book, now, out| {
            if self.dedup()
                && let Some(first) = book.repeated_reserve(&req.key)
            {
                return first;
            }
            let available = racy_read.unwrap_or_else(|| book.available(&req.pool));
            book.hold_if(&req, available, now, out)
        })
    }

    async fn commit(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: CommitRequest,
    ) -> Result<CommitOutcome, LedgerError> {
        let CommitRequest { key, credits } = req;
        self.with_book(account, at_ms, |book, now, out| {
            if book.is_open(&key) {
                book.charge(&key, credits, now, out)
            } else if self.dedup() {
                book.repeated_commit(&key)
            } else {
                book.charge_again(&key, credits, now, out)
            }
        })
    }

    async fn release(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReleaseRequest,
    ) -> Result<ReleaseOutcome, LedgerError> {
        let key = req.key;
        self.with_book(account, at_ms, |book, now, out| {
            if !book.is_open(&key) {
                return book.repeated_release(&key);
            }
            if self.flaw != Flaw::ChargeFailed {
                return book.release(&key, now, out);
            }
            // The bug: a failed generation is charged in full instead of refunded.
            let held = book.latest(&key).map_or(0, |h| h.held);
            book.charge(&key, held, now, out);
            ReleaseOutcome::Released { returned: held }
        })
    }

    async fn grant(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: GrantRequest,
    ) -> Result<GrantOutcome, LedgerError> {
        self.with_book(account, at_ms, |book, now, out| book.grant(&req, now, out))
    }

    async fn balance(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        pool: Name,
    ) -> Result<Balance, LedgerError> {
        let mut book = self.book(account)?;
        book.clock(at_ms);
        Ok(Balance {
            available: book.available(&pool).max(0) as Credits,
            held: book.held(&pool),
        })
    }

    async fn advance(&self, account: AccountId, to_ms: TimeMs) -> Result<(), LedgerError> {
        self.book(account)?.clock(to_ms);
        Ok(())
    }

    async fn close(&self, account: AccountId, end_ms: TimeMs) -> Result<(), LedgerError> {
        self.advance(account, end_ms).await
    }

    async fn stop(&self) -> BackendStats {
        BackendStats::new()
    }
}
