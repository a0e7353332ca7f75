//! Rendering for people: the run summary and a checker verdict as plain text.

use std::fmt::Write;

use crate::check::{Invariant, InvariantSummary, Verdict, Violation};

use super::summary::{Percentiles, Summary};

/// The per-invariant table, then each violated invariant in brief: its first, worst and
/// last violation, as Jepsen summarises an anomaly, instead of a flood of lines. Every
/// violation is in `--json` and `summary.json`.
pub fn render_verdict(verdict: &Verdict, out: &mut String) {
    for invariant in Invariant::ALL {
        let count = verdict.counts.get(&invariant).copied().unwrap_or(0);
        let id = invariant.to_string();
        let _ = writeln!(out, "  {id:<4} {:<36}{count:>8}", invariant.summary());
    }
    for summary in &verdict.summaries {
        render_brief(summary, out);
    }
    if verdict.violations_dropped > 0 {
        let _ = writeln!(
            out,
            "({} violations kept of {}; the counts and briefs cover all of them)",
            verdict.violations.len(),
            verdict.violations_total
        );
    }
    for note in &verdict.notes {
        let _ = writeln!(out, "note: {note}");
    }
}

/// One invariant's violations in brief; a violation that is first, worst and last at once
/// is shown once.
fn render_brief(summary: &InvariantSummary, out: &mut String) {
    let invariant = summary.invariant;
    let plural = if summary.count == 1 { "" } else { "s" };
    let _ = writeln!(
        out,
        "{invariant} {}: {} violation{plural}",
        invariant.summary(),
        summary.count
    );
    let same = summary.first == summary.worst && summary.worst == summary.last;
    let lines: &[(&str, &Violation)] = if same {
        &[("only", &summary.first)]
    } else {
        &[
            ("first", &summary.first),
            ("worst", &summary.worst),
            ("last", &summary.last),
        ]
    };
    for (label, violation) in lines {
        let _ = writeln!(out, "  {label:<5} {}", located(violation));
    }
}

/// `account 3 event 40 at 1970-02-01 00:00:00.000 (25 credits): message`.
pub fn located(violation: &Violation) -> String {
    let mut text = format!("account {}", violation.account);
    if let Some(seq) = violation.seq {
        let _ = write!(text, " event {seq}");
    }
    if let Some(at_ms) = violation.at_ms {
        let _ = write!(text, " at {}", virtual_date(at_ms));
    }
    if violation.credits > 0 {
        let _ = write!(text, " ({} credits)", violation.credits);
    }
    let _ = write!(text, ": {}", violation.message);
    text
}

/// A virtual time as a UTC date a person reads (`1970-02-01 00:00:00.000`).
pub fn virtual_date(at_ms: u64) -> String {
    crate::ledger::calendar::date_text(at_ms)
}

fn latency_row(out: &mut String, op: &str, p: &Percentiles) {
    let _ = writeln!(
        out,
        "  {op:<8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
        p.p50, p.p90, p.p99, p.p999, p.max, p.count
    );
}

/// A span of virtual time in the unit a person would pick: ms, s, h or days.
fn virtual_span(span_ms: u64) -> String {
    const HOUR_MS: f64 = 3_600_000.0;
    let ms = span_ms as f64;
    match span_ms {
        0..1_000 => format!("{span_ms} ms"),
        1_000..3_600_000 => format!("{:.1} s", ms / 1000.0),
        3_600_000..172_800_000 => format!("{:.1} h", ms / HOUR_MS),
        _ => format!("{:.1} days", ms / (24.0 * HOUR_MS)),
    }
}

/// What the backend counted about itself (retries, connection errors), when it counted
/// anything.
fn render_backend(summary: &Summary, out: &mut String) {
    if summary.backend.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nbackend");
    for (name, count) in &summary.backend {
        let _ = writeln!(out, "  {name:<24}{count:>8}");
    }
}

