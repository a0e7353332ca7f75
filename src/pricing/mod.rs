//! Vendor pricing models: TOML data and the arithmetic that prices an action.
//! STUB: the public signatures below are the contract; the implementation comes later.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Action parameters as given on the command line or in a scenario (`scenes=5`).
pub type Params = BTreeMap<String, String>;

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
    /// Vendor id.
    pub vendor: String,
    /// Action id.
    pub action: String,
    /// The pool the action draws on.
    pub pool: String,
    /// The total.
    pub credits: Cost,
    /// How the total was reached.
    pub breakdown: Vec<QuoteLine>,
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

/// Everything that can go wrong loading a model or pricing an action.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// Placeholder until the pricing module lands.
    #[error("{0}")]
    Other(String),
}

/// One vendor's pricing model.
#[derive(Clone, Debug)]
pub struct Model {
    id: String,
}

impl Model {
    /// A built-in model by id.
    pub fn builtin(id: &str) -> Result<Model, PricingError> {
        Ok(Model { id: id.to_string() })
    }
    /// A model file by path.
    pub fn load(path: &Path) -> Result<Model, PricingError> {
        Err(PricingError::Other(format!("{}", path.display())))
    }
    /// A built-in id, or else a path to a model file.
    pub fn resolve(spec: &str) -> Result<Model, PricingError> {
        Model::builtin(spec)
    }
    /// The vendor id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// When this vendor takes the credits.
    pub fn charge_timing(&self) -> ChargeTiming {
        ChargeTiming::Upfront
    }
    /// Prices one action.
    pub fn quote(&self, action: &str, params: &Params) -> Result<Quote, PricingError> {
        let _ = params;
        Err(PricingError::Other(action.to_string()))
    }
}
