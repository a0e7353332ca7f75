//! The TOML schema of a vendor model file. These types are what an analyst writes, and they
//! are also the read-only view that [`Model`](super::Model) hands out: a copy of a built-in
//! file with one price changed must load without touching Rust, so everything a vendor
//! document says lives here as data.
//!
//! Every table denies unknown fields, so a misspelt key is an error with its line and column
//! rather than a silently ignored setting.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::ChargeTiming;
use super::Cost;

/// The highest price (a limit of [`super::limits`], kept here where prices and validity are
/// parsed), in whole units of the currency (1,000,000.00), of a plan's billing
/// period or a pack.
pub(crate) const MAX_PRICE: u64 = 1_000_000;
/// The longest a pack may last or a claim may look ahead, in calendar months: a century,
/// the horizon of a scenario's `months`.
pub(crate) const MAX_MONTHS: u32 = 1_200;

mod claim;

pub use claim::{Budget, Claim, ClaimKind, DocValue, Item, Lines, Match};

/// The pool every action and grant uses unless it names another.
pub(crate) fn default_pool() -> String {
    super::DEFAULT_POOL.to_string()
}

/// The whole file, as parsed, before validation. Arrays of tables keep the document's order,
/// which the `vendors` listing follows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawModel {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub document: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    pub charge_timing: ChargeTiming,
    #[serde(default)]
    pub warnings: Vec<LowBalance>,
    #[serde(default)]
    pub shared_workspace: bool,
    pub pools: Vec<Spanned<Pool>>,
    pub actions: Vec<Spanned<Action>>,
    #[serde(default)]
    pub plans: Vec<Spanned<Plan>>,
    #[serde(default)]
    pub packs: Vec<Spanned<PackTerms>>,
    #[serde(default)]
    pub claims: Vec<Spanned<Claim>>,
}

/// A balance that actions draw on. Most vendors have one (`credits`); AIBC keeps deep scans
/// in a separate `scan` pool that monthly credits cannot pay for.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// The pool id that actions, plans and packs name.
    pub id: String,
    /// What the document says the pool is for.
    pub description: String,
}

/// A low-balance warning as the document words it. Credits are whole, so "drops below 100"
/// and "reaches 99" warn at the same balance; both forms exist so that a file keeps the
/// document's own number.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum LowBalance {
    /// `{ below = 100 }`: warns once the balance is below 100 (at 99 or less).
    Below(u64),
    /// `{ reaches = 10 }`: warns once the balance is 10 or less.
    Reaches(u64),
}

impl LowBalance {
    /// The highest balance that warns; `None` for "below 0", which no balance reaches.
    pub fn level(self) -> Option<u64> {
        match self {
            LowBalance::Below(n) => n.checked_sub(1),
            LowBalance::Reaches(n) => Some(n),
        }
    }
}

impl fmt::Display for LowBalance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LowBalance::Below(n) => write!(f, "below {n}"),
            LowBalance::Reaches(n) => write!(f, "at {n}"),
        }
    }
}

/// A number or a word: TOML lets an analyst write `scenes = 5` or `quality = "pro"`, and both
/// end up as the string a command-line `PARAM=VALUE` would give.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged, expecting = "expected a whole number or a string")]
pub enum Scalar {
    /// A whole number.
    Int(u64),
    /// Any other value, as written (`quality = "pro"`).
    Str(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

/// A credit amount as written: `5` (fixed) or `{ min = 1, max = 3 }` (variable, the actual
/// amount known only after generation).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(
    untagged,
    expecting = "expected a whole number of credits, or { min = N, max = N } for a variable cost"
)]
pub enum Amount {
    /// Exactly this many credits.
    Fixed(u64),
    /// A variable cost, `{ min = N, max = N }`: the actual amount is known only after generation.
    Range {
        /// The fewest credits it can cost.
        min: u64,
        /// The most credits it can cost, which a reserve holds.
        max: u64,
    },
}

impl Amount {
    /// The amount as a cost range.
    pub fn cost(self) -> Cost {
        match self {
            Amount::Fixed(n) => Cost { min: n, max: n },
            Amount::Range { min, max } => Cost { min, max },
        }
    }
}

