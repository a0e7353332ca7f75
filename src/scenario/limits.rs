//! The documented limit of every size a scenario file controls, checked before a run, so
//! that a small file can never ask for unbounded work or memory. Each limit is far above
//! what any realistic scenario needs; the README lists them.

use crate::ledger::TimeMs;

/// A year of virtual time, the longest any single duration may be.
const YEAR_MS: u64 = 366 * 24 * 3600 * 1000;

/// Accounts in one scenario, over all groups. A run keeps an account actor (about 8 KB) and
/// its journal and checker state per account, so this is a few GB at most.
pub(crate) const MAX_ACCOUNTS: u64 = 250_000;
/// Agents in one scenario, over all groups: an actor and a step generator each.
pub(crate) const MAX_AGENTS: u64 = 250_000;
/// Steps in one run (`duration.steps`, or `rate_per_s × seconds`).
pub(crate) const MAX_STEPS: u64 = 1_000_000_000;
/// Months a run may span; the same horizon bounds every run: no account ever sees more than
/// this many renewals.
pub(crate) const MAX_MONTHS: u32 = 1_200;
/// The latest start, 9999-12-31T23:59:59.999Z: the calendar's last representable day with
/// room for a century of months after it is far beyond; later dates have no calendar.
pub(crate) const MAX_START_MS: TimeMs = 253_402_300_799_999;
/// Packs one account buys at the start.
pub(crate) const MAX_PACKS: usize = 1_000;
/// Entries in the `[[workload]]` mix.
pub(crate) const MAX_WORKLOAD_ENTRIES: usize = 10_000;

/// The largest value each integer field may take, by field name, with what it bounds.
const LIMITS: &[(&str, u64)] = &[
    ("count", MAX_ACCOUNTS),
    ("agents", MAX_AGENTS),
    ("seats", 10_000),
    ("addon_units", 10_000),
    ("weight", 1_000_000_000_000),
    ("steps", MAX_STEPS),
    ("seconds", 7 * 24 * 3600),
    ("rate_per_s", 10_000_000),
    ("think_ms", YEAR_MS),
    ("duration_ms", YEAR_MS),
    ("min_ms", YEAR_MS),
    ("max_ms", YEAR_MS),
    // Draws are cut at 20 × the mean, which must stay within a year too.
    ("mean_ms", YEAR_MS / 20),
    ("ttl_ms", YEAR_MS),
    ("speedup", 1_000_000),
    ("months", MAX_MONTHS as u64),
    ("start_ms", MAX_START_MS),
];

/// The limit of an integer field, if it has one.
pub fn max_of(field: &str) -> Option<u64> {
    LIMITS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, max)| *max)
}

/// Every limited field with its limit, for documentation and tests.
pub fn all() -> &'static [(&'static str, u64)] {
    LIMITS
}
