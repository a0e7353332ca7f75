//! The invariant checker over hand-made journals: the clean run passes, and each invariant
//! fails on a journal broken just for it, naming the invariant, account, key and event.

use creditsim::check::{Checker, Invariant, Verdict, check_journal};
use creditsim::journal::{StepRecord, Told};
use creditsim::ledger::{Event, EventKind};

use crate::journals::*;

/// What a test expects of one violation.
struct Want {
    invariant: Invariant,
    account: u32,
    key: Option<&'static str>,
    seq: Option<u64>,
    message: &'static str,
}

fn want(
    invariant: Invariant,
    account: u32,
    key: Option<&'static str>,
    seq: Option<u64>,
    message: &'static str,
) -> Want {
    Want {
        invariant,
        account,
        key,
        seq,
        message,
    }
}

/// Asserts that the verdict holds exactly these violations, in order.
fn assert_violations(verdict: &Verdict, wanted: &[Want]) {
    let found: Vec<String> = verdict
        .violations
        .iter()
        .map(|v| format!("{v:?}"))
        .collect();
    assert_eq!(
        verdict.violations.len(),
        wanted.len(),
        "violations: {found:#?}"
    );
    for (got, want) in verdict.violations.iter().zip(wanted) {
        assert_eq!(got.invariant, want.invariant, "{got:?}");
        assert_eq!(got.account, want.account, "{got:?}");
        assert_eq!(got.key.as_deref(), want.key, "{got:?}");
        assert_eq!(got.seq, want.seq, "{got:?}");
        assert!(
            got.message.contains(want.message),
            "{:?} lacks {:?}",
            got.message,
            want.message
        );
    }
    assert!(!verdict.ok());
    assert_eq!(verdict.violations_total, wanted.len() as u64);
    for invariant in Invariant::ALL {
        let expected = wanted.iter().filter(|w| w.invariant == invariant).count() as u64;
        assert_eq!(verdict.counts[&invariant], expected, "count of {invariant}");
    }
}

/// The clean run with account 0's events replaced.
fn with_account_0(kinds: Vec<EventKind>) -> Vec<Event> {
    let mut events = account(0, kinds);
    events.extend(account(1, clean_account_1()));
    events
}

/// The clean run with account 1's events replaced.
fn with_account_1(kinds: Vec<EventKind>) -> Vec<Event> {
    let mut events = account(0, clean_account_0());
    events.extend(account(1, kinds));
    events
}

/// The clean steps with the step for `key` replaced.
fn steps_with(key: &str, replacement: StepRecord) -> Vec<StepRecord> {
    clean_steps()
        .into_iter()
        .map(|s| if s.key == key { replacement.clone() } else { s })
        .collect()
}

fn check(events: &[Event], steps: &[StepRecord]) -> Verdict {
    check_journal(events, steps)
}

#[test]
fn the_clean_run_holds_every_invariant() {
    let verdict = check(&clean_events(), &clean_steps());
    assert!(verdict.ok(), "{:#?}", verdict.violations);
    assert!(verdict.violations.is_empty());
    assert!(verdict.counts.values().all(|&n| n == 0));
    assert_eq!(verdict.counts.len(), Invariant::ALL.len());
    assert_eq!(verdict.events, 15);
    assert_eq!(verdict.steps, 7);
    assert_eq!(verdict.accounts, 2);
    assert_eq!(verdict.holds, 4);
    assert_eq!(verdict.charges, 2);
    assert_eq!(
        verdict.notes,
        vec![
            "no setup given: grants were not matched to the run's plans and packs, and I11 \
             checked expiries but not the renewal schedule",
            "1 steps had no definite answer (told unknown); either outcome is accepted for them"
        ]
    );
}

#[test]
fn without_steps_the_verdict_says_what_was_not_checked() {
    let verdict = check(&clean_events(), &[]);
    assert!(verdict.ok());
    assert!(
        verdict
            .notes
            .iter()
            .any(|n| n.contains("I4, I5 and I7 were not checked"))
    );
}

