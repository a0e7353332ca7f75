//! What callers ask of a ledger, and what it answers.

use super::terms::{Credits, Key, LotId, LotSource, Name, TimeMs};

/// A request to hold credits for one generation step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReserveRequest {
    /// The idempotency key; commit and release name the hold by this key.
    pub key: Key,
    /// The pool whose lots the hold takes credits from: the one the action's quote names.
    pub pool: Name,
    /// The action being paid for, for entitlement and unlimited checks.
    pub action: Name,
    /// The amount to hold: the quote's maximum.
    pub credits: Credits,
    /// How long the hold may stay open before the account releases it itself.
    pub ttl_ms: TimeMs,
}

/// A request to charge an open hold: the actual cost of a generation that succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitRequest {
    /// The hold's key, as reserved.
    pub key: Key,
    /// Credits to charge, at most the amount held; the rest of the hold is returned.
    pub credits: Credits,
}

/// A request to return a whole hold: the generation failed, so nothing is charged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseRequest {
    /// The hold's key, as reserved.
    pub key: Key,
}

/// A request to add a lot: a pack purchase or a promotion. Idempotent by key, so a payment
/// notification delivered twice credits once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct GrantRequest {
    /// The idempotency key, for example the payment id.
    pub key: Key,
    /// The pool the credits go to.
    pub pool: Name,
    /// How many credits.
    pub credits: Credits,
    /// Pack, promotion, ...
    pub source: LotSource,
    /// When the lot expires; `None` means never.
    pub expires_at_ms: Option<TimeMs>,
    /// Consumption priority among lots with the same expiry; lower is drawn first.
    pub priority: u8,
}

/// What a reserve did: a hold with its timeout, or why nothing was held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// The credits are held until commit, release or `expires_at_ms`.
    Reserved {
        /// Credits now held: all that the request asked for.
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
        /// Credits the request asked to hold, more than `available`.
        requested: Credits,
    },
    /// The plan may not use this action at all.
    NotEntitled,
    /// The key was used before with different content.
    KeyConflict,
}

/// How a hold was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Closure {
    /// Charged by a commit.
    Committed,
    /// Returned by a release.
    Released,
    /// Returned by the account when the ttl passed.
    TimedOut,
}

/// What a commit did: the charge and the return, or why nothing was charged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitOutcome {
    /// `charged` was charged; `returned` went back to the lots.
    Committed {
        /// Credits charged, at most what the hold held.
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
        /// Credits the hold holds, less than `requested`.
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

/// What a release did: the credits returned, or why there was nothing to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// The whole hold went back to its lots.
    Released {
        /// Credits of the hold returned to their lots: all of it.
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

/// What a grant did: the lot it created, or why it created none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantOutcome {
    /// A lot was created (or, for an exact duplicate, had been created) with this id.
    Granted {
        /// The id of the lot the grant created, the same on a repeated grant under its key.
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// Credits that a reserve may take now.
    pub available: Credits,
    /// Credits in open holds.
    pub held: Credits,
}
