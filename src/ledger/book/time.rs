//! Virtual time: what the book does on its own as time passes — hold timeouts, lot expiries
//! and scheduled grants — and the low-balance warnings those changes raise.

use super::Book;
use super::apply::RENEW_PREFIX;
use super::pools::PoolId;
use crate::ledger::types::*;

/// When the `k`-th grant of `grant` is due: `k * every_ms`. A grant with `every_ms == 0` is
/// made once, at time 0. `None` means never (also on overflow).
pub(crate) fn renewal_due_ms(grant: &RecurringGrant, k: u64) -> Option<TimeMs> {
    match grant.every_ms {
        0 => (k == 0).then_some(0),
        every_ms => k.checked_mul(every_ms),
    }
}

/// When a scheduled lot granted at `at_ms` expires: the end of the `cycle_ms` cycle holding
/// `at_ms`. A grant with `cycle_ms == 0` never expires; nor does one whose end overflows.
pub(crate) fn renewal_expiry_ms(grant: &RecurringGrant, at_ms: TimeMs) -> Option<TimeMs> {
    match grant.cycle_ms {
        0 => None,
        cycle_ms => (at_ms / cycle_ms + 1).checked_mul(cycle_ms),
    }
}

/// The earlier of two optional times. Written out because `[a, b, c].into_iter().flatten()
/// .min()` compiled to stack copies that stalled every call of the hot `advance`.
fn earliest(a: Option<TimeMs>, b: Option<TimeMs>) -> Option<TimeMs> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Book {
    /// Runs every scheduled change due at or before `now_ms` (clamped to never go back) in
    /// time order, appending the events to `out`.
    pub fn advance_into(&mut self, now_ms: TimeMs, out: &mut Vec<Event>) {
        let target_ms = now_ms.max(self.now_ms);
        while let Some(at_ms) = self.next_due_ms().filter(|&at_ms| at_ms <= target_ms) {
            self.run_due(at_ms, out);
        }
        self.now_ms = target_ms;
    }

    /// The earliest time at which something is scheduled to happen.
    fn next_due_ms(&self) -> Option<TimeMs> {
        let timeout = self.timeouts.first().map(|(at_ms, _)| at_ms);
        let expiry = self
            .pools
            .values()
            .filter_map(|pool| pool.next_expiry_ms())
            .min();
        let renewal = (self.spec.recurring.iter().zip(&self.renewals))
            .filter_map(|(grant, &k)| renewal_due_ms(grant, k))
            .min();
        earliest(earliest(timeout, expiry), renewal)
    }

    /// Everything due at `at_ms`: timeouts, then expiries, then renewals, then warnings.
    fn run_due(&mut self, at_ms: TimeMs, out: &mut Vec<Event>) {
        let before = self.available_by_pool();
        self.time_out_holds(at_ms, out);
        self.expire_lots(at_ms, out);
        self.renew(at_ms, out);
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
            let (key, hold) = self
                .open_hold_view(key)
                .expect("a timeout names an open hold");
            let key = key.clone();
            let (pool, returned) = (hold.pool, DrawList::from_slice(hold.draws.as_slice()));
            let expired = self.expired_returns(pool, &returned, at_ms);
            let timed_out = true;
            let kind = EventKind::Released {
                key,
                pool: self.pools.name(pool).clone(),
                timed_out,
                returned,
            };
            self.emit(at_ms, kind, out);
            self.emit_expired(pool, expired, at_ms, out);
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
            let k = self.renewals[index];
            let grant = &self.spec.recurring[index];
            if renewal_due_ms(grant, k) != Some(at_ms) {
                continue;
            }
            let granted = self
                .pools
                .get(grant.pool.as_str())
                .map_or(0, |p| p.totals.granted);
            let fits = granted.checked_add(grant.credits).is_some();
            let kind = EventKind::Granted {
                key: smol_str::format_smolstr!("{RENEW_PREFIX}{}:{k}", grant.label),
                lot: self.next_lot,
                pool: grant.pool.clone(),
                source: grant.source,
                credits: if fits { grant.credits } else { 0 },
                expires_at_ms: renewal_expiry_ms(grant, at_ms),
                priority: grant.priority,
            };
            self.emit(at_ms, kind, out);
        }
    }

    /// Raises a warning for each threshold that `pool`'s available balance fell below since
    /// it was `before`.
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
            if before >= threshold && after < threshold {
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
