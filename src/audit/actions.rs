//! Rules about what an action costs on an account: unlimited on some plans, refused on
//! others, drawn from its own pool, free, or refused when the balance is short. Each reserves
//! on a `Book` set up from the plan, and looks at the outcome and the balance.

use super::sim::{ANCHOR_MS, DAY_MS, Sim, outcome, quote};
use crate::accounts::settlement;
use crate::ledger::{CommitOutcome, ReserveOutcome};
use crate::pricing::{Claim, Finding, Item, Model, OnPlan, Params, Quote, params_of};

/// How many times a free action is run.
const FREE_RUNS: u32 = 3;

fn claim_quote(model: &Model, claim: &Claim) -> Result<(Quote, Params), String> {
    let params = params_of(&claim.params);
    let action = claim.action.as_deref().unwrap_or_default();
    Ok((quote(model, action, &params)?, params))
}

/// What `plan` does with the quoted action, on the ledger and in a plan-context quote.
fn on_plan(
    model: &Model,
    plan: &str,
    q: &Quote,
    params: &Params,
) -> Result<(ReserveOutcome, i128, OnPlan), String> {
    let mut sim = Sim::new(model, Some(plan), 1, 0, ANCHOR_MS)?;
    let before = sim.available(&q.pool);
    let (key, reserved) = sim.reserve(q, q.credits.max, ANCHOR_MS + DAY_MS);
    if matches!(reserved, ReserveOutcome::Reserved { .. }) {
        sim.commit(&key, q.credits.max, ANCHOR_MS + DAY_MS);
    }
    let change = i128::from(sim.available(&q.pool)) - i128::from(before);
    let quoted = model
        .quote_on(plan, &q.action, params)
        .map_err(|e| e.to_string())?;
    Ok((reserved, change, quoted.on_plan))
}

/// "Visionary and Studio plans include unlimited speech generation!": nothing is held or
/// charged on `plans`, and the quote is charged on `others`.
pub(super) fn unlimited(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let (q, params) = claim_quote(model, claim)?;
    let mut holds = true;
    let mut seen = Vec::new();
    for plan in &claim.plans {
        let (reserved, change, quoted) = on_plan(model, plan, &q, &params)?;
        holds &=
            reserved == ReserveOutcome::Unlimited && change == 0 && quoted == OnPlan::Unlimited;
        seen.push(format!(
            "{plan}: {}, balance {change:+}",
            outcome(&reserved)
        ));
    }
    for plan in &claim.others {
        let (reserved, change, quoted) = on_plan(model, plan, &q, &params)?;
        let charged = -change == i128::from(q.credits.max);
        holds &= matches!(reserved, ReserveOutcome::Reserved { .. })
            && charged
            && quoted == OnPlan::Charged;
        seen.push(format!(
            "{plan}: {}, balance {change:+}",
            outcome(&reserved)
        ));
    }
    Ok(Finding::words(
        format!(
            "free on {}; charged on {}",
            claim.plans.join(", "),
            claim.others.join(", ")
        ),
        seen.join("; "),
        format!(
            "reserved and committed {} ({}) on an account of each plan",
            q.action, q.credits
        ),
        Finding::verdict_of(holds),
    ))
}

fn item_quote(model: &Model, item: &Item) -> Result<Quote, String> {
    quote(model, &item.action, &params_of(&item.params))
}

/// "Free Tier: no Production Room access": `actions` are refused on `plan`, on the ledger
/// and in a plan-context quote, and are not refused on `others`.
pub(super) fn not_entitled(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let plan = claim.plan.as_deref().unwrap_or_default();
    let mut holds = true;
    let mut seen = Vec::new();
    for item in &claim.actions {
        let q = item_quote(model, item)?;
        let params = params_of(&item.params);
        let (reserved, _, quoted) = on_plan(model, plan, &q, &params)?;
        holds &= reserved == ReserveOutcome::NotEntitled && quoted == OnPlan::NotEntitled;
        seen.push(format!("{plan} {}: {}", q.action, outcome(&reserved)));
        for other in &claim.others {
            let (reserved, _, _) = on_plan(model, other, &q, &params)?;
            holds &= reserved != ReserveOutcome::NotEntitled;
            seen.push(format!("{other} {}: {}", q.action, outcome(&reserved)));
        }
    }
    Ok(Finding::words(
        format!("refused on {plan}"),
        seen.join("; "),
        "reserved each action on an account of each plan".to_string(),
        Finding::verdict_of(holds),
    ))
}

