//! Arithmetic claims: the document's worked numbers recomputed with the model's arithmetic.
//! Each combines statements (a per-scene rate and a totals table, a price and a credit count),
//! so none compares a model field with the line it was copied from.

use super::{ClaimStatus, Finding, doc_amount, doc_text};
use crate::pricing::quote::{add, times};
use crate::pricing::schema::params_of;
use crate::pricing::schema::{Amount, Claim, DocValue, Item, Match};
use crate::pricing::{Cost, Model, OnPlan, Params, Quote};

/// How many units a `per` claim prices, 1 to this: enough to see a rate is linear.
const PER_UNITS_MAX: u64 = 10;

/// Compares the document's number with the model's.
fn verdict(claim: &Claim, model: Cost) -> Result<ClaimStatus, String> {
    let doc = doc_amount(claim)?;
    let agrees = match claim.compare {
        Match::Exact => doc == model,
        Match::Within => model.min <= doc.min && doc.max <= model.max,
    };
    Ok(Finding::verdict_of(agrees))
}

fn quote_of(model: &Model, action: &str, params: &Params) -> Result<Quote, String> {
    model.quote(action, params).map_err(|e| e.to_string())
}

/// The cost of `action` on `plan` (or its list price without one), in words and credits.
fn cost_on(
    model: &Model,
    plan: Option<&str>,
    action: &str,
    params: &Params,
) -> Result<(String, Cost), String> {
    let quote = quote_of(model, action, params)?;
    let Some(plan) = plan else {
        return Ok((quote.breakdown_text(), quote.credits));
    };
    let on = model
        .quote_on(plan, action, params)
        .map_err(|e| e.to_string())?;
    match on.on_plan {
        OnPlan::Charged => Ok((quote.breakdown_text(), quote.credits)),
        OnPlan::Unlimited => Ok((format!("unlimited on {plan}"), Cost { min: 0, max: 0 })),
        OnPlan::NotEntitled => Err(format!("{plan} is not entitled to {action}")),
    }
}

pub(super) fn quote_claim(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let action = claim.action.as_deref().unwrap_or_default();
    let params = params_of(&claim.params);
    let (text, cost) = cost_on(model, claim.plan.as_deref(), action, &params)?;
    let total = times(cost, claim.count).ok_or("overflow")?;
    let text = match claim.count {
        1 => text,
        n => format!("{n} × ({text}) = {total}"),
    };
    let on = claim
        .plan
        .as_ref()
        .map_or(String::new(), |p| format!(" on {p}"));
    Ok(Finding {
        document: doc_text(claim),
        model: text,
        checked: format!("quoted {action}{}{on}", shown(&params)),
        document_credits: doc_amount(claim).ok(),
        model_credits: Some(total),
        verdict: verdict(claim, total)?,
    })
}

/// ` k=v k=v`, for messages.
fn shown(params: &Params) -> String {
    params.iter().map(|(k, v)| format!(" {k}={v}")).collect()
}

/// One term's cost: `count` × the action's cost, spanning every value of `mix` if given.
fn item_cost(model: &Model, item: &Item) -> Result<Cost, String> {
    let params = params_of(&item.params);
    let one = match &item.mix {
        None => quote_of(model, &item.action, &params)?.credits,
        Some(mix) => mixed_cost(model, item, mix, params)?,
    };
    times(one, item.count).ok_or_else(|| "overflow".to_string())
}

fn mixed_cost(model: &Model, item: &Item, mix: &str, mut params: Params) -> Result<Cost, String> {
    let action = model.action(&item.action).map_err(|e| e.to_string())?;
    let values = action.params.get(mix).and_then(|p| p.values.clone());
    let values = values.ok_or_else(|| {
        format!(
            "`mix = \"{mix}\"` must name a word parameter of {}",
            action.id
        )
    })?;
    let mut span: Option<Cost> = None;
    for value in values {
        params.insert(mix.to_string(), value);
        let c = quote_of(model, &item.action, &params)?.credits;
        span = Some(span.map_or(c, |s| Cost {
            min: s.min.min(c.min),
            max: s.max.max(c.max),
        }));
    }
    span.ok_or_else(|| format!("`{mix}` has no values"))
}

fn item_label(item: &Item) -> String {
    let mut label = format!("{} × {}", item.count, item.action);
    for (k, v) in &item.params {
        label.push_str(&format!(" {k}={v}"));
    }
    if let Some(mix) = &item.mix {
        label.push_str(&format!(" (mixed {mix})"));
    }
    label
}

