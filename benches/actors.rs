//! Actor benchmarks: one hot account actor with many concurrent callers, beside a bare ractor
#![allow(missing_docs)] // criterion_group! generates undocumented items.
//! actor doing no bookkeeping with the same callers, measured in the same run so that the
//! ratio is meaningful on a shared, noisy machine.
//!
//! `cargo bench --bench actors`

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use creditsim::backends::ActorLedger;
use creditsim::ledger::{
    AccountId, AccountSpec, CommitRequest, Event, EventSink, GrantRequest, Ledger, LotSource,
    ReserveRequest, TimeMs,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

/// Concurrent callers per run, as in the stress scenario's hot workspace.
const CALLERS: usize = 1000;
/// Reserve→commit cycles per caller per iteration.
const CYCLES_PER_CALLER: usize = 20;

/// Real ms since the bench started, sent as each call's time, so that idempotency records
/// age and are pruned as in a long run (a frozen clock would let the key table grow without
/// bound and measure that).
fn elapsed_ms(since: Instant) -> TimeMs {
    since.elapsed().as_millis() as TimeMs
}

/// A sink that drops the events: the bench measures the actor, not the journal.
struct Discard;
impl EventSink for Discard {
    fn append(&self, _account: AccountId, events: &mut Vec<Event>) {
        events.clear();
    }
}

/// How long the bench account remembers keys: long enough for any retry in a cycle.
const BENCH_KEY_RETENTION_MS: TimeMs = 1_000;

/// A bare actor: a counter behind the same two calls per cycle.
struct Bare;
enum BareMsg {
    Reserve(u64, RpcReplyPort<bool>),
    Commit(u64, RpcReplyPort<u64>),
}
impl Actor for Bare {
    type Msg = BareMsg;
    type State = u64;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<BareMsg>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(u64::MAX)
    }
    async fn handle(
        &self,
        _: ActorRef<BareMsg>,
        msg: BareMsg,
        balance: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            BareMsg::Reserve(n, reply) => {
                *balance -= n;
                let _ = reply.send(true);
            }
            BareMsg::Commit(n, reply) => {
                let _ = reply.send(n);
            }
        }
        Ok(())
    }
}

/// The stress scenario's shape: one hot actor with 1000 callers beside 2000 actors with one
/// caller each.
const STRESS_ORDINARY: usize = 2000;

/// Which actor caller `caller` calls in the stress shape: the first `CALLERS` share actor 0.
fn stress_route(caller: usize) -> usize {
    caller.saturating_sub(CALLERS - 1)
}

async fn bare_cycles(actors: &[ActorRef<BareMsg>], callers: usize, route: fn(usize) -> usize) {
    let tasks: Vec<_> = (0..callers)
        .map(|caller| {
            let actor = actors[route(caller)].clone();
            tokio::spawn(async move {
                for _ in 0..CYCLES_PER_CALLER {
                    ractor::call!(actor, BareMsg::Reserve, 5).unwrap();
                    ractor::call!(actor, BareMsg::Commit, 5).unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

async fn account_cycles(ledger: &Arc<ActorLedger>, round: u64, since: Instant) {
    let tasks: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                for i in 0..CYCLES_PER_CALLER {
                    let key = smol_str::format_smolstr!("r{round}-c{caller}-s{i}");
                    let req = ReserveRequest {
                        key: key.clone(),
                        pool: "credits".into(),
                        action: "image".into(),
                        credits: 5,
                        ttl_ms: 60_000,
                    };
                    ledger.reserve(0, elapsed_ms(since), req).await.unwrap();
                    let commit = CommitRequest { key, credits: 5 };
                    ledger.commit(0, elapsed_ms(since), commit).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

fn hot_actor(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("hot_actor_1000_callers");
    group.throughput(Throughput::Elements((CALLERS * CYCLES_PER_CALLER) as u64));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(10);

    let bare = runtime.block_on(async { vec![Actor::spawn(None, Bare, ()).await.unwrap().0] });
    group.bench_function("bare_ractor", |b| {
        b.to_async(&runtime)
            .iter(|| bare_cycles(&bare, CALLERS, |_| 0))
    });

    let ledger = runtime.block_on(async {
        let spec = AccountSpec {
            key_retention_ms: BENCH_KEY_RETENTION_MS,
            entitled: None,
            unlimited: BTreeSet::new(),
            ..AccountSpec::default()
        };
        let ledger = ActorLedger::start(vec![spec], Arc::new(Discard));
        let ledger = Arc::new(ledger.await.unwrap());
        let grant = GrantRequest {
            key: "bench".into(),
            pool: "credits".into(),
            credits: u64::MAX / 4,
            source: LotSource::Promotion,
            expires_at_ms: None,
            priority: 0,
        };
        ledger.grant(0, 0, grant).await.unwrap();
        ledger
    });
    let since = Instant::now();
    let mut round = 0;
    group.bench_function("account_actor", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let ledger = ledger.clone();
            round += 1;
            let base = round * 1_000_000;
            async move {
                let start = Instant::now();
                for i in 0..iters {
                    account_cycles(&ledger, base + i, since).await;
                }
                start.elapsed()
            }
        })
    });
    group.finish();
}

/// Bare ractor actors in the stress scenario's shape (2001 actors, 3000 callers), the
/// baseline for `creditsim run scenarios/stress.toml`'s cycles/s.
fn stress_shape(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let callers = CALLERS + STRESS_ORDINARY;
    let mut group = c.benchmark_group("stress_shape_bare_ractor");
    group.throughput(Throughput::Elements((callers * CYCLES_PER_CALLER) as u64));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(10);
    let actors = runtime.block_on(async {
        let mut actors = Vec::with_capacity(STRESS_ORDINARY + 1);
        for _ in 0..=STRESS_ORDINARY {
            actors.push(Actor::spawn(None, Bare, ()).await.unwrap().0);
        }
        actors
    });
    group.bench_function("2001_actors_3000_callers", |b| {
        b.to_async(&runtime)
            .iter(|| bare_cycles(&actors, callers, stress_route))
    });
    group.finish();
}

criterion_group!(benches, hot_actor, stress_shape);
criterion_main!(benches);
