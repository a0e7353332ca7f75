//! Scenario files (TOML) and traces (CSV): what a run does, resolved into a [`Scenario`].
//!
//! A scenario names a vendor, the accounts to create, the agents that spend from them and
//! what those agents do: either a weighted `[[workload]]` mix drawn from a seed, or a
//! `trace` replayed row by row. [`Scenario::load`] parses it, checks every value (unknown fields
//! are errors; an error names file, line, column and field and says what was expected) and
//! asks the vendor model whether every action, plan and pack exists.
//!
//! # Layout
//!
//! - `file`: the TOML as written (serde structs with spans).
//! - `build`: validation, from the file to a [`Scenario`].
//! - `catalog`: the seam through which validation asks the vendor about ids.
//! - `setup`: the [`Scenario`] a run is configured from.
//! - `steps`: [`Step`]s and the per-agent [`StepGen`].
//! - [`trace`]: reading and writing traces.
//! - `faults`, `thresholds`: fault injection and pass/fail limits.
//!
//! # The scenario format
//!
//! Only `vendor` and one `[[workload]]` entry (or `trace`) are required; everything else
//! has the default shown.
//!
//! ```toml
//! name = "aytada-ads"      # default: the file's stem
//! vendor = "aytada"        # a built-in id, or a model file's path (relative to this file)
//! seed = 1                 # default 1; `--seed` overrides
//!
//! # Account groups, ids dense from 0 in file order; each account's agents are consecutive.
//! # Without any [[accounts]]: 10 accounts, no plan, no packs, one agent each.
//! [[accounts]]
//! count = 50               # accounts in this group (default 1)
//! persona = "creators"     # report label (default: the plan, else "packs")
//! plan = "pro"             # vendor plan id (default: none, packs only)
//! seats = 1                # default 1
//! packs = ["creator"]      # packs bought at the start (default none)
//! addon_units = 0          # recurring add-on units (default 0)
//! agents = 1               # agents per account; more than one shares a pool (default 1)
//!
//! # The mix (or instead: trace = "steps.csv"; exactly one of the two).
//! [[workload]]
//! action = "ad"
//! params = { length = "standard", quality = "pro" }   # strings or integers (default none)
//! weight = 3                                           # relative weight (default 1)
//! cost = "uniform"         # how a variable cost's actual amount is drawn from its range:
//!                          # uniform over its whole numbers (default), or { mean = 1.8 },
//!                          # the maximum-entropy distribution with that mean (both ends
//!                          # stay reachable); a fixed cost is always itself
//!
//! [arrival]
//! mode = "closed"          # "closed" (default) or "open"
//! think_ms = 0             # closed: virtual ms between an agent's steps (default 0)
//! # rate_per_s = 5000      # open: steps per second over all agents (required)
//!
//! [duration]               # default: steps = 10000
//! steps = 10000            # total over all agents, or instead:
//! # seconds = 5           # real seconds (open: rate × seconds steps)
//!
//! [generation]             # virtual ms; default: fixed, 0 ms, failure 0.05
//! distribution = "uniform" # "fixed" (duration_ms), "uniform" (min_ms, max_ms),
//! min_ms = 100             # or "exponential" (mean_ms, cut at 20× the mean)
//! max_ms = 2000
//! failure_probability = 0.05
//!
//! [hold]
//! ttl_ms = 60000           # virtual ms before an open hold times out (default 60000)
//!
//! [clock]
//! mode = "virtual"         # default; "paced" (the default for open arrival) waits on the
//!                          # wall clock, for a load test at a real arrival rate
//! # speedup = 1            # paced only: virtual ms per real ms (default 1)
//! # months = 12            # the run spans this many calendar months: it ends at the end of
//!                          # the last, and its steps are spread evenly over them
//! start_ms = 0             # virtual start, ms since the Unix epoch (default 0: 1970-01-01)
//!
//! [thresholds]             # optional; a breach makes `run` exit 3
//! max.latency_by_op_us.reserve.p99 = 2000  # any number `run --json` reports, by its path
//! max.violations_total = 0                 # correctness counts too
//! min.throughput.steps_per_s = 1000
//! # Shorthands: reserve_p99_us, commit_p99_us (max), min_cycles_per_s, min_steps_per_s,
//! # max_insufficient_ratio. A limit on a metric that does not exist is an error.
//!
//! [faults]                 # per-step probabilities, default 0
//! slow_generation = 0.0    # the generation outlives the hold ttl (lasts 2 × ttl_ms)
//! duplicate_delivery = 0.0 # reserve and commit/release are sent twice, same key
//! lost_reply = 0.0         # a reply is lost; the agent retries with the same key
//! key_reuse = 0.0          # an earlier key is reused with different content
//! duplicate_grant = 0.0    # a pack grant is delivered again with its key
//! actor_crash = 0.0        # the account actor panics before the reserve
//! cycle_boundary = 0.0     # the step is taken half a ttl before the account's next billing
//!                          # boundary, and its hold stays open across it
//! # generation_failure is the same knob as generation.failure_probability (set one).
//!
//! [supplied]               # values the vendor document leaves out; never overrides one it
//!                          # gives (see `pricing::Supplied`)
//! pack_credits = { scan-credits = 5 }      # a pack's size
//! pack_validity = { scan-credits = "never" } # "never", "N-months" or "billing-cycle"
//! pack_prices = { credit-pack = "9.00" }
//! plan_prices = { pro = "19.00" }
//! currency = "USD"
//! ```
//!
//! `--faults LIST|all` on the command line enables faults by kebab-case name
//! (`lost-reply,actor-crash`); one the scenario leaves at 0 gets
//! [`faults::CLI_DEFAULT_PROBABILITY`].
//!
//! A scenario with `trace` replays the trace's rows exactly; `[duration]`, `[generation]`
//! and `[faults]` are then refused (the trace fixes them), and `[arrival]` may only agree
//! with the trace (rows with send times are open arrival) or add `think_ms`.
//!
//! # Steps
//!
//! Agent `a` of `A` draws its steps from its own RNG, seeded from `(seed, a)`. A run of `N`
//! steps gives agent `a` the indices `a, a + A, a + 2A, …` below `N`, so that the steps in
//! index order are the agents' steps interleaved round-robin. Open arrival sends step `i`
//! at `i × 1e6 / rate_per_s` µs after the start; a run bounded by months sends it at
//! `i / N` of their span instead.

