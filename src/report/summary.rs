//! Building the machine-readable summary of a run.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::metrics::{Metrics, flatten};
use super::thresholds::{Breach, breaches, check_metrics_exist};
use crate::check::{Checker, Invariant, InvariantSummary, Verdict, Violation};
use crate::ledger::{BackendStats, PoolTotals};
use crate::runner::{Count, Counters, Op, RunConfig, RunResult, SinkCounts};
use crate::scenario::ScenarioError;

/// Latency percentiles in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    /// How many samples (after coordinated-omission correction).
    pub count: u64,
    /// Median, from the run's HDR histogram of the operation.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// The slowest sample recorded.
    pub max: u64,
}

impl Percentiles {
    fn of(histogram: &Histogram<u64>) -> Percentiles {
        Percentiles {
            count: histogram.len(),
            p50: histogram.value_at_quantile(0.50),
            p90: histogram.value_at_quantile(0.90),
            p99: histogram.value_at_quantile(0.99),
            p999: histogram.value_at_quantile(0.999),
            max: histogram.max(),
        }
    }
}

/// Rates over the run's real duration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Throughput {
    /// Completed reserve→commit cycles per second.
    pub cycles_per_s: f64,
    /// Steps (of any outcome) per second.
    pub steps_per_s: f64,
}

/// A breached threshold, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreachReport {
    /// The threshold's name in the scenario.
    pub threshold: String,
    /// The metric it bounds (its path in the summary).
    pub metric: String,
    /// The number the scenario set for the threshold, in the metric's unit.
    pub limit: f64,
    /// What the run measured; `null` when it reported no such metric.
    pub observed: Option<f64>,
    /// One line for people.
    pub message: String,
}

/// Everything a run reports. `ok` is about invariants (and the ledger answering at all);
/// thresholds are separate.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The checker ran and every invariant held, and the ledger kept answering. An unchecked
    /// run (`--no-check`) is not `ok`: nothing was proved.
    pub ok: bool,
    /// Whether the online checker ran.
    pub checked: bool,
    /// What ran: scenario, vendor, ledger, seed, mode, faults and the reproducing command
    /// (flattened into the top level of the JSON).
    #[serde(flatten)]
    pub labels: RunLabels,
    /// Whether Ctrl-C or a stall cut the run short (the results cover what ran).
    pub interrupted: bool,
    /// The agent whose wait on the ledger passed the watchdog's limit, if one did: the
    /// ledger stopped answering, so the run is not `ok`.
    pub stalled: Option<StallReport>,
    /// Real seconds the steps took.
    pub elapsed_s: f64,
    /// Virtual time at the start, ms since the Unix epoch.
    pub virtual_start_ms: u64,
    /// Virtual time at the end, ms since the Unix epoch: where every account was closed.
    pub virtual_end_ms: u64,
    /// Steps and cycles per second.
    pub throughput: Throughput,
    /// Reserve latency (from the intended send time in open-loop runs).
    pub latency_us: Percentiles,
    /// Latency of every operation.
    pub latency_by_op_us: BTreeMap<&'static str, Percentiles>,
    /// Outcomes and events.
    pub counts: BTreeMap<&'static str, u64>,
    /// What the backend counted about itself (restarts, retries, errors).
    pub backend: BackendStats,
    /// Insufficient reserves divided by steps (0 when there were none).
    pub insufficient_ratio: f64,
    /// Credits per pool: granted, charged, expired, remaining, held.
    pub credits: BTreeMap<String, PoolTotals>,
    /// By the `persona` label of the scenario's accounts: its accounts, agents, blocked
    /// steps and credits.
    pub personas: BTreeMap<String, PersonaReport>,
    /// Per invariant: "held", "violated" or "not checked".
    pub invariants: BTreeMap<String, &'static str>,
    /// Each violated invariant in brief: count, first, worst and last.
    pub violation_summaries: Vec<InvariantSummary>,
    /// Per invariant, how many violations were found (0 when unchecked).
    pub violations_by_invariant: BTreeMap<String, u64>,
    /// The violations found (capped; see `violations_total`).
    pub violations: Vec<Violation>,
    /// How many violations there were in all.
    pub violations_total: u64,
    /// The scenario's thresholds that were breached.
    pub thresholds: Vec<BreachReport>,
}

