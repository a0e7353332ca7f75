//! Time in the naive core: as an account's clock moves on, the lots that expire and the
//! allowances that renew on the way do so, each at its own time and in time order (expiries
//! before renewals at one instant), as the contract says. Under the `never_expire` quirk
//! lots keep their credits past their expiry; under `renew_twice` every renewal is granted
//! twice.

use crate::ledger::*;

use super::naive::NaiveBook;

/// Whether a pass over due changes makes the renewals due at its end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AtEnd {
    /// Yes: time moves on past it.
    Renew,
    /// No: the run ends there, and a renewal due then belongs to the next one.
    Withhold,
}

impl NaiveBook {
    /// Moves the account's clock to `to_ms` (never back), making what falls due on the way,
    /// and returns the clock.
    pub(super) fn advance(&mut self, to_ms: TimeMs, out: &mut Vec<Event>) -> TimeMs {
        self.run_until(to_ms, AtEnd::Renew, out);
        self.now_ms = self.now_ms.max(to_ms);
        self.now_ms
    }

    /// Ends the account's run at `end_ms`: expiries due by then happen, renewals due at it
    /// do not.
    pub(super) fn close(&mut self, end_ms: TimeMs, out: &mut Vec<Event>) {
        self.run_until(end_ms, AtEnd::Withhold, out);
        self.now_ms = self.now_ms.max(end_ms);
    }

    fn run_until(&mut self, to_ms: TimeMs, at_end: AtEnd, out: &mut Vec<Event>) {
        while let Some(at_ms) = self.next_due_ms(to_ms, at_end) {
            self.expire_due(at_ms, out);
            self.renew_due(at_ms, out);
        }
    }

    /// The earliest change due by `to_ms` (a renewal due exactly at `to_ms` only if it is
    /// not withheld).
    fn next_due_ms(&self, to_ms: TimeMs, at_end: AtEnd) -> Option<TimeMs> {
        let expiry = (self.lots.iter())
            .filter(|lot| lot.remaining > 0 && !self.quirks.never_expire)
            .filter_map(|lot| lot.expires_at_ms)
            .filter(|&at| at <= to_ms)
            .min();
        let renewal = (self.renewals.iter())
            .filter_map(|r| r.due_ms)
            .filter(|&at| at < to_ms || (at == to_ms && at_end == AtEnd::Renew))
            .min();
        match (expiry, renewal) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Expires what is left in lots whose expiry has come by `at_ms`.
    pub(super) fn expire_due(&mut self, at_ms: TimeMs, out: &mut Vec<Event>) {
        if self.quirks.never_expire {
            return;
        }
        for lot in 0..self.lots.len() {
            let l = &mut self.lots[lot];
            if l.remaining <= 0 || !l.expired_at(at_ms) {
                continue;
            }
            let credits = l.remaining as Credits;
            l.remaining = 0;
            let (pool, lot) = (l.pool.clone(), lot as LotId);
            self.event(at_ms, EventKind::Expired { pool, lot, credits }, out);
        }
    }

    /// Grants the renewals due at `at_ms`, in the order the terms list them.
    fn renew_due(&mut self, at_ms: TimeMs, out: &mut Vec<Event>) {
        for index in 0..self.renewals.len() {
            let renewal = &self.renewals[index];
            if renewal.due_ms != Some(at_ms) {
                continue;
            }
            let (grant, k) = (&renewal.grant, renewal.k);
            let req = GrantRequest {
                key: smol_str::format_smolstr!("{RENEWAL_KEY_PREFIX}{}:{k}", grant.label),
                pool: grant.pool.clone(),
                credits: grant.credits,
                source: grant.source,
                expires_at_ms: renewal_expiry_ms(self.anchor_ms, grant, k),
                priority: grant.priority,
            };
            let next = renewal_due_ms(self.anchor_ms, grant, k + 1);
            self.renewals[index].k = k + 1;
            self.renewals[index].due_ms = next;
            self.add_lot(&req, at_ms, out);
            if self.quirks.renew_twice {
                // The bug: a second worker also saw the boundary and granted it again.
                self.add_lot(&req, at_ms, out);
            }
        }
    }
}
