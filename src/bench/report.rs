//! A bench report: provenance and measures, as JSON (`--json`, and the baseline files in
//! `results/baselines/`), and for people as a table of each metric's median, interval,
//! spread and ratio to its floor.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::provenance::Provenance;
use crate::report::compare::{BENCH_KIND, Measures, human};

/// The bench report's format version, for readers of saved baselines.
pub(super) const FORMAT_VERSION: u32 = 1;

/// What one run of the suite measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// Always `creditsim-bench`: how `compare` knows a bench report from other results.
    pub kind: &'static str,
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// What produced it.
    pub provenance: Provenance,
    /// Every metric measured, by name.
    pub measures: Measures,
    /// What could not be measured here, and why.
    pub notes: Vec<String>,
}

impl BenchReport {
    /// A report of `measures`.
    pub fn new(provenance: Provenance, measures: Measures, notes: Vec<String>) -> BenchReport {
        BenchReport {
            kind: BENCH_KIND,
            version: FORMAT_VERSION,
            provenance,
            measures,
            notes,
        }
    }
}

/// A baseline that cannot be named, written or found.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The name would leave `results/baselines/` or is empty.
    #[error(
        "baseline name `{0}`: expected letters, digits, `-`, `_` or `.` (or a path to a .json file)"
    )]
    BadName(String),
    /// It could not be written.
    #[error("cannot write the baseline {}", path.display())]
    Write {
        /// The baseline file, `results/baselines/<name>.json` for a named baseline.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

/// Where baseline `name` lives: `results/baselines/NAME.json` under the working directory,
/// or `name` itself when it is a path to a `.json` file. Anything else with a `/` is
/// refused, so that a mistyped name never writes outside the baselines.
pub fn baseline_path(name: &str) -> Result<PathBuf, BaselineError> {
    if name.ends_with(".json") {
        return Ok(PathBuf::from(name));
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.starts_with('.') || !name.chars().all(plain) {
        return Err(BaselineError::BadName(name.to_string()));
    }
    Ok(Path::new("results/baselines").join(format!("{name}.json")))
}

/// Writes `report` as the baseline at `path`, creating its directory.
pub fn save_baseline(report: &BenchReport, path: &Path) -> Result<(), BaselineError> {
    let fail = |source| BaselineError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let json = serde_json::to_string_pretty(report).expect("a report always serializes");
    std::fs::write(path, json + "\n").map_err(fail)
}

/// The report's headers and cells: per metric its median, the interval for the median (with
/// its confidence), the spread, the samples, the ratio to its floor, and whether it is
/// noisy at `noisy_above_pct`.
pub fn render_report(
    report: &BenchReport,
    noisy_above_pct: f64,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers = vec![
        "metric", "median", "unit", "interval", "spread", "n", "vs floor", "noisy",
    ];
    let rows = (report.measures.iter())
        .map(|(name, m)| {
            let stat = &m.stat;
            let interval = match stat.samples.len() {
                1 => "-".to_string(),
                _ => format!(
                    "{}–{} ({:.0}%)",
                    human(stat.ci_low),
                    human(stat.ci_high),
                    100.0 * stat.ci_confidence
                ),
            };
            let vs_floor = match (&m.vs_floor, &m.floor) {
                (Some(ratio), Some(floor)) => format!("{:.3}× {floor}", ratio.median),
                _ => "-".to_string(),
            };
            let noisy = stat.ci_width_pct() > noisy_above_pct;
            vec![
                name.clone(),
                human(stat.median),
                m.unit.clone(),
                interval,
                format!("{:.1}%", stat.spread_pct),
                stat.samples.len().to_string(),
                vs_floor,
                if noisy { "noisy".into() } else { String::new() },
            ]
        })
        .collect();
    (headers, rows)
}

/// The provenance in one line for the terminal: suite, commit, build, cores, CPU, seed,
/// rounds.
pub fn provenance_line(p: &Provenance) -> String {
    let mut line = String::new();
    let dirty = if p.git_dirty == "true" {
        " (uncommitted changes)"
    } else {
        ""
    };
    let commit = p.git_commit.get(..12).unwrap_or(&p.git_commit);
    let _ = write!(
        line,
        "{} suite · commit {commit}{dirty} · {} build · {} cores · {} · seed {} · {} rounds",
        p.suite, p.profile, p.cores, p.cpu_model, p.seed, p.rounds
    );
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_name_stays_inside_the_baselines_directory() {
        assert_eq!(
            baseline_path("main").unwrap(),
            Path::new("results/baselines/main.json")
        );
        assert_eq!(
            baseline_path("v1.2-ci").unwrap(),
            Path::new("results/baselines/v1.2-ci.json")
        );
        assert_eq!(
            baseline_path("/tmp/b.json").unwrap(),
            Path::new("/tmp/b.json")
        );
        for bad in ["", "..", ".hidden", "a b", "a\\b", "../escape", "a/b"] {
            assert!(baseline_path(bad).is_err(), "{bad:?}");
        }
    }
}
