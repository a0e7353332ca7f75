//! Checker throughput: how many journal events per second the online checker absorbs, so
//! that the harness can keep it on in stress runs.
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use creditsim::check::Checker;
use creditsim::ledger::{DEFAULT_POOL, Draw, DrawList, Event, EventKind, Source};

/// `accounts` accounts, each granted a lot and then running `cycles` reserve→commit cycles,
/// interleaved across accounts as the online checker sees them.
fn journal(accounts: u32, cycles: u64) -> Vec<Event> {
    let mut events = Vec::new();
    let draw = |credits| DrawList::from_slice(&[Draw { lot: 0, credits }]);
    for account in 0..accounts {
        let kind = EventKind::Granted {
            key: smol_str::format_smolstr!("pay-{account}"),
            lot: 0,
            pool: DEFAULT_POOL.into(),
            source: Source::Pack,
            credits: 10 * cycles,
            expires_at_ms: None,
            priority: 0,
        };
        events.push(Event {
            account,
            seq: 0,
            at_ms: 0,
            kind,
        });
    }
    for cycle in 0..cycles {
        for account in 0..accounts {
            let key = smol_str::format_smolstr!("a{account}-s{cycle}");
            let seq = 1 + 2 * cycle;
            let reserved = EventKind::Reserved {
                key: key.clone(),
                pool: DEFAULT_POOL.into(),
                action: "video".into(),
                credits: 10,
                expires_at_ms: 60_000,
                draws: draw(10),
            };
            events.push(Event {
                account,
                seq,
                at_ms: cycle,
                kind: reserved,
            });
            let committed = EventKind::Committed {
                key,
                pool: DEFAULT_POOL.into(),
                charged: 7,
                charged_from: draw(7),
                returned: draw(3),
            };
            events.push(Event {
                account,
                seq: seq + 1,
                at_ms: cycle,
                kind: committed,
            });
        }
    }
    events
}

fn online_checker(c: &mut Criterion) {
    let events = journal(1000, 100);
    let mut group = c.benchmark_group("checker");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("observe 1000 accounts x 100 cycles", |b| {
        b.iter(|| {
            let mut checker = Checker::new();
            events.iter().for_each(|e| checker.observe(e));
            let verdict = checker.finish();
            assert!(verdict.ok());
        })
    });
    group.finish();
}

criterion_group!(benches, online_checker);
criterion_main!(benches);
