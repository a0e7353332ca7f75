//! Why a journal or steps file could not be written or read.

use std::path::PathBuf;

/// An error reading or writing `journal.csv` or `steps.csv`. Every reading error names the file
/// and, where there is one, the line and the column, so that a person can open the file and fix
/// the row; the binary turns it into exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The file could not be opened or read.
    #[error("{}", file.display())]
    Io {
        /// The `journal.csv` or `steps.csv` path as the caller gave it.
        file: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The first line is not the expected header, so the columns cannot be trusted.
    #[error("{} line 1: expected the header `{expected}`, found `{found}`", file.display())]
    Header {
        /// The file whose first line this is, as its path was given.
        file: PathBuf,
        /// The header this format writes.
        expected: String,
        /// What the first line holds instead.
        found: String,
    },
    /// A row is not well-formed CSV (wrong number of fields, invalid UTF-8).
    #[error("{} line {line}: {why}", file.display())]
    Row {
        /// The file the row was read from, as its path was given.
        file: PathBuf,
        /// The line the row starts on, from 1.
        line: u64,
        /// What is wrong with it.
        why: String,
    },
    /// A field of a row does not hold what its column needs.
    #[error(
        "{} line {line}, column `{column}`: expected {expected}, found `{found}`",
        file.display()
    )]
    Field {
        /// The file the row was read from, as its path was given.
        file: PathBuf,
        /// The line the row starts on, from 1.
        line: u64,
        /// The column's name in the header.
        column: &'static str,
        /// What the column must hold here.
        expected: String,
        /// What it held.
        found: String,
    },
    /// The last line is incomplete (a writer was killed mid-row), where a whole file is needed.
    #[error("{0}")]
    Torn(super::TornLine),
    /// The file has no bytes at all (its writer was killed before it wrote anything), where a
    /// whole file is needed.
    #[error("{}: the file is empty: the run that writes it wrote nothing yet", .0.display())]
    Empty(PathBuf),
    /// A row could not be written.
    #[error("cannot write a row: {0}")]
    Write(#[from] csv::Error),
}
