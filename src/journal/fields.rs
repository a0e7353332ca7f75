//! Reading the fields of one CSV row, with errors that name the file, line and column.

use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use csv::StringRecord;

use super::JournalError;
use smol_str::SmolStr;

use crate::ledger::{Draw, DrawList};

/// What a lot list must look like, for error messages.
const LOTS_EXPECTED: &str = "lot:credits pairs separated by `;`, such as `3:10;4:5` (or empty)";

/// One row of a CSV file being read, with what is needed to blame a field precisely.
pub(crate) struct Fields<'a> {
    /// The file, for messages.
    pub file: &'a Path,
    /// The line the row starts on.
    pub line: u64,
    pub record: &'a StringRecord,
    /// The header, to name columns.
    pub columns: &'static [&'static str],
}

impl<'a> Fields<'a> {
    /// The raw text of column `col`.
    pub(super) fn raw(&self, col: usize) -> &'a str {
        self.record.get(col).unwrap_or("")
    }

    /// An error blaming column `col`.
    pub(super) fn error(&self, col: usize, expected: impl Into<String>) -> JournalError {
        JournalError::Field {
            file: self.file.to_path_buf(),
            line: self.line,
            column: self.columns[col],
            expected: expected.into(),
            found: self.raw(col).to_string(),
        }
    }

    /// Column `col` as a key or name (any text, even empty, is valid), stored inline when
    /// short.
    pub(super) fn name(&self, col: usize) -> SmolStr {
        SmolStr::new(self.raw(col))
    }

    /// Column `col` as a number; `expected` says what it means.
    pub(super) fn number<T: FromStr>(&self, col: usize, expected: &str) -> Result<T, JournalError> {
        self.raw(col).parse().map_err(|_| self.error(col, expected))
    }

    /// Column `col` as a number, or `None` when empty.
    pub(super) fn optional<T: FromStr>(
        &self,
        col: usize,
        expected: &str,
    ) -> Result<Option<T>, JournalError> {
        if self.raw(col).is_empty() {
            return Ok(None);
        }
        self.number(col, expected).map(Some)
    }

    /// Column `col` as a lot list such as `3:10;4:5`.
    pub(super) fn draws(&self, col: usize) -> Result<DrawList, JournalError> {
        parse_draws(self.raw(col)).ok_or_else(|| self.error(col, LOTS_EXPECTED))
    }

    /// Fails unless column `col` is empty: a column that a row's kind does not use must be
    /// empty, so that a shifted or misplaced value is caught rather than ignored.
    pub(super) fn unused(&self, col: usize, kind: &str) -> Result<(), JournalError> {
        if self.raw(col).is_empty() {
            return Ok(());
        }
        Err(self.error(
            col,
            format!("an empty field (a `{kind}` row does not use this column)"),
        ))
    }
}

/// Parses `3:10;4:5`; the empty string is the empty list.
fn parse_draws(text: &str) -> Option<DrawList> {
    if text.is_empty() {
        return Some(DrawList::new());
    }
    text.split(';')
        .map(|pair| {
            let (lot, credits) = pair.split_once(':')?;
            Some(Draw {
                lot: lot.parse().ok()?,
                credits: credits.parse().ok()?,
            })
        })
        .collect()
}

/// Writes `draws` as `3:10;4:5` into `out` (cleared first).
pub(crate) fn write_draws(out: &mut String, draws: &[Draw]) {
    out.clear();
    for (i, draw) in draws.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let _ = write!(out, "{}:{}", draw.lot, draw.credits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lot_lists_round_trip_and_reject_garbage() {
        let draws: DrawList = smallvec::smallvec![
            Draw {
                lot: 3,
                credits: 10,
            },
            Draw { lot: 4, credits: 5 },
        ];
        let mut text = String::new();
        write_draws(&mut text, &draws);
        assert_eq!(text, "3:10;4:5");
        assert_eq!(parse_draws(&text), Some(draws));
        assert_eq!(parse_draws(""), Some(DrawList::new()));
        for bad in ["3", "3:", ":4", "3:4;", "3:-1", "a:1", "3:4,5:6", " 3:4"] {
            assert_eq!(parse_draws(bad), None, "{bad:?} should not parse");
        }
    }
}
