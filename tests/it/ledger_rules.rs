//! One example per ledger rule, named after the rule it pins. The account specs are built by
//! hand from the vendor documents' numbers, since the pricing bridge lives elsewhere.

use std::collections::BTreeSet;

use creditsim::ledger::PoolTotals;
use creditsim::ledger::*;
use creditsim::pricing::DEFAULT_POOL;

use crate::support::month;

const POOL: &str = DEFAULT_POOL;
const TTL_MS: TimeMs = 60_000;

fn spec() -> AccountSpec {
    AccountSpec {
        key_retention_ms: month(10),
        ..AccountSpec::default()
    }
}

fn monthly(label: &str, credits: Credits) -> RecurringGrant {
    RecurringGrant {
        label: label.into(),
        source: LotSource::Allowance,
        pool: POOL.into(),
        credits,
        every_months: 1,
        cycle_months: 1,
        priority: 0,
    }
}

fn commit_req(key: &str, credits: Credits) -> CommitRequest {
    let key = key.into();
    CommitRequest { key, credits }
}

fn release_req(key: &str) -> ReleaseRequest {
    let key = key.into();
    ReleaseRequest { key }
}

fn reserve_req(key: &str, action: &str, credits: Credits) -> ReserveRequest {
    let (key, pool, action) = (key.into(), POOL.into(), action.into());
    ReserveRequest {
        key,
        pool,
        action,
        credits,
        ttl_ms: TTL_MS,
    }
}

fn pack(key: &str, credits: Credits, expires_at_ms: Option<TimeMs>, priority: u8) -> GrantRequest {
    let (key, pool, source) = (key.into(), POOL.into(), LotSource::Pack);
    GrantRequest {
        key,
        pool,
        credits,
        source,
        expires_at_ms,
        priority,
    }
}

/// A book with one never-expiring pack of `credits`.
fn book_with(credits: Credits) -> Book {
    let mut book = Book::new(7, spec());
    let granted = book.grant(&pack("pay-1", credits, None, 0), 0);
    assert_eq!(granted.outcome, GrantOutcome::Granted { lot: 0 });
    book
}

fn reserve(
    book: &mut Book,
    key: &str,
    credits: Credits,
    now_ms: TimeMs,
) -> Applied<ReserveOutcome> {
    book.reserve(&reserve_req(key, "image", credits), now_ms)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| item.to_string()).collect()
}

fn totals(
    granted: Credits,
    charged: Credits,
    expired: Credits,
    remaining: Credits,
    held: Credits,
) -> PoolTotals {
    PoolTotals {
        granted,
        charged,
        expired,
        remaining,
        held,
    }
}

#[test]
fn commit_after_release_is_hold_closed() {
    let mut book = book_with(100);
    reserve(&mut book, "k", 30, 1);
    let released = book.release(&release_req("k"), 2);
    assert_eq!(released.outcome, ReleaseOutcome::Released { returned: 30 });
    let late = book.commit(&commit_req("k", 30), 3);
    assert_eq!(
        late.outcome,
        CommitOutcome::HoldClosed {
            closed_by: Closure::Released
        }
    );
    assert!(late.events.is_empty());
    assert_eq!(book.totals(POOL), totals(100, 0, 0, 100, 0));
}

#[test]
fn double_commit_returns_first_outcome() {
    let mut book = book_with(100);
    reserve(&mut book, "k", 30, 1);
    let first = book.commit(&commit_req("k", 20), 2);
    assert_eq!(
        first.outcome,
        CommitOutcome::Committed {
            charged: 20,
            returned: 10
        }
    );
    assert_eq!(first.events.len(), 1);
    let again = book.commit(&commit_req("k", 20), 3);
    assert_eq!((again.outcome, again.events), (first.outcome, vec![]));
    assert_eq!(
        book.commit(&commit_req("k", 25), 4).outcome,
        CommitOutcome::KeyConflict
    );
    assert_eq!(book.totals(POOL), totals(100, 20, 0, 80, 0));
}