/// One parameter of an action: either a word from a fixed list (`quality=standard|pro`) or a
/// whole number within bounds (`scenes=N`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// What the parameter means, for `vendors` and error messages.
    #[serde(default)]
    pub description: Option<String>,
    /// The allowed words; `None` makes the parameter a whole number.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// The least whole number allowed (number parameters only); 0 when absent.
    #[serde(default)]
    pub min: Option<u64>,
    /// The greatest whole number allowed (number parameters only); unbounded when absent.
    #[serde(default)]
    pub max: Option<u64>,
    /// The value used when the caller gives none; without one the parameter is required.
    #[serde(default)]
    pub default: Option<Scalar>,
}

/// How a per-unit count is turned into whole units (`speech`: 1 credit per 100 characters).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Any part of a unit costs a whole unit (150 chars at 100 a unit = 2 units).
    Ceil,
    /// Only whole units count.
    Floor,
    /// The count must be a multiple of the unit; anything else is bad input.
    Exact,
}

/// A parameter of a recipe step: a literal, or taken from the recipe's own parameter,
/// optionally through a map (`ad length=short` → `video scenes=3`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "expected a value, or { from = \"PARAM\" } with an optional `map` of values"
)]
pub enum StepParam {
    /// A fixed value.
    Literal(Scalar),
    /// The value of the recipe's parameter `from`, translated by `map` when present.
    From {
        /// The recipe's parameter.
        from: String,
        /// Recipe value → step value; absent means pass the value through.
        #[serde(default)]
        map: Option<BTreeMap<String, Scalar>>,
    },
}

/// Turns TOML scalars into the strings a command line would give.
pub(crate) fn params_of(map: &BTreeMap<String, Scalar>) -> super::Params {
    map.iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

impl StepParam {
    /// The step parameter's value given the recipe's resolved parameters (`None` when the
    /// recipe lacks the parameter, or `map` has no entry for its value).
    pub(crate) fn value(&self, recipe: &super::Params) -> Option<String> {
        match self {
            StepParam::Literal(v) => Some(v.to_string()),
            StepParam::From { from, map: None } => recipe.get(from).cloned(),
            StepParam::From {
                from,
                map: Some(map),
            } => {
                let key = recipe.get(from)?;
                map.get(key).map(ToString::to_string)
            }
        }
    }
}

/// One action that a recipe runs.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeStep {
    /// The id of the `[[actions]]` entry this step runs.
    pub action: String,
    /// The step action's parameters by name, each fixed or taken from the recipe's own.
    #[serde(default)]
    pub params: BTreeMap<String, StepParam>,
}

/// Something a user does that may cost credits, with its cost rule. Exactly one of
/// `credits`, `table` (with `by`) or `steps` gives the rate; `per` (with `unit` and
/// `rounding`) multiplies it by a number parameter.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The action id used on the command line and in scenarios.
    pub id: String,
    /// What the action is, in the document's words.
    pub description: String,
    /// The `[[pools]]` id its cost is held and charged from; `credits` when absent.
    #[serde(default = "default_pool")]
    pub pool: String,
    /// Its parameters by name.
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    /// A rate that does not depend on any parameter value.
    #[serde(default)]
    pub credits: Option<Amount>,
    /// The parameter whose value picks the rate from `table`.
    #[serde(default)]
    pub by: Option<String>,
    /// Rate by value of the `by` parameter.
    #[serde(default)]
    pub table: Option<BTreeMap<String, Amount>>,
    /// A number parameter that multiplies the rate (`scenes`, `chars`, `seconds`).
    #[serde(default)]
    pub per: Option<String>,
    /// How many of `per` make one unit (100 characters); 1 when absent.
    #[serde(default)]
    pub unit: Option<u64>,
    /// How a partial unit is counted; required when `unit` is above 1.
    #[serde(default)]
    pub rounding: Option<Rounding>,
    /// A recipe: the sum of these actions.
    #[serde(default)]
    pub steps: Option<Vec<RecipeStep>>,
    /// A remark from the model's author (a reading of the document, a choice made).
    #[serde(default)]
    pub note: Option<String>,
}

