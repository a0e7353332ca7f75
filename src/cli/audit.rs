//! `creditsim audit`: recomputes the claims written into vendor models (the documents'
//! worked examples and "≈ N items" statements) and shows the document's number beside the
//! model's.
//!
//! Exit code 0 even when claims fail: a failed claim is a finding about a vendor document
//! (the audit's purpose is to report it), not bad input. Bad input (an unknown vendor, a
//! malformed model file) exits 2.

use std::fmt::Write;
use std::process::ExitCode;

use creditsim::pricing::{BUILTIN_IDS, ClaimResult, Model, Verdict};

/// Arguments of `creditsim audit`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["vendor", "all"]))]
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
            let results = m.audit();
            (m, results)
        })
        .collect();
    if args.json {
        let out: Vec<serde_json::Value> = audits.iter().map(|(m, r)| json(m, r)).collect();
        super::table::emit(&(serde_json::to_string_pretty(&out)? + "\n"))?;
    } else {
        let mut out = String::new();
        for (model, results) in &audits {
            print_table(&mut out, model, results)?;
        }
        super::table::emit(&out)?;
    }
    Ok(ExitCode::from(super::EXIT_OK))
}

fn count(results: &[ClaimResult], verdict: Verdict) -> usize {
    results.iter().filter(|r| r.verdict == verdict).count()
}

fn json(model: &Model, results: &[ClaimResult]) -> serde_json::Value {
    serde_json::json!({
        "vendor": model.id(),
        "claims": results,
        "holds": count(results, Verdict::Holds),
        "fails": count(results, Verdict::Fails),
        "unverifiable": count(results, Verdict::Unverifiable),
    })
}

fn print_table(out: &mut String, model: &Model, results: &[ClaimResult]) -> std::fmt::Result {
    writeln!(
        out,
        "{} ({}): {} claims, {} hold, {} fail, {} unverifiable",
        model.id(),
        model.file(),
        results.len(),
        count(results, Verdict::Holds),
        count(results, Verdict::Fails),
        count(results, Verdict::Unverifiable)
    )?;
    for r in results {
        let verdict = match r.verdict {
            Verdict::Holds => "holds",
            Verdict::Fails => "FAILS",
            Verdict::Unverifiable => "unverifiable",
        };
        writeln!(out, "  {verdict:<5} {}: {}", r.id, r.description)?;
        writeln!(out, "        document: {}", r.document)?;
        writeln!(out, "        model:    {}", r.model)?;
    }
    writeln!(out)
}
