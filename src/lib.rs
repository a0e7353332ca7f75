//! creditsim simulates and load-tests usage-credit billing: vendor pricing models, a
//! reserve-then-commit ledger owned by account actors, user-agent actors that replay
//! scenarios, and a checker that proves no balance went negative and no charge was doubled.
//!
//! # Layout
//!
//! - [`pricing`]: vendor models as TOML data, and the arithmetic that prices an action.
//! - [`accounts`]: turns a vendor plan, seats and packs into ledger terms.
//! - [`ledger`]: `Book` (every ledger rule, synchronous); the account actor, its supervisor
//!   and its log (the journal it replays after a crash); the `Ledger` interface through which
//!   the runner reaches accounts; and the deliberately flawed ledgers the checker must catch.
//! - [`scenario`]: scenario files and traces: what a run does.
//! - [`runner`]: spawns account and user-agent actors, injects faults, and drives a run.
//! - [`journal`]: `journal.csv` and `steps.csv`, the saved events and agents' views that the
//!   offline checker reads.
//! - [`check`]: the invariant checker, online during a run and offline over a journal.
//! - [`report`]: throughput, latency and outcome summaries for people and machines.

pub mod accounts;
pub mod check;
mod chunked;
pub mod journal;
pub mod ledger;
pub mod pricing;
pub mod report;
pub mod runner;
pub mod scenario;
