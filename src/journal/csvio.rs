//! The CSV plumbing shared by `journal.csv` and `steps.csv`: a writer that reuses one buffer
//! per column, and a reader that checks the header and numbers lines for error messages.

use std::fs::File;
use std::io;
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
    pub fn new(inner: W, columns: &[&str; N]) -> Result<Self, JournalError> {
        let mut csv = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(inner);
        csv.write_record(columns)?;
        Ok(RowWriter {
            csv,
            fields: std::array::from_fn(|_| String::new()),
        })
    }

    /// Writes the current contents of `fields` as one row.
    pub fn write_fields(&mut self) -> Result<(), JournalError> {
        self.csv.write_record(&self.fields)?;
        Ok(())
    }

    /// Pushes buffered rows to the inner writer.
    pub fn flush(&mut self) -> Result<(), JournalError> {
        self.csv.flush().map_err(csv::Error::from)?;
        Ok(())
    }

    /// Flushes and returns the inner writer.
    pub fn into_inner(self) -> Result<W, JournalError> {
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
}

impl RowReader<File> {
    /// Opens `path` and checks its header.
    pub fn open(path: &Path, columns: &'static [&'static str]) -> Result<Self, JournalError> {
        let file = File::open(path).map_err(|source| JournalError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        RowReader::new(file, path.to_path_buf(), columns)
    }
}

impl<R: io::Read> RowReader<R> {
    /// Reads from `inner`, named `file` in messages, and checks its header.
    pub fn new(
        inner: R,
        file: PathBuf,
        columns: &'static [&'static str],
    ) -> Result<Self, JournalError> {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(inner);
        let mut reader = RowReader {
            file,
            csv,
            record: StringRecord::new(),
            columns,
            failed: false,
        };
        reader.check_header()?;
        Ok(reader)
    }

    fn check_header(&mut self) -> Result<(), JournalError> {
        let found = match self.csv.read_record(&mut self.record) {
            Ok(true) => self.record.iter().collect::<Vec<_>>().join(","),
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
    pub fn next_with<T>(
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
