//! A small harness for running one account of a model through the ledger: the account's
//! terms come from `accounts::account_spec`, packs from `accounts::pack_grant`, and every
//! operation is the `Book`'s own. Everything is pure and deterministic, so a rule claim gives
//! the same answer every time.

use chrono::DateTime;

use crate::accounts::{Purchase, account_spec, pack_grant};
use crate::ledger::{
    Book, CommitOutcome, CommitRequest, Credits, Event, EventKind, GrantOutcome, GrantRequest, Key,
    LotSource, ReleaseOutcome, ReleaseRequest, ReserveOutcome, ReserveRequest, TimeMs,
};
use crate::pricing::{Model, Params, Quote};

/// 15 January 2025, 00:00 UTC: where an account starts, so that a monthly cycle renews on the
/// same day of each month.
pub(super) const ANCHOR_MS: TimeMs = 1_736_899_200_000;

/// 31 January 2025, 00:00 UTC: when a pack is bought, so that "N months" is seen to be
/// calendar months (31 January plus one month is 28 February).
pub(super) const PURCHASE_MS: TimeMs = 1_738_281_600_000;

/// A day of virtual time.
pub(super) const DAY_MS: TimeMs = 24 * 3600 * 1000;

/// How long a hold lasts: longer than any claim's step, so none times out.
const TTL_MS: TimeMs = DAY_MS;

/// `2025-01-15`, for the account of what was run.
pub(super) fn date(at_ms: TimeMs) -> String {
    let at = i64::try_from(at_ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis);
    at.map_or_else(
        || format!("{at_ms} ms"),
        |at| at.format("%Y-%m-%d").to_string(),
    )
}

/// `months` calendar months after `at_ms`.
pub(super) fn months_after(at_ms: TimeMs, months: u32) -> Result<TimeMs, String> {
    crate::ledger::calendar::add_months(at_ms, u64::from(months))
        .ok_or_else(|| "a date beyond the calendar".to_string())
}

/// One account of a model, with every event it journaled.
pub(super) struct Sim {
    book: Book,
    anchor_ms: TimeMs,
    plan: Option<String>,
    keys: u64,
    /// Every event, in order.
    pub events: Vec<Event>,
}

impl Sim {
    /// An account on `plan` (none: packs only) with `seats` and `units` add-on units,
    /// started at `anchor_ms`.
    pub(super) fn new(
        model: &Model,
        plan: Option<&str>,
        seats: u32,
        units: u32,
        anchor_ms: TimeMs,
    ) -> Result<Sim, String> {
        let spec = account_spec(model, plan, seats, units, anchor_ms).map_err(|e| e.to_string())?;
        let mut sim = Sim {
            book: Book::new(0, spec),
            anchor_ms,
            plan: plan.map(str::to_string),
            keys: 0,
            events: Vec::new(),
        };
        sim.advance(anchor_ms);
        Ok(sim)
    }

    /// An account with no plan, no packs and nothing granted.
    pub(super) fn empty(model: &Model) -> Result<Sim, String> {
        Sim::new(model, None, 1, 0, ANCHOR_MS)
    }

    fn key(&mut self, what: &str) -> Key {
        self.keys += 1;
        smol_str::format_smolstr!("audit-{what}-{}", self.keys)
    }

    /// Runs everything due by `at_ms`.
    pub(super) fn advance(&mut self, at_ms: TimeMs) {
        let events = self.book.advance(at_ms);
        self.events.extend(events);
    }

    /// Buys `pack` at `at_ms`, as the account's plan allows.
    pub(super) fn buy(&mut self, model: &Model, pack: &str, at_ms: TimeMs) -> Result<(), String> {
        let key = self.key("buy").to_string();
        let purchase = Purchase {
            plan: self.plan.as_deref(),
            anchor_ms: self.anchor_ms,
            at_ms,
        };
        let grant = pack_grant(model, pack, purchase, key).map_err(|e| e.to_string())?;
        self.grant(&grant, at_ms)
    }

    /// Grants `credits` to `pool` at `at_ms`, never expiring: credits to spend where a claim
    /// is about something else than where credits come from.
    pub(super) fn give(
        &mut self,
        pool: &str,
        credits: Credits,
        at_ms: TimeMs,
    ) -> Result<(), String> {
        let grant = GrantRequest {
            key: self.key("give"),
            pool: pool.into(),
            credits,
            source: LotSource::Promotion,
            expires_at_ms: None,
            priority: 0,
        };
        self.grant(&grant, at_ms)
    }

    fn grant(&mut self, grant: &GrantRequest, at_ms: TimeMs) -> Result<(), String> {
        let applied = self.book.grant(grant, at_ms);
        self.events.extend(applied.events);
        match applied.outcome {
            GrantOutcome::Granted { .. } => Ok(()),
            other => Err(format!("the grant was refused: {other:?}")),
        }
    }

