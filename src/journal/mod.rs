//! The journal on disk: `journal.csv` (every ledger event, one flat row each) and `steps.csv`
//! (what each user agent asked for and was told). Both are plain CSV so that people can read
//! them and the offline checker (`creditsim check`) can parse them back exactly.
//!
//! # `journal.csv`
//!
//! Columns, in order: `account,seq,at_ms,kind,key,pool,action,lot,credits,lots,returned,
//! expires_at_ms,source,priority,reason,available,threshold`. `kind` is one of `granted`,
//! `reserved`, `rejected`, `unlimited`, `committed`, `released`, `timed-out`, `expired`,
//! `warning`; each kind fills only the columns it needs and the others must be empty:
//!
//! | kind | columns used |
//! |---|---|
//! | granted | key, pool, lot, credits, expires_at_ms (empty = never), source, priority |
//! | reserved | key, pool, action, credits, lots (the draws), expires_at_ms |
//! | rejected | key, pool, action, credits, reason (`insufficient`/`not-entitled`), available |
//! | unlimited | key, pool, action, credits |
//! | committed | key, pool, credits (charged), lots (charged from), returned |
//! | released, timed-out | key, pool, returned |
//! | expired | pool, lot, credits |
//! | warning | pool, available, threshold |
//!
//! Lot lists are `lot:credits` pairs joined by `;`, such as `3:10;4:5`.
//!
//! # `steps.csv`
//!
//! Columns, in order: `agent,account,key,action,params,quote_min,quote_max,failed,told,
//! told_credits`; `told` is `charged` (with `told_credits`), `not-charged` or `unknown`.
//!
//! # Torn lines
//!
//! Rows are written whole and in order, so a run killed at any moment leaves a file whose
//! only damage is an incomplete last line (text after the last newline). Readers opened by
//! path leave that line unread and report it ([`JournalReader::torn_tail`]), so that the
//! complete rows before it can still be judged.

mod csvio;
mod error;
mod events;
mod fields;
mod row;
mod steps;

pub use csvio::TornLine;
pub use error::JournalError;
pub use events::{JournalReader, JournalWriter, read_journal};
pub use row::JOURNAL_COLUMNS;
pub use steps::{STEP_COLUMNS, StepReader, StepRecord, StepWriter, Told, read_steps};
