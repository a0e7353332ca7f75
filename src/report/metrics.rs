//! Any JSON result as a flat map of metric names to numbers, so that thresholds and
//! `compare` work the same over a run's `summary.json`, a bench report, or a result format
//! that does not exist yet (`economics.json`): a metric is named by its path of object keys
//! joined by dots (`latency_by_op_us.reserve.p99`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Metric names (dotted paths) to values.
pub(crate) type Metrics = BTreeMap<String, f64>;

/// Every number in `value`, named by its path. Strings, booleans, nulls and arrays are
/// labels or lists, not measurements, and are left out: a list's entries have no stable
/// name to compare by.
pub fn flatten(value: &serde_json::Value) -> Metrics {
    let mut metrics = Metrics::new();
    flatten_into(value, "", &mut metrics);
    metrics
}

fn flatten_into(value: &serde_json::Value, path: &str, out: &mut Metrics) {
    match value {
        serde_json::Value::Number(number) => {
            if let Some(n) = number.as_f64().filter(|n| n.is_finite()) {
                out.insert(path.to_string(), n);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, inner) in fields {
                let name = match path.is_empty() {
                    true => key.clone(),
                    false => format!("{path}.{key}"),
                };
                flatten_into(inner, &name, out);
            }
        }
        _ => {}
    }
}

/// Which way a metric should move. A result file does not say, so it is read from the name
/// ([`Better::by_name`]) unless the user or a bench report says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// More is better (throughput).
    Higher,
    /// Less is better (latency, instructions, violations).
    Lower,
    /// Neither: a change is reported but never called a regression (counts, credits).
    Neither,
}

impl Better {
    /// The direction a run summary's metric names imply: rates up, latencies, elapsed time,
    /// instructions and violations down, and everything else (counts of outcomes, credits,
    /// sample counts) without a direction.
    pub(crate) fn by_name(name: &str) -> Better {
        let last = name.rsplit('.').next().unwrap_or(name);
        if name.contains("latency") {
            return match last {
                "count" => Better::Neither,
                _ => Better::Lower,
            };
        }
        if last.ends_with("_per_s") {
            return Better::Higher;
        }
        let lower = ["violations", "elapsed_s", "instructions"];
        match lower
            .iter()
            .any(|word| name.starts_with(word) || last == *word)
        {
            true => Better::Lower,
            false => Better::Neither,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_named_by_their_path_and_the_rest_is_left_out() {
        let value = serde_json::json!({
            "ok": true,
            "scenario": "stress",
            "seed": 7,
            "throughput": {"cycles_per_s": 1.5},
            "latency_by_op_us": {"reserve": {"p99": 20, "count": 3}},
            "violations": [{"invariant": "I1"}],
            "stalled": null,
        });
        let metrics = flatten(&value);
        let names: Vec<&str> = metrics.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "latency_by_op_us.reserve.count",
                "latency_by_op_us.reserve.p99",
                "seed",
                "throughput.cycles_per_s"
            ]
        );
        assert_eq!(metrics["latency_by_op_us.reserve.p99"], 20.0);
    }

    #[test]
    fn directions_follow_the_names() {
        let cases = [
            ("throughput.steps_per_s", Better::Higher),
            ("latency_by_op_us.commit.p999", Better::Lower),
            ("latency_us.max", Better::Lower),
            ("latency_us.count", Better::Neither),
            ("violations_total", Better::Lower),
            ("violations_by_invariant.I2", Better::Lower),
            ("elapsed_s", Better::Lower),
            ("counts.committed", Better::Neither),
            ("credits.credits.charged", Better::Neither),
        ];
        for (name, better) in cases {
            assert_eq!(Better::by_name(name), better, "{name}");
        }
    }
}