/// A sum of terms. Where the document gives a term's own figure, that figure must lie within
/// the term's range and is used in the total, so the total is what the document assumed.
pub(super) fn sum_claim(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let mut total = Cost { min: 0, max: 0 };
    let mut terms_hold = true;
    let mut terms = Vec::new();
    for item in &claim.items {
        let cost = item_cost(model, item)?;
        let (term, note) = match item.doc {
            Some(d) if cost.min <= d && d <= cost.max => (
                Amount::Fixed(d).cost(),
                format!("{} = {cost}, doc {d} ✓", item_label(item)),
            ),
            Some(d) => {
                terms_hold = false;
                (cost, format!("{} = {cost}, doc {d} ✗", item_label(item)))
            }
            None => (cost, format!("{} = {cost}", item_label(item))),
        };
        total = add(total, term).ok_or("overflow")?;
        terms.push(note);
    }
    let verdict = match (terms_hold, verdict(claim, total)?) {
        (true, v) => v,
        (false, _) => ClaimStatus::Fails,
    };
    Ok(Finding {
        document: doc_text(claim),
        model: format!("{total} [{}]", terms.join("; ")),
        checked: "quoted each term; a term's own document figure must lie in its range".to_string(),
        document_credits: doc_amount(claim).ok(),
        model_credits: Some(total),
        verdict,
    })
}

/// "N credits per scene": the cost at 1 to 10 units is that many times the document's rate.
pub(super) fn per_claim(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let action = claim.action.as_deref().unwrap_or_default();
    let per = claim.per.as_deref().unwrap_or_default();
    let unit = claim.unit.unwrap_or(1);
    let rate = doc_amount(claim)?;
    let mut params = params_of(&claim.params);
    let mut wrong = Vec::new();
    for n in 1..=PER_UNITS_MAX {
        let count = n.checked_mul(unit).ok_or("overflow")?;
        params.insert(per.to_string(), count.to_string());
        let got = quote_of(model, action, &params)?.credits;
        let want = times(rate, n).ok_or("overflow")?;
        if got != want {
            wrong.push(format!("{count} {per}: {got}, not {want}"));
        }
    }
    let last = PER_UNITS_MAX * unit;
    let rule = match unit {
        1 => format!("{rate} × {per}"),
        _ => format!("{rate} per {unit} {per}"),
    };
    Ok(Finding {
        document: rule.clone(),
        model: match wrong.is_empty() {
            true => format!("{rule}, from 1 to {PER_UNITS_MAX} units"),
            false => wrong.join("; "),
        },
        checked: format!(
            "quoted {action}{} at {per} = {unit} to {last}",
            shown(&params_of(&claim.params))
        ),
        document_credits: Some(rate),
        model_credits: None,
        verdict: Finding::verdict_of(wrong.is_empty()),
    })
}

/// "Every action has a fixed credit cost": no action's quote is a range, for any value of
/// its word parameters (number parameters at their least and at ten more).
pub(super) fn fixed_costs_claim(model: &Model) -> Result<Finding, String> {
    let mut variable = Vec::new();
    let mut quoted = 0;
    for action in model.actions() {
        for params in param_sets(action) {
            let cost = quote_of(model, &action.id, &params)?.credits;
            quoted += 1;
            if !cost.is_fixed() {
                variable.push(format!("{}{}: {cost}", action.id, shown(&params)));
            }
        }
    }
    Ok(Finding::words(
        "every cost fixed".to_string(),
        match variable.is_empty() {
            true => "every cost fixed".to_string(),
            false => format!("variable: {}", variable.join("; ")),
        },
        format!("quoted every action with every parameter value ({quoted} quotes)"),
        Finding::verdict_of(variable.is_empty()),
    ))
}

/// Every combination of an action's word values, number parameters at their least allowed
/// value and at ten more.
fn param_sets(action: &crate::pricing::Action) -> Vec<Params> {
    let mut sets = vec![Params::new()];
    for (name, p) in &action.params {
        let choices: Vec<String> = match &p.values {
            Some(values) => values.clone(),
            None => {
                let min = p.min.unwrap_or(0);
                vec![min.to_string(), min.saturating_add(10).to_string()]
            }
        };
        sets = (sets.iter())
            .flat_map(|set| {
                choices.iter().map(move |c| {
                    let mut s = set.clone();
                    s.insert(name.clone(), c.clone());
                    s
                })
            })
            .collect();
    }
    sets
}

