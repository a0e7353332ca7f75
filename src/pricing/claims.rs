//! `audit`: every worked example and "≈ N items" statement of a vendor document, written into
//! the model with the document's own number, recomputed with the model's arithmetic. A claim
//! that fails is a finding about the document (or a typo in the model), never hidden.

use serde::Serialize;

use super::load::params_of;
use super::quote::{add, times};
use super::schema::{Amount, Claim, ClaimKind, DocValue, Item, Match};
use super::{Cost, Model, Params};

/// Whether a claim held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The model's number agrees with the document's.
    Holds,
    /// It does not, or the document contradicts itself.
    Fails,
    /// The document gives too little to compute it; neither holds nor fails.
    Unverifiable,
}

/// One claim, recomputed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimResult {
    /// The vendor.
    pub vendor: String,
    /// The claim's stable id.
    pub id: String,
    /// What the document states.
    pub description: String,
    /// What was computed.
    pub kind: ClaimKind,
    /// The document's number, range or words.
    pub document: String,
    /// The model's number with how it was reached, or the model's reading.
    pub model: String,
    /// The document's number as credits, where it is one.
    pub document_credits: Option<Cost>,
    /// The model's number as credits (or items, for `fit`), where it is one.
    pub model_credits: Option<Cost>,
    /// The verdict.
    pub verdict: Verdict,
    /// `verdict == Holds`, for consumers that want a flag.
    pub holds: bool,
}

/// What a claim computed: the model's words and number, and whether they agree.
struct Outcome {
    text: String,
    credits: Option<Cost>,
    verdict: Verdict,
}

/// Evaluates one claim; a claim that cannot be computed fails with the reason as the model's
/// number (loading already refuses such claims, so this is for hand-built models).
pub(crate) fn evaluate(model: &Model, claim: &Claim) -> super::ClaimResult {
    compute(model, claim).unwrap_or_else(|err| {
        let outcome = Outcome {
            text: err,
            credits: None,
            verdict: Verdict::Fails,
        };
        result(model, claim, outcome)
    })
}

/// Evaluates one claim, or says why it cannot be computed.
pub(crate) fn compute(model: &Model, claim: &Claim) -> Result<ClaimResult, String> {
    let outcome = match claim.kind {
        ClaimKind::Quote => quote_claim(model, claim)?,
        ClaimKind::Sum => sum_claim(model, claim)?,
        ClaimKind::Fit => fit_claim(model, claim)?,
        ClaimKind::Allowance => allowance_claim(model, claim)?,
        ClaimKind::UnitPrice => unit_price_claim(model, claim)?,
        ClaimKind::Contradiction => words(claim, Verdict::Fails),
        ClaimKind::Unverifiable => words(claim, Verdict::Unverifiable),
    };
    Ok(result(model, claim, outcome))
}

fn result(model: &Model, claim: &Claim, outcome: Outcome) -> ClaimResult {
    let document = match &claim.doc {
        DocValue::Amount(a) => a.cost().to_string(),
        DocValue::Text(t) => t.clone(),
    };
    let document_credits = match &claim.doc {
        DocValue::Amount(a) => Some(a.cost()),
        DocValue::Text(_) => None,
    };
    ClaimResult {
        vendor: model.id().to_string(),
        id: claim.id.clone(),
        description: claim.description.clone(),
        kind: claim.kind,
        document,
        model: outcome.text,
        document_credits,
        model_credits: outcome.credits,
        holds: outcome.verdict == Verdict::Holds,
        verdict: outcome.verdict,
    }
}

fn words(claim: &Claim, verdict: Verdict) -> Outcome {
    Outcome {
        text: claim.model.clone().unwrap_or_default(),
        credits: None,
        verdict,
    }
}

/// The document's number of a numeric claim.
fn doc_amount(claim: &Claim) -> Result<Cost, String> {
    match &claim.doc {
        DocValue::Amount(a) => Ok(a.cost()),
        DocValue::Text(t) => Err(format!(
            "`doc = \"{t}\"`: expected a number or {{ min, max }}"
        )),
    }
}

/// Compares the document's number with the model's.
fn verdict(claim: &Claim, model: Cost) -> Result<Verdict, String> {
    let doc = doc_amount(claim)?;
    let agrees = match claim.compare {
        Match::Exact => doc == model,
        Match::Within => model.min <= doc.min && doc.max <= model.max,
    };
    Ok(if agrees {
        Verdict::Holds
    } else {
        Verdict::Fails
    })
}

