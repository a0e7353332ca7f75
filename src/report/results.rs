//! `results/<run>/`: the files a run leaves beside its journal (`summary.json` and
//! `latency.csv`), written so that a reader never sees half a file.

use std::path::{Path, PathBuf};

use super::summary::{Summary, latency_csv};
use crate::runner::RunResult;

/// Why a result file could not be written, naming it.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", file.display())]
pub struct WriteError {
    /// The file.
    pub file: PathBuf,
    /// The operating system's reason.
    #[source]
    pub source: std::io::Error,
}

/// Writes `summary.json` and `latency.csv` into `dir`.
pub fn write_results(dir: &Path, summary: &Summary, result: &RunResult) -> Result<(), WriteError> {
    let json = serde_json::to_string_pretty(summary).expect("a summary always serializes");
    write_atomically(&dir.join("summary.json"), json.as_bytes())?;
    write_atomically(&dir.join("latency.csv"), latency_csv(result).as_bytes())
}

/// Writes `bytes` to a temporary file beside `file` and renames it into place.
fn write_atomically(file: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let fail = |source| WriteError {
        file: file.to_path_buf(),
        source,
    };
    let partial = file.with_extension("partial");
    std::fs::write(&partial, bytes).map_err(fail)?;
    std::fs::rename(&partial, file).map_err(fail)
}
