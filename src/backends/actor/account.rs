//! The account actor: a thin ractor shell that owns one `Book` and serializes every request
//! to it. All rules live in `Book`; `handle` only calls it at the message's virtual time,
//! keeps the events for recovery, hands them to the run's event sink, and replies.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

use super::recovery::RecoveryLog;
use crate::ledger::*;

/// How an injected crash's panic message starts, so the binary can keep it off stderr.
pub(crate) const INJECTED_CRASH: &str = "injected crash";

/// Injected account crashes are panics by design (the supervisor restarts the actor): keeps
/// them off stderr, and leaves every other panic to the hook installed before. For binaries
/// (the CLI, benchmarks) that run with crash faults.
pub fn quiet_injected_crashes() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if !message.starts_with(INJECTED_CRASH) {
            default_hook(info);
        }
    }));
}

/// The account actor (a unit struct: all state is in [`AccountState`]).
pub(super) struct AccountActor;

/// What an account actor can be asked. Each request carries its sender's virtual time; the
/// reply ports are local.
pub(super) enum AccountMsg {
    /// Hold credits.
    Reserve(TimeMs, ReserveRequest, RpcReplyPort<ReserveOutcome>),
    /// Charge a hold.
    Commit(TimeMs, CommitRequest, RpcReplyPort<CommitOutcome>),
    /// Return a hold.
    Release(TimeMs, ReleaseRequest, RpcReplyPort<ReleaseOutcome>),
    /// Add a lot.
    Grant(TimeMs, GrantRequest, RpcReplyPort<GrantOutcome>),
    /// Read a pool's balance.
    Balance(TimeMs, Name, RpcReplyPort<Balance>),
    /// Catch up with a time (timeouts, expiries, renewals).
    Advance(TimeMs, RpcReplyPort<()>),
    /// End the run at a time (no renewal at that instant).
    Close(TimeMs, RpcReplyPort<()>),
    /// Fault injection: panic, so that the supervisor must restart the actor from its log.
    Crash,
}

/// What an account actor is started with. Cloned by the supervisor to restart it.
#[derive(Clone)]
pub(super) struct AccountArgs {
    /// The account id: the index of its spec, and what its events carry.
    pub account: AccountId,
    /// The account's terms.
    pub spec: AccountSpec,
    /// What a restarted actor replays.
    pub recovery: Arc<RecoveryLog>,
    /// Where the run's journal and checker get the events.
    pub sink: Arc<dyn EventSink>,
}

/// The actor's state: the book and where its events go.
pub(super) struct AccountState {
    /// The rules and the balances.
    book: Book,
    /// What a restarted actor replays.
    recovery: Arc<RecoveryLog>,
    /// Where the events go.
    sink: Arc<dyn EventSink>,
    /// The events of the operation being handled; empty between messages, and kept so that
    /// its allocation is reused by every operation.
    scratch: Vec<Event>,
}

impl Actor for AccountActor {
    type Msg = AccountMsg;
    type State = AccountState;
    type Arguments = AccountArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: AccountArgs,
    ) -> Result<AccountState, ActorProcessingErr> {
        let book = args.recovery.rebuild(args.account, args.spec)?;
        Ok(AccountState {
            book,
            recovery: args.recovery,
            sink: args.sink,
            scratch: Vec::new(),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: AccountMsg,
        state: &mut AccountState,
    ) -> Result<(), ActorProcessingErr> {
        // A reply that cannot be delivered means the caller gave up (its reply was lost); the
        // outcome is journaled and a retry under the same key gets it again.
        match message {
            AccountMsg::Reserve(at, req, reply) => {
                let _ = reply.send(state.apply(|book, out| book.reserve_into(&req, at, out)));
            }
            AccountMsg::Commit(at, req, reply) => {
                let _ = reply.send(state.apply(|book, out| book.commit_into(&req, at, out)));
            }
            AccountMsg::Release(at, req, reply) => {
                let _ = reply.send(state.apply(|book, out| book.release_into(&req, at, out)));
            }
            AccountMsg::Grant(at, req, reply) => {
                let _ = reply.send(state.apply(|book, out| book.grant_into(&req, at, out)));
            }
            AccountMsg::Balance(at, pool, reply) => {
                state.apply(|book, out| book.advance_into(at, out));
                let _ = reply.send(state.book.balance(&pool));
            }
            AccountMsg::Advance(at, reply) => {
                state.apply(|book, out| book.advance_into(at, out));
                let _ = reply.send(());
            }
            AccountMsg::Close(at, reply) => {
                state.apply(|book, out| book.close_into(at, out));
                let _ = reply.send(());
            }
            AccountMsg::Crash => {
                panic!("{INJECTED_CRASH} of account {}", state.book.account())
            }
        }
        Ok(())
    }
}

impl AccountState {
    /// Runs one `Book` operation, and keeps its events for recovery and hands them to the
    /// sink before the reply goes out.
    fn apply<O>(&mut self, op: impl FnOnce(&mut Book, &mut Vec<Event>) -> O) -> O {
        debug_assert!(self.scratch.is_empty());
        let outcome = op(&mut self.book, &mut self.scratch);
        if !self.scratch.is_empty() {
            self.recovery.record(&self.book, &self.scratch);
            self.sink.append(self.book.account(), &mut self.scratch);
        }
        outcome
    }
}
