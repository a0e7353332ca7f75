//! "~N items" statements: how many of an action a plan's allowance or a pack buys. A document
//! that gives several such figures for one action has used one cost and one rounding for all
//! of them, so a group holds only when one rounding (down, to nearest, or up) of credits ÷
//! cost gives every figure. The check also finds which whole costs would give them all,
//! which names the price a document's figures were computed with (VideoDraft's "~N Kling
//! videos" fit 30 credits a video, not the table's 25).

use super::{ClaimStatus, Finding};
use crate::pricing::schema::params_of;
use crate::pricing::schema::{Budget, Claim};
use crate::pricing::{Cost, Model, OnPlan};

/// How a quotient of whole numbers is made whole.
#[derive(Clone, Copy)]
enum Rounding {
    Down,
    Nearest,
    Up,
}

const ROUNDINGS: [(Rounding, &str); 3] = [
    (Rounding::Down, "down"),
    (Rounding::Nearest, "to nearest"),
    (Rounding::Up, "up"),
];

impl Rounding {
    /// `credits ÷ cost` made whole; `cost` is at least 1.
    fn items(self, credits: u64, cost: u64) -> u64 {
        match self {
            Rounding::Down => credits / cost,
            // Half up: ⌊(2·credits + cost) ÷ 2·cost⌋, in u128 so that nothing overflows.
            Rounding::Nearest => {
                let (credits, cost) = (u128::from(credits), u128::from(cost));
                ((2 * credits + cost) / (2 * cost)) as u64
            }
            Rounding::Up => credits.div_ceil(cost),
        }
    }
}

/// One budget, resolved: its name, its credits, and the action's cost against it (`None`
/// when the plan makes the action unlimited, so the budget does not bound it).
struct Resolved {
    name: String,
    credits: u64,
    cost: Option<Cost>,
    doc: u64,
}

fn resolve(model: &Model, claim: &Claim, budget: &Budget) -> Result<Resolved, String> {
    let action = claim.action.as_deref().unwrap_or_default();
    let params = params_of(&claim.params);
    let list = model.quote(action, &params).map_err(|e| e.to_string())?;
    let (name, credits, on_plan) = match (&budget.plan, &budget.pack) {
        (Some(plan_id), _) => {
            let plan = model.plan(plan_id).map_err(|e| e.to_string())?;
            let allowance =
                (plan.allowance).ok_or_else(|| format!("plan `{}` has no allowance", plan.id))?;
            let on = model.quote_on(plan_id, action, &params);
            let on = on.map_err(|e| e.to_string())?.on_plan;
            (plan.id.clone(), allowance, on)
        }
        (None, Some(pack)) => {
            let pack = model.pack(pack).map_err(|e| e.to_string())?;
            (pack.id.clone(), pack.credits, OnPlan::Charged)
        }
        (None, None) => return Err("a budget needs `plan` or `pack`".to_string()),
    };
    let cost = match on_plan {
        OnPlan::Charged if list.credits.min > 0 => Some(list.credits),
        OnPlan::Charged | OnPlan::Unlimited => None,
        OnPlan::NotEntitled => return Err(format!("{name} is not entitled to {action}")),
    };
    Ok(Resolved {
        name,
        credits,
        cost,
        doc: budget.doc,
    })
}

/// The items a budget buys under `rounding`, at the cheapest and the dearest cost.
fn counts(budget: &Resolved, rounding: Rounding) -> Option<(u64, u64)> {
    let cost = budget.cost?;
    Some((
        rounding.items(budget.credits, cost.max),
        rounding.items(budget.credits, cost.min),
    ))
}

fn shown((low, high): (u64, u64)) -> String {
    match low == high {
        true => low.to_string(),
        false => format!("{low}–{high}"),
    }
}

/// The whole costs from 1 to the largest budget that give every figure under `rounding`, as
/// a range. Each budget's items fall as the cost rises, so the costs that give its figure are
/// one interval, found by bisection; the answer is where the intervals meet. (A walk over every
/// cost took as long as the largest budget: a budget of 10^18 credits never finished.)
fn implied_costs(budgets: &[Resolved], rounding: Rounding) -> Option<(u64, u64)> {
    let most = budgets.iter().map(|b| b.credits).max()?;
    let (mut low, mut high) = (1, most);
    for b in budgets {
        let items = |cost| rounding.items(b.credits, cost);
        low = low.max(first_cost(most, |cost| items(cost) <= b.doc));
        high = high.min(first_cost(most, |cost| items(cost) < b.doc) - 1);
    }
    (low <= high).then_some((low, high))
}

