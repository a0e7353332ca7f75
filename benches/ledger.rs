//! Ledger benchmarks: reserve→commit cycles per second through `ledger::Book` on one account,
//! against three plain `HashMap` ledgers measured in the same run, each doing a little more of
//! what `Book` does: a balance check-and-debit only; plus a hold kept under the request's key;
//! plus the cycle's two journal events. The ratios show what holds, events and `Book`'s rules
//! (idempotency retention, timeouts, lots, replay checks) each cost.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use creditsim::ledger::*;
use creditsim::pricing::DEFAULT_POOL;
use criterion::{Criterion, Throughput, criterion_main};

/// Credits per cycle; the price of a typical image.
const COST: Credits = 5;

/// Request keys built before measuring, so that no loop times the text formatting of a
/// key (the caller's work, not the ledger's). Far more keys than a book remembers at once
/// (about 1000 here), so a key comes round again long after its record was forgotten.
struct KeyRing(Vec<Key>);

impl KeyRing {
    const LEN: u64 = 1 << 16;

    fn new() -> KeyRing {
        KeyRing(
            (0..KeyRing::LEN)
                .map(|step| smol_str::format_smolstr!("a0-s{step}"))
                .collect(),
        )
    }

    fn key(&self, step: u64) -> Key {
        self.0[(step % KeyRing::LEN) as usize].clone()
    }
}

/// `Book` on one account with a large never-expiring lot. Virtual time moves 1 ms per cycle
/// and idempotency records are kept for 1 s, so the key table stays at a steady ~1000.
fn book_cycles(c: &mut Criterion) {
    let spec = AccountSpec {
        key_retention_ms: 1_000,
        ..AccountSpec::default()
    };
    let mut book = Book::new(0, spec);
    let grant = GrantRequest {
        key: "pack".into(),
        pool: DEFAULT_POOL.into(),
        credits: Credits::MAX / 2,
        source: LotSource::Pack,
        expires_at_ms: None,
        priority: 0,
    };
    book.grant(&grant, 0);
    let mut req = ReserveRequest {
        key: Key::default(),
        pool: DEFAULT_POOL.into(),
        action: "image".into(),
        credits: COST,
        ttl_ms: 60_000,
    };
    let keys = KeyRing::new();
    let mut step: u64 = 0;
    // One reused event buffer, as the account actor keeps one.
    let mut events = Vec::new();
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1));
    group.bench_function("book_reserve_commit", |b| {
        b.iter(|| {
            step += 1;
            req.key = keys.key(step);
            let reserved = book.reserve_into(&req, step, &mut events);
            let commit = CommitRequest {
                key: req.key.clone(),
                credits: COST,
            };
            let committed = book.commit_into(&commit, step, &mut events);
            black_box((reserved, committed, &events));
            events.clear();
        })
    });
    group.finish();
}

/// The baseline: the same check-and-debit on a plain map of balances, with no holds, no
/// idempotency and no journal.
fn hashmap_cycles(c: &mut Criterion) {
    let mut balances: HashMap<String, u64> = HashMap::new();
    balances.insert("a0".into(), Credits::MAX / 2);
    let account = String::from("a0");
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hashmap_reserve_commit", |b| {
        b.iter(|| {
            let balance = balances
                .get_mut(black_box(account.as_str()))
                .expect("account");
            let reserved = *balance >= COST;
            if reserved {
                *balance -= COST;
            }
            let charged = black_box(COST);
            let balance = balances
                .get_mut(black_box(account.as_str()))
                .expect("account");
            *balance += COST - charged;
            black_box(reserved);
        })
    });
    group.finish();
}

/// Whether a hold-keeping map baseline also builds the cycle's journal events.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Journal {
    Off,
    On,
}

/// The same cycle on a plain map ledger that does keep holds: the reserve debits the balance
/// and records the hold under the request's fresh key (taken from a `KeyRing` as in
/// `book_cycles`), and the commit takes the hold back out and returns what it did not charge.
/// No idempotency retention and no rules. This is the smallest ledger with reserve→commit
/// semantics, closer to what DESIGN.md's "plain HashMap ledger" reference figure measures
/// than the balance-only loop above.
///
/// With `Journal::On` it also builds the two journal events a cycle produces (`Reserved`,
/// `Committed`) into a reused buffer, as `Book` must. With the balance-only loop this makes
/// a ladder: what the holds cost, then what the events cost, and what is left of `Book`'s
/// figure is its rules (idempotency retention, timeouts, lots, replay checks).
fn hashmap_holds_cycles(c: &mut Criterion, name: &str, journal: Journal) {
    let mut balances: HashMap<String, u64> = HashMap::new();
    balances.insert("a0".into(), Credits::MAX / 2);
    let mut holds: HashMap<Key, Credits> = HashMap::new();
    let account = String::from("a0");
    let keys = KeyRing::new();
    let pool: Name = DEFAULT_POOL.into();
    let action: Name = "image".into();
    let mut events: Vec<Event> = Vec::new();
    let mut step: u64 = 0;
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |b| {
        b.iter(|| {
            step += 1;
            let key = keys.key(step);
            let balance = balances
                .get_mut(black_box(account.as_str()))
                .expect("account");
            let reserved = *balance >= COST;
            if reserved {
                *balance -= COST;
                holds.insert(key.clone(), COST);
                if journal == Journal::On {
                    let draws = DrawList::from_slice(&[Draw {
                        lot: 0,
                        credits: COST,
                    }]);
                    let kind = EventKind::Reserved {
                        key: key.clone(),
                        pool: pool.clone(),
                        action: action.clone(),
                        credits: COST,
                        expires_at_ms: step + 60_000,
                        draws,
                    };
                    events.push(bench_event(step * 2, step, kind));
                }
            }
            let charged = black_box(COST);
            if let Some(held) = holds.remove(black_box(key.as_str())) {
                let balance = balances
                    .get_mut(black_box(account.as_str()))
                    .expect("account");
                *balance += held - charged;
                if journal == Journal::On {
                    let kind = EventKind::Committed {
                        key,
                        pool: pool.clone(),
                        charged,
                        charged_from: DrawList::from_slice(&[Draw {
                            lot: 0,
                            credits: charged,
                        }]),
                        returned: DrawList::new(),
                    };
                    events.push(bench_event(step * 2 + 1, step, kind));
                }
            }
            black_box((reserved, &events));
            events.clear();
        })
    });
    group.finish();
}

/// An event of account 0.
fn bench_event(seq: u64, at_ms: TimeMs, kind: EventKind) -> Event {
    Event {
        account: 0,
        seq,
        at_ms,
        kind,
    }
}

fn short() -> Criterion {
    let time = Duration::from_secs(3);
    Criterion::default()
        .measurement_time(time)
        .warm_up_time(Duration::from_secs(1))
}

/// Runs the benchmarks with a short measurement time (written out rather than through
/// `criterion_group!`, which generates an undocumented public function).
fn benches() {
    let mut criterion = short().configure_from_args();
    book_cycles(&mut criterion);
    hashmap_cycles(&mut criterion);
    hashmap_holds_cycles(&mut criterion, "hashmap_holds_reserve_commit", Journal::Off);
    hashmap_holds_cycles(
        &mut criterion,
        "hashmap_holds_events_reserve_commit",
        Journal::On,
    );
}

criterion_main!(benches);
