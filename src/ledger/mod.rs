//! The per-account ledger: the rules (`Book`), the account actor that serializes access to
//! one `Book`, the `Ledger` interface that the runner calls, and the journal.

pub mod actor;
pub mod actor_ledger;
pub mod book;
pub mod flawed;
pub mod iface;
pub mod log;
pub mod supervisor;
pub mod types;

pub use actor_ledger::ActorLedger;
pub use book::Book;
pub use iface::{Clock, Ledger, LedgerError};
pub use log::AccountLog;
pub use types::*;
