//! Deliberately flawed ledgers. A checker that never fails proves nothing, so creditsim ships
//! ledgers with classic billing bugs, selectable with `--ledger KIND`, behind the same
//! `Ledger` interface and journaling in the same event format. The tests show the checker
//! catching each of them and naming the invariant it breaks.
//!
//! They share one small, naive bookkeeping core ([`NaiveBook`]): lots drawn in grant order,
//! holds by key, and no renewals, expiry or warnings (scheduled grants are made once, at the
//! start). Each flaw is one deliberate deviation from the contract:
//!
//! - [`Flaw::Racy`]: check-then-act across an await. A reserve reads the balance, yields, then
//!   debits without checking again, so concurrent reserves overdraw a shared pool (I1).
//! - [`Flaw::NoDedup`]: ignores idempotency keys, so a duplicated reserve opens a second hold
//!   and a duplicated commit charges again (I2).
//! - [`Flaw::ChargeFailed`]: a release charges the hold instead of returning it, so failed
//!   generations are billed (I4, I7).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::iface::{Clock, Ledger, LedgerError};
use super::log::AccountLog;
use super::types::*;

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

/// One hold of the naive core.
#[derive(Clone, Debug)]
struct NaiveHold {
    pool: Name,
    held: Credits,
    draws: DrawList,
    /// How it was closed, and what was charged; `None` while open.
    closed: Option<(Closure, Credits)>,
}

/// One lot of the naive core: signed, so that an overdraw is journaled rather than refused.
#[derive(Clone, Debug)]
struct NaiveLot {
    pool: Name,
    remaining: i64,
}

/// The naive bookkeeping shared by the flawed ledgers: lots drawn in grant order, holds by
/// key (several per key when keys are not deduplicated), grants idempotent by key.
#[derive(Debug, Default)]
pub struct NaiveBook {
    account: AccountId,
    seq: u64,
    lots: Vec<NaiveLot>,
    holds: HashMap<Key, Vec<NaiveHold>>,
    /// Refused reserves' first outcome, by key.
    refused: HashMap<Key, ReserveOutcome>,
    grants: HashMap<Key, LotId>,
}

impl NaiveBook {
    /// A book with the first grant of each scheduled grant of `spec` already made.
    pub fn new(account: AccountId, spec: &AccountSpec) -> (NaiveBook, Vec<Event>) {
        let mut book = NaiveBook {
            account,
            ..NaiveBook::default()
        };
        let mut events = Vec::new();
        for recurring in &spec.recurring {
            let req = GrantRequest {
                key: smol_str::format_smolstr!("renew:{}:0", recurring.label),
                pool: recurring.pool.clone(),
                credits: recurring.credits,
                source: recurring.source,
                expires_at_ms: None,
                priority: recurring.priority,
            };
            book.grant(&req, 0, &mut events);
        }
        (book, events)
    }

    fn event(&mut self, at_ms: TimeMs, kind: EventKind, out: &mut Vec<Event>) {
        out.push(Event {
            account: self.account,
            seq: self.seq,
            at_ms,
            kind,
        });
        self.seq += 1;
    }

    fn available(&self, pool: &str) -> i64 {
        let lots = self.lots.iter().filter(|lot| lot.pool == pool);
        lots.map(|lot| lot.remaining.max(0)).sum()
    }

    fn held(&self, pool: &str) -> Credits {
        let holds = self.holds.values().flatten();
        let open = holds.filter(|h| h.closed.is_none() && h.pool == pool);
        open.map(|h| h.held).sum()
    }

    /// The key's latest hold.
    fn latest(&mut self, key: &str) -> Option<&mut NaiveHold> {
        self.holds.get_mut(key).and_then(|holds| holds.last_mut())
    }

    /// Takes `credits` from the pool's lots in grant order; whatever the lots lack is taken
    /// from the last lot, driving it negative (reachable only when the caller skipped the
    /// balance check, as the racy ledger does).
    fn draw(&mut self, pool: &str, credits: Credits) -> DrawList {
        let mut left = credits as i64;
        let mut draws = DrawList::new();
        let mut last = None;
        for (id, lot) in self.lots.iter_mut().enumerate() {
            if lot.pool != pool {
                continue;
            }
            last = Some(id);
            let take = left.min(lot.remaining.max(0));
            if take > 0 {
                lot.remaining -= take;
                left -= take;
                draws.push(Draw {
                    lot: id as LotId,
                    credits: take as Credits,
                });
            }
        }
        if left > 0
            && let Some(id) = last
        {
            self.lots[id].remaining -= left;
            draws.push(Draw {
                lot: id as LotId,
                credits: left as Credits,
            });
        }
        draws
    }

    fn put_back(&mut self, draws: &[Draw]) {
        for draw in draws {
            self.lots[draw.lot as usize].remaining += draw.credits as i64;
        }
    }

