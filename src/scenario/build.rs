//! From the file as written (`file`) to a validated [`Plan`]: ranges, cross-field rules and
//! the vendor's ids. Every error points at the offending field.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use crate::pricing::{BUILTIN_IDS, Model, Params};

use super::catalog::Catalog;
use super::error::{ScenarioError, Source};
use super::faults::{DEFAULT_FAILURE_PROBABILITY, Fault, FaultSet};
use super::file::*;
use super::plan::*;
use super::steps::{Workload, WorkloadEntry};
use super::thresholds::Thresholds;
use super::trace::{self, priced_message};

/// Accounts created when a scenario has no `[[accounts]]`.
pub const DEFAULT_ACCOUNTS: u32 = 10;
/// Steps in a run when a scenario has no `[duration]`.
pub const DEFAULT_STEPS: u64 = 10_000;
/// Hold ttl when a scenario has no `[hold]`, virtual ms.
pub const DEFAULT_TTL_MS: u64 = 60_000;
/// The seed when neither the file nor `--seed` gives one.
pub const DEFAULT_SEED: u64 = 1;
/// The most accounts, and separately the most agents, one scenario may ask for.
pub const MAX_ACCOUNTS: u64 = 10_000_000;

/// Validates `raw` (parsed from `src`) into a plan. `catalog` replaces the vendor model as
/// the judge of action, plan and pack ids (tests use this).
pub(crate) fn build(
    src: Source<'_>,
    raw: RawScenario,
    seed_override: Option<u64>,
    catalog: Option<&dyn Catalog>,
) -> Result<Plan, ScenarioError> {
    let vendor = resolve_vendor(src, &raw.vendor)?;
    let catalog = catalog.unwrap_or(&vendor);
    let name = match &raw.name {
        Some(name) if name.get_ref().trim().is_empty() => {
            return Err(src.error(name.span(), "name", "expected a non-empty name"));
        }
        Some(name) => name.get_ref().clone(),
        None => file_stem(src.path),
    };
    let seed = match (seed_override, &raw.seed) {
        (Some(seed), _) => seed,
        (None, Some(seed)) => non_negative(src, seed, "seed")?,
        (None, None) => DEFAULT_SEED,
    };
    let (accounts, agents) = accounts(src, raw.accounts.as_deref())?;
    let ttl_ms = match raw.hold.as_ref().and_then(|h| h.ttl_ms.as_ref()) {
        Some(ttl) => positive(src, ttl, "ttl_ms")?,
        None => DEFAULT_TTL_MS,
    };
    let clock = clock(src, raw.clock.as_ref())?;
    let thresholds = thresholds(src, raw.thresholds.as_ref())?;
    let steps = match (&raw.trace, &raw.workload) {
        (Some(trace), Some(_)) => {
            let message = "expected either `trace` or [[workload]], not both";
            return Err(src.error(trace.span(), "trace", message));
        }
        (None, None) => {
            return Err(src.error_at_start(
                "expected a [[workload]] table or `trace = \"steps.csv\"` to say what the \
                 agents do",
            ));
        }
        (None, Some(entries)) => drawn_steps(src, &raw, entries)?,
        (Some(path), None) => traced_steps(src, &raw, path, &agents, catalog)?,
    };
    let mut plan = Plan {
        name,
        path: src.path.to_path_buf(),
        vendor: vendor.clone(),
        seed,
        accounts,
        agents,
        arrival: steps.arrival,
        duration: steps.duration,
        generation: steps.generation,
        ttl_ms,
        clock,
        thresholds,
        faults: steps.faults,
        source: steps.source,
    };
    plan.apply_fault_clock();
    check_ids(src, &raw, &plan, catalog)?;
    Ok(plan)
}

/// Asks the vendor (`catalog`) about every plan, pack and action the file names, after the
/// structural checks so that a typo in a number is reported before a missing price.
fn check_ids(
    src: Source<'_>,
    raw: &RawScenario,
    plan: &Plan,
    catalog: &dyn Catalog,
) -> Result<(), ScenarioError> {
    match &raw.accounts {
        None => catalog.check_account(None, 1, 0).map_err(|why| {
            src.error_at_start(format!(
                "the default accounts ({DEFAULT_ACCOUNTS}, no plan, no packs) do not suit this \
                 vendor: {why}; add an [[accounts]] group with a plan or packs"
            ))
        })?,
        Some(groups) => {
            let mut first_account = 0;
            for group in groups {
                check_group(src, group, &plan.accounts[first_account], catalog)?;
                let count = opt(group.get_ref().count.as_ref(), 1, |v| {
                    positive(src, v, "count")
                })?;
                first_account += count as usize;
            }
        }
    }
    for entry in raw.workload.iter().flatten() {
        let raw = entry.get_ref();
        let action = raw.action.get_ref();
        let params = params(src, raw.params.as_ref())?;
        catalog.check_action(action, &params).map_err(|why| {
            let message = priced_message(action, &params, &why);
            src.error(raw.action.span(), "action", message)
        })?;
    }
    Ok(())
}

