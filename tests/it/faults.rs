//! The checker's central promise, both ways: the correct ledger passes the stress scenario
//! with every fault injected over many seeds, and each flawed ledger is caught with the
//! invariant it breaks.

use serde_json::Value;

use crate::run::run_json;
use crate::support::{scenario, temp_dir};

fn invariants(summary: &Value) -> Vec<String> {
    summary["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["invariant"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_actor_ledger_passes_stress_with_all_faults_over_many_seeds() {
    for seed in 1..=6 {
        let out = temp_dir(&format!("faults-ok-{seed}"));
        let seed = seed.to_string();
        let args = [
            "--faults",
            "all",
            "--seed",
            &seed,
            "--steps",
            "6000",
            "--no-thresholds",
        ];
        let (code, summary) = run_json(&scenario("stress"), &args, &out);
        assert_eq!(invariants(&summary), Vec::<String>::new(), "seed {seed}");
        assert_eq!(code, 0, "seed {seed}: {summary}");
        let counts = &summary["counts"];
        for injected in [
            "retries",
            "duplicates",
            "crashes",
            "key_conflicts",
            "timed_out",
        ] {
            assert!(
                counts[injected].as_u64().unwrap() > 0,
                "seed {seed}: no {injected}: {counts}"
            );
        }
    }
}

/// Runs the whole stress scenario (the hot pool runs dry near its end) on a flawed ledger.
fn caught(ledger: &str, invariant: &str) {
    let out = temp_dir(&format!("flawed-{ledger}"));
    let args = ["--ledger", ledger, "--faults", "all", "--no-thresholds"];
    let (code, summary) = run_json(&scenario("stress"), &args, &out);
    assert_eq!(code, 1, "{ledger}: {summary}");
    assert_eq!(summary["ok"], false);
    let found = invariants(&summary);
    assert!(
        found.iter().any(|i| i == invariant),
        "{ledger} should break {invariant}: {found:?}"
    );
    assert!(
        summary["reproduce"].as_str().unwrap().contains("--seed"),
        "{summary}"
    );
}

#[test]
fn the_racy_ledger_is_caught_overdrawing() {
    caught("racy", "I1");
}

#[test]
fn the_no_dedup_ledger_is_caught_charging_twice() {
    caught("no-dedup", "I2");
}

#[test]
fn the_charge_failed_ledger_is_caught_billing_failed_generations() {
    caught("charge-failed", "I4");
}
