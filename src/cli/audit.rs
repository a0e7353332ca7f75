//! `creditsim audit`. STUB.

use std::process::ExitCode;

/// Arguments of `creditsim audit`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `creditsim audit`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("not yet")
}
