//! The invariant checker (I1–I11 of DESIGN.md). It trusts nothing the ledger says: it rebuilds
//! every lot, pool and hold from the journal events and checks each event against that
//! rebuilt state, then holds the ledger to what the user agents were told.
//!
//! One implementation runs two ways. Online, the runner feeds a [`Checker`] events as the
//! accounts produce them (each account's in `seq` order, accounts interleaved in any way) and
//! steps as agents finish them, before or after their events. Offline, [`check_journal`] feeds
//! the same `Checker` from a saved `journal.csv` and `steps.csv`. Violations are ordered and
//! capped by account and event, never by arrival, so both give the same verdict. Accounts
//! are independent, so a run may also shard checking by account: one `Checker` per shard
//! (each told [`Checker::expect_steps`] when the run records steps), combined with
//! [`Verdict::merge`] into the verdict a single checker would give.
//!
//! The checker keeps every key of the run, so memory grows with the number of keys (a few
//! hundred bytes each, with its step); violations are capped (see [`DEFAULT_VIOLATION_CAP`]).
//!
//! What each invariant checks:
//!
//! - **I1** no lot goes below zero at any event (a reserve or expiry taking more than a lot
//!   holds), and no close charges or returns more for a lot than its hold took from it. A
//!   pool's balance is the sum of its lots, so it cannot go negative unless a lot does.
//! - **I2** a key opens at most once (`reserved`, `rejected` or `unlimited`), a hold is closed
//!   at most once, a key is charged at most once, a grant key is granted at most once. Keys
//!   are kept for the whole run, whatever the ledger's retention window.
//! - **I3** per account and pool, after every event, granted equals charged plus expired plus
//!   remaining plus held, where each side comes from a different part of the events (grants,
//!   the charged amounts, expiries, lot-by-lot draws and returns, the held amounts). Also:
//!   every close accounts for each credit its hold took, lot by lot; draws name granted lots
//!   of the same pool; closes name an existing hold; `seq` runs from 0 without gaps or
//!   repeats (a gap could hide credits created or destroyed; a repeated event is reported and
//!   not applied).
//! - **I4** a step its agent saw fail is never committed.
//! - **I5** a key's charge lies within its step's quote.
//! - **I6** at the end, no hold is open.
//! - **I7** an agent told it was charged `x` was charged exactly `x`; one told it was not
//!   charged was charged nothing; one without a definite answer (`Told::Unknown`) accepts
//!   either; and when steps are given, every charged key has a step.
//! - **I8** a reserve refused as `Insufficient` asked for more than the pool's rebuilt
//!   balance at that event (a database that reports a serialization failure as
//!   "insufficient" breaks it).
//! - **I9** a reserve draws only from lots that are effective and not expired at its time;
//!   and within an account the journal's time never goes back, since every judgement of
//!   time (draws, deadlines, expiries, renewals) rests on it.
//! - **I10** a reserve's draws are exactly those the consumption order gives: the drawable
//!   lots of its pool by earliest expiry (never-expiring last), then lowest priority, then
//!   oldest grant, each drained before the next.
//! - **I11** an `expired` event comes at or after its lot's expiry, and once the journal's
//!   time (or the run's end) has passed a lot's expiry the lot is empty. Given the run's
//!   setup ([`RunSetup`], `setup.json`), each allowance and add-on is granted exactly once per
//!   cycle, at its boundary, with the terms' credits and expiry, and every renewal due
//!   before the run's end was granted.
//!
//! With a setup, every grant must also be explained: a scheduled renewal (I11), or a grant
//! the setup lists under that key with the same credits and terms; anything else is credits
//! from nowhere (I3). Grants are checked arithmetic: a pool's lifetime total that passes
//! `u64::MAX` is I3 too. A commit or release at or after its hold's deadline, or a timeout
//! at any other time, closed the hold the wrong way (I2).

mod agents;
mod lots;
mod replay;
mod schedule;
mod setup;
mod state;
mod timeline;
mod verdict;

pub use crate::journal::{StepRecord, Told};
pub use setup::{AccountTerms, RunSetup, SETUP_FILE, SetupError};
pub use timeline::render_timeline;
pub(crate) use verdict::Violations;
pub use verdict::{Invariant, InvariantSummary, Verdict, Violation};

