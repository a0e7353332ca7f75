//! The checker's central promise, both ways, in-process: the correct ledger passes the
//! stress scenario with every fault injected over many seeds, and each flawed ledger is
//! caught with the invariant it breaks.

use creditsim::backends::{Flaw, LedgerKind};
use creditsim::runner::Overrides;

use crate::support::{all_faults, for_each_seed, run};

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