/// "Deep Scans: Uses separate scan credits (not monthly credits)": on an account with only
/// its plan's credits the action is refused; with credits in `pool` it draws on them alone;
/// and the other pools' `actions` never draw on `pool`.
pub(super) fn separate_pool(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let (q, _) = claim_quote(model, claim)?;
    let pool = claim.pool.as_deref().unwrap_or_default();
    let at = ANCHOR_MS + DAY_MS;
    let mut sim = Sim::new(model, claim.plan.as_deref(), 1, 0, ANCHOR_MS)?;
    let others: Vec<String> = (model.pools().iter())
        .filter(|p| p.id != pool)
        .map(|p| p.id.clone())
        .collect();
    let balances = |sim: &Sim| -> Vec<u64> { others.iter().map(|p| sim.available(p)).collect() };
    let start = balances(&sim);
    let without = sim.spend(&q, q.credits.max, at);
    sim.give(pool, q.credits.max, at)?;
    let with = sim.spend(&q, q.credits.max, at);
    let (untouched, pool_left) = (balances(&sim) == start, sim.available(pool));
    let mut holds = matches!(without, ReserveOutcome::Insufficient { .. })
        && matches!(with, ReserveOutcome::Reserved { .. })
        && untouched
        && pool_left == 0;
    let mut seen = vec![
        format!("{} with no {pool} credits: {}", q.action, outcome(&without)),
        format!("with {} {pool} credits: {}", q.credits.max, outcome(&with)),
        format!(
            "other pools {}",
            if untouched { "untouched" } else { "drawn on" }
        ),
    ];
    for item in &claim.actions {
        let other = item_quote(model, item)?;
        sim.give(pool, other.credits.max, at)?;
        let before = sim.available(pool);
        let spent = sim.spend(&other, other.credits.max, at);
        let kept = sim.available(pool) == before && other.pool != pool;
        holds &= kept;
        seen.push(format!(
            "{} ({}): {pool} credits {}",
            other.action,
            outcome(&spent),
            if kept { "kept" } else { "drawn on" }
        ));
    }
    Ok(Finding::words(
        format!(
            "{} uses only {pool} credits, and nothing else uses them",
            q.action
        ),
        seen.join("; "),
        match &claim.plan {
            Some(plan) => format!("ran an account on {plan}, then granted {pool} credits"),
            None => format!("ran an account, then granted {pool} credits"),
        },
        Finding::verdict_of(holds),
    ))
}

/// "The following activities cost zero credits. You can run them as many times as you
/// like": each action, run three times on an account with no credits at all, holds and
/// charges nothing.
pub(super) fn free(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let mut sim = Sim::empty(model)?;
    let at = ANCHOR_MS + DAY_MS;
    let mut holds = true;
    let mut seen = Vec::new();
    for item in &claim.actions {
        let q = item_quote(model, item)?;
        let mut charged = 0;
        let mut last = ReserveOutcome::Reserved {
            held: 0,
            expires_at_ms: 0,
        };
        for _ in 0..FREE_RUNS {
            let (key, reserved) = sim.reserve(&q, q.credits.max, at);
            if let CommitOutcome::Committed { charged: c, .. } = sim.commit(&key, q.credits.min, at)
            {
                charged += c;
            }
            holds &= matches!(reserved, ReserveOutcome::Reserved { held: 0, .. });
            last = reserved;
        }
        holds &= charged == 0;
        let params: String = item
            .params
            .iter()
            .map(|(k, v)| format!(" {k}={v}"))
            .collect();
        seen.push(format!("{}{params}: {}", q.action, outcome(&last)));
    }
    Ok(Finding::words(
        "free, any number of times".to_string(),
        seen.join("; "),
        format!(
            "reserved and committed each action {FREE_RUNS} times on an account with no credits"
        ),
        Finding::verdict_of(holds),
    ))
}

/// "If your balance is too low, the Generate button is disabled": one credit short of what
/// the step holds, the reserve is refused, nothing is held and the balance stays.
pub(super) fn refused_when_short(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let (q, _) = claim_quote(model, claim)?;
    let hold = settlement(model, q.credits, q.credits.max).hold;
    if hold == 0 {
        return Err(format!(
            "{} costs nothing, so no balance is short",
            q.action
        ));
    }
    let mut sim = Sim::empty(model)?;
    let at = ANCHOR_MS + DAY_MS;
    sim.give(&q.pool, hold - 1, at)?;
    let (_, reserved) = sim.reserve(&q, hold, at);
    let kept = sim.available(&q.pool) == hold - 1;
    let refused = matches!(reserved, ReserveOutcome::Insufficient { .. });
    Ok(Finding::words(
        format!("refused below {hold}"),
        format!(
            "with {}: {}; balance {}",
            hold - 1,
            outcome(&reserved),
            sim.available(&q.pool)
        ),
        format!(
            "reserved {} (holding {hold}) on an account with one credit less",
            q.action
        ),
        Finding::verdict_of(refused && kept),
    ))
}