/// The ids of one `[[accounts]]` group, whose first account is `account`.
fn check_group(
    src: Source<'_>,
    group: &Spanned<RawAccounts>,
    account: &AccountPlan,
    catalog: &dyn Catalog,
) -> Result<(), ScenarioError> {
    let raw = group.get_ref();
    let plan = account.plan.as_deref();
    let plan_span = raw.plan.as_ref().map_or(group.span(), |p| p.span());
    catalog
        .check_account(plan, account.seats, account.addon_units)
        .map_err(|why| {
            let shown = plan.unwrap_or("(none)");
            let message = format!("the vendor rejects plan \"{shown}\": {why}");
            src.error(plan_span, "plan", message)
        })?;
    for pack in raw.packs.iter().flatten() {
        catalog.check_pack(pack.get_ref(), plan).map_err(|why| {
            let message = format!("the vendor has no pack \"{}\": {why}", pack.get_ref());
            src.error(pack.span(), "packs", message)
        })?;
    }
    Ok(())
}

/// The parts of a plan that depend on where the steps come from.
struct Steps {
    source: StepSource,
    arrival: Arrival,
    duration: RunDuration,
    generation: Generation,
    faults: FaultSet,
}

fn drawn_steps(
    src: Source<'_>,
    raw: &RawScenario,
    entries: &[Spanned<RawWorkload>],
) -> Result<Steps, ScenarioError> {
    let generation = raw.generation.as_ref().map(|g| g.get_ref());
    Ok(Steps {
        source: StepSource::Workload(Arc::new(workload(src, entries)?)),
        arrival: arrival(src, raw.arrival.as_ref())?,
        duration: duration(src, raw.duration.as_ref())?,
        generation: generation_time(src, generation)?,
        faults: faults(src, generation, raw.faults.as_ref().map(|f| f.get_ref()))?,
    })
}

/// Steps replayed from a trace: the trace fixes durations, failures and faults, so the
/// sections that would draw them are refused rather than silently ignored.
fn traced_steps(
    src: Source<'_>,
    raw: &RawScenario,
    path: &Spanned<String>,
    agents: &[AgentPlan],
    catalog: &dyn Catalog,
) -> Result<Steps, ScenarioError> {
    let fixed_by_trace = [
        ("duration", raw.duration.as_ref().map(|d| d.span())),
        ("generation", raw.generation.as_ref().map(|g| g.span())),
        ("faults", raw.faults.as_ref().map(|f| f.span())),
    ];
    for (field, span) in fixed_by_trace {
        if let Some(span) = span {
            let message = "not allowed with `trace`: the trace fixes every step, its duration \
                           and its faults";
            return Err(src.error(span, field, message));
        }
    }
    let file = relative_to(src.path, path.get_ref());
    let trace = trace::read(&file, agents, catalog)?;
    Ok(Steps {
        arrival: trace_arrival(src, raw.arrival.as_ref(), &trace)?,
        duration: RunDuration::Steps(trace.len() as u64),
        generation: Generation::default(),
        faults: FaultSet::none(),
        source: StepSource::Trace(Arc::new(trace)),
    })
}

fn resolve_vendor(src: Source<'_>, spec: &Spanned<String>) -> Result<Model, ScenarioError> {
    let text = spec.get_ref();
    let resolved = if BUILTIN_IDS.contains(&text.as_str()) {
        text.clone()
    } else {
        relative_to(src.path, text).to_string_lossy().into_owned()
    };
    Model::resolve(&resolved).map_err(|err| {
        let message = format!(
            "expected a built-in vendor ({}) or the path of a model file, got \"{text}\": {err}",
            BUILTIN_IDS.join(", ")
        );
        src.error(spec.span(), "vendor", message)
    })
}

