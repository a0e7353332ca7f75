//! The account actor under load, and its restart from its own log.

use std::sync::Arc;

use creditsim::backends::ActorLedger;
use creditsim::ledger::{
    AccountSpec, Balance, CommitOutcome, CommitRequest, Crashable, GrantRequest, Key, Ledger,
    LedgerError, LotSource, ReleaseOutcome, ReleaseRequest, ReserveOutcome, ReserveRequest,
};

use crate::support::Collect;

const GRANTED: u64 = 10_000;

async fn one_account() -> (Arc<ActorLedger>, Arc<Collect>) {
    let spec = AccountSpec {
        key_retention_ms: 3_600_000,
        ..AccountSpec::default()
    };
    let sink = Arc::new(Collect::default());
    let ledger = Arc::new(ActorLedger::start(vec![spec], sink.clone()).await.unwrap());
    let grant = GrantRequest {
        key: "pack-1".into(),
        pool: "credits".into(),
        credits: GRANTED,
        source: LotSource::Pack,
        expires_at_ms: None,
        priority: 2,
    };
    ledger.grant(0, 0, grant).await.unwrap();
    (ledger, sink)
}

fn commit(key: &str, credits: u64) -> CommitRequest {
    let key = key.into();
    CommitRequest { key, credits }
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
        match ledger.reserve(0, 0, reserve(&key, credits)).await.unwrap() {
            ReserveOutcome::Reserved { held, .. } => {
                assert_eq!(held, credits);
                if step % 4 == 3 {
                    let reply = ledger.release(0, 0, ReleaseRequest { key }).await.unwrap();
                    assert_eq!(reply, ReleaseOutcome::Released { returned: credits });
                } else {
                    let actual = credits - step % 2;
                    match ledger.commit(0, 0, commit(&key, actual)).await.unwrap() {
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
    let (ledger, sink) = one_account().await;
    let tasks: Vec<_> = (0..400)
        .map(|t| tokio::spawn(task(ledger.clone(), t)))
        .collect();
    let mut told_charged = 0;
    for t in tasks {
        told_charged += t.await.unwrap();
    }
    let balance = ledger.balance(0, 0, "credits".into()).await.unwrap();
    assert_eq!(balance.held, 0);
    assert_eq!(balance.available + told_charged, GRANTED);
    // The journal agrees too: replaying it gives the same balance.
    let replayed =
        creditsim::ledger::Book::replay(0, AccountSpec::default(), &sink.events()).unwrap();
    assert_eq!(replayed.balance("credits"), balance);
    ledger.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_actor_restarts_from_its_log_without_losing_or_doubling_a_charge() {
    let (ledger, _sink) = one_account().await;
    ledger.reserve(0, 0, reserve("k1", 30)).await.unwrap();
    let first = ledger.commit(0, 0, commit("k1", 30)).await.unwrap();
    ledger.reserve(0, 0, reserve("k2", 50)).await.unwrap();

    ledger.crash(0).await.unwrap();
    // Calls racing the restart either fail (and are retried) or reach the new actor.
    let mut retried = None;
    for _ in 0..100 {
        match ledger.commit(0, 0, commit("k1", 30)).await {
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
    let balance = ledger.balance(0, 0, "credits".into()).await.unwrap();
    let expected = Balance {
        available: GRANTED - 80,
        held: 50,
    };
    assert_eq!(balance, expected);
    assert_eq!(ledger.stop().await["restarts"], 1);
}
