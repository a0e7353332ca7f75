//! Billing time: calendar months counted from an account's anchor.
//!
//! Virtual time is milliseconds since the Unix epoch, in UTC, so that a scenario may start
//! on a real date. The vendor documents bill by the calendar ("monthly", "12 months",
//! "annual"), so a cycle is a number of calendar months, and every boundary is counted from
//! the anchor (the account's start) rather than from the previous boundary: an account
//! anchored on 31 January renews on 28 February, then on 31 March, as Stripe's billing
//! cycle anchor does. This module is the one owner of that arithmetic; the book, the pack
//! validity and the runner's boundary fault all ask it.

use chrono::{DateTime, Datelike, Months};

use super::terms::TimeMs;

/// The virtual time `months` calendar months after `anchor_ms`, with the day of the month
/// clamped to the last day of a shorter month and the time of day kept. `None` when the
/// result lies beyond what a date can represent (about 262,000 years).
pub fn add_months(anchor_ms: TimeMs, months: u64) -> Option<TimeMs> {
    let anchor = DateTime::from_timestamp_millis(i64::try_from(anchor_ms).ok()?)?;
    let months = Months::new(u32::try_from(months).ok()?);
    let at = anchor.checked_add_months(months)?;
    TimeMs::try_from(at.timestamp_millis()).ok()
}

/// A virtual time as a UTC date a person reads (`1970-02-01 00:00:00.000`), or the raw
/// milliseconds when a date cannot show it.
pub(crate) fn date_text(at_ms: TimeMs) -> String {
    let date = i64::try_from(at_ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis);
    match date {
        Some(date) => date.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        None => format!("{at_ms} ms"),
    }
}

/// The first boundary after `at_ms` of cycles of `cycle_months` counted from `anchor_ms`:
/// the end of the cycle that contains `at_ms`. A time before the anchor lies in the first
/// cycle. `None` for a cycle of 0 months (never ends) or a boundary out of range.
pub(crate) fn cycle_end_after(
    anchor_ms: TimeMs,
    cycle_months: u32,
    at_ms: TimeMs,
) -> Option<TimeMs> {
    if cycle_months == 0 {
        return None;
    }
    let cycle = u64::from(cycle_months);
    let mut index = months_between(anchor_ms, at_ms)? / cycle;
    // The month count is a lower bound (it ignores the day and time), so step forward.
    loop {
        let end = add_months(anchor_ms, (index + 1).checked_mul(cycle)?)?;
        if end > at_ms {
            return Some(end);
        }
        index += 1;
    }
}

/// Whole calendar months from the anchor's month to `at_ms`'s month, ignoring days: a lower
/// bound on the number of month boundaries passed. 0 when `at_ms` is before the anchor.
fn months_between(anchor_ms: TimeMs, at_ms: TimeMs) -> Option<u64> {
    if at_ms <= anchor_ms {
        return Some(0);
    }
    let date = |ms: TimeMs| DateTime::from_timestamp_millis(i64::try_from(ms).ok()?);
    let (from, to) = (date(anchor_ms)?, date(at_ms)?);
    let months = |d: &DateTime<chrono::Utc>| i64::from(d.year()) * 12 + i64::from(d.month0());
    let diff = (months(&to) - months(&from)).saturating_sub(1);
    Some(u64::try_from(diff).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: TimeMs = 24 * 3600 * 1000;

    /// Milliseconds of a UTC date.
    fn date(year: i32, month: u32, day: u32) -> TimeMs {
        let date = chrono::NaiveDate::from_ymd_opt(year, month, day).unwrap();
        date.and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis() as TimeMs
    }

    #[test]
    fn months_are_calendar_months_from_the_anchor() {
        assert_eq!(add_months(0, 0), Some(0));
        assert_eq!(
            add_months(0, 1),
            Some(31 * DAY_MS),
            "January 1970 has 31 days"
        );
        assert_eq!(add_months(0, 2), Some(59 * DAY_MS), "then February has 28");
        assert_eq!(
            add_months(0, 12),
            Some(365 * DAY_MS),
            "a year, not 360 days"
        );
        let jan31 = date(2026, 1, 31);
        assert_eq!(add_months(jan31, 1), Some(date(2026, 2, 28)));
        assert_eq!(
            add_months(jan31, 2),
            Some(date(2026, 3, 31)),
            "counted from the anchor"
        );
        assert_eq!(add_months(date(2028, 1, 31), 1), Some(date(2028, 2, 29)));
        assert_eq!(
            add_months(jan31 + 5, 1),
            Some(date(2026, 2, 28) + 5),
            "time kept"
        );
    }

    #[test]
    fn out_of_range_times_have_no_month() {
        assert_eq!(add_months(u64::MAX, 1), None);
        assert_eq!(add_months(0, u64::MAX), None);
        assert_eq!(cycle_end_after(i64::MAX as u64, 1, i64::MAX as u64), None);
    }

    #[test]
    fn a_cycle_ends_at_the_first_boundary_after_the_time() {
        let anchor = date(2026, 1, 31);
        let feb28 = date(2026, 2, 28);
        assert_eq!(cycle_end_after(anchor, 1, anchor), Some(feb28));
        assert_eq!(cycle_end_after(anchor, 1, feb28 - 1), Some(feb28));
        assert_eq!(cycle_end_after(anchor, 1, feb28), Some(date(2026, 3, 31)));
        assert_eq!(cycle_end_after(anchor, 12, feb28), Some(date(2027, 1, 31)));
        assert_eq!(
            cycle_end_after(anchor, 1, 0),
            Some(feb28),
            "before the anchor"
        );
        assert_eq!(cycle_end_after(anchor, 0, feb28), None);
    }

    #[test]
    fn the_cycle_end_agrees_with_stepping_month_by_month() {
        let anchor = date(2025, 8, 31) + 7 * 3600 * 1000;
        let mut boundaries = (1..40).map(|k| add_months(anchor, k).unwrap());
        let mut next = boundaries.next().unwrap();
        for day in 0..1100 {
            let at = anchor + day * DAY_MS + 3600 * 1000;
            while next <= at {
                next = boundaries.next().unwrap();
            }
            assert_eq!(cycle_end_after(anchor, 1, at), Some(next), "day {day}");
        }
    }
}