/// `path` as written in the scenario, resolved against the scenario's directory.
fn relative_to(scenario: &Path, path: &str) -> PathBuf {
    scenario.parent().unwrap_or(Path::new("")).join(path)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".to_string())
}

fn accounts(
    src: Source<'_>,
    groups: Option<&[Spanned<RawAccounts>]>,
) -> Result<(Vec<AccountPlan>, Vec<AgentPlan>), ScenarioError> {
    let Some(groups) = groups else {
        return Ok(default_accounts());
    };
    if groups.is_empty() {
        return Err(src.error_at_start("expected at least one [[accounts]] group"));
    }
    let mut accounts = Vec::new();
    let mut agents = Vec::new();
    for group in groups {
        let (template, count) = account_group(src, group)?;
        let total = (accounts.len() as u64).saturating_add(count);
        let agent_total =
            (agents.len() as u64).saturating_add(count.saturating_mul(u64::from(template.agents)));
        if total > MAX_ACCOUNTS || agent_total > MAX_ACCOUNTS {
            let message = format!("expected at most {MAX_ACCOUNTS} accounts and agents in all");
            return Err(src.error(group.span(), "count", message));
        }
        for _ in 0..count {
            push_account(&mut accounts, &mut agents, template.clone());
        }
    }
    Ok((accounts, agents))
}

fn push_account(accounts: &mut Vec<AccountPlan>, agents: &mut Vec<AgentPlan>, mut a: AccountPlan) {
    // Both lengths are below MAX_ACCOUNTS, which fits in u32.
    a.id = accounts.len() as u32;
    for _ in 0..a.agents {
        agents.push(AgentPlan {
            id: agents.len() as u32,
            account: a.id,
        });
    }
    accounts.push(a);
}

fn default_accounts() -> (Vec<AccountPlan>, Vec<AgentPlan>) {
    let template = AccountPlan {
        id: 0,
        persona: "packs".to_string(),
        plan: None,
        seats: 1,
        packs: Vec::new(),
        addon_units: 0,
        agents: 1,
    };
    let (mut accounts, mut agents) = (Vec::new(), Vec::new());
    for _ in 0..DEFAULT_ACCOUNTS {
        push_account(&mut accounts, &mut agents, template.clone());
    }
    (accounts, agents)
}

/// One `[[accounts]]` group: an account template and how many accounts to make of it.
fn account_group(
    src: Source<'_>,
    group: &Spanned<RawAccounts>,
) -> Result<(AccountPlan, u64), ScenarioError> {
    let raw = group.get_ref();
    let count = opt(raw.count.as_ref(), 1, |v| positive(src, v, "count"))?;
    let seats = opt(raw.seats.as_ref(), 1, |v| positive_u32(src, v, "seats"))?;
    let addon_units = opt(raw.addon_units.as_ref(), 0, |v| {
        let n = non_negative(src, v, "addon_units")?;
        fit_u32(src, v, "addon_units", n)
    })?;
    let agents = opt(raw.agents.as_ref(), 1, |v| positive_u32(src, v, "agents"))?;
    let plan = raw.plan.as_ref().map(|p| p.get_ref().clone());
    let packs = raw
        .packs
        .iter()
        .flatten()
        .map(|p| p.get_ref().clone())
        .collect();
    let persona = match (&raw.persona, &plan) {
        (Some(p), _) => p.get_ref().clone(),
        (None, Some(plan)) => plan.clone(),
        (None, None) => "packs".to_string(),
    };
    let template = AccountPlan {
        id: 0,
        persona,
        plan,
        seats,
        packs,
        addon_units,
        agents,
    };
    Ok((template, count))
}

fn workload(src: Source<'_>, entries: &[Spanned<RawWorkload>]) -> Result<Workload, ScenarioError> {
    let mut mix = Vec::with_capacity(entries.len());
    for entry in entries {
        let raw = entry.get_ref();
        let action = raw.action.get_ref();
        if action.trim().is_empty() {
            return Err(src.error(raw.action.span(), "action", "expected an action id"));
        }
        let params = params(src, raw.params.as_ref())?;
        let weight = opt(raw.weight.as_ref(), 1, |v| positive(src, v, "weight"))?;
        mix.push(WorkloadEntry {
            action: action.as_str().into(),
            params: Arc::new(params),
            weight,
        });
    }
    Workload::new(mix).ok_or_else(|| match entries.first() {
        Some(first) => src.error(
            first.span(),
            "weight",
            "expected weights whose sum fits in 64 bits",
        ),
        None => src.error_at_start("expected at least one [[workload]] entry"),
    })
}

