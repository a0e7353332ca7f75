//! What loading checks of each claim: the fields its kind needs are there, every plan, pack,
//! pool and action it names exists (and each action prices with its parameters), and an
//! arithmetic claim computes. A claim that fails is a finding; one that cannot be checked at
//! all is a mistake in the file, reported with its line and field.

use super::compute;
use crate::pricing::Model;
use crate::pricing::schema::params_of;
use crate::pricing::schema::{Claim, ClaimKind, DocValue, Item};

/// `Err((field, message))` when `claim` lacks a field its kind needs.
pub(crate) fn fields(c: &Claim) -> Result<(), (String, String)> {
    use ClaimKind as K;
    let field = |name: &str| format!("claims[{}].{name}", c.id);
    let kind = format!("{:?}", c.kind);
    let missing = |name: &str| {
        (
            field(name),
            format!("a `{kind}` claim needs `{name}`").to_lowercase(),
        )
    };
    let need = |present: bool, name: &str| if present { Ok(()) } else { Err(missing(name)) };
    let numeric = matches!(c.doc, Some(DocValue::Amount(_)));
    if c.unit == Some(0) {
        return Err((field("unit"), "`unit` must be at least 1".to_string()));
    }
    match c.kind {
        K::Quote | K::Per => need(c.action.is_some(), "action").and(need(numeric, "doc")),
        K::Sum => need(!c.items.is_empty(), "items").and(need(numeric, "doc")),
        K::Fits => need(c.action.is_some(), "action").and(need(!c.budgets.is_empty(), "budgets")),
        K::UnitPrice => need(c.pack.is_some(), "pack").and(need(c.doc.is_some(), "doc")),
        K::BestValue => need(c.pack.is_some(), "pack"),
        K::NeverExpires | K::Immediate => need(!c.packs.is_empty(), "packs"),
        K::Expires => need(!c.packs.is_empty(), "packs").and(need(c.months.is_some(), "months")),
        K::MonthlyAllowance => need(c.plan.is_some(), "plan").and(need(numeric, "doc")),
        K::UpfrontAllowance => need(c.plan.is_some(), "plan")
            .and(need(numeric, "doc"))
            .and(need(c.months.is_some(), "months")),
        K::AddonUnits => need(c.plan.is_some(), "plan")
            .and(need(c.pack.is_some(), "pack"))
            .and(need(c.units.is_some(), "units"))
            .and(need(numeric, "doc")),
        K::RequiresPlan => {
            need(!c.packs.is_empty(), "packs").and(need(!c.plans.is_empty(), "plans"))
        }
        K::Unlimited => need(c.action.is_some(), "action").and(need(!c.plans.is_empty(), "plans")),
        K::NotEntitled => {
            need(c.plan.is_some(), "plan").and(need(!c.actions.is_empty(), "actions"))
        }
        K::SeparatePool => need(c.action.is_some(), "action")
            .and(need(c.pool.is_some(), "pool"))
            .and(need(!c.actions.is_empty(), "actions")),
        K::Free => need(!c.actions.is_empty(), "actions"),
        K::RefusedWhenShort => need(c.action.is_some(), "action"),
        K::RefusedUntilReset => {
            need(c.plan.is_some(), "plan").and(need(c.action.is_some(), "action"))
        }
        K::Warns => need(!c.levels.is_empty(), "levels")
            .and(need(c.pack.is_some() || c.plan.is_some(), "pack"))
            .and(need(c.action.is_some(), "action")),
        K::Shared => need(c.pack.is_some(), "pack").and(need(c.action.is_some(), "action")),
        K::ChargeTiming => {
            need(c.timing.is_some(), "timing").and(need(c.action.is_some(), "action"))
        }
        K::Assumed => need(c.reading.is_some(), "reading"),
        K::Unverifiable => need(c.why.is_some(), "why"),
        K::FixedCosts | K::NoPacks => Ok(()),
    }
}

/// `Err(message)` when `claim` names something the model lacks, or an arithmetic claim
/// cannot be computed.
pub(crate) fn references(model: &Model, c: &Claim) -> Result<(), String> {
    let plans = c.plan.iter().chain(&c.plans).chain(&c.others);
    let budget_plans = c.budgets.iter().filter_map(|b| b.plan.as_ref());
    for plan in plans.chain(budget_plans) {
        model.plan(plan).map_err(|e| e.to_string())?;
    }
    let budget_packs = c.budgets.iter().filter_map(|b| b.pack.as_ref());
    for pack in c.pack.iter().chain(&c.packs).chain(budget_packs) {
        let known = (model.packs().iter().map(|p| &p.id))
            .chain(model.incomplete_packs().iter().map(|p| &p.id))
            .any(|id| id == pack);
        if !known {
            model.pack(pack).map_err(|e| e.to_string())?;
        }
    }
    if let Some(pool) = &c.pool
        && !model.pools().iter().any(|p| p.id == *pool)
    {
        return Err(format!("unknown pool `{pool}`"));
    }
    if let Some(action) = &c.action
        && c.kind != ClaimKind::Per
    {
        model
            .quote(action, &params_of(&c.params))
            .map_err(|e| e.to_string())?;
    }
    for item in c.actions.iter().chain(&c.items) {
        check_item(model, item)?;
    }
    if !c.kind.is_rule() {
        compute(model, c)?;
    }
    Ok(())
}

fn check_item(model: &Model, item: &Item) -> Result<(), String> {
    let action = model.action(&item.action).map_err(|e| e.to_string())?;
    if item.mix.is_some() {
        return Ok(());
    }
    model
        .quote(&action.id, &params_of(&item.params))
        .map(drop)
        .map_err(|e| e.to_string())
}
