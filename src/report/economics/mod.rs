//! The report of an economics run: per persona and offer, what accounts paid, what they
//! consumed, what expired unused (breakage), how often they were blocked, what they bought
//! and what one item cost; offers ranked per persona; and the invariant verdict. One
//! [`EconomicsReport`] is printed for people, written as `economics.json` (and `--json`),
//! and drawn as `months.csv` and `report.html`.
//!
//! Per-account figures are means over a persona's accounts: whole numbers when the mean is
//! exact, decimals otherwise; `totals` keeps the exact sums. Money is in cents of the
//! offer's currency (`currency`, `null` when the document names none and the scenario
//! supplies none).

mod build;
mod charts;
mod files;
mod html;
mod money;
mod render;

use serde::Serialize;

use crate::check::{Invariant, Verdict, Violation};
use std::collections::BTreeMap;

pub use files::{EconomicsWriteError, write_economics};
pub use render::render_economics;

/// A per-account mean: an integer when exact, else a decimal (rounded to 4 places).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Mean {
    /// The total divides evenly.
    Exact(u128),
    /// It does not.
    Approx(f64),
}

impl Mean {
    /// `total / count`.
    pub fn of(total: u128, count: u64) -> Mean {
        let count = u128::from(count.max(1));
        match total % count {
            0 => Mean::Exact(total / count),
            _ => Mean::Approx(((total as f64 / count as f64) * 1e4).round() / 1e4),
        }
    }

    /// The value as a float, for display and charts.
    pub fn value(self) -> f64 {
        match self {
            Mean::Exact(n) => n as f64,
            Mean::Approx(x) => x,
        }
    }
}

/// Credits of one pool, per account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreditsReport {
    /// Granted by allowances, add-ons and packs.
    pub granted: Mean,
    /// Charged for generations.
    pub consumed: Mean,
    /// Expired unused (breakage).
    pub expired: Mean,
    /// Left at the end.
    pub remaining: Mean,
}

/// Step outcomes, per account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepsReport {
    /// Items obtained: charged, free or unlimited.
    pub done: Mean,
    /// Failed generations (released, never charged).
    pub failed: Mean,
    /// Refused: too few credits, or not entitled.
    pub blocked: Mean,
    /// Of `blocked`, not entitled on the plan.
    pub not_entitled: Mean,
    /// Of `done`, free actions.
    pub free: Mean,
    /// Of `done`, unlimited on the plan.
    pub unlimited: Mean,
    /// Steps of an intent the vendor cannot serve.
    pub unserved: Mean,
    /// Refused steps retried after a top-up.
    pub retried: Mean,
}

/// One usage line under one offer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UsageReport {
    /// The line as written (`ad length=standard`, `intent short-video`).
    pub line: String,
    /// How the vendor serves it (`video seconds=5`), or `null` when it cannot.
    pub served_as: Option<String>,
    /// Items obtained, per account.
    pub items: Mean,
    /// Credits charged per item obtained.
    pub credits_per_item: Option<f64>,
    /// Cents per item: the line's share of the spend (in proportion to the credits it
    /// consumed) over its items; `null` when the spend is unknown or there were no items.
    pub cents_per_item: Option<f64>,
}

/// One calendar month of a persona under an offer, per account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonthReport {
    /// 1 for the first month.
    pub month: u32,
    /// Spend in the month; `null` when a price in it is unknown.
    pub spend_cents: Option<f64>,
    /// Credits granted, consumed and expired in the main pool.
    pub granted: Mean,
    /// Credits charged for generations in the main pool.
    pub consumed: Mean,
    /// Credits of the main pool that expired unused (breakage).
    pub expired: Mean,
    /// Steps refused in the month: too few credits, or not entitled.
    pub blocked: Mean,
    /// Packs bought (at the start and by top-up).
    pub purchases: Mean,
}

/// Exact sums over a persona's accounts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Totals {
    /// Spend; `null` when a price is unknown.
    pub spend_cents: Option<u128>,
    /// Credits of the main pool.
    pub credits: BTreeMap<&'static str, u64>,
    /// Step outcomes summed over the accounts.
    pub steps: crate::sim::tally::StepCounts,
    /// Packs bought, by id.
    pub purchases: BTreeMap<String, u64>,
}