/// Parameters as the pricing model reads them. Keys and values must survive the trace's
/// `k=v;k=v` form.
fn params(
    src: Source<'_>,
    raw: Option<&Spanned<std::collections::BTreeMap<String, Spanned<ParamValue>>>>,
) -> Result<Params, ScenarioError> {
    let mut params = Params::new();
    let Some(raw) = raw else {
        return Ok(params);
    };
    for (key, value) in raw.get_ref() {
        let bad_key =
            key.is_empty() || key.contains(['=', ';', ',']) || key.contains(char::is_whitespace);
        if bad_key {
            let message =
                format!("expected parameter names without '=', ';', ',' or spaces, got \"{key}\"");
            return Err(src.error(raw.span(), "params", message));
        }
        if value.get_ref().0.contains(';') {
            let message = format!(
                "expected a value without ';', got \"{}\"",
                value.get_ref().0
            );
            return Err(src.error(value.span(), key, message));
        }
        params.insert(key.clone(), value.get_ref().0.clone());
    }
    Ok(params)
}

fn arrival(src: Source<'_>, raw: Option<&Spanned<RawArrival>>) -> Result<Arrival, ScenarioError> {
    let Some(raw) = raw else {
        return Ok(Arrival::Closed { think_ms: 0 });
    };
    let a = raw.get_ref();
    match a
        .mode
        .as_ref()
        .map_or(ArrivalMode::Closed, |m| *m.get_ref())
    {
        ArrivalMode::Closed => {
            if let Some(rate) = &a.rate_per_s {
                return Err(src.error(
                    rate.span(),
                    "rate_per_s",
                    "only allowed with mode = \"open\"",
                ));
            }
            let think_ms = opt(a.think_ms.as_ref(), 0, |v| non_negative(src, v, "think_ms"))?;
            Ok(Arrival::Closed { think_ms })
        }
        ArrivalMode::Open => {
            if let Some(think) = &a.think_ms {
                return Err(src.error(
                    think.span(),
                    "think_ms",
                    "only allowed with mode = \"closed\"",
                ));
            }
            let Some(rate) = &a.rate_per_s else {
                let message = "expected a positive number of steps per second for mode = \"open\"";
                return Err(src.error(raw.span(), "rate_per_s", message));
            };
            Ok(Arrival::Open {
                rate_per_s: positive(src, rate, "rate_per_s")?,
            })
        }
    }
}

/// A trace decides the arrival mode by whether its rows carry send times; `[arrival]` may
/// only agree with it, and add `think_ms` to a closed trace.
fn trace_arrival(
    src: Source<'_>,
    raw: Option<&Spanned<RawArrival>>,
    trace: &trace::Trace,
) -> Result<Arrival, ScenarioError> {
    let open = trace.is_open();
    let a = raw.map(|r| r.get_ref());
    if let Some(rate) = a.and_then(|a| a.rate_per_s.as_ref()) {
        let message = "not allowed with `trace`: the trace's send times fix the rate";
        return Err(src.error(rate.span(), "rate_per_s", message));
    }
    if let Some(mode) = a.and_then(|a| a.mode.as_ref())
        && (*mode.get_ref() == ArrivalMode::Open) != open
    {
        let found = if open {
            "open (its rows have send times)"
        } else {
            "closed (its rows have no send times)"
        };
        return Err(src.error(mode.span(), "mode", format!("the trace is {found}")));
    }
    if open {
        if let Some(think) = a.and_then(|a| a.think_ms.as_ref()) {
            return Err(src.error(think.span(), "think_ms", "only allowed with a closed trace"));
        }
        return Ok(Arrival::Open {
            rate_per_s: trace.rate_per_s(),
        });
    }
    let think_ms = opt(a.and_then(|a| a.think_ms.as_ref()), 0, |v| {
        non_negative(src, v, "think_ms")
    })?;
    Ok(Arrival::Closed { think_ms })
}