#[test]
fn commit_larger_than_hold_is_refused() {
    let mut book = book_with(100);
    reserve(&mut book, "k", 30, 1);
    let refused = book.commit(&commit_req("k", 31), 2);
    assert_eq!(
        refused.outcome,
        CommitOutcome::ExceedsHold {
            held: 30,
            requested: 31
        }
    );
    assert!(refused.events.is_empty());
    assert_eq!(
        book.balance(POOL),
        Balance {
            available: 70,
            held: 30
        }
    );
    let fixed = book.commit(&commit_req("k", 30), 3);
    assert_eq!(
        fixed.outcome,
        CommitOutcome::Committed {
            charged: 30,
            returned: 0
        }
    );
}

#[test]
fn reserve_spanning_a_lot_that_expires_before_release_expires_the_returned_part() {
    let mut book = Book::new(7, spec());
    book.grant(&pack("soon", 10, Some(1_000), 0), 0);
    book.grant(&pack("never", 100, None, 0), 0);
    let held = book.reserve(
        &ReserveRequest {
            ttl_ms: 10_000,
            ..reserve_req("k", "image", 30)
        },
        0,
    );
    let EventKind::Reserved { draws, .. } = &held.events[0].kind else {
        panic!("{held:?}")
    };
    assert_eq!(
        draws.as_slice(),
        &[
            Draw {
                lot: 0,
                credits: 10
            },
            Draw {
                lot: 1,
                credits: 20
            }
        ]
    );
    assert!(
        book.advance(1_000).is_empty(),
        "an empty lot expires silently"
    );
    let released = book.release(&release_req("k"), 2_000);
    let kinds: Vec<_> = released.events.iter().map(|e| &e.kind).collect();
    assert!(matches!(
        kinds[0],
        EventKind::Released {
            timed_out: false,
            ..
        }
    ));
    assert_eq!(
        kinds[1],
        &EventKind::Expired {
            pool: POOL.into(),
            lot: 0,
            credits: 10
        }
    );
    assert_eq!(kinds.len(), 2);
    assert_eq!(book.totals(POOL), totals(110, 0, 10, 100, 0));
    assert_eq!(book.balance(POOL).available, 100);
}

#[test]
fn rejected_reserve_stays_rejected() {
    let mut j = Journaled::new(spec());
    let a = j.book.grant(&pack("pay-1", 10, None, 0), 0);
    j.keep(a);
    let refused = reserve(&mut j.book, "k", 30, 1);
    let insufficient = ReserveOutcome::Insufficient {
        available: 10,
        requested: 30,
    };
    assert_eq!(refused.outcome, insufficient);
    let reason = Rejection::Insufficient { available: 10 };
    assert!(
        matches!(&refused.events[0].kind, EventKind::Rejected { reason: r, .. } if *r == reason)
    );
    j.keep(refused);
    let b = j.book.grant(&pack("pay-2", 100, None, 0), 2);
    j.keep(b);
    let retry = reserve(&mut j.book, "k", 30, 3);
    assert_eq!(
        (retry.outcome, retry.events),
        (insufficient.clone(), vec![])
    );
    let mut rebuilt = j.replay().expect("replays");
    assert_eq!(rebuilt, j.book);
    assert_eq!(
        reserve(&mut rebuilt, "k", 30, 5).outcome,
        insufficient,
        "after a rebuild too"
    );
}

#[test]
fn key_conflict_on_reuse() {
    let mut book = book_with(100);
    reserve(&mut book, "k", 30, 1);
    let other = book.reserve(&reserve_req("k", "video", 30), 2);
    assert_eq!(
        (other.outcome, other.events),
        (ReserveOutcome::KeyConflict, vec![])
    );
    assert_eq!(
        reserve(&mut book, "k", 31, 2).outcome,
        ReserveOutcome::KeyConflict
    );
    assert_eq!(
        book.grant(&pack("k", 5, None, 0), 3).outcome,
        GrantOutcome::KeyConflict
    );
    assert_eq!(
        book.grant(&pack("pay-1", 5, None, 0), 3).outcome,
        GrantOutcome::KeyConflict
    );
    let same = book.grant(&pack("pay-1", 100, None, 0), 3);
    assert_eq!(
        (same.outcome, same.events),
        (GrantOutcome::Granted { lot: 0 }, vec![])
    );
    assert_eq!(book.totals(POOL).granted, 100);
}

