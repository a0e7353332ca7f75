//! What the checker concludes: the invariants, one violation, and the verdict of a run.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ledger::{AccountId, Key, TimeMs};

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
    /// No credit is drawn from a lot that has expired or is not yet effective at the time of
    /// the draw (judged by the journal's own times, which must not go back).
    I9,
    /// Consumption order: each draw takes from lots in the contract's order (earliest expiry,
    /// then priority, then oldest).
    I10,
    /// Renewals once per boundary: each allowance and add-on granted exactly once per cycle,
    /// at its boundary, and each lot expired at its expiry, not before and not left over.
    I11,
    /// At most one automatic purchase per threshold crossing, and at most the top-up
    /// policy's monthly limit (checked in economics runs).
    I12,
}

impl Invariant {
    /// Every invariant, in order, so that counts list all of them, zeros included.
    pub const ALL: [Invariant; 12] = [
        Invariant::I1,
        Invariant::I2,
        Invariant::I3,
        Invariant::I4,
        Invariant::I5,
        Invariant::I6,
        Invariant::I7,
        Invariant::I8,
        Invariant::I9,
        Invariant::I10,
        Invariant::I11,
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
            Invariant::I9 => "no draw from an expired lot",
            Invariant::I10 => "consumption order",
            Invariant::I11 => "renewals once per boundary",
            Invariant::I12 => "one top-up per crossing, in limit",
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

impl std::str::FromStr for Invariant {
    type Err = String;

    /// `I1` to `I12`, as verdicts print them (any case).
    fn from_str(text: &str) -> Result<Invariant, String> {
        let wanted = text.trim();
        (Invariant::ALL.into_iter())
            .find(|invariant| invariant.to_string().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| format!("expected an invariant I1 to I12, got {text:?}"))
    }
}

/// One broken invariant, located as precisely as the events allow, with a one-line
/// explanation a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule that was broken; a verdict summarizes violations per invariant.
    pub invariant: Invariant,
    /// The account whose events or steps break it; violations are listed by account first.
    pub account: AccountId,
    /// The idempotency key involved, if any.
    pub key: Option<Key>,
    /// The event (per-account `seq`) at which it became visible, if any.
    pub seq: Option<u64>,
    /// The virtual time of that event, if known, so that a summary can say which violation
    /// came first and which last.
    #[serde(default)]
    pub at_ms: Option<TimeMs>,
    /// How many credits the violation is about (overdrawn, charged twice, created, drawn
    /// out of order, ...), so that a summary can name the worst one; 0 when none apply.
    #[serde(default)]
    pub credits: u64,
    /// What went wrong, in one line.
    pub message: String,
}

/// A violation's place in the sort orders below.
type Rank<'a> = (AccountId, u64, Invariant, &'a Option<Key>, &'a str);

impl Violation {
    /// The order in which violations are kept and listed: by account, then event, so that a
    /// verdict does not depend on how accounts were interleaved.
    fn rank(&self) -> Rank<'_> {
        let seq = self.seq.unwrap_or(u64::MAX);
        (self.account, seq, self.invariant, &self.key, &self.message)
    }

    /// The order of virtual time, for first and last: unknown times count as the end; ties
    /// fall back on `rank`, so the choice never depends on arrival.
    fn when(&self) -> (TimeMs, Rank<'_>) {
        (self.at_ms.unwrap_or(TimeMs::MAX), self.rank())
    }

    /// Whether `self` is worse than `other`: more credits, or as many and earlier.
    fn worse_than(&self, other: &Violation) -> bool {
        (self.credits, Reverse(self.when())) > (other.credits, Reverse(other.when()))
    }
}

/// One invariant's violations in brief, as Jepsen reports an anomaly: how many, the first
/// and the last in virtual time, and the worst (the one about the most credits). Kept over
/// every violation, not only the stored ones, so a flood still reads in four lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantSummary {
    /// The rule these violations break, one summary for each.
    pub invariant: Invariant,
    /// How many violations.
    pub count: u64,
    /// The earliest in virtual time, unknown times counting as the end; ties go to the
    /// lowest account, then event.
    pub first: Violation,
    /// The one about the most credits (the earliest of those).
    pub worst: Violation,
    /// The latest in virtual time, by the same order as `first`.
    pub last: Violation,
}

impl InvariantSummary {
    fn of(violation: &Violation) -> InvariantSummary {
        InvariantSummary {
            invariant: violation.invariant,
            count: 1,
            first: violation.clone(),
            worst: violation.clone(),
            last: violation.clone(),
        }
    }