fn duration(
    src: Source<'_>,
    raw: Option<&Spanned<RawDuration>>,
) -> Result<RunDuration, ScenarioError> {
    let Some(raw) = raw else {
        return Ok(RunDuration::Steps(DEFAULT_STEPS));
    };
    match (&raw.get_ref().steps, &raw.get_ref().seconds) {
        (Some(steps), None) => Ok(RunDuration::Steps(positive(src, steps, "steps")?)),
        (None, Some(s)) => Ok(RunDuration::Seconds(positive(src, s, "seconds")?)),
        (Some(_), Some(s)) => Err(src.error(
            s.span(),
            "seconds",
            "expected `steps` or `seconds`, not both",
        )),
        (None, None) => Err(src.error(raw.span(), "steps", "expected `steps` or `seconds`")),
    }
}

fn generation_time(
    src: Source<'_>,
    raw: Option<&RawGeneration>,
) -> Result<Generation, ScenarioError> {
    let Some(g) = raw else {
        return Ok(Generation::default());
    };
    let kind = g
        .distribution
        .as_ref()
        .map_or(DistKind::Fixed, |d| *d.get_ref());
    let (name, allowed): (&str, &[&str]) = match kind {
        DistKind::Fixed => ("fixed", &["duration_ms"]),
        DistKind::Uniform => ("uniform", &["min_ms", "max_ms"]),
        DistKind::Exponential => ("exponential", &["mean_ms"]),
    };
    let fields = [
        ("duration_ms", &g.duration_ms),
        ("min_ms", &g.min_ms),
        ("max_ms", &g.max_ms),
        ("mean_ms", &g.mean_ms),
    ];
    for (field, value) in fields {
        if let (Some(v), false) = (value, allowed.contains(&field)) {
            let message = format!(
                "not used by distribution = \"{name}\" (it takes {})",
                allowed.join(", ")
            );
            return Err(src.error(v.span(), field, message));
        }
    }
    let required = |field: &str, value: &Option<Spanned<i64>>| -> Result<u64, ScenarioError> {
        let v = value.as_ref().ok_or_else(|| {
            let message = format!("required by distribution = \"{name}\"");
            src.error(
                g.distribution.as_ref().map_or(0..0, |d| d.span()),
                field,
                message,
            )
        })?;
        non_negative(src, v, field)
    };
    match kind {
        DistKind::Fixed => Ok(Generation::Fixed {
            ms: opt(g.duration_ms.as_ref(), 0, |v| {
                non_negative(src, v, "duration_ms")
            })?,
        }),
        DistKind::Uniform => {
            let (min_ms, max_ms) = (
                required("min_ms", &g.min_ms)?,
                required("max_ms", &g.max_ms)?,
            );
            if max_ms < min_ms {
                let span = g.max_ms.as_ref().map_or(0..0, |v| v.span());
                return Err(src.error(
                    span,
                    "max_ms",
                    format!("expected at least min_ms ({min_ms}), got {max_ms}"),
                ));
            }
            Ok(Generation::Uniform { min_ms, max_ms })
        }
        DistKind::Exponential => {
            let mean = g.mean_ms.as_ref().ok_or_else(|| {
                src.error(
                    g.distribution.as_ref().map_or(0..0, |d| d.span()),
                    "mean_ms",
                    "required by distribution = \"exponential\"",
                )
            })?;
            Ok(Generation::Exponential {
                mean_ms: positive(src, mean, "mean_ms")?,
            })
        }
    }
}

fn faults(
    src: Source<'_>,
    generation: Option<&RawGeneration>,
    raw: Option<&RawFaults>,
) -> Result<FaultSet, ScenarioError> {
    let empty = RawFaults::default();
    let raw = raw.unwrap_or(&empty);
    let failure = generation.and_then(|g| g.failure_probability.as_ref());
    let failure = match (failure, &raw.generation_failure) {
        (Some(_), Some(alias)) => {
            let message = "the same knob as generation.failure_probability; set only one";
            return Err(src.error(alias.span(), "generation_failure", message));
        }
        (Some(p), None) => probability(src, p, "failure_probability")?,
        (None, Some(p)) => probability(src, p, "generation_failure")?,
        (None, None) => DEFAULT_FAILURE_PROBABILITY,
    };
    let injected = [
        (Fault::SlowGeneration, &raw.slow_generation),
        (Fault::DuplicateDelivery, &raw.duplicate_delivery),
        (Fault::LostReply, &raw.lost_reply),
        (Fault::KeyReuse, &raw.key_reuse),
        (Fault::DuplicateGrant, &raw.duplicate_grant),
        (Fault::ActorCrash, &raw.actor_crash),
        (Fault::CycleBoundary, &raw.cycle_boundary),
    ];
    let mut set = FaultSet::none().with(Fault::GenerationFailure, failure);
    for (fault, value) in injected {
        if let Some(v) = value {
            set = set.with(fault, probability(src, v, &fault.field())?);
        }
    }
    Ok(set)
}

