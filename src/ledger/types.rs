//! The vocabulary of the ledger: requests, outcomes and journal events.
//!
//! These types are the contract between `Book` (the rules), the account actor (the
//! serialization point), the runner (the caller) and the checker (the auditor). They are plain
//! data that derive serde, so that account messages can later cross `ractor_cluster` nodes and
//! journal events can be written to and read back from `journal.csv`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use smol_str::SmolStr;

/// An account's id. Accounts are numbered densely from 0 within a run.
pub type AccountId = u32;

/// A whole number of credits. Credits are never fractional and never negative.
pub type Credits = u64;

/// Virtual time in milliseconds since the start of a simulation.
pub type TimeMs = u64;

/// An idempotency key chosen by the caller (for example `a17-s3042`). Keys of up to 23
/// bytes are stored inline, and longer ones are shared, so that the request, the journal
/// event and the idempotency record can each hold the key without allocating for it.
pub type Key = SmolStr;

/// A pool or action name. Names come from a vendor's small vocabulary and are short, so they
/// are stored inline in every request, record and event instead of each owning a heap copy.
pub type Name = SmolStr;

/// The lots one hold drew on, or one commit charged or returned. Almost always a single lot,
/// which is stored inline; a hold that spans several lots spills to the heap.
pub type DrawList = SmallVec<[Draw; 1]>;

/// A lot's id, unique within one account and assigned in grant order from 0.
pub type LotId = u32;

/// The length of a billing month in virtual time: 30 days, so that twelve of them make an
/// annual cycle and monthly and annual renewals always line up.
pub const MONTH_MS: TimeMs = 30 * 24 * 3600 * 1000;

/// The length of a billing year in virtual time: twelve virtual months.
pub const YEAR_MS: TimeMs = 12 * MONTH_MS;

/// The pool that every vendor has; AIBC adds `scan`.
pub const DEFAULT_POOL: &str = "credits";

/// Where a lot's credits came from. It decides nothing by itself; it labels lots in the
/// journal and the report so that an analyst can see what expired unused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A plan's allowance for one billing period.
    Allowance,
    /// A recurring add-on unit (aistudios).
    Addon,
    /// A one-time pack purchase.
    Pack,
    /// Anything else granted by hand.
    Promotion,
}

/// A grant that the account receives again and again on a schedule: a plan allowance or a
/// recurring add-on. The k-th grant happens at `k * every_ms` and its lot expires at the end of
/// the `cycle_ms` cycle that contains the grant time.
///
/// Monthly allowance: `every = cycle = MONTH_MS`. Annual upfront: `every = cycle = YEAR_MS`.
/// A monthly add-on on an annual plan: `every = MONTH_MS`, `cycle = YEAR_MS`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurringGrant {
    /// A short label used to build the grant keys (`renew:<label>:<k>`), unique per account.
    pub label: String,
    /// Allowance or add-on.
    pub source: Source,
    /// The pool the credits go to.
    pub pool: Name,
    /// Credits per grant, seats already multiplied in.
    pub credits: Credits,
    /// How often a grant is made.
    pub every_ms: TimeMs,
    /// The billing cycle whose end expires the lot.
    pub cycle_ms: TimeMs,
    /// Consumption priority among lots with the same expiry; lower is drawn first.
    pub priority: u8,
}

/// What an account is allowed and given: built from a vendor plan, seats and add-ons by the
/// caller, so that the ledger knows nothing about pricing files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSpec {
    /// Grants that renew on a schedule (allowances, add-on units).
    pub recurring: Vec<RecurringGrant>,
    /// The actions the plan may use at all; `None` means every action.
    pub entitled: Option<BTreeSet<String>>,
    /// Actions the plan makes unlimited: they are never held or charged.
    pub unlimited: BTreeSet<String>,
    /// Low-balance thresholds; a `Warning` event is raised when a pool's available balance
    /// falls from at or above a threshold to below it.
    pub warn_thresholds: Vec<Credits>,
    /// How long an idempotency record is kept after its request closed. Duplicates that arrive
    /// later than this are treated as new requests, so callers must not retry past it.
    pub key_retention_ms: TimeMs,
}

