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

use crate::check::{Checker, DEFAULT_VIOLATION_CAP, StepRecord, Verdict, Violation, Violations};
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
    pub(crate) fn new(
        account: AccountId,
        rule: Option<&'a Topup>,
        month_starts: &'a [TimeMs],
    ) -> Self {
        let mut checker = Checker::new();
        checker.expect_steps();
        AccountAudit {
            checker,
            topups: TopupAudit::new(account, rule, month_starts),
            i12: Vec::new(),
        }
    }

    /// Checks one event, in the account's journal order.
    pub(crate) fn observe(&mut self, event: &Event) {
        self.checker.observe(event);
        self.topups.observe(event, &mut self.i12);
    }

    /// Records what the engine saw of one key: the user's view, held against the journal.
    pub(crate) fn observe_step(&mut self, step: &StepRecord) {
        self.checker.observe_step(step);
    }

    /// Finishes the account (after its close) and folds its verdict into `shard`.
    pub(crate) fn finish(self, shard: &mut ShardAudit) {
        let verdict = self.checker.finish();
        for violation in self.i12 {
            shard.i12.push(violation);
        }
        shard.verdict = Some(match shard.verdict.take() {
            None => verdict,
            Some(so_far) if verdict.ok && so_far.ok => add_counts(so_far, &verdict),
            Some(so_far) => Verdict::merge([so_far, verdict]),
        });
    }
}

/// The checks of one shard's accounts. I12's violations are counted and summarised in full
/// and kept up to the cap in the verdicts' order, so that the kept ones do not depend on
/// shards.
pub(crate) struct ShardAudit {
    verdict: Option<Verdict>,
    i12: Violations,
}

impl Default for ShardAudit {
    fn default() -> Self {
        ShardAudit {
            verdict: None,
            i12: Violations::new(DEFAULT_VIOLATION_CAP),
        }
    }
}

impl ShardAudit {
    /// The shard's verdict, I12 included.
    pub(crate) fn finish(self) -> Verdict {
        let total = self.i12.total();
        let (counts, summaries, violations, cap) = self.i12.into_parts();
        let part = Verdict {
            ok: total == 0,
            summaries,
            violations,
            violations_total: total,
            violations_dropped: 0,
            violations_cap: cap,
            counts,
            events: 0,
            steps: 0,
            steps_checked: true,
            terms_checked: false,
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