fn clock(src: Source<'_>, raw: Option<&Spanned<RawClock>>) -> Result<ClockPlan, ScenarioError> {
    let Some(raw) = raw else {
        return Ok(ClockPlan::new(None, Pace::Speedup(1)));
    };
    let c = raw.get_ref();
    let pace = match (&c.speedup, &c.months) {
        (Some(_), Some(months)) => {
            let message = "set either `speedup` or `months`, not both: `months` picks the speedup";
            return Err(src.error(months.span(), "months", message));
        }
        (Some(s), None) => Pace::Speedup(positive(src, s, "speedup")?),
        (None, Some(m)) => Pace::Months(positive_u32(src, m, "months")?),
        (None, None) => Pace::Speedup(1),
    };
    let start_ms = c
        .start_ms
        .as_ref()
        .map(|v| non_negative(src, v, "start_ms"))
        .transpose()?;
    Ok(ClockPlan::new(start_ms, pace))
}

fn thresholds(src: Source<'_>, raw: Option<&RawThresholds>) -> Result<Thresholds, ScenarioError> {
    let Some(t) = raw else {
        return Ok(Thresholds::default());
    };
    let us = |v: &Option<Spanned<i64>>, f| v.as_ref().map(|v| non_negative(src, v, f)).transpose();
    let rate =
        |v: &Option<Spanned<f64>>, f| v.as_ref().map(|v| non_negative_rate(src, v, f)).transpose();
    Ok(Thresholds {
        reserve_p99_us: us(&t.reserve_p99_us, "reserve_p99_us")?,
        commit_p99_us: us(&t.commit_p99_us, "commit_p99_us")?,
        min_cycles_per_s: rate(&t.min_cycles_per_s, "min_cycles_per_s")?,
        min_steps_per_s: rate(&t.min_steps_per_s, "min_steps_per_s")?,
        max_insufficient_ratio: t
            .max_insufficient_ratio
            .as_ref()
            .map(|v| probability(src, v, "max_insufficient_ratio"))
            .transpose()?,
    })
}

fn opt<T>(
    value: Option<&Spanned<i64>>,
    default: T,
    check: impl FnOnce(&Spanned<i64>) -> Result<T, ScenarioError>,
) -> Result<T, ScenarioError> {
    value.map_or(Ok(default), check)
}

fn positive(src: Source<'_>, v: &Spanned<i64>, field: &str) -> Result<u64, ScenarioError> {
    let n = *v.get_ref();
    u64::try_from(n).ok().filter(|&n| n > 0).ok_or_else(|| {
        src.error(
            v.span(),
            field,
            format!("expected a positive integer, got {n}"),
        )
    })
}

fn positive_u32(src: Source<'_>, v: &Spanned<i64>, field: &str) -> Result<u32, ScenarioError> {
    let n = positive(src, v, field)?;
    fit_u32(src, v, field, n)
}

fn fit_u32(src: Source<'_>, v: &Spanned<i64>, field: &str, n: u64) -> Result<u32, ScenarioError> {
    u32::try_from(n).map_err(|_| {
        src.error(
            v.span(),
            field,
            format!("expected at most {}, got {n}", u32::MAX),
        )
    })
}

fn non_negative(src: Source<'_>, v: &Spanned<i64>, field: &str) -> Result<u64, ScenarioError> {
    let n = *v.get_ref();
    u64::try_from(n).map_err(|_| {
        src.error(
            v.span(),
            field,
            format!("expected an integer of 0 or more, got {n}"),
        )
    })
}

fn probability(src: Source<'_>, v: &Spanned<f64>, field: &str) -> Result<f64, ScenarioError> {
    let p = *v.get_ref();
    if (0.0..=1.0).contains(&p) {
        return Ok(p);
    }
    Err(src.error(
        v.span(),
        field,
        format!("expected a probability between 0 and 1, got {p}"),
    ))
}

fn non_negative_rate(src: Source<'_>, v: &Spanned<f64>, field: &str) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if x.is_finite() && x >= 0.0 {
        return Ok(x);
    }
    Err(src.error(
        v.span(),
        field,
        format!("expected a number of 0 or more, got {x}"),
    ))
}