#[test]
fn i1_a_reserve_that_overdraws_its_lot() {
    let events = with_account_1(vec![
        grant("renew:pro:0", 0, 20),
        reserve("a1-s1", 25, &[(0, 25)]),
        commit("a1-s1", 25, &[(0, 25)], &[]),
    ]);
    let verdict = check(&events, &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I1,
            1,
            Some("a1-s1"),
            Some(1),
            "takes 25 from lot 0, which had 20: lot 0 is at -5",
        )],
    );
}

#[test]
fn i1_an_expiry_of_more_than_the_lot_holds() {
    let mut kinds = clean_account_0();
    kinds[9] = expire(0, 94);
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I1,
            0,
            None,
            Some(9),
            "94 credits of lot 0 expire, but it had 93",
        )],
    );
}

#[test]
fn i1_a_commit_that_settles_more_than_its_hold_took_from_a_lot() {
    let mut kinds = clean_account_0();
    kinds[2] = commit("a0-s1", 7, &[(0, 8)], &[(0, 3)]);
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I1,
            0,
            Some("a0-s1"),
            Some(2),
            "returns 3 for lot 0, more than the 2 left",
        )],
    );
}

#[test]
fn i2_a_key_charged_twice() {
    let mut kinds = clean_account_0();
    kinds.insert(3, commit("a0-s1", 7, &[(0, 7)], &[(0, 3)]));
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[
            want(
                Invariant::I7,
                0,
                Some("a0-s1"),
                Some(2),
                "told key a0-s1 was charged 7, but the ledger charged 14",
            ),
            want(
                Invariant::I2,
                0,
                Some("a0-s1"),
                Some(3),
                "key a0-s1 charged twice: events 2 and 3",
            ),
        ],
    );
}

#[test]
fn i2_a_hold_closed_twice() {
    let mut kinds = clean_account_0();
    kinds.insert(5, time_out("a0-s2", &[(0, 5)]));
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I2,
            0,
            Some("a0-s2"),
            Some(5),
            "hold a0-s2 closed twice: released at event 4, then timed out at event 5",
        )],
    );
}

#[test]
fn i2_a_key_reserved_again_after_its_hold_closed() {
    let mut kinds = clean_account_0();
    kinds.insert(3, reserve("a0-s1", 10, &[(0, 10)]));
    kinds.insert(4, release("a0-s1", &[(0, 10)]));
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I2,
            0,
            Some("a0-s1"),
            Some(3),
            "key a0-s1 reserved again at event 3: already reserved at event 1",
        )],
    );
}

#[test]
fn i2_a_payment_granted_twice() {
    let mut kinds = clean_account_1();
    kinds.insert(2, grant("pay-2", 2, 10));
    let verdict = check(&with_account_1(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I2,
            1,
            Some("pay-2"),
            Some(2),
            "grant key pay-2 granted twice: events 1 and 2",
        )],
    );
}

#[test]
fn i3_a_commit_charging_more_than_its_lots_gave() {
    let mut kinds = clean_account_0();
    kinds[2] = commit("a0-s1", 8, &[(0, 7)], &[(0, 3)]);
    let steps = steps_with("a0-s1", step(0, "a0-s1", (5, 10), false, Told::Charged(8)));
    let verdict = check(&with_account_0(kinds), &steps);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I3,
            0,
            Some("a0-s1"),
            Some(2),
            "granted 100 != charged 8 + expired 0 + remaining 93 + held 0; 1 credits created",
        )],
    );
}

#[test]
fn i3_a_reserve_holding_more_than_its_draws() {
    let mut kinds = clean_account_0();
    kinds[3] = reserve("a0-s2", 5, &[(0, 4)]);
    kinds[4] = release("a0-s2", &[(0, 4)]);
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I3,
            0,
            Some("a0-s2"),
            Some(3),
            "pool credits out of balance after this reserve",
        )],
    );
}

