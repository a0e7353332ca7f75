//! What produced a bench report: the code (git commit), the machine (cores, CPU model), the
//! build, the seed and the sample counts, so that a baseline says what it is a baseline of.

use std::process::Command;

use serde::Serialize;

/// Where a report's figures came from.
#[derive(Clone, Debug, Serialize)]
pub struct Provenance {
    /// `git rev-parse HEAD` in the working directory, or `unknown` outside a repository.
    pub git_commit: String,
    /// Whether tracked files had uncommitted changes (`git status`), or `unknown`.
    pub git_dirty: String,
    /// The cores this process may use.
    pub cores: usize,
    /// The CPU's model name (`/proc/cpuinfo`), or `unknown`.
    pub cpu_model: String,
    /// `release` or `debug`.
    pub profile: &'static str,
    /// The crate version of the build that ran, from `CARGO_PKG_VERSION`.
    pub creditsim_version: &'static str,
    /// `quick` or `full`.
    pub suite: &'static str,
    /// The seed of the stress run and the counted run.
    pub seed: u64,
    /// Rounds of the timed metrics (each metric sampled once per round).
    pub rounds: usize,
    /// How many times each counted (instruction-count) metric was run.
    pub counted_runs: usize,
    /// Seconds since the Unix epoch when the suite started.
    pub started_unix_s: u64,
}

impl Provenance {
    /// This process, now.
    pub fn here(suite: &'static str, seed: u64, rounds: usize, counted_runs: usize) -> Provenance {
        let git = |args: &[&str]| {
            let output = Command::new("git").args(args).output().ok()?;
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
        };
        let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
            .map(|s| (!s.is_empty()).to_string());
        Provenance {
            git_commit: git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into()),
            git_dirty: dirty.unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".into()),
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            creditsim_version: env!("CARGO_PKG_VERSION"),
            suite,
            seed,
            rounds,
            counted_runs,
            started_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("model name"))?;
    Some(line.split_once(':')?.1.trim().to_string())
}
