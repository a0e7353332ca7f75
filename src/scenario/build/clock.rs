//! `[clock]` (virtual or paced time, months, the start) and `[thresholds]`.

use toml::Spanned;

use super::steps::Steps;
use super::values::*;
use crate::ledger::calendar;
use crate::scenario::error::{ScenarioError, SourceText};
use crate::scenario::file::{ClockModeName, RawClock, RawThresholds};
use crate::scenario::setup::{Arrival, ClockMode, ClockSetup, RunDuration};
use crate::scenario::thresholds::Thresholds;

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

pub(super) fn thresholds(
    src: SourceText<'_>,
    raw: Option<&RawThresholds>,
) -> Result<Thresholds, ScenarioError> {
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
