//! `creditsim check` on a real journal tampered with: a commit after its hold's deadline,
//! time going back within an account, a grant that nothing in the run's setup explains,
//! and a grant of u64::MAX credits. Each is rejected with the invariant it breaks.

use std::fs::File;
use std::path::{Path, PathBuf};

use creditsim::journal::{JournalWriter, read_journal};
use creditsim::ledger::{Event, EventKind};
use creditsim::runner::{OutDir, Overrides};

use crate::support::{creditsim, run, temp_dir};

/// A clean deterministic run of aibc (allowances, packs, 90 days), with its journal.
fn clean_run(tag: &str) -> (PathBuf, Vec<Event>) {
    let dir = temp_dir(tag);
    let overrides = Overrides {
        deterministic: true,
        no_thresholds: true,
        out: OutDir::At(dir.clone()),
        ..Overrides::default()
    };
    let ran = run("aibc", overrides);
    assert_eq!(ran.violated(), Vec::<String>::new());
    let events = read_journal(dir.join("journal.csv")).unwrap();
    (dir, events)
}

/// Writes `events` over the run's journal and checks it with the setup and steps beside
/// it: the exit code and the JSON verdict.
fn check(dir: &Path, events: &[Event]) -> (Option<i32>, serde_json::Value) {
    let journal = dir.join("journal.csv");
    let mut writer = JournalWriter::new(File::create(&journal).unwrap()).unwrap();
    events.iter().for_each(|e| writer.write(e).unwrap());
    writer.flush().unwrap();
    let output = creditsim()
        .arg("check")
        .arg(&journal)
        .arg("--json")
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code(), json)
}

/// The messages of the verdict's violations of `invariant`.
fn messages(verdict: &serde_json::Value, invariant: &str) -> Vec<String> {
    let violations = verdict["violations"].as_array().unwrap().iter();
    (violations.filter(|v| v["invariant"] == invariant))
        .map(|v| v["message"].as_str().unwrap().to_string())
        .collect()
}

fn assert_rejected(verdict: &(Option<i32>, serde_json::Value), invariant: &str, says: &str) {
    let (code, json) = verdict;
    assert_eq!(*code, Some(1), "{json}");
    let found = messages(json, invariant);
    assert!(
        found.iter().any(|m| m.contains(says)),
        "no {invariant} saying {says:?}: {}",
        json["counts"]
    );
}

#[test]
fn the_untouched_journal_passes_with_its_setup() {
    let (dir, events) = clean_run("tamper-none");
    let (code, json) = check(&dir, &events);
    assert_eq!(code, Some(0), "{json}");
    assert!(dir.join("setup.json").is_file());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_commit_at_its_holds_deadline_is_rejected() {
    let (dir, mut events) = clean_run("tamper-late-commit");
    let commit = (events.iter())
        .position(|e| matches!(e.kind, EventKind::Committed { .. }) && e.at_ms > 0)
        .expect("a commit after time 0");
    let (account, at_ms) = (events[commit].account, events[commit].at_ms);
    let EventKind::Committed { key, .. } = events[commit].kind.clone() else {
        unreachable!()
    };
    let reserve = (events[..commit].iter_mut())
        .rfind(|e| {
            e.account == account
                && matches!(&e.kind, EventKind::Reserved { key: k, .. } if *k == key)
        })
        .expect("the commit's reserve");
    let EventKind::Reserved { expires_at_ms, .. } = &mut reserve.kind else {
        unreachable!()
    };
    // The hold now times out when the commit arrives: the commit should have been refused.
    *expires_at_ms = at_ms;
    assert_rejected(&check(&dir, &events), "I2", "deadline");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn time_going_back_within_an_account_is_rejected() {
    let (dir, mut events) = clean_run("tamper-time-back");
    let later = (1..events.len())
        .find(|&i| {
            let earlier = events[..i].iter().rfind(|e| e.account == events[i].account);
            earlier.is_some_and(|e| e.at_ms > 0 && events[i].at_ms >= e.at_ms)
        })
        .expect("an event after another of its account at a time past 0");
    let earlier = (events[..later].iter())
        .rfind(|e| e.account == events[later].account)
        .unwrap()
        .at_ms;
    events[later].at_ms = earlier - 1;
    assert_rejected(&check(&dir, &events), "I9", "time goes back");
    let _ = std::fs::remove_dir_all(dir);
}

/// The journal with one more grant of `credits` after the last event of the first account
/// granted anything, in the pool of its first grant, under a key nothing in the setup gives.
fn with_forged_grant(mut events: Vec<Event>, credits: u64) -> Vec<Event> {
    let (account, pool, source) = (events.iter())
        .find_map(|e| match &e.kind {
            EventKind::Granted { pool, source, .. } => Some((e.account, pool.clone(), *source)),
            _ => None,
        })
        .expect("some account has a grant");
    let of_account = events.iter().filter(|e| e.account == account);
    let lots = of_account.filter(|e| matches!(e.kind, EventKind::Granted { .. }));
    let last = events.iter().rposition(|e| e.account == account).unwrap();
    let forged = Event {
        account,
        seq: events[last].seq + 1,
        at_ms: events[last].at_ms,
        kind: EventKind::Granted {
            key: "forged-extra".into(),
            lot: lots.count() as u32,
            pool,
            source,
            credits,
            expires_at_ms: None,
            priority: 0,
        },
    };
    events.insert(last + 1, forged);
    events
}

#[test]
fn a_grant_the_setup_does_not_explain_is_rejected() {
    let (dir, events) = clean_run("tamper-forged");
    let forged = with_forged_grant(events, 500);
    assert_rejected(&check(&dir, &forged), "I3", "explained by no plan");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_grant_of_u64_max_credits_is_rejected_without_overflowing() {
    let (dir, events) = clean_run("tamper-max");
    let forged = with_forged_grant(events, u64::MAX);
    let verdict = check(&dir, &forged);
    assert_rejected(&verdict, "I3", "explained by no plan");
    assert_rejected(&verdict, "I3", "overflow");
    let _ = std::fs::remove_dir_all(dir);
}
