//! What a scenario may name: the seam between scenario validation and the pricing model.
//!
//! Validation asks a [`Catalog`] whether an action with its parameters can be priced and
//! whether a plan or pack exists. [`Model`] is the real catalog; tests substitute a
//! small one, so that scenario validation is testable without the vendor models.

use crate::accounts;
use crate::pricing::{Model, Params};

/// Answers "does the vendor know this?" for scenario validation. Each method returns the
/// vendor's own explanation when the answer is no; the scenario error adds file, line and
/// field.
pub trait Catalog {
    /// Whether `action` with `params` can be priced.
    fn check_action(&self, action: &str, params: &Params) -> Result<(), String>;
    /// Whether an account on `plan` (packs only when `None`) with `seats` and `addon_units`
    /// can be set up.
    fn check_account(&self, plan: Option<&str>, seats: u32, addon_units: u32)
    -> Result<(), String>;
    /// Whether `pack` can be bought by an account on `plan`.
    fn check_pack(&self, pack: &str, plan: Option<&str>) -> Result<(), String>;
}

impl Catalog for Model {
    fn check_action(&self, action: &str, params: &Params) -> Result<(), String> {
        self.quote(action, params)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn check_account(
        &self,
        plan: Option<&str>,
        seats: u32,
        addon_units: u32,
    ) -> Result<(), String> {
        let per_seat = plan
            .and_then(|id| self.plan(id).ok())
            .is_some_and(|plan| plan.per_seat);
        if seats != 1 && !per_seat {
            let plan = plan.unwrap_or("no plan (packs only)");
            return Err(format!(
                "`seats = {seats}` has no effect: {plan} is not priced per seat; remove `seats`"
            ));
        }
        accounts::account_spec(self, plan, seats, addon_units, 0)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn check_pack(&self, pack: &str, plan: Option<&str>) -> Result<(), String> {
        let purchase = accounts::Purchase {
            plan,
            anchor_ms: 0,
            at_ms: 0,
        };
        accounts::pack_grant(self, pack, purchase, "scenario-validation".to_string())
            .map(drop)
            .map_err(|e| e.to_string())
    }
}
