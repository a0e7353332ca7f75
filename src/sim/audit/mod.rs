//! Checking an economics run: the same invariants as `run` (I1–I8, by the same
//! [`Checker`]), plus I12 for top-up policies, with memory bounded per account.
//!
//! The full checker keeps every key of a run, which at 120 million steps would not fit in
//! memory. Accounts here never interact (a workspace pool is one account), and the engine
//! simulates one account from its first month to its last before the next. So each account
//! gets a fresh `Checker`, fed all its events and its steps' records; it is finished when
//! the account closes, and its verdict folded into the shard's. The checks are exactly
//! those of a whole-run checker (every key is still kept for the account's whole life, so
//! at-most-once holds over the run), but memory holds one account's keys per thread, not
//! the run's. Kept violations are capped per shard as in [`Verdict::merge`].

pub(crate) mod topups;

use crate::check::{Checker, DEFAULT_VIOLATION_CAP, Invariant, StepRecord, Verdict, Violation};
use crate::ledger::{AccountId, Event, TimeMs};
use crate::sim::config::Topup;
use topups::TopupAudit;

/// One account's checks while it runs.
pub(crate) struct AccountAudit<'a> {
    checker: Checker,
    topups: TopupAudit<'a>,
    i12: Vec<Violation>,
}

impl<'a> AccountAudit<'a> {
    pub fn new(account: AccountId, rule: Option<&'a Topup>, month_starts: &'a [TimeMs]) -> Self {
        let mut checker = Checker::new();
        checker.expect_steps();
        AccountAudit {
            checker,
            topups: TopupAudit::new(account, rule, month_starts),
            i12: Vec::new(),
        }
    }

    /// Checks one event, in the account's journal order.
    pub fn observe(&mut self, event: &Event) {
        self.checker.observe(event);
        self.topups.observe(event, &mut self.i12);
    }

    /// Records what the engine saw of one key: the user's view, held against the journal.
    pub fn observe_step(&mut self, step: &StepRecord) {
        self.checker.observe_step(step);
    }

    /// Finishes the account (after its close) and folds its verdict into `shard`.
    pub fn finish(self, shard: &mut ShardAudit) {
        let verdict = self.checker.finish();
        shard.i12_total += self.i12.len() as u64;
        shard.i12.extend(self.i12);
        if shard.i12.len() > 2 * DEFAULT_VIOLATION_CAP {
            keep_first(&mut shard.i12);
        }
        shard.verdict = Some(match shard.verdict.take() {
            None => verdict,
            Some(so_far) if verdict.ok && so_far.ok => add_counts(so_far, &verdict),
            Some(so_far) => Verdict::merge([so_far, verdict]),
        });
    }
}

/// The checks of one shard's accounts.
#[derive(Default)]
pub(crate) struct ShardAudit {
    verdict: Option<Verdict>,
    i12: Vec<Violation>,
    i12_total: u64,
}

impl ShardAudit {
    /// The shard's verdict, I12 included.
    pub fn finish(self) -> Verdict {
        let mut i12 = self.i12;
        keep_first(&mut i12);
        let part = Verdict {
            ok: self.i12_total == 0,
            violations: i12,
            violations_total: self.i12_total,
            violations_dropped: 0,
            violations_cap: DEFAULT_VIOLATION_CAP,
            counts: Invariant::ALL
                .iter()
                .map(|i| (*i, 0))
                .chain([(Invariant::I12, self.i12_total)])
                .collect(),
            events: 0,
            steps: 0,
            steps_checked: true,
            unknown_steps: 0,
            accounts: 0,
            holds: 0,
            charges: 0,
            notes: Vec::new(),
        };
        Verdict::merge(self.verdict.into_iter().chain([part]))
    }
}

/// Adds the counts of a clean account's verdict to a clean running one, without the sort
/// and note-building of a full merge (the common case, once per account).
fn add_counts(mut into: Verdict, part: &Verdict) -> Verdict {
    into.events += part.events;
    into.steps += part.steps;
    into.unknown_steps += part.unknown_steps;
    into.accounts += part.accounts;
    into.holds += part.holds;
    into.charges += part.charges;
    into
}

/// Keeps the first [`DEFAULT_VIOLATION_CAP`] violations in the order verdicts list them
/// (account, event, invariant, key, message), so that the kept ones do not depend on shards.
fn keep_first(violations: &mut Vec<Violation>) {
    violations.sort_by(|a, b| {
        let rank = |v: &Violation| {
            let seq = v.seq.unwrap_or(u64::MAX);
            (
                v.account,
                seq,
                v.invariant,
                v.key.clone(),
                v.message.clone(),
            )
        };
        rank(a).cmp(&rank(b))
    });
    violations.truncate(DEFAULT_VIOLATION_CAP);
}
