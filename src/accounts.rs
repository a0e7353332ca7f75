//! The bridge from a vendor model to ledger terms: a plan with seats and add-on units becomes
//! an `AccountSpec`, and a pack becomes a `GrantRequest`.
//! STUB: signatures are the contract; bodies come with the pricing module.

use crate::ledger::{AccountSpec, GrantRequest, TimeMs};
use crate::pricing::{Model, PricingError};

/// The ledger terms of an account on `plan` (or on packs only, when `None`).
pub fn account_spec(
    model: &Model,
    plan: Option<&str>,
    seats: u32,
    addon_units: u32,
) -> Result<AccountSpec, PricingError> {
    let _ = (model, plan, seats, addon_units);
    Ok(AccountSpec::default())
}

/// The grant for buying `pack` at `now_ms`, under idempotency key `key`.
pub fn pack_grant(
    model: &Model,
    pack: &str,
    key: String,
    now_ms: TimeMs,
) -> Result<GrantRequest, PricingError> {
    let _ = (model, now_ms);
    Err(PricingError::Other(format!("{pack} {key}")))
}
