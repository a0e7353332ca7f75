//! Rules about a plan's own credits: how much is granted, how often, when it expires, and
//! what happens once it runs out. Each runs one account from its anchor (15 January 2025)
//! through the ledger, spending half of the first grant so that a roll-over would show.

use super::sim::{ANCHOR_MS, DAY_MS, Sim, charged_action, date, months_after, outcome};
use crate::ledger::{Credits, EventKind, LotSource, ReserveOutcome, TimeMs};
use crate::pricing::{Claim, Finding, Model, params_of};

/// How many months of a monthly allowance are run.
const MONTHS_RUN: u32 = 3;

/// The document's credits per grant, times the claim's seats.
fn expected(claim: &Claim) -> Result<(Credits, u32), String> {
    let per = claim.doc_credits().ok_or("needs `doc`")?;
    let seats = claim.seats.unwrap_or(1);
    let credits = per.max.checked_mul(u64::from(seats)).ok_or("overflow")?;
    Ok((credits, seats))
}

/// An account on the claim's plan with its seats, started at the anchor.
fn account(model: &Model, claim: &Claim, units: u32) -> Result<Sim, String> {
    let plan = claim.plan.as_deref();
    Sim::new(model, plan, claim.seats.unwrap_or(1), units, ANCHOR_MS)
}

/// Spends `credits` of the plan's pool a day after `at_ms`.
fn spend_some(
    model: &Model,
    sim: &mut Sim,
    plan: &str,
    credits: Credits,
    at_ms: TimeMs,
) -> Result<(), String> {
    if credits == 0 {
        return Ok(());
    }
    let quote = charged_action(model, plan)?;
    match sim.spend(&quote, credits, at_ms + DAY_MS) {
        ReserveOutcome::Reserved { .. } => Ok(()),
        other => Err(format!(
            "spending {credits} was refused: {}",
            outcome(&other)
        )),
    }
}

/// Credits expired in `pool` at exactly `at_ms`.
fn expired_at(sim: &Sim, at_ms: TimeMs) -> Credits {
    (sim.events.iter())
        .filter(|e| e.at_ms == at_ms)
        .map(|e| match &e.kind {
            EventKind::Expired { credits, .. } => *credits,
            _ => 0,
        })
        .sum()
}

fn dates(grants: &[(TimeMs, Credits, Option<TimeMs>)]) -> String {
    let shown: Vec<String> = grants
        .iter()
        .map(|(at, c, _)| format!("{c} on {}", date(*at)))
        .collect();
    match shown.is_empty() {
        true => "no grant".to_string(),
        false => shown.join(", "),
    }
}

/// "200 credits/month ... do not roll over ... Unused credits expire at reset": a grant of
/// the document's amount on the same day of each calendar month; half of the first month
/// spent, the other half expires at the reset and the new month starts at the full amount.
pub(super) fn monthly(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let (want, seats) = expected(claim)?;
    let plan = claim.plan.as_deref().unwrap_or_default();
    let pool = model.plan(plan).map_err(|e| e.to_string())?.pool.clone();
    let mut sim = account(model, claim, 0)?;
    let first = sim.available(&pool);
    spend_some(model, &mut sim, plan, want / 2, ANCHOR_MS)?;
    let second = months_after(ANCHOR_MS, 1)?;
    sim.advance(second);
    let (expired, renewed) = (expired_at(&sim, second), sim.available(&pool));
    sim.advance(months_after(ANCHOR_MS, MONTHS_RUN)? - 1);
    let grants = sim.grants(LotSource::Allowance);
    let mut want_grants = Vec::new();
    for k in 0..MONTHS_RUN {
        want_grants.push(months_after(ANCHOR_MS, k)?);
    }
    let granted_at: Vec<TimeMs> = grants.iter().map(|g| g.0).collect();
    let each_full = grants.iter().all(|g| g.1 == want);
    let holds = match want {
        0 => grants.is_empty() && first == 0 && renewed == 0,
        _ => {
            granted_at == want_grants
                && each_full
                && first == want
                && expired == want - want / 2
                && renewed == want
        }
    };
    let seat_note = if seats > 1 {
        format!(" ({seats} seats)")
    } else {
        String::new()
    };
    Ok(Finding {
        document: format!("{want}{seat_note} every month, no roll-over"),
        model: format!(
            "{}; {} spent in the first month, {expired} expired on {}, balance {renewed} then",
            dates(&grants),
            want / 2,
            date(second)
        ),
        checked: format!(
            "ran an account on {plan}{seat_note} from {} for {MONTHS_RUN} calendar months",
            date(ANCHOR_MS)
        ),
        document_credits: Some(crate::pricing::Cost {
            min: want,
            max: want,
        }),
        model_credits: Some(crate::pricing::Cost {
            min: first,
            max: first,
        }),
        verdict: Finding::verdict_of(holds),
    })
}

