//! `creditsim generate`: writes the steps a scenario would issue as a trace (CSV).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use creditsim::scenario::{Fault, Scenario, trace};

use super::EXIT_OK;

/// Arguments of `creditsim generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Replaces the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Enables faults: `all` or a comma-separated list (lost-reply,actor-crash,...).
    #[arg(long, value_name = "LIST|all")]
    pub faults: Option<String>,
    /// Where to write the trace; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

fn is_broken_pipe(err: &csv::Error) -> bool {
    matches!(err.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe)
}

/// Runs `creditsim generate`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let faults = match &args.faults {
        Some(list) => Some(Fault::parse_list(list).context("--faults")?),
        None => None,
    };
    let mut plan = Scenario::load(&args.scenario, args.seed)?;
    if let Some(faults) = &faults {
        plan.enable_faults(faults)?;
    }
    let steps = plan.all_steps()?;
    let to_stdout = args.out.as_os_str() == "-";
    let out: Box<dyn Write> = if to_stdout {
        Box::new(io::stdout().lock())
    } else {
        let file = File::create(&args.out)
            .with_context(|| format!("{}: cannot create the trace", args.out.display()))?;
        Box::new(BufWriter::new(file))
    };
    let rows = match trace::write(steps, out) {
        Ok(rows) => rows,
        // The reader went away (`generate --out - | head`): what it read is what it wanted.
        Err(err) if to_stdout && is_broken_pipe(&err) => return Ok(ExitCode::from(EXIT_OK)),
        Err(err) => {
            let context = format!("{}: cannot write the trace", args.out.display());
            return Err(anyhow::Error::new(err).context(context));
        }
    };
    let summary = format!(
        "wrote {rows} steps of scenario \"{}\" (vendor {}, seed {}, {} agents on {} accounts) to {}",
        plan.name,
        plan.vendor.id(),
        plan.seed,
        plan.agents.len(),
        plan.accounts.len(),
        args.out.display()
    );
    if to_stdout {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    Ok(ExitCode::from(EXIT_OK))
}
