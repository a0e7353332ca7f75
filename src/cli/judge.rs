//! What `bench` and `compare` share: the verdict rules from the command line, and the
//! comparison written as a table, JSON, JUnit XML and Markdown.

use std::path::{Path, PathBuf};

use anyhow::Context;
use creditsim::report::compare::{
    Comparison, Pattern, Rules, missing_lines, render_markdown, to_junit,
};
use creditsim::report::{Case, Outcome, junit_xml};

use super::table;

/// The verdict rules and the reports of a comparison.
#[derive(Debug, clap::Args)]
pub struct JudgeArgs {
    /// Tolerance for metrics matching PATTERN, in % (`*` matches anything); repeatable, the
    /// last match wins. A metric is regressed only when it moved the wrong way by more than
    /// this AND outside the noise.
    #[arg(long, value_name = "PATTERN=PCT", value_parser = parse_tolerance)]
    pub tolerance: Vec<(Pattern, f64)>,
    /// Only metrics matching PATTERN can fail the command (repeatable; default: every
    /// metric). A gate that judges nothing (no such metric on both sides, or only
    /// incomparable ones) is an error, never a pass.
    #[arg(long, value_name = "PATTERN")]
    pub gate: Vec<String>,
    /// A metric whose median's confidence interval is wider than PCT % of the median, on
    /// either side, is marked noisy and not judged.
    #[arg(long, value_name = "PCT", default_value_t = Rules::DEFAULT_NOISY_ABOVE_PCT)]
    pub noisy_above: f64,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Also write the verdicts as JUnit XML to FILE (one test case per metric).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write the verdicts as a Markdown table to FILE (for a pull-request comment).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

fn parse_tolerance(text: &str) -> Result<(Pattern, f64), String> {
    Rules::parse_tolerance(text).map_err(|e| e.to_string())
}

impl JudgeArgs {
    /// The rules these arguments set.
    pub fn rules(&self) -> anyhow::Result<Rules> {
        if !(self.noisy_above.is_finite() && self.noisy_above >= 0.0) {
            anyhow::bail!(
                "--noisy-above {}: expected a percentage of 0 or more",
                self.noisy_above
            );
        }
        Ok(Rules {
            tolerances: self.tolerance.clone(),
            gate: self.gate.iter().map(|g| Pattern::new(g)).collect(),
            noisy_above_pct: self.noisy_above,
            ..Rules::default()
        })
    }

    /// Writes the JUnit and Markdown files asked for.
    pub fn write_files(&self, cases: &[Case], markdown: &str) -> anyhow::Result<()> {
        if let Some(path) = &self.junit {
            write(path, &junit_xml(JUNIT_SUITE, cases))?;
        }
        if let Some(path) = &self.markdown {
            write(path, markdown)?;
        }
        Ok(())
    }
}

/// The JUnit suite's name.
const JUNIT_SUITE: &str = "creditsim";

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The comparison as a person reads it: the table, then what only one side has.
pub fn comparison_text(title: &str, comparison: &Comparison) -> String {
    let mut out = format!("{title}\n");
    let (headers, rows) = creditsim::report::compare::render_table(comparison);
    table::render(&mut out, &headers, &rows);
    missing_lines(comparison, &mut out);
    out
}

/// The JUnit cases and Markdown of a comparison.
pub fn comparison_files(title: &str, comparison: &Comparison) -> (Vec<Case>, String) {
    (to_junit(comparison), render_markdown(title, comparison))
}

/// The exit code a comparison earns when it gates: 4 when a gated metric regressed; an
/// error (exit 2) when a gate judged nothing, since a gate that cannot judge must not pass.
pub fn gate_code(comparison: &Comparison) -> anyhow::Result<u8> {
    if !comparison.unjudged_gates.is_empty() {
        anyhow::bail!(
            "--gate {}: judged no metric (none that both sides have with the same workload)",
            comparison.unjudged_gates.join(", ")
        );
    }
    let regressed: Vec<&str> = comparison
        .regressions()
        .map(|r| r.metric.as_str())
        .collect();
    if regressed.is_empty() {
        return Ok(Outcome::EXIT_OK);
    }
    eprintln!("regressed: {}", regressed.join(", "));
    Ok(Outcome::EXIT_REGRESSION)
}
