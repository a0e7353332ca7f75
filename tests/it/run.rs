//! Runs of the shipped scenarios, in-process on small step counts, and what virtual time
//! promises; then a few runs through the binary for exit codes, the `--json` shape and
//! Ctrl-C.

use std::path::Path;

use creditsim::ledger::calendar::add_months;
use creditsim::ledger::{EventKind, LotSource};
use creditsim::runner::{OutDir, Overrides};
use serde_json::Value;

use crate::support::{
    Ran, all_faults, assert_same_journal_twice, creditsim, output_within_limit, run, run_path,
    scenario, temp_dir,
};

/// Runs a shipped scenario in-process, `steps` steps, and checks that it passed.
fn run_shipped(name: &str, steps: u64) -> Ran {
    let overrides = Overrides {
        steps: Some(steps),
        no_thresholds: true,
        ..Overrides::default()
    };
    let ran = run(name, overrides);
    assert!(ran.summary.ok, "{name}: {:?}", ran.violated());
    assert_eq!(ran.count("steps"), steps, "{name}");
    ran
}

#[test]
fn aytada_refunds_failed_generations() {
    let ran = run_shipped("aytada", 1200);
    assert!(ran.count("released") > 0);
    assert!(ran.count("committed") > ran.count("insufficient"));
}

#[test]
fn aibc_blocks_the_free_tier_and_draws_scan_credits() {
    let ran = run_shipped("aibc", 3000);
    assert!(ran.count("not_entitled") > 0);
    assert!(ran.summary.credits["scan"].charged > 0);
}

#[test]
fn videodraft_visionary_speech_is_unlimited() {
    let ran = run_shipped("videodraft", 3000);
    assert!(ran.count("unlimited") > 0);
}

#[test]
fn campaigns_warns_on_a_low_shared_balance() {
    let ran = run_shipped("campaigns", 5000);
    assert!(ran.count("warnings") > 0);
}

#[test]
fn aistudios_allowances_expire_as_months_pass() {
    let ran = run_shipped("aistudios", 4000);
    assert!(ran.summary.credits["credits"].expired > 0);
    assert!(ran.count("committed") > 0);
}

#[test]
fn stress_runs_clean() {
    let ran = run_shipped("stress", 20_000);
    assert!(ran.count("committed") > 0);
}

#[test]
fn the_paced_open_loop_scenario_measures_from_the_intended_send_time() {
    let ran = run_shipped("paced", 400);
    assert!(ran.summary.latency_by_op_us["reserve"].count > 0);
}

/// How many allowance lots each account was granted, from the journal.
fn allowances_per_account(dir: &Path) -> std::collections::BTreeMap<u32, u64> {
    let events = creditsim::journal::read_journal(dir.join("journal.csv")).unwrap();
    let mut grants = std::collections::BTreeMap::new();
    for event in events {
        if let EventKind::Granted {
            source: LotSource::Allowance,
            ..
        } = event.kind
        {
            *grants.entry(event.account).or_insert(0) += 1;
        }
    }
    grants
}

#[test]
fn a_run_of_n_months_spans_exactly_n_calendar_months_and_grants_n_allowances() {
    let dir = temp_dir("three-months");
    let overrides = Overrides {
        steps: Some(900),
        out: OutDir::At(dir.clone()),
        ..Overrides::default()
    };
    let ran = run("aibc", overrides);
    assert!(ran.summary.ok, "{:?}", ran.violated());
    let start = ran.summary.virtual_start_ms;
    assert_eq!(Some(ran.summary.virtual_end_ms), add_months(start, 3));
    let grants = allowances_per_account(&dir);
    assert!(!grants.is_empty());
    assert!(grants.values().all(|&n| n == 3), "{grants:?}");
}

#[test]
fn a_hundred_steps_with_every_fault_take_no_wall_clock_waits() {
    // Slow generations outlive a 10-minute ttl and think times are virtual: before virtual
    // time this run slept for minutes; now it is a hundred steps of work.
    let ran = run("aytada", all_faults(3, 100));
    assert!(ran.summary.ok, "{:?}", ran.violated());
    assert_eq!(ran.count("steps"), 100);
    assert!(ran.summary.virtual_end_ms > ran.summary.virtual_start_ms);
}

