//! The bridge from a vendor model to ledger terms: a plan with seats and add-on units becomes
//! an `AccountSpec`, and a pack becomes a `GrantRequest`. The ledger knows nothing of pricing
//! files; this is the one place where plan words (monthly, upfront, per seat, billing cycle)
//! turn into virtual times and lot priorities.

use std::collections::BTreeSet;

use crate::ledger::calendar::{add_months, cycle_end_after};
use crate::ledger::{AccountSpec, Credits, GrantRequest, LotSource, RecurringGrant, TimeMs};
use crate::pricing::{
    ChargeTiming, Cost, LowBalance, Model, Pack, Period, Plan, PricingError, Refresh, Validity,
};

/// How long an idempotency record is kept after its request closed: 24 hours of virtual
/// time, far longer than any retry a user agent makes, and short enough that a year-long run
/// does not keep every key.
pub const KEY_RETENTION_MS: TimeMs = 24 * 3600 * 1000;

/// Lot priority of plan allowances: drawn first among lots with the same expiry, because
/// they are the credits a user loses soonest in practice.
pub(crate) const PRIORITY_ALLOWANCE: u8 = 0;
/// Lot priority of recurring add-on units: after the allowance, before packs.
pub(crate) const PRIORITY_ADDON: u8 = 1;
/// Lot priority of one-time packs: drawn last, as the credits a user paid for separately.
pub(crate) const PRIORITY_PACK: u8 = 2;

/// The ledger terms of an account on `plan` (or on packs only, when `None`) that starts at
/// `anchor_ms`.
///
/// The allowance is multiplied by `seats` on per-seat plans (seats are ignored otherwise).
/// A plan whose allowance is 0 (AIBC Free) gets no recurring grant. `addon_units` recurring
/// add-on units are granted monthly and expire with the plan's billing cycle.
pub fn account_spec(
    model: &Model,
    plan: Option<&str>,
    seats: u32,
    addon_units: u32,
    anchor_ms: TimeMs,
) -> Result<AccountSpec, PricingError> {
    let mut spec = AccountSpec {
        anchor_ms,
        warn_thresholds: warn_levels(model),
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

/// The balances at or below which the ledger warns: "below 100" is 99 in whole credits,
/// "reaches 10" is 10.
fn warn_levels(model: &Model) -> Vec<Credits> {
    model
        .warnings()
        .iter()
        .filter_map(|w| LowBalance::level(*w))
        .collect()
}

/// How one generation step is charged on the ledger: what is held when it starts, and what
/// a success commits (a failure releases the whole hold, so it is never charged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settlement {
    /// Credits held at the start.
    pub hold: Credits,
    /// Credits charged on success, at most `hold`; the rest goes back.
    pub charge: Credits,
}

/// The settlement of a step quoted at `cost` whose actual cost is `actual` (clamped into the
/// range), by the vendor's charge timing.
///
/// - Upfront ("deducted at the start of each step"): the amount is known and taken when the
///   step starts, so the hold is the charge and nothing comes back on success.
/// - After completion ("your balance updates immediately after ... any AI operation
///   completes"): the actual amount is known only afterwards, so the most it can cost is held
///   while it runs and the actual is charged, the rest returned.
pub(crate) fn settlement(model: &Model, cost: Cost, actual: Credits) -> Settlement {
    let actual = actual.clamp(cost.min, cost.max);
    match model.charge_timing() {
        ChargeTiming::Upfront => Settlement {
            hold: actual,
            charge: actual,
        },
        ChargeTiming::AfterCompletion => Settlement {
            hold: cost.max,
            charge: actual,
        },
    }
}

/// Whether the credits of `pack`, bought by one member of a workspace, are spendable by every
/// member (one balance for the workspace), or only by the member who bought them: the
/// vendor's balance is shared across the workspace (campaigns), or the pack's credits are
/// (AI Studios Team units).
pub(crate) fn shares_balance(model: &Model, pack: &Pack) -> bool {
    model.shared_workspace() || pack.shared
}

/// The length of a plan's billing cycle, in calendar months.
fn cycle_months(plan: &Plan) -> u32 {
    match plan.period {
        Period::Monthly => 1,
        Period::Annual => 12,
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
    let every_months = match plan.refresh {
        Refresh::Monthly => 1,
        Refresh::Upfront => cycle_months(plan),
    };
    Ok(Some(RecurringGrant {
        label: format!("allowance:{}", plan.id),
        source: LotSource::Allowance,
        pool: plan.pool.as_str().into(),
        credits,
        every_months,
        cycle_months: every_months,
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

/// Add-on units, granted every month; their lots expire as the unit's validity says: with
/// the plan's billing cycle, or never. A unit valid for N months from each grant has no
/// recurring form in the ledger, and is refused.
fn addon_grant(model: &Model, plan: &Plan, units: u32) -> Result<RecurringGrant, PricingError> {
    let pack = addon_for(model, plan).ok_or_else(|| no_addon(model, &plan.id))?;
    let credits = pack
        .credits
        .checked_mul(u64::from(units))
        .ok_or_else(|| overflow(model, plan))?;
    let cycle_months = match pack.validity {
        Validity::BillingCycle => cycle_months(plan),
        Validity::Never => 0,
        Validity::Months(_) => return Err(no_addon(model, &plan.id)),
    };
    Ok(RecurringGrant {
        label: format!("addon:{}", pack.id),
        source: LotSource::Addon,
        pool: pack.pool.as_str().into(),
        credits,
        every_months: 1,
        cycle_months,
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

/// When and by whom a pack is bought: the account's plan (`None`: no active plan), the
/// account's start (its billing cycles count from there), the time of purchase, and the
/// idempotency key of the payment.
#[derive(Clone, Copy, Debug)]
pub struct Purchase<'a> {
    /// The account's plan.
    pub plan: Option<&'a str>,
    /// The account's anchor.
    pub anchor_ms: TimeMs,
    /// The time of purchase.
    pub at_ms: TimeMs,
}

/// The grant for buying `pack` as `purchase` says, under idempotency key `key`.
///
/// Expiry follows the pack's validity: never; N calendar months after purchase; or the end
/// of the plan's current billing cycle. A recurring add-on bought this way is its first,
/// mid-cycle unit (the later ones come from [`account_spec`]).
pub fn pack_grant(
    model: &Model,
    pack: &str,
    purchase: Purchase<'_>,
    key: String,
) -> Result<GrantRequest, PricingError> {
    let pack = model.pack(pack)?;
    let plan = purchase.plan.map(|id| model.plan(id)).transpose()?;
    check_plan_for_pack(model, pack, plan)?;
    let at_ms = purchase.at_ms;
    let expires_at_ms = match (pack.validity, plan) {
        (Validity::Never, _) => None,
        // Beyond the calendar's range means never in practice.
        (Validity::Months(n), _) => add_months(at_ms, u64::from(n)),
        (Validity::BillingCycle, Some(plan)) => {
            cycle_end_after(purchase.anchor_ms, cycle_months(plan), at_ms)
        }
        (Validity::BillingCycle, None) => return Err(needs_plan(model, pack)),
    };
    let (source, priority) = match pack.recurring {
        true => (LotSource::Addon, PRIORITY_ADDON),
        false => (LotSource::Pack, PRIORITY_PACK),
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
