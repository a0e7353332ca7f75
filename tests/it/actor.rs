//! The account actor under load, and its restart from its own log.

use std::sync::Arc;

use creditsim::ledger::actor::AccountArgs;
use creditsim::ledger::{
    AccountLog, AccountSpec, ActorLedger, Clock, CommitOutcome, GrantRequest, Key, Ledger,
    LedgerError, ReleaseOutcome, ReserveOutcome, ReserveRequest, Source, TimeMs,
};

struct FrozenClock;
impl Clock for FrozenClock {
    fn now_ms(&self) -> TimeMs {
        0
    }
}

const GRANTED: u64 = 10_000;

async fn one_account() -> (Arc<ActorLedger>, Arc<AccountLog>) {
    let log = AccountLog::new(0, None);
    let args = AccountArgs {
        spec: AccountSpec {
            key_retention_ms: 3_600_000,
            ..AccountSpec::default()
        },
        clock: Arc::new(FrozenClock),
        log: log.clone(),
    };
    let ledger = Arc::new(ActorLedger::start(vec![args]).await.unwrap());
    let grant = GrantRequest {
        key: "pack-1".into(),
        pool: "credits".into(),
        credits: GRANTED,
        source: Source::Pack,
        expires_at_ms: None,
        priority: 2,
    };
    ledger.grant(0, grant).await.unwrap();
    (ledger, log)
}

fn reserve(key: &str, credits: u64) -> ReserveRequest {
    ReserveRequest {
        key: key.into(),
        pool: "credits".into(),
        action: "image".into(),
        credits,
        ttl_ms: 60_000,
    }
}

/// What one task was told it was charged, summed over its cycles.
async fn task(ledger: Arc<ActorLedger>, task: u64) -> u64 {
    let mut charged = 0;
    for step in 0..20u64 {
        let key: Key = smol_str::format_smolstr!("t{task}-s{step}");
        let credits = 1 + (task + step) % 7;
        match ledger.reserve(0, reserve(&key, credits)).await.unwrap() {
            ReserveOutcome::Reserved { held, .. } => {
                assert_eq!(held, credits);
                if step % 4 == 3 {
                    let reply = ledger.release(0, key).await.unwrap();
                    assert_eq!(reply, ReleaseOutcome::Released { returned: credits });
                } else {
                    let actual = credits - step % 2;
                    match ledger.commit(0, key, actual).await.unwrap() {
                        CommitOutcome::Committed { charged: c, .. } => charged += c,
                        other => panic!("commit of an open hold answered {other:?}"),
                    }
                }
            }
            ReserveOutcome::Insufficient { .. } => {}
            other => panic!("reserve answered {other:?}"),
        }
    }
    charged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_tasks_agree_with_the_final_balance() {
    let (ledger, log) = one_account().await;
    let tasks: Vec<_> = (0..400)
        .map(|t| tokio::spawn(task(ledger.clone(), t)))
        .collect();
    let mut told_charged = 0;
    for t in tasks {
        told_charged += t.await.unwrap();
    }
    let balance = ledger.balance(0, "credits".into()).await.unwrap();
    assert_eq!(balance.held, 0);
    assert_eq!(balance.available + told_charged, GRANTED);
    // The journal agrees too: replaying it gives the same balance.
    let replayed =
        creditsim::ledger::Book::replay(0, AccountSpec::default(), &log.events()).unwrap();
    assert_eq!(replayed.balance("credits"), balance);
    ledger.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_actor_restarts_from_its_log_without_losing_or_doubling_a_charge() {
    let (ledger, _log) = one_account().await;
    ledger.reserve(0, reserve("k1", 30)).await.unwrap();
    let first = ledger.commit(0, "k1".into(), 30).await.unwrap();
    ledger.reserve(0, reserve("k2", 50)).await.unwrap();

    ledger.inject_crash(0).await.unwrap();
    // Calls racing the restart either fail (and are retried) or reach the new actor.
    let mut retried = None;
    for _ in 0..100 {
        match ledger.commit(0, "k1".into(), 30).await {
            Ok(reply) => {
                retried = Some(reply);
                break;
            }
            Err(LedgerError::Unavailable { .. }) => {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        retried,
        Some(first),
        "a retried commit returns the first outcome"
    );
    assert_eq!(ledger.restarts(), 1);
    let balance = ledger.balance(0, "credits".into()).await.unwrap();
    assert_eq!(
        balance,
        creditsim::ledger::Balance {
            available: GRANTED - 80,
            held: 50
        }
    );
    ledger.stop();
}
