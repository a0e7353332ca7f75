//! Errors that point a person at the exact place in a scenario or trace file.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A place in an input file (1-based line and column, columns counted in characters), so
/// that an editor can jump straight to the offending field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The input file, as its path was given (relative paths stay relative).
    pub path: PathBuf,
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `source`, the text of `path`. Offsets past the end
    /// point just after the last character; offsets inside a character point at it.
    pub(crate) fn at_offset(path: &Path, source: &str, offset: usize) -> Location {
        let mut end = offset.min(source.len());
        while !source.is_char_boundary(end) {
            end -= 1;
        }
        let before = &source[..end];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            path: path.to_path_buf(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// Everything that can be wrong with a scenario or a trace. Every variant names the file;
/// `Invalid` also names the line, column and field, and says what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read (or written, for a trace).
    #[error("{}: {what}", path.display())]
    Io {
        /// The scenario, trace or economics file being read, or the trace being written.
        path: PathBuf,
        /// What was being done (`cannot read`).
        what: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A value in the file is wrong.
    #[error("{at}: {}{message}", field_prefix(.field.as_deref()))]
    Invalid {
        /// The file, line and column of the offending value.
        at: Location,
        /// The field, as written in the file (`weight`), when one is to blame.
        field: Option<String>,
        /// What was expected and what was found.
        message: String,
    },
    /// The scenario is valid but cannot do what was asked of it (for example, generating a
    /// trace from a run that is bounded by time rather than by steps).
    #[error("{}: {message}", path.display())]
    Unsupported {
        /// The scenario file, as its path was given.
        path: PathBuf,
        /// Why, and what to change.
        message: String,
    },
}

fn field_prefix(field: Option<&str>) -> String {
    field
        .map(|f| format!("field \"{f}\": "))
        .unwrap_or_default()
}

/// A source file being validated: turns byte spans into located errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SourceText<'a> {
    /// The file, as given (relative paths stay relative in messages).
    pub path: &'a Path,
    pub text: &'a str,
}

impl<'a> SourceText<'a> {
    /// An error about `field` at the start of `span`.
    pub(crate) fn error(
        &self,
        span: Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError::Invalid {
            at: Location::at_offset(self.path, self.text, span.start),
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// An error about the file as a whole, at its start.
    pub(crate) fn error_at_start(&self, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            at: Location::at_offset(self.path, self.text, 0),
            field: None,
            message: message.into(),
        }
    }

    /// A TOML syntax or type error, with the field recovered from the message or, failing
    /// that, from the `key =` that precedes the offending value on its line.
    pub(crate) fn toml_error(&self, err: &toml::de::Error) -> ScenarioError {
        let offset = err.span().map_or(0, |s| s.start);
        let message = err.message().trim_end().to_string();
        let field = backticked_after(&message, "unknown field `")
            .or_else(|| backticked_after(&message, "missing field `"))
            .or_else(|| key_before(self.text, offset))
            .or_else(|| key_at(self.text, offset));
        let message = plain_message(&message, field.as_deref());
        ScenarioError::Invalid {
            at: Location::at_offset(self.path, self.text, offset),
            field,
            message,
        }
    }
}

/// The TOML library's words for a person: "expected i64" is a whole number, an integer too
/// large for one says its limit, and a duplicate key names the key.
fn plain_message(message: &str, field: Option<&str>) -> String {
    if message == "duplicate key" {
        let key = field.unwrap_or("?");
        return format!("duplicate key `{key}`: it is already set above in the same table");
    }
    if message.contains("as i128, expected i64") {
        return format!(
            "{}: expected a whole number of at most {}",
            message.split(" as i128").next().unwrap_or(message),
            i64::MAX
        );
    }
    message.replace("expected i64", "expected a whole number")
}

/// The key of the `key = value` line that starts at `offset`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line = text.get(offset..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty()).then(|| key.to_string())
}

/// The text between `prefix` and the next backtick, if `message` starts with `prefix`.
fn backticked_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_string)
}

/// The bare key of a `key = value` line whose value starts at `offset`, if the line has that
/// shape.
fn key_before(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let head = text.get(line_start..offset)?;
    let (key, _) = head.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    plain.then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        let at = |o| Location::at_offset(Path::new("x.toml"), text, o);
        assert_eq!((at(0).line, at(0).column), (1, 1));
        assert_eq!((at(6).line, at(6).column), (2, 1));
        // 'é' is two bytes: the '=' after it is the 4th character of line 2.
        assert_eq!((at(10).line, at(10).column), (2, 4));
        assert_eq!(at(10).to_string(), "x.toml:2:4");
        assert_eq!((at(999).line, at(999).column), (3, 1));
    }

    #[test]
    fn the_key_before_a_value_is_found() {
        let text = "[x]\n  weight = \"three\"\n";
        let offset = text.find('"').unwrap();
        assert_eq!(key_before(text, offset).as_deref(), Some("weight"));
        assert_eq!(key_before(text, 1), None);
    }
}
