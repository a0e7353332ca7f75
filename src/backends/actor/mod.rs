//! The actor backend, the correct `Ledger`: one supervised ractor actor per account, which
//! owns the account's `Book` and serializes every request to it.
//!
//! - `account`: the actor, a thin shell around one `Book`.
//! - `supervisor`: restarts a failed actor from its recovery log.
//! - `recovery`: the events a restarted actor replays.

mod account;
mod recovery;
mod supervisor;

use std::sync::Arc;

use async_trait::async_trait;
use ractor::{Actor, ActorRef, RpcReplyPort, rpc::CallResult};

pub use account::quiet_injected_crashes;
use account::{AccountArgs, AccountMsg};
use recovery::RecoveryLog;
use supervisor::{AccountRefs, AccountSupervisor, SupervisorArgs, SupervisorMsg};

use crate::ledger::*;

/// The account actors behind the `Ledger` seam.
pub struct ActorLedger {
    /// The current actor of each account.
    refs: Arc<AccountRefs>,
    /// The supervisor; stopping it stops every account actor.
    supervisor: ActorRef<SupervisorMsg>,
}

impl ActorLedger {
    /// Spawns the supervisor and one account actor per spec (account id = index), each
    /// sending its events to `sink`.
    pub async fn start(
        specs: Vec<AccountSpec>,
        sink: Arc<dyn EventSink>,
    ) -> Result<ActorLedger, LedgerError> {
        let refs = AccountRefs::new(specs.len());
        let accounts = (specs.into_iter().enumerate())
            .map(|(account, spec)| AccountArgs {
                account: account as AccountId,
                spec,
                recovery: Arc::new(RecoveryLog::default()),
                sink: sink.clone(),
            })
            .collect();
        let args = SupervisorArgs {
            accounts,
            refs: refs.clone(),
        };
        let (supervisor, _handle) =
            Actor::spawn(None, AccountSupervisor, args)
                .await
                .map_err(|err| LedgerError::Unavailable {
                    account: 0,
                    why: format!("the account supervisor did not start: {err}"),
                })?;
        Ok(ActorLedger { refs, supervisor })
    }

    async fn call<R: Send + 'static>(
        &self,
        account: AccountId,
        build: impl FnOnce(RpcReplyPort<R>) -> AccountMsg,
    ) -> Result<R, LedgerError> {
        let actor = self.actor(account)?;
        let unavailable = |why: &str| LedgerError::Unavailable {
            account,
            why: why.to_string(),
        };
        // No timeout: a timer per call cost about a tenth of a busy run's throughput, and a
        // reply cannot be lost without the call failing, since an actor that stops drops its
        // reply ports (`SenderError` below). The runner's watchdog catches an account that
        // stays alive but never answers.
        match actor.call(build, None).await {
            Ok(CallResult::Success(reply)) => Ok(reply),
            Ok(CallResult::Timeout) => Err(unavailable("the call timed out")),
            Ok(CallResult::SenderError) => Err(unavailable("the actor stopped before replying")),
            Err(_) => Err(unavailable("the actor is not running")),
        }
    }

    fn actor(&self, account: AccountId) -> Result<ActorRef<AccountMsg>, LedgerError> {
        if account as usize >= self.refs.len() {
            return Err(LedgerError::NoSuchAccount(account));
        }
        self.refs.get(account).ok_or(LedgerError::Unavailable {
            account,
            why: "the actor is not spawned".to_string(),
        })
    }
}

#[async_trait]
impl Ledger for ActorLedger {
    async fn reserve(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReserveRequest,
    ) -> Result<ReserveOutcome, LedgerError> {
        let msg = |reply| AccountMsg::Reserve(at_ms, req, reply);
        self.call(account, msg).await
    }

    async fn commit(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: CommitRequest,
    ) -> Result<CommitOutcome, LedgerError> {
        let msg = |reply| AccountMsg::Commit(at_ms, req, reply);
        self.call(account, msg).await
    }

    async fn release(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReleaseRequest,
    ) -> Result<ReleaseOutcome, LedgerError> {
        let msg = |reply| AccountMsg::Release(at_ms, req, reply);
        self.call(account, msg).await
    }

    async fn grant(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: GrantRequest,
    ) -> Result<GrantOutcome, LedgerError> {
        let msg = |reply| AccountMsg::Grant(at_ms, req, reply);
        self.call(account, msg).await
    }

    async fn balance(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        pool: Name,
    ) -> Result<Balance, LedgerError> {
        let msg = |reply| AccountMsg::Balance(at_ms, pool, reply);
        self.call(account, msg).await
    }

    async fn advance(&self, account: AccountId, to_ms: TimeMs) -> Result<(), LedgerError> {
        let msg = |reply| AccountMsg::Advance(to_ms, reply);
        self.call(account, msg).await
    }

    async fn close(&self, account: AccountId, end_ms: TimeMs) -> Result<(), LedgerError> {
        let msg = |reply| AccountMsg::Close(end_ms, reply);
        self.call(account, msg).await
    }

    async fn stop(&self) -> BackendStats {
        // Waiting for the supervisor's own stop makes sure no actor still appends to the
        // sink after the run has read it for the last time.
        let _ = self.supervisor.stop_and_wait(None, None).await;
        BackendStats::from([("restarts", self.refs.restarts())])
    }
}

#[async_trait]
impl Crashable for ActorLedger {
    async fn crash(&self, account: AccountId) -> Result<(), LedgerError> {
        let actor = self.actor(account)?;
        actor
            .cast(AccountMsg::Crash)
            .map_err(|_| LedgerError::Unavailable {
                account,
                why: "the actor is not running".to_string(),
            })
    }
}
