//! Lots in time: I9 (no draw from a lot expired or not yet effective), I10 (draws follow the
//! consumption order), the expiry half of I11 (a lot expires at its expiry: not before, and
//! nothing left in it after), the renewal schedule as time passes it, and the journal's
//! time itself, which must not go back within an account (the draws' times, hold deadlines
//! and expiries are all judged by it).

use std::cmp::Reverse;

use super::schedule::source_word;
use super::state::{Account, Lot, OrderEntry, Report};
use super::verdict::{Invariant, Violation, Violations};
use crate::ledger::calendar::date_text as date;
use crate::ledger::{AccountId, Credits, Draw, DrawList, Key, LotId, TimeMs};

impl Account {
    /// What the passing of time demands before an event at `at_ms` is applied: time does
    /// not go back (I9), lots whose expiry lies before `at_ms` are empty, and renewals due
    /// before it were granted (I11). Events at an expiry or renewal instant may still be
    /// settling it (timeouts first, then expiries, then renewals), so only earlier
    /// instants are judged.
    pub(super) fn pass_time(&mut self, at_ms: TimeMs, out: &mut Report<'_>) {
        match self.last_at_ms {
            Some(last) if at_ms < last => {
                let msg = format!(
                    "time goes back from {} to {} within the account: the account's clock never \
                     goes back, and expiries, deadlines and renewals are judged by it",
                    date(last),
                    date(at_ms)
                );
                out.violation(Invariant::I9, None, 0, msg);
                return;
            }
            _ => self.last_at_ms = Some(at_ms),
        }
        while let Some(&Reverse((expiry_ms, lot))) = self.expiries.peek() {
            if expiry_ms >= at_ms {
                break;
            }
            self.expiries.pop();
            if let Some(message) = self.left_after_expiry(lot, at_ms) {
                let credits = self.lots.get(&lot).map_or(0, |l| l.remaining);
                out.violation(Invariant::I11, None, clamp(credits), message);
            }
        }
        let Some(terms) = self.terms.as_mut() else {
            return;
        };
        for missed in terms.missed_before(at_ms) {
            let msg = format!(
                "renewal {} of {} was due at {} but not granted (the account's next event is \
                 at {})",
                missed.k,
                missed.label,
                date(missed.due_ms),
                date(at_ms)
            );
            out.violation(Invariant::I11, None, missed.credits, msg);
        }
    }

    /// Why lot `lot` should be empty by `at_ms` and is not, reported once per lot.
    fn left_after_expiry(&mut self, lot_id: LotId, at_ms: TimeMs) -> Option<String> {
        let lot = self.lots.get_mut(&lot_id)?;
        let expiry_ms = lot.expires_at_ms?;
        if lot.remaining <= 0 || lot.expiry_reported || expiry_ms >= at_ms {
            return None;
        }
        lot.expiry_reported = true;
        Some(format!(
            "lot {lot_id} ({}) should have expired at {}, but still held {} credits at {}",
            source_word(lot.source),
            date(expiry_ms),
            lot.remaining,
            date(at_ms)
        ))
    }

    /// Puts a newly granted lot in its pool's consumption order and, if it expires, in the
    /// queue of expiries to check.
    pub(super) fn order_lot(&mut self, id: LotId, lot: &Lot, priority: u8) {
        let entry = OrderEntry {
            never: lot.expires_at_ms.is_none(),
            expires_at_ms: lot.expires_at_ms.unwrap_or(0),
            priority,
            granted_seq: lot.granted_seq,
            lot: id,
        };
        let order = &mut self.pools[lot.pool].order;
        let at = order.partition_point(|other| *other < entry);
        order.insert(at, entry);
        if let Some(expiry_ms) = lot.expires_at_ms {
            self.expiries.push(Reverse((expiry_ms, id)));
        }
    }

    /// I9 and I10 for a reserve in `pool` at `at_ms`, before its draws are applied: no draw
    /// from a lot expired or not yet effective, and the draws exactly those the contract's
    /// order gives. A reserve that already broke I9 is not judged on order too, and one
    /// its pool cannot cover is left to I1.
    pub(super) fn check_draws(
        &mut self,
        key: &Key,
        pool: usize,
        draws: &[Draw],
        at_ms: TimeMs,
        out: &mut Report<'_>,
    ) {
        let mut stale = false;
        for draw in draws {
            let Some(lot) = self.lots.get(&draw.lot) else {
                continue;
            };
            if let Some(why) = not_drawable(lot, at_ms) {
                let msg = format!(
                    "reserve of key {key} at {} draws {} from lot {} ({}), which {why}",
                    date(at_ms),
                    draw.credits,
                    draw.lot,
                    source_word(lot.source)
                );
                out.violation(Invariant::I9, Some(key), draw.credits, msg);
                stale = true;
            }
        }
        if stale {
            return;
        }
        let wanted: Credits = draws.iter().map(|d| d.credits).sum();
        let Some(expected) = self.planned_draws(pool, wanted, at_ms) else {
            return;
        };
        if expected.as_slice() != draws {
            let msg = format!(
                "reserve of key {key} draws {}, but the consumption order (earliest expiry, \
                 then priority, then oldest) draws {}",
                lots_text(draws),
                lots_text(&expected)
            );
            let misplaced = misplaced_credits(draws, &expected);
            out.violation(Invariant::I10, Some(key), misplaced, msg);
        }
    }

