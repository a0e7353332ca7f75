//! The economics scenario exactly as written: serde structs with spans, checked for shape
//! only. Meaning (ranges, ids, prices) is checked in `build`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A whole economics scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEconomics {
    pub name: Option<Spanned<String>>,
    pub vendor: Spanned<String>,
    pub months: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub start: Option<Spanned<String>>,
    pub prices: Option<Spanned<BTreeMap<String, Spanned<RawPrices>>>>,
    pub intents: Option<Vec<Spanned<RawIntent>>>,
    pub personas: Option<Vec<Spanned<RawPersona>>>,
    pub offers: Option<Vec<Spanned<RawOffer>>>,
}

/// `[prices.VENDOR]`: what the vendor's document leaves unpriced.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrices {
    pub currency: Option<Spanned<String>>,
    pub plans: Option<BTreeMap<String, Spanned<String>>>,
    pub packs: Option<BTreeMap<String, Spanned<String>>>,
    pub pack_credits: Option<BTreeMap<String, Spanned<i64>>>,
    pub pack_validity: Option<BTreeMap<String, Spanned<String>>>,
}

/// One `[[intents]]` entry: what a user wants, and how each vendor serves it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIntent {
    pub id: Spanned<String>,
    /// Accepted so that a file can say what an intent is; read by people, not the engine.
    #[allow(dead_code)]
    pub description: Option<Spanned<String>>,
    pub vendors: Option<BTreeMap<String, Spanned<RawAction>>>,
}

/// An action with its parameters, as an intent maps it for one vendor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAction {
    pub action: Spanned<String>,
    pub params: Option<Spanned<BTreeMap<String, Spanned<ParamValue>>>>,
}

/// What an account buys, borrowed from a persona (without `[[offers]]`) or an offer, which
/// spell these fields alike.
#[derive(Clone, Copy, Debug)]
pub(super) struct RawPurchase<'a> {
    pub plan: Option<&'a Spanned<String>>,
    pub packs: Option<&'a Spanned<Vec<Spanned<String>>>>,
    pub addon_units: Option<&'a Spanned<i64>>,
    pub topup: Option<&'a Spanned<RawTopup>>,
}

/// `topup = { pack = "ID", below = N | when = "blocked", max_per_month = N }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTopup {
    pub pack: Spanned<String>,
    pub below: Option<Spanned<i64>>,
    pub when: Option<Spanned<String>>,
    pub max_per_month: Option<Spanned<i64>>,
}

/// One `[[personas]]` group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPersona {
    pub id: Spanned<String>,
    pub accounts: Option<Spanned<i64>>,
    pub seats: Option<Spanned<i64>>,
    pub plan: Option<Spanned<String>>,
    pub packs: Option<Spanned<Vec<Spanned<String>>>>,
    pub addon_units: Option<Spanned<i64>>,
    pub topup: Option<Spanned<RawTopup>>,
    pub usage: Option<Vec<Spanned<RawUsage>>>,
}

/// One `[[personas.usage]]` line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUsage {
    pub action: Option<Spanned<String>>,
    pub intent: Option<Spanned<String>>,
    pub params: Option<Spanned<BTreeMap<String, Spanned<ParamValue>>>>,
    pub per_month: Spanned<RawCount>,
    pub failure_rate: Option<Spanned<f64>>,
    pub cost: Option<Spanned<RawCostDraw>>,
}

/// `per_month = 4` or `per_month = { mean = 4.5 }`.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a whole number of steps, or { mean = X } for a Poisson count"
)]
pub(super) enum RawCount {
    Exact(i64),
    Mean { mean: f64 },
}

/// `cost = "uniform"` or `cost = { mean = X }`.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected \"uniform\", or { mean = X } for the maximum-entropy distribution \
                 with that mean"
)]
pub(super) enum RawCostDraw {
    Named(String),
    Mean { mean: f64 },
}

/// One `[[offers]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOffer {
    pub id: Option<Spanned<String>>,
    pub vendor: Option<Spanned<String>>,
    pub plan: Option<Spanned<String>>,
    pub packs: Option<Spanned<Vec<Spanned<String>>>>,
    pub addon_units: Option<Spanned<i64>>,
    pub topup: Option<Spanned<RawTopup>>,
}

impl RawPersona {
    /// What the persona buys itself, when the scenario lists no offers.
    pub(super) fn purchase(&self) -> RawPurchase<'_> {
        RawPurchase {
            plan: self.plan.as_ref(),
            packs: self.packs.as_ref(),
            addon_units: self.addon_units.as_ref(),
            topup: self.topup.as_ref(),
        }
    }
}

impl RawOffer {
    /// What the offer sells.
    pub(super) fn purchase(&self) -> RawPurchase<'_> {
        RawPurchase {
            plan: self.plan.as_ref(),
            packs: self.packs.as_ref(),
            addon_units: self.addon_units.as_ref(),
            topup: self.topup.as_ref(),
        }
    }
}

/// A parameter value: a TOML string or integer, kept as the string the pricing model reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ParamValue(pub String);

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ParamValue, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "expected a string or an integer")]
        enum Either {
            Int(i64),
            Str(String),
        }
        Ok(ParamValue(match Either::deserialize(deserializer)? {
            Either::Int(n) => n.to_string(),
            Either::Str(s) => s,
        }))
    }
}
