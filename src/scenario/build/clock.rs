//! `[clock]` (virtual or paced time, months, the start) and `[thresholds]`.

use std::collections::BTreeMap;

use toml::Spanned;

use super::steps::Steps;
use super::values::*;
use crate::ledger::calendar;
use crate::scenario::error::{Location, ScenarioError, SourceText};
use crate::scenario::file::{ClockModeName, RawClock, RawLimit, RawThresholds};
use crate::scenario::setup::{Arrival, ClockMode, ClockSetup, RunDuration};
use crate::scenario::thresholds::{Bound, SHORTHANDS, ShorthandValue, Threshold, Thresholds};

/// The clock. Virtual time is the default; paced time is the default for open arrival
/// (whose rate is per real second) and whenever `speedup` is set. Months need a way to
/// spread the steps: a step count in virtual time, a real duration in paced time.
pub(super) fn clock(
    src: SourceText<'_>,
    raw: Option<&Spanned<RawClock>>,
    steps: &Steps,
) -> Result<ClockSetup, ScenarioError> {
    let c = raw.map(|r| r.get_ref());
    let span = raw.map_or(0..0, |r| r.span());
    let speedup = c.and_then(|c| c.speedup.as_ref());
    let open = matches!(steps.arrival, Arrival::Open { .. });
    let paced = match c.and_then(|c| c.mode.as_ref()).map(|m| *m.get_ref()) {
        Some(ClockModeName::Paced) => true,
        Some(ClockModeName::Virtual) => false,
        None => open || speedup.is_some(),
    };
    let months = c.and_then(|c| c.months.as_ref());
    if let (Some(_), Some(m)) = (speedup, months) {
        let message = "set either `speedup` or `months`, not both: `months` picks the speedup";
        return Err(src.error(m.span(), "months", message));
    }
    let months = months.map(|m| bounded_months(src, m)).transpose()?;
    let start_ms = c.and_then(|c| c.start_ms.as_ref());
    let start_ms = start_ms
        .map(|v| non_negative(src, v, "start_ms"))
        .transpose()?;
    let start_ms = start_ms.unwrap_or(0);
    let months = months.map(|m| (m, span_of(start_ms, m)));
    let mode = match (paced, speedup) {
        (false, Some(s)) => {
            let message = "only with mode = \"paced\": virtual time never waits on the wall clock";
            return Err(src.error(s.span(), "speedup", message));
        }
        (false, None) => virtual_mode(src, span.clone(), months, steps)?,
        (true, speedup) => paced_mode(src, span, speedup, months, steps)?,
    };
    Ok(ClockSetup {
        start_ms,
        mode,
        months: months.map(|(m, _)| m),
    })
}

/// The virtual ms that `months` calendar months from `start_ms` span.
fn span_of(start_ms: u64, months: u32) -> u64 {
    let end = calendar::add_months(start_ms, u64::from(months));
    end.map_or(u64::MAX, |end| end - start_ms)
}

fn bounded_months(src: SourceText<'_>, value: &Spanned<i64>) -> Result<u32, ScenarioError> {
    positive_u32(src, value, "months")
}

fn virtual_mode(
    src: SourceText<'_>,
    span: std::ops::Range<usize>,
    months: Option<(u32, u64)>,
    steps: &Steps,
) -> Result<ClockMode, ScenarioError> {
    let unbounded = matches!(
        (steps.duration, steps.arrival),
        (RunDuration::Seconds(_), Arrival::Closed { .. })
    );
    if months.is_some() && unbounded {
        let message = "months in virtual time spread a known number of steps over the months; \
                       set `duration.steps`, or mode = \"paced\" to spread real seconds";
        return Err(src.error(span, "months", message));
    }
    Ok(ClockMode::Virtual)
}

/// Paced time: the given speedup, or for months the one that stretches them over the run's
/// real duration (`clock` has refused setting both).
fn paced_mode(
    src: SourceText<'_>,
    span: std::ops::Range<usize>,
    speedup: Option<&Spanned<i64>>,
    months: Option<(u32, u64)>,
    steps: &Steps,
) -> Result<ClockMode, ScenarioError> {
    let Some((_, span_ms)) = months else {
        let speedup = speedup.map(|s| positive(src, s, "speedup")).transpose()?;
        return Ok(ClockMode::Paced {
            speedup: speedup.unwrap_or(1),
        });
    };
    let real_ms = match (steps.duration, steps.arrival) {
        (RunDuration::Seconds(seconds), _) => seconds.saturating_mul(1000),
        (RunDuration::Steps(n), Arrival::Open { rate_per_s }) => {
            n.saturating_mul(1000) / rate_per_s.max(1)
        }
        (RunDuration::Steps(_), Arrival::Closed { .. }) => {
            let message = "a paced closed run bounded by steps has no real duration to stretch \
                           the months over; use virtual time (the default) or `duration.seconds`";
            return Err(src.error(span, "months", message));
        }
    };
    Ok(ClockMode::Paced {
        speedup: (span_ms / real_ms.max(1)).max(1),
    })
}

