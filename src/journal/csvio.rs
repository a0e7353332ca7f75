//! The CSV plumbing shared by `journal.csv` and `steps.csv`: a writer that reuses one buffer
//! per column, and a reader that checks the header and numbers lines for error messages.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::JournalError;
use super::fields::Fields;

/// Writes rows of a fixed set of columns, header first. Keeps one `String` per column between
/// rows so that writing a row allocates nothing once the buffers have grown.
pub(crate) struct RowWriter<W: io::Write, const N: usize> {
    csv: csv::Writer<W>,
    /// One buffer per column, refilled for every row.
    pub fields: [String; N],
}

impl<W: io::Write, const N: usize> RowWriter<W, N> {
    /// A writer that has written `columns` as the header.
    pub(super) fn new(inner: W, columns: &[&str; N]) -> Result<Self, JournalError> {
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(inner);
        csv.write_record(columns)?;
        // The header reaches the file at once, so that a run killed before its first row
        // leaves a file that says what it is rather than an empty one.
        csv.flush().map_err(csv::Error::from)?;
        Ok(RowWriter {
            csv,
            fields: std::array::from_fn(|_| String::new()),
        })
    }

    /// Writes the current contents of `fields` as one row.
    pub(super) fn write_fields(&mut self) -> Result<(), JournalError> {
        self.csv.write_record(&self.fields)?;
        Ok(())
    }

    /// Pushes buffered rows to the inner writer.
    pub(super) fn flush(&mut self) -> Result<(), JournalError> {
        self.csv.flush().map_err(csv::Error::from)?;
        Ok(())
    }

    /// Flushes and returns the inner writer.
    pub(super) fn into_inner(self) -> Result<W, JournalError> {
        self.csv
            .into_inner()
            .map_err(|err| JournalError::Write(csv::Error::from(err.into_error())))
    }
}

/// Reads rows of a fixed set of columns after checking the header.
pub(crate) struct RowReader<R: io::Read> {
    file: PathBuf,
    csv: csv::Reader<R>,
    record: StringRecord,
    columns: &'static [&'static str],
    /// Set after an error, so that iteration stops there.
    failed: bool,
    /// The text after the file's last newline, which a writer killed mid-row leaves; it is
    /// not read as a row.
    torn: Option<String>,
    /// The file had no bytes at all: its writer was killed before the header reached it.
    empty: bool,
}

/// The incomplete last line of a file: text after the last newline, which is what a writer
/// killed in the middle of a row leaves behind. Rows are written whole and in order, so
/// everything before it is complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornLine {
    /// The file that ends in the torn line, as its path was given.
    pub file: PathBuf,
    /// The line it starts on, from 1.
    pub line: u64,
    /// Its text (the first 80 characters).
    pub text: String,
}

impl std::fmt::Display for TornLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} line {}: the last line is incomplete (`{}`, no newline after it)",
            self.file.display(),
            self.line,
            self.text
        )
    }
}

impl RowReader<io::Take<File>> {
    /// Opens `path` and checks its header. A last line without a newline after it is torn:
    /// it is left unread and reported by [`RowReader::torn_tail`].
    pub(super) fn open(
        path: &Path,
        columns: &'static [&'static str],
    ) -> Result<Self, JournalError> {
        let io_error = |source| JournalError::Io {
            file: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(io_error)?;
        crate::input::refuse_non_file(&file).map_err(io_error)?;
        let (complete_bytes, torn) = split_torn_tail(&mut file).map_err(io_error)?;
        let empty = file.seek(SeekFrom::End(0)).map_err(io_error)? == 0;
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        let mut reader =
            RowReader::unchecked(file.take(complete_bytes), path.to_path_buf(), columns);
        reader.torn = torn;
        reader.empty = empty;
        reader.check_header()?;
        Ok(reader)
    }
}

