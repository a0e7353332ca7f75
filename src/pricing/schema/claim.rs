//! The schema of a claim: one statement of a vendor document, written into its model with the
//! document line it comes from and the document's own words, that `audit` checks.
//!
//! Arithmetic claims (a quote, a sum, how many items fit, a price per credit) are computed by
//! `pricing`. Rule claims (a pack never expires, an allowance is granted monthly and does not
//! roll over, an action is unlimited on a plan, ...) are checked by running the model through
//! `accounts` and the ledger's `Book` (see `creditsim::audit`), never by reading a field back.
//!
//! One flat table serves every kind; each kind reads only the fields it needs, and loading
//! checks that those are present.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Amount, LowBalance, Scalar};
use crate::pricing::ChargeTiming;

/// What a claim states, and so how it is checked.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    // ---- Arithmetic, computed by `pricing` ----
    /// `count` × the cost of `action` with `params` (on `plan`, if given) is `doc`.
    Quote,
    /// The sum of `items` is `doc`.
    Sum,
    /// The cost of `action` grows by `doc` per unit of its `per` parameter (`unit` of it).
    Per,
    /// Every action of the model has a fixed cost, whatever its parameters.
    FixedCosts,
    /// "~N items" for each of `budgets`: one rounding (down, nearest or up) of the budget's
    /// credits ÷ the cost of `action` on that plan gives every figure.
    Fits,
    /// `pack`'s price per credit, rounded half up to the decimals of `doc`.
    UnitPrice,
    /// `pack` has the lowest price per credit of all packs.
    BestValue,
    /// The model offers no pack at all.
    NoPacks,
    // ---- Rules, checked by running accounts and the ledger ----
    /// `packs` are still spendable 24 calendar months after purchase.
    NeverExpires,
    /// `packs` are spendable until `months` calendar months after purchase, not after.
    Expires,
    /// `plan` grants `doc` credits (× `seats`) every calendar month; unused credits expire at
    /// the month's end and do not roll over.
    MonthlyAllowance,
    /// `plan` grants `doc` credits (× `seats`) once at the start of each `months`-month
    /// period, and none in between; unused credits expire at the period's end.
    UpfrontAllowance,
    /// `units` add-on units of `pack` on `plan` grant `doc` credits each, every month, and
    /// expire when the plan's own credits do.
    AddonUnits,
    /// `packs` can be bought only with an active plan, and only on `plans`.
    RequiresPlan,
    /// `packs` are spendable the moment they are bought, mid-cycle.
    Immediate,
    /// `action` is never charged on `plans`, and is charged on `others`.
    Unlimited,
    /// `actions` are refused on `plan`, and not on `others`.
    NotEntitled,
    /// `action` draws only on `pool`, never on the other pools, and `actions` (of the other
    /// pools) never draw on it.
    SeparatePool,
    /// `actions` cost nothing, however often they are run, even on an empty balance.
    Free,
    /// `action` is refused, with nothing held, when the balance is below its cost.
    RefusedWhenShort,
    /// Once `plan`'s credits run out, `action` is refused until the next monthly reset.
    RefusedUntilReset,
    /// Low-balance warnings fire at `levels`, once per crossing.
    Warns,
    /// A pack bought by one member of a workspace is spendable by every member.
    Shared,
    /// `action` is charged with `timing`: at the start and refunded on failure, or the actual
    /// amount after completion.
    ChargeTiming,
    // ---- Neither computed nor simulated ----
    /// A reading the model makes where the document is silent or ambiguous: `reading` says
    /// which and why. Claims of other kinds with a `reading` are assumed too, once checked.
    Assumed,
    /// A statement the document gives too little to check; `why` says what is missing.
    Unverifiable,
}

impl ClaimKind {
    /// Whether the claim is checked by running the ledger rather than by arithmetic.
    pub fn is_rule(self) -> bool {
        use ClaimKind as K;
        !matches!(
            self,
            K::Quote
                | K::Sum
                | K::Per
                | K::FixedCosts
                | K::Fits
                | K::UnitPrice
                | K::BestValue
                | K::NoPacks
                | K::Assumed
                | K::Unverifiable
        )
    }
}

/// How a computed number is compared with the document's.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// The model's number (or range) equals the document's.
    #[default]
    Exact,
    /// The document's number (or range) lies within the model's range: for a statement about
    /// one outcome of a variable cost.
    Within,
}

/// What the document says: a number, a range, or words.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(
    untagged,
    expecting = "expected a whole number, { min = N, max = N }, or a string"
)]
pub enum DocValue {
    /// Whole credits or a `{ min, max }` range, compared with the model's number.
    Amount(Amount),
    /// Words: a decimal price.
    Text(String),
}

/// The document line (or lines) a claim comes from: `line = 92` or `line = [14, 186]`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(
    untagged,
    expecting = "expected a line number, or a list of line numbers"
)]
pub enum Lines {
    /// A single line, `line = 92`.
    One(u32),
    /// Several lines.
    Many(Vec<u32>),
}