    /// Reserves `credits` for `quote`'s action in its pool, at `at_ms`.
    pub(super) fn reserve(
        &mut self,
        quote: &Quote,
        credits: Credits,
        at_ms: TimeMs,
    ) -> (Key, ReserveOutcome) {
        let key = self.key("step");
        let req = ReserveRequest {
            key: key.clone(),
            pool: quote.pool.as_str().into(),
            action: quote.action.as_str().into(),
            credits,
            ttl_ms: TTL_MS,
        };
        let applied = self.book.reserve(&req, at_ms);
        self.events.extend(applied.events);
        (key, applied.outcome)
    }

    /// Commits `credits` of the hold under `key`.
    pub(super) fn commit(&mut self, key: &Key, credits: Credits, at_ms: TimeMs) -> CommitOutcome {
        let req = CommitRequest {
            key: key.clone(),
            credits,
        };
        let applied = self.book.commit(&req, at_ms);
        self.events.extend(applied.events);
        applied.outcome
    }

    /// Releases the hold under `key`: a failed generation.
    pub(super) fn release(&mut self, key: &Key, at_ms: TimeMs) -> ReleaseOutcome {
        let req = ReleaseRequest { key: key.clone() };
        let applied = self.book.release(&req, at_ms);
        self.events.extend(applied.events);
        applied.outcome
    }

    /// Reserves and commits `credits` for `quote`'s action; the reserve's outcome.
    pub(super) fn spend(
        &mut self,
        quote: &Quote,
        credits: Credits,
        at_ms: TimeMs,
    ) -> ReserveOutcome {
        let (key, outcome) = self.reserve(quote, credits, at_ms);
        if matches!(outcome, ReserveOutcome::Reserved { .. }) {
            self.commit(&key, credits, at_ms);
        }
        outcome
    }

    /// The pool's available balance (held credits excluded).
    pub(super) fn available(&self, pool: &str) -> Credits {
        self.book.balance(pool).available
    }

    /// The grants journaled so far from `source`: (time, credits, expiry).
    pub(super) fn grants(&self, source: LotSource) -> Vec<(TimeMs, Credits, Option<TimeMs>)> {
        (self.events.iter())
            .filter_map(|e| match &e.kind {
                EventKind::Granted {
                    source: s,
                    credits,
                    expires_at_ms,
                    ..
                } if *s == source => Some((e.at_ms, *credits, *expires_at_ms)),
                _ => None,
            })
            .collect()
    }
}

/// `action` with `params` quoted, or the reason it cannot be.
pub(super) fn quote(model: &Model, action: &str, params: &Params) -> Result<Quote, String> {
    model.quote(action, params).map_err(|e| e.to_string())
}

/// A reserve's outcome in a few words.
pub(super) fn outcome(outcome: &ReserveOutcome) -> String {
    match outcome {
        ReserveOutcome::Reserved { held, .. } => format!("held {held}"),
        ReserveOutcome::Unlimited => "unlimited: nothing held".to_string(),
        ReserveOutcome::Insufficient {
            available,
            requested,
        } => format!("refused: {available} available, {requested} asked"),
        ReserveOutcome::NotEntitled => "refused: not entitled".to_string(),
        ReserveOutcome::KeyConflict => "key conflict".to_string(),
    }
}

/// Parameters that price `action`: each one's default, else its first word, else its least
/// number (at least 1, so that a per-unit cost is not zero).
fn some_params(action: &crate::pricing::Action) -> Params {
    (action.params.iter())
        .map(|(name, p)| {
            let value = match (&p.default, &p.values) {
                (Some(d), _) => d.to_string(),
                (None, Some(values)) => values.first().cloned().unwrap_or_default(),
                (None, None) => p.min.unwrap_or(0).max(1).to_string(),
            };
            (name.clone(), value)
        })
        .collect()
}

/// An action that `plan` is charged for, drawing on the plan's pool: something to spend an
/// allowance on when a claim is about the allowance, not the action.
pub(super) fn charged_action(model: &Model, plan: &str) -> Result<Quote, String> {
    let pool = &model.plan(plan).map_err(|e| e.to_string())?.pool;
    for action in model.actions() {
        let params = some_params(action);
        let Ok(on) = model.quote_on(plan, &action.id, &params) else {
            continue;
        };
        let charged = on.on_plan == crate::pricing::OnPlan::Charged;
        if charged && on.quote.pool == *pool && on.quote.credits.max > 0 {
            return Ok(on.quote);
        }
    }
    Err(format!("plan {plan} is charged for no action in its pool"))
}
