//! The economics benchmark: 1,000,000 accounts × 12 months × 10 steps per account-month
//! (120 M steps) through `creditsim economics`' engine with every check on, beside its
//! floor measured in the same run: a plain single-thread loop calling `Book` with the same
//! accounts, months and steps, and no accounting (no checks, counters or randomness).
//!
//! Targets (DESIGN.md, "Performance"): the run within 60 s and 8 GB on the 2-core machine
//! (beyond: 30 s), and steps/s at least half of the floor's times the cores used.
//!
//! `cargo bench --bench economics` runs it; `ECONOMICS_BENCH_ACCOUNTS` (default 1000000)
//! and `ECONOMICS_BENCH_FLOOR_ACCOUNTS` (default 100000: the floor's rate is steady long
//! before that) change the sizes. Measure peak memory with
//! `/usr/bin/time -v target/release/deps/economics-* --bench`; the run also prints its own
//! peak resident set (VmHWM).

use std::time::Duration;

use creditsim::bench::economics::{STEPS_PER_MONTH, config, floor, run_engine};

fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The process's peak resident set, from /proc (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let accounts = env_count("ECONOMICS_BENCH_ACCOUNTS", 1_000_000);
    let floor_accounts = env_count("ECONOMICS_BENCH_FLOOR_ACCOUNTS", 100_000).min(accounts);
    let config = config(accounts).expect("the bench scenario is valid");
    let rate = |(steps, elapsed): (u64, Duration)| steps as f64 / elapsed.as_secs_f64();
    let floor_before = rate(floor(&config, floor_accounts as u32));
    let result = run_engine("economics", &config).unwrap_or_else(|err| panic!("{err}"));
    let floor_after = rate(floor(&config, floor_accounts as u32));
    let seconds = result.elapsed.as_secs_f64();
    let sim_rate = result.steps as f64 / seconds;
    let floor_rate = (floor_before + floor_after) / 2.0;
    let spread = (floor_before - floor_after).abs() / floor_rate;
    let target = 0.5 * floor_rate * result.threads as f64;
    let peak = peak_rss_mib();
    println!(
        "economics bench: {accounts} accounts × 12 months × {STEPS_PER_MONTH} steps, checks on"
    );
    println!(
        "  run            {} steps in {seconds:.2} s on {} threads: {:.3} M steps/s",
        result.steps,
        result.threads,
        sim_rate / 1e6
    );
    println!(
        "  floor          {:.3} M steps/s (Book alone, 1 thread, {floor_accounts} accounts; before {:.3}, after {:.3}, spread {:.0}%)",
        floor_rate / 1e6,
        floor_before / 1e6,
        floor_after / 1e6,
        spread * 100.0
    );
    println!(
        "  target         ≥ {:.3} M steps/s (half the floor × {} threads): {} ({:.2}× the floor)",
        target / 1e6,
        result.threads,
        if sim_rate >= target { "met" } else { "missed" },
        sim_rate / floor_rate
    );
    println!(
        "  time           {seconds:.1} s: goal ≤ 60 s {}, beyond ≤ 30 s {}",
        if seconds <= 60.0 { "met" } else { "missed" },
        if seconds <= 30.0 { "met" } else { "missed" }
    );
    if let Some(peak) = peak {
        println!(
            "  peak memory    {peak:.0} MiB resident (goal ≤ 8 GiB), {:.1} bytes per account",
            peak * 1048576.0 / accounts as f64
        );
    }
}