/// How long a plan's billing period is.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    /// Billed every (virtual) month.
    Monthly,
    /// Billed every (virtual) year of twelve months.
    Annual,
}

/// When a plan's allowance is granted.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Refresh {
    /// Granted every month and expiring at the month's end, whatever the billing period
    /// (videodraft: "Annual plans: Credits still reset monthly").
    Monthly,
    /// Granted once at the start of each billing period and expiring at its end (aistudios
    /// annual plans: "granted upfront").
    Upfront,
}

/// One `[[plans]]` entry: a subscription, with its allowance, billing period and price.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The plan id (kebab-case, from the document).
    pub id: String,
    /// The document's name for it.
    pub name: String,
    /// The pool its allowance goes to.
    #[serde(default = "default_pool")]
    pub pool: String,
    /// Credits per grant (per seat when `per_seat`); `None` where the document gives no
    /// number (aistudios Enterprise: "custom allocations").
    #[serde(default)]
    pub allowance: Option<u64>,
    /// Whether the allowance is per seat.
    #[serde(default)]
    pub per_seat: bool,
    /// How often the plan is billed; `refresh` says when the allowance is granted.
    pub period: Period,
    /// When the allowance is granted.
    pub refresh: Refresh,
    /// Unused allowance carries over. No document allows it, and the ledger expires every
    /// allowance lot at the end of its cycle, so `true` is refused.
    #[serde(default)]
    pub rollover: bool,
    /// The price per billing period (per seat when `per_seat`); `None` where the document
    /// gives none.
    #[serde(default)]
    pub price: Option<Price>,
    /// The only actions the plan may use; `None` means all of them.
    #[serde(default)]
    pub entitled: Option<Vec<String>>,
    /// Actions the plan makes unlimited: never held or charged.
    #[serde(default)]
    pub unlimited: Vec<String>,
    /// A remark from the model's author.
    #[serde(default)]
    pub note: Option<String>,
}

/// How long a pack's credits last.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(try_from = "String", into = "String")]
pub enum Validity {
    /// Never expire (`"never"`).
    Never,
    /// Expire this many months after purchase (`"12-months"`).
    Months(u32),
    /// Expire at the end of the plan's current billing cycle (`"billing-cycle"`).
    BillingCycle,
}

impl TryFrom<String> for Validity {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let months = text.strip_suffix("-months").and_then(|n| n.parse().ok());
        let max = MAX_MONTHS;
        match (text.as_str(), months) {
            ("never", _) => Ok(Validity::Never),
            ("billing-cycle", _) => Ok(Validity::BillingCycle),
            (_, Some(n)) if n > max => Err(format!(
                "invalid validity `{text}`: expected at most {max} months (the limit of \
                 `packs.validity`)"
            )),
            (_, Some(n)) if n > 0 => Ok(Validity::Months(n)),
            _ => Err(format!(
                "invalid validity `{text}`: expected \"never\", \"billing-cycle\" or \"N-months\""
            )),
        }
    }
}

impl From<Validity> for String {
    fn from(v: Validity) -> String {
        v.to_string()
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validity::Never => f.write_str("never"),
            Validity::Months(n) => write!(f, "{n}-months"),
            Validity::BillingCycle => f.write_str("billing-cycle"),
        }
    }
}

/// A price in cents, written in TOML as a decimal string (`"19.00"`) so that money never
/// passes through a float.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(try_from = "String", into = "String")]
pub struct Price {
    /// Hundredths of the model's currency.
    pub cents: u64,
}

impl TryFrom<String> for Price {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let bad = || format!("invalid price `{text}`: expected a decimal string like \"19.00\"");
        let (whole, frac) = text.split_once('.').unwrap_or((&text, "00"));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(frac) || frac.len() > 2 {
            return Err(bad());
        }
        let max = MAX_PRICE;
        let past =
            || format!("invalid price `{text}`: expected at most {max}.00 (the limit of a price)");
        // Only digits are left, so a whole part that does not parse is too large.
        let whole: u64 = whole.parse().map_err(|_| past())?;
        let frac: u64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let cents = whole.checked_mul(100).and_then(|c| c.checked_add(frac));
        match cents {
            Some(cents) if cents <= max * 100 => Ok(Price { cents }),
            _ => Err(past()),
        }
    }
}

