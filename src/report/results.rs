//! `results/<run>/`: the files a run leaves beside its journal (`summary.json` and
//! `latency.csv`), written so that a reader never sees half a file.

use std::path::{Path, PathBuf};

use super::summary::{Summary, latency_csv};
use crate::runner::RunResult;

/// Why a result file could not be written, naming it.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", file.display())]
pub struct WriteError {
    /// The result file (`summary.json`, a CSV) that could not be written.
    pub file: PathBuf,
    /// The operating system's reason.
    #[source]
    pub source: std::io::Error,
}

/// A results folder held by one run: an exclusive lock on `dir/.lock`, released when this is
/// dropped or the process ends (however it ends), so that two runs never interleave their
/// journals in one folder and a killed run never leaves the folder locked.
#[derive(Debug)]
pub struct ResultsDir {
    _lock: std::fs::File,
}

/// Why a results folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// Another run is writing into the folder.
    #[error("the results folder {} is in use by another run; wait for it, or choose another with --out", .0.display())]
    InUse(PathBuf),
    /// The folder or its lock could not be created.
    #[error(transparent)]
    Io(#[from] WriteError),
}

impl ResultsDir {
    /// Creates `dir` if needed, locks it for this run, and removes the summary files of an
    /// earlier run, which would otherwise sit beside this run's journal until it ends.
    pub fn claim(dir: &Path) -> Result<ResultsDir, ClaimError> {
        let fail = |file: &Path| {
            let file = file.to_path_buf();
            move |source| WriteError { file, source }
        };
        std::fs::create_dir_all(dir).map_err(fail(dir))?;
        let lock_path = dir.join(".lock");
        let lock = std::fs::File::create(&lock_path).map_err(fail(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(ClaimError::InUse(dir.to_path_buf()));
            }
            Err(std::fs::TryLockError::Error(source)) => Err(fail(&lock_path)(source))?,
        }
        for stale in ["summary.json", "latency.csv", "setup.json"] {
            let file = dir.join(stale);
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(fail(&file)(e))?,
                _ => {}
            }
        }
        Ok(ResultsDir { _lock: lock })
    }
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
