//! `steps.csv`: what each user agent asked for and what it was told it paid. The checker
//! compares this with the journal for I4 (failed steps are never charged), I5 (charges lie
//! within the quote) and I7 (what agents were told equals what the ledger charged).

use std::fmt::Write as _;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::JournalError;
use super::csvio::{RowReader, RowWriter, TornLine};
use super::fields::Fields;
use smol_str::SmolStr;

use crate::ledger::{AccountId, Credits, Key, Name};

/// What an agent was told it paid for one key, after all its retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Told {
    /// A `Committed` reply said this many credits were charged.
    Charged(Credits),
    /// A definite answer that nothing was charged: released, hold closed, insufficient, not
    /// entitled, unlimited, or a free action that never reached the ledger.
    NotCharged,
    /// No definite answer: every attempt failed in flight (`LedgerError`), so the request may
    /// or may not have been applied. The checker accepts either outcome for such a key.
    Unknown,
}

/// One user-agent step as the agent saw it. The runner writes one per key it sent (or would
/// have sent) to the ledger, so that the checker can hold the ledger to what agents were told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The agent that ran the step, to name it in violations.
    pub agent: u32,
    /// The account the step was billed to.
    pub account: AccountId,
    /// The idempotency key of the step's reserve, commit and release.
    pub key: Key,
    /// The action priced, for people reading violations.
    pub action: Name,
    /// The action's parameters as `k=v;k=v`, for people reading violations. Shared with the
    /// agent's quote cache, so a step does not copy it.
    pub params: SmolStr,
    /// The quote's minimum: a charge below it is wrong (I5).
    pub quote_min: Credits,
    /// The quote's maximum: a charge above it is wrong (I5).
    pub quote_max: Credits,
    /// Whether the agent saw the generation fail; such a step must never be charged (I4).
    pub failed: bool,
    /// What the agent was told it paid (I7).
    pub told: Told,
}

/// The columns of `steps.csv`, in order; the first line of the file is exactly these.
pub const STEP_COLUMNS: [&str; 10] = [
    "agent",
    "account",
    "key",
    "action",
    "params",
    "quote_min",
    "quote_max",
    "failed",
    "told",
    "told_credits",
];

const AGENT: usize = 0;
const ACCOUNT: usize = 1;
const KEY: usize = 2;
const ACTION: usize = 3;
const PARAMS: usize = 4;
const QUOTE_MIN: usize = 5;
const QUOTE_MAX: usize = 6;
const FAILED: usize = 7;
const TOLD: usize = 8;
const TOLD_CREDITS: usize = 9;

/// Writes step records as CSV rows, header first.
pub struct StepWriter<W: io::Write> {
    rows: RowWriter<W, 10>,
}

impl<W: io::Write> StepWriter<W> {
    /// A writer over `inner` that has written the header.
    pub fn new(inner: W) -> Result<Self, JournalError> {
        Ok(StepWriter {
            rows: RowWriter::new(inner, &STEP_COLUMNS)?,
        })
    }

    /// Writes one step as one row.
    pub fn write(&mut self, step: &StepRecord) -> Result<(), JournalError> {
        fill(step, &mut self.rows.fields);
        self.rows.write_fields()
    }

    /// Pushes buffered rows to the inner writer.
    pub fn flush(&mut self) -> Result<(), JournalError> {
        self.rows.flush()
    }

    /// Flushes and returns the inner writer.
    pub fn into_inner(self) -> Result<W, JournalError> {
        self.rows.into_inner()
    }
}

fn fill(step: &StepRecord, out: &mut [String; 10]) {
    out.iter_mut().for_each(String::clear);
    let _ = write!(out[AGENT], "{}", step.agent);
    let _ = write!(out[ACCOUNT], "{}", step.account);
    out[KEY].push_str(&step.key);
    out[ACTION].push_str(&step.action);
    out[PARAMS].push_str(&step.params);
    let _ = write!(out[QUOTE_MIN], "{}", step.quote_min);
    let _ = write!(out[QUOTE_MAX], "{}", step.quote_max);
    out[FAILED].push_str(if step.failed { "true" } else { "false" });
    match step.told {
        Told::Charged(credits) => {
            out[TOLD].push_str("charged");
            let _ = write!(out[TOLD_CREDITS], "{credits}");
        }
        Told::NotCharged => out[TOLD].push_str("not-charged"),
        Told::Unknown => out[TOLD].push_str("unknown"),
    }
}

fn parse(row: &Fields<'_>) -> Result<StepRecord, JournalError> {
    let quote_min = row.number(QUOTE_MIN, "the quote's minimum, in credits")?;
    let quote_max: Credits = row.number(QUOTE_MAX, "the quote's maximum, in credits")?;
    if quote_max < quote_min {
        return Err(row.error(QUOTE_MAX, format!("at least quote_min ({quote_min})")));
    }
    Ok(StepRecord {
        agent: row.number(AGENT, "an agent id (a whole number)")?,
        account: row.number(ACCOUNT, "an account id (a whole number)")?,
        key: row.name(KEY),
        action: row.name(ACTION),
        params: row.name(PARAMS),
        quote_min,
        quote_max,
        failed: row.number(FAILED, "true or false")?,
        told: parse_told(row)?,
    })
}

fn parse_told(row: &Fields<'_>) -> Result<Told, JournalError> {
    let told = match row.raw(TOLD) {
        "charged" => {
            return Ok(Told::Charged(row.number(
                TOLD_CREDITS,
                "the credits the agent was told it was charged",
            )?));
        }
        "not-charged" => Told::NotCharged,
        "unknown" => Told::Unknown,
        _ => return Err(row.error(TOLD, "one of charged, not-charged, unknown")),
    };
    row.unused(TOLD_CREDITS, row.raw(TOLD))?;
    Ok(told)
}

/// Reads step records one at a time. Iteration stops after the first error.
pub struct StepReader<R: io::Read> {
    rows: RowReader<R>,
}

impl StepReader<io::Take<File>> {
    /// Opens a steps file and checks its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        Ok(StepReader {
            rows: RowReader::open(path.as_ref(), &STEP_COLUMNS)?,
        })
    }
}

impl<R: io::Read> StepReader<R> {
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

    /// Reads steps from `inner`; `name` stands for the file in error messages.
    pub fn from_reader(inner: R, name: impl Into<PathBuf>) -> Result<Self, JournalError> {
        Ok(StepReader {
            rows: RowReader::new(inner, name.into(), &STEP_COLUMNS)?,
        })
    }
}

impl<R: io::Read> Iterator for StepReader<R> {
    type Item = Result<StepRecord, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next_with(parse)
    }
}

/// Reads a whole steps file into memory, in file order.
/// A torn last line or an empty file is an error here; [`StepReader`] reads the complete rows
/// before one.
pub fn read_steps(path: impl AsRef<Path>) -> Result<Vec<StepRecord>, JournalError> {
    let path = path.as_ref();
    let mut reader = StepReader::open(path)?;
    if reader.file_is_empty() {
        return Err(JournalError::Empty(path.to_path_buf()));
    }
    let rows = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    match reader.torn_tail() {
        Some(torn) => Err(JournalError::Torn(torn)),
        None => Ok(rows),
    }
}