use crate::fastmap::FastMap;
use crate::ledger::{AccountId, Event, EventKind, TimeMs};
use schedule::Terms;
use state::Report;
use state::{Account, At};

/// How many violations a verdict keeps by default; the rest are counted, not stored.
pub(crate) const DEFAULT_VIOLATION_CAP: usize = 1000;

/// The incremental checker: feed it events and steps in any interleaving, then `finish`.
pub struct Checker {
    accounts: FastMap<AccountId, Account>,
    violations: Violations,
    events: u64,
    steps: u64,
    holds: u64,
    charges: u64,
    unknown_steps: u64,
    steps_expected: bool,
    /// Whether accounts are judged against terms: set by [`Checker::with_setup`]. An
    /// account without terms then has none, so every grant it gets is unexplained.
    terms_given: bool,
    /// Where the run closed its accounts, once known.
    end_ms: Option<TimeMs>,
    /// Why the run is known not to have finished, if it is (see [`Checker::unfinished`]).
    unfinished: Option<String>,
    /// Notes the caller adds to the verdict, such as a torn last line.
    notes: Vec<String>,
}

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

impl Checker {
    /// A checker that keeps the first [`DEFAULT_VIOLATION_CAP`] violations.
    pub fn new() -> Self {
        Checker::with_violation_cap(DEFAULT_VIOLATION_CAP)
    }

    /// A checker that keeps at most `cap` violations (all are counted), so that a badly
    /// broken ledger cannot exhaust memory.
    pub fn with_violation_cap(cap: usize) -> Self {
        Checker {
            accounts: FastMap::default(),
            violations: Violations::new(cap),
            events: 0,
            steps: 0,
            holds: 0,
            charges: 0,
            unknown_steps: 0,
            steps_expected: false,
            terms_given: false,
            end_ms: None,
            unfinished: None,
            notes: Vec::new(),
        }
    }

    /// Judges grants and renewals against what the run was set up with: each account's
    /// terms (an account the setup lacks has none), and the run's end when it records one.
    /// A checker that shards by account gives only its own accounts
    /// ([`Checker::with_terms`]).
    pub fn with_setup(mut self, setup: &RunSetup) -> Self {
        for (id, terms) in setup.accounts.iter().enumerate() {
            self = self.with_terms(id as AccountId, terms);
        }
        if let Some(end_ms) = setup.end_ms {
            self.close_at(end_ms);
        }
        self.terms_given = true;
        self
    }

    /// Judges one account's grants and renewals against `terms`.
    pub(crate) fn with_terms(self, account: AccountId, terms: &AccountTerms) -> Self {
        self.judged_by(account, Terms::new(terms))
    }

    /// Judges one account's grants and renewals against `terms`, as [`Checker::with_terms`]
    /// does, except the grants whose key starts with `purchase_prefix`: purchases made
    /// during the run, which the caller audits against its own rules.
    pub(crate) fn with_terms_and_purchases(
        self,
        account: AccountId,
        terms: &AccountTerms,
        purchase_prefix: &'static str,
    ) -> Self {
        let judged = Terms::new(terms).with_purchases_under(purchase_prefix);
        self.judged_by(account, judged)
    }

    fn judged_by(mut self, account: AccountId, terms: Terms) -> Self {
        let state = self.accounts.entry(account).or_default();
        state.terms = Some(Box::new(terms));
        self.terms_given = true;
        self
    }

    /// Tells the checker where the run closed its accounts, so that `finish` also demands
    /// every renewal due before then and every expiry due by then.
    pub(crate) fn close_at(&mut self, end_ms: TimeMs) {
        self.end_ms = Some(end_ms);
    }

    /// Declares that the run had not finished when its files were read (it was killed, or is
    /// still running), for the reason `why`. What had not happened yet is then no violation:
    /// I6 (a hold still open) and the I7 checks that need a key's whole history (a charge
    /// whose step was not yet written, a step told "charged" whose commit was not yet
    /// written) are skipped, and the verdict says so in a note. Everything else is judged.
    pub fn unfinished(&mut self, why: impl Into<String>) {
        self.unfinished = Some(why.into());
    }

