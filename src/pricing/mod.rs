//! Vendor pricing models: TOML data and the arithmetic that prices an action.
//!
//! # Layout
//!
//! - [`schema`]: the file format, which is also the read-only view of a loaded model.
//! - `load`: parsing, with errors that name file, line, column and field, and validation.
//! - [`limits`]: the documented limit of every number a model file holds, checked at load.
//! - `quote`: parameters checked against their declarations, and the cost arithmetic.
//! - `plan_quote`: a quote in a plan's context: unlimited, not entitled, or charged.
//! - `claims`: the arithmetic claims of `audit` (the rule claims are run by
//!   `creditsim::audit`, which can use the ledger).
//! - `draw`: how the actual cost of a variable-cost action is drawn from its range.
//! - `supplied`: values the document lacks (prices), supplied by the analyst.
//! - `builtin`: the five vendor files, embedded with `include_str!`.
//!
//! The five vendor files live in `scenarios/models/<id>.toml`. A copy with one price changed
//! loads with [`Model::load`] (or [`Model::resolve`] given its path), so pricing experiments
//! need no Rust.

mod builtin;
mod claims;
mod draw;
mod error;
pub mod limits;
mod load;
mod plan_quote;
mod quote;
pub mod schema;
mod supplied;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use claims::{ClaimResult, ClaimStatus, Finding};
pub use draw::{CostDraw, CostSampler, MeanOutOfRange};
pub use error::PricingError;
pub(crate) use error::list as list_ids;
pub use plan_quote::{OnPlan, PlanQuote};
pub(crate) use schema::params_of;
pub use schema::{
    Action, Amount, Claim, ClaimKind, Item, LowBalance, Pack, PackTerms, Param, Period, Plan, Pool,
    Price, Refresh, Rounding, Validity,
};
pub(crate) use supplied::Supplied;

/// Action parameters as given on the command line or in a scenario (`scenes=5`).
pub type Params = BTreeMap<String, String>;

/// The pool that every vendor has, and that actions and grants use unless they name
/// another (AIBC adds `scan`).
pub const DEFAULT_POOL: &str = "credits";

/// The ids of the five built-in vendor models.
pub const BUILTIN_IDS: [&str; 5] = ["aytada", "aibc", "videodraft", "campaigns", "aistudios"];

/// A cost in credits: fixed where `min == max`, variable where the actual amount is known
/// only after generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// The least it can cost.
    pub min: u64,
    /// The most it can cost; the amount to reserve.
    pub max: u64,
}

impl Cost {
    /// Whether the amount is known before generation.
    pub fn is_fixed(&self) -> bool {
        self.min == self.max
    }
}

impl fmt::Display for Cost {
    /// `85`, or `1–3` for a variable cost.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_fixed() {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}–{}", self.min, self.max)
        }
    }
}

/// One line of a quote's breakdown (`5 scenes × 15`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// What the line is for.
    pub label: String,
    /// What it costs.
    pub credits: Cost,
}

/// The price of one action with its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The model's `id`, from the top-level key of its file.
    pub vendor: String,
    /// The `[[actions]]` id that was priced.
    pub action: String,
    /// The pool the action draws on.
    pub pool: String,
    /// The sum of the `breakdown` lines' credits; its `max` is what a reserve holds.
    pub credits: Cost,
    /// How the total was reached.
    pub breakdown: Vec<QuoteLine>,
}

impl Quote {
    /// The breakdown as one line, `5 scenes × 15 + voiceover 5 + stitch 5 = 85`, so a user
    /// can check the arithmetic by eye.
    pub fn breakdown_text(&self) -> String {
        let terms: Vec<&str> = self.breakdown.iter().map(|l| l.label.as_str()).collect();
        format!("{} = {}", terms.join(" + "), self.credits)
    }
}

/// When a vendor takes the credits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChargeTiming {
    /// Deducted at the start of the step and refunded if generation fails (aytada).
    Upfront,
    /// The actual cost charged after completion (campaigns).
    AfterCompletion,
}

/// One vendor's pricing model, validated: every id it refers to exists, every recipe
/// resolves, and every claim computes.
#[derive(Clone, Debug)]
pub struct Model {
    id: String,
    name: String,
    file: String,
    document: Option<String>,
    currency: Option<String>,
    charge_timing: ChargeTiming,
    warnings: Vec<LowBalance>,
    shared_workspace: bool,
    pools: Vec<Pool>,
    actions: Vec<Action>,
    plans: Vec<Plan>,
    packs: Vec<Pack>,
    incomplete_packs: Vec<PackTerms>,
    claims: Vec<Claim>,
}

impl Model {
    /// A built-in model by id.
    pub fn builtin(id: &str) -> Result<Model, PricingError> {
        match builtin::text(id) {
            Some(text) => load::parse(&format!("scenarios/models/{id}.toml"), text),
            None => Err(PricingError::UnknownVendor {
                vendor: id.to_string(),
                valid: error::list(BUILTIN_IDS, "none"),
            }),
        }
    }