/// `[thresholds]`: shorthands and the `max`/`min` tables, flattened into one limit per
/// metric. Whether each metric exists is for the report to say, which knows what a run
/// reports.
pub(super) fn thresholds(
    src: SourceText<'_>,
    raw: Option<&RawThresholds>,
) -> Result<Thresholds, ScenarioError> {
    let Some(raw) = raw else {
        return Ok(Thresholds::default());
    };
    let mut limits = Vec::new();
    for (key, value) in &raw.0 {
        let bound = match key.as_str() {
            "max" => Bound::AtMost,
            "min" => Bound::AtLeast,
            _ => {
                limits.push(shorthand(src, key, value)?);
                continue;
            }
        };
        let RawLimit::Table(table) = value.get_ref() else {
            let message =
                format!("expected a table of metrics, such as `{key}.counts.insufficient = 10`");
            return Err(src.error(value.span(), key, message));
        };
        bounded_metrics(src, (key, bound), table, "", &mut limits)?;
    }
    Ok(Thresholds { limits })
}

/// The limits under `max` or `min` (`side`), nested keys joined by dots into metric names,
/// so that `max.counts.insufficient` and `[thresholds.max] "counts.insufficient"` agree.
fn bounded_metrics(
    src: SourceText<'_>,
    side: (&str, Bound),
    table: &BTreeMap<String, Spanned<RawLimit>>,
    path: &str,
    out: &mut Vec<Threshold>,
) -> Result<(), ScenarioError> {
    for (key, value) in table {
        let metric = match path.is_empty() {
            true => key.clone(),
            false => format!("{path}.{key}"),
        };
        if let RawLimit::Table(inner) = value.get_ref() {
            bounded_metrics(src, side, inner, &metric, out)?;
            continue;
        }
        let written = format!("{}.{metric}", side.0);
        let limit = match value.get_ref() {
            RawLimit::Integer(n) => *n as f64,
            RawLimit::Float(x) if x.is_finite() => *x,
            other => {
                let message = format!("expected a number, got {}", kind_of(other));
                return Err(src.error(value.span(), &written, message));
            }
        };
        out.push(Threshold {
            written,
            metric,
            bound: side.1,
            limit,
            at: Location::at_offset(src.path, src.text, value.span().start),
        });
    }
    Ok(())
}

/// One of the names kept from before limits could name any metric, checked as it always
/// was (microseconds are whole, a ratio lies in 0..=1).
fn shorthand(
    src: SourceText<'_>,
    key: &str,
    value: &Spanned<RawLimit>,
) -> Result<Threshold, ScenarioError> {
    let Some(short) = SHORTHANDS.iter().find(|s| s.written == key) else {
        let names: Vec<&str> = SHORTHANDS.iter().map(|s| s.written).collect();
        let message = format!(
            "unknown threshold; expected `max.<metric>`, `min.<metric>` or one of {}",
            names.join(", ")
        );
        return Err(src.error(value.span(), key, message));
    };
    let number = match value.get_ref() {
        RawLimit::Integer(n) => *n as f64,
        RawLimit::Float(x) => *x,
        other => {
            let message = format!("expected a number, got {}", kind_of(other));
            return Err(src.error(value.span(), key, message));
        }
    };
    let limit = match (value.get_ref(), short.value) {
        (RawLimit::Integer(n), ShorthandValue::Micros) => {
            non_negative(src, &Spanned::new(value.span(), *n), key)? as f64
        }
        (_, ShorthandValue::Micros) => {
            let message = format!("expected an integer of 0 or more, got {number}");
            return Err(src.error(value.span(), key, message));
        }
        (_, ShorthandValue::Rate) => {
            non_negative_rate(src, &Spanned::new(value.span(), number), key)?
        }
        (_, ShorthandValue::Ratio) => probability(src, &Spanned::new(value.span(), number), key)?,
    };
    Ok(Threshold {
        written: key.to_string(),
        metric: short.metric.to_string(),
        bound: short.bound,
        limit,
        at: Location::at_offset(src.path, src.text, value.span().start),
    })
}

fn kind_of(value: &RawLimit) -> &'static str {
    match value {
        RawLimit::Integer(_) => "an integer",
        RawLimit::Float(_) => "a number that is not finite",
        RawLimit::Table(_) => "a table",
        RawLimit::Other(kind) => kind,
    }
}