#[test]
fn grant_in_the_schedule_namespace_is_a_conflict() {
    let mut book = Book::new(7, spec());
    let granted = book.grant(&pack("renew:pro:1", 5, None, 0), 0);
    assert_eq!(
        (granted.outcome, granted.events),
        (GrantOutcome::KeyConflict, vec![])
    );
}

#[test]
fn grant_that_would_overflow_the_pool_is_refused() {
    let mut book = book_with(Credits::MAX - 5);
    let refused = book.grant(&pack("pay-2", 6, None, 0), 1);
    assert_eq!(
        (refused.outcome, refused.events),
        (GrantOutcome::Overflow, vec![])
    );
    assert_eq!(
        book.grant(&pack("pay-2", 5, None, 0), 2).outcome,
        GrantOutcome::Granted { lot: 1 }
    );
    assert_eq!(book.totals(POOL).granted, Credits::MAX);
}

#[test]
fn hold_timeout_then_late_commit_charges_nothing() {
    let mut book = book_with(100);
    let held = book.reserve(
        &ReserveRequest {
            ttl_ms: 100,
            ..reserve_req("k", "image", 30)
        },
        0,
    );
    assert_eq!(
        held.outcome,
        ReserveOutcome::Reserved {
            held: 30,
            expires_at_ms: 100
        }
    );
    let late = book.commit(&commit_req("k", 30), 150);
    assert_eq!(
        late.outcome,
        CommitOutcome::HoldClosed {
            closed_by: Closure::TimedOut
        }
    );
    assert_eq!(late.events.len(), 1);
    assert_eq!(
        late.events[0].at_ms, 100,
        "the timeout happens at the deadline"
    );
    assert!(matches!(
        late.events[0].kind,
        EventKind::Released {
            timed_out: true,
            ..
        }
    ));
    assert_eq!(book.totals(POOL), totals(100, 0, 0, 100, 0));
    let closed = book.release(&release_req("k"), 160).outcome;
    assert_eq!(
        closed,
        ReleaseOutcome::HoldClosed {
            closed_by: Closure::TimedOut
        }
    );
}

#[test]
fn annual_grant_upfront() {
    // aistudios team-annual: 1800 credits per seat per year, granted upfront; 3 seats.
    let seats = 3;
    let annual = RecurringGrant {
        credits: 1_800 * seats,
        every_months: 12,
        cycle_months: 12,
        ..monthly("team-annual", 0)
    };
    let mut book = Book::new(
        7,
        AccountSpec {
            recurring: vec![annual],
            ..spec()
        },
    );
    let first = book.advance(0);
    assert_eq!(first.len(), 1);
    let EventKind::Granted {
        key,
        credits,
        expires_at_ms,
        ..
    } = &first[0].kind
    else {
        panic!()
    };
    assert_eq!(
        (key.as_str(), *credits, *expires_at_ms),
        ("renew:team-annual:0", 5_400, Some(month(12)))
    );
    assert!(
        book.advance(month(12) - 1).is_empty(),
        "nothing more within the year"
    );
    assert_eq!(book.balance(POOL).available, 5_400);
    let renewal = book.advance(month(12));
    let expired = EventKind::Expired {
        pool: POOL.into(),
        lot: 0,
        credits: 5_400,
    };
    assert_eq!(renewal[0].kind, expired);
    assert!(
        matches!(&renewal[1].kind, EventKind::Granted { key, .. } if key == "renew:team-annual:1")
    );
    assert_eq!(book.totals(POOL), totals(10_800, 0, 5_400, 5_400, 0));
}

#[test]
fn monthly_addon_expires_with_the_annual_cycle() {
    // aistudios: add-on units are monthly grants that follow the annual plan's cycle.
    let addon = RecurringGrant {
        source: LotSource::Addon,
        cycle_months: 12,
        ..monthly("unit", 100)
    };
    let mut book = Book::new(
        7,
        AccountSpec {
            recurring: vec![addon],
            ..spec()
        },
    );
    let events = book.advance(month(3));
    let expiries: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Granted { expires_at_ms, .. } => Some(*expires_at_ms),
            _ => None,
        })
        .collect();
    assert_eq!(expiries, vec![Some(month(12)); 4]);
    assert_eq!(book.balance(POOL).available, 400);
}

