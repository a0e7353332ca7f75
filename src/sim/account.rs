//! One account from its first month to its last: the discrete events of its life (month
//! starts with their renewals and expiries, steps, purchases, the close) applied to its
//! `Book` in time order, each event checked and counted as it is journaled.

use crate::accounts::{Purchase, pack_grant};
use crate::check::{StepRecord, Told};
use crate::ledger::{
    AccountId, Book, CommitRequest, Credits, Event, EventKind, GrantRequest, Key, LotSource,
    ReleaseRequest, ReserveOutcome, ReserveRequest, TimeMs,
};

use super::audit::topups::TOPUP_KEY_PREFIX;
use super::audit::{AccountAudit, ShardAudit};
use super::config::{Flaw, Line, Served};
use super::demand::{Demand, Drawn, step_time};
use super::plan::CellPlan;

use super::policy::Policy;
use super::tally::{CLASS_ADDON, CLASS_ALLOWANCE, CLASS_PACKS, CellTally, StepCounts};

/// How long a hold may stay open. Steps take no virtual time here, so no hold outlives a
/// step; the ttl only bounds a bug.
const HOLD_TTL_MS: TimeMs = 3_600_000;

/// Buffers one thread reuses from account to account.
#[derive(Default)]
pub(super) struct Scratch {
    events: Vec<Event>,
    drawn: Vec<Drawn>,
}

/// What one step came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Charged(Credits),
    Failed,
    Unlimited,
    Insufficient,
    NotEntitled,
}

/// One reserve and its close.
struct Attempt {
    outcome: Outcome,
    /// Whether a charge was made (the top-up policy watches charges).
    committed: bool,
}

struct AccountRun<'p> {
    plan: &'p CellPlan,
    account: AccountId,
    book: Book,
    audit: AccountAudit<'p>,
    policy: Policy<'p>,
    /// The lot class of each lot, by lot id (ids are dense from 0 in grant order).
    lot_class: Vec<u8>,
    /// The class of the pack being granted, for the `Granted` event it produces.
    pack_class: u8,
    month: usize,
    steps: u64,
    topups: u64,
}

/// Simulates account `index` of the cell that `plan` prepares, adding its counts to
/// `tally` and its checks to `audit`.
pub(super) fn simulate(
    plan: &CellPlan,
    index: u32,
    scratch: &mut Scratch,
    tally: &mut CellTally,
    audit: &mut ShardAudit,
) {
    let account = plan.first_account + index;
    let mut run = AccountRun {
        plan,
        account,
        book: Book::new(account, plan.terms.spec.clone()),
        audit: AccountAudit::new(
            account,
            &plan.terms,
            plan.topup.as_ref(),
            &plan.month_starts,
        ),
        policy: Policy::new(plan.topup.as_ref(), plan.flaw == Some(Flaw::TopupLoop)),
        lot_class: Vec::new(),
        pack_class: 0,
        month: 0,
        steps: 0,
        topups: 0,
    };
    run.buy_start_packs(scratch, tally);
    let mut demand = Demand::new(plan.seed, plan.persona, index);
    let months = plan.month_starts.len() - 1;
    for month in 0..months {
        run.start_month(month, scratch, tally);
        demand.month(&plan.draws, &mut scratch.drawn);
        let (start, end) = (plan.month_starts[month], plan.month_starts[month + 1]);
        let n = scratch.drawn.len();
        for i in 0..n {
            let drawn = scratch.drawn[i];
            run.step(step_time(start, end, i, n), drawn, scratch, tally);
        }
    }
    run.close(scratch, tally);
    run.audit.finish(audit);
}

