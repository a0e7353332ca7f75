//! The economics scenario: personas (groups of accounts with a monthly usage), what they buy
//! (a plan, packs, add-on units and a top-up policy), and optionally several offers to
//! compare for the same personas, across vendors through intents.
//!
//! [`EconomicsConfig::load`] parses the TOML, checks every value (unknown fields are errors;
//! an error names file, line, column and field and says what was expected) and asks each
//! vendor model whether every plan, pack, action and price exists.
//!
//! # The format
//!
//! `vendor` and one `[[personas]]` with one `[[personas.usage]]` line are required; every
//! other value shown is its default (or marked as an example).
//!
//! ```toml
//! name = "aytada-creators" # default: the file's stem
//! vendor = "aytada"        # a built-in id, or a model file's path (relative to this file)
//! months = 12              # calendar months simulated; the run ends at the end of the last
//! seed = 1                 # `--seed` overrides
//! start = "2026-01-01"     # every account's anchor: a UTC date; cycles count from it
//!
//! # Values a vendor's document does not give, by vendor id (default: none). The model never
//! # invents a price: one that stays unknown is reported as unknown, never as zero.
//! [prices.aibc]
//! currency = "USD"                   # example
//! plans = { pro = "29.00" }          # example: per billing period (per seat on per-seat plans)
//! packs = { scan-credits = "7.00" }  # example: pack id = "price"
//! pack_credits = { scan-credits = 1 }        # example: a pack's size, where the document
//!                                            # names none
//! pack_validity = { scan-credits = "never" } # example: "never", "N-months", "billing-cycle"
//!
//! # Optional: usage stated once and served by each vendor in its own terms.
//! [[intents]]
//! id = "short-video"                 # example
//! description = "a 5-second video"   # default: none; for people reading the file
//! vendors.aistudios = { action = "video", params = { seconds = 5 } }   # example
//! vendors.videodraft = { action = "video", params = { model = "kling-v2.1" } }
//! # a vendor without an entry cannot serve the intent, and the report says so
//!
//! [[personas]]
//! id = "hobbyist"          # required, unique
//! accounts = 1             # accounts like this one
//! seats = 1                # per-seat plans multiply allowance and price by it
//! # What the persona buys (when the scenario lists [[offers]], these belong to the offers):
//! plan = "pro"             # example; default: none (packs only)
//! packs = []               # bought at the start; may repeat
//! addon_units = 0          # recurring add-on units (aistudios), billed monthly
//! # topup: default none. Buy `pack` when a charge leaves its pool below `below` credits
//! # (once per crossing), or when a step is refused for lack of credits (`when =
//! # "blocked"`, then the step is retried once); at most `max_per_month` per billing month
//! # (default: no limit).
//! topup = { pack = "starter", below = 50, max_per_month = 2 }   # example
//!
//! [[personas.usage]]
//! action = "ad"            # or intent = "short-video" (exactly one of the two)
//! params = { length = "standard" }   # with `action` only; default none
//! per_month = 4            # required: an exact count, or { mean = 4.5 } for a Poisson count
//! failure_rate = 0.0       # probability that a generation fails (released, never charged)
//! cost = "uniform"         # variable costs: every whole number of the range equally
//!                          # likely, or { mean = 2.0 }: the maximum-entropy distribution
//!                          # over the range with that mean; both ends always reachable
//!
//! # Optional: offers to compare. Every persona is simulated under every offer, with the
//! # same demand (the same steps, failures and cost draws), and ranked by spend.
//! [[offers]]
//! id = "aytada:creator"    # default: "<vendor>:<plan>" or "<vendor>:<packs>"
//! vendor = "aytada"        # default: the top-level vendor
//! plan = "pro"             # example; plan, packs, addon_units and topup as on a persona
//! ```
//!
//! # Time
//!
//! Month `m` runs from `start + m` calendar months to `start + m + 1`. A usage line's steps
//! of a month are drawn at its start and spread evenly over it in a random order; a run of
//! N months ends at the end of the Nth: lots expiring then expire, and no renewal is granted.

mod build;
mod file;
mod purchase;
mod usage;
mod values;
mod vendors;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use smol_str::SmolStr;

use crate::ledger::{AccountSpec, Credits, Name, TimeMs};
use crate::pricing::{Cost, CostDraw, CostSampler, Model, Params};
use crate::scenario::ScenarioError;

