//! `creditsim run` end to end: the shipped scenarios, the report, exit codes, and
//! deterministic replay.

use std::path::Path;

use serde_json::Value;

use crate::support::{creditsim, output_within_limit, scenario, temp_dir};

/// Runs a scenario with `--json` and returns (exit code, parsed summary).
pub fn run_json(scenario: &Path, extra: &[&str], out: &Path) -> (i32, Value) {
    let output = output_within_limit(
        creditsim()
            .arg("run")
            .arg(scenario)
            .args(["--json", "--out"])
            .arg(out)
            .args(extra),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Value = serde_json::from_str(&stdout).unwrap_or_else(|err| {
        panic!(
            "run printed no JSON ({err}); stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), summary)
}

/// Runs a shipped scenario at its own size and checks the report's shape and verdict.
fn run_shipped(name: &str) -> Value {
    let out = temp_dir(&format!("run-{name}"));
    let (code, summary) = run_json(&scenario(name), &["--no-thresholds"], &out);
    assert_eq!(summary["ok"], true, "{name}: {summary}");
    assert_eq!(code, 0, "{name}: {summary}");
    assert_eq!(summary["violations"].as_array().unwrap().len(), 0);
    for field in ["cycles_per_s", "steps_per_s"] {
        assert!(
            summary["throughput"][field].as_f64().unwrap() > 0.0,
            "{name}: {field}"
        );
    }
    for p in ["p50", "p90", "p99", "p999", "max"] {
        assert!(summary["latency_us"][p].is_u64(), "{name}: latency {p}");
    }
    assert!(summary["counts"]["steps"].as_u64().unwrap() > 0);
    for file in ["summary.json", "latency.csv", "journal.csv", "steps.csv"] {
        assert!(out.join(file).is_file(), "{name}: {file} written");
    }
    summary
}

fn count(summary: &Value, name: &str) -> u64 {
    summary["counts"][name].as_u64().unwrap()
}

#[test]
fn aytada_refunds_failed_generations() {
    let summary = run_shipped("aytada");
    assert!(count(&summary, "released") > 0, "{summary}");
    assert!(
        count(&summary, "committed") > count(&summary, "insufficient"),
        "{summary}"
    );
}

#[test]
fn aibc_blocks_the_free_tier_and_draws_scan_credits() {
    let summary = run_shipped("aibc");
    assert!(count(&summary, "not_entitled") > 0, "{summary}");
    assert!(
        summary["credits"]["scan"]["charged"].as_u64().unwrap() > 0,
        "{summary}"
    );
}

#[test]
fn videodraft_visionary_speech_is_unlimited() {
    let summary = run_shipped("videodraft");
    assert!(count(&summary, "unlimited") > 0, "{summary}");
}

#[test]
fn campaigns_warns_on_a_low_shared_balance() {
    let summary = run_shipped("campaigns");
    assert!(count(&summary, "warnings") > 0, "{summary}");
}

#[test]
fn aistudios_allowances_expire_as_months_pass() {
    let summary = run_shipped("aistudios");
    assert!(
        summary["credits"]["credits"]["expired"].as_u64().unwrap() > 0,
        "{summary}"
    );
    assert!(count(&summary, "committed") > 0, "{summary}");
}

#[test]
fn stress_runs_clean() {
    let summary = run_shipped("stress");
    assert!(count(&summary, "committed") > 0, "{summary}");
}

#[test]
fn the_same_seed_writes_a_byte_identical_journal_in_deterministic_mode() {
    let journal = |tag: &str| -> Vec<u8> {
        let out = temp_dir(tag);
        let args = [
            "--deterministic",
            "--seed",
            "7",
            "--steps",
            "400",
            "--faults",
            "all",
        ];
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
    std::fs::write(
        &path,
        "vendor = \"aytada\"\n[[workload]]\naction = \"ad\"\nwieght = 3\n",
    )
    .unwrap();
    let output = creditsim().arg("run").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:4"), "{stderr}");
    assert!(stderr.contains("wieght"), "{stderr}");
}

#[test]
fn the_offline_checker_agrees_with_the_online_one() {
    let out = temp_dir("offline");
    let args = ["--steps", "800", "--faults", "all", "--no-thresholds"];
    let (code, summary) = run_json(&scenario("stress"), &args, &out);
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

#[test]
fn ctrl_c_stops_cleanly_and_still_writes_the_partial_results() {
    let out = temp_dir("ctrl-c");
    let child = creditsim()
        .arg("run")
        .arg(scenario("aistudios"))
        .args(["--json", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "invariants held over the partial run"
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["interrupted"], true, "{summary}");
    let written: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(written["interrupted"], true);
    assert!(out.join("journal.csv").is_file());
}
