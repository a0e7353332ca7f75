//! Judging one result against another: for each metric both have, the baseline, the
//! current value, the change, and a verdict. `bench --baseline` and `compare` share it.
//!
//! A metric is *regressed* only when it moved the wrong way by more than its tolerance
//! **and** outside the noise: the two medians' confidence intervals do not overlap. A
//! metric whose interval is too wide on either side is *noisy* and not judged. Metrics that
//! only one side has are listed, never dropped.
//!
//! - `rules`: tolerances, directions and the gate the user sets, by metric-name pattern.
//! - `load`: any JSON result file as a set of measures.
//! - `render`: the comparison as a table, Markdown, and JUnit cases.

mod load;
mod render;
mod rules;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::metrics::Better;
use super::stats::Stat;

pub(crate) use load::BENCH_KIND;
pub use load::{LoadError, Loaded, load};
pub use render::{human, missing_lines, render_markdown, render_table, to_junit};
pub use rules::{Pattern, PatternError, Rules};

/// One metric of a result, as a comparison reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// Its unit (`cycles/s`, `instructions`); empty when the result does not say.
    pub unit: String,
    /// The result's own direction; a user's direction for the metric overrides it.
    pub better: Better,
    /// What was measured (sizes, scenario, build profile): two measures of different
    /// workloads are not compared. Empty when the result does not say.
    #[serde(default)]
    pub workload: String,
    /// The tolerance this metric gets unless the user sets one.
    #[serde(default)]
    pub tolerance_pct: Option<f64>,
    /// The samples and their statistics.
    pub stat: Stat,
    /// The floor measured beside it in the same run, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// The ratio to that floor, one per repetition (each paired with the floor's sample
    /// taken in the same round).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vs_floor: Option<Stat>,
}

/// A result's measures by metric name.
pub(crate) type Measures = BTreeMap<String, Measure>;

/// The suffix of the metric that is another's ratio to its floor.
pub(crate) const VS_FLOOR: &str = ".vs_floor";

/// How one metric compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Worse by more than the tolerance, outside the noise.
    #[serde(rename = "regressed")]
    Regressed,
    /// Better by more than the tolerance, outside the noise.
    #[serde(rename = "improved")]
    Improved,
    /// Inside the noise or the tolerance.
    #[serde(rename = "within noise")]
    WithinNoise,
    /// A metric without a direction moved by more than its tolerance (reported only).
    #[serde(rename = "changed")]
    Changed,
    /// The spread on one side is too wide to judge.
    #[serde(rename = "noisy")]
    Noisy,
    /// The two sides measured different workloads.
    #[serde(rename = "incomparable")]
    Incomparable,
}

impl Verdict {
    /// As written in tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::WithinNoise => "within noise",
            Verdict::Changed => "changed",
            Verdict::Noisy => "noisy",
            Verdict::Incomparable => "incomparable",
        }
    }
}

/// One metric that both sides have.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The metric's name.
    pub metric: String,
    /// The current result's unit for the metric.
    pub unit: String,
    /// The direction judged by: the user's for this metric, else the current result's.
    pub better: Better,
    /// The baseline's median.
    pub baseline: f64,
    /// The current result's median.
    pub current: f64,
    /// The baseline's interval for its median.
    pub baseline_ci: [f64; 2],
    /// The current result's interval for its median, `[ci_low, ci_high]`.
    pub current_ci: [f64; 2],
    /// Current divided by baseline (`None` when the baseline is 0).
    pub ratio: Option<f64>,
    /// The change in % of the baseline (`None` when the baseline is 0).
    pub change_pct: Option<f64>,
    /// The tolerance in %: the user's for this metric, else the result's own, else the default.
    pub tolerance_pct: f64,
    /// Regressed, improved, within noise, changed, noisy or incomparable; `why` says why.
    pub verdict: Verdict,
    /// Why, in a few words.
    pub why: String,
    /// Whether a regression of this metric fails the command.
    pub gated: bool,
}

/// Everything a comparison found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Comparison {
    /// The metrics both sides have, by name.
    pub rows: Vec<Row>,
    /// Metrics the current result has and the baseline lacks.
    pub missing_in_baseline: Vec<String>,
    /// Metrics the baseline has and the current result lacks.
    pub missing_in_current: Vec<String>,
    /// Gate patterns that judged nothing (no metric both sides have, or only
    /// incomparable ones): a gate that cannot judge must not pass.
    pub unjudged_gates: Vec<String>,
}