/// Months simulated when the scenario does not say.
pub(crate) const DEFAULT_MONTHS: u32 = 12;
/// The seed when neither the file nor `--seed` gives one.
pub(crate) const DEFAULT_SEED: u64 = 1;
/// Every account's anchor when the scenario does not say: 2026-01-01, UTC.
pub(crate) const DEFAULT_START: &str = "2026-01-01";
/// The most months one scenario may simulate.
pub(crate) const MAX_MONTHS: u32 = 1200;
/// The most account-runs (accounts × offers) one scenario may ask for.
pub(crate) const MAX_ACCOUNT_RUNS: u64 = 100_000_000;
/// The most steps a usage line may ask for in one month.
pub(crate) const MAX_PER_MONTH: u64 = 1_000_000;

/// A validated economics scenario, ready to simulate.
#[derive(Clone, Debug)]
pub struct EconomicsConfig {
    /// The scenario's name, for the report and the default output directory.
    pub name: String,
    /// Where it was read from.
    pub path: PathBuf,
    /// The top-level vendor's id.
    pub vendor: String,
    /// The top-level vendor's currency, document or supplied; `None` when unknown.
    pub currency: Option<String>,
    /// Calendar months simulated.
    pub months: u32,
    /// The seed every account's randomness derives from.
    pub seed: u64,
    /// Every account's anchor.
    pub start_ms: TimeMs,
    /// The personas, in file order.
    pub personas: Vec<Persona>,
    /// What the personas buy: the listed `[[offers]]`, or one per persona when none is listed.
    pub offers: Vec<Offer>,
    /// Whether the scenario lists `[[offers]]` to compare.
    pub compares_offers: bool,
    /// Each persona under each offer it is simulated with, in persona then offer order.
    pub cells: Vec<Cell>,
    /// Threads to spread accounts over; the result does not depend on it.
    pub threads: usize,
    /// A deliberate flaw in the engine, to show that the checks catch it.
    pub flaw: Option<Flaw>,
    /// The cap on accounts per persona the command line asked for, if any.
    pub max_accounts: Option<u32>,
    /// Where results go; `None` writes nothing.
    pub out_dir: Option<PathBuf>,
}

/// A group of accounts that use the product alike.
#[derive(Clone, Debug)]
pub struct Persona {
    /// Its id, unique in the scenario.
    pub id: String,
    /// How many accounts.
    pub accounts: u32,
    /// Seats per account (per-seat plans).
    pub seats: u32,
    /// What each account does every month.
    pub usage: Vec<Usage>,
}

/// One usage line of a persona.
#[derive(Clone, Debug)]
pub struct Usage {
    /// `ad length=standard` or `intent short-video`, for the report.
    pub label: String,
    /// The intent it names, if it is stated as one.
    pub intent: Option<String>,
    /// How many steps a month.
    pub per_month: PerMonth,
    /// The probability that a generation fails.
    pub failure_rate: f64,
}

/// A monthly step count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PerMonth {
    /// Exactly this many.
    Exact(u32),
    /// A Poisson count with this mean.
    Mean(f64),
}

/// What a persona buys.
#[derive(Clone, Debug)]
pub struct Offer {
    /// Its id, unique in the scenario.
    pub id: String,
    /// The vendor model, with the scenario's supplied prices filled in.
    pub model: Arc<Model>,
    /// The plan; `None` for packs only.
    pub plan: Option<String>,
    /// Packs bought at the start.
    pub packs: Vec<String>,
    /// Recurring add-on units.
    pub addon_units: u32,
    /// Automatic purchases.
    pub topup: Option<Topup>,
}

/// A top-up policy: which pack to buy, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topup {
    /// The id of the pack the policy buys when it fires.
    pub pack: String,
    /// The pool the pack fills, whose balance the policy watches.
    pub pool: Name,
    /// When to buy it.
    pub trigger: Trigger,
    /// The most purchases per billing month; `None` for no limit.
    pub max_per_month: Option<u32>,
}

/// When a top-up policy buys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// When a charge leaves the pool's available balance below this many credits, once per
    /// crossing: it buys again only after the balance has been back at or above it.
    Below(Credits),
    /// When a step is refused for lack of credits; the step is then retried once.
    Blocked,
}