impl From<Price> for String {
    fn from(p: Price) -> String {
        p.to_string()
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

/// A pack as the file writes it, where the document may leave its size or validity unsaid
/// (AIBC: "Various sizes available", purchased credits "may have expiration dates"). A pack
/// with both becomes a [`Pack`]; one without stays incomplete and cannot be bought until a
/// scenario supplies what is missing ([`Supplied`](super::Supplied)).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PackTerms {
    /// The `[[packs]]` id that purchases name, unique within the file.
    pub id: String,
    /// The document's name for it.
    pub name: String,
    /// The pool its credits go to.
    #[serde(default = "default_pool")]
    pub pool: String,
    /// Credits per pack; `None` where the document gives no size.
    #[serde(default)]
    pub credits: Option<u64>,
    /// Its price; `None` where the document gives none.
    #[serde(default)]
    pub price: Option<Price>,
    /// How long its credits last; `None` where the document does not say.
    #[serde(default)]
    pub validity: Option<Validity>,
    /// Whether it can only be bought on an active plan.
    #[serde(default)]
    pub requires_plan: bool,
    /// The plans that may buy it; `None` means any plan (or none, unless `requires_plan`).
    #[serde(default)]
    pub plans: Option<Vec<String>>,
    /// A recurring monthly add-on unit rather than a one-time purchase.
    #[serde(default)]
    pub recurring: bool,
    /// Whether its credits are shared by the whole workspace rather than one user.
    #[serde(default)]
    pub shared: bool,
    /// A remark from the model's author.
    #[serde(default)]
    pub note: Option<String>,
}

impl PackTerms {
    /// What the document leaves out of this pack: "credits", "validity", or both.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.credits.is_none() {
            missing.push("credits");
        }
        if self.validity.is_none() {
            missing.push("validity");
        }
        missing
    }

    /// The pack, once its size and validity are known.
    pub fn complete(&self) -> Option<Pack> {
        Some(Pack {
            id: self.id.clone(),
            name: self.name.clone(),
            pool: self.pool.clone(),
            credits: self.credits?,
            price: self.price,
            validity: self.validity?,
            requires_plan: self.requires_plan,
            plans: self.plans.clone(),
            recurring: self.recurring,
            shared: self.shared,
            note: self.note.clone(),
        })
    }
}

impl From<&Pack> for PackTerms {
    fn from(p: &Pack) -> PackTerms {
        PackTerms {
            id: p.id.clone(),
            name: p.name.clone(),
            pool: p.pool.clone(),
            credits: Some(p.credits),
            price: p.price,
            validity: Some(p.validity),
            requires_plan: p.requires_plan,
            plans: p.plans.clone(),
            recurring: p.recurring,
            shared: p.shared,
            note: p.note.clone(),
        }
    }
}

/// A one-time credit pack, or (with `recurring`) an add-on unit renewed every month, with
/// every term known.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// The pack id (kebab-case, from the document).
    pub id: String,
    /// The document's name for it.
    pub name: String,
    /// The pool its credits go to.
    #[serde(default = "default_pool")]
    pub pool: String,
    /// Credits per pack (per unit for add-ons).
    pub credits: u64,
    /// Its price; `None` where the document gives none.
    #[serde(default)]
    pub price: Option<Price>,
    /// How long its credits last.
    pub validity: Validity,
    /// Whether it can only be bought on an active plan.
    #[serde(default)]
    pub requires_plan: bool,
    /// The plans that may buy it; `None` means any plan (or none, unless `requires_plan`).
    #[serde(default)]
    pub plans: Option<Vec<String>>,
    /// A recurring monthly add-on unit (aistudios) rather than a one-time purchase.
    #[serde(default)]
    pub recurring: bool,
    /// Whether its credits are shared by the whole workspace rather than one user.
    #[serde(default)]
    pub shared: bool,
    /// A remark from the model's author.
    #[serde(default)]
    pub note: Option<String>,
}
