//! Ledger benchmarks: reserve→commit cycles per second through `ledger::Book` on one account,
//! against a plain `HashMap<String, u64>` check-and-debit ledger measured in the same run, so
//! the ratio shows what the rules, the journal events and idempotency cost.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use creditsim::ledger::*;
use criterion::{Criterion, Throughput, criterion_main};

/// Credits per cycle; the price of a typical image.
const COST: Credits = 5;

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
        source: Source::Pack,
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
    let mut step: u64 = 0;
    // One reused event buffer, as the account actor keeps one.
    let mut events = Vec::new();
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(1));
    group.bench_function("book_reserve_commit", |b| {
        b.iter(|| {
            step += 1;
            req.key = smol_str::format_smolstr!("a0-s{step}");
            let reserved = book.reserve_into(&req, step, &mut events);
            let committed = book.commit_into(&req.key, COST, step, &mut events);
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

fn short() -> Criterion {
    let time = Duration::from_secs(3);
    Criterion::default()
        .measurement_time(time)
        .warm_up_time(Duration::from_secs(1))
}

/// Runs both benchmarks with a short measurement time (written out rather than through
/// `criterion_group!`, which generates an undocumented public function).
fn benches() {
    let mut criterion = short().configure_from_args();
    book_cycles(&mut criterion);
    hashmap_cycles(&mut criterion);
}

criterion_main!(benches);