/// One persona's share of a run: the scenario's accounts that carry its label, summed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PersonaReport {
    /// How many of the scenario's accounts carry the persona's label.
    pub accounts: u64,
    /// The agents spending from them.
    pub agents: u64,
    /// Reserves refused for lack of credits (from the journal): its blocked users' steps.
    pub insufficient: u64,
    /// Credits per pool over its accounts, every pool of the vendor listed.
    pub credits: BTreeMap<String, PoolTotals>,
}

/// A stall, for the JSON summary.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct StallReport {
    /// The agent's index in the scenario's plan.
    pub agent: usize,
    /// How long it had waited, seconds.
    pub waited_s: u64,
}

/// What ran, as opposed to what happened.
#[derive(Clone, Debug, Serialize)]
pub struct RunLabels {
    /// The scenario's name.
    pub scenario: String,
    /// The vendor model's id.
    pub vendor: String,
    /// The ledger implementation (`actor`, or a flawed one).
    pub ledger: String,
    /// The scenario's seed, or the `--seed` override when one was given.
    pub seed: u64,
    /// Whether the run was deterministic (single thread, virtual time).
    pub deterministic: bool,
    /// The faults injected, by name (ordinary generation failures are not listed).
    pub faults: Vec<String>,
    /// The command that reproduces the run.
    pub reproduce: String,
}

impl RunLabels {
    /// What `config` runs.
    pub fn of(config: &RunConfig) -> RunLabels {
        let scenario = &config.scenario;
        RunLabels {
            scenario: scenario.name.clone(),
            vendor: scenario.vendor.id().to_string(),
            ledger: config.ledger.name().to_string(),
            seed: scenario.seed,
            deterministic: config.deterministic,
            faults: config.fault_names(),
            reproduce: config.reproduce(),
        }
    }
}

impl Summary {
    /// Summarizes a run of `config` and checks it against the scenario's thresholds.
    pub fn new(config: &RunConfig, result: &RunResult) -> Summary {
        let latency_by_op_us: BTreeMap<_, _> = Op::ALL
            .iter()
            .map(|op| (op.name(), Percentiles::of(&result.latency[*op as usize])))
            .collect();
        let elapsed_s = result.elapsed_s.max(1e-9);
        let get = |count| result.counters.get(count);
        let throughput = Throughput {
            cycles_per_s: get(Count::Committed) as f64 / elapsed_s,
            steps_per_s: get(Count::Steps) as f64 / elapsed_s,
        };
        let verdict = result.verdict.as_ref();
        let mut summary = Summary {
            ok: verdict.is_some_and(Verdict::ok) && result.stalled.is_none(),
            checked: verdict.is_some(),
            labels: RunLabels::of(config),
            interrupted: result.interrupted,
            stalled: result.stalled.map(|stall| StallReport {
                agent: stall.agent,
                waited_s: stall.waited_s,
            }),
            elapsed_s: result.elapsed_s,
            virtual_start_ms: result.virtual_start_ms,
            virtual_end_ms: result.virtual_end_ms,
            throughput,
            latency_us: latency_by_op_us["reserve"],
            latency_by_op_us,
            counts: counts(result),
            insufficient_ratio: get(Count::Insufficient) as f64 / get(Count::Steps).max(1) as f64,
            backend: result.backend.clone(),
            credits: every_pool(config, &result.credits),
            personas: personas(config, result),
            invariants: invariant_states(verdict),
            violation_summaries: verdict.map(|v| v.summaries.clone()).unwrap_or_default(),
            violations_by_invariant: violations_by_invariant(verdict),
            violations: verdict.map(|v| v.violations.clone()).unwrap_or_default(),
            violations_total: verdict.map_or(0, |v| v.violations_total),
            thresholds: Vec::new(),
        };
        let breached = breaches(&config.scenario.thresholds, &summary.metrics());
        summary.thresholds = breached.iter().map(breach_report).collect();
        summary
    }

    /// Every number the summary reports, named by its path in `summary.json`: what
    /// thresholds bound and `compare` judges.
    pub fn metrics(&self) -> Metrics {
        flatten(&serde_json::to_value(self).expect("a summary always serializes"))
    }

    /// The metrics that any run of `config` reports, whatever happens in it (those that
    /// appear only sometimes, such as a stall's, are not among them).
    pub fn reported_metrics(config: &RunConfig) -> Metrics {
        Summary::new(config, &nothing_ran(config)).metrics()
    }
}

