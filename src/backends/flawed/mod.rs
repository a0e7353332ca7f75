//! Deliberately flawed ledgers. A checker that never fails proves nothing, so creditsim ships
//! ledgers with classic billing bugs, selectable with `--ledger KIND`, behind the same
//! `Ledger` interface and journaling in the same event format. The tests show the checker
//! catching each of them and naming the invariant it breaks.
//!
//! They share one small, naive bookkeeping core (`naive`, with time in `clock`): lots drawn
//! in the contract's order, holds by key, lots that expire and allowances that renew on
//! schedule, and no hold timeouts or warnings. Each flaw is one deliberate deviation from
//! the contract:
//!
//! - [`Flaw::Racy`]: check-then-act across an await. A reserve reads the balance, yields, then
//!   debits without checking again, so concurrent reserves overdraw a shared pool (I1).
//! - [`Flaw::NoDedup`]: ignores idempotency keys, so a duplicated reserve opens a second hold
//!   and a duplicated commit charges again (I2).
//! - [`Flaw::ChargeFailed`]: a release charges the hold instead of returning it, so failed
//!   generations are billed (I4, I7).
//! - [`Flaw::NoExpiry`]: lots are never expired (the job that expires them never runs), so
//!   credits past their expiry are spent (I9) and left over (I11).
//! - [`Flaw::NewestFirst`]: draws take the newest lot first, spending the credits that
//!   would expire last and leaving the soonest to expire (I10; anthropics/claude-code#81703).
//! - [`Flaw::DoubleRenewal`]: each renewal is granted twice at its boundary, as two
//!   workers racing on one boundary do (I11; openmeter PR #1408).

mod clock;
mod naive;

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::ledger::*;
use naive::{NaiveBook, Quirks};

/// Which bug a flawed ledger has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// Check-then-act across an await: overdraws under concurrency.
    Racy,
    /// No idempotency: duplicates hold and charge twice.
    NoDedup,
    /// Release charges instead of refunding.
    ChargeFailed,
    /// Lots never expire: expired credits stay spendable.
    NoExpiry,
    /// The newest lot is drawn first, whatever its expiry and priority.
    NewestFirst,
    /// Every renewal is granted twice.
    DoubleRenewal,
}

impl Flaw {
    /// How the naive core departs from the contract for this flaw (the first three live in
    /// the ledger's calls instead).
    fn quirks(self) -> Quirks {
        Quirks {
            newest_first: self == Flaw::NewestFirst,
            never_expire: self == Flaw::NoExpiry,
            renew_twice: self == Flaw::DoubleRenewal,
        }
    }
}

/// A ledger with one deliberate bug, for proving that the checker catches it.
pub(crate) struct FlawedLedger {
    flaw: Flaw,
    accounts: Vec<Mutex<NaiveBook>>,
    sink: Arc<dyn EventSink>,
}

impl FlawedLedger {
    /// Opens every account, journaling its initial grants to `sink`.
    pub(crate) fn new(
        flaw: Flaw,
        specs: Vec<AccountSpec>,
        sink: Arc<dyn EventSink>,
    ) -> FlawedLedger {
        let accounts = (specs.iter().enumerate())
            .map(|(account, spec)| {
                let (book, mut events) = NaiveBook::new(account as AccountId, spec, flaw.quirks());
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
        let now_ms = book.advance(at_ms, &mut events);
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
        self.with_book(account, at_ms, |book, _, _| Balance {
            available: book.available(&pool).max(0) as Credits,
            held: book.held(&pool),
        })
    }

    async fn advance(&self, account: AccountId, to_ms: TimeMs) -> Result<(), LedgerError> {
        self.with_book(account, to_ms, |_, _, _| ())
    }

    async fn close(&self, account: AccountId, end_ms: TimeMs) -> Result<(), LedgerError> {
        let mut events = Vec::new();
        let mut book = self.book(account)?;
        book.close(end_ms, &mut events);
        self.sink.append(account, &mut events);
        Ok(())
    }

    async fn stop(&self) -> BackendStats {
        BackendStats::new()
    }
}
