//! `creditsim check` on what a killed run leaves: a real run's journal and steps cut in the
//! middle of a line or at a line boundary, with no `setup.json` (the runner writes it only
//! once the run has finished). The complete prefix is judged, a torn last line is reported,
//! and what had not happened yet (holds still open, commits not yet written) is no violation.

use std::fs;
use std::path::{Path, PathBuf};

use creditsim::journal::{JournalError, read_journal};
use creditsim::runner::{OutDir, Overrides};

use crate::support::{creditsim, run, temp_dir};

/// A clean deterministic aibc run's directory, with `setup.json` and `summary.json` removed
/// as if the run had been killed before it finished.
fn killed_run(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    let overrides = Overrides {
        deterministic: true,
        no_thresholds: true,
        out: OutDir::At(dir.clone()),
        ..Overrides::default()
    };
    let ran = run("aibc", overrides);
    assert_eq!(ran.violated(), Vec::<String>::new());
    fs::remove_file(dir.join("setup.json")).unwrap();
    fs::remove_file(dir.join("summary.json")).unwrap();
    dir
}

/// The byte offsets just after each newline of `file`.
fn line_ends(file: &Path) -> Vec<usize> {
    let bytes = fs::read(file).unwrap();
    (bytes.iter().enumerate())
        .filter(|(_, b)| **b == b'\n')
        .map(|(at, _)| at + 1)
        .collect()
}

/// Cuts `file` to its first `bytes` bytes.
fn cut(file: &Path, bytes: usize) {
    let mut content = fs::read(file).unwrap();
    content.truncate(bytes);
    fs::write(file, content).unwrap();
}

/// Runs `creditsim check --json` on the journal in `dir` with `flags`: the exit code, the
/// verdict and stderr.
fn check(dir: &Path, flags: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let output = creditsim()
        .arg("check")
        .arg(dir.join("journal.csv"))
        .arg("--json")
        .args(flags)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (output.status.code(), json, stderr)
}

fn notes(verdict: &serde_json::Value) -> Vec<String> {
    let notes = verdict["notes"].as_array().unwrap().iter();
    notes.map(|n| n.as_str().unwrap().to_string()).collect()
}

fn has_note(verdict: &serde_json::Value, says: &str) -> bool {
    notes(verdict).iter().any(|n| n.contains(says))
}

/// Fails, listing the notes, unless one of them says `says`.
fn assert_note(verdict: &serde_json::Value, says: &str) {
    assert!(
        has_note(verdict, says),
        "no note says {says:?}: {:?}",
        notes(verdict)
    );
}

