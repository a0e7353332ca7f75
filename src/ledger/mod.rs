//! The pure core of the ledger: `Book` (one account's state and every rule of the ledger
//! contract, synchronous), the calendar it bills by, the vocabulary of requests, outcomes
//! and journal events, and the [`Ledger`] seam that backends implement. Nothing here knows
//! tokio, ractor or a database.

mod book;
pub mod calendar;
mod events;
mod requests;
mod seam;
mod terms;

pub use book::{Book, Lot, PoolTotals, ReplayError};
pub(crate) use book::{renewal_due_ms, renewal_expiry_ms};
pub(crate) use events::split_draws;
pub use events::{Applied, Event, EventKind, Rejection};
pub use requests::{
    Balance, Closure, CommitOutcome, CommitRequest, GrantOutcome, GrantRequest, ReleaseOutcome,
    ReleaseRequest, ReserveOutcome, ReserveRequest,
};
pub(crate) use seam::BackendStats;
pub use seam::{Crashable, EventSink, Ledger, LedgerError};
pub(crate) use terms::RENEWAL_KEY_PREFIX;
pub use terms::{
    AccountId, AccountSpec, Credits, Draw, DrawList, Key, LotId, LotSource, Name, RecurringGrant,
    TimeMs,
};