#[test]
fn aibc_free_not_entitled() {
    // AIBC Free: no Production Room access, so image generation is not part of the plan.
    let entitled = Some(set(&["regenerate", "deep-scan"]));
    let mut book = Book::new(7, AccountSpec { entitled, ..spec() });
    book.grant(&pack("promo", 50, None, 0), 0);
    let refused = reserve(&mut book, "k", 5, 1);
    assert_eq!(refused.outcome, ReserveOutcome::NotEntitled);
    let reason = Rejection::NotEntitled;
    assert!(
        matches!(&refused.events[0].kind, EventKind::Rejected { reason: r, .. } if *r == reason)
    );
    assert_eq!(book.balance(POOL).available, 50);
    let allowed = book.reserve(&reserve_req("k2", "regenerate", 5), 2);
    assert!(matches!(
        allowed.outcome,
        ReserveOutcome::Reserved { held: 5, .. }
    ));
}

#[test]
fn videodraft_visionary_speech_unlimited() {
    // videodraft Visionary: 7,500 credits a month, plus unlimited speech.
    let unlimited = set(&["speech"]);
    let recurring = vec![monthly("visionary", 7_500)];
    let mut book = Book::new(
        7,
        AccountSpec {
            recurring,
            unlimited,
            ..spec()
        },
    );
    let speech = book.reserve(&reserve_req("k", "speech", 12), 1);
    assert_eq!(speech.outcome, ReserveOutcome::Unlimited);
    assert!(matches!(
        speech.events.last().map(|e| &e.kind),
        Some(EventKind::Unlimited { .. })
    ));
    assert_eq!(
        book.balance(POOL),
        Balance {
            available: 7_500,
            held: 0
        }
    );
    assert_eq!(
        book.commit(&commit_req("k", 12), 2).outcome,
        CommitOutcome::NoHold
    );
    let again = book.reserve(&reserve_req("k", "speech", 12), 3);
    assert_eq!(
        (again.outcome, again.events),
        (ReserveOutcome::Unlimited, vec![])
    );
}

#[test]
fn monthly_allowance_does_not_roll_over() {
    // videodraft Pro: 2,500 credits a month; credits reset and do not roll over.
    let mut book = Book::new(
        7,
        AccountSpec {
            recurring: vec![monthly("pro", 2_500)],
            ..spec()
        },
    );
    reserve(&mut book, "k", 1_000, 1);
    book.commit(&commit_req("k", 1_000), 2);
    assert_eq!(book.balance(POOL).available, 1_500);
    book.advance(month(1));
    assert_eq!(book.balance(POOL).available, 2_500);
    assert_eq!(book.totals(POOL), totals(5_000, 1_000, 1_500, 2_500, 0));
}

#[test]
fn allowances_renew_on_calendar_months_counted_from_the_anchor() {
    // An account that starts on 31 January 2026 renews on 28 February, then on 31 March:
    // each boundary is counted from the anchor, with the day clamped to a shorter month.
    let jan31 = 1_769_817_600_000; // 2026-01-31T00:00:00Z
    let day_ms = 24 * 3600 * 1000;
    let mut book = Book::new(
        7,
        AccountSpec {
            anchor_ms: jan31,
            recurring: vec![monthly("pro", 100)],
            ..spec()
        },
    );
    assert!(
        book.advance(jan31 - 1).is_empty(),
        "nothing before the account starts"
    );
    let grants = |events: &[Event]| -> Vec<(TimeMs, Option<TimeMs>)> {
        let granted = events.iter().filter_map(|e| match &e.kind {
            EventKind::Granted { expires_at_ms, .. } => Some((e.at_ms, *expires_at_ms)),
            _ => None,
        });
        granted.collect()
    };
    let (feb28, mar31) = (jan31 + 28 * day_ms, jan31 + 59 * day_ms);
    let events = book.advance(mar31);
    assert_eq!(
        grants(&events),
        [
            (jan31, Some(feb28)),
            (feb28, Some(mar31)),
            (mar31, Some(mar31 + 30 * day_ms))
        ]
    );
}