#[test]
fn i3_a_commit_that_neither_charges_nor_returns_part_of_its_hold() {
    let mut kinds = clean_account_0();
    kinds[2] = commit("a0-s1", 7, &[(0, 7)], &[(0, 2)]);
    kinds[9] = expire(0, 92);
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I3,
            0,
            Some("a0-s1"),
            Some(2),
            "commit of key a0-s1 leaves 1 credits of lot 0 unaccounted",
        )],
    );
}

#[test]
fn i3_a_gap_in_an_accounts_events() {
    let events: Vec<Event> = clean_events()
        .into_iter()
        .filter(|e| !(e.account == 0 && e.seq == 8))
        .collect();
    let verdict = check(&events, &clean_steps());
    assert_violations(
        &verdict,
        &[want(Invariant::I3, 0, None, Some(9), "event 8 is missing")],
    );
}

#[test]
fn i3_a_repeated_event() {
    let mut events = clean_events();
    events.insert(1, events[0].clone());
    let verdict = check(&events, &[]);
    // The repeated grant is reported once, as a repeat, not again as a double grant.
    assert_violations(
        &verdict,
        &[want(
            Invariant::I3,
            0,
            None,
            Some(0),
            "event seq 0 repeats or goes back (expected 1)",
        )],
    );
}

#[test]
fn i3_a_commit_without_any_hold() {
    let mut kinds = clean_account_0();
    kinds.push(commit("a0-s4", 3, &[(0, 3)], &[]));
    let verdict = check(&with_account_0(kinds), &[]);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I3,
            0,
            Some("a0-s4"),
            Some(11),
            "key a0-s4 committed at event 11 but has no hold (rejected)",
        )],
    );
}

#[test]
fn i4_a_failed_step_that_was_committed() {
    let mut kinds = clean_account_0();
    kinds[4] = commit("a0-s2", 5, &[(0, 5)], &[]);
    kinds[9] = expire(0, 88);
    let steps = steps_with("a0-s2", step(0, "a0-s2", (5, 5), true, Told::Unknown));
    let verdict = check(&with_account_0(kinds), &steps);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I4,
            0,
            Some("a0-s2"),
            Some(4),
            "agent 0 saw step a0-s2 fail, but the ledger committed it, charging 5",
        )],
    );
}

#[test]
fn i5_a_charge_outside_the_quote() {
    let steps = steps_with("a0-s1", step(0, "a0-s1", (8, 10), false, Told::Charged(7)));
    let verdict = check(&clean_events(), &steps);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I5,
            0,
            Some("a0-s1"),
            Some(2),
            "key a0-s1 charged 7, outside the quote 8..=10 for video (scenes=2;quality=pro)",
        )],
    );
}

#[test]
fn i6_a_hold_left_open() {
    let mut kinds = clean_account_0();
    kinds.remove(6);
    kinds[8] = expire(0, 89);
    let verdict = check(&with_account_0(kinds), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I6,
            0,
            Some("a0-s3"),
            Some(5),
            "hold a0-s3 (4 credits) was never closed",
        )],
    );
}

#[test]
fn i8_an_insufficient_reply_while_the_pool_had_enough() {
    // The clean run refuses 500 credits with 93 available; a refusal of 90 is undeserved.
    let mut kinds = clean_account_0();
    let EventKind::Rejected { credits, .. } = &mut kinds[7] else {
        panic!("event 7 of the clean account is its rejection")
    };
    *credits = 90;
    let verdict = check(&with_account_0(kinds), &[]);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I8,
            0,
            Some("a0-s4"),
            Some(7),
            "refused as insufficient for 90 credits while pool credits held 93",
        )],
    );
    let mut exact = clean_account_0();
    let EventKind::Rejected { credits, .. } = &mut exact[7] else {
        unreachable!()
    };
    *credits = 94;
    assert!(
        check(&with_account_0(exact), &[]).ok(),
        "94 of 93 is deserved"
    );
}

