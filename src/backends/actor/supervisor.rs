//! The account supervisor: spawns one account actor per account, and when one fails (a panic,
//! for example an injected crash) starts a new one from the same arguments. The new actor
//! rebuilds its `Book` from the account's log, so nothing charged is lost or doubled; calls
//! that were queued at the dead actor fail, and callers retry them under the same key.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, SupervisionEvent};

use super::account::{AccountActor, AccountArgs, AccountMsg};
use crate::ledger::AccountId;

/// The current actor of every account, updated by the supervisor after a restart.
pub(super) struct AccountRefs {
    /// Indexed by account id; `None` until spawned.
    refs: Vec<RwLock<Option<ActorRef<AccountMsg>>>>,
    /// How many restarts the supervisor performed.
    restarts: AtomicU64,
}

impl AccountRefs {
    /// Room for `accounts` accounts, none spawned yet.
    pub(super) fn new(accounts: usize) -> Arc<AccountRefs> {
        Arc::new(AccountRefs {
            refs: (0..accounts).map(|_| RwLock::new(None)).collect(),
            restarts: AtomicU64::new(0),
        })
    }

    /// The account's current actor, if it exists and is spawned.
    pub(super) fn get(&self, account: AccountId) -> Option<ActorRef<AccountMsg>> {
        let slot = self.refs.get(account as usize)?;
        slot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many accounts there are.
    pub(super) fn len(&self) -> usize {
        self.refs.len()
    }

    /// How many times an account actor was restarted.
    pub(super) fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    fn set(&self, account: AccountId, actor: ActorRef<AccountMsg>) {
        let mut slot = self.refs[account as usize]
            .write()
            .unwrap_or_else(|p| p.into_inner());
        *slot = Some(actor);
    }
}

/// The supervisor actor (a unit struct; state in [`SupervisorState`]).
pub(super) struct AccountSupervisor;

/// The supervisor takes no messages: it only reacts to its children's failures.
pub(super) enum SupervisorMsg {}

/// What the supervisor is started with.
pub(super) struct SupervisorArgs {
    /// One entry per account, in account id order.
    pub accounts: Vec<AccountArgs>,
    /// Where the current actors are published.
    pub refs: Arc<AccountRefs>,
}

pub(super) struct SupervisorState {
    /// Arguments to restart each account with.
    accounts: Vec<AccountArgs>,
    /// Which account each live child actor serves.
    by_actor: HashMap<ActorId, AccountId>,
    /// Where the current actors are published.
    refs: Arc<AccountRefs>,
}

impl SupervisorState {
    async fn spawn(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
        account: AccountId,
    ) -> Result<(), ActorProcessingErr> {
        let args = self.accounts[account as usize].clone();
        let (actor, _handle) =
            Actor::spawn_linked(None, AccountActor, args, myself.get_cell()).await?;
        self.by_actor.insert(actor.get_id(), account);
        self.refs.set(account, actor);
        Ok(())
    }
}

impl Actor for AccountSupervisor {
    type Msg = SupervisorMsg;
    type State = SupervisorState;
    type Arguments = SupervisorArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: SupervisorArgs,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        let count = args.accounts.len();
        let mut state = SupervisorState {
            accounts: args.accounts,
            by_actor: HashMap::with_capacity(count),
            refs: args.refs,
        };
        for account in 0..count {
            state.spawn(&myself, account as AccountId).await?;
        }
        Ok(state)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: SupervisorMsg,
        _state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match message {}
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match event {
            SupervisionEvent::ActorFailed(cell, why) => {
                let Some(account) = state.by_actor.remove(&cell.get_id()) else {
                    return Ok(());
                };
                tracing::debug!(account, %why, "account actor failed; restarting from its log");
                state.refs.restarts.fetch_add(1, Ordering::Relaxed);
                state.spawn(&myself, account).await?;
            }
            SupervisionEvent::ActorTerminated(cell, _, _) => {
                state.by_actor.remove(&cell.get_id());
            }
            _ => {}
        }
        Ok(())
    }
}
