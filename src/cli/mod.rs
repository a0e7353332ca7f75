//! Argument definitions (clap derive) and dispatch to one module per command.

mod audit;
mod bench;
mod check;
mod compare;
mod economics;
mod generate;
mod judge;
mod quote;
mod run;
mod shrink;
mod sweep;
mod table;
mod vendors;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use creditsim::report::Outcome;

/// Exit code: every invariant held.
pub const EXIT_OK: u8 = Outcome::EXIT_OK;
/// Exit code: an invariant was violated.
pub const EXIT_VIOLATION: u8 = Outcome::EXIT_VIOLATION;
/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: u8 = Outcome::EXIT_BAD_INPUT;

/// Simulate and load-test usage-credit billing.
///
/// Exit codes: 0 all invariants held; 1 an invariant was violated (for `audit`: a claim
/// failed); 2 bad input or usage; 3 a threshold set by the scenario was breached; 4
/// (`bench`, `compare`) a metric regressed against its baseline; 5 results could not be
/// written; 130 and 143 the run was stopped by Ctrl-C or SIGTERM.
#[derive(Debug, Parser)]
#[command(name = "creditsim", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// One variant per subcommand; clap takes each `--help` from the variant's doc.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the vendor models: pools, plans, packs and actions.
    Vendors(vendors::Args),
    /// Price one action of one vendor.
    Quote(quote::Args),
    /// Check every claim of a vendor document against its model: worked numbers recomputed,
    /// rules run through the ledger, readings listed as assumed.
    Audit(audit::Args),
    /// Write the steps a scenario would issue as a trace (CSV) that a scenario can replay.
    Generate(generate::Args),
    /// Replay a scenario against the ledger, check the invariants, and report throughput and
    /// latency.
    Run(run::Args),
    /// Check a saved journal (and the agents' steps) against the invariants I1-I11.
    Check(check::Args),
    /// Simulate personas over virtual months on a vendor's plans and packs: spend,
    /// breakage, blocked steps, purchases, and offers compared.
    Economics(economics::Args),
    /// Run a scenario over a range of seeds, deterministically and over all cores, and list
    /// the failing seeds with the command that replays each.
    Sweep(sweep::Args),
    /// Reduce a failing run to the smallest scenario and trace that still break the same
    /// invariant, and print the violated account's timeline.
    Shrink(shrink::Args),
    /// Run the benchmark suite with its floors; save it as a baseline or judge it against
    /// one (exit 4 on a regression).
    Bench(bench::Args),
    /// Judge one result file (summary.json, economics.json, a bench report) against another.
    Compare(compare::Args),
}

/// The exit code of a command that failed: 5 when results could not be written (the disk,
/// not the input), else 2 (bad input or usage).
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    use creditsim::report::{ClaimError, WriteError};
    use creditsim::runner::RunError;
    use creditsim::shrink::ShrinkError;
    let io = err.chain().any(|cause| {
        cause.is::<WriteError>()
            || matches!(
                cause.downcast_ref::<ShrinkError>(),
                Some(
                    ShrinkError::Write { .. }
                        | ShrinkError::Results(_)
                        | ShrinkError::Claim(ClaimError::Io(_))
                        | ShrinkError::Run(RunError::Journal(_))
                )
            )
            || matches!(cause.downcast_ref::<RunError>(), Some(RunError::Journal(_)))
            || matches!(cause.downcast_ref::<ClaimError>(), Some(ClaimError::Io(_)))
            || matches!(
                cause.downcast_ref::<creditsim::bench::BaselineError>(),
                Some(creditsim::bench::BaselineError::Write { .. })
            )
    });
    if io { Outcome::EXIT_IO } else { EXIT_BAD_INPUT }
}

/// Runs one command and returns its exit code. Errors are bad input (exit 2), or an I/O
/// failure writing results (exit 5).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Vendors(args) => vendors::run(args),
        Command::Quote(args) => quote::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::run(args),
        Command::Economics(args) => economics::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Shrink(args) => shrink::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Compare(args) => compare::run(args),
    }
}
