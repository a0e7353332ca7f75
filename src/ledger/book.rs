//! `Book`: one account's lots, holds and idempotency records, and every ledger rule as a
//! synchronous method.
//!
//! Every operation first decides what happens, then emits journal events and applies them to
//! itself through the same code that [`Book::replay`] uses; so the journal is the source of
//! truth and a replayed book equals the live one by construction.

mod apply;
mod keys;
mod pool;
mod pools;
mod time;
mod timeouts;

use self::keys::{Hold, HoldState, KeyRecord, KeyTable, RecordKind};
pub use self::pool::Lot;
use self::pool::Pool;
use self::pools::{PoolId, Pools};
use self::time::Renewal;
pub(crate) use self::time::{renewal_due_ms, renewal_expiry_ms};
use self::timeouts::Timeouts;
use super::events::*;
use super::requests::*;
use super::terms::*;

/// One account's ledger state.
///
/// # Idempotency retention
///
/// Every request's outcome is kept under its key so that a repeat gets the first outcome.
/// A record whose request is closed — a committed, released or timed-out hold, a rejected or
/// unlimited reserve — is forgotten once `closed_at + spec.key_retention_ms <= now`. Open
/// holds are never forgotten, nor are grants by hand: a payment notification may be
/// delivered again months later and must still credit once, and payments are few.
/// Scheduled grants (`renew:<label>:<k>`) keep no record: the schedule itself never repeats
/// them, and grants by hand may not use that prefix.
///
/// A duplicate that arrives after the retention window is treated as a new request, so
/// callers must never retry beyond it. The checker keeps every key of a run, so it still
/// proves at-most-once over the whole run. A forgotten record leaves memory at the next
/// journal event with a later time, which keeps memory bounded and lets replay prune
/// exactly as the live book did.
///
/// A repeated reserve matches when pool, action, credits and ttl agree. For a refused or
/// unlimited key the ttl is not compared: it had no effect, and the `Rejected`/`Unlimited`
/// events do not carry it, so a rebuilt book could not compare it either.
///
/// # Lots in memory
///
/// A lot leaves memory once it is empty and no open hold drew on it; per-pool totals keep
/// conservation (`granted = charged + expired + remaining + held`).
///
/// # Limits
///
/// A grant that would push a pool's lifetime granted total past `u64::MAX` is refused with
/// [`GrantOutcome::Overflow`]; a scheduled one is journaled with 0 credits. A hold whose
/// deadline overflows never times out.
///
/// # Equality
///
/// `==` compares everything but the clock's high-water mark: a replayed book knows time only
/// up to its last event, while the live one may have advanced further without events.
#[derive(Clone, Debug)]
pub struct Book {
    /// Stamped on every event.
    account: AccountId,
    /// What the account is allowed and given.
    spec: AccountSpec,
    /// The latest time seen, events or not; time never goes back past it.
    now_ms: TimeMs,
    /// The time of the last event, which replay checks never goes back.
    last_event_ms: TimeMs,
    next_seq: u64,
    next_lot: LotId,
    /// Lots and totals per pool.
    pools: Pools,
    /// What each key did.
    keys: KeyTable,
    /// Open holds by (deadline, serial), to time them out in order.
    timeouts: Timeouts,
    /// For each recurring grant in `spec.recurring`, the next one.
    renewals: Vec<Renewal>,
}

impl PartialEq for Book {
    fn eq(&self, other: &Book) -> bool {
        let Book {
            account,
            spec,
            now_ms: _,
            last_event_ms,
            next_seq,
            next_lot,
            pools,
            keys,
            timeouts,
            renewals,
        } = self;
        *account == other.account
            && *spec == other.spec
            && *last_event_ms == other.last_event_ms
            && *next_seq == other.next_seq
            && *next_lot == other.next_lot
            && *pools == other.pools
            && *keys == other.keys
            && *timeouts == other.timeouts
            && *renewals == other.renewals
    }
}

impl Eq for Book {}

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

impl PoolTotals {
    /// Whether granted = charged + expired + remaining + held (invariant I3).
    pub fn conserves(&self) -> bool {
        let parts = [self.charged, self.expired, self.remaining, self.held];
        let sum = parts
            .into_iter()
            .try_fold(0u64, |sum, part| sum.checked_add(part));
        sum == Some(self.granted)
    }
}

