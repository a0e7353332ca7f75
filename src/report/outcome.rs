//! The one typed outcome of a command, and the exit code it maps to. Every command that
//! judges something ends in one of these, so that scripts and CI read the same codes.

use super::summary::Summary;

/// How a run (or a check) ended, worst first when several apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An invariant was violated, or the ledger stopped answering.
    Violated,
    /// Every invariant held, but a threshold the scenario sets was breached.
    Breached,
    /// Every invariant held and no threshold was breached.
    Passed,
}

impl Outcome {
    /// Exit code: every invariant held.
    pub const EXIT_OK: u8 = 0;
    /// Exit code: an invariant was violated (or the ledger stalled).
    pub const EXIT_VIOLATION: u8 = 1;
    /// Exit code: bad input or usage.
    pub const EXIT_BAD_INPUT: u8 = 2;
    /// Exit code: a threshold that the scenario sets was breached.
    pub const EXIT_THRESHOLD: u8 = 3;
    /// Exit code of `bench` and `compare`: a gated metric regressed against the baseline.
    pub const EXIT_REGRESSION: u8 = 4;

    /// The outcome of a run's summary.
    pub fn of(summary: &Summary) -> Outcome {
        match (summary.ok, summary.thresholds.is_empty()) {
            (false, _) => Outcome::Violated,
            (true, false) => Outcome::Breached,
            (true, true) => Outcome::Passed,
        }
    }

    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Violated => Outcome::EXIT_VIOLATION,
            Outcome::Breached => Outcome::EXIT_THRESHOLD,
            Outcome::Passed => Outcome::EXIT_OK,
        }
    }
}
