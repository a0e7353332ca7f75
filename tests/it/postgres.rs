//! The PostgreSQL ledger: the same contract as `Book`, event for event; the stress scenario
//! with every fault passes on each correct strategy and catches each flawed one by the
//! invariant it breaks; a connection killed mid-transaction and a server restarted mid-run
//! lose and double nothing. Runs against `DATABASE_URL`, else a throwaway server.

use std::collections::BTreeSet;
use std::sync::Arc;

use creditsim::backends::postgres::scratch::{FAST_SETTINGS, ScratchServer};
use creditsim::backends::{DatabaseOptions, PostgresLedger, Strategy};
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

/// Overrides for a stress run with every fault on the ledger `kind` at `url`.
fn on_database(kind: &str, url: &str, seed: u64, steps: u64) -> Overrides {
    Overrides {
        ledger: kind.parse().unwrap(),
        database: options(url),
        ..all_faults(seed, steps)
    }
}

/// Runs stress with every fault on the correct strategy `kind`, and asserts that every
/// invariant held while every fault, the kill mid-transaction included, happened.
fn passes(kind: &str) {
    let Some(url) = database_url() else { return };
    let ran = run("stress", on_database(kind, &url, 3, 6000));
    assert_eq!(ran.violated(), Vec::<String>::new(), "{kind}");
    for injected in [
        "retries",
        "duplicates",
        "crashes",
        "key_conflicts",
        "timed_out",
    ] {
        assert!(
            ran.count(injected) > 0,
            "{kind}: no {injected}: {:?}",
            ran.summary.counts
        );
    }
    let backend = &ran.summary.backend;
    assert!(backend["killed_mid_transaction"] > 0, "{kind}: {backend:?}");
    assert_eq!(backend["retries_exhausted"], 0, "{kind}: {backend:?}");
}

#[test]
fn the_row_lock_strategy_passes_stress_with_every_fault() {
    passes("postgres");
}

#[test]
fn the_serializable_strategy_passes_stress_with_every_fault() {
    passes("postgres-serializable");
}

#[test]
fn the_conditional_strategy_passes_stress_with_every_fault() {
    passes("postgres-conditional");
}

/// Runs stress on a flawed strategy with every fault, and asserts it is caught breaking
/// `invariant`.
fn caught(kind: &str, invariant: &str) {
    let Some(url) = database_url() else { return };
    let ran = run("stress", on_database(kind, &url, 1, 6000));
    assert!(!ran.summary.ok, "{kind} passed");
    let found = ran.violated();
    assert!(
        found.iter().any(|i| i == invariant),
        "{kind} should break {invariant}: {found:?}"
    );
}

#[test]
fn the_racy_strategy_is_caught_overdrawing() {
    caught("postgres-racy", "I1");
}

#[test]
fn the_no_dedup_strategy_is_caught_charging_twice() {
    caught("postgres-no-dedup", "I2");
}

#[test]
fn the_misreport_strategy_is_caught_refusing_undeserved() {
    caught("postgres-misreport", "I8");
}

/// How many rows `sql` counts on the database at `url`.
fn count(url: &str, sql: &str) -> i64 {
    runtime().block_on(async { connect(url).await.query_one(sql, &[]).await.unwrap().get(0) })
}

/// Runs `sql` on the database at `url`.
fn execute(url: &str, sql: &str) {
    runtime().block_on(async { connect(url).await.batch_execute(sql).await.unwrap() })
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

#[test]
fn the_run_schema_is_kept_for_inspection_unless_dropped() {
    let Some(url) = database_url() else { return };
    for (schema, drop) in [("kept_for_a_look", false), ("dropped_at_the_end", true)] {
        let mut overrides = on_database("postgres", &url, 1, 300);
        overrides.database.schema = Some(schema.to_string());
        overrides.database.drop = drop;
        let ran = run("stress", overrides);
        assert!(ran.summary.ok);
        let exists = format!("SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'");
        assert_eq!(count(&url, &exists), i64::from(!drop), "{schema}");
        if !drop {
            let events = format!("SELECT count(*) FROM {schema}.events");
            assert_eq!(count(&url, &events) as u64, ran.count("events"));
            execute(&url, &format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

#[test]
fn a_server_restarted_mid_run_loses_and_doubles_nothing() {
    if database_url().is_none() {
        return;
    }
    let server = ScratchServer::start(FAST_SETTINGS).unwrap();
    let url = server.url();
    let mut overrides = on_database("postgres", &url, 5, 4000);
    overrides.database.schema = Some("restarted".into());
    let restarted = std::thread::scope(|scope| {
        let restarter = scope.spawn(|| restart_once_busy(&server, "restarted", 1000));
        let ran = run("stress", overrides);
        (ran, restarter.join().unwrap())
    });
    let (ran, restarted) = restarted;
    assert!(restarted, "the run ended before the server was restarted");
    assert_eq!(ran.violated(), Vec::<String>::new());
    let backend = &ran.summary.backend;
    assert!(
        backend["connection_errors"] + backend["reconnect_waits"] > 0,
        "{backend:?}"
    );
    assert!(ran.count("retries") > 0);
}

/// Waits until the schema's journal holds `holds` holds, then restarts the server.
/// Whether it restarted it.
fn restart_once_busy(server: &ScratchServer, schema: &str, holds: i64) -> bool {
    let sql = format!(
        "SELECT CASE WHEN to_regclass('{schema}.holds') IS NULL THEN 0 \
         ELSE (SELECT count(*) FROM {schema}.holds) END"
    );
    let runtime = runtime();
    let busy = runtime.block_on(async {
        let client = connect(&server.url()).await;
        // Bounded: a run that never gets this busy ends the wait instead of hanging it.
        for _ in 0..20_000 {
            let seen: i64 = client
                .query_one(&sql, &[])
                .await
                .map_or(0, |row| row.get(0));
            if seen >= holds {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        false
    });
    busy && server.restart().is_ok()
}

#[test]
fn a_database_ledger_without_a_database_is_refused_with_what_to_pass() {
    let mut command = crate::support::creditsim();
    let scenario = crate::support::scenario("stress");
    command.args([
        "run",
        scenario.to_str().unwrap(),
        "--ledger",
        "postgres",
        "--steps",
        "10",
    ]);
    let output = crate::support::output_within_limit(command.env_remove("DATABASE_URL"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--database-url") && stderr.contains("DATABASE_URL"),
        "{stderr}"
    );
}

#[test]
fn a_database_run_cannot_be_deterministic() {
    let mut command = crate::support::creditsim();
    let scenario = crate::support::scenario("stress");
    let args = [
        "run",
        scenario.to_str().unwrap(),
        "--ledger",
        "postgres-conditional",
    ];
    command.args(args).arg("--deterministic");
    let output = crate::support::output_within_limit(&mut command);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--deterministic"), "{stderr}");
}
