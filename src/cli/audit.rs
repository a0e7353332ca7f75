//! `creditsim audit`: checks every claim written into vendor models against the documents:
//! arithmetic claims recomputed, rule claims run through the ledger, readings the document
//! leaves open listed as assumed.
//!
//! Exit code 1 when any claim fails (a document that contradicts itself, or a model that
//! does not do what its document says, is a finding), 0 when none does; bad input (an
//! unknown vendor, a malformed model file) exits 2.

use std::fmt::Write;
use std::process::ExitCode;

use creditsim::audit::{Counts, audit};
use creditsim::pricing::{BUILTIN_IDS, ClaimResult, ClaimStatus, Model};

/// Arguments of `creditsim audit`.
#[derive(Debug, clap::Args)]
#[command(
    group = clap::ArgGroup::new("which").required(true).args(["vendor", "all"]),
    after_help = "Examples:\n  creditsim audit --all\n  creditsim audit campaigns --json\n  \
                  creditsim audit /tmp/aytada-copy.toml\n\nExit codes: 0 every claim holds \
                  (or is assumed or unverifiable); 1 a claim fails; 2 bad input."
)]
pub struct Args {
    /// A built-in vendor id (aytada, aibc, videodraft, campaigns, aistudios) or the path of a
    /// model file.
    vendor: Option<String>,
    /// Audit all five built-in vendors.
    #[arg(long)]
    all: bool,
    /// Print JSON: one object per vendor with its claims and counts.
    #[arg(long)]
    json: bool,
}

/// Runs `creditsim audit`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let models = match &args.vendor {
        Some(spec) => vec![Model::resolve(spec)?],
        None => BUILTIN_IDS
            .iter()
            .map(|id| Model::builtin(id))
            .collect::<Result<_, _>>()?,
    };
    let audits: Vec<(Model, Vec<ClaimResult>)> = models
        .into_iter()
        .map(|m| {
            let results = audit(&m);
            (m, results)
        })
        .collect();
    if args.json {
        let out: Vec<serde_json::Value> = audits.iter().map(|(m, r)| json(m, r)).collect();
        super::table::emit(&(serde_json::to_string_pretty(&out)? + "\n"))?;
    } else {
        let mut out = String::new();
        for (model, results) in &audits {
            print_audit(&mut out, model, results)?;
        }
        super::table::emit(&out)?;
    }
    let failed = audits.iter().any(|(_, r)| Counts::of(r).fails > 0);
    Ok(ExitCode::from(match failed {
        true => super::EXIT_VIOLATION,
        false => super::EXIT_OK,
    }))
}

fn json(model: &Model, results: &[ClaimResult]) -> serde_json::Value {
    let counts = Counts::of(results);
    serde_json::json!({
        "vendor": model.id(),
        "claims": results,
        "holds": counts.holds,
        "fails": counts.fails,
        "assumed": counts.assumed,
        "unverifiable": counts.unverifiable,
    })
}

/// `aytada (file): 22 claims: 16 hold, 4 fail, 1 assumed, 1 unverifiable`.
fn summary_line(model: &Model, results: &[ClaimResult]) -> String {
    let c = Counts::of(results);
    format!(
        "{} ({}): {} claims: {} hold, {} fail, {} assumed, {} unverifiable",
        model.id(),
        model.file(),
        results.len(),
        c.holds,
        c.fails,
        c.assumed,
        c.unverifiable
    )
}

fn print_audit(out: &mut String, model: &Model, results: &[ClaimResult]) -> std::fmt::Result {
    writeln!(out, "{}", summary_line(model, results))?;
    for r in results {
        let verdict = match r.verdict {
            ClaimStatus::Holds => "holds",
            ClaimStatus::Fails => "FAILS",
            ClaimStatus::Assumed => "assumed",
            ClaimStatus::Unverifiable => "unverifiable",
        };
        writeln!(
            out,
            "  {verdict} {} (line {}): {}",
            r.id, r.line, r.description
        )?;
        writeln!(out, "        says:     \"{}\"", r.says)?;
        if r.document != r.says {
            writeln!(out, "        document: {}", r.document)?;
        }
        if r.reading.as_ref() != Some(&r.model) {
            writeln!(out, "        model:    {}", r.model)?;
        }
        writeln!(out, "        checked:  {}", r.checked)?;
        if let Some(reading) = &r.reading {
            writeln!(out, "        reading:  {reading}")?;
        }
    }
    writeln!(out)
}
