//! The PostgreSQL ledger: the same contract as `Book`, event for event; the stress scenario
//! with every fault passes on each correct strategy and catches each flawed one by the
//! invariant it breaks; a connection killed mid-transaction and a server restarted mid-run
//! lose and double nothing. Runs against `DATABASE_URL`, else a throwaway server.

use std::collections::BTreeSet;
use std::sync::Arc;

use creditsim::backends::postgres::scratch::{FAST_SETTINGS, ScratchServer};
use creditsim::backends::{DatabaseOptions, LedgerKind, PostgresLedger, Strategy};
use creditsim::ledger::*;
use creditsim::runner::Overrides;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::support::{Collect, all_faults, database_url, run};

const HOUR_MS: TimeMs = 3600 * 1000;
const DAY_MS: TimeMs = 24 * HOUR_MS;
/// 31 January 2026: the next month is shorter, so renewals exercise the clamped day.
const JAN31_MS: TimeMs = 1_769_817_600_000;

/// Options for a fresh schema on the test database, dropped at the end.
fn options(url: &str) -> DatabaseOptions {
    DatabaseOptions {
        url: Some(url.to_string()),
        drop: true,
        pool_size: Some(4),
        ..DatabaseOptions::default()
    }
}

fn recurring(label: &str, pool: &str, credits: Credits, every: u32, cycle: u32) -> RecurringGrant {
    RecurringGrant {
        label: label.into(),
        source: LotSource::Allowance,
        pool: pool.into(),
        credits,
        every_months: every,
        cycle_months: cycle,
        priority: 0,
    }
}

/// Three accounts that between them use every rule: monthly and annual renewals with
/// add-ons, warnings, a short key retention, unlimited and excluded actions.
fn specs() -> Vec<AccountSpec> {
    let mut addon = recurring("addon", "credits", 40, 1, 12);
    addon.source = LotSource::Addon;
    addon.priority = 1;
    let monthly = AccountSpec {
        anchor_ms: JAN31_MS,
        recurring: vec![recurring("plan", "credits", 150, 1, 1), addon],
        unlimited: BTreeSet::from(["speech".to_string()]),
        warn_thresholds: vec![100, 10],
        key_retention_ms: 2 * HOUR_MS,
        ..AccountSpec::default()
    };
    let entitled = AccountSpec {
        anchor_ms: JAN31_MS,
        recurring: vec![recurring("scan", "scan", 5, 1, 1)],
        entitled: Some(BTreeSet::from(["image".to_string(), "video".to_string()])),
        key_retention_ms: DAY_MS,
        ..AccountSpec::default()
    };
    let annual = AccountSpec {
        anchor_ms: JAN31_MS,
        recurring: vec![
            recurring("year", "credits", 900, 12, 12),
            recurring("once", "credits", 30, 0, 0),
        ],
        warn_thresholds: vec![500],
        key_retention_ms: DAY_MS,
        ..AccountSpec::default()
    };
    vec![monthly, entitled, annual]
}

/// One call of the seam, drawn at random.
#[derive(Clone, Debug)]
enum Op {
    Reserve(ReserveRequest),
    Commit(CommitRequest),
    Release(ReleaseRequest),
    Grant(GrantRequest),
    Balance(Name),
    Advance,
    Close,
}

fn pick<'a>(rng: &mut Xoshiro256PlusPlus, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// A random call at a random time: keys from a small set, so that repeats, conflicts and
/// reuse after retention happen; times that jump by milliseconds up to months, and now and
/// then go back.
fn random_op(rng: &mut Xoshiro256PlusPlus, now_ms: &mut TimeMs) -> (AccountId, TimeMs, Op) {
    let jumps = [0, 1, 40, 3000, 2 * HOUR_MS + 1, 20 * DAY_MS, 31 * DAY_MS];
    *now_ms += jumps[rng.random_range(0..jumps.len())];
    let at_ms = match rng.random_range(0..10) {
        0 => now_ms.saturating_sub(5000),
        _ => *now_ms,
    };
    let key: Key = format!("k{}", rng.random_range(0..8)).into();
    let pool: Name = pick(rng, &["credits", "credits", "credits", "scan"]).into();
    let op = match rng.random_range(0..20) {
        0..=6 => Op::Reserve(ReserveRequest {
            key,
            pool,
            action: pick(rng, &["image", "video", "regenerate", "speech"]).into(),
            credits: rng.random_range(0..120),
            ttl_ms: [0, 50, 5000, 40 * DAY_MS][rng.random_range(0..4)],
        }),
        7..=10 => Op::Commit(CommitRequest {
            key,
            credits: rng.random_range(0..70),
        }),
        11..=13 => Op::Release(ReleaseRequest { key }),
        14..=15 => Op::Grant(GrantRequest {
            key: format!("g{}", rng.random_range(0..4)).into(),
            pool,
            credits: rng.random_range(0..300),
            source: [LotSource::Pack, LotSource::Promotion][rng.random_range(0..2)],
            expires_at_ms: match rng.random_range(0..3) {
                0 => None,
                1 => Some(now_ms.saturating_sub(10)),
                _ => Some(*now_ms + rng.random_range(1..60 * DAY_MS)),
            },
            priority: rng.random_range(0..3),
        }),
        16 => Op::Balance(pool),
        17..=18 => Op::Advance,
        _ => Op::Close,
    };
    (rng.random_range(0..3), at_ms, op)
}