/// "720 credits per year (granted upfront)": the whole period's credits at its start, none
/// in the 11 months after (nor 360 days on: a year is calendar months), and at the next
/// renewal the unspent rest expires and a new grant arrives.
pub(super) fn upfront(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let (want, seats) = expected(claim)?;
    let months = claim.months.unwrap_or(12);
    let plan = claim.plan.as_deref().unwrap_or_default();
    let pool = model.plan(plan).map_err(|e| e.to_string())?.pool.clone();
    let mut sim = account(model, claim, 0)?;
    let first = sim.available(&pool);
    spend_some(model, &mut sim, plan, want / 2, ANCHOR_MS)?;
    let last_month = months_after(ANCHOR_MS, months - 1)?;
    let day_count = ANCHOR_MS + u64::from(months) * 30 * DAY_MS + DAY_MS;
    let renewal = months_after(ANCHOR_MS, months)?;
    sim.advance(last_month);
    let in_last_month = sim.available(&pool);
    sim.advance(day_count);
    let after_day_count = sim.available(&pool);
    sim.advance(renewal);
    let (expired, renewed) = (expired_at(&sim, renewal), sim.available(&pool));
    let grants = sim.grants(LotSource::Allowance);
    let rest = want - want / 2;
    let holds = first == want
        && in_last_month == rest
        && after_day_count == rest
        && expired == rest
        && renewed == want
        && grants.len() == 2;
    let seat_note = if seats > 1 {
        format!(" ({seats} seats)")
    } else {
        String::new()
    };
    Ok(Finding {
        document: format!("{want}{seat_note} at the start of each {months}-month period"),
        model: format!(
            "{}; balance {in_last_month} on {}, {after_day_count} on {}, {expired} expired \
             and {renewed} on {}",
            dates(&grants),
            date(last_month),
            date(day_count),
            date(renewal)
        ),
        checked: format!(
            "ran an account on {plan}{seat_note} from {}, spending {} in the first month",
            date(ANCHOR_MS),
            want / 2
        ),
        document_credits: Some(crate::pricing::Cost {
            min: want,
            max: want,
        }),
        model_credits: Some(crate::pricing::Cost {
            min: first,
            max: first,
        }),
        verdict: Finding::verdict_of(holds),
    })
}

/// "1 unit = 60 credits ... renews automatically with your main billing cycle" and "Add-on
/// credits and base credits both follow the same expiration schedule": `units` units grant
/// `units × doc` every month, each grant expiring when the plan's credits of that cycle do.
pub(super) fn addon_units(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let per_unit = claim.doc_credits().ok_or("needs `doc`")?.max;
    let units = claim.units.unwrap_or(1);
    let want = per_unit * u64::from(units);
    let plan = claim.plan.as_deref().unwrap_or_default();
    let cycle = match model.plan(plan).map_err(|e| e.to_string())?.period {
        crate::pricing::Period::Monthly => 1,
        crate::pricing::Period::Annual => 12,
    };
    let mut sim = account(model, claim, units)?;
    let window = cycle + 1;
    sim.advance(months_after(ANCHOR_MS, window)? - 1);
    let base = sim.grants(LotSource::Allowance);
    let addons = sim.grants(LotSource::Addon);
    let base_expiry = |at: TimeMs| {
        (base.iter())
            .find(|(granted, _, expiry)| *granted <= at && expiry.is_none_or(|e| at < e))
            .and_then(|b| b.2)
    };
    let mut monthly = Vec::new();
    for k in 0..window {
        monthly.push(months_after(ANCHOR_MS, k)?);
    }
    let granted_at: Vec<TimeMs> = addons.iter().map(|a| a.0).collect();
    let same_expiry = addons
        .iter()
        .all(|(at, _, expiry)| *expiry == base_expiry(*at) && expiry.is_some());
    let full = addons.iter().all(|a| a.1 == want);
    let holds = granted_at == monthly && same_expiry && full;
    let expiries: Vec<String> = (addons.iter())
        .map(|(at, _, e)| format!("{} → {}", date(*at), e.map_or("never".into(), date)))
        .collect();
    Ok(Finding::words(
        format!("{want} ({units} × {per_unit}) every month, expiring with the base credits"),
        format!(
            "{} add-on grants of {}: {}",
            addons.len(),
            addons.first().map_or(0, |a| a.1),
            expiries.join(", ")
        ),
        format!(
            "ran an account on {plan} with {units} units for {window} calendar months from {}",
            date(ANCHOR_MS)
        ),
        Finding::verdict_of(holds),
    ))
}

/// "AI generation will be disabled until credits reset": spend the plan's credits until a
/// step is refused; it stays refused that month and is allowed again at the next reset.
pub(super) fn refused_until_reset(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let plan = claim.plan.as_deref().unwrap_or_default();
    let action = claim.action.as_deref().unwrap_or_default();
    let quote = super::sim::quote(model, action, &params_of(&claim.params))?;
    let hold = crate::accounts::settlement(model, quote.credits, quote.credits.max).hold;
    let allowance = model
        .plan(plan)
        .map_err(|e| e.to_string())?
        .allowance
        .unwrap_or(0);
    let mut sim = account(model, claim, 0)?;
    let at = ANCHOR_MS + DAY_MS;
    let mut steps = 0u64;
    let limit = allowance / hold.max(1) + 2;
    let mut last = sim.spend(&quote, hold, at);
    while matches!(last, ReserveOutcome::Reserved { .. }) && steps < limit {
        steps += 1;
        last = sim.spend(&quote, hold, at);
    }
    let later = sim.reserve(&quote, hold, at + DAY_MS).1;
    let reset = months_after(ANCHOR_MS, 1)?;
    let after_reset = sim.reserve(&quote, hold, reset).1;
    let refused = |o: &ReserveOutcome| matches!(o, ReserveOutcome::Insufficient { .. });
    let holds =
        refused(&last) && refused(&later) && matches!(after_reset, ReserveOutcome::Reserved { .. });
    Ok(Finding::words(
        "refused once the credits run out, until the reset".to_string(),
        format!(
            "{steps} steps of {hold} spent; then {}; a day later {}; on {} {}",
            outcome(&last),
            outcome(&later),
            date(reset),
            outcome(&after_reset)
        ),
        format!(
            "ran an account on {plan} spending {action} from {}",
            date(at)
        ),
        Finding::verdict_of(holds),
    ))
}
