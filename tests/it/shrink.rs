//! `shrink`: a flawed ledger's failing run reduced to a reproducer of a few steps that
//! breaks the same invariant when replayed from its files, with a timeline that shows it;
//! runs that cannot be shrunk are refused with the reason.

use std::path::{Path, PathBuf};

use creditsim::backends::{Flaw, LedgerKind};
use creditsim::check::Invariant;
use creditsim::runner::{OutDir, Overrides};
use creditsim::scenario::Fault;
use creditsim::shrink::{ShrinkError, ShrinkOptions, shrink};

use crate::support::{creditsim, output_within_limit, run, run_path, temp_dir};

/// "A few dozen steps", the bound on a reproducer.
const FEW_DOZEN: u64 = 36;

/// Runs shipped scenario `name` deterministically on `ledger` into a fresh results folder.
fn results_of(tag: &str, name: &str, ledger: LedgerKind, faults: Vec<Fault>) -> PathBuf {
    let dir = temp_dir(tag);
    let overrides = Overrides {
        seed: Some(3),
        steps: Some(1500),
        faults,
        ledger,
        deterministic: true,
        no_thresholds: true,
        out: OutDir::At(dir.clone()),
        ..Overrides::default()
    };
    run(name, overrides);
    dir
}

/// The reproducer's scenario, run again in-process from its files: what it breaks.
fn replayed(scenario_file: &Path, ledger: LedgerKind) -> Vec<String> {
    let overrides = Overrides {
        seed: Some(3),
        ledger,
        deterministic: true,
        ..Overrides::default()
    };
    run_path(scenario_file, overrides).violated()
}

#[test]
fn each_flawed_ledger_shrinks_to_a_few_steps_that_break_its_invariant_from_the_files() {
    let cases = [
        ("aibc", Flaw::NoExpiry, Invariant::I9, Vec::new()),
        ("aibc", Flaw::NewestFirst, Invariant::I10, Vec::new()),
        ("aibc", Flaw::DoubleRenewal, Invariant::I11, Vec::new()),
        ("aytada", Flaw::ChargeFailed, Invariant::I4, Vec::new()),
        ("aytada", Flaw::NoDedup, Invariant::I2, Fault::ALL.to_vec()),
    ];
    for (name, flaw, invariant, faults) in cases {
        let ledger = LedgerKind::Flawed(flaw);
        let dir = results_of(&format!("shrink-{}", ledger.name()), name, ledger, faults);
        let options = ShrinkOptions {
            invariant: Some(invariant),
            ..ShrinkOptions::default()
        };
        let shrunk = shrink(&dir, options).unwrap_or_else(|e| panic!("{name} {flaw:?}: {e}"));
        let what = format!("{name} on {}: {shrunk:#?}", ledger.name());
        assert_eq!(shrunk.invariant, invariant, "{what}");
        assert!(shrunk.reduced.steps <= FEW_DOZEN, "{what}");
        assert!(shrunk.reduced.steps < shrunk.original.steps, "{what}");
        assert_eq!(shrunk.reduced.accounts, 1, "{what}");
        assert!(shrunk.first.starts_with(&invariant.to_string()), "{what}");
        // The timeline marks the violation at the event where it happened.
        assert!(
            shrunk.timeline.contains(&format!("{invariant}: ")),
            "{what}"
        );
        assert!(shrunk.replay.contains("shrunk/scenario.toml"), "{what}");
        let again = replayed(&shrunk.scenario_file, ledger);
        assert!(
            again.contains(&invariant.to_string()),
            "{what}\nreplayed: {again:?}"
        );
    }
}

#[test]
fn a_run_that_held_every_invariant_has_nothing_to_shrink() {
    let dir = results_of("shrink-clean", "aytada", LedgerKind::Actor, Vec::new());
    let err = shrink(&dir, ShrinkOptions::default()).unwrap_err();
    assert!(matches!(err, ShrinkError::Refused(_)), "{err}");
    assert!(err.to_string().contains("held every invariant"), "{err}");
    assert!(!dir.join("shrunk").exists());
}

#[test]
fn an_invariant_the_run_did_not_break_is_refused_naming_those_it_did() {
    let ledger = LedgerKind::Flawed(Flaw::NoExpiry);
    let dir = results_of("shrink-wrong-invariant", "aibc", ledger, Vec::new());
    let options = ShrinkOptions {
        invariant: Some(Invariant::I4),
        ..ShrinkOptions::default()
    };
    let err = shrink(&dir, options).unwrap_err().to_string();
    assert!(
        err.contains("--invariant I4") && err.contains("I9"),
        "{err}"
    );
}

#[test]
fn a_database_run_is_refused_because_it_cannot_be_replayed() {
    let dir = results_of("shrink-database", "aytada", LedgerKind::Actor, Vec::new());
    let setup = dir.join("setup.json");
    let text = std::fs::read_to_string(&setup).unwrap();
    let edited = text.replace("\"ledger\": \"actor\"", "\"ledger\": \"postgres\"");
    assert_ne!(edited, text, "setup.json names its ledger");
    std::fs::write(&setup, edited).unwrap();
    let err = shrink(&dir, ShrinkOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot be replayed deterministically"),
        "{err}"
    );
}

#[test]
fn the_command_writes_the_reproducer_and_exits_0_or_names_the_missing_setup_with_2() {
    let ledger = LedgerKind::Flawed(Flaw::NewestFirst);
    let dir = results_of("shrink-cli", "aibc", ledger, Vec::new());
    let out = output_within_limit(creditsim().arg("shrink").arg(&dir));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("replay   creditsim run"), "{stdout}");
    assert!(dir.join("shrunk/trace.csv").is_file());
    assert!(dir.join("shrunk/journal.csv").is_file());
    let empty = temp_dir("shrink-cli-empty");
    let out = output_within_limit(creditsim().arg("shrink").arg(&empty));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("setup.json"), "{stderr}");
}
