//! `creditsim compare A B` over run summaries and over any JSON result (an economics
//! report is written generically here: it is one object of numbers, like any other).

use std::path::{Path, PathBuf};

use creditsim::runner::{OutDir, Overrides};
use serde_json::{Value, json};

use crate::support::{creditsim, output_within_limit, run, temp_dir};

fn compare(a: &Path, b: &Path, args: &[&str]) -> (i32, String) {
    let output = output_within_limit(creditsim().arg("compare").arg(a).arg(b).args(args));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

/// The `summary.json` of a small in-process run of the aytada scenario.
fn summary(dir: &Path) -> PathBuf {
    let overrides = Overrides {
        steps: Some(300),
        deterministic: true,
        out: OutDir::At(dir.to_path_buf()),
        ..Overrides::default()
    };
    run("aytada", overrides);
    dir.join("summary.json")
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

#[test]
fn a_run_compared_with_itself_holds_and_a_tenfold_slower_one_regresses() {
    let dir = temp_dir("compare-runs");
    let base = summary(&dir.join("a"));
    let (code, out) = compare(&base, &base, &["--fail-on", "regression"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("regressed"), "{out}");
    let mut slow: Value = serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let rate = slow["throughput"]["cycles_per_s"].as_f64().unwrap();
    slow["throughput"]["cycles_per_s"] = (rate / 10.0).into();
    slow["counts"]["committed"] = 1.into();
    let slow = write(&dir, "slow.json", &slow);
    let (code, out) = compare(&base, &slow, &[]);
    assert_eq!(code, 0, "reports only without --fail-on: {out}");
    let (code, out) = compare(&base, &slow, &["--fail-on", "regression", "--json"]);
    assert_eq!(code, 4, "{out}");
    let stdout = out.split("\n\n").next().unwrap();
    let printed: Value = serde_json::from_str(stdout.trim()).unwrap();
    let verdict = |metric: &str| {
        let rows = printed["rows"].as_array().unwrap();
        rows.iter()
            .find(|r| r["metric"] == metric)
            .map(|r| r["verdict"].clone())
            .unwrap()
    };
    assert_eq!(verdict("throughput.cycles_per_s"), "regressed");
    assert_eq!(
        verdict("counts.committed"),
        "changed",
        "a count has no direction"
    );
    assert_eq!(printed["baseline_labels"]["scenario"], "aytada");
}

#[test]
fn any_json_result_compares_with_directions_the_user_sets() {
    let dir = temp_dir("compare-generic");
    let before = json!({"vendor": "aibc", "personas": {"solo": {"paid_per_month": 20.0, "breakage_ratio": 0.10}}, "months": 12});
    let after = json!({"vendor": "aibc", "personas": {"solo": {"paid_per_month": 20.5, "breakage_ratio": 0.30}}, "offers": 3});
    let (a, b) = (
        write(&dir, "a.json", &before),
        write(&dir, "b.json", &after),
    );
    let (code, out) = compare(&a, &b, &["--fail-on", "regression"]);
    assert_eq!(code, 0, "no direction, no regression: {out}");
    assert!(out.contains("changed"), "{out}");
    assert!(out.contains("missing in the baseline: offers"), "{out}");
    assert!(
        out.contains("missing in the current result: months"),
        "{out}"
    );
    let markdown = dir.join("c.md");
    let args = [
        "--fail-on",
        "regression",
        "--better",
        "*breakage*=lower",
        "--markdown",
        markdown.to_str().unwrap(),
    ];
    let (code, out) = compare(&a, &b, &args);
    assert_eq!(code, 4, "{out}");
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(
        md.contains(
            "| personas.solo.breakage_ratio | 0.100 | 0.300 | +200.0% | ±10% | regressed |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| personas.solo.paid_per_month | 20 | 20.5 | +2.5% | ±10% | within noise |"),
        "{md}"
    );
    let (code, out) = compare(
        &a,
        &b,
        &[
            "--fail-on",
            "regression",
            "--better",
            "*breakage*=lower",
            "--tolerance",
            "*breakage*=500",
        ],
    );
    assert_eq!(code, 0, "a user's tolerance: {out}");
}

#[test]
fn unreadable_results_are_bad_input_naming_the_file() {
    let dir = temp_dir("compare-bad");
    let good = write(&dir, "good.json", &json!({"x": 1}));
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"x\": 1,\n oops}").unwrap();
    let (code, out) = compare(&good, &broken, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("broken.json: line 2 column"), "{out}");
    let words = write(&dir, "words.json", &json!({"x": "one"}));
    let (code, out) = compare(&good, &words, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("reports no numbers"), "{out}");
    let (code, out) = compare(&good, &dir.join("absent.json"), &[]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = compare(&good, &good, &["--tolerance", "x"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("expected PATTERN=PCT"), "{out}");
}
