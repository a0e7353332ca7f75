//! What the checker concludes: the invariants, one violation, and the verdict of a run.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ledger::{AccountId, Key};

/// The invariants of DESIGN.md, named by their ids so that a verdict reads like the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Invariant {
    /// No lot and no pool balance is ever negative.
    I1,
    /// At most once: one charge per key; each hold closed exactly once.
    I2,
    /// Conservation: granted = charged + expired + remaining + held, per account and pool.
    I3,
    /// A step the agent saw fail is never charged.
    I4,
    /// Each charge lies within the step's quote.
    I5,
    /// At the end, every hold has been closed.
    I6,
    /// What agents were told they paid equals what the ledger charged.
    I7,
    /// A rejection is deserved: `Insufficient` only when the pool really held less than
    /// the request at that point of the journal.
    I8,
    /// At most one automatic purchase per threshold crossing, and at most the top-up
    /// policy's monthly limit (checked in economics runs).
    I12,
}

impl Invariant {
    /// Every invariant, in order, so that counts list all of them, zeros included.
    pub const ALL: [Invariant; 9] = [
        Invariant::I1,
        Invariant::I2,
        Invariant::I3,
        Invariant::I4,
        Invariant::I5,
        Invariant::I6,
        Invariant::I7,
        Invariant::I8,
        Invariant::I12,
    ];

    /// A few words saying what the invariant protects, for people reading a verdict.
    pub fn summary(self) -> &'static str {
        match self {
            Invariant::I1 => "no negative balance",
            Invariant::I2 => "at most once",
            Invariant::I3 => "conservation",
            Invariant::I4 => "failed steps never charged",
            Invariant::I5 => "charges within the quote",
            Invariant::I6 => "no hold left open",
            Invariant::I7 => "user's view agrees with the ledger",
            Invariant::I8 => "rejections deserved",
            Invariant::I12 => "one top-up per crossing, within limit",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// One broken invariant, located as precisely as the events allow, with a one-line
/// explanation a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Which invariant.
    pub invariant: Invariant,
    /// The account it happened in.
    pub account: AccountId,
    /// The idempotency key involved, if any.
    pub key: Option<Key>,
    /// The event (per-account `seq`) at which it became visible, if any.
    pub seq: Option<u64>,
    /// What went wrong, in one line.
    pub message: String,
}

impl Violation {
    /// The order in which violations are kept and listed: by account, then event, so that a
    /// verdict does not depend on how accounts were interleaved.
    fn rank(&self) -> (AccountId, u64, Invariant, &Option<Key>, &str) {
        let seq = self.seq.unwrap_or(u64::MAX);
        (self.account, seq, self.invariant, &self.key, &self.message)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} account {}", self.invariant, self.account)?;
        if let Some(seq) = self.seq {
            write!(f, " event {seq}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A violation ordered by `rank`, for the bounded heap.
struct Ranked(Violation);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.rank().cmp(&other.0.rank())
    }
}

/// The violations found so far: every one counted, at most `cap` kept. The kept ones are the
/// first `cap` in `rank` order, not in arrival order, so that online and offline runs keep
/// the same ones however accounts were interleaved.
pub(crate) struct Violations {
    kept: BinaryHeap<Ranked>,
    cap: usize,
    counts: [u64; Invariant::ALL.len()],
}

impl Violations {
    pub fn new(cap: usize) -> Self {
        Violations {
            kept: BinaryHeap::new(),
            cap,
            counts: [0; Invariant::ALL.len()],
        }
    }