    /// A model file by path.
    pub fn load(path: &Path) -> Result<Model, PricingError> {
        let text = crate::input::read_text(path).map_err(|source| PricingError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        load::parse(&path.display().to_string(), &text)
    }

    /// A built-in id, or else a path to a model file. A spec that is neither is reported as
    /// an unknown vendor, listing the built-in ids.
    pub fn resolve(spec: &str) -> Result<Model, PricingError> {
        if BUILTIN_IDS.contains(&spec) {
            return Model::builtin(spec);
        }
        let path = Path::new(spec);
        if path.is_file() {
            return Model::load(path);
        }
        Err(PricingError::UnknownVendor {
            vendor: spec.to_string(),
            valid: error::list(BUILTIN_IDS, "none"),
        })
    }

    /// The top-level `id` of the model file, which errors, quotes and reports name the vendor by.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The vendor's name, for people.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the model came from (the file path), for messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The vendor document the model transcribes.
    pub fn document(&self) -> Option<&str> {
        self.document.as_deref()
    }

    /// The currency of prices; `None` where the document names none.
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// When this vendor takes the credits.
    pub fn charge_timing(&self) -> ChargeTiming {
        self.charge_timing
    }

    /// Low-balance warnings, as the document words them (campaigns: below 100, at 10).
    pub fn warnings(&self) -> &[LowBalance] {
        &self.warnings
    }

    /// Whether one balance serves a whole workspace (campaigns).
    pub fn shared_workspace(&self) -> bool {
        self.shared_workspace
    }

    /// The pools, in file order.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// The actions, in file order.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The plans, in file order; empty for pack-only vendors.
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// The packs and add-on units whose terms are all known, in file order.
    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// The packs the document names without a size or validity (AIBC's credit packs): they
    /// cannot be bought until [`Model::with_supplied`] fills them in.
    pub fn incomplete_packs(&self) -> &[PackTerms] {
        &self.incomplete_packs
    }

    /// The claims written into the model, in file order.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }

    /// One action by id, or an error listing the valid ids.
    pub fn action(&self, id: &str) -> Result<&Action, PricingError> {
        let found = self.actions.iter().find(|a| a.id == id);
        found.ok_or_else(|| PricingError::UnknownAction {
            vendor: self.id.clone(),
            action: id.to_string(),
            valid: error::list(self.actions.iter().map(|a| a.id.as_str()), "none"),
        })
    }

    /// One plan by id, or an error listing the valid ids.
    pub fn plan(&self, id: &str) -> Result<&Plan, PricingError> {
        let found = self.plans.iter().find(|p| p.id == id);
        found.ok_or_else(|| PricingError::UnknownPlan {
            vendor: self.id.clone(),
            plan: id.to_string(),
            valid: error::list(
                self.plans.iter().map(|p| p.id.as_str()),
                "none (packs only)",
            ),
        })
    }

    /// One pack by id, or an error listing the valid ids. A pack whose size or validity the
    /// document leaves out is refused, saying what a scenario must supply.
    pub fn pack(&self, id: &str) -> Result<&Pack, PricingError> {
        if let Some(pack) = self.packs.iter().find(|p| p.id == id) {
            return Ok(pack);
        }
        if let Some(terms) = self.incomplete_packs.iter().find(|p| p.id == id) {
            return Err(PricingError::IncompletePack {
                vendor: self.id.clone(),
                pack: id.to_string(),
                missing: terms.missing().join(" and "),
            });
        }
        let ids = self.packs.iter().map(|p| p.id.as_str());
        let incomplete = self.incomplete_packs.iter().map(|p| p.id.as_str());
        Err(PricingError::UnknownPack {
            vendor: self.id.clone(),
            pack: id.to_string(),
            valid: error::list(ids.chain(incomplete), "none"),
        })
    }

    /// Prices one action.
    pub fn quote(&self, action: &str, params: &Params) -> Result<Quote, PricingError> {
        quote::quote(self, action, params)
    }

    /// The cost rule of an action in words (`15 (standard) | 40 (pro) per scenes`), for
    /// listings.
    pub fn describe_cost(&self, action: &Action) -> String {
        quote::describe(action)
    }

    /// Prices one action in the context of `plan`: nothing when the plan makes it unlimited,
    /// refused when the plan is not entitled to it, the quote otherwise.
    pub fn quote_on(
        &self,
        plan: &str,
        action: &str,
        params: &Params,
    ) -> Result<PlanQuote, PricingError> {
        plan_quote::quote_on(self, plan, action, params)
    }

    /// Computes an arithmetic claim (`None` for a rule claim, which needs the ledger: see
    /// `creditsim::audit`). A claim that fails is a finding about the document, not an error.
    pub(crate) fn compute_claim(&self, claim: &Claim) -> Option<Finding> {
        (!claim.kind.is_rule()).then(|| claims::evaluate(self, claim))
    }
}
