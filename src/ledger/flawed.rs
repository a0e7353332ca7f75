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

/// One open or closed hold of the naive core.
#[derive(Clone, Debug)]
struct NaiveHold {
    pool: String,
    draws: Vec<Draw>,
    closed: bool,
}

/// One lot of the naive core: signed, so that an overdraw is journaled rather than refused.
#[derive(Clone, Debug)]
struct NaiveLot {
    id: LotId,
    pool: String,
    remaining: i64,
}

/// The naive bookkeeping shared by the flawed ledgers.
#[derive(Debug, Default)]
pub struct NaiveBook {
    account: AccountId,
    seq: u64,
    lots: Vec<NaiveLot>,
    /// Holds by key; with `NoDedup` a key may hold several, the latest last.
    holds: HashMap<Key, Vec<NaiveHold>>,
    /// Grant keys seen (grants stay idempotent: the flaws are elsewhere).
    grants: HashMap<Key, LotId>,
}

impl NaiveBook {
    /// A book with the k=0 grant of each scheduled grant of `spec` already made.
    pub fn new(account: AccountId, spec: &AccountSpec) -> (NaiveBook, Vec<Event>) {
        let mut book = NaiveBook {
            account,
            ..NaiveBook::default()
        };
        let mut events = Vec::new();
        for recurring in &spec.recurring {
            let req = GrantRequest {
                key: format!("renew:{}:0", recurring.label),
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
        self.lots
            .iter()
            .filter(|lot| lot.pool == pool && lot.remaining > 0)
            .map(|lot| lot.remaining)
            .sum()
    }

    /// Takes `credits` from the pool's lots in grant order; whatever the lots lack is taken
    /// from the last lot, driving it negative (only reachable when the caller skipped the check).
    fn draw(&mut self, pool: &str, credits: Credits) -> Vec<Draw> {
        let mut left = credits as i64;
        let mut draws = Vec::new();
        let mut last = None;
        for lot in self.lots.iter_mut().filter(|lot| lot.pool == pool) {
            last = Some(lot.id);
            let take = left.min(lot.remaining.max(0));
            if take > 0 {
                lot.remaining -= take;
                left -= take;
                draws.push(Draw {
                    lot: lot.id,
                    credits: take as Credits,
                });
            }
        }
        if left > 0
            && let Some(id) = last
        {
            self.lots[id as usize].remaining -= left;
            draws.push(Draw {
                lot: id,
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

    /// Opens a hold without checking the balance again (the check is the caller's).
    fn hold(
        &mut self,
        req: &ReserveRequest,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> ReserveOutcome {
        let draws = self.draw(&req.pool, req.credits);
        self.holds
            .entry(req.key.clone())
            .or_default()
            .push(NaiveHold {
                pool: req.pool.clone(),
                draws: draws.clone(),
                closed: false,
            });
        let expires_at_ms = now_ms.saturating_add(req.ttl_ms);
        let kind = EventKind::Reserved {
            key: req.key.clone(),
            pool: req.pool.clone(),
            action: req.action.clone(),
            credits: req.credits,
            expires_at_ms,
            draws,
        };
        self.event(now_ms, kind, out);
        ReserveOutcome::Reserved {
            held: req.credits,
            expires_at_ms,
        }
    }

    fn reject(
        &mut self,
        req: &ReserveRequest,
        available: i64,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> ReserveOutcome {
        let available = available.max(0) as Credits;
        let kind = EventKind::Rejected {
            key: req.key.clone(),
            pool: req.pool.clone(),
            action: req.action.clone(),
            credits: req.credits,
            reason: Rejection::Insufficient { available },
        };
        self.event(now_ms, kind, out);
        ReserveOutcome::Insufficient {
            available,
            requested: req.credits,
        }
    }

    /// Charges `credits` of the key's latest hold. With no open hold, `recharge` decides
    /// between answering `NoHold` and charging the lots again (the no-dedup bug).
    fn commit(
        &mut self,
        key: &str,
        credits: Credits,
        recharge: bool,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> CommitOutcome {
        let open = self
            .holds
            .get_mut(key)
            .and_then(|holds| holds.iter_mut().rev().find(|hold| !hold.closed));
        let (pool, draws) = match open {
            Some(hold) => {
                hold.closed = true;
                (hold.pool.clone(), std::mem::take(&mut hold.draws))
            }
            None if recharge => {
                let Some(pool) = self
                    .holds
                    .get(key)
                    .and_then(|h| h.last())
                    .map(|h| h.pool.clone())
                else {
                    return CommitOutcome::NoHold;
                };
                let draws = self.draw(&pool, credits);
                (pool, draws)
            }
            None => return CommitOutcome::NoHold,
        };
        let (charged_from, returned) = split_draws(&draws, credits);
        self.put_back(&returned);
        let held: Credits = draws.iter().map(|d| d.credits).sum();
        let kind = EventKind::Committed {
            key: key.to_string(),
            pool,
            charged: credits.min(held),
            charged_from,
            returned,
        };
        self.event(now_ms, kind, out);
        CommitOutcome::Committed {
            charged: credits.min(held),
            returned: held.saturating_sub(credits),
        }
    }

    fn release(&mut self, key: &str, now_ms: TimeMs, out: &mut Vec<Event>) -> ReleaseOutcome {
        let Some(hold) = self
            .holds
            .get_mut(key)
            .and_then(|holds| holds.iter_mut().rev().find(|hold| !hold.closed))
        else {
            return ReleaseOutcome::NoHold;
        };
        hold.closed = true;
        let (pool, draws) = (hold.pool.clone(), std::mem::take(&mut hold.draws));
        self.put_back(&draws);
        let returned = draws.iter().map(|d| d.credits).sum();
        let kind = EventKind::Released {
            key: key.to_string(),
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
            id: lot,
            pool: req.pool.clone(),
            remaining: req.credits as i64,
        });
        self.grants.insert(req.key.clone(), lot);
        let kind = EventKind::Granted {
            key: req.key.clone(),
            lot,
            pool: req.pool.clone(),
            source: req.source,
            credits: req.credits,
            expires_at_ms: req.expires_at_ms,
            priority: req.priority,
        };
        self.event(now_ms, kind, out);
        GrantOutcome::Granted { lot }
    }

    /// The key's hold is still open (used by the flawed ledgers' duplicate handling).
    fn has_hold(&self, key: &str) -> bool {
        self.holds.contains_key(key)
    }
}

/// Splits a hold's draws into the part charged (first `credits`, in draw order) and the rest.
fn split_draws(draws: &[Draw], credits: Credits) -> (Vec<Draw>, Vec<Draw>) {
    let mut left = credits;
    let (mut charged, mut returned) = (Vec::new(), Vec::new());
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
        let result = {
            let mut book = lock(&acct.book);
            op(&mut book, self.clock.now_ms(), &mut events)
        };
        acct.log.append(events);
        Ok(result)
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
        match self.flaw {
            Flaw::Racy => {
                let available = lock(&self.account(account)?.book).available(&req.pool);
                // The bug: the balance read above is stale by the time we write below.
                tokio::task::yield_now().await;
                self.with_book(account, |book, now, out| {
                    if available < req.credits as i64 {
                        book.reject(&req, available, now, out)
                    } else {
                        book.hold(&req, now, out)
                    }
                })
            }
            Flaw::NoDedup | Flaw::ChargeFailed => self.with_book(account, |book, now, out| {
                if self.flaw == Flaw::ChargeFailed && book.has_hold(&req.key) {
                    // This flaw keeps idempotency; only the no-dedup ledger opens a second hold.
                    return ReserveOutcome::Reserved {
                        held: req.credits,
                        expires_at_ms: now.saturating_add(req.ttl_ms),
                    };
                }
                let available = book.available(&req.pool);
                if available < req.credits as i64 {
                    book.reject(&req, available, now, out)
                } else {
                    book.hold(&req, now, out)
                }
            }),
        }
    }

    async fn commit(
        &self,
        account: AccountId,
        key: Key,
        credits: Credits,
    ) -> Result<CommitOutcome, LedgerError> {
        let recharge = self.flaw == Flaw::NoDedup;
        self.with_book(account, |book, now, out| {
            book.commit(&key, credits, recharge, now, out)
        })
    }

    async fn release(&self, account: AccountId, key: Key) -> Result<ReleaseOutcome, LedgerError> {
        if self.flaw == Flaw::ChargeFailed {
            // The bug: a failed generation is charged in full instead of refunded.
            return self.with_book(account, |book, now, out| {
                let held = book
                    .holds
                    .get(&key)
                    .and_then(|holds| holds.iter().rev().find(|h| !h.closed))
                    .map(|h| h.draws.iter().map(|d| d.credits).sum());
                match held {
                    Some(held) => {
                        book.commit(&key, held, false, now, out);
                        ReleaseOutcome::Released { returned: held }
                    }
                    None => ReleaseOutcome::NoHold,
                }
            });
        }
        self.with_book(account, |book, now, out| book.release(&key, now, out))
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
            held: book
                .holds
                .values()
                .flatten()
                .filter(|h| !h.closed && h.pool == pool)
                .flat_map(|h| &h.draws)
                .map(|d| d.credits)
                .sum(),
        })
    }

    async fn tick(&self, account: AccountId) -> Result<(), LedgerError> {
        self.account(account).map(|_| ())
    }
}
