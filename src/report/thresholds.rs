//! Comparing what a run reported with the limits its scenario sets (exit code 3 on a
//! breach). Generic over a flat map of metrics ([`Metrics`]), so that any result that
//! flattens into one (a run's summary, an economics report) is judged by the same rules.

use std::fmt;

use super::metrics::Metrics;
use crate::scenario::{Bound, ScenarioError, Thresholds};

/// One limit that a result breached, with both numbers, for the summary and for CI logs.
#[derive(Clone, Debug, PartialEq)]
pub struct Breach {
    /// The threshold as the scenario wrote it (`reserve_p99_us`, `max.counts.insufficient`).
    pub threshold: String,
    /// The summary path the threshold bounds, such as `latency_by_op_us.reserve.p99`.
    pub metric: String,
    /// The direction of the limit.
    pub bound: Bound,
    /// The limit the scenario set.
    pub limit: f64,
    /// What the result reported; `None` when it reports no such metric, which breaches
    /// rather than passes: a limit on nothing must never pass silently.
    pub observed: Option<f64>,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let want = match self.bound {
            Bound::AtMost => "at most",
            Bound::AtLeast => "at least",
        };
        match self.observed {
            Some(observed) => write!(
                f,
                "{}: observed {observed}, limit {want} {}",
                self.threshold, self.limit
            ),
            None => write!(
                f,
                "{}: the result reports no metric `{}`",
                self.threshold, self.metric
            ),
        }
    }
}

/// The limits of `thresholds` that `metrics` breaches, in the thresholds' order; empty means
/// the result passes.
pub fn breaches(thresholds: &Thresholds, metrics: &Metrics) -> Vec<Breach> {
    let judged = thresholds.limits.iter().map(|limit| {
        let observed = metrics.get(&limit.metric).copied();
        let ok = observed.is_some_and(|value| match limit.bound {
            Bound::AtMost => value <= limit.limit,
            Bound::AtLeast => value >= limit.limit,
        });
        (!ok).then(|| Breach {
            threshold: limit.written.clone(),
            metric: limit.metric.clone(),
            bound: limit.bound,
            limit: limit.limit,
            observed,
        })
    });
    judged.flatten().collect()
}

/// Refuses a limit on a metric that `metrics` (what a result of this kind reports) does not
/// have, naming the file, line and key, with the nearest names that do exist.
pub(crate) fn check_metrics_exist(
    thresholds: &Thresholds,
    metrics: &Metrics,
) -> Result<(), ScenarioError> {
    let Some(unknown) = (thresholds.limits.iter()).find(|l| !metrics.contains_key(&l.metric))
    else {
        return Ok(());
    };
    let message = format!(
        "no metric `{}` in what a run reports; {} (every number in `creditsim run --json` is a \
         metric, named by its path: throughput.steps_per_s, latency_by_op_us.reserve.p99, \
         counts.insufficient, violations_total)",
        unknown.metric,
        suggestions(&unknown.metric, metrics)
    );
    Err(ScenarioError::Invalid {
        at: unknown.at.clone(),
        field: Some(unknown.written.clone()),
        message,
    })
}

/// The known names most like `wanted`: those sharing its last part, else those sharing any
/// part, most shared parts first; else the top-level groups.
fn suggestions(wanted: &str, metrics: &Metrics) -> String {
    const SHOWN: usize = 8;
    let parts: Vec<&str> = wanted.split('.').collect();
    let last = parts.last().copied().unwrap_or(wanted);
    let names = || metrics.keys().map(String::as_str);
    let mut near: Vec<&str> = names()
        .filter(|n| n.rsplit('.').next() == Some(last))
        .collect();
    if near.is_empty() {
        near = names()
            .filter(|n| n.split('.').any(|part| parts.contains(&part)))
            .collect();
    }
    if near.is_empty() {
        let mut groups: Vec<&str> = names().map(|n| n.split('.').next().unwrap_or(n)).collect();
        groups.dedup();
        return format!("the metrics start with one of: {}", groups.join(", "));
    }
    let shared = |name: &str| name.split('.').filter(|part| parts.contains(part)).count();
    near.sort_by_key(|name| std::cmp::Reverse(shared(name)));
    let more = near.len().saturating_sub(SHOWN);
    near.truncate(SHOWN);
    let tail = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    format!("did you mean {}{tail}?", near.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Location, Threshold};

    fn limit(written: &str, metric: &str, bound: Bound, value: f64) -> Threshold {
        Threshold {
            written: written.into(),
            metric: metric.into(),
            bound,
            limit: value,
            at: Location {
                path: "s.toml".into(),
                line: 3,
                column: 9,
            },
        }
    }

    fn set() -> Thresholds {
        Thresholds {
            limits: vec![
                limit("reserve_p99_us", "latency.p99", Bound::AtMost, 500.0),
                limit("min.rate", "rate", Bound::AtLeast, 1000.0),
            ],
        }
    }

    fn metrics(p99: f64, rate: f64) -> Metrics {
        Metrics::from([("latency.p99".into(), p99), ("rate".into(), rate)])
    }

    #[test]
    fn values_on_the_limit_pass() {
        assert_eq!(breaches(&set(), &metrics(500.0, 1000.0)), vec![]);
    }

    #[test]
    fn each_limit_breaches_on_its_own() {
        let over = breaches(&set(), &metrics(501.0, 1000.0));
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].threshold, "reserve_p99_us");
        let under = breaches(&set(), &metrics(500.0, 999.5));
        assert_eq!(under.len(), 1);
        assert_eq!(under[0].threshold, "min.rate");
        assert_eq!(breaches(&set(), &metrics(1e9, 0.0)).len(), 2);
        assert_eq!(breaches(&Thresholds::default(), &metrics(1e9, 0.0)), vec![]);
    }

    #[test]
    fn a_missing_metric_breaches_and_is_refused_up_front() {
        let only_rate = Metrics::from([("rate".into(), 5000.0)]);
        let found = breaches(&set(), &only_rate);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].observed, None);
        let text = found[0].to_string();
        assert_eq!(
            text,
            "reserve_p99_us: the result reports no metric `latency.p99`"
        );
        let err = check_metrics_exist(&set(), &only_rate)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.toml:3:9: field \"reserve_p99_us\": no metric"),
            "{err}"
        );
        assert!(check_metrics_exist(&set(), &metrics(1.0, 1.0)).is_ok());
    }

    #[test]
    fn suggestions_name_the_nearest_metrics() {
        let known = Metrics::from([
            ("latency_by_op_us.reserve.p99".into(), 1.0),
            ("latency_by_op_us.commit.p99".into(), 1.0),
            ("counts.insufficient".into(), 1.0),
        ]);
        let near = suggestions("latency.reserve.p99", &known);
        assert!(near.contains("latency_by_op_us.reserve.p99"), "{near}");
        assert!(!near.contains("counts"), "{near}");
        let groups = suggestions("nothing_like_it", &known);
        assert!(groups.contains("counts, latency_by_op_us"), "{groups}");
    }

    #[test]
    fn a_breach_reads_well() {
        let text = breaches(&set(), &metrics(812.0, 1000.0))[0].to_string();
        assert_eq!(text, "reserve_p99_us: observed 812, limit at most 500");
    }
}