/// A pack's price per credit, rounded half up to as many decimals as the document shows.
pub(super) fn unit_price_claim(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let pack = model
        .pack(claim.pack.as_deref().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let Some(DocValue::Text(doc)) = &claim.doc else {
        return Err("a unit-price claim's `doc` is a decimal string such as \"0.091\"".to_string());
    };
    let decimals = doc.split_once('.').map_or(0, |(_, f)| f.len());
    let checked = format!("{}'s price ÷ its credits, rounded half up", pack.id);
    let Some(price) = pack.price else {
        let text = format!("pack {}: price unknown", pack.id);
        return Ok(Finding::words(
            doc.clone(),
            text,
            checked,
            ClaimStatus::Fails,
        ));
    };
    let per_credit = per_credit(price.cents, pack.credits, decimals).ok_or("overflow")?;
    Ok(Finding::words(
        doc.clone(),
        format!("{price} ÷ {} = {per_credit}", pack.credits),
        checked,
        Finding::verdict_of(&per_credit == doc),
    ))
}

/// "The Creator package offers the best per-credit value": `pack` has the lowest price per
/// credit of all priced packs, compared exactly (cross-multiplied cents and credits).
pub(super) fn best_value_claim(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let named = model
        .pack(claim.pack.as_deref().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let priced: Vec<(&str, u64, u64)> = (model.packs().iter())
        .filter_map(|p| p.price.map(|price| (p.id.as_str(), price.cents, p.credits)))
        .filter(|(_, _, credits)| *credits > 0)
        .collect();
    let cheaper = |a: &(&str, u64, u64), b: &(&str, u64, u64)| {
        u128::from(a.1) * u128::from(b.2) < u128::from(b.1) * u128::from(a.2)
    };
    let best = (priced.iter())
        .find(|a| !priced.iter().any(|b| cheaper(b, a)))
        .ok_or_else(|| "no priced pack".to_string())?;
    let named_entry = priced.iter().find(|p| p.0 == named.id);
    let holds = named_entry.is_some_and(|n| !priced.iter().any(|b| cheaper(b, n)));
    let each: Vec<String> = (priced.iter())
        .map(|(id, cents, credits)| {
            let per = per_credit(*cents, *credits, 3).unwrap_or_default();
            format!("{id} {per}")
        })
        .collect();
    Ok(Finding::words(
        format!("{} is the cheapest per credit", named.id),
        format!("per credit: {}; cheapest: {}", each.join(", "), best.0),
        "each pack's price ÷ its credits, compared exactly".to_string(),
        Finding::verdict_of(holds),
    ))
}

/// "Credit add-on packs are coming soon": the model offers none.
pub(super) fn no_packs_claim(model: &Model) -> Finding {
    let ids: Vec<&str> = (model.packs().iter().map(|p| p.id.as_str()))
        .chain(model.incomplete_packs().iter().map(|p| p.id.as_str()))
        .collect();
    Finding::words(
        "no pack to buy".to_string(),
        match ids.is_empty() {
            true => "no pack".to_string(),
            false => format!("packs: {}", ids.join(", ")),
        },
        "listed the model's packs".to_string(),
        Finding::verdict_of(ids.is_empty()),
    )
}

/// `cents / 100 / credits` rounded half up to `decimals`, as text; integer arithmetic only.
pub(super) fn per_credit(cents: u64, credits: u64, decimals: usize) -> Option<String> {
    let scale = 10u64.checked_pow(u32::try_from(decimals).ok()?)?;
    let denominator = credits.checked_mul(200)?;
    let numerator = cents
        .checked_mul(scale)?
        .checked_mul(2)?
        .checked_add(credits.checked_mul(100)?)?;
    let scaled = numerator.checked_div(denominator)?;
    let whole = scaled / scale;
    Some(match decimals {
        0 => whole.to_string(),
        d => format!("{whole}.{:0d$}", scaled % scale),
    })
}

#[cfg(test)]
mod tests {
    use super::per_credit;

    #[test]
    fn per_credit_rounds_half_up_in_integers() {
        assert_eq!(per_credit(5000, 550, 3).as_deref(), Some("0.091"));
        assert_eq!(per_credit(20000, 2350, 3).as_deref(), Some("0.085"));
        assert_eq!(per_credit(1000, 100, 3).as_deref(), Some("0.100"));
        assert_eq!(per_credit(150, 1, 0).as_deref(), Some("2"));
        assert_eq!(per_credit(1, 0, 2), None);
    }
}
