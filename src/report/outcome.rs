//! The one typed outcome of a command, and the exit code it maps to. Every command that
//! judges something ends in one of these, so that scripts and CI read the same codes.

use super::summary::Summary;

/// How a run (or a check) ended, worst first when several apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An invariant was violated, or the ledger stopped answering.
    Violated,
    /// The run was stopped by a signal before its end; what it wrote covers what ran, and
    /// every invariant held over it.
    Interrupted,
    /// Every invariant held, but a threshold the scenario sets was breached.
    Breached,
    /// Every invariant held and no threshold was breached.
    Passed,
    /// The checker was off (`--no-check`): nothing was proved, and nothing was found.
    Unchecked,
}

impl Outcome {
    /// Exit code: every invariant held.
    pub const EXIT_OK: u8 = 0;
    /// Exit code: an invariant was violated (or the ledger stalled).
    pub const EXIT_VIOLATION: u8 = 1;
    /// Exit code: bad input or usage.
    pub const EXIT_BAD_INPUT: u8 = 2;
    /// Exit code: a threshold that the scenario sets was breached.
    pub(crate) const EXIT_THRESHOLD: u8 = 3;
    /// Exit code of `bench` and `compare`: a gated metric regressed against the baseline.
    pub const EXIT_REGRESSION: u8 = 4;
    /// Exit code: the results could not be written (a full disk, a folder without write
    /// permission): not the input's fault. The message names the file.
    pub const EXIT_IO: u8 = 5;
    /// Exit code: stopped by Ctrl-C (SIGINT) before the end, the shell's 128 + 2. A stop
    /// by SIGTERM exits 143 (128 + 15), which the command line picks.
    pub const EXIT_INTERRUPTED: u8 = 130;

    /// The outcome of a run's summary.
    pub fn of(summary: &Summary) -> Outcome {
        let violated = summary.violations_total > 0 || summary.stalled.is_some();
        if violated {
            Outcome::Violated
        } else if summary.interrupted {
            Outcome::Interrupted
        } else if !summary.thresholds.is_empty() {
            Outcome::Breached
        } else if !summary.checked {
            Outcome::Unchecked
        } else {
            Outcome::Passed
        }
    }

    /// What the binary exits with: 0 for passed or unchecked, else the outcome's `EXIT_*` code.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Violated => Outcome::EXIT_VIOLATION,
            Outcome::Interrupted => Outcome::EXIT_INTERRUPTED,
            Outcome::Breached => Outcome::EXIT_THRESHOLD,
            Outcome::Passed | Outcome::Unchecked => Outcome::EXIT_OK,
        }
    }
}