/// A deliberate flaw, so that a test (or a sceptic) can see the checks fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// The top-up policy buys again and again while the balance is low, ignoring crossings
    /// and the monthly limit (breaks I12).
    TopupLoop,
    /// Failed generations are committed instead of released (breaks I4).
    ChargeFailed,
}

impl Flaw {
    /// Every flaw, for `--help` and errors.
    pub const ALL: [Flaw; 2] = [Flaw::TopupLoop, Flaw::ChargeFailed];

    /// The flaw's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Flaw::TopupLoop => "topup-loop",
            Flaw::ChargeFailed => "charge-failed",
        }
    }
}

impl std::str::FromStr for Flaw {
    type Err = String;
    fn from_str(text: &str) -> Result<Flaw, String> {
        let names: Vec<&str> = Flaw::ALL.iter().map(|f| f.name()).collect();
        Flaw::ALL
            .into_iter()
            .find(|f| f.name() == text)
            .ok_or_else(|| {
                format!(
                    "unknown flaw `{text}`: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// One persona simulated under one offer.
#[derive(Clone, Debug)]
pub struct Cell {
    /// Index into `personas`.
    pub persona: usize,
    /// Index into `offers`.
    pub offer: usize,
    /// The account terms (anchor at the scenario's start).
    pub spec: AccountSpec,
    /// The persona's usage lines as this offer's vendor serves them, in usage order.
    pub lines: Vec<Line>,
}

/// A usage line in one vendor's terms.
#[derive(Clone, Debug)]
pub enum Line {
    /// An action the vendor prices.
    Served(Served),
    /// An intent the vendor has no action for; its steps are counted, never attempted.
    Unserved,
}

/// An action with its quote, ready to reserve.
#[derive(Clone, Debug)]
pub struct Served {
    /// The vendor action that serves the usage line.
    pub action: Name,
    /// Its parameters as `k=v;k=v`, for step records.
    pub params: SmolStr,
    /// The pool the action's quote draws on, which the reserve holds from.
    pub pool: Name,
    /// The action's quoted cost range; a reserve holds its `max`.
    pub cost: Cost,
    /// How the actual cost of a variable cost is drawn.
    pub sampler: CostSampler,
}

/// What the command line may change in a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EconomicsOverrides {
    /// Replaces the scenario's seed.
    pub seed: Option<u64>,
    /// Threads to use; `None` uses every core.
    pub threads: Option<usize>,
    /// `--flaw`: a deliberate engine flaw, to show that the checks catch it.
    pub flaw: Option<Flaw>,
    /// Simulate at most this many accounts per persona, for a quick look.
    pub max_accounts: Option<u32>,
    /// Where results go.
    pub out: EconomicsOut,
}

/// Where an economics run writes its files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EconomicsOut {
    /// `results/<scenario>-<seed>/`.
    #[default]
    Default,
    /// `--out DIR`: the result files go straight into this directory.
    At(PathBuf),
    /// Nowhere: nothing is written (the benchmarks, which read only the result).
    Discard,
}

impl EconomicsConfig {
    /// Loads and validates the scenario at `path`.
    pub fn load(path: &Path, overrides: EconomicsOverrides) -> Result<Self, ScenarioError> {
        let text = crate::input::read_text(path).map_err(|source| ScenarioError::Io {
            path: path.to_path_buf(),
            what: "cannot read economics scenario",
            source,
        })?;
        EconomicsConfig::parse(&text, path, overrides)
    }

    /// Validates scenario `text` as if read from `path` (which names it in errors and
    /// anchors relative model paths).
    pub fn parse(
        text: &str,
        path: &Path,
        overrides: EconomicsOverrides,
    ) -> Result<Self, ScenarioError> {
        build::build(text, path, overrides)
    }

    /// Every account-run of the scenario: accounts summed over cells.
    pub fn account_runs(&self) -> u64 {
        let accounts = |cell: &Cell| u64::from(self.personas[cell.persona].accounts);
        self.cells.iter().map(accounts).sum()
    }
}

/// `action k=v k=v`, the way `quote` takes it on the command line.
pub(crate) fn action_label(action: &str, params: &Params) -> String {
    let mut label = action.to_string();
    for (key, value) in params {
        label.push_str(&format!(" {key}={value}"));
    }
    label
}
