//! A quote in a plan's context. A plan may make an action unlimited (VideoDraft Studio's
//! speech) or refuse it (AIBC Free has no Production Room); the list price alone would tell a
//! Studio user that speech costs credits.

use serde::Serialize;

use super::{Cost, Model, Params, PricingError, Quote};

/// What a plan does with an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnPlan {
    /// Charged the action's list price, `quote.credits`.
    Charged,
    /// Never held or charged on this plan.
    Unlimited,
    /// Refused on this plan.
    NotEntitled,
}

/// The price of one action on one plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanQuote {
    /// The `[[plans]]` id the action was priced on.
    pub plan: String,
    /// What the plan does with the action.
    pub on_plan: OnPlan,
    /// The action's list price, and the pool it draws on.
    pub quote: Quote,
}

impl PlanQuote {
    /// What the plan pays: the quote, zero when unlimited, `None` when refused.
    pub fn credits(&self) -> Option<Cost> {
        match self.on_plan {
            OnPlan::Charged => Some(self.quote.credits),
            OnPlan::Unlimited => Some(Cost { min: 0, max: 0 }),
            OnPlan::NotEntitled => None,
        }
    }
}

pub(crate) fn quote_on(
    model: &Model,
    plan: &str,
    action: &str,
    params: &Params,
) -> Result<PlanQuote, PricingError> {
    let plan = model.plan(plan)?;
    let quote = model.quote(action, params)?;
    let entitled = plan
        .entitled
        .as_ref()
        .is_none_or(|ids| ids.contains(&quote.action));
    let on_plan = match (entitled, plan.unlimited.contains(&quote.action)) {
        (false, _) => OnPlan::NotEntitled,
        (true, true) => OnPlan::Unlimited,
        (true, false) => OnPlan::Charged,
    };
    Ok(PlanQuote {
        plan: plan.id.clone(),
        on_plan,
        quote,
    })
}