#[test]
fn a_journal_cut_mid_line_is_judged_up_to_the_torn_line() {
    let dir = killed_run("torn-mid-line");
    let journal = dir.join("journal.csv");
    let ends = line_ends(&journal);
    let half = ends.len() / 2;
    // Seven bytes into the line after the first half: a torn row.
    cut(&journal, ends[half - 1] + 7);
    let (code, verdict, stderr) = check(&dir, &[]);
    let complete = half as u64 - 1; // less the header
    assert_eq!(code, Some(0), "{verdict}\n{stderr}");
    assert_eq!(verdict["events"], complete, "{verdict}");
    let torn = format!(
        "line {}: the last line is incomplete",
        half + 1 // lines count from 1
    );
    assert_note(&verdict, &torn);
    let judged = format!("judged the {complete} complete events before it");
    assert_note(&verdict, &judged);
    assert_note(&verdict, "the run had not finished");
    assert!(stderr.contains("the last line is incomplete"), "{stderr}");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_journal_cut_at_a_line_boundary_mid_run_has_no_false_i6_or_i7() {
    let dir = killed_run("torn-boundary");
    let journal = dir.join("journal.csv");
    let ends = line_ends(&journal);
    cut(&journal, ends[ends.len() / 3]);
    let steps = dir.join("steps.csv");
    let step_ends = line_ends(&steps);
    cut(&steps, step_ends[step_ends.len() / 2]);
    let (code, verdict, stderr) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{verdict}\n{stderr}");
    assert_note(&verdict, "no setup.json beside the journal");
    assert!(!has_note(&verdict, "incomplete"), "{:?}", notes(&verdict));
    // The cut really left holds open and charges without their steps: judged as a finished
    // run, the same files break I6 and I7.
    let (code, verdict, _) = check(&dir, &["--finished"]);
    assert_eq!(code, Some(1), "{verdict}");
    assert!(verdict["counts"]["I6"].as_u64().unwrap() > 0, "{verdict}");
    assert!(verdict["counts"]["I7"].as_u64().unwrap() > 0, "{verdict}");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_torn_steps_file_is_reported_and_its_prefix_judged() {
    let dir = killed_run("torn-steps");
    let steps = dir.join("steps.csv");
    let ends = line_ends(&steps);
    cut(&steps, ends[ends.len() / 2] + 3);
    let (code, verdict, stderr) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{verdict}\n{stderr}");
    assert_eq!(verdict["steps"], (ends.len() / 2) as u64, "{verdict}");
    let judged = format!("judged the {} complete steps before it", ends.len() / 2);
    assert_note(&verdict, &judged);
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_torn_journal_still_fails_on_a_real_violation_in_its_prefix() {
    let dir = killed_run("torn-violation");
    let journal = dir.join("journal.csv");
    let ends = line_ends(&journal);
    let mut content = fs::read(&journal).unwrap();
    content.truncate(ends[ends.len() / 2] + 5);
    // Repeat the first event row: a repeated seq is I3 whether or not the run finished.
    let first_row = content[ends[0]..ends[1]].to_vec();
    content.splice(ends[1]..ends[1], first_row);
    fs::write(&journal, content).unwrap();
    let (code, verdict, _) = check(&dir, &[]);
    assert_eq!(code, Some(1), "{verdict}");
    assert!(verdict["counts"]["I3"].as_u64().unwrap() > 0, "{verdict}");
    assert_note(&verdict, "the last line is incomplete");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_journal_torn_in_its_header_has_no_events_yet() {
    let dir = temp_dir("torn-header");
    let journal = dir.join("journal.csv");
    fs::write(&journal, "account,seq,at_").unwrap();
    let (code, verdict, stderr) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{verdict}\n{stderr}");
    assert_eq!(verdict["events"], 0);
    assert_note(&verdict, "line 1: the last line is incomplete");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn read_journal_refuses_a_torn_file_that_the_reader_would_skip() {
    let dir = temp_dir("torn-read");
    let journal = dir.join("journal.csv");
    let header = creditsim::journal::JOURNAL_COLUMNS.join(",");
    fs::write(&journal, format!("{header}\n0,0,0,gran")).unwrap();
    match read_journal(&journal) {
        Err(JournalError::Torn(torn)) => assert_eq!(torn.line, 2, "{torn}"),
        other => panic!("expected a torn line, got {other:?}"),
    }
    let _ = fs::remove_dir_all(dir);
}

/// A run killed before its first write leaves 0-byte files: unfinished, no events.
#[test]
fn an_empty_journal_is_an_unfinished_run_with_no_events() {
    let dir = temp_dir("empty-journal");
    fs::write(dir.join("journal.csv"), "").unwrap();
    let (code, verdict, stderr) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{verdict}\n{stderr}");
    assert_eq!(verdict["events"], 0);
    assert_note(&verdict, "journal.csv is empty");
    assert_note(&verdict, "wrote nothing yet");
    assert_note(&verdict, "the run had not finished");
    // Even --finished cannot make a file the run never wrote into a finished journal.
    let (code, verdict, _) = check(&dir, &["--finished"]);
    assert_eq!(code, Some(0), "{verdict}");
    assert_note(&verdict, "the run had not finished");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn an_empty_steps_file_beside_a_journal_is_unfinished_not_malformed() {
    let dir = killed_run("empty-steps");
    let journal = dir.join("journal.csv");
    let ends = line_ends(&journal);
    cut(&journal, ends[ends.len() / 3]);
    fs::write(dir.join("steps.csv"), "").unwrap();
    let (code, verdict, stderr) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{verdict}\n{stderr}");
    assert_eq!(verdict["steps"], 0);
    assert_note(&verdict, "steps.csv is empty");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_journal_with_a_wrong_header_is_still_exit_2() {
    let dir = temp_dir("wrong-header");
    for text in ["hello\n", "\n", "account,seq\n"] {
        fs::write(dir.join("journal.csv"), text).unwrap();
        let output = creditsim()
            .arg("check")
            .arg(dir.join("journal.csv"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{text:?}: {stderr}");
        assert!(stderr.contains("line 1: expected the header"), "{stderr}");
    }
    let _ = fs::remove_dir_all(dir);
}

/// After a stall the runner writes `setup.json` with `"end_ms": null`: the accounts were never
/// closed, so holds still open and keys half written are not violations.
#[test]
fn a_setup_without_an_end_is_judged_unfinished() {
    let dir = temp_dir("stalled-setup");
    let overrides = Overrides {
        deterministic: true,
        no_thresholds: true,
        out: OutDir::At(dir.clone()),
        ..Overrides::default()
    };
    assert_eq!(run("aibc", overrides).violated(), Vec::<String>::new());
    let setup = dir.join("setup.json");
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&setup).unwrap()).unwrap();
    assert!(json["end_ms"].is_u64(), "a finished run records its end");
    json["end_ms"] = serde_json::Value::Null;
    fs::write(&setup, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    // Where the stalled run stopped: holds open, charges whose steps were not written.
    let journal = dir.join("journal.csv");
    let ends = line_ends(&journal);
    cut(&journal, ends[ends.len() / 3]);
    let steps = dir.join("steps.csv");
    let step_ends = line_ends(&steps);
    cut(&steps, step_ends[step_ends.len() / 2]);
    let (code, verdict, stderr) = check(&dir, &[]);
    assert_eq!(code, Some(0), "{verdict}\n{stderr}");
    assert_note(&verdict, "records no end");
    assert_note(&verdict, "the run had not finished");
    let (code, verdict, _) = check(&dir, &["--finished"]);
    assert_eq!(code, Some(1), "{verdict}");
    assert!(verdict["counts"]["I6"].as_u64().unwrap() > 0, "{verdict}");
    let _ = fs::remove_dir_all(dir);
}
