//! A comparison for people (a table's cells, Markdown for a pull-request comment) and for CI
//! systems (JUnit cases).

use std::fmt::Write;

use super::{Comparison, Row, Verdict};
use crate::report::junit::{Case, CaseOutcome};

/// A number as a person reads it: three significant figures, with k, M or G for large ones.
pub fn human(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = match magnitude {
        m if m >= 1e9 => (value / 1e9, " G"),
        m if m >= 1e6 => (value / 1e6, " M"),
        m if m >= 1e4 => (value / 1e3, " k"),
        _ => (value, ""),
    };
    let digits = match scaled.abs() {
        a if a >= 100.0 || a == 0.0 || scaled.fract() == 0.0 => 0,
        a if a >= 10.0 => 1,
        a if a >= 1.0 => 2,
        _ => 3,
    };
    format!("{scaled:.digits$}{suffix}")
}

/// The headers and cells of a comparison's table, one row per metric both sides have.
pub fn render_table(comparison: &Comparison) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers = vec![
        "metric",
        "baseline",
        "current",
        "change",
        "tolerance",
        "verdict",
        "why",
    ];
    let rows = comparison.rows.iter().map(cells).collect();
    (headers, rows)
}

fn cells(row: &Row) -> Vec<String> {
    let value = |v: f64| match row.unit.is_empty() {
        true => human(v),
        false => format!("{} {}", human(v), row.unit),
    };
    let change = row
        .change_pct
        .map_or("from 0".to_string(), |pct| format!("{pct:+.1}%"));
    let mut verdict = row.verdict.name().to_string();
    if row.verdict == Verdict::Regressed && !row.gated {
        verdict.push_str(" (not gated)");
    }
    vec![
        row.metric.clone(),
        value(row.baseline),
        value(row.current),
        change,
        format!("±{}%", row.tolerance_pct),
        verdict,
        row.why.clone(),
    ]
}

/// The comparison as Markdown: a table, then the metrics only one side has.
pub fn render_markdown(title: &str, comparison: &Comparison) -> String {
    let (headers, rows) = render_table(comparison);
    let mut out = format!("### {title}\n\n");
    let _ = writeln!(out, "| {} |", headers.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(headers.len()));
    for row in rows {
        let row: Vec<String> = row.iter().map(|cell| cell.replace('|', "\\|")).collect();
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    missing_lines(comparison, &mut out);
    out
}

/// "missing in ..." lines, in Markdown or plain text alike.
pub fn missing_lines(comparison: &Comparison, out: &mut String) {
    let sides = [
        ("missing in the baseline", &comparison.missing_in_baseline),
        (
            "missing in the current result",
            &comparison.missing_in_current,
        ),
    ];
    for (label, names) in sides {
        if !names.is_empty() {
            let _ = writeln!(out, "\n{label}: {}", names.join(", "));
        }
    }
}

/// One JUnit case per metric: failed when it regressed and is gated, skipped when it could
/// not be judged or one side lacks it.
pub fn to_junit(comparison: &Comparison) -> Vec<Case> {
    let mut cases: Vec<Case> = comparison.rows.iter().map(junit_case).collect();
    let sides = [
        ("missing in the baseline", &comparison.missing_in_baseline),
        (
            "missing in the current result",
            &comparison.missing_in_current,
        ),
    ];
    for (why, names) in sides {
        cases.extend(names.iter().map(|name| Case {
            name: name.clone(),
            outcome: CaseOutcome::Skipped(why.to_string()),
            output: String::new(),
        }));
    }
    cases
}

fn junit_case(row: &Row) -> Case {
    let cells = cells(row);
    let message = format!("{}: {}", row.verdict.name(), row.why);
    let outcome = match row.verdict {
        Verdict::Regressed if row.gated => CaseOutcome::Failed(message.clone()),
        Verdict::Noisy | Verdict::Incomparable => CaseOutcome::Skipped(message.clone()),
        _ => CaseOutcome::Passed,
    };
    Case {
        name: row.metric.clone(),
        outcome,
        output: format!(
            "baseline {}, current {}, change {}, {}",
            cells[1], cells[2], cells[3], message
        ),
    }
}
