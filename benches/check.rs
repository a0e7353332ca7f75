//! Checker throughput: how many journal events per second the online checker absorbs, so
//! that the harness can keep it on in stress runs.
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use creditsim::check::{Checker, StepRecord, Told};
use creditsim::ledger::{Draw, DrawList, Event, EventKind, LotSource};
use creditsim::pricing::DEFAULT_POOL;

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
            source: LotSource::Pack,
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

/// The shape of `scenarios/stress.toml`: one hot account that takes a third of the cycles,
/// beside `accounts` quiet ones, each cycle followed by its agent's step record, as the
/// online checker sees them. The hot account's key map grows to tens of thousands of keys.
fn stress_shaped(accounts: u32, cycles: u64) -> (Vec<Event>, Vec<StepRecord>) {
    let quiet = journal(accounts, cycles / (3 * u64::from(accounts)));
    let mut hot = journal(1, cycles / 3);
    for event in &mut hot {
        event.account = accounts;
    }
    let mut events = quiet;
    events.extend(hot);
    let steps = events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::Committed { key, charged, .. } => Some(StepRecord {
                agent: event.account,
                account: event.account,
                key: key.clone(),
                action: "video".into(),
                params: "".into(),
                quote_min: 7,
                quote_max: 10,
                failed: false,
                told: Told::Charged(*charged),
            }),
            _ => None,
        })
        .collect();
    (events, steps)
}

fn online_checker_stress_shape(c: &mut Criterion) {
    let (events, steps) = stress_shaped(2000, 100_000);
    let mut group = c.benchmark_group("checker");
    group.throughput(Throughput::Elements(steps.len() as u64));
    group.sample_size(10);
    group.bench_function("stress shape: events and steps per cycle", |b| {
        b.iter(|| {
            let mut checker = Checker::new();
            let mut steps = steps.iter();
            for event in &events {
                checker.observe(event);
                if matches!(event.kind, EventKind::Committed { .. })
                    && let Some(step) = steps.next()
                {
                    checker.observe_step(step);
                }
            }
            let verdict = checker.finish();
            assert!(verdict.ok());
        })
    });
    group.finish();
}

criterion_group!(benches, online_checker, online_checker_stress_shape);
criterion_main!(benches);
