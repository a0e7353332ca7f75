//! The audit of a vendor model against its document: every claim written into the model,
//! checked. Arithmetic claims (a worked example, "~N items", a price per credit) are computed
//! by `pricing`; rule claims (a pack never expires, an allowance does not roll over, an action
//! is unlimited on a plan, warnings fire at the document's levels, ...) are checked here by
//! running the model: accounts from `accounts::account_spec` and `pack_grant`, every
//! operation the ledger's own `Book`. Nothing reads a model field back: a claim carries the
//! document's words and numbers, and the check looks at what the ledger does.
//!
//! A claim that fails is a finding (a document that contradicts itself, or a model that does
//! not do what its document says), never an error.
//!
//! # Layout
//!
//! - `sim`: one account of a model on a `Book`, with the dates every check starts from.
//! - `packs`: expiry, arrival and who may buy a pack.
//! - `allowances`: monthly and upfront grants, add-on units, running out until the reset.
//! - `actions`: unlimited, not entitled, a separate pool, free, refused when short.
//! - `balance`: warnings, a balance shared by a workspace, charge timing.

mod actions;
mod allowances;
mod balance;
mod packs;
mod sim;

use crate::pricing::{Claim, ClaimKind, ClaimResult, ClaimStatus, Finding, Model};

/// Every claim of `model`, checked, in file order.
pub fn audit(model: &Model) -> Vec<ClaimResult> {
    model.claims().iter().map(|c| check(model, c)).collect()
}

/// One claim, checked: computed when arithmetic, run when a rule.
pub fn check(model: &Model, claim: &Claim) -> ClaimResult {
    let finding = model.compute_claim(claim).unwrap_or_else(|| {
        run(model, claim).unwrap_or_else(|why| {
            let checked = "could not be run".to_string();
            Finding::words(claim.says.clone(), why, checked, ClaimStatus::Fails)
        })
    });
    ClaimResult::new(model, claim, finding)
}

/// Runs a rule claim; `Err` says why it could not be run (which fails the claim).
fn run(model: &Model, claim: &Claim) -> Result<Finding, String> {
    use ClaimKind as K;
    match claim.kind {
        K::NeverExpires => packs::never_expires(model, claim),
        K::Expires => packs::expires(model, claim),
        K::Immediate => packs::immediate(model, claim),
        K::RequiresPlan => packs::requires_plan(model, claim),
        K::MonthlyAllowance => allowances::monthly(model, claim),
        K::UpfrontAllowance => allowances::upfront(model, claim),
        K::AddonUnits => allowances::addon_units(model, claim),
        K::RefusedUntilReset => allowances::refused_until_reset(model, claim),
        K::Unlimited => actions::unlimited(model, claim),
        K::NotEntitled => actions::not_entitled(model, claim),
        K::SeparatePool => actions::separate_pool(model, claim),
        K::Free => actions::free(model, claim),
        K::RefusedWhenShort => actions::refused_when_short(model, claim),
        K::Warns => balance::warns(model, claim),
        K::Shared => balance::shared(model, claim),
        K::ChargeTiming => balance::charge_timing(model, claim),
        arithmetic => Err(format!("`{arithmetic:?}` is computed by pricing, not run")),
    }
}

/// How many claims ended with each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Claims whose figure or rule the model reproduces as the document states it.
    pub holds: usize,
    /// Claims the model contradicts: each one is a model bug, and `audit` exits 1.
    pub fails: usize,
    /// The model's readings where the document is silent or ambiguous.
    pub assumed: usize,
    /// Statements the document gives too little to check.
    pub unverifiable: usize,
}

impl Counts {
    /// The counts of `results`.
    pub fn of(results: &[ClaimResult]) -> Counts {
        let count = |v: ClaimStatus| results.iter().filter(|r| r.verdict == v).count();
        Counts {
            holds: count(ClaimStatus::Holds),
            fails: count(ClaimStatus::Fails),
            assumed: count(ClaimStatus::Assumed),
            unverifiable: count(ClaimStatus::Unverifiable),
        }
    }
}