    /// Opens a hold without checking the balance (the check is the caller's).
    fn hold(
        &mut self,
        req: &ReserveRequest,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> ReserveOutcome {
        let draws = self.draw(&req.pool, req.credits);
        let hold = NaiveHold {
            pool: req.pool.clone(),
            held: req.credits,
            draws: draws.clone(),
            closed: None,
        };
        self.holds.entry(req.key.clone()).or_default().push(hold);
        let expires_at_ms = now_ms.saturating_add(req.ttl_ms);
        self.event(now_ms, EventKind::reserved(req, expires_at_ms, draws), out);
        ReserveOutcome::Reserved {
            held: req.credits,
            expires_at_ms,
        }
    }

    /// Holds if `available` (read now, or earlier by a racy caller) covers the request.
    fn hold_if(
        &mut self,
        req: &ReserveRequest,
        available: i64,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> ReserveOutcome {
        if available >= req.credits as i64 {
            return self.hold(req, now_ms, out);
        }
        let available = available.max(0) as Credits;
        let kind = EventKind::rejected(req, Rejection::Insufficient { available });
        self.event(now_ms, kind, out);
        let outcome = ReserveOutcome::Insufficient {
            available,
            requested: req.credits,
        };
        self.refused.insert(req.key.clone(), outcome.clone());
        outcome
    }

    /// Closes the key's open hold, charging `credits` of it and returning the rest.
    fn charge(
        &mut self,
        key: &str,
        credits: Credits,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> CommitOutcome {
        let Some(hold) = self.latest(key).filter(|h| h.closed.is_none()) else {
            return CommitOutcome::NoHold;
        };
        let charged = credits.min(hold.held);
        hold.closed = Some((Closure::Committed, charged));
        let (pool, draws) = (hold.pool.clone(), hold.draws.clone());
        let (charged_from, returned) = split_draws(&draws, charged);
        self.put_back(&returned);
        self.journal_commit(key, pool, charged, charged_from, returned, now_ms, out)
    }

    /// The no-dedup bug: a commit for a key whose hold is already closed charges its lots
    /// again, as if it were new.
    fn charge_again(
        &mut self,
        key: &str,
        credits: Credits,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> CommitOutcome {
        let Some(pool) = self.latest(key).map(|h| h.pool.clone()) else {
            return CommitOutcome::NoHold;
        };
        let charged_from = self.draw(&pool, credits);
        self.journal_commit(
            key,
            pool,
            credits,
            charged_from,
            DrawList::new(),
            now_ms,
            out,
        )
    }

    #[allow(clippy::too_many_arguments, reason = "one event's fields")]
    fn journal_commit(
        &mut self,
        key: &str,
        pool: Name,
        charged: Credits,
        charged_from: DrawList,
        returned: DrawList,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> CommitOutcome {
        let returned_credits = returned.iter().map(|d| d.credits).sum();
        let kind = EventKind::Committed {
            key: Key::from(key),
            pool,
            charged,
            charged_from,
            returned,
        };
        self.event(now_ms, kind, out);
        CommitOutcome::Committed {
            charged,
            returned: returned_credits,
        }
    }

    fn release(&mut self, key: &str, now_ms: TimeMs, out: &mut Vec<Event>) -> ReleaseOutcome {
        let Some(hold) = self.latest(key).filter(|h| h.closed.is_none()) else {
            return ReleaseOutcome::NoHold;
        };
        hold.closed = Some((Closure::Released, 0));
        let (pool, draws, returned) = (hold.pool.clone(), hold.draws.clone(), hold.held);
        self.put_back(&draws);
        let kind = EventKind::Released {
            key: Key::from(key),
            pool,
            timed_out: false,
            returned: draws,
        };
        self.event(now_ms, kind, out);
        ReleaseOutcome::Released { returned }
    }

    fn grant(&mut self, req: &GrantRequest, now_ms: TimeMs, out: &mut Vec<Event>) -> GrantOutcome {
        if let Some(&lot) = self.grants.get(&req.key) {
            return GrantOutcome::Granted { lot };
        }
        let lot = self.lots.len() as LotId;
        self.lots.push(NaiveLot {
            pool: req.pool.clone(),
            remaining: req.credits as i64,
        });
        self.grants.insert(req.key.clone(), lot);
        let kind = EventKind::granted(req, lot);
        self.event(now_ms, kind, out);
        GrantOutcome::Granted { lot }
    }

    /// The first outcome of a key already seen, for the ledgers that keep idempotency.
    fn repeated_reserve(&mut self, key: &str) -> Option<ReserveOutcome> {
        if let Some(refused) = self.refused.get(key) {
            return Some(refused.clone());
        }
        let hold = self.latest(key)?;
        Some(ReserveOutcome::Reserved {
            held: hold.held,
            expires_at_ms: TimeMs::MAX,
        })
    }

    fn repeated_commit(&mut self, key: &str) -> CommitOutcome {
        match self.latest(key).and_then(|h| h.closed.map(|c| (c, h.held))) {
            Some(((Closure::Committed, charged), held)) => CommitOutcome::Committed {
                charged,
                returned: held - charged,
            },
            Some(((closed_by, _), _)) => CommitOutcome::HoldClosed { closed_by },
            None => CommitOutcome::NoHold,
        }
    }

    fn repeated_release(&mut self, key: &str) -> ReleaseOutcome {
        match self.latest(key).and_then(|h| h.closed.map(|c| (c, h.held))) {
            Some(((Closure::Released, _), held)) => ReleaseOutcome::Released { returned: held },
            Some(((closed_by, _), _)) => ReleaseOutcome::HoldClosed { closed_by },
            None => ReleaseOutcome::NoHold,
        }
    }

    fn is_open(&mut self, key: &str) -> bool {
        self.latest(key).is_some_and(|h| h.closed.is_none())
    }
}

/// Splits a hold's draws into the part charged (first `credits`, in draw order) and the rest.
fn split_draws(draws: &[Draw], credits: Credits) -> (DrawList, DrawList) {
    let mut left = credits;
    let (mut charged, mut returned) = (DrawList::new(), DrawList::new());
    for draw in draws {
        let take = left.min(draw.credits);
        left -= take;
        if take > 0 {
            charged.push(Draw {
                lot: draw.lot,
                credits: take,
            });
        }
        if draw.credits > take {
            returned.push(Draw {
                lot: draw.lot,
                credits: draw.credits - take,
            });
        }
    }
    (charged, returned)
}

/// One account of a flawed ledger: its naive book and its log.
struct FlawedAccount {
    book: Mutex<NaiveBook>,
    log: Arc<AccountLog>,
}

/// A ledger with one deliberate bug, for proving that the checker catches it.
pub struct FlawedLedger {
    flaw: Flaw,
    clock: Arc<dyn Clock>,
    accounts: Vec<FlawedAccount>,
}

impl FlawedLedger {
    /// Opens every account (journaling its initial grants to its log).
    pub fn new(
        flaw: Flaw,
        clock: Arc<dyn Clock>,
        accounts: Vec<(AccountSpec, Arc<AccountLog>)>,
    ) -> FlawedLedger {
        let accounts = accounts
            .into_iter()
            .map(|(spec, log)| {
                let (book, events) = NaiveBook::new(log.account(), &spec);
                log.append(events);
                FlawedAccount {
                    book: Mutex::new(book),
                    log,
                }
            })
            .collect();
        FlawedLedger {
            flaw,
            clock,
            accounts,
        }
    }

    fn account(&self, account: AccountId) -> Result<&FlawedAccount, LedgerError> {
        self.accounts
            .get(account as usize)
            .ok_or(LedgerError::NoSuchAccount(account))
    }

    /// Runs `op` on the account's book under its lock and journals the events.
    fn with_book<R>(
        &self,
        account: AccountId,
        op: impl FnOnce(&mut NaiveBook, TimeMs, &mut Vec<Event>) -> R,
    ) -> Result<R, LedgerError> {
        let acct = self.account(account)?;
        let mut events = Vec::new();
        let mut book = lock(&acct.book);
        let result = op(&mut book, self.clock.now_ms(), &mut events);
        // Appended under the book's lock, so the log stays in `seq` order.
        acct.log.append(events);
        Ok(result)
    }

    fn dedup(&self) -> bool {
        self.flaw != Flaw::NoDedup
    }
}

fn lock(book: &Mutex<NaiveBook>) -> MutexGuard<'_, NaiveBook> {
    book.lock().unwrap_or_else(|p| p.into_inner())
}

#[async_trait]
impl Ledger for FlawedLedger {
    async fn reserve(
        &self,
        account: AccountId,
        req: ReserveRequest,
    ) -> Result<ReserveOutcome, LedgerError> {
        let racy_read = if self.flaw == Flaw::Racy {
            let available = lock(&self.account(account)?.book).available(&req.pool);
            // The bug: this balance is stale by the time the hold is written below.
            tokio::task::yield_now().await;
            Some(available)
        } else {
            None
        };
        self.with_book(account, |book, now, out| {
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
        key: Key,
        credits: Credits,
    ) -> Result<CommitOutcome, LedgerError> {
        self.with_book(account, |book, now, out| {
            if book.is_open(&key) {
                book.charge(&key, credits, now, out)
            } else if self.dedup() {
                book.repeated_commit(&key)
            } else {
                book.charge_again(&key, credits, now, out)
            }
        })
    }

    async fn release(&self, account: AccountId, key: Key) -> Result<ReleaseOutcome, LedgerError> {
        self.with_book(account, |book, now, out| {
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
        req: GrantRequest,
    ) -> Result<GrantOutcome, LedgerError> {
        self.with_book(account, |book, now, out| book.grant(&req, now, out))
    }

    async fn balance(&self, account: AccountId, pool: String) -> Result<Balance, LedgerError> {
        let book = lock(&self.account(account)?.book);
        Ok(Balance {
            available: book.available(&pool).max(0) as Credits,
            held: book.held(&pool),
        })
    }

    async fn tick(&self, account: AccountId) -> Result<(), LedgerError> {
        self.account(account).map(|_| ())
    }
}
