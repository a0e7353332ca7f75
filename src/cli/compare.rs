//! `creditsim compare A B`: judge result B against result A by the same rules as `bench`.

use std::path::PathBuf;
use std::process::ExitCode;

use creditsim::report::Outcome;
use creditsim::report::compare::{Pattern, Rules, compare, load};
use serde::Serialize;

use super::judge::{JudgeArgs, comparison_files, comparison_text, gate_code};

/// Arguments of `creditsim compare`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "A and B are any JSON results: `summary.json` of `run`, `economics.json`, or a
bench report (`bench --json`, a baseline). Every number in a file is a metric named by its
path (throughput.cycles_per_s, latency_by_op_us.reserve.p99, counts.insufficient,
violations_total); a bench report's metrics keep their samples, so its noise is known. A
single run has no spread: there the tolerance is the whole noise band.

Direction is read from the name (rates up; latencies, elapsed time, instructions and
violations down; counts and credits have none and are reported as `changed`); set it with
--better.

Exit codes: 0 no gated regression (always, without --fail-on regression); 4 a gated metric
regressed; 2 bad input or usage.

Examples:
  creditsim compare results/main/summary.json results/stress-1/summary.json
  creditsim compare a.json b.json --fail-on regression --gate 'throughput.*' --tolerance '*=15'
  creditsim compare base/economics.json new/economics.json --better 'breakage*=lower' --junit c.xml"
)]
pub struct Args {
    /// The result judged against: a summary.json, economics.json or bench JSON, usually a
    /// stored baseline.
    pub baseline: PathBuf,
    /// The result to judge against it.
    pub current: PathBuf,
    /// `regression`: exit 4 when a gated metric regressed; `never` (the default): report only.
    #[arg(long, value_name = "WHEN", default_value = "never", value_parser = ["never", "regression"])]
    pub fail_on: String,
    /// Direction of metrics matching PATTERN: higher, lower or neither (repeatable).
    #[arg(long, value_name = "PATTERN=WHICH", value_parser = parse_better)]
    pub better: Vec<(Pattern, creditsim::report::Better)>,
    /// Verdict rules and report files.
    #[command(flatten)]
    pub judge: JudgeArgs,
}

fn parse_better(text: &str) -> Result<(Pattern, creditsim::report::Better), String> {
    Rules::parse_direction(text).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct Printed<'a> {
    baseline: String,
    current: String,
    baseline_labels: &'a std::collections::BTreeMap<String, String>,
    current_labels: &'a std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    comparison: &'a creditsim::report::compare::Comparison,
}

/// Runs `creditsim compare`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = Rules {
        directions: args.better.clone(),
        ..args.judge.rules()?
    };
    let before = load(&args.baseline)?;
    let after = load(&args.current)?;
    let comparison = compare(&before.measures, &after.measures, &rules);
    let title = format!("{} → {}", args.baseline.display(), args.current.display());
    let (cases, markdown) = comparison_files(&title, &comparison);
    args.judge.write_files(&cases, &markdown)?;
    if args.judge.json {
        let printed = Printed {
            baseline: args.baseline.display().to_string(),
            current: args.current.display().to_string(),
            baseline_labels: &before.labels,
            current_labels: &after.labels,
            comparison: &comparison,
        };
        println!("{}", serde_json::to_string_pretty(&printed)?);
    } else {
        let mut out = String::new();
        for (side, loaded) in [("baseline", &before), ("current", &after)] {
            let labels: Vec<String> = loaded
                .labels
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            out.push_str(&format!("{side}: {}\n", labels.join(" · ")));
        }
        out.push_str(&comparison_text(&title, &comparison));
        super::table::emit(&out)?;
    }
    match args.fail_on.as_str() {
        "regression" => Ok(ExitCode::from(gate_code(&comparison)?)),
        _ => Ok(ExitCode::from(Outcome::EXIT_OK)),
    }
}