#[test]
fn a_run_closed_at_a_boundary_expires_what_ends_there_but_grants_nothing_new() {
    // Three months of a monthly plan end at the end of the third: the third allowance
    // expires at that instant, and the fourth belongs to the next run.
    let mut book = Book::new(
        7,
        AccountSpec {
            recurring: vec![monthly("pro", 100)],
            ..spec()
        },
    );
    let events = book.close(month(3));
    let granted = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Granted { .. }));
    assert_eq!(granted.count(), 3);
    assert_eq!(book.totals(POOL), totals(300, 0, 300, 0, 0));
    let later = book.advance(month(3));
    assert!(
        matches!(
            &later[..],
            [Event {
                kind: EventKind::Granted { .. },
                ..
            }]
        ),
        "{later:?}"
    );
}

/// The (threshold, available) of every warning among `events`.
fn warnings_in(events: &[Event]) -> Vec<(Credits, Credits)> {
    let kinds = events.iter().map(|e| &e.kind);
    kinds
        .filter_map(|k| match k {
            EventKind::Warning {
                threshold,
                available,
                ..
            } => Some((*threshold, *available)),
            _ => None,
        })
        .collect()
}

#[test]
fn warnings_at_thresholds() {
    // A warning fires when the available balance falls from above a threshold to at or below
    // it. Campaigns' "drops below 100" is the level 99 and "reaches critical low (10)" is 10.
    let spec = AccountSpec {
        warn_thresholds: vec![99, 10],
        ..spec()
    };
    let mut book = Book::new(7, spec);
    book.grant(&pack("pack", 150, None, 0), 0);
    let mut warned = |key: &str, credits| warnings_in(&reserve(&mut book, key, credits, 1).events);
    assert_eq!(warned("a", 50), vec![], "at 100: not below 100");
    assert_eq!(warned("b", 1), vec![(99, 99)], "below 100");
    assert_eq!(warned("c", 89), vec![(10, 10)], "reaching 10 warns at 10");
    assert_eq!(
        warned("d", 1),
        vec![],
        "once per crossing: 9 is still past 10"
    );
    assert_eq!(warned("e", 9), vec![]);
    for key in ["a", "b", "c", "d", "e"] {
        book.release(&release_req(key), 2);
    }
    let fall = reserve(&mut book, "f", 145, 3);
    assert_eq!(warnings_in(&fall.events), vec![(99, 5), (10, 5)]);
}

#[test]
fn a_return_above_a_threshold_lets_the_next_fall_warn_again() {
    // A variable cost holds its maximum: the hold may cross a threshold, and the unused part
    // coming back at the commit lifts the balance above it again, so the next fall is a new
    // crossing. Warnings look at the available balance, held credits excluded.
    let spec = AccountSpec {
        warn_thresholds: vec![10],
        ..spec()
    };
    let mut book = Book::new(7, spec);
    book.grant(&pack("pack", 12, None, 0), 0);
    assert_eq!(
        warnings_in(&reserve(&mut book, "a", 3, 1).events),
        vec![(10, 9)]
    );
    let commit = book.commit(&commit_req("a", 1), 2);
    assert_eq!(warnings_in(&commit.events), vec![], "a return never warns");
    assert_eq!(book.balance(POOL).available, 11);
    assert_eq!(
        warnings_in(&reserve(&mut book, "b", 1, 3).events),
        vec![(10, 10)]
    );
}

#[test]
fn consumption_order() {
    let mut book = Book::new(7, spec());
    book.grant(&pack("never", 1, None, 0), 0); // lot 0
    book.grant(&pack("late-p5", 1, Some(2_000), 5), 0); // lot 1
    book.grant(&pack("soon-p9", 1, Some(1_000), 9), 0); // lot 2
    book.grant(&pack("late-p1", 1, Some(2_000), 1), 0); // lot 3
    book.grant(&pack("late-p1-younger", 1, Some(2_000), 1), 0); // lot 4
    let order: Vec<LotId> = book.lots(POOL).iter().map(|lot| lot.id).collect();
    assert_eq!(order, vec![2, 3, 4, 1, 0]);
    let held = reserve(&mut book, "k", 4, 1);
    let EventKind::Reserved { draws, .. } = &held.events[0].kind else {
        panic!()
    };
    let drawn: Vec<LotId> = draws.iter().map(|d| d.lot).collect();
    assert_eq!(drawn, vec![2, 3, 4, 1]);
}