/// The least cost in `1..=most` for which `holds`, or `most + 1` if none; `holds` must be false
/// up to some cost and true from there on.
fn first_cost(most: u64, holds: impl Fn(u64) -> bool) -> u64 {
    let (mut low, mut high) = (1, most.saturating_add(1));
    while low < high {
        let mid = low + (high - low) / 2;
        match holds(mid) {
            true => high = mid,
            false => low = mid + 1,
        }
    }
    low
}

pub(super) fn fits_claim(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let budgets: Vec<Resolved> = (claim.budgets.iter())
        .map(|b| resolve(model, claim, b))
        .collect::<Result<_, _>>()?;
    let mut lines = Vec::new();
    let mut holds = false;
    for (rounding, name) in ROUNDINGS {
        let each: Vec<String> = (budgets.iter())
            .map(|b| counts(b, rounding).map_or("unlimited".to_string(), shown))
            .collect();
        holds |= budgets
            .iter()
            .all(|b| counts(b, rounding) == Some((b.doc, b.doc)));
        lines.push(format!("{name}: {}", each.join(", ")));
    }
    let implied: Vec<String> = (ROUNDINGS.iter())
        .map(|(r, name)| {
            let costs = implied_costs(&budgets, *r).map_or("none".to_string(), shown);
            format!("{name} {costs}")
        })
        .collect();
    let docs: Vec<String> = budgets
        .iter()
        .map(|b| format!("{} {}", b.name, b.doc))
        .collect();
    let credits: Vec<String> = (budgets.iter())
        .map(|b| {
            format!(
                "{} {} ÷ {}",
                b.name,
                b.credits,
                b.cost.map_or("0".into(), |c| c.to_string())
            )
        })
        .collect();
    Ok(Finding::words(
        docs.join(", "),
        format!(
            "{}; whole costs that give every figure: {}",
            lines.join("; "),
            implied.join(", ")
        ),
        format!("{}, rounded down, to nearest and up", credits.join(", ")),
        match holds {
            true => ClaimStatus::Holds,
            false => ClaimStatus::Fails,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(credits: u64, cost: u64, doc: u64) -> Resolved {
        let cost = Some(Cost {
            min: cost,
            max: cost,
        });
        let name = String::new();
        Resolved {
            name,
            credits,
            cost,
            doc,
        }
    }

    #[test]
    fn roundings_of_whole_quotients() {
        assert_eq!(Rounding::Down.items(250, 85), 2);
        assert_eq!(Rounding::Nearest.items(250, 85), 3);
        assert_eq!(Rounding::Up.items(700, 85), 9);
        assert_eq!(
            Rounding::Nearest.items(7500, 600),
            13,
            "12.5 rounds half up"
        );
        assert_eq!(Rounding::Nearest.items(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn implied_costs_name_the_price_a_document_used() {
        // VideoDraft: ~6, ~83, ~250, ~1,000 Kling videos from 200, 2,500, 7,500, 30,000.
        let kling = [(200, 6), (2500, 83), (7500, 250), (30000, 1000)];
        let budgets: Vec<Resolved> = kling.iter().map(|&(c, d)| budget(c, 25, d)).collect();
        assert_eq!(implied_costs(&budgets, Rounding::Down), Some((30, 30)));
        // Aytada: ~3, ~8, ~17 standard ads from 250, 700, 1,500.
        let ads = [(250, 3), (700, 8), (1500, 17)];
        let budgets: Vec<Resolved> = ads.iter().map(|&(c, d)| budget(c, 85, d)).collect();
        assert_eq!(implied_costs(&budgets, Rounding::Down), None);
        assert_eq!(implied_costs(&budgets, Rounding::Nearest), Some((86, 90)));
        assert_eq!(implied_costs(&budgets, Rounding::Up), Some((89, 93)));
    }

    #[test]
    fn implied_costs_of_a_huge_budget_are_found_without_walking_every_cost() {
        let credits = 1_000_000_000_000_000_000;
        let budgets = [budget(credits, 30, credits / 30)];
        assert_eq!(implied_costs(&budgets, Rounding::Down), Some((30, 30)));
        assert_eq!(implied_costs(&[budget(credits, 1, 0)], Rounding::Up), None);
    }
}