    /// Takes in another summary of the same invariant (or one more violation, as a
    /// summary of one), cloning only what replaces.
    fn absorb(&mut self, count: u64, first: &Violation, worst: &Violation, last: &Violation) {
        self.count += count;
        if first.when() < self.first.when() {
            self.first = first.clone();
        }
        if last.when() > self.last.when() {
            self.last = last.clone();
        }
        if worst.worse_than(&self.worst) {
            self.worst = worst.clone();
        }
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
    summaries: [Option<InvariantSummary>; Invariant::ALL.len()],
}

impl Violations {
    pub(crate) fn new(cap: usize) -> Self {
        Violations {
            kept: BinaryHeap::new(),
            cap,
            counts: [0; Invariant::ALL.len()],
            summaries: std::array::from_fn(|_| None),
        }
    }

    pub(crate) fn push(&mut self, violation: Violation) {
        let index = violation.invariant.index();
        self.counts[index] += 1;
        match &mut self.summaries[index] {
            Some(summary) => summary.absorb(1, &violation, &violation, &violation),
            none => *none = Some(InvariantSummary::of(&violation)),
        }
        let ranked = Ranked(violation);
        if self.kept.len() < self.cap {
            self.kept.push(ranked);
        } else if self.kept.peek().is_some_and(|worst| ranked < *worst) {
            self.kept.pop();
            self.kept.push(ranked);
        }
    }

    pub(crate) fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The verdict of a checker that saw nothing.
    fn into_empty_verdict(self) -> Verdict {
        let (counts, summaries, violations, cap) = self.into_parts();
        Verdict {
            ok: true,
            summaries,
            violations,
            violations_total: 0,
            violations_dropped: 0,
            violations_cap: cap,
            counts,
            events: 0,
            steps: 0,
            steps_checked: false,
            terms_checked: false,
            unknown_steps: 0,
            accounts: 0,
            holds: 0,
            charges: 0,
            notes: Vec::new(),
        }
    }

    /// The per-invariant counts and summaries, and the kept violations in order.
    pub(crate) fn into_parts(self) -> (Counts, Vec<InvariantSummary>, Vec<Violation>, usize) {
        let counts = Invariant::ALL
            .iter()
            .map(|inv| (*inv, self.counts[inv.index()]))
            .collect();
        let summaries = self.summaries.into_iter().flatten().collect();
        let kept = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0)
            .collect();
        (counts, summaries, kept, self.cap)
    }
}

/// Violations per invariant, every invariant listed.
pub(crate) type Counts = BTreeMap<Invariant, u64>;

/// The checker's conclusion over a whole run or journal. Serializable so that the run summary
/// (`summary.json`) and `creditsim check --json` carry it as is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when no invariant was violated (`violations_total == 0`).
    pub ok: bool,
    /// Each violated invariant in brief (count, first, worst, last), in invariant order:
    /// what a person reads first, before any list.
    #[serde(default)]
    pub summaries: Vec<InvariantSummary>,
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
    /// Whether grants and renewals were judged against the run's terms (`setup.json`): every
    /// grant explained by a plan, pack or add-on, and I11's schedule.
    #[serde(default)]
    pub terms_checked: bool,
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
            merge_summaries(&mut into.summaries, part.summaries);
            into.violations_total += part.violations_total;
            into.violations_cap = into.violations_cap.max(part.violations_cap);
            for (invariant, count) in part.counts {
                *into.counts.entry(invariant).or_default() += count;
            }
            into.events += part.events;
            into.steps += part.steps;
            into.steps_checked &= part.steps_checked;
            into.terms_checked &= part.terms_checked;
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

    /// The summary of `invariant`, if it was violated.
    pub fn summary(&self, invariant: Invariant) -> Option<&InvariantSummary> {
        self.summaries.iter().find(|s| s.invariant == invariant)
    }

    /// What could not be checked, in words, from the counts.
    pub(crate) fn derive_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.steps_checked {
            notes.push("no steps given: I4, I5 and I7 were not checked".to_string());
        }
        if !self.terms_checked {
            notes.push(
                "no setup given: grants were not matched to the run's plans and packs, and \
                 I11 checked expiries but not the renewal schedule"
                    .to_string(),
            );
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

/// Folds `parts` into `into`, one summary per invariant, in invariant order.
fn merge_summaries(into: &mut Vec<InvariantSummary>, parts: Vec<InvariantSummary>) {
    for part in parts {
        match into.iter_mut().find(|s| s.invariant == part.invariant) {
            Some(summary) => summary.absorb(part.count, &part.first, &part.worst, &part.last),
            None => into.push(part),
        }
    }
    into.sort_by_key(|s| s.invariant);
}