/// The run summary a person reads at a glance.
pub fn render_summary(summary: &Summary, verdict: Option<&Verdict>) -> String {
    let mut out = String::new();
    render_heading(summary, &mut out);
    render_tables(summary, &mut out);
    render_personas(summary, &mut out);
    render_backend(summary, &mut out);
    let _ = writeln!(out);
    match verdict {
        None => {
            let _ = writeln!(out, "invariants: not checked (--no-check)");
        }
        Some(verdict) => {
            let state = match verdict.ok() {
                true => "every one held".to_string(),
                false => format!("{} violations", verdict.violations_total),
            };
            let _ = writeln!(out, "invariants: {state}");
            render_verdict(verdict, &mut out);
        }
    }
    for breach in &summary.thresholds {
        let _ = writeln!(out, "threshold breached: {}", breach.message);
    }
    if !summary.ok {
        let _ = writeln!(out, "reproduce with: {}", summary.labels.reproduce);
    }
    out
}

/// What ran, whether it was cut short, and how fast it went.
fn render_heading(s: &Summary, out: &mut String) {
    let labels = &s.labels;
    let deterministic = if labels.deterministic {
        " · deterministic"
    } else {
        ""
    };
    let faults = match labels.faults.is_empty() {
        true => String::new(),
        false => format!(" · faults {}", labels.faults.join(",")),
    };
    let _ = writeln!(
        out,
        "{} · vendor {} · ledger {} · seed {}{deterministic}{faults}",
        labels.scenario, labels.vendor, labels.ledger, labels.seed,
    );
    if let Some(stall) = s.stalled {
        let _ = writeln!(
            out,
            "STALLED: agent {} waited {} s for the ledger to answer; the results cover the \
             steps taken before",
            stall.agent, stall.waited_s
        );
    } else if s.interrupted {
        let _ = writeln!(
            out,
            "interrupted: the results cover the steps taken before it"
        );
    }
    let _ = writeln!(
        out,
        "{} steps in {:.2} s: {:.0} steps/s, {:.0} reserve→commit cycles/s; virtual time spanned {}",
        s.counts["steps"],
        s.elapsed_s,
        s.throughput.steps_per_s,
        s.throughput.cycles_per_s,
        virtual_span(s.virtual_end_ms.saturating_sub(s.virtual_start_ms))
    );
}

/// Outcomes, latency and credits.
fn render_tables(s: &Summary, out: &mut String) {
    let _ = writeln!(out, "\noutcomes");
    let always = [
        "committed",
        "released",
        "insufficient",
        "not_entitled",
        "warnings",
    ];
    for (name, count) in &s.counts {
        if *count > 0 || always.contains(name) {
            let _ = writeln!(out, "  {name:<18}{count:>10}");
        }
    }
    let _ = writeln!(
        out,
        "\nlatency µs     p50       p90       p99     p99.9       max    samples"
    );
    for (op, p) in &s.latency_by_op_us {
        if p.count > 0 {
            latency_row(out, op, p);
        }
    }
    let _ = writeln!(
        out,
        "\ncredits   {:>12} {:>12} {:>12} {:>12} {:>12}",
        "granted", "charged", "expired", "remaining", "held"
    );
    for (pool, t) in &s.credits {
        let _ = writeln!(
            out,
            "  {pool:<8}{:>12} {:>12} {:>12} {:>12} {:>12}",
            t.granted, t.charged, t.expired, t.remaining, t.held
        );
    }
}

/// Accounts, agents and blocked steps by persona, then each persona's credits per pool.
fn render_personas(s: &Summary, out: &mut String) {
    let _ = writeln!(out, "\npersonas          accounts    agents  insufficient");
    for (name, p) in &s.personas {
        let _ = writeln!(
            out,
            "  {name:<14}{:>10}{:>10}{:>14}",
            p.accounts, p.agents, p.insufficient
        );
    }
    let _ = writeln!(
        out,
        "\ncredits by persona     {:>12} {:>12} {:>12} {:>12} {:>12}",
        "granted", "charged", "expired", "remaining", "held"
    );
    for (name, p) in &s.personas {
        for (pool, t) in &p.credits {
            let _ = writeln!(
                out,
                "  {name:<12} {pool:<8}{:>12} {:>12} {:>12} {:>12} {:>12}",
                t.granted, t.charged, t.expired, t.remaining, t.held
            );
        }
    }
}