/// How many bytes of `file` end in its last newline, and the text after it, if any (none for
/// an empty file).
fn split_torn_tail(file: &mut File) -> io::Result<(u64, Option<String>)> {
    const CHUNK: u64 = 4096;
    let len = file.seek(SeekFrom::End(0))?;
    let mut end = len;
    let mut tail = Vec::new();
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let mut chunk = vec![0; (end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        if let Some(newline) = chunk.iter().rposition(|&byte| byte == b'\n') {
            tail.splice(0..0, chunk[newline + 1..].iter().copied());
            let complete = start + newline as u64 + 1;
            let torn = (complete < len).then(|| shorten(&tail));
            return Ok((complete, torn));
        }
        tail.splice(0..0, chunk);
        end = start;
    }
    Ok((0, (len > 0).then(|| shorten(&tail))))
}

/// The start of a torn line, for messages.
fn shorten(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(80).collect()
}

impl<R: io::Read> RowReader<R> {
    /// Reads from `inner`, named `file` in messages, and checks its header.
    pub(super) fn new(
        inner: R,
        file: PathBuf,
        columns: &'static [&'static str],
    ) -> Result<Self, JournalError> {
        let mut reader = RowReader::unchecked(inner, file, columns);
        reader.check_header()?;
        Ok(reader)
    }

    fn unchecked(inner: R, file: PathBuf, columns: &'static [&'static str]) -> Self {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(inner);
        RowReader {
            file,
            csv,
            record: StringRecord::new(),
            columns,
            failed: false,
            torn: None,
            empty: false,
        }
    }

    /// The torn last line, if the file has one. Its line number is exact once every row
    /// before it has been read.
    pub(super) fn torn_tail(&self) -> Option<TornLine> {
        self.torn.as_ref().map(|text| TornLine {
            file: self.file.clone(),
            line: self.csv.position().line(),
            text: text.clone(),
        })
    }

    /// Whether the file had no bytes at all (a run killed before it wrote anything): it
    /// has no rows, and no header to check. Only a file opened by path is checked.
    pub(super) fn file_is_empty(&self) -> bool {
        self.empty
    }

    fn check_header(&mut self) -> Result<(), JournalError> {
        let found = match self.csv.read_record(&mut self.record) {
            Ok(true) => self.record.iter().collect::<Vec<_>>().join(","),
            // A writer killed before it finished the header: there are no rows yet.
            Ok(false)
                if (self.torn.as_ref())
                    .is_some_and(|t| self.columns.join(",").starts_with(t.as_str())) =>
            {
                return Ok(());
            }
            Ok(false) if self.empty => return Ok(()),
            Ok(false) => String::from("an empty file"),
            Err(err) => return Err(self.csv_error(err)),
        };
        let expected = self.columns.join(",");
        if found != expected {
            return Err(JournalError::Header {
                file: self.file.clone(),
                expected,
                found,
            });
        }
        Ok(())
    }

    /// Reads the next row and parses it with `parse`; `None` at the end of the file or after
    /// the first error.
    pub(super) fn next_with<T>(
        &mut self,
        parse: impl FnOnce(&Fields<'_>) -> Result<T, JournalError>,
    ) -> Option<Result<T, JournalError>> {
        if self.failed {
            return None;
        }
        let result = match self.csv.read_record(&mut self.record) {
            Ok(false) => return None,
            Ok(true) => parse(&Fields {
                file: &self.file,
                line: self.record.position().map_or(0, |pos| pos.line()),
                record: &self.record,
                columns: self.columns,
            }),
            Err(err) => Err(self.csv_error(err)),
        };
        self.failed = result.is_err();
        Some(result)
    }

    fn csv_error(&self, err: csv::Error) -> JournalError {
        let line = err.position().map_or(0, |pos| pos.line());
        let why = match err.into_kind() {
            csv::ErrorKind::Io(source) => {
                return JournalError::Io {
                    file: self.file.clone(),
                    source,
                };
            }
            csv::ErrorKind::UnequalLengths { len, .. } => format!(
                "expected {} fields ({}), found {len}",
                self.columns.len(),
                self.columns.join(",")
            ),
            csv::ErrorKind::Utf8 { err, .. } => {
                format!("field {} is not valid UTF-8", err.field() + 1)
            }
            other => format!("malformed CSV: {other:?}"),
        };
        JournalError::Row {
            file: self.file.clone(),
            line,
            why,
        }
    }
}