/// A request to hold credits for one generation step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReserveRequest {
    /// The idempotency key; commit and release name the hold by this key.
    pub key: Key,
    /// The pool to draw from.
    pub pool: Name,
    /// The action being paid for, for entitlement and unlimited checks.
    pub action: Name,
    /// The amount to hold: the quote's maximum.
    pub credits: Credits,
    /// How long the hold may stay open before the account releases it itself.
    pub ttl_ms: TimeMs,
}

/// A request to add a lot: a pack purchase or a promotion. Idempotent by key, so a payment
/// notification delivered twice credits once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GrantRequest {
    /// The idempotency key, for example the payment id.
    pub key: Key,
    /// The pool the credits go to.
    pub pool: Name,
    /// How many credits.
    pub credits: Credits,
    /// Pack, promotion, ...
    pub source: Source,
    /// When the lot expires; `None` means never.
    pub expires_at_ms: Option<TimeMs>,
    /// Consumption priority among lots with the same expiry; lower is drawn first.
    pub priority: u8,
}

/// The reply to a reserve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReserveOutcome {
    /// The credits are held until commit, release or `expires_at_ms`.
    Reserved {
        /// Credits held.
        held: Credits,
        /// When the hold times out.
        expires_at_ms: TimeMs,
    },
    /// The plan makes this action unlimited: nothing is held and nothing will be charged.
    Unlimited,
    /// The pool's available balance is below the request; nothing is held.
    Insufficient {
        /// Available balance at the time of the request.
        available: Credits,
        /// Credits requested.
        requested: Credits,
    },
    /// The plan may not use this action at all.
    NotEntitled,
    /// The key was used before with different content.
    KeyConflict,
}

/// How a hold was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Closure {
    /// Charged by a commit.
    Committed,
    /// Returned by a release.
    Released,
    /// Returned by the account when the ttl passed.
    TimedOut,
}

/// The reply to a commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommitOutcome {
    /// `charged` was charged; `returned` went back to the lots.
    Committed {
        /// Credits charged.
        charged: Credits,
        /// Credits of the hold returned to their lots.
        returned: Credits,
    },
    /// The hold was already closed otherwise; nothing was charged.
    HoldClosed {
        /// How it was closed.
        closed_by: Closure,
    },
    /// The amount exceeds the hold; nothing changed and the hold stays open.
    ExceedsHold {
        /// Credits held.
        held: Credits,
        /// Credits the commit asked for.
        requested: Credits,
    },
    /// There is no hold under this key: never reserved, rejected, unlimited, or forgotten
    /// after the retention window.
    NoHold,
    /// The hold was committed before with a different amount.
    KeyConflict,
}

/// The reply to a release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReleaseOutcome {
    /// The whole hold went back to its lots.
    Released {
        /// Credits returned.
        returned: Credits,
    },
    /// The hold was already closed otherwise.
    HoldClosed {
        /// How it was closed.
        closed_by: Closure,
    },
    /// There is no hold under this key.
    NoHold,
}

/// The reply to a grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantOutcome {
    /// A lot was created (or, for an exact duplicate, had been created) with this id.
    Granted {
        /// The lot.
        lot: LotId,
    },
    /// The key was used before for a different grant, or it lies in the `renew:` namespace
    /// that scheduled grants use.
    KeyConflict,
    /// The grant would push the pool's lifetime granted total past `u64::MAX` (or the account
    /// has used up its lot ids). Nothing was granted or journaled, and the key stays free.
    Overflow,
}

/// A pool's balance as seen from outside.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Credits that a reserve may take now.
    pub available: Credits,
    /// Credits in open holds.
    pub held: Credits,
}

/// Why a reserve was refused. Journaled so that the refusal survives a rebuild.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rejection {
    /// The pool held `available` credits, fewer than requested.
    Insufficient {
        /// Available balance at the time.
        available: Credits,
    },
    /// The plan may not use the action.
    NotEntitled,
}

/// Credits moved between one lot and a hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    /// The lot.
    pub lot: LotId,
    /// Credits moved.
    pub credits: Credits,
}

/// One change to one account. The journal is the source of truth: replaying an account's
/// events in `seq` order rebuilds its `Book`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The account changed.
    pub account: AccountId,
    /// Per-account sequence number, from 0 without gaps.
    pub seq: u64,
    /// Virtual time of the change.
    pub at_ms: TimeMs,
    /// What changed.
    pub kind: EventKind,
}