#[test]
fn i7_told_a_different_amount() {
    let steps = steps_with("a0-s1", step(0, "a0-s1", (5, 10), false, Told::Charged(9)));
    let verdict = check(&clean_events(), &steps);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I7,
            0,
            Some("a0-s1"),
            Some(2),
            "agent 0 was told key a0-s1 was charged 9, but the ledger charged 7",
        )],
    );
}

#[test]
fn i7_told_not_charged_but_charged() {
    let steps = steps_with("a1-s1", step(1, "a1-s1", (25, 25), false, Told::NotCharged));
    let verdict = check(&clean_events(), &steps);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I7,
            1,
            Some("a1-s1"),
            Some(3),
            "was told key a1-s1 was not charged, but the ledger charged 25",
        )],
    );
}

#[test]
fn i7_told_charged_but_released() {
    let steps = steps_with("a0-s2", step(0, "a0-s2", (5, 5), false, Told::Charged(5)));
    let verdict = check(&clean_events(), &steps);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I7,
            0,
            Some("a0-s2"),
            Some(3),
            "was told key a0-s2 was charged 5, but the ledger charged nothing",
        )],
    );
}

#[test]
fn i7_a_charge_no_agent_asked_for() {
    let steps: Vec<StepRecord> = clean_steps()
        .into_iter()
        .filter(|s| s.key != "a1-s1")
        .collect();
    let verdict = check(&clean_events(), &steps);
    assert_violations(
        &verdict,
        &[want(
            Invariant::I7,
            1,
            Some("a1-s1"),
            Some(3),
            "the ledger charged 25 under key a1-s1, but no agent step recorded that key",
        )],
    );
}

#[test]
fn i7_an_unknown_answer_accepts_either_outcome() {
    for key in ["a0-s1", "a0-s2", "a1-s1"] {
        let mut steps = clean_steps();
        steps
            .iter_mut()
            .filter(|s| s.key == key)
            .for_each(|s| s.told = Told::Unknown);
        assert!(check(&clean_events(), &steps).ok(), "{key}");
    }
}

/// The ledger journals the timeout first; the late commit gets `HoldClosed` and no event.
fn timed_out_before_commit() -> Vec<Event> {
    with_account_1(vec![
        grant("renew:pro:0", 0, 20),
        grant("pay-2", 1, 10),
        reserve("a1-s1", 25, &[(0, 20), (1, 5)]),
        time_out("a1-s1", &[(0, 20), (1, 5)]),
    ])
}

#[test]
fn i7_a_commit_racing_a_timeout_is_decided_by_the_journal() {
    let told_not_charged = steps_with("a1-s1", step(1, "a1-s1", (25, 25), false, Told::NotCharged));
    assert!(check(&timed_out_before_commit(), &told_not_charged).ok());
    let verdict = check(&timed_out_before_commit(), &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I7,
            1,
            Some("a1-s1"),
            Some(2),
            "was told key a1-s1 was charged 25, but the ledger charged nothing",
        )],
    );
}

#[test]
fn i2_a_commit_journaled_after_the_timeout() {
    let mut events = timed_out_before_commit();
    events.push(Event {
        account: 1,
        seq: 4,
        at_ms: 61_000,
        kind: commit("a1-s1", 25, &[(0, 20), (1, 5)], &[]),
    });
    let verdict = check(&events, &clean_steps());
    assert_violations(
        &verdict,
        &[want(
            Invariant::I2,
            1,
            Some("a1-s1"),
            Some(4),
            "hold a1-s1 closed twice: timed out at event 3, then committed at event 4",
        )],
    );
}

