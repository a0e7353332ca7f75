//! `creditsim run` end to end: the shipped scenarios, the report, exit codes, and
//! deterministic replay.

use std::path::Path;

use serde_json::Value;

use crate::support::{creditsim, scenario, temp_dir};

/// Runs a scenario with `--json` and returns (exit code, parsed summary).
pub fn run_json(scenario: &Path, extra: &[&str], out: &Path) -> (i32, Value) {
    let output = creditsim()
        .arg("run")
        .arg(scenario)
        .args(["--json", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Value = serde_json::from_str(&stdout).unwrap_or_else(|err| {
        panic!(
            "run printed no JSON ({err}); stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), summary)
}

#[test]
fn every_shipped_scenario_runs_and_holds_its_invariants() {
    for name in ["aytada", "aibc", "videodraft", "campaigns", "aistudios", "stress"] {
        let out = temp_dir(&format!("run-{name}"));
        let (code, summary) = run_json(&scenario(name), &["--steps", "600"], &out);
        assert_eq!(summary["ok"], true, "{name}: {summary}");
        assert_eq!(code, 0, "{name}: {summary}");
        assert_eq!(summary["violations"].as_array().unwrap().len(), 0);
        for field in ["cycles_per_s", "steps_per_s"] {
            assert!(summary["throughput"][field].as_f64().unwrap() > 0.0, "{name}: {field}");
        }
        for p in ["p50", "p90", "p99", "p999", "max"] {
            assert!(summary["latency_us"][p].is_u64(), "{name}: latency {p}");
        }
        assert!(summary["counts"]["steps"].as_u64().unwrap() > 0);
        assert!(summary["credits"].is_object());
        for file in ["summary.json", "latency.csv", "journal.csv", "steps.csv"] {
            assert!(out.join(file).is_file(), "{name}: {file} written");
        }
    }
}

#[test]
fn the_vendor_rules_show_in_the_counts() {
    let out = temp_dir("run-rules");
    let (_, aibc) = run_json(&scenario("aibc"), &["--steps", "600"], &out);
    assert!(aibc["counts"]["not_entitled"].as_u64().unwrap() > 0, "aibc free tier blocked: {aibc}");
    let (_, videodraft) = run_json(&scenario("videodraft"), &["--steps", "600"], &out);
    assert!(videodraft["counts"]["unlimited"].as_u64().unwrap() > 0, "visionary speech: {videodraft}");
    let (_, aytada) = run_json(&scenario("aytada"), &["--steps", "600"], &out);
    assert!(aytada["counts"]["released"].as_u64().unwrap() > 0, "failures refunded: {aytada}");
    let (_, campaigns) = run_json(&scenario("campaigns"), &["--steps", "600"], &out);
    assert!(campaigns["counts"]["warnings"].as_u64().unwrap() > 0, "low-balance warnings: {campaigns}");
    let (_, aistudios) = run_json(&scenario("aistudios"), &["--steps", "600"], &out);
    assert!(aistudios["credits"]["credits"]["expired"].as_u64().unwrap() > 0, "months pass: {aistudios}");
}

#[test]
fn the_same_seed_writes_a_byte_identical_journal_in_deterministic_mode() {
    let journal = |tag: &str| -> Vec<u8> {
        let out = temp_dir(tag);
        let args = ["--deterministic", "--seed", "7", "--steps", "400", "--faults", "all"];
        let (code, summary) = run_json(&scenario("campaigns"), &args, &out);
        assert_eq!(code, 0, "{summary}");
        std::fs::read(out.join("journal.csv")).unwrap()
    };
    let first = journal("det-a");
    assert!(first.len() > 1000, "the journal has events");
    assert_eq!(first, journal("det-b"));
}

#[test]
fn a_breached_threshold_exits_3() {
    let dir = temp_dir("threshold");
    let path = dir.join("strict.toml");
    let text = "vendor = \"aytada\"\n[[workload]]\naction = \"banner\"\n\
                [thresholds]\nmin_steps_per_s = 1e15\n";
    std::fs::write(&path, text).unwrap();
    let (code, summary) = run_json(&path, &["--steps", "200"], &dir);
    assert_eq!(code, 3, "{summary}");
    assert_eq!(summary["ok"], true, "invariants still held");
    assert!(!summary["thresholds"].as_array().unwrap().is_empty());
}

#[test]
fn a_malformed_scenario_exits_2_naming_file_line_and_field() {
    let dir = temp_dir("bad-scenario");
    let path = dir.join("bad.toml");
    std::fs::write(&path, "vendor = \"aytada\"\n[[workload]]\naction = \"ad\"\nwieght = 3\n").unwrap();
    let output = creditsim().arg("run").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:4"), "{stderr}");
    assert!(stderr.contains("wieght"), "{stderr}");
}

#[test]
fn the_offline_checker_agrees_with_the_online_one() {
    let out = temp_dir("offline");
    let (code, summary) = run_json(&scenario("stress"), &["--steps", "800", "--faults", "all"], &out);
    assert_eq!(code, 0, "{summary}");
    let output = creditsim()
        .arg("check")
        .arg(out.join("journal.csv"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let verdict: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verdict["ok"], true);
    assert_eq!(verdict["events"], summary["counts"]["events"]);
}
