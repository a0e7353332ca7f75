//! `sweep`: many seeds of one scenario in-process over several threads; every failing seed
//! is found, with the command that replays it, and a correct ledger yields none.

use creditsim::backends::{Flaw, LedgerKind};
use creditsim::check::Invariant;
use creditsim::runner::{OutDir, Overrides, RunConfig, SweepOptions, sweep};

use crate::support::{creditsim, run, scenario};

fn config(ledger: LedgerKind) -> RunConfig {
    let overrides = Overrides {
        ledger,
        deterministic: true,
        no_thresholds: true,
        out: OutDir::Discard,
        ..Overrides::default()
    };
    RunConfig::load(&scenario("aibc"), overrides).unwrap()
}

const TWO_JOBS: SweepOptions = SweepOptions {
    jobs: 2,
    stop_at_first: false,
};

#[test]
fn every_seed_of_a_flawed_ledger_fails_with_its_replay_command() {
    let flawed = LedgerKind::Flawed(Flaw::NewestFirst);
    let result = sweep(&config(flawed), 3..6, TWO_JOBS).unwrap();
    assert_eq!(result.seeds_run, 3);
    let seeds: Vec<u64> = result.failed.iter().map(|f| f.seed).collect();
    assert_eq!(seeds, [3, 4, 5]);
    // The sweep's verdict for a seed is the one a single run of that seed gives.
    let single = run(
        "aibc",
        Overrides {
            seed: Some(4),
            ..config_overrides(flawed)
        },
    );
    let failed = &result.failed[1];
    assert!(failed.violated[&Invariant::I10] > 0);
    let first = &single.summary.violations[0];
    assert_eq!(
        failed.first.as_deref(),
        Some(&*format!("I10 {}", first.message))
    );
    assert!(
        failed
            .reproduce
            .contains("--seed 4 --ledger newest-first --deterministic")
    );
}

fn config_overrides(ledger: LedgerKind) -> Overrides {
    Overrides {
        ledger,
        deterministic: true,
        no_thresholds: true,
        ..Overrides::default()
    }
}

#[test]
fn the_actor_ledger_fails_no_seed_and_stop_at_first_stops() {
    let result = sweep(&config(LedgerKind::Actor), 1..4, TWO_JOBS).unwrap();
    assert_eq!((result.seeds_run, result.failed.len()), (3, 0));
    let options = SweepOptions {
        jobs: 1,
        stop_at_first: true,
    };
    let flawed = config(LedgerKind::Flawed(Flaw::DoubleRenewal));
    let result = sweep(&flawed, 1..50, options).unwrap();
    assert_eq!((result.seeds_run, result.failed.len()), (1, 1));
}

#[test]
fn a_seed_range_holding_no_seed_exits_2() {
    let output = creditsim()
        .arg("sweep")
        .arg(scenario("aibc"))
        .args(["--seeds", "5..5"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds no seed"), "{stderr}");
}