/// Why a journal could not be replayed into a `Book`.
#[derive(Debug, thiserror::Error)]
#[error("event {seq} of account {account} cannot be replayed: {why}")]
pub struct ReplayError {
    /// The account whose journal holds the event.
    pub account: AccountId,
    /// The offending event.
    pub seq: u64,
    /// What is wrong with it.
    pub why: String,
}

/// A commit that will charge an open hold, planned while the hold is borrowed.
struct CommitPlan {
    key: Key,
    pool: PoolId,
    charged: Credits,
    back: Credits,
    charged_from: DrawList,
    returned: DrawList,
}

impl CommitPlan {
    /// Plans a commit of `credits` on `hold`, or gives the outcome that changes nothing.
    fn decide(key: &Key, hold: &Hold, credits: Credits) -> Result<CommitPlan, CommitOutcome> {
        let closed = |closed_by| Err(CommitOutcome::HoldClosed { closed_by });
        match hold.state {
            HoldState::Open if credits > hold.credits => Err(CommitOutcome::ExceedsHold {
                held: hold.credits,
                requested: credits,
            }),
            HoldState::Open => {
                let (charged_from, returned) = split_draws(hold.draws.as_slice(), credits);
                Ok(CommitPlan {
                    key: key.clone(),
                    pool: hold.pool,
                    charged: credits,
                    back: hold.credits - credits,
                    charged_from,
                    returned,
                })
            }
            HoldState::Committed {
                charged, returned, ..
            } if charged == credits => Err(CommitOutcome::Committed { charged, returned }),
            HoldState::Committed { .. } => Err(CommitOutcome::KeyConflict),
            HoldState::Released { .. } => closed(Closure::Released),
            HoldState::TimedOut { .. } => closed(Closure::TimedOut),
        }
    }
}

/// What a release needs to know about a key, copied out of the table.
#[derive(Clone, Copy)]
enum HoldView {
    Hold { state: HoldState },
    NoHold,
}

impl Book {
    /// An empty book at virtual time 0; its scheduled grants start at the spec's anchor, on
    /// the first `advance` that reaches it.
    pub fn new(account: AccountId, spec: AccountSpec) -> Book {
        let renewals = (spec.recurring.iter())
            .map(|grant| Renewal::nth(spec.anchor_ms, grant, 0))
            .collect();
        Book {
            account,
            spec,
            now_ms: 0,
            last_event_ms: 0,
            next_seq: 0,
            next_lot: 0,
            pools: Pools::default(),
            keys: KeyTable::default(),
            timeouts: Timeouts::default(),
            renewals,
        }
    }

    /// The account's id.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// The account's terms.
    pub fn spec(&self) -> &AccountSpec {
        &self.spec
    }

    /// The latest virtual time the book has seen; calls with earlier times act at this one.
    pub fn now_ms(&self) -> TimeMs {
        self.now_ms
    }

    /// Advances virtual time to `now_ms` (never backwards), producing timeouts, expiries,
    /// renewals and warnings in time order.
    pub fn advance(&mut self, now_ms: TimeMs) -> Vec<Event> {
        let mut events = Vec::new();
        self.advance_into(now_ms, &mut events);
        events
    }

    /// Holds `req.credits`, or refuses.
    pub fn reserve(&mut self, req: &ReserveRequest, now_ms: TimeMs) -> Applied<ReserveOutcome> {
        Applied::collect(|events| self.reserve_into(req, now_ms, events))
    }

    /// Charges `req.credits` of the hold under `req.key` and returns the rest.
    pub fn commit(&mut self, req: &CommitRequest, now_ms: TimeMs) -> Applied<CommitOutcome> {
        Applied::collect(|events| self.commit_into(req, now_ms, events))
    }

    /// Returns the whole hold under `req.key`.
    pub fn release(&mut self, req: &ReleaseRequest, now_ms: TimeMs) -> Applied<ReleaseOutcome> {
        Applied::collect(|events| self.release_into(req, now_ms, events))
    }

    /// Ends the account's run at `end_ms`; see [`Book::close_into`].
    pub fn close(&mut self, end_ms: TimeMs) -> Vec<Event> {
        let mut events = Vec::new();
        self.close_into(end_ms, &mut events);
        events
    }

    /// Adds a lot, once per key. A lot that has already expired at `now_ms` expires at once.
    pub fn grant(&mut self, req: &GrantRequest, now_ms: TimeMs) -> Applied<GrantOutcome> {
        Applied::collect(|events| self.grant_into(req, now_ms, events))
    }

