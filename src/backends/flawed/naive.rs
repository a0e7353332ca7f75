//! The naive bookkeeping core that the flawed ledgers share: lots drawn in grant order,
//! holds by key (several per key when keys are not deduplicated), grants idempotent by key,
//! and no renewals, expiry or warnings (scheduled grants are made once, at the anchor).

use std::collections::HashMap;

use crate::ledger::*;

/// One hold of the naive core.
#[derive(Clone, Debug)]
pub(super) struct NaiveHold {
    pool: Name,
    pub(super) held: Credits,
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
pub(super) struct NaiveBook {
    account: AccountId,
    seq: u64,
    /// The latest time a call carried, which every event is stamped with: the account's
    /// clock, as the seam defines it.
    now_ms: TimeMs,
    lots: Vec<NaiveLot>,
    holds: HashMap<Key, Vec<NaiveHold>>,
    /// Refused reserves' first outcome, by key.
    refused: HashMap<Key, ReserveOutcome>,
    grants: HashMap<Key, LotId>,
}

impl NaiveBook {
    /// A book with the first grant of each scheduled grant of `spec` already made.
    pub(super) fn new(account: AccountId, spec: &AccountSpec) -> (NaiveBook, Vec<Event>) {
        let mut book = NaiveBook {
            account,
            ..NaiveBook::default()
        };
        let mut events = Vec::new();
        for recurring in &spec.recurring {
            let req = GrantRequest {
                key: smol_str::format_smolstr!("{RENEWAL_KEY_PREFIX}{}:0", recurring.label),
                pool: recurring.pool.clone(),
                credits: recurring.credits,
                source: recurring.source,
                expires_at_ms: None,
                priority: recurring.priority,
            };
            book.grant(&req, spec.anchor_ms, &mut events);
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

    /// The account's clock after a call at `at_ms`: the latest time any call carried.
    pub(super) fn clock(&mut self, at_ms: TimeMs) -> TimeMs {
        self.now_ms = self.now_ms.max(at_ms);
        self.now_ms
    }

    pub(super) fn available(&self, pool: &str) -> i64 {
        let lots = self.lots.iter().filter(|lot| lot.pool == pool);
        lots.map(|lot| lot.remaining.max(0)).sum()
    }

    pub(super) fn held(&self, pool: &str) -> Credits {
        let holds = self.holds.values().flatten();
        let open = holds.filter(|h| h.closed.is_none() && h.pool == pool);
        open.map(|h| h.held).sum()
    }

    /// The key's latest hold.
    pub(super) fn latest(&mut self, key: &str) -> Option<&mut NaiveHold> {
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
    pub(super) fn hold_if(
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
    pub(super) fn charge(
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
    pub(super) fn charge_again(
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

    pub(super) fn release(
        &mut self,
        key: &str,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> ReleaseOutcome {
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

    pub(super) fn grant(
        &mut self,
        req: &GrantRequest,
        now_ms: TimeMs,
        out: &mut Vec<Event>,
    ) -> GrantOutcome {
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
    pub(super) fn repeated_reserve(&mut self, key: &str) -> Option<ReserveOutcome> {
        if let Some(refused) = self.refused.get(key) {
            return Some(refused.clone());
        }
        let hold = self.latest(key)?;
        Some(ReserveOutcome::Reserved {
            held: hold.held,
            expires_at_ms: TimeMs::MAX,
        })
    }

    pub(super) fn repeated_commit(&mut self, key: &str) -> CommitOutcome {
        match self.latest(key).and_then(|h| h.closed.map(|c| (c, h.held))) {
            Some(((Closure::Committed, charged), held)) => CommitOutcome::Committed {
                charged,
                returned: held - charged,
            },
            Some(((closed_by, _), _)) => CommitOutcome::HoldClosed { closed_by },
            None => CommitOutcome::NoHold,
        }
    }

    pub(super) fn repeated_release(&mut self, key: &str) -> ReleaseOutcome {
        match self.latest(key).and_then(|h| h.closed.map(|c| (c, h.held))) {
            Some(((Closure::Released, _), held)) => ReleaseOutcome::Released { returned: held },
            Some(((closed_by, _), _)) => ReleaseOutcome::HoldClosed { closed_by },
            None => ReleaseOutcome::NoHold,
        }
    }

    pub(super) fn is_open(&mut self, key: &str) -> bool {
        self.latest(key).is_some_and(|h| h.closed.is_none())
    }
}
