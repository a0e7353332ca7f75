//! The noise-free figure: instructions that valgrind's callgrind counts while the creditsim
//! binary runs a small scenario deterministically (one thread, virtual time, randomness from
//! the seed). It does not depend on what else the machine is doing, so a CI gate can rely on
//! it where timings on a shared machine cannot be relied on.
//!
//! It is not perfectly constant: a few hash maps in the runtime and its dependencies seed
//! themselves at random, so two runs of the same binary differ by a few thousandths of a
//! percent (measured here: 101,513,050 and 101,510,792 instructions for 2000 steps). Its
//! tolerance is set far above that.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{BenchError, Sample};

/// The scenario counted: the shipped campaigns scenario (shared workspaces, variable costs,
/// refunded failures), built in and written beside the count.
pub(super) const COUNTED_TOML: &str = include_str!("../../scenarios/campaigns.toml");

/// The scenario's name in the workload description.
pub(super) const COUNTED_NAME: &str = "campaigns";

/// What was counted, so that only like is compared with like: the binary's build profile
/// is part of it, since a debug build executes other instructions.
pub(super) fn workload(steps: u64, seed: u64) -> String {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "callgrind: creditsim run {COUNTED_NAME} --deterministic --steps {steps} --seed {seed}, \
         {profile} build"
    )
}

/// Counts the instructions of `program run <campaigns> --deterministic --steps N` under
/// callgrind, in `scratch` (a directory the caller owns).
pub(super) fn count(
    entry: &'static str,
    program: Option<&Path>,
    scratch: &Path,
    steps: u64,
    seed: u64,
) -> Result<Sample, BenchError> {
    let Some(program) = program else {
        return Ok(Sample::Unavailable(
            "no creditsim binary to count was given",
        ));
    };
    let failed = |what: String| BenchError::failed(entry, what);
    let scenario = scratch.join("counted.toml");
    std::fs::write(&scenario, COUNTED_TOML)
        .map_err(|e| failed(format!("{}: {e}", scenario.display())))?;
    let out_file = scratch.join("callgrind.out");
    let spawned = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(program)
        .arg("run")
        .arg(&scenario)
        .args([
            "--deterministic",
            "--no-thresholds",
            "--steps",
            &steps.to_string(),
        ])
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(scratch.join("run"))
        .env("CI", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let output = match spawned {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Sample::Unavailable("valgrind is not installed"));
        }
        Err(err) => return Err(failed(format!("cannot start valgrind: {err}"))),
        Ok(output) => output,
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(failed(format!(
            "the counted run failed ({}): {}",
            output.status,
            tail.join(" / ")
        )));
    }
    let text = std::fs::read_to_string(&out_file)
        .map_err(|e| failed(format!("{}: {e}", out_file.display())))?;
    total_instructions(&text)
        .map(Sample::Measured)
        .ok_or_else(|| failed(format!("{}: no `summary:` line", out_file.display())))
}

/// The total of a callgrind output file: its `summary:` line (or `totals:`), whose first
/// number is instructions executed (`Ir`, the default event).
fn total_instructions(callgrind_out: &str) -> Option<f64> {
    let line = (callgrind_out.lines())
        .find(|l| l.starts_with("summary:"))
        .or_else(|| callgrind_out.lines().find(|l| l.starts_with("totals:")))?;
    let number = line.split_once(':')?.1.split_whitespace().next()?;
    number.parse::<u64>().ok().map(|n| n as f64)
}

/// A scratch directory of this process's own, removed by [`Scratch::drop`].
pub(super) struct Scratch(pub PathBuf);

impl Scratch {
    /// Creates it under the system's temporary directory.
    pub(super) fn new() -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("creditsim-bench-{:010}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_read_from_the_summary_line() {
        let out = "version: 1\nevents: Ir\nsummary: 101513050\ntotals: 9\n";
        assert_eq!(total_instructions(out), Some(101_513_050.0));
        assert_eq!(total_instructions("events: Ir\ntotals: 42 7\n"), Some(42.0));
        assert_eq!(total_instructions("events: Ir\n"), None);
        assert_eq!(total_instructions("summary: many\n"), None);
    }

    #[test]
    fn the_workload_names_the_build_so_that_builds_are_not_compared() {
        let text = workload(2000, 1);
        assert!(text.contains("--steps 2000 --seed 1"), "{text}");
        assert!(text.ends_with(" build"), "{text}");
    }
}