/// What an event changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// A new lot.
    Granted {
        /// The grant key (`renew:<label>:<k>` for scheduled grants).
        key: Key,
        /// The new lot's id.
        lot: LotId,
        /// Its pool.
        pool: Name,
        /// Its source.
        source: Source,
        /// Credits granted.
        credits: Credits,
        /// When it expires; `None` means never.
        expires_at_ms: Option<TimeMs>,
        /// Its priority.
        priority: u8,
    },
    /// Credits moved from lots into a new hold.
    Reserved {
        /// The hold's key.
        key: Key,
        /// The pool.
        pool: Name,
        /// The action paid for.
        action: Name,
        /// Credits held, the sum of `draws`.
        credits: Credits,
        /// When the hold times out.
        expires_at_ms: TimeMs,
        /// How much each lot gave.
        draws: DrawList,
    },
    /// A reserve was refused; recorded so the key stays refused.
    Rejected {
        /// The key.
        key: Key,
        /// The pool.
        pool: Name,
        /// The action.
        action: Name,
        /// Credits requested.
        credits: Credits,
        /// Why.
        reason: Rejection,
    },
    /// A reserve for an action the plan makes unlimited; recorded for idempotency.
    Unlimited {
        /// The key.
        key: Key,
        /// The pool.
        pool: Name,
        /// The action.
        action: Name,
        /// The credits the caller would otherwise have held.
        credits: Credits,
    },
    /// A hold was committed: `charged` is charged, the rest returned.
    Committed {
        /// The hold's key.
        key: Key,
        /// The pool.
        pool: Name,
        /// Credits charged, the sum of `charged_from`.
        charged: Credits,
        /// The lots the charge came from.
        charged_from: DrawList,
        /// The lots the remainder went back to.
        returned: DrawList,
    },
    /// A hold was released by the caller or timed out; all of it went back to its lots.
    Released {
        /// The hold's key.
        key: Key,
        /// The pool.
        pool: Name,
        /// Whether the account released it because its ttl passed.
        timed_out: bool,
        /// The lots it went back to.
        returned: DrawList,
    },
    /// Credits of a lot expired: at the lot's expiry, or when returned to an expired lot.
    Expired {
        /// The pool.
        pool: Name,
        /// The lot.
        lot: LotId,
        /// Credits that expired.
        credits: Credits,
    },
    /// A pool's available balance fell below a low-balance threshold.
    Warning {
        /// The pool.
        pool: Name,
        /// The threshold crossed.
        threshold: Credits,
        /// The available balance after the change.
        available: Credits,
    },
}

impl EventKind {
    /// The event of a reserve that held `draws`, shared by every ledger that journals holds.
    pub fn reserved(req: &ReserveRequest, expires_at_ms: TimeMs, draws: DrawList) -> EventKind {
        EventKind::Reserved {
            key: req.key.clone(),
            pool: req.pool.clone(),
            action: req.action.clone(),
            credits: req.credits,
            expires_at_ms,
            draws,
        }
    }

    /// The event of a grant by hand that created lot `lot`, shared by every ledger that
    /// journals grants.
    pub fn granted(req: &GrantRequest, lot: LotId) -> EventKind {
        EventKind::Granted {
            key: req.key.clone(),
            lot,
            pool: req.pool.clone(),
            source: req.source,
            credits: req.credits,
            expires_at_ms: req.expires_at_ms,
            priority: req.priority,
        }
    }

    /// The event of a reserve that was refused.
    pub fn rejected(req: &ReserveRequest, reason: Rejection) -> EventKind {
        EventKind::Rejected {
            key: req.key.clone(),
            pool: req.pool.clone(),
            action: req.action.clone(),
            credits: req.credits,
            reason,
        }
    }
}

/// An operation's reply together with the journal events it produced (possibly none, for an
/// exact duplicate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied<O> {
    /// What the caller is told.
    pub outcome: O,
    /// What the journal records, in order.
    pub events: Vec<Event>,
}

impl<O> Applied<O> {
    /// Runs an operation that appends its events to a buffer, and pairs its outcome with
    /// them.
    pub fn collect(op: impl FnOnce(&mut Vec<Event>) -> O) -> Applied<O> {
        let mut events = Vec::new();
        let outcome = op(&mut events);
        Applied { outcome, events }
    }
}
