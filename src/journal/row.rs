//! One journal event as one flat CSV row, and back.
//!
//! Every event kind fills the columns it needs and leaves the others empty; the reader insists
//! that unused columns are empty, so a value in the wrong column is an error, not a silent
//! loss. Lot lists are written `lot:credits` pairs joined by `;` (`3:10;4:5`).

use std::fmt::Write as _;

use super::JournalError;
use super::fields::{Fields, write_draws};
use crate::ledger::{Event, EventKind, LotSource, Rejection};

/// The columns of `journal.csv`, in order; the first line of the file is exactly these.
pub const JOURNAL_COLUMNS: [&str; 17] = [
    "account",
    "seq",
    "at_ms",
    "kind",
    "key",
    "pool",
    "action",
    "lot",
    "credits",
    "lots",
    "returned",
    "expires_at_ms",
    "source",
    "priority",
    "reason",
    "available",
    "threshold",
];

const ACCOUNT: usize = 0;
const SEQ: usize = 1;
const AT_MS: usize = 2;
const KIND: usize = 3;
const KEY: usize = 4;
const POOL: usize = 5;
const ACTION: usize = 6;
const LOT: usize = 7;
const CREDITS: usize = 8;
const LOTS: usize = 9;
const RETURNED: usize = 10;
const EXPIRES_AT_MS: usize = 11;
const SOURCE: usize = 12;
const PRIORITY: usize = 13;
const REASON: usize = 14;
const AVAILABLE: usize = 15;
const THRESHOLD: usize = 16;

/// The values of the `kind` column.
const KINDS: &str = "one of granted, reserved, rejected, unlimited, committed, released, \
                     timed-out, expired, warning";

/// The columns each kind uses besides account, seq, at_ms and kind.
fn used_columns(kind: &str) -> &'static [usize] {
    match kind {
        "granted" => &[KEY, POOL, LOT, CREDITS, EXPIRES_AT_MS, SOURCE, PRIORITY],
        "reserved" => &[KEY, POOL, ACTION, CREDITS, LOTS, EXPIRES_AT_MS],
        "rejected" => &[KEY, POOL, ACTION, CREDITS, REASON, AVAILABLE],
        "unlimited" => &[KEY, POOL, ACTION, CREDITS],
        "committed" => &[KEY, POOL, CREDITS, LOTS, RETURNED],
        "released" | "timed-out" => &[KEY, POOL, RETURNED],
        "expired" => &[POOL, LOT, CREDITS],
        "warning" => &[POOL, AVAILABLE, THRESHOLD],
        _ => &[],
    }
}

/// One row being written: one reusable buffer per column.
struct Cells<'a>(&'a mut [String; 17]);

impl Cells<'_> {
    fn text(&mut self, column: usize, text: &str) {
        self.0[column].push_str(text);
    }

    fn number(&mut self, column: usize, n: impl std::fmt::Display) {
        let _ = write!(self.0[column], "{n}");
    }

    /// The kind, key and pool that almost every event has.
    fn head(&mut self, kind: &str, key: Option<&str>, pool: &str) {
        self.text(KIND, kind);
        if let Some(key) = key {
            self.text(KEY, key);
        }
        self.text(POOL, pool);
    }
}

/// Fills `out` (one reusable buffer per column) with the row for `event`.
pub(crate) fn fill(event: &Event, out: &mut [String; 17]) {
    out.iter_mut().for_each(String::clear);
    let mut cells = Cells(out);
    cells.number(ACCOUNT, event.account);
    cells.number(SEQ, event.seq);
    cells.number(AT_MS, event.at_ms);
    match &event.kind {
        EventKind::Granted { .. } => fill_granted(&event.kind, &mut cells),
        EventKind::Reserved { .. } | EventKind::Rejected { .. } | EventKind::Unlimited { .. } => {
            fill_request(&event.kind, &mut cells)
        }
        _ => fill_settlement(&event.kind, &mut cells),
    }
}

fn fill_granted(kind: &EventKind, cells: &mut Cells<'_>) {
    let EventKind::Granted {
        key,
        lot,
        pool,
        source,
        credits,
        expires_at_ms,
        priority,
    } = kind
    else {
        unreachable!("called for grants")
    };
    cells.head("granted", Some(key), pool);
    cells.number(LOT, lot);
    cells.number(CREDITS, credits);
    if let Some(at) = expires_at_ms {
        cells.number(EXPIRES_AT_MS, at);
    }
    cells.text(SOURCE, source_name(*source));
    cells.number(PRIORITY, priority);
}

/// The events of a reserve: held, refused, or unlimited.
fn fill_request(kind: &EventKind, cells: &mut Cells<'_>) {
    match kind {
        EventKind::Reserved {
            key,
            pool,
            action,
            credits,
            expires_at_ms,
            draws,
        } => {
            cells.head("reserved", Some(key), pool);
            cells.text(ACTION, action);
            cells.number(CREDITS, credits);
            write_draws(&mut cells.0[LOTS], draws);
            cells.number(EXPIRES_AT_MS, expires_at_ms);
        }
        EventKind::Rejected {
            key,
            pool,
            action,
            credits,
            reason,
        } => {
            cells.head("rejected", Some(key), pool);
            cells.text(ACTION, action);
            cells.number(CREDITS, credits);
            match reason {
                Rejection::Insufficient { available } => {
                    cells.text(REASON, "insufficient");
                    cells.number(AVAILABLE, available);
                }
                Rejection::NotEntitled => cells.text(REASON, "not-entitled"),
            }
        }
        EventKind::Unlimited {
            key,
            pool,
            action,
            credits,
        } => {
            cells.head("unlimited", Some(key), pool);
            cells.text(ACTION, action);
            cells.number(CREDITS, credits);
        }
        _ => unreachable!("called for reserves"),
    }
}