/// One persona under one offer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonaReport {
    /// The persona's id.
    pub id: String,
    /// The offer's id.
    pub offer: String,
    /// The offer's vendor.
    pub vendor: String,
    /// The offer's plan, if any.
    pub plan: Option<String>,
    /// Seats per account.
    pub seats: u32,
    /// How many accounts ran the persona under this offer.
    pub accounts: u64,
    /// The offer's currency; `null` when unknown.
    pub currency: Option<String>,
    /// Spend per account over the run, rounded to the cent; `null` when a price is unknown.
    pub spend_cents: Option<u128>,
    /// `spend_cents` divided by the months simulated, unrounded; `null` when a price is unknown.
    pub spend_cents_per_month: Option<f64>,
    /// What had no price (`plan pro`, `pack x`).
    pub spend_unknown: Vec<String>,
    /// The main pool's credits, per account.
    pub credits: CreditsReport,
    /// Every pool's credits, per account.
    pub pools: BTreeMap<String, CreditsReport>,
    /// What the expired credits had cost, per account; `null` when a price is unknown.
    pub breakage_cents: Option<f64>,
    /// Step outcomes, per account.
    pub steps: StepsReport,
    /// Packs bought, by id, per account (at the start and by top-up).
    pub purchases: BTreeMap<String, Mean>,
    /// Of `purchases`, those the top-up policy made.
    pub topups: BTreeMap<String, Mean>,
    /// Low-balance warnings, per account.
    pub warnings: Mean,
    /// Per usage line.
    pub usage: Vec<UsageReport>,
    /// Per calendar month.
    pub months: Vec<MonthReport>,
    /// Exact sums over the persona's accounts.
    pub totals: Totals,
}

/// One offer's line in a persona's ranking.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankedOffer {
    /// 1 for the cheapest.
    pub rank: u32,
    /// The `[[offers]]` id.
    pub offer: String,
    /// The offer's vendor model id.
    pub vendor: String,
    /// The vendor model's currency; `null` when the model gives none.
    pub currency: Option<String>,
    /// Spend per account; `null` when unknown (ranked last).
    pub spend_cents: Option<u128>,
    /// Blocked steps per account.
    pub blocked: Mean,
    /// Steps of intents the vendor cannot serve, per account.
    pub unserved: Mean,
    /// Expired credits per account.
    pub expired: Mean,
    /// What they had cost, per account.
    pub breakage_cents: Option<f64>,
    /// The cheapest offer that never blocked a step and serves every intent.
    pub cheapest_never_blocking: bool,
}

/// The offers compared for one persona: those serving every intent first, each group
/// cheapest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ranking {
    /// The `[[personas]]` id the offers are ranked for.
    pub persona: String,
    /// The offers, by spend per account (unknown last), then blocked steps.
    pub offers: Vec<RankedOffer>,
    /// The cheapest offer that never blocks; `null` when every offer blocks or is unpriced.
    pub cheapest_never_blocking: Option<String>,
    /// Whether the offers' currencies differ or are unknown, so that spends do not compare.
    pub currencies_differ: bool,
}

/// Everything an economics run found, as written to `economics.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EconomicsReport {
    /// The scenario's name.
    pub scenario: String,
    /// True when every invariant held.
    pub ok: bool,
    /// The kept violations, by account and event.
    pub violations: Vec<Violation>,
    /// Violations per invariant.
    pub invariants: BTreeMap<Invariant, u64>,
    /// The top-level vendor.
    pub vendor: String,
    /// Calendar months simulated.
    pub months: u32,
    /// The top-level vendor's currency.
    pub currency: Option<String>,
    /// The scenario's `seed`, or `--seed` when given; every account's randomness derives from it.
    pub seed: u64,
    /// The accounts' anchor, `YYYY-MM-DD`.
    pub start: String,
    /// Account-runs (accounts × offers).
    pub accounts: u64,
    /// Steps drawn over every account-run: done, failed, blocked or unserved.
    pub steps: u64,
    /// A deliberate flaw the run was asked to have, if any.
    pub flaw: Option<String>,
    /// Each persona under each offer, in persona then offer order.
    pub personas: Vec<PersonaReport>,
    /// Offers ranked per persona, when the scenario compares offers.
    pub rankings: Vec<Ranking>,
    /// What the checker could not check.
    pub notes: Vec<String>,
    /// The command that reproduces the run.
    pub reproduce: String,
    /// The checker's verdict, for the terminal (its parts above are what JSON carries).
    #[serde(skip)]
    pub verdict: Verdict,
}

impl EconomicsReport {
    /// The exit code: 0 when every invariant held, 1 when one was violated.
    pub fn exit_code(&self) -> u8 {
        match self.ok {
            true => crate::report::Outcome::EXIT_OK,
            false => crate::report::Outcome::EXIT_VIOLATION,
        }
    }
}