    pub fn push(&mut self, violation: Violation) {
        self.counts[violation.invariant.index()] += 1;
        let ranked = Ranked(violation);
        if self.kept.len() < self.cap {
            self.kept.push(ranked);
        } else if self.kept.peek().is_some_and(|worst| ranked < *worst) {
            self.kept.pop();
            self.kept.push(ranked);
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The verdict of a checker that saw nothing.
    fn into_empty_verdict(self) -> Verdict {
        let (counts, violations, cap) = self.into_parts();
        Verdict {
            ok: true,
            violations,
            violations_total: 0,
            violations_dropped: 0,
            violations_cap: cap,
            counts,
            events: 0,
            steps: 0,
            steps_checked: false,
            unknown_steps: 0,
            accounts: 0,
            holds: 0,
            charges: 0,
            notes: Vec::new(),
        }
    }

    /// The per-invariant counts and the kept violations in order.
    pub fn into_parts(self) -> (BTreeMap<Invariant, u64>, Vec<Violation>, usize) {
        let counts = Invariant::ALL
            .iter()
            .map(|inv| (*inv, self.counts[inv.index()]))
            .collect();
        let kept = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0)
            .collect();
        (counts, kept, self.cap)
    }
}

/// The checker's conclusion over a whole run or journal. Serializable so that the run summary
/// (`summary.json`) and `creditsim check --json` carry it as is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when no invariant was violated (`violations_total == 0`).
    pub ok: bool,
    /// The kept violations, ordered by account, event and invariant; at most
    /// `violations_cap` of them.
    pub violations: Vec<Violation>,
    /// Every violation found, including those not kept.
    pub violations_total: u64,
    /// Violations counted but not kept, so that a badly broken ledger cannot exhaust memory.
    pub violations_dropped: u64,
    /// How many violations are kept at most.
    pub violations_cap: usize,
    /// Violations per invariant, every invariant listed.
    pub counts: BTreeMap<Invariant, u64>,
    /// Journal events observed.
    pub events: u64,
    /// Agent steps observed.
    pub steps: u64,
    /// Whether the agents' side (I4, I5, I7) was checked: steps were given or expected.
    pub steps_checked: bool,
    /// Steps whose agent got no definite answer (`Told::Unknown`).
    pub unknown_steps: u64,
    /// Accounts that had an event or a step.
    pub accounts: u64,
    /// `reserved` events observed.
    pub holds: u64,
    /// `committed` events observed.
    pub charges: u64,
    /// What the checker could not check, such as I4, I5 and I7 without steps.
    pub notes: Vec<String>,
}

impl Verdict {
    /// True when every invariant held.
    pub fn ok(&self) -> bool {
        self.ok
    }

    /// Combines the verdicts of checkers that each saw a disjoint set of accounts (a run that
    /// shards checking by account) into the verdict one checker would have given. The kept
    /// violations are the first `cap` in order of the union, which each part's first `cap`
    /// contain.
    pub fn merge(parts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut merged: Option<Verdict> = None;
        for part in parts {
            let Some(into) = merged.as_mut() else {
                merged = Some(part);
                continue;
            };
            into.violations.extend(part.violations);
            into.violations_total += part.violations_total;
            into.violations_cap = into.violations_cap.max(part.violations_cap);
            for (invariant, count) in part.counts {
                *into.counts.entry(invariant).or_default() += count;
            }
            into.events += part.events;
            into.steps += part.steps;
            into.steps_checked &= part.steps_checked;
            into.unknown_steps += part.unknown_steps;
            into.accounts += part.accounts;
            into.holds += part.holds;
            into.charges += part.charges;
        }
        let mut verdict = merged
            .unwrap_or_else(|| Violations::new(super::DEFAULT_VIOLATION_CAP).into_empty_verdict());
        verdict.violations.sort_by(|a, b| a.rank().cmp(&b.rank()));
        verdict.violations.truncate(verdict.violations_cap);
        verdict.violations_dropped = verdict.violations_total - verdict.violations.len() as u64;
        verdict.ok = verdict.violations_total == 0;
        verdict.notes = verdict.derive_notes();
        verdict
    }

    /// What could not be checked, in words, from the counts.
    pub(crate) fn derive_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.steps_checked {
            notes.push("no steps given: I4, I5 and I7 were not checked".to_string());
        }
        if self.unknown_steps > 0 {
            notes.push(format!(
                "{} steps had no definite answer (told unknown); either outcome is accepted \
                 for them",
                self.unknown_steps
            ));
        }
        notes
    }
}
