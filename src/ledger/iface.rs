//! The `Ledger` interface: the only way the runner reaches accounts, so that the account
//! actors, the deliberately flawed ledgers and (later) a database can be swapped for one
//! another.

use async_trait::async_trait;

use super::types::*;

/// Why a ledger call got no answer. The request may or may not have been applied; the caller
/// retries with the same key, which idempotency makes safe.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The account is not known to this ledger.
    #[error("account {0} does not exist")]
    NoSuchAccount(AccountId),
    /// The account could not answer (its actor stopped or is restarting, or the reply was
    /// lost).
    #[error("account {account} did not answer: {why}")]
    Unavailable {
        /// The account.
        account: AccountId,
        /// What happened.
        why: String,
    },
}

/// Reserve, commit, release, grant and read balances, one account at a time. Every method
/// takes the account's own virtual time from the ledger's clock.
#[async_trait]
pub trait Ledger: Send + Sync + 'static {
    /// Holds credits for one step.
    async fn reserve(
        &self,
        account: AccountId,
        req: ReserveRequest,
    ) -> Result<ReserveOutcome, LedgerError>;
    /// Charges `credits` of the hold under `key`.
    async fn commit(
        &self,
        account: AccountId,
        key: Key,
        credits: Credits,
    ) -> Result<CommitOutcome, LedgerError>;
    /// Returns the hold under `key`.
    async fn release(&self, account: AccountId, key: Key) -> Result<ReleaseOutcome, LedgerError>;
    /// Adds a lot, once per key.
    async fn grant(
        &self,
        account: AccountId,
        req: GrantRequest,
    ) -> Result<GrantOutcome, LedgerError>;
    /// Reads a pool's balance.
    async fn balance(&self, account: AccountId, pool: String) -> Result<Balance, LedgerError>;
    /// Brings the account up to the clock's time: timeouts, expiries and renewals.
    async fn tick(&self, account: AccountId) -> Result<(), LedgerError>;
    /// Fault injection: makes the account fail as if it crashed, where the ledger can.
    /// Ledgers without a notion of crashing ignore it.
    async fn inject_crash(&self, account: AccountId) -> Result<(), LedgerError> {
        let _ = account;
        Ok(())
    }
}

/// Where virtual time comes from. The account actors read it when they handle a message, so
/// the serialization point also orders time.
pub trait Clock: Send + Sync + 'static {
    /// Virtual time now.
    fn now_ms(&self) -> TimeMs;
}