#[test]
fn commit_takes_the_charge_in_draw_order_and_returns_the_rest() {
    let mut book = Book::new(7, spec());
    book.grant(&pack("a", 5, Some(1_000), 0), 0);
    book.grant(&pack("b", 5, None, 0), 0);
    reserve(&mut book, "k", 8, 1);
    let committed = book.commit(&commit_req("k", 6), 2);
    let EventKind::Committed {
        charged_from,
        returned,
        ..
    } = &committed.events[0].kind
    else {
        panic!()
    };
    assert_eq!(
        charged_from.as_slice(),
        &[Draw { lot: 0, credits: 5 }, Draw { lot: 1, credits: 1 }]
    );
    assert_eq!(returned.as_slice(), &[Draw { lot: 1, credits: 2 }]);
    assert_eq!(book.totals(POOL), totals(10, 6, 0, 4, 0));
}

#[test]
fn idempotency_records_are_forgotten_after_retention() {
    let spec = AccountSpec {
        key_retention_ms: 1_000,
        ..spec()
    };
    let mut book = Book::new(7, spec);
    book.grant(&pack("pay", 1_000_000, None, 0), 0);
    reserve(&mut book, "k", 10, 0);
    let first = book.commit(&commit_req("k", 10), 10);
    assert_eq!(
        book.commit(&commit_req("k", 10), 1_009).outcome,
        first.outcome,
        "kept within the window"
    );
    assert_eq!(
        book.commit(&commit_req("k", 10), 1_010).outcome,
        CommitOutcome::NoHold,
        "forgotten after it"
    );
    let reused = reserve(&mut book, "k", 10, 1_011);
    assert!(
        matches!(reused.outcome, ReserveOutcome::Reserved { .. }),
        "a new request"
    );
    for step in 0..10_000u64 {
        let key = format!("s{step}");
        reserve(&mut book, &key, 1, 2_000 + step);
        book.commit(&commit_req(&key, 1), 2_000 + step);
    }
    assert!(
        book.key_records_len() <= 1_002,
        "{} records",
        book.key_records_len()
    );
}

#[test]
fn a_payment_delivered_again_long_after_the_retention_window_credits_once() {
    let spec = AccountSpec {
        key_retention_ms: 1_000,
        ..spec()
    };
    let mut book = Book::new(7, spec);
    let first = book.grant(&pack("pay", 500, None, 0), 0);
    let again = book.grant(&pack("pay", 500, None, 0), month(3));
    assert_eq!(again.outcome, first.outcome);
    assert!(again.events.is_empty(), "nothing journaled for the repeat");
    assert_eq!(book.balance(POOL).available, 500);
}

#[test]
fn spent_lots_leave_memory_but_totals_stay() {
    let mut book = Book::new(7, spec());
    for n in 0..100 {
        book.grant(&pack(&format!("p{n}"), 1, None, 0), 0);
        reserve(&mut book, &format!("k{n}"), 1, 1);
        book.commit(&commit_req(&format!("k{n}"), 1), 1);
    }
    assert!(book.lots(POOL).is_empty());
    assert_eq!(book.totals(POOL), totals(100, 100, 0, 0, 0));
}

#[test]
fn time_never_goes_back() {
    let mut book = book_with(100);
    book.advance(5_000);
    let held = reserve(&mut book, "k", 1, 10);
    assert_eq!(held.events[0].at_ms, 5_000);
    assert_eq!(
        held.outcome,
        ReserveOutcome::Reserved {
            held: 1,
            expires_at_ms: 5_000 + TTL_MS
        }
    );
}

/// A book with its whole journal, for replay tests.
struct Journaled {
    book: Book,
    journal: Vec<Event>,
}

impl Journaled {
    fn new(spec: AccountSpec) -> Journaled {
        Journaled {
            book: Book::new(7, spec),
            journal: Vec::new(),
        }
    }

    fn keep<O>(&mut self, applied: Applied<O>) -> O {
        self.journal.extend(applied.events);
        applied.outcome
    }

    fn replay(&self) -> Result<Book, ReplayError> {
        Book::replay(7, self.book.spec().clone(), &self.journal)
    }
}

use creditsim::ledger::ReplayError;