/// Refuses thresholds on metrics that a run of `config` does not report (exit 2 before the
/// run, rather than a breach after it).
pub fn check_thresholds(config: &RunConfig) -> Result<(), ScenarioError> {
    check_metrics_exist(
        &config.scenario.thresholds,
        &Summary::reported_metrics(config),
    )
}

/// A run in which nothing happened, to learn which metrics a summary always has.
fn nothing_ran(config: &RunConfig) -> RunResult {
    let histogram = || Histogram::new(3).expect("3 significant figures are valid");
    RunResult {
        elapsed_s: 0.0,
        interrupted: false,
        stalled: None,
        counters: Counters::default(),
        sink: SinkCounts::default(),
        latency: [histogram(), histogram(), histogram()],
        verdict: config.online_check.then(|| Checker::new().finish()),
        backend: BackendStats::new(),
        credits: BTreeMap::new(),
        virtual_start_ms: 0,
        virtual_end_ms: 0,
    }
}

/// Outcome and event counts.
fn counts(result: &RunResult) -> BTreeMap<&'static str, u64> {
    let mut counts: BTreeMap<&'static str, u64> = (Count::ALL.iter())
        .map(|c| (c.name(), result.counters.get(*c)))
        .collect();
    counts.insert("events", result.sink.events);
    counts.insert("warnings", result.sink.warnings);
    counts.insert("timed_out", result.sink.timed_out);
    counts.insert(
        "restarts",
        result.backend.get("restarts").copied().unwrap_or(0),
    );
    counts
}

/// The run's credit totals, with every pool of the vendor listed (untouched ones at zero),
/// so that a summary always has the same credit metrics.
fn every_pool(
    config: &RunConfig,
    credits: &BTreeMap<String, PoolTotals>,
) -> BTreeMap<String, PoolTotals> {
    let mut all = credits.clone();
    for pool in config.scenario.vendor.pools() {
        all.entry(pool.id.clone()).or_default();
    }
    all
}

/// Each persona's accounts and agents from the scenario, and what the journal showed of them.
fn personas(config: &RunConfig, result: &RunResult) -> BTreeMap<String, PersonaReport> {
    let mut personas: BTreeMap<String, PersonaReport> = BTreeMap::new();
    for account in &config.scenario.accounts {
        let persona = personas.entry(account.persona.clone()).or_default();
        persona.accounts += 1;
        persona.agents += u64::from(account.agents);
    }
    for (label, persona) in personas.iter_mut() {
        let seen = result.sink.personas.get(label);
        persona.insufficient = seen.map_or(0, |p| p.insufficient);
        let credits = seen.map(|p| p.credits.clone().finish()).unwrap_or_default();
        persona.credits = every_pool(config, &credits);
    }
    personas
}

/// Violations counted per invariant, every invariant listed (all zero when unchecked).
fn violations_by_invariant(verdict: Option<&Verdict>) -> BTreeMap<String, u64> {
    let count = |invariant| verdict.and_then(|v| v.counts.get(invariant).copied());
    (Invariant::ALL.iter())
        .map(|invariant| (invariant.to_string(), count(invariant).unwrap_or(0)))
        .collect()
}

fn invariant_states(verdict: Option<&Verdict>) -> BTreeMap<String, &'static str> {
    Invariant::ALL
        .iter()
        .map(|invariant| {
            let state = match verdict {
                None => "not checked",
                Some(v) if v.counts.get(invariant).copied().unwrap_or(0) > 0 => "violated",
                Some(_) => "held",
            };
            (invariant.to_string(), state)
        })
        .collect()
}

fn breach_report(breach: &Breach) -> BreachReport {
    BreachReport {
        threshold: breach.threshold.clone(),
        metric: breach.metric.clone(),
        limit: breach.limit,
        observed: breach.observed,
        message: breach.to_string(),
    }
}

/// `latency.csv`: the percentile distribution of each operation, one row per percentile.
pub(super) fn latency_csv(result: &RunResult) -> String {
    const QUANTILES: [f64; 9] = [0.0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0];
    let mut out = String::from("op,quantile,latency_us,count\n");
    for (op, histogram) in Op::ALL.iter().zip(result.latency.iter()) {
        for q in QUANTILES {
            let value = histogram.value_at_quantile(q);
            out.push_str(&format!("{},{q},{value},{}\n", op.name(), histogram.len()));
        }
    }
    out
}
