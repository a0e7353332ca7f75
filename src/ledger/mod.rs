//! The per-account ledger: the rules (`Book`), the account actor that serializes access to
//! one `Book`, the `Ledger` interface that the runner calls, and the journal.

pub mod book;
pub mod iface;
pub mod types;

pub use book::Book;
pub use iface::{Clock, Ledger, LedgerError};
pub use types::*;
