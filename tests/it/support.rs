//! Helpers shared by the test modules.

use std::process::Command;

/// A command running the built `creditsim` binary.
pub fn creditsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_creditsim"))
}