#[test]
fn a_hundred_million_ms_of_thinking_finishes_and_reports_the_time_it_spanned() {
    let dir = temp_dir("thinking");
    let path = dir.join("think.toml");
    let text = "vendor = \"aytada\"\n[[accounts]]\ncount = 2\npacks = [\"starter\"]\n\
                [[workload]]\naction = \"banner\"\n[duration]\nsteps = 20\n\
                [arrival]\nthink_ms = 100000000\n";
    std::fs::write(&path, text).unwrap();
    let ran = run_path(&path, Overrides::default());
    assert!(ran.summary.ok, "{:?}", ran.violated());
    let span = ran.summary.virtual_end_ms - ran.summary.virtual_start_ms;
    assert_eq!(span, 10 * 100_000_000, "each of 2 agents thinks 10 times");
}

#[test]
fn the_same_seed_writes_a_byte_identical_journal_in_deterministic_mode() {
    let journal = assert_same_journal_twice("campaigns", all_faults(7, 400));
    assert!(journal.len() > 1000, "the journal has events");
    let other = crate::support::deterministic_journal("campaigns", all_faults(8, 400), "seed-8");
    assert_ne!(journal, other, "another seed, another journal");
}

#[test]
fn the_offline_checker_agrees_with_the_online_one() {
    let out = temp_dir("offline");
    let overrides = Overrides {
        out: OutDir::At(out.clone()),
        ..all_faults(1, 800)
    };
    let ran = run("stress", overrides);
    assert!(ran.summary.ok, "{:?}", ran.violated());
    let output = creditsim()
        .arg("check")
        .arg(out.join("journal.csv"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let verdict: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verdict["ok"], true);
    assert_eq!(verdict["events"], ran.count("events"));
}

// ---- Through the binary -------------------------------------------------------------------

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

#[test]
fn the_json_summary_has_its_documented_shape_and_files_are_written() {
    let out = temp_dir("json-shape");
    let (code, summary) = run_json(&scenario("aytada"), &["--steps", "200"], &out);
    assert_eq!(code, 0, "{summary}");
    for field in [
        "ok",
        "violations",
        "counts",
        "credits",
        "invariants",
        "reproduce",
    ] {
        assert!(!summary[field].is_null(), "{field}: {summary}");
    }
    for field in ["cycles_per_s", "steps_per_s"] {
        assert!(
            summary["throughput"][field].as_f64().unwrap() > 0.0,
            "{field}"
        );
    }
    for p in ["p50", "p90", "p99", "p999", "max"] {
        assert!(summary["latency_us"][p].is_u64(), "latency {p}");
    }
    for field in [
        "virtual_start_ms",
        "virtual_end_ms",
        "interrupted",
        "stalled",
        "backend",
    ] {
        assert!(summary.get(field).is_some(), "{field}: {summary}");
    }
    for file in ["summary.json", "latency.csv", "journal.csv", "steps.csv"] {
        assert!(out.join(file).is_file(), "{file} written");
    }
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
    let text = "vendor = \"aytada\"\n[[workload]]\naction = \"ad\"\nwieght = 3\n";
    std::fs::write(&path, text).unwrap();
    let output = creditsim().arg("run").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:4"), "{stderr}");
    assert!(stderr.contains("wieght"), "{stderr}");
}

#[test]
fn steps_on_a_trace_scenario_are_refused() {
    let dir = temp_dir("trace-steps");
    let accounts = "[[accounts]]\ncount = 2\npacks = [\"starter\"]\n";
    let generator = dir.join("gen.toml");
    let workload = "[[workload]]\naction = \"banner\"\n";
    std::fs::write(
        &generator,
        format!("vendor = \"aytada\"\n{accounts}{workload}"),
    )
    .unwrap();
    let trace = dir.join("t.csv");
    let generated = creditsim()
        .arg("generate")
        .arg(&generator)
        .arg("--out")
        .arg(&trace)
        .status();
    assert!(generated.unwrap().success());
    let path = dir.join("replay.toml");
    let replay = format!("vendor = \"aytada\"\ntrace = \"t.csv\"\n{accounts}");
    std::fs::write(&path, replay).unwrap();
    let replayed = creditsim()
        .arg("run")
        .arg(&path)
        .args(["--out"])
        .arg(&dir)
        .output();
    assert_eq!(
        replayed.unwrap().status.code(),
        Some(0),
        "the trace replays"
    );
    let output = creditsim()
        .arg("run")
        .arg(&path)
        .args(["--steps", "10", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--steps") && stderr.contains("trace"),
        "{stderr}"
    );
}

/// A paced scenario whose generations last a minute of real time, so that a stop must cut
/// agents' sleeps short to end promptly.
fn sleepy_scenario(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("sleepy.toml");
    let text = "vendor = \"aytada\"\n[[accounts]]\ncount = 3\npacks = [\"starter\"]\n\
                [[workload]]\naction = \"banner\"\n[duration]\nsteps = 30\n\
                [generation]\nduration_ms = 60000\n[hold]\nttl_ms = 600000\n\
                [clock]\nmode = \"paced\"\n";
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts `run --json` on `scenario`, sends `signal` once the run is under way, and returns
/// the exit code and the summary it printed.
fn interrupt(scenario: &Path, out: &Path, signal: &str) -> (Option<i32>, Value) {
    let child = creditsim()
        .arg("run")
        .arg(scenario)
        .args(["--json", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The summary file of an earlier run would mask one that is never written.
    let _ = std::fs::remove_file(out.join("summary.json"));
    while !out.join("journal.csv").is_file() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args([signal, &pid])
        .status();
    assert!(killed.unwrap().success());
    let output = child.wait_with_output().unwrap();
    let summary = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        panic!("no summary ({e}); stderr: {stderr}")
    });
    (output.status.code(), summary)
}

#[test]
fn ctrl_c_stops_sleeping_agents_writes_the_partial_results_and_exits_130() {
    let out = temp_dir("ctrl-c");
    let (code, summary) = interrupt(&sleepy_scenario(&out), &out, "-INT");
    assert_eq!(code, Some(130), "{summary}");
    assert_eq!(summary["interrupted"], true, "{summary}");
    assert_eq!(
        summary["ok"], true,
        "invariants held over the partial run: {summary}"
    );
    assert!(
        summary["counts"]["cancelled"].as_u64().unwrap() > 0,
        "{summary}"
    );
    let written: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(written["interrupted"], true);
    let check = creditsim()
        .arg("check")
        .arg(out.join("journal.csv"))
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "the partial journal is judged clean"
    );
}

#[test]
fn sigterm_stops_the_run_like_ctrl_c_and_exits_143() {
    let out = temp_dir("sigterm");
    let (code, summary) = interrupt(&sleepy_scenario(&out), &out, "-TERM");
    assert_eq!(code, Some(143), "{summary}");
    assert_eq!(summary["interrupted"], true, "{summary}");
}

#[test]
fn an_unchecked_run_is_not_reported_ok() {
    let out = temp_dir("unchecked");
    let (code, summary) = run_json(&scenario("aytada"), &["--no-check", "--steps", "50"], &out);
    assert_eq!(code, 0, "{summary}");
    assert_eq!(summary["ok"], false, "nothing was proved: {summary}");
    assert_eq!(summary["checked"], false);
    assert_eq!(summary["invariants"]["I1"], "not checked");
}

#[test]
fn a_generated_trace_with_every_fault_replays_the_drawn_runs_journal_byte_for_byte() {
    let dir = temp_dir("trace-replay");
    let accounts = "[[accounts]]\ncount = 4\npacks = [\"starter\"]\nagents = 2\n";
    let drawn = dir.join("drawn.toml");
    let text = format!(
        "vendor = \"aytada\"\nseed = 5\n{accounts}[[workload]]\naction = \"banner\"\n\
         [[workload]]\naction = \"ad\"\nparams = {{ length = \"short\" }}\n\
         [duration]\nsteps = 300\n[generation]\ndistribution = \"uniform\"\n\
         min_ms = 100\nmax_ms = 3000\n[hold]\nttl_ms = 60000\n"
    );
    std::fs::write(&drawn, text).unwrap();
    let trace = dir.join("t.csv");
    let generated = creditsim()
        .arg("generate")
        .arg(&drawn)
        .args(["--faults", "all", "--out"])
        .arg(&trace)
        .status();
    assert!(generated.unwrap().success());
    let replay = dir.join("replay.toml");
    let text = format!(
        "vendor = \"aytada\"\nseed = 5\ntrace = \"t.csv\"\n{accounts}[hold]\nttl_ms = 60000\n"
    );
    std::fs::write(&replay, text).unwrap();
    let journal = |path: &Path, faults: Vec<creditsim::scenario::Fault>, tag: &str| {
        let out = dir.join(tag);
        let overrides = Overrides {
            deterministic: true,
            faults,
            out: OutDir::At(out.clone()),
            ..Overrides::default()
        };
        let ran = run_path(path, overrides);
        assert!(ran.summary.ok, "{tag}: {:?}", ran.violated());
        std::fs::read(out.join("journal.csv")).unwrap()
    };
    let all = creditsim::scenario::Fault::ALL.to_vec();
    let original = journal(&drawn, all, "drawn");
    assert_eq!(original, journal(&replay, Vec::new(), "replayed"));
}
