//! Checking an economics run: the same invariants as `run` (I1–I11, by the same
//! [`Checker`], each account judged against its plan's terms and start packs so that every
//! grant is explained and I11 follows the renewal schedule), plus I12 for top-up policies,
//! which explains the purchases, with memory bounded per account.
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

use crate::check::{
    AccountTerms, Checker, DEFAULT_VIOLATION_CAP, StepRecord, Verdict, Violation, Violations,
};
use crate::ledger::{AccountId, Event, TimeMs};
use crate::sim::config::Topup;
use topups::{TOPUP_KEY_PREFIX, TopupAudit};

/// One account's checks while it runs.
pub(crate) struct AccountAudit<'a> {
    checker: Checker,
    topups: TopupAudit<'a>,
    i12: Vec<Violation>,
}

impl<'a> AccountAudit<'a> {
    /// The checks of `account`, judged against `terms` (top-ups are judged by I12, not by
    /// the terms) and closed at the end of its last month, as the engine closes it.
    pub(crate) fn new(
        account: AccountId,
        terms: &AccountTerms,
        rule: Option<&'a Topup>,
        month_starts: &'a [TimeMs],
    ) -> Self {
        let mut checker = Checker::new().with_terms_and_purchases(account, terms, TOPUP_KEY_PREFIX);
        checker.expect_steps();
        checker.close_at(*month_starts.last().expect("at least one month"));
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
            // Neutral in the merge, which ANDs them: the accounts' verdicts say what was
            // checked.
            steps_checked: true,
            terms_checked: true,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Invariant;
    use crate::ledger::{AccountSpec, EventKind, LotSource, RecurringGrant};

    /// An account whose plan grants 100 credits at the anchor and never again, so that
    /// only its own grant and a top-up are explained.
    fn terms(every_months: u32) -> AccountTerms {
        let allowance = RecurringGrant {
            label: "plan".into(),
            source: LotSource::Allowance,
            pool: "credits".into(),
            credits: 100,
            every_months,
            cycle_months: 0,
            priority: 0,
        };
        let spec = AccountSpec {
            recurring: vec![allowance],
            ..AccountSpec::default()
        };
        AccountTerms {
            spec,
            grants: Vec::new(),
        }
    }

    fn grant(seq: u64, key: &str, lot: u32, source: LotSource) -> Event {
        Event {
            account: 0,
            seq,
            at_ms: 0,
            kind: EventKind::Granted {
                key: key.into(),
                lot,
                pool: "credits".into(),
                source,
                credits: 100,
                expires_at_ms: None,
                priority: 0,
            },
        }
    }

    fn verdict(terms: &AccountTerms, months: &[TimeMs], events: &[Event]) -> Verdict {
        let mut audit = AccountAudit::new(0, terms, None, months);
        events.iter().for_each(|e| audit.observe(e));
        let mut shard = ShardAudit::default();
        audit.finish(&mut shard);
        shard.finish()
    }

    /// The engine's month boundaries: calendar months from the epoch.
    fn month_starts(months: u64) -> Vec<TimeMs> {
        let start = |m| crate::ledger::calendar::add_months(0, m).unwrap();
        (0..=months).map(start).collect()
    }

    fn count(verdict: &Verdict, invariant: Invariant) -> u64 {
        verdict.counts.get(&invariant).copied().unwrap_or(0)
    }

    #[test]
    fn the_accounts_terms_explain_their_grants_and_leave_top_ups_to_i12() {
        let once = terms(0);
        let months = month_starts(1);
        let renewal = grant(0, "renew:plan:0", 0, LotSource::Allowance);
        let fine = verdict(&once, &months, std::slice::from_ref(&renewal));
        assert!(fine.ok && fine.terms_checked, "{fine:?}");
        assert!(
            fine.notes.iter().all(|n| !n.contains("no setup")),
            "{fine:?}"
        );
        let topup = grant(1, "topup:0", 1, LotSource::Pack);
        let with_topup = verdict(&once, &months, &[renewal.clone(), topup]);
        assert_eq!(count(&with_topup, Invariant::I3), 0, "{with_topup:?}");
        let forged = grant(1, "gift:1", 1, LotSource::Promotion);
        let caught = verdict(&once, &months, &[renewal, forged]);
        assert_eq!(count(&caught, Invariant::I3), 1, "{caught:?}");
    }

    #[test]
    fn a_renewal_the_engine_skipped_is_caught_at_the_accounts_close() {
        let monthly = terms(1);
        let months = month_starts(2);
        let first = grant(0, "renew:plan:0", 0, LotSource::Allowance);
        let missed = verdict(&monthly, &months, &[first]);
        assert_eq!(count(&missed, Invariant::I11), 1, "{missed:?}");
    }
}
