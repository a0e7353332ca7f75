//! The bridge from a vendor model to ledger terms: a plan with seats and add-on units becomes
//! an `AccountSpec`, and a pack becomes a `GrantRequest`. The ledger knows nothing of pricing
//! files; this is the one place where plan words (monthly, upfront, per seat, billing cycle)
//! turn into virtual times and lot priorities.

use std::collections::BTreeSet;

use crate::ledger::{AccountSpec, GrantRequest, MONTH_MS, RecurringGrant, Source, TimeMs, YEAR_MS};
use crate::pricing::{Model, Pack, Period, Plan, PricingError, Refresh, Validity};

/// How long an idempotency record is kept after its request closed: 24 hours of virtual
/// time, far longer than any retry a user agent makes, and short enough that a year-long run
/// does not keep every key.
pub const KEY_RETENTION_MS: TimeMs = 24 * 3600 * 1000;

/// Lot priority of plan allowances: drawn first among lots with the same expiry, because
/// they are the credits a user loses soonest in practice.
pub const PRIORITY_ALLOWANCE: u8 = 0;
/// Lot priority of recurring add-on units: after the allowance, before packs.
pub const PRIORITY_ADDON: u8 = 1;
/// Lot priority of one-time packs: drawn last, as the credits a user paid for separately.
pub const PRIORITY_PACK: u8 = 2;

/// The ledger terms of an account on `plan` (or on packs only, when `None`).
///
/// The allowance is multiplied by `seats` on per-seat plans (seats are ignored otherwise).
/// A plan whose allowance is 0 (AIBC Free) gets no recurring grant. `addon_units` recurring
/// add-on units are granted monthly and expire with the plan's billing cycle.
pub fn account_spec(
    model: &Model,
    plan: Option<&str>,
    seats: u32,
    addon_units: u32,
) -> Result<AccountSpec, PricingError> {
    let mut spec = AccountSpec {
        warn_thresholds: model.warn_thresholds(),
        key_retention_ms: KEY_RETENTION_MS,
        ..AccountSpec::default()
    };
    let Some(plan_id) = plan else {
        if addon_units > 0 {
            return Err(no_addon(model, "no plan"));
        }
        return Ok(spec);
    };
    let plan = model.plan(plan_id)?;
    if let Some(grant) = allowance_grant(model, plan, seats)? {
        spec.recurring.push(grant);
    }
    if addon_units > 0 {
        spec.recurring.push(addon_grant(model, plan, addon_units)?);
    }
    spec.entitled = plan
        .entitled
        .as_ref()
        .map(|ids| ids.iter().cloned().collect());
    spec.unlimited = plan.unlimited.iter().cloned().collect::<BTreeSet<_>>();
    Ok(spec)
}

/// The length of a plan's billing cycle.
fn cycle_ms(plan: &Plan) -> TimeMs {
    match plan.period {
        Period::Monthly => MONTH_MS,
        Period::Annual => YEAR_MS,
    }
}

fn allowance_grant(
    model: &Model,
    plan: &Plan,
    seats: u32,
) -> Result<Option<RecurringGrant>, PricingError> {
    let allowance = plan
        .allowance
        .ok_or_else(|| PricingError::UnknownAllowance {
            vendor: model.id().to_string(),
            plan: plan.id.clone(),
        })?;
    let credits = match plan.per_seat {
        true if seats == 0 => {
            return Err(PricingError::NoSeats {
                vendor: model.id().to_string(),
                plan: plan.id.clone(),
            });
        }
        true => allowance
            .checked_mul(u64::from(seats))
            .ok_or_else(|| overflow(model, plan))?,
        false => allowance,
    };
    if credits == 0 {
        return Ok(None);
    }
    let every_ms = match plan.refresh {
        Refresh::Monthly => MONTH_MS,
        Refresh::Upfront => cycle_ms(plan),
    };
    Ok(Some(RecurringGrant {
        label: format!("allowance:{}", plan.id),
        source: Source::Allowance,
        pool: plan.pool.as_str().into(),
        credits,
        every_ms,
        cycle_ms: every_ms,
        priority: PRIORITY_ALLOWANCE,
    }))
}

fn overflow(model: &Model, plan: &Plan) -> PricingError {
    PricingError::Overflow {
        vendor: model.id().to_string(),
        action: format!("plan {}", plan.id),
    }
}

/// The recurring add-on pack sold on `plan`.
fn addon_for<'m>(model: &'m Model, plan: &Plan) -> Option<&'m Pack> {
    model.packs().iter().find(|p| {
        p.recurring
            && p.plans
                .as_ref()
                .is_none_or(|plans| plans.contains(&plan.id))
    })
}

