//! The checker's central promise, both ways, in-process: the correct ledger passes the
//! stress scenario with every fault injected over many seeds, and each flawed ledger is
//! caught with the invariant it breaks.

use creditsim::backends::{Flaw, LedgerKind};
use creditsim::runner::{OutDir, Overrides};

use crate::support::{all_faults, creditsim, for_each_seed, run, temp_dir};

#[test]
fn the_actor_ledger_passes_stress_with_all_faults_over_many_seeds() {
    for_each_seed(1..=6, |seed| {
        let ran = run("stress", all_faults(seed, 6000));
        assert_eq!(ran.violated(), Vec::<String>::new());
        for injected in [
            "retries",
            "duplicates",
            "crashes",
            "key_conflicts",
            "timed_out",
        ] {
            assert!(
                ran.count(injected) > 0,
                "no {injected}: {:?}",
                ran.summary.counts
            );
        }
    });
}

/// The whole Campaigns run spans months, and the cycle-boundary fault moves agents on by
/// weeks: the key-reuse fault must still reuse only keys the ledger remembers, or the repeat
/// is rightly taken for a new request and the checker reports I2 against a correct ledger.
#[test]
fn key_reuse_stays_within_key_retention_over_months() {
    for_each_seed(1..=3, |seed| {
        let ran = run(
            "campaigns",
            Overrides {
                steps: None,
                ..all_faults(seed, 0)
            },
        );
        assert_eq!(ran.violated(), Vec::<String>::new());
        assert!(ran.count("key_conflicts") > 0, "{:?}", ran.summary.counts);
        assert_eq!(ran.count("unexpected"), 0, "{:?}", ran.summary.counts);
    });
}

/// Runs the whole stress scenario (the hot pool runs dry near its end) on a flawed ledger.
fn caught(flaw: Flaw, invariant: &str) {
    let overrides = Overrides {
        ledger: LedgerKind::Flawed(flaw),
        steps: None,
        ..all_faults(1, 1)
    };
    let ran = run("stress", overrides);
    assert!(!ran.summary.ok, "{flaw:?} passed");
    let found = ran.violated();
    assert!(
        found.iter().any(|i| i == invariant),
        "{flaw:?} should break {invariant}: {found:?}"
    );
    assert!(ran.summary.labels.reproduce.contains("--seed"));
}

#[test]
fn the_racy_ledger_is_caught_overdrawing() {
    caught(Flaw::Racy, "I1");
}

#[test]
fn the_no_dedup_ledger_is_caught_charging_twice() {
    caught(Flaw::NoDedup, "I2");
}

#[test]
fn the_charge_failed_ledger_is_caught_billing_failed_generations() {
    caught(Flaw::ChargeFailed, "I4");
}

/// Runs the aibc scenario (monthly allowances that expire, packs of other priorities, 90
/// days) deterministically on `ledger`, writing its results into a fresh directory.
fn run_aibc(ledger: LedgerKind, tag: &str) -> (crate::support::Ran, std::path::PathBuf) {
    let dir = temp_dir(tag);
    let overrides = Overrides {
        ledger,
        deterministic: true,
        no_thresholds: true,
        out: OutDir::At(dir.clone()),
        ..Overrides::default()
    };
    (run("aibc", overrides), dir)
}

/// The counts per invariant that `creditsim check --json` gives for a results directory
/// (with its steps.csv and setup.json), after asserting its exit code.
fn offline_counts(dir: &std::path::Path, exit: i32) -> serde_json::Value {
    let output = (creditsim().arg("check").arg(dir.join("journal.csv")))
        .arg("--json")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["counts"].clone()
}

#[test]
fn the_actor_ledger_passes_aibc_online_and_offline() {
    let (ran, dir) = run_aibc(LedgerKind::Actor, "aibc-actor");
    assert_eq!(ran.violated(), Vec::<String>::new());
    assert!(ran.count("events") > 0);
    offline_counts(&dir, 0);
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs aibc on a flawed ledger: the online checker and `creditsim check` must both name
/// `invariant`, and the flaw must break nothing the naive core does not.
fn caught_on_aibc(flaw: Flaw, invariant: &str, also: &[&str]) {
    let (ran, dir) = run_aibc(LedgerKind::Flawed(flaw), &format!("aibc-{flaw:?}"));
    let mut found = ran.violated();
    assert!(found.iter().any(|i| i == invariant), "{flaw:?}: {found:?}");
    found.retain(|i| i != invariant && !also.contains(&i.as_str()));
    assert_eq!(
        found,
        Vec::<String>::new(),
        "{flaw:?} broke more than it should"
    );
    let counts = offline_counts(&dir, 1);
    assert!(counts[invariant].as_u64().unwrap() > 0, "offline: {counts}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_no_expiry_ledger_is_caught_drawing_from_expired_lots() {
    // Credits kept past their lot's expiry are drawn (I9) and left over (I11).
    caught_on_aibc(Flaw::NoExpiry, "I9", &["I11"]);
}

#[test]
fn the_newest_first_ledger_is_caught_drawing_out_of_order() {
    caught_on_aibc(Flaw::NewestFirst, "I10", &[]);
}

#[test]
fn the_double_renewal_ledger_is_caught_renewing_twice() {
    caught_on_aibc(Flaw::DoubleRenewal, "I11", &[]);
}
