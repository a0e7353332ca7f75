//! `creditsim bench`: run the suite in-process, print it, save it as a baseline or judge it
//! against one, and exit 4 when a gated metric regressed.

use std::process::ExitCode;

use anyhow::Context;
use creditsim::bench::{
    self, BenchError, BenchReport, Options, baseline_path, provenance_line, render_report,
    save_baseline,
};
use creditsim::report::compare::{Comparison, Loaded, Pattern, compare, load};
use creditsim::report::{Case, CaseOutcome, Outcome};
use serde::Serialize;

use super::judge::{JudgeArgs, comparison_files, comparison_text, gate_code};
use super::table;

/// Arguments of `creditsim bench`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The suite: Book reserve→commit cycles (floor: a plain HashMap ledger), one hot
account actor with 1000 callers (floor: a bare ractor actor), the stress scenario end to end
with checks on (floor: bare ractor actors in its shape), and run_instructions, valgrind's
instruction count of a small deterministic run: the same every run, so CI gates on it.

Exit codes: 0 no gated metric regressed; 4 a gated metric regressed against the baseline;
1 an invariant was violated during the suite; 2 bad input or usage (a missing baseline, a
gate that judges nothing).

Examples:
  creditsim bench --quick --save-baseline main
  creditsim bench --quick --baseline main --gate run_instructions --junit bench.xml
  creditsim bench --baseline main --tolerance 'stress_*=20' --markdown bench.md
  creditsim bench --quick --only 'book_*' --json"
)]
pub struct Args {
    /// The quick suite (fewer, shorter samples; well under a minute) instead of the full one.
    #[arg(long)]
    pub quick: bool,
    /// Judge the run against results/baselines/NAME.json (or a path to a .json file).
    #[arg(long, value_name = "NAME", conflicts_with = "save_baseline")]
    pub baseline: Option<String>,
    /// Save the run as results/baselines/NAME.json (or a path to a .json file).
    #[arg(long, value_name = "NAME")]
    pub save_baseline: Option<String>,
    /// Only the metrics matching PATTERN (repeatable), with the floors they need.
    #[arg(long, value_name = "PATTERN")]
    pub only: Vec<String>,
    /// The seed of the stress run and the counted run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Rounds of timed samples (each timed metric is sampled once per round) instead of the
    /// suite's 5 (quick) or 11 (full).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub rounds: Option<u16>,
    /// Verdict rules and report files.
    #[command(flatten)]
    pub judge: JudgeArgs,
}

/// The JSON `--json` prints: the report, and the comparison when there is a baseline.
#[derive(Serialize)]
struct Printed<'a> {
    #[serde(flatten)]
    report: &'a BenchReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    comparison: Option<Judged<'a>>,
}

#[derive(Serialize)]
struct Judged<'a> {
    baseline: String,
    baseline_provenance: &'a std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    comparison: &'a Comparison,
}

/// Runs `creditsim bench`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = args.judge.rules()?;
    let baseline = match &args.baseline {
        Some(name) => Some((name.clone(), load_baseline(name)?)),
        None => None,
    };
    let save_to = args
        .save_baseline
        .as_deref()
        .map(baseline_path)
        .transpose()?;
    let options = Options {
        quick: args.quick,
        seed: args.seed,
        rounds: args.rounds.map(usize::from),
        only: args.only.iter().map(|p| Pattern::new(p)).collect(),
        program: std::env::current_exe().ok(),
        progress: creditsim::runner::progress_wanted(true),
    };
    let report = match bench::run(&options) {
        Err(err @ BenchError::Violated { .. }) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(Outcome::EXIT_VIOLATION));
        }
        other => other?,
    };
    if let Some(path) = &save_to {
        save_baseline(&report, path)?;
        eprintln!("saved the baseline {}", path.display());
    }
    let comparison = baseline
        .as_ref()
        .map(|(_, loaded)| compare(&loaded.measures, &report.measures, &rules));
    let title = match &baseline {
        Some((name, _)) => format!("against the baseline {name}"),
        None => "creditsim bench".to_string(),
    };
    print(
        &args,
        &report,
        baseline.as_ref(),
        comparison.as_ref(),
        &title,
    )?;
    let code = match &comparison {
        Some(comparison) => gate_code(comparison)?,
        None => Outcome::EXIT_OK,
    };
    Ok(ExitCode::from(code))
}

fn load_baseline(name: &str) -> anyhow::Result<Loaded> {
    let path = baseline_path(name)?;
    if !path.is_file() {
        anyhow::bail!(
            "no baseline `{name}` at {}: save one first with `creditsim bench --save-baseline {name}`",
            path.display()
        );
    }
    Ok(load(&path)?)
}

fn print(
    args: &Args,
    report: &BenchReport,
    baseline: Option<&(String, Loaded)>,
    comparison: Option<&Comparison>,
    title: &str,
) -> anyhow::Result<()> {
    let judged = baseline
        .zip(comparison)
        .map(|((name, loaded), comparison)| Judged {
            baseline: name.clone(),
            baseline_provenance: &loaded.labels,
            comparison,
        });
    let (cases, markdown) = match comparison {
        Some(comparison) => comparison_files(title, comparison),
        None => report_files(report, args.judge.noisy_above),
    };
    args.judge.write_files(&cases, &markdown)?;
    if args.judge.json {
        let printed = Printed {
            report,
            comparison: judged,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&printed).context("cannot print the report")?
        );
        return Ok(());
    }
    let mut out = format!("bench: {}\n", provenance_line(&report.provenance));
    let (headers, rows) = render_report(report, args.judge.noisy_above);
    table::render(&mut out, &headers, &rows);
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    if let (Some(comparison), Some((_, loaded))) = (comparison, baseline) {
        let commit = loaded
            .labels
            .get("git_commit")
            .map_or("unknown", String::as_str);
        out.push('\n');
        out.push_str(&comparison_text(
            &format!("{title} (commit {commit})"),
            comparison,
        ));
    }
    table::emit(&out)
}

/// Without a baseline: one passing JUnit case per metric, and the report as Markdown.
fn report_files(report: &BenchReport, noisy_above_pct: f64) -> (Vec<Case>, String) {
    let (headers, rows) = render_report(report, noisy_above_pct);
    let cases = rows
        .iter()
        .map(|row| Case {
            name: row[0].clone(),
            outcome: CaseOutcome::Passed,
            output: (headers.iter().zip(row))
                .map(|(h, c)| format!("{h} {c}"))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let mut markdown = format!(
        "### creditsim bench\n\n{}\n\n",
        provenance_line(&report.provenance)
    );
    markdown.push_str(&format!(
        "| {} |\n|{}\n",
        headers.join(" | "),
        " --- |".repeat(headers.len())
    ));
    for row in rows {
        markdown.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    (cases, markdown)
}
