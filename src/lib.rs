#![warn(unreachable_pub)]
//! creditsim simulates and load-tests usage-credit billing: vendor pricing models, a
//! reserve-then-commit ledger behind a seam that several backends implement, user-agent
//! actors that replay scenarios, and a checker that proves no balance went negative and no
//! charge was doubled.
//!
//! # Layout
//!
//! Layers are one-way, each using only those above it:
//!
//! - [`pricing`]: vendor models as TOML data, and the arithmetic that prices an action.
//! - [`ledger`]: the pure core: `Book` (every ledger rule, synchronous), the calendar, the
//!   request/outcome/event vocabulary, and the `Ledger` seam with its event sink.
//! - [`accounts`]: turns a vendor plan, seats and packs into ledger terms.
//! - [`audit`]: the vendor documents' claims checked against the models: arithmetic through
//!   `pricing`, rules by running `accounts` and `Book`.
//! - [`backends`]: implementations of the seam: the account actors and the deliberately
//!   flawed ledgers the checker must catch.
//! - [`scenario`]: scenario files and traces: what a run does.
//! - [`journal`]: `journal.csv` and `steps.csv`, the saved events and agents' views that the
//!   offline checker reads.
//! - [`check`]: the invariant checker, online during a run and offline over a journal.
//! - [`runner`]: the load and stress harness: a run's configuration, user-agent actors,
//!   virtual time, faults, and the journal consumer.
//! - [`sim`]: the economics engine: personas over virtual months, calling `Book`
//!   directly, sharded over cores, with money, purchases and breakage.
//! - [`report`]: summaries for people and machines, result files, thresholds, and the
//!   outcome that maps to an exit code; comparing one result with another.
//! - [`shrink`]: a failing run reduced to the smallest trace that still breaks the same
//!   invariant, written as a scenario to replay, with the violated account's timeline.
//! - [`bench`]: the benchmark suite (`creditsim bench`): each figure beside its floor,
//!   repeated, with a noise-free instruction count, and baselines to judge against.

pub mod accounts;
pub mod audit;
pub mod backends;
pub mod bench;
pub mod check;
mod chunked;
mod fastmap;
mod input;
pub mod journal;
pub mod ledger;
pub mod pricing;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod shrink;
pub mod sim;
