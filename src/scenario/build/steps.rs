//! Where steps come from (a drawn mix or a trace), how they arrive, how long the run and a
//! generation last, and the faults.

use std::sync::Arc;

use toml::Spanned;

use super::relative_to;
use super::values::*;
use crate::pricing::{CostDraw, CostSampler, Model, Params};
use crate::scenario::catalog::Catalog;
use crate::scenario::error::{ScenarioError, SourceText};
use crate::scenario::faults::{DEFAULT_FAILURE_PROBABILITY, Fault, FaultSet};
use crate::scenario::file::*;
use crate::scenario::limits::{MAX_STEPS, MAX_WORKLOAD_ENTRIES};
use crate::scenario::population::AgentSetup;
use crate::scenario::setup::*;
use crate::scenario::step::PERMILLE_MAX;
use crate::scenario::trace;
use crate::scenario::workload::{Workload, WorkloadEntry};

/// Steps in a run when a scenario has no `[duration]`.
pub(crate) const DEFAULT_STEPS: u64 = 10_000;

/// The parts of a plan that depend on where the steps come from.
pub(super) struct Steps {
    pub source: StepSource,
    pub arrival: Arrival,
    pub duration: RunDuration,
    pub generation: Generation,
    pub faults: FaultSet,
}

pub(super) fn drawn_steps(
    src: SourceText<'_>,
    raw: &RawScenario,
    entries: &[Spanned<RawWorkload>],
    vendor: &Model,
) -> Result<Steps, ScenarioError> {
    let generation = raw.generation.as_ref().map(|g| g.get_ref());
    let arrival = arrival(src, raw.arrival.as_ref())?;
    let duration = duration(src, raw.duration.as_ref())?;
    if let (Arrival::Open { rate_per_s }, RunDuration::Seconds(seconds)) = (arrival, duration)
        && rate_per_s.saturating_mul(seconds) > MAX_STEPS
    {
        let span = raw.duration.as_ref().map_or(0..0, |d| d.span());
        let message = format!(
            "rate_per_s × seconds is {} steps; expected at most {MAX_STEPS}",
            rate_per_s.saturating_mul(seconds)
        );
        return Err(src.error(span, "seconds", message));
    }
    Ok(Steps {
        source: StepSource::Workload(Arc::new(workload(src, entries, vendor)?)),
        arrival,
        duration,
        generation: generation_time(src, generation)?,
        faults: faults(src, generation, raw.faults.as_ref().map(|f| f.get_ref()))?,
    })
}

/// Steps replayed from a trace: the trace fixes durations, failures and faults, so the
/// sections that would draw them are refused rather than silently ignored.
pub(super) fn traced_steps(
    src: SourceText<'_>,
    raw: &RawScenario,
    path: &Spanned<String>,
    agents: &[AgentSetup],
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

fn workload(
    src: SourceText<'_>,
    entries: &[Spanned<RawWorkload>],
    vendor: &Model,
) -> Result<Workload, ScenarioError> {
    if entries.len() > MAX_WORKLOAD_ENTRIES {
        let message = format!(
            "expected at most {MAX_WORKLOAD_ENTRIES} [[workload]] entries, got {}",
            entries.len()
        );
        return Err(src.error(entries[MAX_WORKLOAD_ENTRIES].span(), "workload", message));
    }
    let mut mix = Vec::with_capacity(entries.len());
    for entry in entries {
        let raw = entry.get_ref();
        let action = raw.action.get_ref();
        if action.trim().is_empty() {
            return Err(src.error(raw.action.span(), "action", "expected an action id"));
        }
        let params = params(src, raw.params.as_ref())?;
        let weight = opt(raw.weight.as_ref(), 1, |v| positive(src, v, "weight"))?;
        let cost = match &raw.cost {
            Some(cost) => cost_draw(src, cost, vendor, action, &params)?,
            None => None,
        };
        mix.push(WorkloadEntry {
            action: action.as_str().into(),
            params: Arc::new(params),
            weight,
            cost,
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

/// A workload entry's cost distribution: `None` for the default uniform draw, or a sampler
/// of the maximum-entropy distribution with the given mean over the entry's quoted range.
fn cost_draw(
    src: SourceText<'_>,
    cost: &Spanned<RawCost>,
    vendor: &Model,
    action: &str,
    params: &Params,
) -> Result<Option<CostSampler>, ScenarioError> {
    let bad = |message: String| src.error(cost.span(), "cost", message);
    let mean = match cost.get_ref() {
        RawCost::Named(name) if name == "uniform" => return Ok(None),
        RawCost::Named(name) => {
            return Err(bad(format!(
                "expected \"uniform\" or {{ mean = M }}, got \"{name}\""
            )));
        }
        RawCost::Mean(RawMean { mean }) => *mean,
    };
    let quote = vendor
        .quote(action, params)
        .map_err(|err| bad(format!("the action cannot be priced: {err}")))?;
    let range = quote.credits;
    if range.max - range.min > u64::from(PERMILLE_MAX) {
        let most = u64::from(PERMILLE_MAX) + 1;
        let message = format!("a mean needs a range of at most {most} whole numbers, got {range}");
        return Err(bad(message));
    }
    let sampler = CostSampler::new(range, CostDraw::Mean(mean))
        .map_err(|err| bad(format!("expected a mean within the action's cost: {err}")))?;
    Ok(Some(sampler))
}

/// Parameters as the pricing model reads them. Keys and values must survive the trace's
/// `k=v;k=v` form.
pub(super) fn params(
    src: SourceText<'_>,
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

fn arrival(
    src: SourceText<'_>,
    raw: Option<&Spanned<RawArrival>>,
) -> Result<Arrival, ScenarioError> {
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
    src: SourceText<'_>,
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
    src: SourceText<'_>,
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
    src: SourceText<'_>,
    raw: Option<&RawGeneration>,
) -> Result<Generation, ScenarioError> {
    let Some(g) = raw else {
        return Ok(Generation::default());
    };
    let kind = g
        .distribution
        .as_ref()
        .map_or(DistKind::Fixed, |d| *d.get_ref());
    let name = unused_generation_fields(src, g, kind)?;
    let at_distribution = g.distribution.as_ref().map_or(0..0, |d| d.span());
    let required = |field: &str, value: &Option<Spanned<i64>>| -> Result<u64, ScenarioError> {
        let v = value.as_ref().ok_or_else(|| {
            let message = format!("required by distribution = \"{name}\"");
            src.error(at_distribution.clone(), field, message)
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
            let min_ms = required("min_ms", &g.min_ms)?;
            let max_ms = required("max_ms", &g.max_ms)?;
            if max_ms < min_ms {
                let span = g.max_ms.as_ref().map_or(0..0, |v| v.span());
                let message = format!("expected at least min_ms ({min_ms}), got {max_ms}");
                return Err(src.error(span, "max_ms", message));
            }
            Ok(Generation::Uniform { min_ms, max_ms })
        }
        DistKind::Exponential => {
            required("mean_ms", &g.mean_ms)?;
            let mean = g.mean_ms.as_ref().expect("required above");
            Ok(Generation::Exponential {
                mean_ms: positive(src, mean, "mean_ms")?,
            })
        }
    }
}

/// Refuses a duration field the distribution does not use, and returns its name.
fn unused_generation_fields(
    src: SourceText<'_>,
    g: &RawGeneration,
    kind: DistKind,
) -> Result<&'static str, ScenarioError> {
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
    Ok(name)
}

fn faults(
    src: SourceText<'_>,
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
