//! The ledger's basic terms: ids, amounts, time, and what an account is given.

use std::collections::BTreeSet;

use smallvec::SmallVec;
use smol_str::SmolStr;

/// An account's id. Accounts are numbered densely from 0 within a run.
pub type AccountId = u32;

/// A whole number of credits. Credits are never fractional and never negative.
pub type Credits = u64;

/// Virtual time: milliseconds since the Unix epoch, UTC (see [`super::calendar`]).
pub type TimeMs = u64;

/// An idempotency key chosen by the caller (for example `a17-s3042`). Keys of up to 23
/// bytes are stored inline, and longer ones are shared, so that the request, the journal
/// event and the idempotency record can each hold the key without allocating for it.
pub type Key = SmolStr;

/// A pool or action name. Names come from a vendor's small vocabulary and are short, so they
/// are stored inline in every request, record and event instead of each owning a heap copy.
pub type Name = SmolStr;

/// Credits moved between one lot and a hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Draw {
    /// The lot the credits were taken from, or go back to.
    pub lot: LotId,
    /// Credits taken from that lot, or returned to it.
    pub credits: Credits,
}

/// The lots one hold drew on, or one commit charged or returned. Almost always a single lot,
/// which is stored inline; a hold that spans several lots spills to the heap.
pub type DrawList = SmallVec<[Draw; 1]>;

/// A lot's id, unique within one account and assigned in grant order from 0.
pub type LotId = u32;

/// The key namespace of scheduled grants: the k-th grant of a recurring grant labelled `l` is
/// keyed `renew:l:k`. Grants by hand may not use it, so a journal tells the two apart.
pub(crate) const RENEWAL_KEY_PREFIX: &str = "renew:";

/// Where a lot's credits came from. It decides nothing by itself; it labels lots in the
/// journal and the report so that an analyst can see what expired unused.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum LotSource {
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
/// recurring add-on. Counted in calendar months from the account's anchor: the k-th grant
/// happens `k × every_months` after it, and its lot expires at the end of the
/// `cycle_months` cycle that contains the grant.
///
/// Monthly allowance: every = cycle = 1. Annual upfront: every = cycle = 12. A monthly
/// add-on on an annual plan: every = 1, cycle = 12.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecurringGrant {
    /// A short label used to build the grant keys (`renew:<label>:<k>`), unique per account.
    pub label: String,
    /// Allowance or add-on.
    pub source: LotSource,
    /// The pool the credits go to.
    pub pool: Name,
    /// Credits per grant, seats already multiplied in.
    pub credits: Credits,
    /// Calendar months between grants; 0 grants once, at the anchor.
    pub every_months: u32,
    /// Calendar months of the billing cycle whose end expires the lot; 0 never expires it.
    pub cycle_months: u32,
    /// Consumption priority among lots with the same expiry; lower is drawn first.
    pub priority: u8,
}

/// What an account is allowed and given: built from a vendor plan, seats and add-ons by the
/// caller, so that the ledger knows nothing about pricing files.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccountSpec {
    /// When the account starts: its first scheduled grants happen here, and its billing
    /// cycles are counted from here.
    pub anchor_ms: TimeMs,
    /// Grants that renew on a schedule (allowances, add-on units).
    pub recurring: Vec<RecurringGrant>,
    /// The actions the plan may use at all; `None` means every action.
    pub entitled: Option<BTreeSet<String>>,
    /// Actions the plan makes unlimited: they are never held or charged.
    pub unlimited: BTreeSet<String>,
    /// Low-balance thresholds; a `Warning` event is raised when a pool's available balance
    /// (held credits excluded) falls from above a threshold to at or below it: "reaches 10"
    /// is 10, and "drops below 100" is 99 in whole credits.
    pub warn_thresholds: Vec<Credits>,
    /// How long an idempotency record is kept after its request closed. Duplicates that arrive
    /// later than this are treated as new requests, so callers must not retry past it.
    pub key_retention_ms: TimeMs,
}
