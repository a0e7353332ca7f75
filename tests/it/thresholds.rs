//! `[thresholds]`: limits on any metric a run reports, written `max.<metric>` or
//! `min.<metric>` (or one of the older shorthands), refused up front when the metric does
//! not exist, and exit 3 when breached.

use std::path::{Path, PathBuf};

use creditsim::report::{Summary, breaches, check_thresholds};
use creditsim::runner::{OutDir, Overrides, RunConfig};
use creditsim::scenario::{Bound, SHORTHANDS, Scenario};

use crate::support::{creditsim, output_within_limit, run_path, scenario, temp_dir};

const HEAD: &str = "vendor = \"campaigns\"\n[[accounts]]\ncount = 2\npacks = [\"starter\"]\n\
                    [[workload]]\naction = \"post\"\n";

fn parse(thresholds: &str) -> Result<Scenario, String> {
    let text = format!("{HEAD}[thresholds]\n{thresholds}");
    Scenario::parse(&text, Path::new("t.toml"), None, None).map_err(|e| e.to_string())
}

fn write_scenario(dir: &Path, thresholds: &str) -> PathBuf {
    let path = dir.join("limits.toml");
    std::fs::write(&path, format!("{HEAD}[thresholds]\n{thresholds}")).unwrap();
    path
}

fn config(path: &Path) -> RunConfig {
    let overrides = Overrides {
        steps: Some(300),
        out: OutDir::Discard,
        ..Overrides::default()
    };
    RunConfig::load(path, overrides).unwrap()
}

#[test]
fn both_spellings_of_a_metric_and_the_shorthands_become_one_kind_of_limit() {
    let plan = parse(
        "reserve_p99_us = 900\nmax.counts.insufficient = 10\n\
         [thresholds.min]\n\"throughput.steps_per_s\" = 5\n",
    )
    .unwrap();
    let limits: Vec<(&str, &str, Bound, f64)> = (plan.thresholds.limits.iter())
        .map(|l| (l.written.as_str(), l.metric.as_str(), l.bound, l.limit))
        .collect();
    assert_eq!(
        limits,
        [
            (
                "max.counts.insufficient",
                "counts.insufficient",
                Bound::AtMost,
                10.0
            ),
            (
                "min.throughput.steps_per_s",
                "throughput.steps_per_s",
                Bound::AtLeast,
                5.0
            ),
            (
                "reserve_p99_us",
                "latency_by_op_us.reserve.p99",
                Bound::AtMost,
                900.0
            ),
        ]
    );
    let at = &plan.thresholds.get("max.counts.insufficient").unwrap().at;
    assert_eq!((at.line, at.column), (9, 27));
}

#[test]
fn malformed_limits_name_the_line_and_the_key() {
    let cases = [
        (
            "reserve_p99 = 5\n",
            "t.toml:8:15: field \"reserve_p99\": unknown threshold; expected `max.<metric>`",
        ),
        (
            "max = 5\n",
            "t.toml:8:7: field \"max\": expected a table of metrics",
        ),
        (
            "min.throughput.steps_per_s = \"fast\"\n",
            "t.toml:8:30: field \"min.throughput.steps_per_s\": expected a number, got a string",
        ),
        (
            "reserve_p99_us = -1\n",
            "field \"reserve_p99_us\": expected an integer of 0 or more, got -1",
        ),
        (
            "reserve_p99_us = 2.5\n",
            "field \"reserve_p99_us\": expected an integer of 0 or more, got 2.5",
        ),
        (
            "max_insufficient_ratio = 1.5\n",
            "field \"max_insufficient_ratio\":",
        ),
    ];
    for (text, expected) in cases {
        let err = parse(text).unwrap_err();
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn every_shorthand_and_every_shipped_limit_names_a_reported_metric() {
    let mut shipped = 0;
    for entry in std::fs::read_dir(scenario("stress").parent().unwrap()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let config = config(&path);
            check_thresholds(&config).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            shipped += config.scenario.thresholds.limits.len();
        }
    }
    assert!(shipped >= 4, "the shipped scenarios set limits");
    let dir = temp_dir("shorthands");
    let reported = Summary::reported_metrics(&config(&write_scenario(&dir, "")));
    for shorthand in SHORTHANDS {
        assert!(
            reported.contains_key(shorthand.metric),
            "{}",
            shorthand.metric
        );
    }
    for name in [
        "violations_total",
        "violations_by_invariant.I2",
        "counts.insufficient",
        "credits.credits.charged",
        "insufficient_ratio",
    ] {
        assert!(reported.contains_key(name), "{name}");
    }
}

#[test]
fn a_limit_on_a_correctness_count_is_judged_like_any_other() {
    let dir = temp_dir("correctness-limit");
    let path = write_scenario(
        &dir,
        "max.counts.insufficient = 0\nmax.violations_total = 0\n",
    );
    let ran = run_path(
        &path,
        Overrides {
            steps: Some(300),
            ..Overrides::default()
        },
    );
    assert!(
        ran.count("insufficient") > 0,
        "two starter packs run dry in 300 posts"
    );
    let found: Vec<&str> = ran
        .summary
        .thresholds
        .iter()
        .map(|b| b.threshold.as_str())
        .collect();
    assert_eq!(found, ["max.counts.insufficient"]);
    let metrics = ran.summary.metrics();
    let cfg = config(&path);
    assert_eq!(breaches(&cfg.scenario.thresholds, &metrics).len(), 1);
}

#[test]
fn a_limit_on_a_metric_that_does_not_exist_exits_2_before_running() {
    let dir = temp_dir("unknown-metric");
    let path = write_scenario(&dir, "max.latency.reserve.p99 = 10\n");
    let output = output_within_limit(creditsim().arg("run").arg(&path).arg("--out").arg(&dir));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "limits.toml:8:27: field \"max.latency.reserve.p99\": no metric `latency.reserve.p99`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean latency_by_op_us.reserve.p99"),
        "{stderr}"
    );
    assert!(!dir.join("journal.csv").exists(), "refused before running");
}

#[test]
fn a_breached_correctness_limit_exits_3() {
    let dir = temp_dir("correctness-exit");
    let path = write_scenario(&dir, "max.counts.insufficient = 0\n");
    let output = output_within_limit(
        creditsim()
            .arg("run")
            .arg(&path)
            .args(["--steps", "300", "--out"])
            .arg(&dir),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("threshold breached: max.counts.insufficient: observed"),
        "{stdout}"
    );
}
