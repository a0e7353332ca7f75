//! `creditsim quote`. STUB.

use std::process::ExitCode;

/// Arguments of `creditsim quote`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `creditsim quote`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("not yet")
}