impl fmt::Display for Lines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lines::One(n) => write!(f, "{n}"),
            Lines::Many(lines) => {
                let shown: Vec<String> = lines.iter().map(u32::to_string).collect();
                f.write_str(&shown.join(", "))
            }
        }
    }
}

/// One action with its parameters: a term of a `sum`, or one of the `actions` of a rule.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The `[[actions]]` id to price.
    pub action: String,
    /// The action's parameter values by name, as `PARAM=VALUE` would give them.
    #[serde(default)]
    pub params: BTreeMap<String, Scalar>,
    /// How many times.
    #[serde(default = "one")]
    pub count: u64,
    /// A parameter whose value varies across the items ("12 Images (Mixed)"): the term's
    /// range spans every value of it.
    #[serde(default)]
    pub mix: Option<String>,
    /// The document's own figure for this term, where it gives one; it must lie within the
    /// term's range, and it replaces the range in the total.
    #[serde(default)]
    pub doc: Option<u64>,
}

fn one() -> u64 {
    1
}

/// A budget of a `fits` claim: a plan's allowance or a pack's credits, with the document's
/// "~N items" figure for it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The plan whose monthly allowance is spent (in that plan's context: an unlimited action
    /// is not bounded by it).
    #[serde(default)]
    pub plan: Option<String>,
    /// The pack whose credits are spent.
    #[serde(default)]
    pub pack: Option<String>,
    /// The document's figure.
    pub doc: u64,
}

/// A statement of the document, with where it is and what it says, that `audit` checks.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// A stable id, so tests can pin which claims fail.
    pub id: String,
    /// What the document states, briefly.
    pub description: String,
    /// What is checked.
    pub kind: ClaimKind,
    /// The document line it comes from.
    pub line: Lines,
    /// The document's words, quoted.
    pub says: String,
    /// The model's reading where the document leaves a choice, and why it was made. A claim
    /// with a reading is reported `assumed` (once its check, if any, holds).
    #[serde(default)]
    pub reading: Option<String>,
    /// `unverifiable`: what the document leaves out.
    #[serde(default)]
    pub why: Option<String>,
    /// The document's number, range or words, where the statement has one.
    #[serde(default)]
    pub doc: Option<DocValue>,
    /// How the numbers are compared.
    #[serde(default, rename = "match")]
    pub compare: Match,
    /// The action id that `quote`, `per`, `fits` and the one-action rules price or run.
    #[serde(default)]
    pub action: Option<String>,
    /// The parameter values `action` is priced with, by name.
    #[serde(default)]
    pub params: BTreeMap<String, Scalar>,
    /// `quote`: how many times.
    #[serde(default = "one")]
    pub count: u64,
    /// `sum`: the terms.
    #[serde(default)]
    pub items: Vec<Item>,
    /// `free`, `not-entitled`, `separate-pool`: the actions.
    #[serde(default)]
    pub actions: Vec<Item>,
    /// `fits`: the budgets and their figures.
    #[serde(default)]
    pub budgets: Vec<Budget>,
    /// The plan id of allowance, `addon-units`, `not-entitled`, `refused-until-reset` and
    /// `warns` claims.
    #[serde(default)]
    pub plan: Option<String>,
    /// `unlimited`, `requires-plan`: the plans it applies to.
    #[serde(default)]
    pub plans: Vec<String>,
    /// `unlimited`, `not-entitled`: the plans it does not apply to, checked for the contrast.
    #[serde(default)]
    pub others: Vec<String>,
    /// The pack id of `unit-price`, `best-value`, `addon-units`, `shared` and `warns` claims.
    #[serde(default)]
    pub pack: Option<String>,
    /// The pack ids of `never-expires`, `immediate`, `expires` and `requires-plan` claims.
    #[serde(default)]
    pub packs: Vec<String>,
    /// `per`: the number parameter the rate multiplies.
    #[serde(default)]
    pub per: Option<String>,
    /// `per`: how many of `per` make one unit (100 characters).
    #[serde(default)]
    pub unit: Option<u64>,
    /// Seats on a per-seat plan (default 1).
    #[serde(default)]
    pub seats: Option<u32>,
    /// `addon-units`: how many units.
    #[serde(default)]
    pub units: Option<u32>,
    /// `expires`, `upfront-allowance`: calendar months.
    #[serde(default)]
    pub months: Option<u32>,
    /// `separate-pool`: the pool the action must use alone.
    #[serde(default)]
    pub pool: Option<String>,
    /// `warns`: the warning levels the document names.
    #[serde(default)]
    pub levels: Vec<LowBalance>,
    /// `charge-timing`: when the document says the credits are taken.
    #[serde(default)]
    pub timing: Option<ChargeTiming>,
}

impl Claim {
    /// The document's number as credits, where it gives one.
    pub(crate) fn doc_credits(&self) -> Option<crate::pricing::Cost> {
        match &self.doc {
            Some(DocValue::Amount(a)) => Some(a.cost()),
            _ => None,
        }
    }
}
