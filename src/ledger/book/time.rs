//! Virtual time: what the book does on its own as time passes — hold timeouts, lot expiries
//! and scheduled grants — and the low-balance warnings those changes raise.

use super::Book;
use super::pools::PoolId;
use crate::ledger::calendar::add_months;
use crate::ledger::*;

/// When the `k`-th grant of `grant` is due for an account anchored at `anchor_ms`: `k ×
/// every_months` calendar months after the anchor. A grant with `every_months == 0` is made
/// once, at the anchor. `None` means never (also beyond the calendar's range).
pub(crate) fn renewal_due_ms(anchor_ms: TimeMs, grant: &RecurringGrant, k: u64) -> Option<TimeMs> {
    match grant.every_months {
        0 => (k == 0).then_some(anchor_ms),
        every => add_months(anchor_ms, k.checked_mul(u64::from(every))?),
    }
}

/// When the lot of the `k`-th grant of `grant` expires: the end of the billing cycle that
/// contains the grant. A grant with `cycle_months == 0` never expires; nor does one whose
/// end lies beyond the calendar's range.
pub(crate) fn renewal_expiry_ms(
    anchor_ms: TimeMs,
    grant: &RecurringGrant,
    k: u64,
) -> Option<TimeMs> {
    let cycle = u64::from(grant.cycle_months);
    if cycle == 0 {
        return None;
    }
    let granted_after = k.checked_mul(u64::from(grant.every_months))?;
    let cycle_end = (granted_after / cycle).checked_add(1)?.checked_mul(cycle)?;
    add_months(anchor_ms, cycle_end)
}

/// The earlier of two optional times. Written out because `[a, b, c].into_iter().flatten()
/// .min()` compiled to stack copies that stalled every call of the hot `advance`.
fn earliest(a: Option<TimeMs>, b: Option<TimeMs>) -> Option<TimeMs> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The next grant of one recurring grant: its number and when it is due, computed once
/// per grant because the calendar is too slow to ask on every operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Renewal {
    /// The number `k` of the next grant (`renew:<label>:<k>`).
    pub next: u64,
    /// When it is due; `None` means never.
    pub due_ms: Option<TimeMs>,
}

impl Renewal {
    /// The `k`-th grant of `grant`, for an account anchored at `anchor_ms`.
    pub(super) fn nth(anchor_ms: TimeMs, grant: &RecurringGrant, k: u64) -> Renewal {
        let due_ms = renewal_due_ms(anchor_ms, grant, k);
        Renewal { next: k, due_ms }
    }
}

/// Whether a pass over due changes makes the renewals due at its time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Renewals {
    /// Yes: time moves on past this instant.
    Grant,
    /// No: the run ends at this instant, and a renewal due then belongs to the next one.
    Withhold,
}

impl Book {
    /// Runs every scheduled change due at or before `now_ms` (clamped to never go back) in
    /// time order, appending the events to `out`.
    pub fn advance_into(&mut self, now_ms: TimeMs, out: &mut Vec<Event>) {
        let target_ms = now_ms.max(self.now_ms);
        self.run_until(target_ms, Renewals::Grant, out);
        self.now_ms = target_ms;
    }

    /// Ends the account's run at `end_ms` (a run of N months ends at the end of the Nth
    /// cycle): everything due before `end_ms` happens, and at `end_ms` the holds and lots
    /// that end then do end, but a renewal due at `end_ms` is not granted. A later
    /// `advance` past `end_ms` grants it, as time going on would.
    pub fn close_into(&mut self, end_ms: TimeMs, out: &mut Vec<Event>) {
        // Like every call, a close at a time the book has passed acts at the book's time.
        let end_ms = end_ms.max(self.now_ms);
        if end_ms > self.now_ms {
            self.run_until(end_ms - 1, Renewals::Grant, out);
        }
        self.run_until(end_ms, Renewals::Withhold, out);
        self.now_ms = self.now_ms.max(end_ms);
    }

    /// Runs every change due at or before `target_ms`, in time order.
    fn run_until(&mut self, target_ms: TimeMs, renewals: Renewals, out: &mut Vec<Event>) {
        while let Some(at_ms) = self
            .next_due_ms(renewals)
            .filter(|&at_ms| at_ms <= target_ms)
        {
            self.run_due(at_ms, renewals, out);
        }
    }