/// What `Book` answers, as text, and the events it appends to `events`.
fn on_book(book: &mut Book, at_ms: TimeMs, op: &Op, events: &mut Vec<Event>) -> String {
    match op {
        Op::Reserve(req) => format!("{:?}", book.reserve_into(req, at_ms, events)),
        Op::Commit(req) => format!("{:?}", book.commit_into(req, at_ms, events)),
        Op::Release(req) => format!("{:?}", book.release_into(req, at_ms, events)),
        Op::Grant(req) => format!("{:?}", book.grant_into(req, at_ms, events)),
        Op::Balance(pool) => {
            book.advance_into(at_ms, events);
            format!("{:?}", book.balance(pool))
        }
        Op::Advance => format!("{:?}", book.advance_into(at_ms, events)),
        Op::Close => format!("{:?}", book.close_into(at_ms, events)),
    }
}

/// What the database answers, as text.
async fn on_ledger(ledger: &PostgresLedger, account: AccountId, at_ms: TimeMs, op: &Op) -> String {
    let text = match op.clone() {
        Op::Reserve(req) => ledger
            .reserve(account, at_ms, req)
            .await
            .map(|o| format!("{o:?}")),
        Op::Commit(req) => ledger
            .commit(account, at_ms, req)
            .await
            .map(|o| format!("{o:?}")),
        Op::Release(req) => ledger
            .release(account, at_ms, req)
            .await
            .map(|o| format!("{o:?}")),
        Op::Grant(req) => ledger
            .grant(account, at_ms, req)
            .await
            .map(|o| format!("{o:?}")),
        Op::Balance(pool) => ledger
            .balance(account, at_ms, pool)
            .await
            .map(|o| format!("{o:?}")),
        Op::Advance => ledger
            .advance(account, at_ms)
            .await
            .map(|o| format!("{o:?}")),
        Op::Close => ledger.close(account, at_ms).await.map(|o| format!("{o:?}")),
    };
    text.unwrap_or_else(|err| panic!("{op:?}: {err}"))
}

/// Runs `ops` random calls of `seed` against `Book` and against the database with
/// `strategy`, one at a time, and asserts the same outcome for every call and the same
/// journal, event for event.
async fn same_as_book(url: &str, strategy: Strategy, seed: u64, ops: usize) -> BTreeSet<String> {
    let specs = specs();
    let sink = Arc::new(Collect::default());
    let ledger = PostgresLedger::start(strategy, &options(url), specs.clone(), sink.clone())
        .await
        .unwrap();
    let mut books: Vec<Book> = (specs.iter().cloned().enumerate())
        .map(|(id, spec)| Book::new(id as AccountId, spec))
        .collect();
    let mut book_events = Vec::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut now_ms = JAN31_MS - 1000;
    for step in 0..ops {
        let (account, at_ms, op) = random_op(&mut rng, &mut now_ms);
        let book = &mut books[account as usize];
        let expected = on_book(book, at_ms, &op, &mut book_events);
        let got = on_ledger(&ledger, account, at_ms, &op).await;
        let context =
            format!("{strategy:?} seed {seed} step {step}: {op:?} at {at_ms} on {account}");
        assert_eq!(got, expected, "{context}");
        let journal = sink.events();
        assert_eq!(journal.len(), book_events.len(), "{context}: {journal:#?}");
        assert_eq!(journal.last(), book_events.last(), "{context}");
    }
    assert_eq!(sink.events(), book_events, "{strategy:?} seed {seed}");
    ledger.stop().await;
    book_events
        .iter()
        .map(|event| kind_name(&event.kind))
        .collect()
}

/// An event kind's name, to show that a test exercised every kind.
fn kind_name(kind: &EventKind) -> String {
    let text = format!("{kind:?}");
    text.split([' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn each_correct_strategy_answers_and_journals_exactly_as_book_does() {
    let Some(url) = database_url() else { return };
    runtime().block_on(async {
        for strategy in [
            Strategy::RowLock,
            Strategy::Serializable,
            Strategy::Conditional,
        ] {
            let mut kinds = BTreeSet::new();
            for seed in 1..=3 {
                kinds.extend(same_as_book(&url, strategy, seed, 500).await);
            }
            assert_eq!(
                kinds.len(),
                8,
                "{strategy:?}: not every kind of event: {kinds:?}"
            );
        }
    });
}
