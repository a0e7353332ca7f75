//! `creditsim vendors`. STUB.

use std::process::ExitCode;

/// Arguments of `creditsim vendors`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `creditsim vendors`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("not yet")
}
