//! `journal.csv`: writing events as they happen and reading them back.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::JournalError;
use super::csvio::{RowReader, RowWriter, TornLine};
use super::row::{JOURNAL_COLUMNS, fill, parse};
use crate::ledger::Event;

/// Writes journal events as CSV rows to any writer (a file, a `Vec<u8>` in tests), header
/// first. Writing a row allocates nothing once the column buffers have grown, so a run can
/// journal millions of events per second.
pub struct JournalWriter<W: io::Write> {
    rows: RowWriter<W, 17>,
}

impl<W: io::Write> JournalWriter<W> {
    /// A writer over `inner` that has written the header.
    pub fn new(inner: W) -> Result<Self, JournalError> {
        Ok(JournalWriter {
            rows: RowWriter::new(inner, &JOURNAL_COLUMNS)?,
        })
    }

    /// Writes one event as one row.
    pub fn write(&mut self, event: &Event) -> Result<(), JournalError> {
        fill(event, &mut self.rows.fields);
        self.rows.write_fields()
    }

    /// Pushes buffered rows to the inner writer, so a reader sees them.
    pub fn flush(&mut self) -> Result<(), JournalError> {
        self.rows.flush()
    }

    /// Flushes and returns the inner writer.
    pub fn into_inner(self) -> Result<W, JournalError> {
        self.rows.into_inner()
    }
}

/// Reads journal events one at a time, so that a journal larger than memory can be checked.
/// Iteration stops after the first error.
pub struct JournalReader<R: io::Read> {
    rows: RowReader<R>,
}

impl JournalReader<io::Take<File>> {
    /// Opens a journal file and checks its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        Ok(JournalReader {
            rows: RowReader::open(path.as_ref(), &JOURNAL_COLUMNS)?,
        })
    }
}

impl<R: io::Read> JournalReader<R> {
    /// The incomplete last line a writer killed mid-row left, which is not read as a row.
    /// Only a file opened by path is checked for one; its line number is exact once every
    /// row has been read.
    pub fn torn_tail(&self) -> Option<TornLine> {
        self.rows.torn_tail()
    }

    /// Whether the file had no bytes at all: a run killed before it wrote anything. Such a
    /// file has no rows (and no header); only a file opened by path is checked.
    pub fn file_is_empty(&self) -> bool {
        self.rows.file_is_empty()
    }

    /// Reads a journal from `inner`; `name` stands for the file in error messages.
    pub fn from_reader(inner: R, name: impl Into<PathBuf>) -> Result<Self, JournalError> {
        Ok(JournalReader {
            rows: RowReader::new(inner, name.into(), &JOURNAL_COLUMNS)?,
        })
    }
}

impl<R: io::Read> Iterator for JournalReader<R> {
    type Item = Result<Event, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next_with(parse)
    }
}

/// Reads a whole journal file into memory, in file order. A torn last line or an empty file
/// (a run that wrote nothing yet) is an error here;
/// [`JournalReader`] reads the complete rows before one.
pub fn read_journal(path: impl AsRef<Path>) -> Result<Vec<Event>, JournalError> {
    let path = path.as_ref();
    let mut reader = JournalReader::open(path)?;
    if reader.file_is_empty() {
        return Err(JournalError::Empty(path.to_path_buf()));
    }
    let rows = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    match reader.torn_tail() {
        Some(torn) => Err(JournalError::Torn(torn)),
        None => Ok(rows),
    }
}