impl AccountRun<'_> {
    fn buy_start_packs(&mut self, scratch: &mut Scratch, tally: &mut CellTally) {
        let plan = self.plan;
        for (&pack, grant) in plan.start_packs.iter().zip(&plan.terms.grants) {
            self.apply_pack(pack, grant, plan.month_starts[0], scratch, tally);
            tally.start_packs[pack] += 1;
        }
    }

    /// Moves the account to the start of `month`: last month's lots expire and this
    /// month's renewals are granted.
    fn start_month(&mut self, month: usize, scratch: &mut Scratch, tally: &mut CellTally) {
        self.month = month;
        if month > 0 {
            let at = self.plan.month_starts[month];
            self.book.advance_into(at, &mut scratch.events);
            self.absorb(month - 1, scratch, tally);
        }
        self.policy.new_month();
        if let Some(topup) = self.policy.topup() {
            self.policy
                .observe(self.book.balance(&topup.pool).available);
        }
    }

    fn step(&mut self, at_ms: TimeMs, drawn: Drawn, scratch: &mut Scratch, tally: &mut CellTally) {
        let plan = self.plan;
        let outcome = match &plan.lines[drawn.line] {
            Line::Unserved => None,
            Line::Served(served) if served.cost.max == 0 => Some(None),
            Line::Served(served) => Some(Some(
                self.attempt_with_topup(served, drawn, at_ms, scratch, tally),
            )),
        };
        let mut counts = StepCounts::default();
        let mut credits = 0;
        match outcome {
            None => counts.unserved = 1,
            Some(None) => {
                counts.done = 1;
                counts.free = 1;
            }
            Some(Some((outcome, retried))) => {
                counts.retried = u64::from(retried);
                match outcome {
                    Outcome::Charged(charged) => {
                        counts.done = 1;
                        credits = charged;
                    }
                    Outcome::Failed => counts.failed = 1,
                    Outcome::Unlimited => {
                        counts.done = 1;
                        counts.unlimited = 1;
                    }
                    Outcome::Insufficient => counts.blocked = 1,
                    Outcome::NotEntitled => {
                        counts.blocked = 1;
                        counts.not_entitled = 1;
                    }
                }
            }
        }
        tally.months[self.month].steps.add(&counts);
        let line = &mut tally.lines[drawn.line];
        line.steps.add(&counts);
        line.credits += credits;
    }

    /// A step, with the top-up policy around it: a purchase on a refusal (then one retry),
    /// or after a charge that leaves the balance low. Returns the outcome and whether the
    /// step was retried.
    fn attempt_with_topup(
        &mut self,
        served: &Served,
        drawn: Drawn,
        at_ms: TimeMs,
        scratch: &mut Scratch,
        tally: &mut CellTally,
    ) -> (Outcome, bool) {
        let key = self.plan.keys.step(self.steps);
        self.steps += 1;
        let mut attempt = self.attempt(served, key, drawn, at_ms, scratch, tally);
        let mut retried = false;
        let watched = self.policy.topup().filter(|t| t.pool == served.pool);
        if let Some(topup) = watched {
            if attempt.outcome == Outcome::Insufficient && self.policy.after_refusal() {
                self.buy_topup(at_ms, scratch, tally);
                let retry = self.plan.keys.retry(self.steps - 1);
                attempt = self.attempt(served, retry, drawn, at_ms, scratch, tally);
                retried = true;
            }
            if attempt.committed {
                let available = self.book.balance(&topup.pool).available;
                if self.policy.after_charge(available) {
                    self.buy_topup(at_ms, scratch, tally);
                }
            }
        }
        (attempt.outcome, retried)
    }

    /// Reserve, then commit the actual cost or release a failed generation; the step's
    /// record (what the user was told) goes to the checker.
    fn attempt(
        &mut self,
        served: &Served,
        key: Key,
        drawn: Drawn,
        at_ms: TimeMs,
        scratch: &mut Scratch,
        tally: &mut CellTally,
    ) -> Attempt {
        let reserve = ReserveRequest {
            key: key.clone(),
            pool: served.pool.clone(),
            action: served.action.clone(),
            credits: served.cost.max,
            ttl_ms: HOLD_TTL_MS,
        };
        let events = &mut scratch.events;
        let refused = |outcome| (outcome, false, Told::NotCharged);
        let (outcome, committed, told) = match self.book.reserve_into(&reserve, at_ms, events) {
            // Only the charge-failed flaw commits a failed generation.
            ReserveOutcome::Reserved { .. }
                if drawn.fails && self.plan.flaw != Some(Flaw::ChargeFailed) =>
            {
                let release = ReleaseRequest { key: key.clone() };
                self.book.release_into(&release, at_ms, events);
                (Outcome::Failed, false, Told::NotCharged)
            }
            ReserveOutcome::Reserved { .. } => {
                let credits = served.sampler.sample(drawn.unit);
                let commit = CommitRequest {
                    key: key.clone(),
                    credits,
                };
                self.book.commit_into(&commit, at_ms, events);
                let outcome = match drawn.fails {
                    true => Outcome::Failed,
                    false => Outcome::Charged(credits),
                };
                (outcome, true, Told::Charged(credits))
            }
            ReserveOutcome::Unlimited => refused(Outcome::Unlimited),
            ReserveOutcome::Insufficient { .. } => refused(Outcome::Insufficient),
            ReserveOutcome::NotEntitled => refused(Outcome::NotEntitled),
            ReserveOutcome::KeyConflict => unreachable!("the engine never reuses a key"),
        };
        self.absorb(self.month, scratch, tally);
        self.audit.observe_step(&StepRecord {
            agent: 0,
            account: self.account,
            key,
            action: served.action.clone(),
            params: served.params.clone(),
            quote_min: served.cost.min,
            quote_max: served.cost.max,
            failed: drawn.fails,
            told,
        });
        Attempt { outcome, committed }
    }

    fn buy_topup(&mut self, at_ms: TimeMs, scratch: &mut Scratch, tally: &mut CellTally) {
        let Some(pack) = self.plan.topup_pack else {
            return;
        };
        let key = format!("{TOPUP_KEY_PREFIX}{}", self.topups);
        self.topups += 1;
        self.grant_pack(pack, key, at_ms, scratch, tally);
        self.policy.bought();
        tally.topups[pack] += 1;
        if let Some(topup) = self.policy.topup() {
            self.policy
                .observe(self.book.balance(&topup.pool).available);
        }
    }

    /// Buys pack `pack` (the model's index) at `at_ms` under `key`.
    fn grant_pack(
        &mut self,
        pack: usize,
        key: String,
        at_ms: TimeMs,
        scratch: &mut Scratch,
        tally: &mut CellTally,
    ) {
        let model = &self.plan.model;
        let purchase = Purchase {
            plan: self.plan.plan.as_deref(),
            anchor_ms: self.plan.month_starts[0],
            at_ms,
        };
        let id = &model.packs()[pack].id;
        let grant = pack_grant(model, id, purchase, key).expect("checked when the scenario loaded");
        self.apply_pack(pack, &grant, at_ms, scratch, tally);
    }

    /// Grants one pack bought at `at_ms`, counting its lot to the pack's class.
    fn apply_pack(
        &mut self,
        pack: usize,
        grant: &GrantRequest,
        at_ms: TimeMs,
        scratch: &mut Scratch,
        tally: &mut CellTally,
    ) {
        self.pack_class = (CLASS_PACKS + pack) as u8;
        self.book.grant_into(grant, at_ms, &mut scratch.events);
        self.absorb(self.month, scratch, tally);
        tally.months[self.month].purchases[pack] += 1;
    }

    /// Ends the account at the end of its last month: lots expiring then expire, no
    /// renewal is granted.
    fn close(&mut self, scratch: &mut Scratch, tally: &mut CellTally) {
        let end = *self.plan.month_starts.last().expect("at least one month");
        self.book.close_into(end, &mut scratch.events);
        self.absorb(self.month, scratch, tally);
        for (i, pool) in self.plan.pools.iter().enumerate() {
            let totals = self.book.totals(pool);
            tally.pools[i].remaining += totals.remaining;
            tally.pools[i].held += totals.held;
        }
        tally.accounts += 1;
    }

    /// Checks and counts the events just journaled; expiries count to `expiry_month` (the
    /// month that ended, for those at a boundary), everything else to the current month.
    fn absorb(&mut self, expiry_month: usize, scratch: &mut Scratch, tally: &mut CellTally) {
        for event in scratch.events.drain(..) {
            self.audit.observe(&event);
            self.count(&event, expiry_month, tally);
        }
    }

    fn count(&mut self, event: &Event, expiry_month: usize, tally: &mut CellTally) {
        let plan = self.plan;
        let main = plan.main_pool;
        match &event.kind {
            EventKind::Granted {
                pool,
                credits,
                source,
                ..
            } => {
                let class = match source {
                    LotSource::Allowance => CLASS_ALLOWANCE as u8,
                    LotSource::Addon => CLASS_ADDON as u8,
                    LotSource::Pack | LotSource::Promotion => self.pack_class,
                };
                self.lot_class.push(class);
                let p = plan.pool_index(pool);
                tally.pools[p].granted += credits;
                if p == main {
                    tally.months[self.month].granted += credits;
                }
            }
            EventKind::Committed { pool, charged, .. } => {
                let p = plan.pool_index(pool);
                tally.pools[p].consumed += charged;
                if p == main {
                    tally.months[self.month].consumed += charged;
                }
            }
            EventKind::Expired { pool, lot, credits } => {
                let p = plan.pool_index(pool);
                tally.pools[p].expired += credits;
                let month = &mut tally.months[expiry_month];
                let class = self.lot_class[*lot as usize] as usize;
                month.expired_by_class[class] += credits;
                if p == main {
                    month.expired += credits;
                }
            }
            EventKind::Warning { .. } => tally.warnings += 1,
            _ => {}
        }
    }
}