    /// Adds a note to the verdict, such as what was left unread.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Checks one event. An account's events must come in the order the ledger produced them.
    pub fn observe(&mut self, event: &Event) {
        self.events += 1;
        match event.kind {
            EventKind::Reserved { .. } => self.holds += 1,
            EventKind::Committed { .. } => self.charges += 1,
            _ => {}
        }
        let terms_given = self.terms_given;
        let account = self
            .accounts
            .entry(event.account)
            .or_insert_with(|| Account {
                terms: terms_given.then(|| Box::new(Terms::new(&AccountTerms::default()))),
                ..Account::default()
            });
        let mut report = Report {
            at: At {
                account: event.account,
                seq: event.seq,
                at_ms: event.at_ms,
            },
            sink: &mut self.violations,
            reported: false,
        };
        account.apply(event, &mut report);
    }

    /// Records what an agent was told about one key; checked against the ledger at `finish`.
    pub fn observe_step(&mut self, step: &StepRecord) {
        self.steps += 1;
        if step.told == Told::Unknown {
            self.unknown_steps += 1;
        }
        let state = self
            .accounts
            .entry(step.account)
            .or_default()
            .key_state(&step.key);
        match &state.step {
            Some(first) => {
                let (a, b) = (first.agent.min(step.agent), first.agent.max(step.agent));
                self.violations.push(Violation {
                    invariant: Invariant::I7,
                    account: step.account,
                    key: Some(step.key.clone()),
                    seq: None,
                    at_ms: None,
                    credits: 0,
                    message: format!(
                        "key {} recorded by more than one step (agents {a} and {b})",
                        step.key
                    ),
                });
            }
            None => state.step = Some(agents::step_view(step)),
        }
    }

    /// Declares that the run records agents' steps, so that a charge without a step is an I7
    /// violation even when this checker saw no step at all: needed when a run shards its
    /// checking by account and some shard's agents never finished a step.
    pub fn expect_steps(&mut self) {
        self.steps_expected = true;
    }

    /// Runs the end-of-run checks (I4–I7, and I11 at the run's end when it is known) and
    /// returns the verdict.
    pub fn finish(mut self) -> Verdict {
        let steps_checked = self.steps > 0 || self.steps_expected;
        let ended = agents::Ended {
            steps_given: steps_checked,
            finished: self.unfinished.is_none(),
        };
        for (id, account) in &mut self.accounts {
            for (key, index) in &account.keys {
                let state = account.key_states.get(*index);
                agents::check_key(*id, key, state, ended, &mut self.violations);
            }
            if let Some(end_ms) = self.end_ms {
                lots::check_end(*id, account, end_ms, &mut self.violations);
            }
        }
        let total = self.violations.total();
        let (counts, summaries, violations, cap) = self.violations.into_parts();
        let mut verdict = Verdict {
            ok: total == 0,
            summaries,
            violations_dropped: total - violations.len() as u64,
            violations,
            violations_total: total,
            violations_cap: cap,
            counts,
            events: self.events,
            steps: self.steps,
            steps_checked,
            terms_checked: self.terms_given,
            unknown_steps: self.unknown_steps,
            accounts: self.accounts.len() as u64,
            holds: self.holds,
            charges: self.charges,
            notes: Vec::new(),
        };
        verdict.notes = self.notes;
        if let Some(why) = self.unfinished {
            verdict.notes.push(format!(
                "the run had not finished ({why}): I6 (holds left open) and I7 for keys whose \
                 charge or step was not yet written were not checked"
            ));
        }
        verdict.notes.extend(verdict.derive_notes());
        verdict
    }
}

/// Checks a saved journal and the agents' steps with the same [`Checker`] the runner uses
/// online: events in the given order, then steps.
pub fn check_journal<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    steps: impl IntoIterator<Item = &'a StepRecord>,
) -> Verdict {
    let mut checker = Checker::new();
    events.into_iter().for_each(|event| checker.observe(event));
    steps
        .into_iter()
        .for_each(|step| checker.observe_step(step));
    checker.finish()
}