mod build;
mod catalog;
mod error;
mod faults;
mod file;
pub mod limits;
mod population;
mod setup;
mod step;
mod steps;
mod thresholds;
pub mod trace;
mod workload;

use std::path::Path;

pub(crate) use build::relative_to;
pub use catalog::Catalog;
pub(crate) use error::SourceText;
pub use error::{Location, ScenarioError};
pub use faults::{Fault, FaultSet, StepFaults, UnknownFault};
pub use population::{AccountSetup, AgentSetup};
pub use setup::{Arrival, ClockMode, ClockSetup, Generation, RunDuration, Scenario, StepSource};
pub use step::Step;
pub use steps::{AllSteps, StepGen};
pub use thresholds::{Bound, SHORTHANDS, Shorthand, ShorthandValue, Threshold, Thresholds};
pub use trace::Trace;
pub use workload::{Workload, WorkloadEntry};

/// An agent's id. Agents are numbered densely from 0 within a run.
pub(crate) type AgentId = u32;

impl Scenario {
    /// Loads and validates the scenario at `path`, checking its ids against its vendor
    /// model. `seed_override` (from `--seed`) replaces the file's seed.
    pub fn load(path: &Path, seed_override: Option<u64>) -> Result<Scenario, ScenarioError> {
        let text = read(path)?;
        Scenario::parse(&text, path, seed_override, None)
    }

    /// Like [`Scenario::load`], but `catalog` judges the action, plan and pack ids instead of the
    /// vendor model.
    pub fn load_with_catalog(
        path: &Path,
        seed_override: Option<u64>,
        catalog: &dyn Catalog,
    ) -> Result<Scenario, ScenarioError> {
        let text = read(path)?;
        Scenario::parse(&text, path, seed_override, Some(catalog))
    }

    /// Validates scenario `text` as if read from `path` (which names it in errors and
    /// anchors relative paths). `catalog`, when given, replaces the vendor model as judge of
    /// ids.
    pub fn parse(
        text: &str,
        path: &Path,
        seed_override: Option<u64>,
        catalog: Option<&dyn Catalog>,
    ) -> Result<Scenario, ScenarioError> {
        let src = error::SourceText { path, text };
        let raw: file::RawScenario = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
        build::build(src, raw, seed_override, catalog)
    }
}

fn read(path: &Path) -> Result<String, ScenarioError> {
    crate::input::read_text(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        what: "cannot read scenario",
        source,
    })
}
