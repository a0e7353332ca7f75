//! The account actor: a thin ractor shell that owns one `Book` and serializes every request
//! to it. All rules live in `Book`; `handle` only reads the clock, calls `Book`, appends the
//! events to the account's log, and replies.

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde::{Deserialize, Serialize};

use super::book::Book;
use super::iface::Clock;
use super::log::AccountLog;
use super::types::*;

/// How an injected crash's panic message starts, so the binary can keep it off stderr.
pub const INJECTED_CRASH: &str = "injected crash";

/// The account actor (a unit struct: all state is in [`AccountState`]).
pub struct AccountActor;

/// A commit request's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRequest {
    /// The hold's key.
    pub key: Key,
    /// Credits to charge; the rest of the hold is returned.
    pub credits: Credits,
}

/// A release request's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRequest {
    /// The hold's key.
    pub key: Key,
}

/// What an account actor can be asked. Payloads derive serde so that accounts can later live
/// on `ractor_cluster` nodes; the reply ports are local.
pub enum AccountMsg {
    /// Hold credits.
    Reserve(ReserveRequest, RpcReplyPort<ReserveOutcome>),
    /// Charge a hold.
    Commit(CommitRequest, RpcReplyPort<CommitOutcome>),
    /// Return a hold.
    Release(ReleaseRequest, RpcReplyPort<ReleaseOutcome>),
    /// Add a lot.
    Grant(GrantRequest, RpcReplyPort<GrantOutcome>),
    /// Read a pool's balance.
    Balance(String, RpcReplyPort<Balance>),
    /// Catch up with the clock (timeouts, expiries, renewals).
    Tick(RpcReplyPort<()>),
    /// Fault injection: panic, so that the supervisor must restart the actor from its log.
    Crash,
}

/// What an account actor is started with. Cloned by the supervisor to restart it.
#[derive(Clone)]
pub struct AccountArgs {
    /// The account's terms.
    pub spec: AccountSpec,
    /// Virtual time.
    pub clock: Arc<dyn Clock>,
    /// The account's journal; a restarted actor replays it.
    pub log: Arc<AccountLog>,
}

/// The actor's state: the book and where its events go.
pub struct AccountState {
    /// The rules and the balances.
    book: Book,
    /// Virtual time.
    clock: Arc<dyn Clock>,
    /// The account's journal.
    log: Arc<AccountLog>,
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
        let account = args.log.account();
        let book = Book::replay(account, args.spec, &args.log.events())?;
        Ok(AccountState {
            book,
            clock: args.clock,
            log: args.log,
            scratch: Vec::new(),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: AccountMsg,
        state: &mut AccountState,
    ) -> Result<(), ActorProcessingErr> {
        let now_ms = state.clock.now_ms();
        // A reply that cannot be delivered means the caller gave up (its reply was lost); the
        // outcome is journaled and a retry under the same key gets it again.
        match message {
            AccountMsg::Reserve(req, reply) => {
                let outcome = state.apply(|book, out| book.reserve_into(&req, now_ms, out));
                let _ = reply.send(outcome);
            }
            AccountMsg::Commit(req, reply) => {
                let outcome =
                    state.apply(|book, out| book.commit_into(&req.key, req.credits, now_ms, out));
                let _ = reply.send(outcome);
            }
            AccountMsg::Release(req, reply) => {
                let outcome = state.apply(|book, out| book.release_into(&req.key, now_ms, out));
                let _ = reply.send(outcome);
            }
            AccountMsg::Grant(req, reply) => {
                let outcome = state.apply(|book, out| book.grant_into(&req, now_ms, out));
                let _ = reply.send(outcome);
            }
            AccountMsg::Balance(pool, reply) => {
                state.apply(|book, out| book.advance_into(now_ms, out));
                let _ = reply.send(state.book.balance(&pool));
            }
            AccountMsg::Tick(reply) => {
                state.apply(|book, out| book.advance_into(now_ms, out));
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
    /// Runs one `Book` operation and journals its events before the reply goes out.
    fn apply<O>(&mut self, op: impl FnOnce(&mut Book, &mut Vec<Event>) -> O) -> O {
        debug_assert!(self.scratch.is_empty());
        let outcome = op(&mut self.book, &mut self.scratch);
        self.log.append_from(&mut self.scratch);
        outcome
    }
}