fn quote_of(model: &Model, action: &str, params: &Params) -> Result<super::Quote, String> {
    model.quote(action, params).map_err(|e| e.to_string())
}

fn quote_claim(model: &Model, claim: &Claim) -> Result<Outcome, String> {
    let action = claim.action.as_deref().unwrap_or_default();
    let quote = quote_of(model, action, &params_of(&claim.params))?;
    let total = times(quote.credits, claim.count).ok_or("overflow")?;
    let text = match claim.count {
        1 => quote.breakdown_text(),
        n => format!("{n} × ({}) = {total}", quote.breakdown_text()),
    };
    let verdict = verdict(claim, total)?;
    Ok(Outcome {
        text,
        credits: Some(total),
        verdict,
    })
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
fn sum_claim(model: &Model, claim: &Claim) -> Result<Outcome, String> {
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
        (false, _) => Verdict::Fails,
    };
    Ok(Outcome {
        text: format!("{total} [{}]", terms.join("; ")),
        credits: Some(total),
        verdict,
    })
}

/// How many of an action fit in a plan's allowance or a pack's credits: floor(credits /
/// cost), a range when the cost is variable.
fn fit_claim(model: &Model, claim: &Claim) -> Result<Outcome, String> {
    let (what, credits) = match (&claim.plan, &claim.pack) {
        (Some(plan), _) => {
            let plan = model.plan(plan).map_err(|e| e.to_string())?;
            let allowance = plan
                .allowance
                .ok_or_else(|| format!("plan `{}` has no allowance", plan.id))?;
            (format!("plan {}", plan.id), allowance)
        }
        (None, Some(pack)) => {
            let pack = model.pack(pack).map_err(|e| e.to_string())?;
            (format!("pack {}", pack.id), pack.credits)
        }
        (None, None) => return Err("a fit claim needs `plan` or `pack`".to_string()),
    };
    let action = claim.action.as_deref().unwrap_or_default();
    let cost = quote_of(model, action, &params_of(&claim.params))?.credits;
    if cost.min == 0 {
        let text = format!("{what}: {credits} ÷ {cost}: unbounded (the action can be free)");
        return Ok(Outcome {
            text,
            credits: None,
            verdict: Verdict::Fails,
        });
    }
    let fit = Cost {
        min: credits / cost.max,
        max: credits / cost.min,
    };
    Ok(Outcome {
        text: format!("{what}: ⌊{credits} ÷ {cost}⌋ = {fit}"),
        credits: Some(fit),
        verdict: verdict(claim, fit)?,
    })
}

fn allowance_claim(model: &Model, claim: &Claim) -> Result<Outcome, String> {
    let plan = model
        .plan(claim.plan.as_deref().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let Some(allowance) = plan.allowance else {
        let text = format!("plan {}: allowance unknown", plan.id);
        return Ok(Outcome {
            text,
            credits: None,
            verdict: Verdict::Fails,
        });
    };
    let credits = Amount::Fixed(allowance).cost();
    Ok(Outcome {
        text: format!("plan {}: {allowance} per grant", plan.id),
        credits: Some(credits),
        verdict: verdict(claim, credits)?,
    })
}

/// A pack's price per credit, rounded half up to as many decimals as the document shows.
fn unit_price_claim(model: &Model, claim: &Claim) -> Result<Outcome, String> {
    let pack = model
        .pack(claim.pack.as_deref().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let DocValue::Text(doc) = &claim.doc else {
        return Err("a unit-price claim's `doc` is a decimal string such as \"0.091\"".to_string());
    };
    let decimals = doc.split_once('.').map_or(0, |(_, f)| f.len());
    let Some(price) = pack.price else {
        let text = format!("pack {}: price unknown", pack.id);
        return Ok(Outcome {
            text,
            credits: None,
            verdict: Verdict::Fails,
        });
    };
    let per_credit = per_credit(price.cents, pack.credits, decimals).ok_or("overflow")?;
    Ok(Outcome {
        text: format!("{price} ÷ {} = {per_credit}", pack.credits),
        credits: None,
        verdict: if &per_credit == doc {
            Verdict::Holds
        } else {
            Verdict::Fails
        },
    })
}

/// `cents / 100 / credits` rounded half up to `decimals`, as text; integer arithmetic only.
fn per_credit(cents: u64, credits: u64, decimals: usize) -> Option<String> {
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