    /// The draws the contract's order gives for `credits` from `pool` at `at_ms`, or `None`
    /// when the drawable lots do not cover them. Drops the lots that have expired from the
    /// front of the order, for good: the journal's time does not go back.
    fn planned_draws(&mut self, pool: usize, credits: Credits, at_ms: TimeMs) -> Option<DrawList> {
        let order = &mut self.pools[pool].order;
        let expired = order.partition_point(|entry| entry.expired_at(at_ms));
        order.drain(..expired);
        let mut left = i128::from(credits);
        let mut draws = DrawList::new();
        for entry in order.iter() {
            if left == 0 {
                break;
            }
            let Some(lot) = self.lots.get(&entry.lot) else {
                continue;
            };
            if lot.remaining <= 0 || lot.effective_ms > at_ms {
                continue;
            }
            let take = left.min(lot.remaining);
            left -= take;
            draws.push(Draw {
                lot: entry.lot,
                credits: take as Credits,
            });
        }
        (left == 0).then_some(draws)
    }

    /// I11 for an `expired` event of lot `lot_id` at `at_ms`: a lot expires at its expiry
    /// (and credits returned to it later expire on return), never before.
    pub(super) fn check_expiry_time(&self, lot_id: LotId, credits: Credits, out: &mut Report) {
        let Some(lot) = self.lots.get(&lot_id) else {
            return;
        };
        let at_ms = out.at.at_ms;
        let early = match lot.expires_at_ms {
            None => Some("never expires".to_string()),
            Some(expiry_ms) if at_ms < expiry_ms => Some(format!("expires at {}", date(expiry_ms))),
            Some(_) => None,
        };
        if let Some(when) = early {
            let msg = format!(
                "{credits} credits of lot {lot_id} ({}) expire at {}, but the lot {when}",
                source_word(lot.source),
                date(at_ms)
            );
            out.violation(Invariant::I11, None, credits, msg);
        }
    }
}

/// I11 at the end of a run closed at `end_ms`: every lot that expires by then is empty, and
/// every renewal due before then was granted.
pub(super) fn check_end(
    id: AccountId,
    account: &mut Account,
    end_ms: TimeMs,
    sink: &mut Violations,
) {
    let mut report = |credits: i128, message| {
        sink.push(Violation {
            invariant: Invariant::I11,
            account: id,
            key: None,
            seq: None,
            at_ms: Some(end_ms),
            credits: clamp(credits),
            message,
        })
    };
    let mut lots: Vec<(&LotId, &mut Lot)> = account.lots.iter_mut().collect();
    lots.sort_by_key(|(id, _)| **id);
    for (lot_id, lot) in lots {
        let due = lot.expires_at_ms.is_some_and(|at| at <= end_ms);
        if due && lot.remaining > 0 && !lot.expiry_reported {
            lot.expiry_reported = true;
            let msg = format!(
                "lot {lot_id} ({}) should have expired at {} by the run's end at {}, but still \
                 holds {} credits",
                source_word(lot.source),
                date(lot.expires_at_ms.unwrap_or(end_ms)),
                date(end_ms),
                lot.remaining
            );
            report(lot.remaining, msg);
        }
    }
    let Some(terms) = account.terms.as_mut() else {
        return;
    };
    for missed in terms.missed_before(end_ms) {
        let msg = format!(
            "renewal {} of {} was due at {}, before the run's end at {}, but not granted",
            missed.k,
            missed.label,
            date(missed.due_ms),
            date(end_ms)
        );
        report(i128::from(missed.credits), msg);
    }
}

/// Why `lot` cannot be drawn on at `at_ms`, if it cannot.
fn not_drawable(lot: &Lot, at_ms: TimeMs) -> Option<String> {
    match lot.expires_at_ms {
        Some(expiry_ms) if expiry_ms <= at_ms => Some(format!("expired at {}", date(expiry_ms))),
        _ if lot.effective_ms > at_ms => {
            Some(format!("is effective only from {}", date(lot.effective_ms)))
        }
        _ => None,
    }
}

/// Credits that `got` takes from a different lot than `expected` does, position by
/// position: how much of the reserve went to the wrong lots.
fn misplaced_credits(got: &[Draw], expected: &[Draw]) -> Credits {
    let taken_as_expected: Credits = got
        .iter()
        .map(|draw| {
            let same = expected.iter().find(|e| e.lot == draw.lot);
            same.map_or(0, |e| e.credits.min(draw.credits))
        })
        .sum();
    let total: Credits = got.iter().map(|d| d.credits).sum();
    total - taken_as_expected
}

/// Draws as the journal writes them: `lot:credits` joined by `;`, or `nothing`.
fn lots_text(draws: &[Draw]) -> String {
    if draws.is_empty() {
        return "nothing".to_string();
    }
    let parts: Vec<String> = draws
        .iter()
        .map(|d| format!("{}:{}", d.lot, d.credits))
        .collect();
    parts.join(";")
}

/// Credits as a `u64` for a violation's size.
pub(super) fn clamp(credits: i128) -> u64 {
    credits.clamp(0, i128::from(u64::MAX)) as u64
}