/// A run broken in both accounts, so that the comparison below compares violations.
fn broken_run() -> (Vec<Event>, Vec<StepRecord>) {
    let mut kinds0 = clean_account_0();
    kinds0.insert(3, commit("a0-s1", 7, &[(0, 7)], &[(0, 3)]));
    let mut events = account(0, kinds0);
    events.extend(account(
        1,
        vec![
            grant("renew:pro:0", 0, 20),
            reserve("a1-s1", 25, &[(0, 25)]),
            commit("a1-s1", 25, &[(0, 25)], &[]),
            reserve("a1-s2", 1, &[(0, 1)]),
        ],
    ));
    let mut steps = clean_steps();
    steps[0].quote_min = 8;
    (events, steps)
}

#[test]
fn online_interleaving_gives_the_offline_verdict() {
    let (events, steps) = broken_run();
    let offline = check_journal(&events, &steps);
    assert!(offline.violations.len() >= 4, "{:#?}", offline.violations);

    // Online: steps first, then the two accounts' events alternating, each in seq order.
    let (mut a0, mut a1): (Vec<&Event>, Vec<&Event>) = events.iter().partition(|e| e.account == 0);
    a0.reverse();
    a1.reverse();
    let mut online = Checker::new();
    steps.iter().rev().for_each(|s| online.observe_step(s));
    while !(a0.is_empty() && a1.is_empty()) {
        for side in [&mut a1, &mut a0] {
            if let Some(event) = side.pop() {
                online.observe(event);
            }
        }
    }
    assert_eq!(online.finish(), offline);
}

#[test]
fn a_capped_verdict_counts_everything_and_keeps_the_same_first_violations() {
    let mut kinds = vec![
        grant("pay-1", 0, 100),
        reserve("k", 1, &[(0, 1)]),
        commit("k", 1, &[(0, 1)], &[]),
    ];
    kinds.extend((0..10).map(|_| commit("k", 1, &[(0, 1)], &[])));
    let mut events = account(0, kinds);
    events.extend(account(
        1,
        vec![grant_until("pay-2", 0, 1, Some(100)), expire(0, 2)],
    ));

    let forward = {
        let mut checker = Checker::with_violation_cap(3);
        events.iter().for_each(|e| checker.observe(e));
        checker.finish()
    };
    let accounts_swapped = {
        let mut checker = Checker::with_violation_cap(3);
        events
            .iter()
            .filter(|e| e.account == 1)
            .for_each(|e| checker.observe(e));
        events
            .iter()
            .filter(|e| e.account == 0)
            .for_each(|e| checker.observe(e));
        checker.finish()
    };
    assert_eq!(forward, accounts_swapped);
    assert_eq!(forward.violations_total, 11);
    assert_eq!(forward.violations_dropped, 8);
    assert_eq!(forward.counts[&Invariant::I2], 10);
    assert_eq!(forward.counts[&Invariant::I1], 1);
    let kept: Vec<(u32, Option<u64>)> = forward
        .violations
        .iter()
        .map(|v| (v.account, v.seq))
        .collect();
    assert_eq!(kept, vec![(0, Some(3)), (0, Some(4)), (0, Some(5))]);
}

#[test]
fn checkers_sharded_by_account_merge_into_the_offline_verdict() {
    let (events, mut steps) = broken_run();
    // Account 1's only step is gone, so its shard sees no step yet must still demand one.
    steps.retain(|s| s.account == 0);
    let offline = check_journal(&events, &steps);
    assert!(
        offline
            .violations
            .iter()
            .any(|v| v.account == 1 && v.invariant == Invariant::I7)
    );

    let shards: Vec<Verdict> = [0, 1]
        .into_iter()
        .map(|shard| {
            let mut checker = Checker::new();
            checker.expect_steps();
            events
                .iter()
                .filter(|e| e.account == shard)
                .for_each(|e| checker.observe(e));
            steps
                .iter()
                .filter(|s| s.account == shard)
                .for_each(|s| checker.observe_step(s));
            checker.finish()
        })
        .collect();
    assert_eq!(Verdict::merge(shards), offline);
    assert!(Verdict::merge([]).ok());
}
