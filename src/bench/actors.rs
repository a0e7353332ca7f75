//! Actor figures on a multi-threaded tokio runtime: one hot account actor with many
//! concurrent callers, and its floor, a bare ractor actor doing no bookkeeping behind the
//! same two calls per cycle; and bare actors in the stress scenario's shape (one hot actor
//! beside many quiet ones), the floor of the stress run.

use std::sync::Arc;
use std::time::Instant;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::BenchError;
use super::ledger::rate;
use crate::backends::ActorLedger;
use crate::ledger::*;

/// A sink that drops the events: these figures are of the actor, not the journal.
struct Discard;

impl EventSink for Discard {
    fn append(&self, _account: AccountId, events: &mut Vec<Event>) {
        events.clear();
    }
}

/// A bare actor: a counter behind the same two calls per cycle as an account.
struct Bare;

/// The bare actor's two calls.
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

/// The shape of a set of callers: `callers` tasks, of which the first `hot` share actor 0
/// and each other one has an actor of its own, each running `cycles_per_caller` cycles.
#[derive(Clone, Copy, Debug)]
pub(super) struct Shape {
    /// Callers in all.
    pub callers: usize,
    /// Callers sharing actor 0.
    pub hot: usize,
    /// Reserve→commit cycles per caller.
    pub cycles_per_caller: usize,
}

impl Shape {
    /// How many actors the shape needs.
    pub(super) fn actors(self) -> usize {
        1 + self.callers - self.hot.min(self.callers)
    }

    fn actor_of(self, caller: usize) -> usize {
        caller.saturating_sub(self.hot.saturating_sub(1))
    }

    fn cycles(self) -> u64 {
        (self.callers * self.cycles_per_caller) as u64
    }
}

fn runtime(entry: &'static str) -> Result<tokio::runtime::Runtime, BenchError> {
    tokio::runtime::Runtime::new().map_err(|err| BenchError::failed(entry, err))
}

/// Cycles per second through bare actors in `shape` (spawning them is not timed).
pub(super) fn bare_cycles_per_s(entry: &'static str, shape: Shape) -> Result<f64, BenchError> {
    runtime(entry)?.block_on(async {
        let mut actors = Vec::with_capacity(shape.actors());
        for _ in 0..shape.actors() {
            let (actor, _) = (Actor::spawn(None, Bare, ()).await)
                .map_err(|err| BenchError::failed(entry, err))?;
            actors.push(actor);
        }
        let started = Instant::now();
        let tasks: Vec<_> = (0..shape.callers)
            .map(|caller| {
                let actor = actors[shape.actor_of(caller)].clone();
                tokio::spawn(async move {
                    for _ in 0..shape.cycles_per_caller {
                        ractor::call!(actor, BareMsg::Reserve, 5)?;
                        ractor::call!(actor, BareMsg::Commit, 5)?;
                    }
                    Ok::<_, ractor::RactorErr<BareMsg>>(())
                })
            })
            .collect();
        for task in tasks {
            let done = task.await.map_err(|err| BenchError::failed(entry, err))?;
            done.map_err(|err| BenchError::failed(entry, err))?;
        }
        let per_s = rate(shape.cycles(), started);
        actors.iter().for_each(|actor| actor.stop(None));
        Ok(per_s)
    })
}

/// Cycles per second through one account actor (the real backend, journal events dropped)
/// with `callers` concurrent callers, each running `cycles_per_caller` cycles under fresh
/// keys.
pub(super) fn hot_account_cycles_per_s(
    entry: &'static str,
    callers: usize,
    cycles_per_caller: usize,
) -> Result<f64, BenchError> {
    runtime(entry)?.block_on(async {
        let spec = AccountSpec {
            key_retention_ms: 1_000,
            ..AccountSpec::default()
        };
        let ledger = ActorLedger::start(vec![spec], Arc::new(Discard)).await;
        let ledger = Arc::new(ledger.map_err(|err| BenchError::failed(entry, err))?);
        let grant = GrantRequest {
            key: "bench".into(),
            pool: "credits".into(),
            credits: u64::MAX / 4,
            source: LotSource::Promotion,
            expires_at_ms: None,
            priority: 0,
        };
        (ledger.grant(0, 0, grant).await).map_err(|err| BenchError::failed(entry, err))?;
        let started = Instant::now();
        let tasks: Vec<_> = (0..callers)
            .map(|caller| {
                tokio::spawn(caller_cycles(
                    ledger.clone(),
                    caller,
                    cycles_per_caller,
                    started,
                ))
            })
            .collect();
        let mut committed = 0;
        for task in tasks {
            committed += task.await.map_err(|err| BenchError::failed(entry, err))?;
        }
        let per_s = rate((callers * cycles_per_caller) as u64, started);
        ledger.stop().await;
        match committed == callers * cycles_per_caller {
            true => Ok(per_s),
            false => Err(BenchError::failed(entry, "some cycles did not commit")),
        }
    })
}

/// One caller's cycles; returns how many committed. Each call carries the real ms since the
/// start as its time, so that idempotency records age and are pruned as in a long run.
async fn caller_cycles(
    ledger: Arc<ActorLedger>,
    caller: usize,
    cycles: usize,
    since: Instant,
) -> usize {
    let now_ms = || since.elapsed().as_millis() as TimeMs;
    let mut committed = 0;
    for i in 0..cycles {
        let key = smol_str::format_smolstr!("c{caller}-s{i}");
        let req = ReserveRequest {
            key: key.clone(),
            pool: "credits".into(),
            action: "image".into(),
            credits: 5,
            ttl_ms: 60_000,
        };
        let _ = ledger.reserve(0, now_ms(), req).await;
        let commit = CommitRequest { key, credits: 5 };
        let outcome = ledger.commit(0, now_ms(), commit).await;
        committed += usize::from(matches!(outcome, Ok(CommitOutcome::Committed { .. })));
    }
    committed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stress_shape_routes_the_hot_callers_to_one_actor() {
        let shape = Shape {
            callers: 3000,
            hot: 1000,
            cycles_per_caller: 1,
        };
        assert_eq!(shape.actors(), 2001);
        assert_eq!(shape.actor_of(0), 0);
        assert_eq!(shape.actor_of(999), 0);
        assert_eq!(shape.actor_of(1000), 1);
        assert_eq!(shape.actor_of(2999), 2000);
        let one = Shape {
            callers: 10,
            hot: 10,
            cycles_per_caller: 1,
        };
        assert_eq!((one.actors(), one.actor_of(9)), (1, 0));
    }
}