    // The `*_into` forms append to a caller's buffer, so that a caller applying many
    // operations (the account actor) reuses one allocation instead of one per operation.

    /// Holds `req.credits`, or refuses; the events are appended to `events`.
    pub fn reserve_into(
        &mut self,
        req: &ReserveRequest,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> ReserveOutcome {
        self.advance_into(now_ms, events);
        let now_ms = self.now_ms;
        match self.keys.live(&req.key, now_ms, self.spec.key_retention_ms) {
            Some(record) => repeat_reserve(record, req, &self.pools),
            None => self.reserve_new(req, now_ms, events),
        }
    }

    /// Charges `req.credits` of the hold under `req.key` and returns the rest; the events
    /// are appended to `events`.
    pub fn commit_into(
        &mut self,
        req: &CommitRequest,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> CommitOutcome {
        self.advance_into(now_ms, events);
        let now_ms = self.now_ms;
        let record = self
            .keys
            .live_entry(&req.key, now_ms, self.spec.key_retention_ms);
        let plan = match record.map(|(key, record)| (key, &record.kind)) {
            Some((key, RecordKind::Hold(hold))) => CommitPlan::decide(key, hold, req.credits),
            _ => Err(CommitOutcome::NoHold),
        };
        match plan {
            Ok(plan) => self.commit_open(plan, now_ms, events),
            Err(outcome) => outcome,
        }
    }

    /// Returns the whole hold under `req.key`; the events are appended to `events`.
    pub fn release_into(
        &mut self,
        req: &ReleaseRequest,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> ReleaseOutcome {
        self.advance_into(now_ms, events);
        let now_ms = self.now_ms;
        let closed_by = |closed_by| ReleaseOutcome::HoldClosed { closed_by };
        match self.hold_view(&req.key) {
            HoldView::NoHold => ReleaseOutcome::NoHold,
            HoldView::Hold { state, .. } => match state {
                HoldState::Open => self.release_open(&req.key, now_ms, events),
                HoldState::Released { returned, .. } => ReleaseOutcome::Released { returned },
                HoldState::Committed { .. } => closed_by(Closure::Committed),
                HoldState::TimedOut { .. } => closed_by(Closure::TimedOut),
            },
        }
    }

    /// Adds a lot, once per key; the events are appended to `events`. A lot that has already
    /// expired at `now_ms` expires at once.
    pub fn grant_into(
        &mut self,
        req: &GrantRequest,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> GrantOutcome {
        self.advance_into(now_ms, events);
        let now_ms = self.now_ms;
        if req.key.starts_with(RENEWAL_KEY_PREFIX) {
            GrantOutcome::KeyConflict
        } else {
            match self.keys.live(&req.key, now_ms, self.spec.key_retention_ms) {
                Some(record) => repeat_grant(record, req),
                None => self.grant_new(req, now_ms, events),
            }
        }
    }

    /// The pool's balance now.
    pub fn balance(&self, pool: &str) -> Balance {
        let pool = self.pools.get(pool);
        let available = pool.map_or(0, Pool::available);
        let held = pool.map_or(0, |pool| pool.totals.held);
        Balance { available, held }
    }

    /// The pool's running totals.
    pub fn totals(&self, pool: &str) -> PoolTotals {
        self.pools
            .get(pool)
            .map_or_else(PoolTotals::default, |pool| pool.totals)
    }

    /// The pools that have ever been granted or reserved on, in name order.
    pub fn pools(&self) -> impl Iterator<Item = &str> {
        self.pools.iter().map(|(_, name, _)| name)
    }

    /// The pool's lots still in memory, in consumption order.
    pub fn lots(&self, pool: &str) -> &[Lot] {
        self.pools.get(pool).map_or(&[], |pool| &pool.lots)
    }

    /// How many idempotency records are in memory, to show that memory stays bounded.
    pub fn key_records_len(&self) -> usize {
        self.keys.len()
    }

    /// Applies more of the book's own events, in `seq` order, continuing a replay (from a
    /// snapshot, say). After an error the book is half-applied and must be discarded.
    pub(crate) fn replay_more(&mut self, events: &[Event]) -> Result<(), ReplayError> {
        for event in events {
            let account = self.account;
            let fail = |why| ReplayError {
                account,
                seq: event.seq,
                why,
            };
            self.apply(event).map_err(fail)?;
        }
        Ok(())
    }

    /// Rebuilds a book from its own events, in `seq` order. The result equals the live book
    /// (see the type's notes on equality) and is at the time of the last event.
    pub fn replay(
        account: AccountId,
        spec: AccountSpec,
        events: &[Event],
    ) -> Result<Book, ReplayError> {
        let mut book = Book::new(account, spec);
        book.replay_more(events)?;
        Ok(book)
    }

    fn reserve_new(
        &mut self,
        req: &ReserveRequest,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> ReserveOutcome {
        let entitled = self
            .spec
            .entitled
            .as_ref()
            .is_none_or(|set| set.contains(req.action.as_str()));
        if !entitled {
            self.emit(
                now_ms,
                EventKind::rejected(req, Rejection::NotEntitled),
                events,
            );
            return ReserveOutcome::NotEntitled;
        }
        if self.spec.unlimited.contains(req.action.as_str()) {
            let (key, pool, action) = (req.key.clone(), req.pool.clone(), req.action.clone());
            let kind = EventKind::Unlimited {
                key,
                pool,
                action,
                credits: req.credits,
            };
            self.emit(now_ms, kind, events);
            return ReserveOutcome::Unlimited;
        }
        let pool_id = self.pools.id(&req.pool);
        let pool = pool_id.map(|id| self.pools.pool(id));
        let available = pool.map_or(0, Pool::available);
        if available < req.credits {
            self.emit(
                now_ms,
                EventKind::rejected(req, Rejection::Insufficient { available }),
                events,
            );
            return ReserveOutcome::Insufficient {
                available,
                requested: req.credits,
            };
        }
        let draws = pool.map_or_else(DrawList::new, |pool| pool.plan_draws(req.credits));
        let expires_at_ms = now_ms.saturating_add(req.ttl_ms);
        self.emit(
            now_ms,
            EventKind::reserved(req, expires_at_ms, draws),
            events,
        );
        // A pool that did not exist had nothing available, so nothing can have fallen.
        if let Some(pool) = pool_id {
            self.warn(pool, available, now_ms, events);
        }
        ReserveOutcome::Reserved {
            held: req.credits,
            expires_at_ms,
        }
    }

    fn commit_open(
        &mut self,
        plan: CommitPlan,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> CommitOutcome {
        let CommitPlan {
            key,
            pool,
            charged,
            back,
            charged_from,
            returned,
        } = plan;
        let expired = self.expired_returns(pool, &returned, now_ms);
        let kind = EventKind::Committed {
            key,
            pool: self.pools.name(pool).clone(),
            charged,
            charged_from,
            returned,
        };
        self.emit(now_ms, kind, events);
        self.emit_expired(pool, expired, now_ms, events);
        CommitOutcome::Committed {
            charged,
            returned: back,
        }
    }

    fn release_open(
        &mut self,
        key: &str,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> ReleaseOutcome {
        let returned = self.return_hold(key, false, now_ms, events);
        ReleaseOutcome::Released { returned }
    }

    /// Returns the open hold under `key` to its lots — released by its caller, or timed out
    /// by the account — and journals the immediate expiry of what went back to lots that
    /// have expired meanwhile. Returns the credits given back.
    pub(super) fn return_hold(
        &mut self,
        key: &str,
        timed_out: bool,
        at_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> Credits {
        let (key, hold) = self.open_hold_view(key).expect("the hold is open");
        let (key, pool, back) = (key.clone(), hold.pool, hold.credits);
        let returned = DrawList::from_slice(hold.draws.as_slice());
        let expired = self.expired_returns(pool, &returned, at_ms);
        let kind = EventKind::Released {
            key,
            pool: self.pools.name(pool).clone(),
            timed_out,
            returned,
        };
        self.emit(at_ms, kind, events);
        self.emit_expired(pool, expired, at_ms, events);
        back
    }

    fn grant_new(
        &mut self,
        req: &GrantRequest,
        now_ms: TimeMs,
        events: &mut Vec<Event>,
    ) -> GrantOutcome {
        let granted = self.totals(&req.pool).granted;
        if granted.checked_add(req.credits).is_none() || self.next_lot == LotId::MAX {
            return GrantOutcome::Overflow;
        }
        let lot = self.next_lot;
        let kind = EventKind::granted(req, lot);
        self.emit(now_ms, kind, events);
        let expired = req.expires_at_ms.is_some_and(|at_ms| at_ms <= now_ms);
        if expired && req.credits > 0 {
            let (pool, credits) = (req.pool.clone(), req.credits);
            self.emit(now_ms, EventKind::Expired { pool, lot, credits }, events);
        }
        GrantOutcome::Granted { lot }
    }

    /// The parts of `returned` that go back to lots already expired at `now_ms`.
    pub(super) fn expired_returns(
        &self,
        pool: PoolId,
        returned: &[Draw],
        now_ms: TimeMs,
    ) -> Vec<Draw> {
        let pool = self.pools.pool(pool);
        let expired = |draw: &&Draw| pool.lot(draw.lot).is_some_and(|l| l.is_expired_at(now_ms));
        returned.iter().filter(expired).copied().collect()
    }

    /// Journals the immediate expiry of credits returned to expired lots.
    fn emit_expired(
        &mut self,
        pool: PoolId,
        expired: Vec<Draw>,
        at_ms: TimeMs,
        events: &mut Vec<Event>,
    ) {
        for Draw { lot, credits } in expired {
            let pool = self.pools.name(pool).clone();
            self.emit(at_ms, EventKind::Expired { pool, lot, credits }, events);
        }
    }

    /// What a commit or release under `key` finds.
    fn hold_view(&self, key: &str) -> HoldView {
        let record = self.keys.live(key, self.now_ms, self.spec.key_retention_ms);
        match record.map(|record| &record.kind) {
            Some(RecordKind::Hold(hold)) => HoldView::Hold { state: hold.state },
            _ => HoldView::NoHold,
        }
    }

    /// The open hold under `key`, if any, with its stored key.
    fn open_hold_view(&self, key: &str) -> Option<(&Key, &Hold)> {
        let (stored, record) = self.keys.get_entry(key)?;
        match &record.kind {
            RecordKind::Hold(hold) if hold.state == HoldState::Open => Some((stored, hold)),
            _ => None,
        }
    }

    /// Journals one event: applies it to the book and appends it to `out`. A live event that
    /// does not apply is a bug in the book, so it stops the program (TIGER_STYLE).
    /// The event is built in place in `out` and applied from there, which saves copying it.
    fn emit(&mut self, at_ms: TimeMs, kind: EventKind, out: &mut Vec<Event>) {
        out.push(Event {
            account: self.account,
            seq: self.next_seq,
            at_ms,
            kind,
        });
        let event = out.last().expect("just pushed");
        if let Err(why) = self.apply(event) {
            panic!("the book broke its own rules at {event:?}: {why}");
        }
        debug_assert!(self.pools.values().all(|pool| pool.totals.conserves()));
    }
}

/// The first outcome of a reserve repeated under its key, or a conflict.
fn repeat_reserve(record: &KeyRecord, req: &ReserveRequest, pools: &Pools) -> ReserveOutcome {
    match &record.kind {
        RecordKind::Hold(hold) => {
            let same = *pools.name(hold.pool) == req.pool
                && *hold.action == *req.action
                && hold.credits == req.credits
                && record.at_ms.saturating_add(req.ttl_ms) == hold.expires_at_ms;
            match same {
                true => ReserveOutcome::Reserved {
                    held: hold.credits,
                    expires_at_ms: hold.expires_at_ms,
                },
                false => ReserveOutcome::KeyConflict,
            }
        }
        RecordKind::Refused {
            pool,
            action,
            credits,
            rejection,
        } => {
            let same = **pool == *req.pool && **action == *req.action && *credits == req.credits;
            match (same, rejection) {
                (false, _) => ReserveOutcome::KeyConflict,
                (true, None) => ReserveOutcome::Unlimited,
                (true, Some(Rejection::NotEntitled)) => ReserveOutcome::NotEntitled,
                (true, Some(Rejection::Insufficient { available })) => {
                    ReserveOutcome::Insufficient {
                        available: *available,
                        requested: *credits,
                    }
                }
            }
        }
        RecordKind::Grant { .. } => ReserveOutcome::KeyConflict,
    }
}

/// The first outcome of a grant repeated under its key, or a conflict.
fn repeat_grant(record: &KeyRecord, req: &GrantRequest) -> GrantOutcome {
    match &record.kind {
        RecordKind::Grant {
            pool,
            credits,
            source,
            expires_at_ms,
            priority,
            lot,
        } if **pool == *req.pool
            && *credits == req.credits
            && *source == req.source
            && *expires_at_ms == req.expires_at_ms
            && *priority == req.priority =>
        {
            GrantOutcome::Granted { lot: *lot }
        }
        _ => GrantOutcome::KeyConflict,
    }
}