    /// The earliest time at which something is scheduled to happen.
    fn next_due_ms(&self, renewals: Renewals) -> Option<TimeMs> {
        let timeout = self.timeouts.first().map(|(at_ms, _)| at_ms);
        let expiry = self
            .pools
            .values()
            .filter_map(|pool| pool.next_expiry_ms())
            .min();
        let renewal = match renewals {
            Renewals::Grant => self.renewals.iter().filter_map(|r| r.due_ms).min(),
            Renewals::Withhold => None,
        };
        earliest(earliest(timeout, expiry), renewal)
    }

    /// Everything due at `at_ms`: timeouts, then expiries, then renewals, then warnings.
    fn run_due(&mut self, at_ms: TimeMs, renewals: Renewals, out: &mut Vec<Event>) {
        let before = self.available_by_pool();
        self.time_out_holds(at_ms, out);
        self.expire_lots(at_ms, out);
        if renewals == Renewals::Grant {
            self.renew(at_ms, out);
        }
        for (pool, available) in before {
            self.warn(pool, available, at_ms, out);
        }
    }

    /// Each pool's available balance, to compare after a change; empty without thresholds.
    fn available_by_pool(&self) -> Vec<(PoolId, Credits)> {
        if self.spec.warn_thresholds.is_empty() {
            return Vec::new();
        }
        let pools = self.pools.iter();
        pools.map(|(id, _, pool)| (id, pool.available())).collect()
    }

    /// Releases the holds whose deadline is `at_ms`, in the order they were made.
    fn time_out_holds(&mut self, at_ms: TimeMs, out: &mut Vec<Event>) {
        while let Some((deadline_ms, key)) = self.timeouts.first() {
            if deadline_ms > at_ms {
                break;
            }
            let key = key.clone();
            self.return_hold(&key, true, at_ms, out);
        }
    }

    /// Expires what is left in lots whose expiry is `at_ms` (or earlier).
    fn expire_lots(&mut self, at_ms: TimeMs, out: &mut Vec<Event>) {
        let mut due = Vec::new();
        for (id, _, pool) in self.pools.iter() {
            due.extend(pool.due_expiries(at_ms).into_iter().map(|d| (id, d)));
        }
        for (pool, draw) in due {
            let pool = self.pools.name(pool).clone();
            let (lot, credits) = (draw.lot, draw.credits);
            self.emit(at_ms, EventKind::Expired { pool, lot, credits }, out);
        }
    }

    /// Makes the scheduled grants due at `at_ms`, in the order the spec lists them. A grant
    /// that would overflow the pool's lifetime total is journaled with 0 credits: refused,
    /// but visible, and the schedule moves on.
    fn renew(&mut self, at_ms: TimeMs, out: &mut Vec<Event>) {
        for index in 0..self.spec.recurring.len() {
            if self.renewals[index].due_ms != Some(at_ms) {
                continue;
            }
            let k = self.renewals[index].next;
            let grant = &self.spec.recurring[index];
            let granted = self
                .pools
                .get(grant.pool.as_str())
                .map_or(0, |p| p.totals.granted);
            let fits = granted.checked_add(grant.credits).is_some();
            let kind = EventKind::Granted {
                key: smol_str::format_smolstr!("{RENEWAL_KEY_PREFIX}{}:{k}", grant.label),
                lot: self.next_lot,
                pool: grant.pool.clone(),
                source: grant.source,
                credits: if fits { grant.credits } else { 0 },
                expires_at_ms: renewal_expiry_ms(self.spec.anchor_ms, grant, k),
                priority: grant.priority,
            };
            self.emit(at_ms, kind, out);
        }
    }

    /// Raises a warning for each threshold that `pool`'s available balance (held credits
    /// excluded) reached since it was `before`: from above the threshold to at or below it.
    /// Only a fall across a threshold warns, so further charges below it do not warn again;
    /// a rise back above it (a grant, a release, a commit returning the unused part of a
    /// hold) lets the next fall warn anew.
    pub(super) fn warn(
        &mut self,
        pool: PoolId,
        before: Credits,
        at_ms: TimeMs,
        out: &mut Vec<Event>,
    ) {
        let after = self.pools.pool(pool).available();
        if after >= before {
            return;
        }
        for index in 0..self.spec.warn_thresholds.len() {
            let threshold = self.spec.warn_thresholds[index];
            if before > threshold && after <= threshold {
                let (pool, available) = (self.pools.name(pool).clone(), after);
                self.emit(
                    at_ms,
                    EventKind::Warning {
                        pool,
                        threshold,
                        available,
                    },
                    out,
                );
            }
        }
    }
}
