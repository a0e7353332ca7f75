//! Journal events: every change to an account, the source of truth that replay, the
//! checker and `journal.csv` share.

use super::requests::{GrantRequest, ReserveRequest};
use super::terms::{AccountId, Credits, Draw, DrawList, Key, LotId, LotSource, Name, TimeMs};

/// Why a reserve was refused. Journaled so that the refusal survives a rebuild.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The pool held `available` credits, fewer than requested.
    Insufficient {
        /// Available balance at the time.
        available: Credits,
    },
    /// The plan may not use the action.
    NotEntitled,
}

/// Splits a hold's draws at a commit of `charged` credits: the charge is taken from the
/// draws in draw order, and the rest goes back to the lots it came from. Returns (charged
/// from, returned to), each without empty parts. Every ledger and the replay check use this
/// one rule, so that a journal's commit can be checked against its hold.
pub(crate) fn split_draws(draws: &[Draw], charged: Credits) -> (DrawList, DrawList) {
    let mut left = charged;
    let (mut charged_from, mut returned) = (DrawList::new(), DrawList::new());
    for draw in draws {
        let take = left.min(draw.credits);
        left -= take;
        let part = |credits| Draw {
            lot: draw.lot,
            credits,
        };
        if take > 0 {
            charged_from.push(part(take));
        }
        if draw.credits > take {
            returned.push(part(draw.credits - take));
        }
    }
    (charged_from, returned)
}

/// One change to one account. The journal is the source of truth: replaying an account's
/// events in `seq` order rebuilds its `Book`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The account whose book the event belongs to; `seq` counts within it.
    pub account: AccountId,
    /// Per-account sequence number, from 0 without gaps.
    pub seq: u64,
    /// Virtual time of the change.
    pub at_ms: TimeMs,
    /// What changed.
    pub kind: EventKind,
}

/// What an event changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A new lot.
    Granted {
        /// The grant key (`renew:<label>:<k>` for scheduled grants).
        key: Key,
        /// The new lot's id.
        lot: LotId,
        /// The pool the lot's credits belong to.
        pool: Name,
        /// What granted it: a plan allowance, an add-on unit, a pack or a promotion.
        source: LotSource,
        /// The lot's size when granted.
        credits: Credits,
        /// When it expires; `None` means never.
        expires_at_ms: Option<TimeMs>,
        /// Draw order among lots with the same expiry; lower is drawn first.
        priority: u8,
    },
    /// Credits moved from lots into a new hold.
    Reserved {
        /// The hold's key.
        key: Key,
        /// The pool the request named, which every lot in `draws` belongs to.
        pool: Name,
        /// The action the request was for.
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
        /// The refused request's key, journaled so that a retry under it is refused again.
        key: Key,
        /// The pool the request asked to hold from.
        pool: Name,
        /// The action the request was for.
        action: Name,
        /// Credits the request asked to hold.
        credits: Credits,
        /// A short balance (with what was available) or an action the plan may not use.
        reason: Rejection,
    },
    /// A reserve for an action the plan makes unlimited; recorded for idempotency.
    Unlimited {
        /// The request's key, journaled so that a retry under it gets the same answer.
        key: Key,
        /// The pool the request named; nothing is held from it.
        pool: Name,
        /// The action the plan makes unlimited.
        action: Name,
        /// The credits the caller would otherwise have held.
        credits: Credits,
    },
    /// A hold was committed: `charged` is charged, the rest returned.
    Committed {
        /// The hold's key.
        key: Key,
        /// The hold's pool, as its `Reserved` event named it.
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
        /// The hold's pool, as its `Reserved` event named it.
        pool: Name,
        /// Whether the account released it because its ttl passed.
        timed_out: bool,
        /// The lots it went back to.
        returned: DrawList,
    },
    /// Credits of a lot expired: at the lot's expiry, or when returned to an expired lot.
    Expired {
        /// The pool of the lot that expired.
        pool: Name,
        /// The lot whose credits expired.
        lot: LotId,
        /// Credits lost: what the lot still held, or what a hold returned to it after its expiry.
        credits: Credits,
    },
    /// A pool's available balance fell from above a low-balance threshold to at or below it.
    Warning {
        /// The pool whose available balance fell.
        pool: Name,
        /// The level, one of the account's `warn_thresholds`, that the balance fell to or below.
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
