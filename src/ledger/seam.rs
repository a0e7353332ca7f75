//! The `Ledger` seam: the only way the runner reaches accounts, so that the account actors,
//! the deliberately flawed ledgers and a database can be swapped for one another, and the
//! [`EventSink`] through which every one of them feeds the same journal and checker.
//!
//! # Time
//!
//! Every call carries its caller's virtual time. A ledger keeps one clock per account, the
//! largest time any call to that account has carried, and acts at that clock: time never
//! goes back for an account, and everything due by then (timeouts, expiries, renewals)
//! happens first, at its own time.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::events::Event;
use super::requests::*;
use super::terms::{AccountId, Name, TimeMs};

/// Why a ledger call got no answer. The request may or may not have been applied; the caller
/// retries with the same key, which idempotency makes safe.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The account is not known to this ledger.
    #[error("account {0} does not exist")]
    NoSuchAccount(AccountId),
    /// The account could not answer (its actor stopped or is restarting, the connection
    /// broke, or the reply was lost).
    #[error("account {account} did not answer: {why}")]
    Unavailable {
        /// The account that did not answer.
        account: AccountId,
        /// What happened.
        why: String,
    },
}

/// What a ledger counted about itself while it ran (restarts, retries, connection errors),
/// by name, for the run's report.
pub(crate) type BackendStats = BTreeMap<&'static str, u64>;

/// Reserve, commit, release and grant, one account at a time, at the caller's virtual time.
#[async_trait]
pub trait Ledger: Send + Sync + 'static {
    /// Holds credits for one step.
    async fn reserve(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReserveRequest,
    ) -> Result<ReserveOutcome, LedgerError>;
    /// Charges part or all of an open hold and returns the rest.
    async fn commit(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: CommitRequest,
    ) -> Result<CommitOutcome, LedgerError>;
    /// Returns a whole hold.
    async fn release(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReleaseRequest,
    ) -> Result<ReleaseOutcome, LedgerError>;
    /// Adds a lot, once per key.
    async fn grant(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: GrantRequest,
    ) -> Result<GrantOutcome, LedgerError>;
    /// Reads a pool's balance.
    async fn balance(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        pool: Name,
    ) -> Result<Balance, LedgerError>;
    /// Brings the account up to `to_ms`: timeouts, expiries and renewals due by then.
    async fn advance(&self, account: AccountId, to_ms: TimeMs) -> Result<(), LedgerError>;
    /// Ends the account's run at `end_ms`: like `advance`, but a renewal due exactly at
    /// `end_ms` belongs to the next run and is not granted, while lots and holds that end
    /// at that instant do end.
    async fn close(&self, account: AccountId, end_ms: TimeMs) -> Result<(), LedgerError>;
    /// Stops the ledger and says what it counted. Calls after `stop` fail.
    async fn stop(&self) -> BackendStats;
}

/// A ledger whose accounts can be made to fail as if their server crashed, for the
/// actor-crash fault. Kept apart from [`Ledger`] because only some backends can do it.
#[async_trait]
pub trait Crashable: Send + Sync + 'static {
    /// Makes the account fail now; the backend must recover it without losing or doubling
    /// anything it had acknowledged.
    async fn crash(&self, account: AccountId) -> Result<(), LedgerError>;
}

/// Where a ledger sends the events it committed. Given to a backend when it starts, so that
/// every backend feeds the same journal, checker and CSV writers.
pub trait EventSink: Send + Sync + 'static {
    /// Takes every event out of `events` (leaving it empty, its capacity kept for reuse).
    /// One account's events arrive in `seq` order; accounts may interleave in any way.
    fn append(&self, account: AccountId, events: &mut Vec<Event>);
}