/// A small history touching every event kind.
fn busy_history() -> Journaled {
    let spec = AccountSpec {
        recurring: vec![monthly("pro", 100)],
        unlimited: set(&["speech"]),
        entitled: Some(set(&["image", "speech"])),
        warn_thresholds: vec![50],
        key_retention_ms: 1_000,
        anchor_ms: 0,
    };
    let mut j = Journaled::new(spec);
    let a = j.book.grant(&pack("pay", 20, Some(month(1) / 2), 0), 1);
    j.keep(a);
    for (n, now_ms) in [(0u64, 2), (1, 3), (2, 4)] {
        let r = j
            .book
            .reserve(&reserve_req(&format!("k{n}"), "image", 40), now_ms);
        j.keep(r);
    }
    let c = j.book.commit(&commit_req("k0", 30), 5);
    j.keep(c);
    let r = j.book.release(&release_req("k1"), 6);
    j.keep(r);
    let u = j.book.reserve(&reserve_req("u", "speech", 40), 7);
    j.keep(u);
    let n = j.book.reserve(&reserve_req("n", "video", 40), 7);
    j.keep(n);
    let t = j.book.reserve(
        &ReserveRequest {
            ttl_ms: month(1),
            ..reserve_req("t", "image", 30)
        },
        8,
    );
    j.keep(t);
    let adv = j.book.advance(month(2) + 5);
    j.journal.extend(adv);
    j
}

#[test]
fn replay_rebuilds_an_equal_book() {
    let j = busy_history();
    let kinds: BTreeSet<&str> = j.journal.iter().map(|e| kind_name(&e.kind)).collect();
    let all = [
        "Committed",
        "Expired",
        "Granted",
        "Rejected",
        "Released",
        "Reserved",
        "Unlimited",
        "Warning",
    ];
    assert_eq!(
        kinds,
        all.into_iter().collect(),
        "the history covers every event kind"
    );
    let mut replayed = j.replay().expect("replays");
    assert_eq!(replayed, j.book);
    assert!(replayed.advance(j.book.now_ms()).is_empty());
    assert_eq!(replayed, j.book);
}

fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Granted { .. } => "Granted",
        EventKind::Reserved { .. } => "Reserved",
        EventKind::Rejected { .. } => "Rejected",
        EventKind::Unlimited { .. } => "Unlimited",
        EventKind::Committed { .. } => "Committed",
        EventKind::Released { .. } => "Released",
        EventKind::Expired { .. } => "Expired",
        EventKind::Warning { .. } => "Warning",
    }
}

/// Replays `journal` after `corrupt` and returns the complaint.
fn replay_error(corrupt: impl FnOnce(&mut Vec<Event>)) -> ReplayError {
    let j = busy_history();
    let mut journal = j.journal.clone();
    corrupt(&mut journal);
    Book::replay(7, j.book.spec().clone(), &journal).expect_err("a corrupt journal is refused")
}

#[test]
fn replay_refuses_a_seq_gap() {
    let error = replay_error(|journal| {
        journal.remove(3);
    });
    assert_eq!(error.seq, 4);
}

#[test]
fn replay_refuses_an_unknown_lot() {
    let error = replay_error(|journal| {
        for event in journal.iter_mut() {
            if let EventKind::Reserved { draws, .. } = &mut event.kind {
                draws[0].lot = 99;
                return;
            }
        }
    });
    assert!(error.why.contains("lot 99"), "{error}");
}

#[test]
fn replay_refuses_an_overdraw() {
    let error = replay_error(|journal| {
        for event in journal.iter_mut() {
            if let EventKind::Reserved { draws, credits, .. } = &mut event.kind {
                draws[0].credits += 1_000;
                *credits += 1_000;
                return;
            }
        }
    });
    assert!(error.why.contains("fewer than drawn"), "{error}");
}

#[test]
fn replay_refuses_a_second_charge() {
    let error = replay_error(|journal| {
        let at = journal
            .iter()
            .position(|e| matches!(e.kind, EventKind::Committed { .. }));
        let at = at.expect("a commit");
        journal.truncate(at + 1);
        let mut again = journal[at].clone();
        again.seq += 1;
        journal.push(again);
    });
    assert!(error.why.contains("not open"), "{error}");
}

#[test]
fn replay_refuses_another_account() {
    let error = replay_error(|journal| journal[0].account = 8);
    assert_eq!(error.seq, 0);
}
