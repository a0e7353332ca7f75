//! Results that never lie or collide: a folder in use is refused, an earlier run's summary
//! never sits beside a new journal, a scenario's name stays inside `results/`, and a
//! closed pipe ends `generate` quietly.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use creditsim::report::{ClaimError, ResultsDir};
use creditsim::scenario::Scenario;

use crate::support::{creditsim, scenario, temp_dir};

#[test]
fn a_results_folder_in_use_is_refused_and_freed_when_its_run_ends() {
    let dir = temp_dir("results-in-use").join("run");
    let held = ResultsDir::claim(&dir).expect("the first run claims the folder");
    match ResultsDir::claim(&dir) {
        Err(ClaimError::InUse(path)) => assert_eq!(path, dir),
        other => panic!("a second run got {:?}", other.map(|_| "the folder")),
    }
    drop(held);
    assert!(ResultsDir::claim(&dir).is_ok(), "the folder stays locked");
}

#[test]
fn an_earlier_runs_summary_is_removed_before_a_new_run_writes() {
    let dir = temp_dir("results-stale");
    for stale in ["summary.json", "latency.csv", "setup.json"] {
        std::fs::write(dir.join(stale), "from an earlier run").unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "the user's own").unwrap();
    let _held = ResultsDir::claim(&dir).unwrap();
    for stale in ["summary.json", "latency.csv", "setup.json"] {
        assert!(!dir.join(stale).exists(), "{stale} was left behind");
    }
    assert!(
        dir.join("notes.txt").exists(),
        "a file not ours was removed"
    );
}

#[test]
fn a_scenario_name_cannot_leave_the_results_folder() {
    let workload = "[[workload]]\naction = \"banner\"\n";
    for name in ["../../escaped", "a/b", "/etc", "..", ""] {
        let text = format!("name = \"{name}\"\nvendor = \"aytada\"\n{workload}");
        let err = Scenario::parse(&text, Path::new("x.toml"), None, None)
            .err()
            .unwrap_or_else(|| panic!("name {name:?} was accepted"))
            .to_string();
        assert!(
            err.contains("x.toml:1:") && err.contains("\"name\""),
            "{err}"
        );
    }
    let text = format!("name = \"fine-name_2\"\nvendor = \"aytada\"\n{workload}");
    assert!(Scenario::parse(&text, Path::new("x.toml"), None, None).is_ok());
}

#[test]
fn generate_into_a_pipe_closed_early_exits_quietly() {
    let mut child = creditsim()
        .arg("generate")
        .arg(scenario("stress"))
        .args(["--out", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is dropped here, as `head` closes its end.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
