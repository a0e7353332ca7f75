//! The state the checker rebuilds from events, independently of the ledger that wrote them.
//! Amounts are `i128` so that an overdraw shows as a negative number instead of wrapping.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use smol_str::SmolStr;

use super::schedule::Terms;
use super::verdict::{Invariant, Violation, Violations};
use crate::chunked::Chunked;
use crate::fastmap::FastMap;
use crate::journal::Told;
use crate::ledger::{AccountId, Closure, Credits, Key, LotId, Name, TimeMs};

/// One account as the events describe it.
#[derive(Default)]
pub(super) struct Account {
    /// The `seq` the next event must carry.
    pub next_seq: u64,
    /// Pools by first appearance; an account has one or two, so a scan beats hashing.
    pub pools: Vec<Pool>,
    pub lots: FastMap<LotId, Lot>,
    /// Every reserve key seen in the run, from events or steps, with the index of its state
    /// in `key_states`; never forgotten, so that at-most-once holds for the whole run
    /// whatever the ledger's retention window.
    pub keys: FastMap<Key, usize>,
    /// The states of `keys`, by index.
    pub key_states: KeyStates,
    /// Every grant key seen, with the `seq` of its grant.
    pub grants: FastMap<Key, u64>,
    /// The time of the latest event, which the next one must not go back from.
    pub last_at_ms: Option<TimeMs>,
    /// Lots with an expiry, earliest first, until the journal's time has passed it: then the
    /// lot must be empty (I11).
    pub expiries: BinaryHeap<Reverse<(TimeMs, LotId)>>,
    /// What the setup gave the account, when the checker was given a setup: the schedule
    /// of its renewals and the grants that explain its lots.
    pub terms: Option<Box<Terms>>,
}

/// One pool's buckets, each fed by a different part of the events so that conservation
/// (granted = charged + expired + remaining + held) is a real check, not an identity.
pub(super) struct Pool {
    /// The pool's name.
    pub name: String,
    /// Sum of `granted` credits.
    pub granted: i128,
    /// Sum of `committed` charged amounts, as the events claim them.
    pub charged: i128,
    /// Sum of `expired` credits.
    pub expired: i128,
    /// Sum of lot balances, moved lot by lot by draws, returns and expiries.
    pub remaining: i128,
    /// Sum of the credits that open holds claim to hold.
    pub held: i128,
    /// The imbalance last reported, so that one fault is reported once, not at every
    /// later event.
    pub drift: i128,
    /// The pool's lots that may still be drawn on, in the contract's consumption order:
    /// what a reserve must draw from (I10). Lots leave it once the journal's time passes
    /// their expiry, which, as the order is by expiry, is always a prefix.
    pub order: Vec<OrderEntry>,
    /// Whether the granted total passed `u64::MAX` (reported once).
    pub overflowed: bool,
}

/// A lot's place in the consumption order: earliest expiry first (never-expiring last),
/// then lowest priority, then oldest grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct OrderEntry {
    pub never: bool,
    pub expires_at_ms: TimeMs,
    pub priority: u8,
    pub granted_seq: u64,
    pub lot: LotId,
}

impl OrderEntry {
    /// Whether the lot has expired at `at_ms` (a lot is expired from its expiry on).
    pub(super) fn expired_at(&self, at_ms: TimeMs) -> bool {
        !self.never && self.expires_at_ms <= at_ms
    }
}

impl Pool {
    pub(super) fn new(name: &str) -> Self {
        Pool {
            name: name.to_string(),
            granted: 0,
            charged: 0,
            expired: 0,
            remaining: 0,
            held: 0,
            drift: 0,
            order: Vec::new(),
            overflowed: false,
        }
    }

    /// granted - (charged + expired + remaining + held): zero when conserved.
    pub(super) fn imbalance(&self) -> i128 {
        self.granted - (self.charged + self.expired + self.remaining + self.held)
    }
}

