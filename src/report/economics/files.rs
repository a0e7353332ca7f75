//! The result files of an economics run: `economics.json` (the report), `months.csv`
//! (persona × month) and `report.html` (tables and charts, self-contained).

use std::path::{Path, PathBuf};

use super::{EconomicsReport, Mean};

/// A result file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {message}", path.display())]
pub struct EconomicsWriteError {
    /// The output folder joined with `economics.json`, `months.csv` or `report.html`.
    pub path: PathBuf,
    /// The serializer's or the operating system's reason.
    pub message: String,
}

/// The columns of `months.csv`: per account of the persona, under the offer.
pub(super) const MONTH_COLUMNS: [&str; 11] = [
    "persona",
    "offer",
    "vendor",
    "month",
    "accounts",
    "spend_cents",
    "granted",
    "consumed",
    "expired",
    "blocked",
    "purchases",
];

/// Writes `economics.json`, `months.csv` and `report.html` into `dir` (which must exist).
pub fn write_economics(dir: &Path, report: &EconomicsReport) -> Result<(), EconomicsWriteError> {
    let fail = |file: &str, message: String| EconomicsWriteError {
        path: dir.join(file),
        message,
    };
    let json =
        serde_json::to_string_pretty(report).map_err(|e| fail("economics.json", e.to_string()))?;
    std::fs::write(dir.join("economics.json"), json + "\n")
        .map_err(|e| fail("economics.json", e.to_string()))?;
    let csv = months_csv(report).map_err(|e| fail("months.csv", e))?;
    std::fs::write(dir.join("months.csv"), csv).map_err(|e| fail("months.csv", e.to_string()))?;
    let html = super::html::page(report);
    std::fs::write(dir.join("report.html"), html)
        .map_err(|e| fail("report.html", e.to_string()))?;
    Ok(())
}

fn cell(m: Mean) -> String {
    match m {
        Mean::Exact(n) => n.to_string(),
        Mean::Approx(x) => x.to_string(),
    }
}

pub(super) fn months_csv(report: &EconomicsReport) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(MONTH_COLUMNS)
        .map_err(|e| e.to_string())?;
    for p in &report.personas {
        for m in &p.months {
            let spend = m.spend_cents.map(|c| ((c * 1e4).round() / 1e4).to_string());
            let row = [
                p.id.clone(),
                p.offer.clone(),
                p.vendor.clone(),
                m.month.to_string(),
                p.accounts.to_string(),
                spend.unwrap_or_default(),
                cell(m.granted),
                cell(m.consumed),
                cell(m.expired),
                cell(m.blocked),
                cell(m.purchases),
            ];
            writer.write_record(row).map_err(|e| e.to_string())?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}
