//! Rules about packs: how long their credits last, when they arrive, and who may buy them.
//! A pack's credits are measured as what it adds to an account's balance (the same account
//! without the pack beside it), so a plan's own allowance never blurs the answer.

use super::sim::{DAY_MS, PURCHASE_MS, Sim, date, months_after};
use crate::accounts::{Purchase, account_spec, pack_grant};
use crate::ledger::{Credits, TimeMs};
use crate::pricing::{Claim, ClaimStatus, Finding, Model, Pack};

/// How long a pack that "never expires" is checked for: two years of calendar months.
const NEVER_MONTHS: u32 = 24;

/// The plan an account needs to buy `pack`: none, or the first plan it is sold on.
fn plan_for(model: &Model, pack: &Pack) -> Option<String> {
    if !pack.requires_plan {
        return None;
    }
    match &pack.plans {
        Some(plans) => plans.first().cloned(),
        None => model.plans().first().map(|p| p.id.clone()),
    }
}

/// What `pack`, bought at `bought_ms`, adds to the balance of its pool at each of `at_ms`.
fn pack_balance(
    model: &Model,
    pack: &Pack,
    bought_ms: TimeMs,
    at_ms: &[TimeMs],
) -> Result<Vec<Credits>, String> {
    let plan = plan_for(model, pack);
    let (seats, units) = (1, 0);
    let mut with = Sim::new(model, plan.as_deref(), seats, units, PURCHASE_MS)?;
    let mut without = Sim::new(model, plan.as_deref(), seats, units, PURCHASE_MS)?;
    with.advance(bought_ms);
    with.buy(model, &pack.id, bought_ms)?;
    let mut out = Vec::new();
    for &at in at_ms {
        with.advance(at);
        without.advance(at);
        let added = with.available(&pack.pool) - without.available(&pack.pool);
        out.push(added);
    }
    Ok(out)
}

/// The packs a claim names, or why one cannot be bought yet (a size or validity the
/// document leaves to the scenario).
fn packs<'m>(model: &'m Model, claim: &Claim) -> Result<Vec<&'m Pack>, String> {
    (claim.packs.iter())
        .map(|id| model.pack(id).map_err(|err| err.to_string()))
        .collect()
}

/// Runs `each` on every pack, and joins what it saw: the claim holds when every pack does.
fn per_pack(
    model: &Model,
    claim: &Claim,
    document: String,
    checked: String,
    each: impl Fn(&Pack) -> Result<(bool, String), String>,
) -> Result<Finding, String> {
    let packs = match packs(model, claim) {
        Ok(packs) => packs,
        Err(why) => {
            let checked = "not run: the pack cannot be bought as the model stands".to_string();
            let finding = Finding::words(document, why, checked, ClaimStatus::Unverifiable);
            return Ok(finding);
        }
    };
    let mut holds = true;
    let mut seen = Vec::new();
    for pack in packs {
        let (ok, text) = each(pack)?;
        holds &= ok;
        seen.push(format!("{}: {text}", pack.id));
    }
    Ok(Finding::words(
        document,
        seen.join("; "),
        checked,
        Finding::verdict_of(holds),
    ))
}

/// "Credits never expire": all of a pack is still spendable 24 calendar months later.
pub(super) fn never_expires(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let later = months_after(PURCHASE_MS, NEVER_MONTHS)?;
    let checked = format!(
        "bought each pack on {}, then looked at what it adds to the balance on {}",
        date(PURCHASE_MS),
        date(later)
    );
    per_pack(model, claim, "never expire".to_string(), checked, |pack| {
        let left = pack_balance(model, pack, PURCHASE_MS, &[later])?[0];
        let text = format!(
            "{left} of {} spendable after {NEVER_MONTHS} months",
            pack.credits
        );
        Ok((left == pack.credits, text))
    })
}

/// "Valid for 12 months": all of a pack is spendable until `months` calendar months after
/// purchase (and on the day a 30-day-month reading would have ended it), none from then on.
pub(super) fn expires(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let months = claim.months.unwrap_or_default();
    let end = months_after(PURCHASE_MS, months)?;
    let day_count = PURCHASE_MS + u64::from(months) * 30 * DAY_MS;
    let checked = format!(
        "bought each pack on {}; looked at what it adds to the balance on {} ({months} × 30 \
         days), just before {} ({months} calendar months) and at it",
        date(PURCHASE_MS),
        date(day_count),
        date(end)
    );
    let document = format!("spendable for {months} calendar months");
    per_pack(model, claim, document, checked, |pack| {
        let seen = pack_balance(model, pack, PURCHASE_MS, &[day_count, end - 1, end])?;
        let full = pack.credits;
        let text = format!(
            "{} on {}, {} just before {}, {} at it",
            seen[0],
            date(day_count),
            seen[1],
            date(end),
            seen[2]
        );
        Ok((seen == [full, full, 0], text))
    })
}

/// "Your balance updates immediately": a pack bought mid-cycle is spendable at once.
pub(super) fn immediate(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let bought = PURCHASE_MS + 10 * DAY_MS;
    let checked = format!(
        "bought each pack on {} and looked at the balance then",
        date(bought)
    );
    let document = "spendable the moment it is bought".to_string();
    per_pack(model, claim, document, checked, |pack| {
        let added = pack_balance(model, pack, bought, &[bought])?[0];
        Ok((
            added == pack.credits,
            format!("{added} of {} at once", pack.credits),
        ))
    })
}

/// "Add-ons require an active main subscription" and "a unit ... matches your plan type":
/// a pack cannot be bought without a plan, and only on the plans the document names.
pub(super) fn requires_plan(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let checked = "bought each pack with no plan and on every plan (and, for add-on units, \
                   set up an account with one unit)"
        .to_string();
    let document = format!("only with a plan, on {}", claim.plans.join(", "));
    per_pack(model, claim, document, checked, |pack| {
        let buys = |plan: Option<&str>| {
            let purchase = Purchase {
                plan,
                anchor_ms: PURCHASE_MS,
                at_ms: PURCHASE_MS,
            };
            let bought = pack_grant(model, &pack.id, purchase, "audit".into()).is_ok();
            let unit = !pack.recurring || account_spec(model, plan, 1, 1, PURCHASE_MS).is_ok();
            bought && unit
        };
        let mut allowed: Vec<&str> = Vec::new();
        if buys(None) {
            allowed.push("no plan");
        }
        for plan in model.plans() {
            if buys(Some(&plan.id)) {
                allowed.push(&plan.id);
            }
        }
        let want: Vec<&str> = claim.plans.iter().map(String::as_str).collect();
        let mut sorted = allowed.clone();
        sorted.sort_unstable();
        let mut wanted = want.clone();
        wanted.sort_unstable();
        Ok((
            sorted == wanted,
            format!("bought on {}", allowed.join(", ")),
        ))
    })
}
