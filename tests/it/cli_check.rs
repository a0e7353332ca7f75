//! `creditsim check` through the binary: exit 0 on a clean journal, 1 with the violated
//! invariant named, 2 with file, line and column on a malformed file.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Output;

use creditsim::journal::{JournalWriter, StepRecord, StepWriter};
use creditsim::ledger::Event;

use crate::journals::{clean_account_0, clean_events, clean_steps, commit};
use crate::support::creditsim;

/// A fresh directory under the system temp dir, unique to this test and process.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("creditsim-{}-{test}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_journal(path: &Path, events: &[Event]) {
    let mut writer = JournalWriter::new(File::create(path).unwrap()).unwrap();
    events.iter().for_each(|e| writer.write(e).unwrap());
    writer.flush().unwrap();
}

fn write_steps(path: &Path, steps: &[StepRecord]) {
    let mut writer = StepWriter::new(File::create(path).unwrap()).unwrap();
    steps.iter().for_each(|s| writer.write(s).unwrap());
    writer.flush().unwrap();
}

fn check(args: &[&Path], flags: &[&str]) -> Output {
    creditsim()
        .arg("check")
        .args(args)
        .args(flags)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_clean_journal_with_steps_beside_it_exits_0() {
    let dir = temp_dir("clean");
    let journal = dir.join("journal.csv");
    write_journal(&journal, &clean_events());
    write_steps(&dir.join("steps.csv"), &clean_steps());
    let output = check(&[&journal], &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("steps.csv (found next to the journal)"),
        "{}",
        stderr(&output)
    );
    let out = stdout(&output);
    assert!(
        out.contains("15 events, 2 accounts, 4 holds, 2 charges"),
        "{out}"
    );
    assert!(
        out.contains("7 steps") && out.contains("OK: every invariant held"),
        "{out}"
    );
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_doubled_charge_exits_1_and_names_i2_in_json() {
    let dir = temp_dir("doubled");
    let journal = dir.join("journal.csv");
    let mut kinds = clean_account_0();
    kinds.insert(3, commit("a0-s1", 7, &[(0, 7)], &[(0, 3)]));
    write_journal(&journal, &crate::journals::account(0, kinds));
    let output = check(&[&journal], &["--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["events"], 12);
    assert_eq!(json["steps"], 0);
    assert_eq!(json["counts"]["I2"], 1);
    assert_eq!(json["counts"]["I1"], 0);
    let violation = &json["violations"][0];
    assert_eq!(violation["invariant"], "I2");
    assert_eq!(violation["account"], 0);
    assert_eq!(violation["key"], "a0-s1");
    assert_eq!(violation["seq"], 3);
    assert_eq!(
        violation["message"],
        "key a0-s1 charged twice: events 2 and 3"
    );
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn the_human_output_summarises_each_invariant_instead_of_a_flood() {
    let dir = temp_dir("many");
    let journal = dir.join("journal.csv");
    let mut kinds = clean_account_0();
    for i in 0..25 {
        kinds.insert(
            3 + i,
            commit("a0-s1", 7 + i as u64 % 3, &[(0, 7)], &[(0, 3)]),
        );
    }
    write_journal(&journal, &crate::journals::account(0, kinds));
    let output = check(&[&journal], &[]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains("FAIL: 25 violations"), "{out}");
    assert!(
        out.contains("I2   at most once") && out.contains("      25\n"),
        "{out}"
    );
    assert!(out.contains("I2 at most once: 25 violations"), "{out}");
    // The first of the doubled charges, the worst (9 credits, the earliest of those) and
    // the last, one line each: three lines for 25 violations.
    assert_eq!(out.matches("charged twice").count(), 3, "{out}");
    assert!(
        out.contains("  first account 0 event 3 at 1970-01-01 00:00:00.300 (7 credits): key a0-s1 charged twice: events 2 and 3"),
        "{out}"
    );
    assert!(
        out.contains("  worst account 0 event 5 ") && out.contains("(9 credits)"),
        "{out}"
    );
    assert!(out.contains("  last  account 0 event 27 "), "{out}");
    assert!(out.contains("note: no steps given"), "{out}");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_malformed_row_exits_2_naming_line_and_column() {
    let dir = temp_dir("malformed");
    let journal = dir.join("journal.csv");
    write_journal(&journal, &clean_events());
    let text = fs::read_to_string(&journal)
        .unwrap()
        .replace(",7,0:7,0:3,", ",7.5,0:7,0:3,");
    fs::write(&journal, text).unwrap();
    let output = check(&[&journal], &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("journal.csv line 4, column `credits`"),
        "{err}"
    );
    assert!(
        err.contains("expected a whole number of credits, found `7.5`"),
        "{err}"
    );
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_malformed_steps_file_given_by_flag_exits_2() {
    let dir = temp_dir("bad-steps");
    let journal = dir.join("journal.csv");
    let steps = dir.join("agents.csv");
    write_journal(&journal, &clean_events());
    fs::write(&steps, "agent,account,key\n1,2,k\n").unwrap();
    let output = creditsim()
        .arg("check")
        .arg(&journal)
        .arg("--steps")
        .arg(&steps)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("agents.csv line 1: expected the header"),
        "{}",
        stderr(&output)
    );
    let _ = fs::remove_dir_all(dir);
}