impl Comparison {
    /// The gated rows that regressed.
    pub fn regressions(&self) -> impl Iterator<Item = &Row> {
        (self.rows.iter()).filter(|row| row.gated && row.verdict == Verdict::Regressed)
    }
}

/// Compares `current` with `baseline` under `rules`.
pub fn compare(baseline: &Measures, current: &Measures, rules: &Rules) -> Comparison {
    let baseline = with_floor_ratios(baseline);
    let current = with_floor_ratios(current);
    let only = |a: &Measures, b: &Measures| -> Vec<String> {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
    };
    let rows: Vec<Row> = (current.iter())
        .filter_map(|(name, now)| Some(row(name, baseline.get(name)?, now, rules)))
        .collect();
    let unjudged_gates = (rules.gate.iter())
        .filter(|gate| {
            let judged = |row: &&Row| gate.matches(&row.metric);
            rows.iter()
                .filter(judged)
                .all(|row| row.verdict == Verdict::Incomparable)
        })
        .map(|gate| gate.text.clone())
        .collect();
    Comparison {
        missing_in_baseline: only(&current, &baseline),
        missing_in_current: only(&baseline, &current),
        rows,
        unjudged_gates,
    }
}

/// The measures with each ratio to a floor as a metric of its own (`name.vs_floor`).
fn with_floor_ratios(measures: &Measures) -> Measures {
    let mut all = measures.clone();
    for (name, measure) in measures {
        if let Some(ratio) = &measure.vs_floor {
            let floor = measure.floor.as_deref().unwrap_or("its floor");
            let entry = Measure {
                unit: format!("× {floor}"),
                stat: ratio.clone(),
                floor: None,
                vs_floor: None,
                ..measure.clone()
            };
            all.insert(format!("{name}{VS_FLOOR}"), entry);
        }
    }
    all
}

fn row(name: &str, before: &Measure, now: &Measure, rules: &Rules) -> Row {
    let better = rules.better(name).unwrap_or(now.better);
    let tolerance_pct = rules.tolerance_pct(name, now.tolerance_pct);
    let (verdict, why) = match before.workload == now.workload {
        true => judge(
            &before.stat,
            &now.stat,
            better,
            tolerance_pct,
            rules.noisy_above_pct,
        ),
        false => (
            Verdict::Incomparable,
            format!(
                "baseline measured {}; this measured {}",
                before.workload, now.workload
            ),
        ),
    };
    let (b, c) = (before.stat.median, now.stat.median);
    Row {
        metric: name.to_string(),
        unit: now.unit.clone(),
        better,
        baseline: b,
        current: c,
        baseline_ci: [before.stat.ci_low, before.stat.ci_high],
        current_ci: [now.stat.ci_low, now.stat.ci_high],
        ratio: (b != 0.0).then(|| c / b),
        change_pct: (b != 0.0).then(|| 100.0 * (c - b) / b.abs()),
        tolerance_pct,
        verdict,
        why,
        gated: rules.gated(name),
    }
}

/// The verdict on a metric that went from `before` to `now`: noisy when either interval is
/// wider than `noisy_above_pct` of its median; within noise when the intervals overlap or
/// the change is inside the tolerance; otherwise by direction.
pub fn judge(
    before: &Stat,
    now: &Stat,
    better: Better,
    tolerance_pct: f64,
    noisy_above_pct: f64,
) -> (Verdict, String) {
    let widest = before.ci_width_pct().max(now.ci_width_pct());
    if widest > noisy_above_pct {
        let why = format!(
            "an interval spans {widest:.0}% of its median (noisy above {noisy_above_pct}%)"
        );
        return (Verdict::Noisy, why);
    }
    if now.ci_low <= before.ci_high && before.ci_low <= now.ci_high {
        return (Verdict::WithinNoise, "the intervals overlap".into());
    }
    let (b, c) = (before.median, now.median);
    let change_pct = match b == 0.0 {
        true => f64::INFINITY.copysign(c),
        false => 100.0 * (c - b) / b.abs(),
    };
    if change_pct.abs() <= tolerance_pct {
        let why = format!("{change_pct:+.2}% is inside the ±{tolerance_pct}% tolerance");
        return (Verdict::WithinNoise, why);
    }
    let why = format!("{change_pct:+.2}%, beyond ±{tolerance_pct}% and outside the noise");
    let verdict = match (better, c > b) {
        (Better::Neither, _) => Verdict::Changed,
        (Better::Higher, true) | (Better::Lower, false) => Verdict::Improved,
        (Better::Higher, false) | (Better::Lower, true) => Verdict::Regressed,
    };
    (verdict, why)
}

#[cfg(test)]
mod tests;