/// The events that settle credits: commits, releases, expiries and warnings.
fn fill_settlement(kind: &EventKind, cells: &mut Cells<'_>) {
    match kind {
        EventKind::Committed {
            key,
            pool,
            charged,
            charged_from,
            returned,
        } => {
            cells.head("committed", Some(key), pool);
            cells.number(CREDITS, charged);
            write_draws(&mut cells.0[LOTS], charged_from);
            write_draws(&mut cells.0[RETURNED], returned);
        }
        EventKind::Released {
            key,
            pool,
            timed_out,
            returned,
        } => {
            let name = if *timed_out { "timed-out" } else { "released" };
            cells.head(name, Some(key), pool);
            write_draws(&mut cells.0[RETURNED], returned);
        }
        EventKind::Expired { pool, lot, credits } => {
            cells.head("expired", None, pool);
            cells.number(LOT, lot);
            cells.number(CREDITS, credits);
        }
        EventKind::Warning {
            pool,
            threshold,
            available,
        } => {
            cells.head("warning", None, pool);
            cells.number(AVAILABLE, available);
            cells.number(THRESHOLD, threshold);
        }
        _ => unreachable!("called for settlements"),
    }
}

/// Parses one row into an event.
pub(crate) fn parse(row: &Fields<'_>) -> Result<Event, JournalError> {
    let kind_name = row.raw(KIND);
    let used = used_columns(kind_name);
    if used.is_empty() {
        return Err(row.error(KIND, KINDS));
    }
    for col in KEY..JOURNAL_COLUMNS.len() {
        if !used.contains(&col) {
            row.unused(col, kind_name)?;
        }
    }
    Ok(Event {
        account: row.number(ACCOUNT, "an account id (a whole number)")?,
        seq: row.number(SEQ, "a sequence number (a whole number)")?,
        at_ms: row.number(AT_MS, "a virtual time in milliseconds (a whole number)")?,
        kind: parse_kind(row, kind_name)?,
    })
}

/// What `credits` must hold.
const CREDITS_EXPECTED: &str = "a whole number of credits";

fn parse_kind(row: &Fields<'_>, kind: &str) -> Result<EventKind, JournalError> {
    Ok(match kind {
        "granted" => EventKind::Granted {
            key: row.name(KEY),
            lot: row.number(LOT, "a lot id (a whole number)")?,
            pool: row.name(POOL),
            source: parse_source(row)?,
            credits: row.number(CREDITS, CREDITS_EXPECTED)?,
            expires_at_ms: row
                .optional(EXPIRES_AT_MS, "a virtual time in ms, or empty for never")?,
            priority: row.number(PRIORITY, "a priority from 0 to 255")?,
        },
        "reserved" => EventKind::Reserved {
            key: row.name(KEY),
            pool: row.name(POOL),
            action: row.name(ACTION),
            credits: row.number(CREDITS, CREDITS_EXPECTED)?,
            expires_at_ms: row.number(EXPIRES_AT_MS, "the hold's timeout in virtual ms")?,
            draws: row.draws(LOTS)?,
        },
        "rejected" => EventKind::Rejected {
            key: row.name(KEY),
            pool: row.name(POOL),
            action: row.name(ACTION),
            credits: row.number(CREDITS, CREDITS_EXPECTED)?,
            reason: parse_reason(row)?,
        },
        "unlimited" => EventKind::Unlimited {
            key: row.name(KEY),
            pool: row.name(POOL),
            action: row.name(ACTION),
            credits: row.number(CREDITS, CREDITS_EXPECTED)?,
        },
        "committed" => EventKind::Committed {
            key: row.name(KEY),
            pool: row.name(POOL),
            charged: row.number(CREDITS, CREDITS_EXPECTED)?,
            charged_from: row.draws(LOTS)?,
            returned: row.draws(RETURNED)?,
        },
        "released" | "timed-out" => EventKind::Released {
            key: row.name(KEY),
            pool: row.name(POOL),
            timed_out: kind == "timed-out",
            returned: row.draws(RETURNED)?,
        },
        "expired" => EventKind::Expired {
            pool: row.name(POOL),
            lot: row.number(LOT, "a lot id (a whole number)")?,
            credits: row.number(CREDITS, CREDITS_EXPECTED)?,
        },
        _ => EventKind::Warning {
            pool: row.name(POOL),
            threshold: row.number(THRESHOLD, "the threshold crossed, in credits")?,
            available: row.number(AVAILABLE, "the available balance, in credits")?,
        },
    })
}

fn source_name(source: LotSource) -> &'static str {
    match source {
        LotSource::Allowance => "allowance",
        LotSource::Addon => "addon",
        LotSource::Pack => "pack",
        LotSource::Promotion => "promotion",
    }
}

fn parse_source(row: &Fields<'_>) -> Result<LotSource, JournalError> {
    match row.raw(SOURCE) {
        "allowance" => Ok(LotSource::Allowance),
        "addon" => Ok(LotSource::Addon),
        "pack" => Ok(LotSource::Pack),
        "promotion" => Ok(LotSource::Promotion),
        _ => Err(row.error(SOURCE, "one of allowance, addon, pack, promotion")),
    }
}

fn parse_reason(row: &Fields<'_>) -> Result<Rejection, JournalError> {
    match row.raw(REASON) {
        "insufficient" => Ok(Rejection::Insufficient {
            available: row.number(AVAILABLE, "the available balance, in credits")?,
        }),
        "not-entitled" => {
            row.unused(AVAILABLE, "rejected not-entitled")?;
            Ok(Rejection::NotEntitled)
        }
        _ => Err(row.error(REASON, "one of insufficient, not-entitled")),
    }
}
