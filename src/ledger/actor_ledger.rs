//! `ActorLedger`: the correct `Ledger`, one supervised account actor per account.

use std::sync::Arc;

use async_trait::async_trait;
use ractor::{Actor, ActorRef, RpcReplyPort, rpc::CallResult};

use super::actor::{AccountArgs, AccountMsg, CommitRequest, ReleaseRequest};
use super::iface::{Ledger, LedgerError};
use super::supervisor::{AccountRefs, AccountSupervisor, SupervisorArgs, SupervisorMsg};
use super::types::*;

/// The account actors behind the `Ledger` interface.
pub struct ActorLedger {
    /// The current actor of each account.
    refs: Arc<AccountRefs>,
    /// The supervisor; stopping it stops every account actor.
    supervisor: ActorRef<SupervisorMsg>,
}

impl ActorLedger {
    /// Spawns the supervisor and one account actor per entry of `accounts` (account id = index).
    pub async fn start(accounts: Vec<AccountArgs>) -> Result<ActorLedger, LedgerError> {
        let refs = AccountRefs::new(accounts.len());
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

    /// How many times an account actor was restarted after a failure.
    pub fn restarts(&self) -> u64 {
        self.refs.restarts()
    }

    /// Stops the supervisor and with it every account actor.
    pub fn stop(&self) {
        self.supervisor.stop(None);
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
        req: ReserveRequest,
    ) -> Result<ReserveOutcome, LedgerError> {
        self.call(account, |reply| AccountMsg::Reserve(req, reply))
            .await
    }

    async fn commit(
        &self,
        account: AccountId,
        key: Key,
        credits: Credits,
    ) -> Result<CommitOutcome, LedgerError> {
        let req = CommitRequest { key, credits };
        self.call(account, |reply| AccountMsg::Commit(req, reply))
            .await
    }

    async fn release(&self, account: AccountId, key: Key) -> Result<ReleaseOutcome, LedgerError> {
        let req = ReleaseRequest { key };
        self.call(account, |reply| AccountMsg::Release(req, reply))
            .await
    }

    async fn grant(
        &self,
        account: AccountId,
        req: GrantRequest,
    ) -> Result<GrantOutcome, LedgerError> {
        self.call(account, |reply| AccountMsg::Grant(req, reply))
            .await
    }

    async fn balance(&self, account: AccountId, pool: String) -> Result<Balance, LedgerError> {
        self.call(account, |reply| AccountMsg::Balance(pool, reply))
            .await
    }

    async fn tick(&self, account: AccountId) -> Result<(), LedgerError> {
        self.call(account, AccountMsg::Tick).await
    }

    async fn inject_crash(&self, account: AccountId) -> Result<(), LedgerError> {
        let actor = self.actor(account)?;
        actor
            .cast(AccountMsg::Crash)
            .map_err(|_| LedgerError::Unavailable {
                account,
                why: "the actor is not running".to_string(),
            })
    }
}