fn addon_grant(model: &Model, plan: &Plan, units: u32) -> Result<RecurringGrant, PricingError> {
    let pack = addon_for(model, plan).ok_or_else(|| no_addon(model, &plan.id))?;
    let credits = pack
        .credits
        .checked_mul(u64::from(units))
        .ok_or_else(|| overflow(model, plan))?;
    Ok(RecurringGrant {
        label: format!("addon:{}", pack.id),
        source: Source::Addon,
        pool: pack.pool.as_str().into(),
        credits,
        every_ms: MONTH_MS,
        cycle_ms: cycle_ms(plan),
        priority: PRIORITY_ADDON,
    })
}

fn no_addon(model: &Model, plan: &str) -> PricingError {
    let with_addons: Vec<&str> = model
        .plans()
        .iter()
        .filter(|p| addon_for(model, p).is_some())
        .map(|p| p.id.as_str())
        .collect();
    PricingError::NoAddon {
        vendor: model.id().to_string(),
        plan: plan.to_string(),
        valid: crate::pricing::list_ids(with_addons, "no plan"),
    }
}

/// The grant for buying `pack` at `now_ms` on `plan` (`None`: no active plan), under
/// idempotency key `key`.
///
/// Expiry follows the pack's validity: never; N months after purchase; or the end of the
/// plan's current billing cycle. A recurring add-on bought this way is its first, mid-cycle
/// unit (the later ones come from [`account_spec`]).
pub fn pack_grant(
    model: &Model,
    pack: &str,
    plan: Option<&str>,
    key: String,
    now_ms: TimeMs,
) -> Result<GrantRequest, PricingError> {
    let pack = model.pack(pack)?;
    let plan = plan.map(|id| model.plan(id)).transpose()?;
    check_plan_for_pack(model, pack, plan)?;
    let expires_at_ms = match (pack.validity, plan) {
        (Validity::Never, _) => None,
        (Validity::Months(n), _) => Some(months_after(now_ms, n)),
        (Validity::BillingCycle, Some(plan)) => Some(cycle_end(now_ms, cycle_ms(plan))),
        (Validity::BillingCycle, None) => return Err(needs_plan(model, pack)),
    };
    let (source, priority) = match pack.recurring {
        true => (Source::Addon, PRIORITY_ADDON),
        false => (Source::Pack, PRIORITY_PACK),
    };
    Ok(GrantRequest {
        key: key.into(),
        pool: pack.pool.as_str().into(),
        credits: pack.credits,
        source,
        expires_at_ms,
        priority,
    })
}

fn check_plan_for_pack(
    model: &Model,
    pack: &Pack,
    plan: Option<&Plan>,
) -> Result<(), PricingError> {
    let Some(plan) = plan else {
        return match pack.requires_plan {
            true => Err(needs_plan(model, pack)),
            false => Ok(()),
        };
    };
    match &pack.plans {
        Some(plans) if !plans.contains(&plan.id) => Err(PricingError::PackNotForPlan {
            vendor: model.id().to_string(),
            pack: pack.id.clone(),
            plan: plan.id.clone(),
            valid: crate::pricing::list_ids(plans.iter().map(String::as_str), "no plan"),
        }),
        _ => Ok(()),
    }
}

fn needs_plan(model: &Model, pack: &Pack) -> PricingError {
    let valid = match &pack.plans {
        Some(plans) => plans.clone(),
        None => model.plans().iter().map(|p| p.id.clone()).collect(),
    };
    PricingError::PackNeedsPlan {
        vendor: model.id().to_string(),
        pack: pack.id.clone(),
        valid: crate::pricing::list_ids(valid.iter().map(String::as_str), "no plan"),
    }
}

/// `now_ms` plus `months` virtual months, saturating far in the future rather than wrapping.
fn months_after(now_ms: TimeMs, months: u32) -> TimeMs {
    now_ms.saturating_add(MONTH_MS.saturating_mul(u64::from(months)))
}

/// The end of the `cycle_ms` cycle that contains `now_ms` (cycles start at time 0, as the
/// ledger's recurring grants do).
fn cycle_end(now_ms: TimeMs, cycle_ms: TimeMs) -> TimeMs {
    (now_ms / cycle_ms)
        .saturating_add(1)
        .saturating_mul(cycle_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_end_is_the_next_boundary() {
        assert_eq!(cycle_end(0, MONTH_MS), MONTH_MS);
        assert_eq!(cycle_end(MONTH_MS - 1, MONTH_MS), MONTH_MS);
        assert_eq!(cycle_end(MONTH_MS, MONTH_MS), 2 * MONTH_MS);
        assert_eq!(cycle_end(5 * MONTH_MS + 7, YEAR_MS), YEAR_MS);
    }
}