pub(super) struct Lot {
    /// Index into `Account::pools`.
    pub pool: usize,
    /// Credits left in the lot.
    pub remaining: i128,
    /// The `seq` of its grant, to explain a regrant.
    pub granted_seq: u64,
    /// When it was granted: it may not be drawn on before.
    pub effective_ms: TimeMs,
    /// When it expires; `None` means never.
    pub expires_at_ms: Option<TimeMs>,
    /// What the grant said it was, for messages.
    pub source: crate::ledger::LotSource,
    /// Whether credits left after its expiry were already reported, so one lot gives one
    /// I11 violation.
    pub expiry_reported: bool,
}

/// How a key was first used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Opening {
    /// A hold was made.
    Reserved,
    /// The reserve was refused.
    Rejected,
    /// The action was unlimited.
    Unlimited,
}

impl Opening {
    pub(super) fn word(self) -> &'static str {
        match self {
            Opening::Reserved => "reserved",
            Opening::Rejected => "rejected",
            Opening::Unlimited => "unlimited",
        }
    }
}

/// An open hold: what it took from each lot, minus what has gone back or been charged.
pub(super) struct Hold {
    /// Index into `Account::pools`.
    pub pool: usize,
    /// Credits the `reserved` event(s) claim.
    pub credits: Credits,
    /// When the hold times out: a commit or release must come before it, a timeout at it.
    pub deadline_ms: TimeMs,
    /// Per lot, credits taken and not yet accounted for.
    pub draws: Vec<(LotId, i128)>,
    /// The `seq` and time of the reserve that opened it: where a hold never closed (I6) is
    /// shown, which is not the key's first event when a key is reserved again.
    pub opened_at: (u64, TimeMs),
}

/// Everything known about one key: its ledger history and the agent's view of it.
#[derive(Default)]
pub(super) struct KeyState {
    /// The first event that used the key, with its `seq` and time.
    pub opened: Option<(Opening, u64, TimeMs)>,
    /// The hold while it is open (boxed: most keys spend most of the run closed).
    pub hold: Option<Box<Hold>>,
    /// The first closure, with its `seq`.
    pub closed: Option<(Closure, u64)>,
    /// The first charge: credits, `seq` and time.
    pub first_charge: Option<(Credits, u64, TimeMs)>,
    /// Every credit charged under the key (more than the first only under an I2 violation).
    pub charged_total: u128,
    /// What the agent said about the key.
    pub step: Option<StepView>,
}

/// Key states, addressed by the index that `Account::keys` maps each key to. A hot
/// account's map grows to tens of thousands of keys; kept apart from the states, it holds
/// only a key and an index per entry, so that growing it moves little memory, and the
/// states themselves are never moved (see [`Chunked`]). 1024 states are about 150 KB.
pub(super) type KeyStates = Chunked<KeyState, 1024>;

/// The parts of a `StepRecord` that the checks need.
pub(super) struct StepView {
    pub agent: u32,
    pub quote_min: Credits,
    pub quote_max: Credits,
    pub failed: bool,
    pub told: Told,
    /// The action, for messages.
    pub action: Name,
    /// Its parameters, for messages. Kept as shared strings rather than formatted up front,
    /// so that recording a step allocates nothing: only a violation message needs the text.
    pub params: SmolStr,
}

impl StepView {
    /// `action (params)`, or just `action` without parameters, for messages.
    pub(super) fn what(&self) -> String {
        if self.params.is_empty() {
            self.action.to_string()
        } else {
            format!("{} ({})", self.action, self.params)
        }
    }
}

/// Where a violation is being reported from: one account and one event.
pub(super) struct At {
    pub account: AccountId,
    pub seq: u64,
    pub at_ms: TimeMs,
}

/// Reports violations for one event.
pub(super) struct Report<'a> {
    pub at: At,
    pub sink: &'a mut Violations,
    /// Whether this event already produced a violation, so that the pool-level balance does
    /// not report the same fault a second time.
    pub reported: bool,
}

impl Report<'_> {
    /// Reports `invariant` broken at this event, about `credits` credits.
    pub(super) fn violation(
        &mut self,
        invariant: Invariant,
        key: Option<&Key>,
        credits: Credits,
        message: String,
    ) {
        self.reported = true;
        self.sink.push(Violation {
            invariant,
            account: self.at.account,
            key: key.cloned(),
            seq: Some(self.at.seq),
            at_ms: Some(self.at.at_ms),
            credits,
            message,
        });
    }
}
