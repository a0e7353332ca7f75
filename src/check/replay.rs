//! Applying one journal event to the rebuilt state: I1 (no negative balance), I2 (at most
//! once), I3 (conservation) and the structural checks (gapless `seq`, known lots and holds).
//!
//! An event that closes a hold which is not open is reported and not applied to balances, so
//! that one fault gives one violation instead of a cascade.

use super::lots::clamp;
use super::schedule::{GrantView, is_scheduled};
use super::state::{Account, Hold, KeyState, Lot, Opening, Pool, Report};
use super::verdict::Invariant;
use crate::ledger::{Closure, Credits, Draw, Event, EventKind, Key, LotId, Rejection, TimeMs};

impl Account {
    /// Applies one event and checks it.
    pub(super) fn apply(&mut self, event: &Event, out: &mut Report<'_>) {
        if !self.check_seq(event.seq, out) {
            return;
        }
        self.pass_time(event.at_ms, out);
        match &event.kind {
            EventKind::Granted { .. } => self.apply_grant(event, out),
            EventKind::Reserved {
                key,
                pool,
                credits,
                expires_at_ms,
                draws,
                ..
            } => self.reserved(key, pool, (*credits, *expires_at_ms), draws, out),
            EventKind::Rejected {
                key,
                pool,
                credits,
                reason,
                ..
            } => {
                self.deserved(key, pool, *credits, reason, out);
                self.opened(key, Opening::Rejected, out)
            }
            EventKind::Unlimited { key, .. } => self.opened(key, Opening::Unlimited, out),
            EventKind::Committed {
                key,
                pool,
                charged,
                charged_from,
                returned,
            } => self.committed(key, pool, *charged, charged_from, returned, out),
            EventKind::Released {
                key,
                pool,
                timed_out,
                returned,
            } => {
                let how = if *timed_out {
                    Closure::TimedOut
                } else {
                    Closure::Released
                };
                self.released(key, pool, how, returned, out)
            }
            EventKind::Expired { pool, lot, credits } => self.expired(pool, *lot, *credits, out),
            EventKind::Warning { .. } => {}
        }
        self.check_conservation(event, out);
    }

    /// A grant event, as the lot checks see it.
    fn apply_grant(&mut self, event: &Event, out: &mut Report<'_>) {
        let EventKind::Granted {
            key,
            lot,
            pool,
            source,
            credits,
            expires_at_ms,
            priority,
        } = &event.kind
        else {
            return;
        };
        let grant = GrantView {
            key,
            pool,
            source: *source,
            credits: *credits,
            expires_at_ms: *expires_at_ms,
            priority: *priority,
            at_ms: event.at_ms,
            seq: event.seq,
            granted_before: 0,
        };
        self.granted(*lot, grant, out)
    }

    /// Checks that `seq` is the next one. A gap is reported and the event applied; a repeat
    /// (or a step back) is reported and not applied, since its `seq` already took effect and
    /// applying it again would turn one fault into several.
    fn check_seq(&mut self, seq: u64, out: &mut Report<'_>) -> bool {
        let expected = self.next_seq;
        if seq < expected {
            let msg = format!(
                "event seq {seq} repeats or goes back (expected {expected}); it is not \
                 applied, as a replayed event could count credits twice"
            );
            out.violation(Invariant::I3, None, 0, msg);
            return false;
        }
        if seq > expected {
            let msg = format!(
                "{} missing (seq jumps to {seq}); missing events could hide credits created \
                 or destroyed",
                missing_range(expected, seq - 1)
            );
            out.violation(Invariant::I3, None, 0, msg);
        }
        self.next_seq = seq.saturating_add(1);
        true
    }

    fn pool_index(&mut self, name: &str) -> usize {
        if let Some(i) = self.pools.iter().position(|p| p.name == name) {
            return i;
        }
        self.pools.push(Pool::new(name));
        self.pools.len() - 1
    }

    /// The key's state, created on first sight. One lookup: a key is looked up three times
    /// per step (reserve, close, the agent's record), in maps of tens of thousands of keys
    /// on a hot account. Cloning a `Key` copies it inline or bumps a shared count.
    pub(super) fn key_state(&mut self, key: &Key) -> &mut KeyState {
        let states = &mut self.key_states;
        let index = *self
            .keys
            .entry(key.clone())
            .or_insert_with(|| states.push(KeyState::default()));
        states.get_mut(index)
    }

    fn granted(&mut self, lot: LotId, mut grant: GrantView<'_>, out: &mut Report) {
        let (key, credits, seq) = (grant.key, grant.credits, out.at.seq);
        // With terms, the schedule judges a scheduled grant given twice (I11).
        let scheduled = self.terms.is_some() && is_scheduled(key);
        if let Some(first) = self.grants.get(key).filter(|_| !scheduled) {
            let msg = format!("grant key {key} granted twice: events {first} and {seq}");
            out.violation(Invariant::I2, Some(key), credits, msg);
        } else {
            self.grants.insert(key.clone(), seq);
        }
        let pool = self.pool_index(grant.pool);
        grant.granted_before = self.pools[pool].granted;
        self.explain_grant(grant, out);
        self.pools[pool].granted += i128::from(credits);
        self.check_overflow(pool, key, out);
        let lot_pool = match self.lots.get_mut(&lot) {
            Some(existing) => {
                let msg = format!(
                    "lot {lot} granted again (first at event {}); a lot id names one grant",
                    existing.granted_seq
                );
                out.violation(Invariant::I3, Some(key), credits, msg);
                existing.remaining += i128::from(credits);
                existing.pool
            }
            None => {
                let new = Lot {
                    pool,
                    remaining: i128::from(credits),
                    granted_seq: seq,
                    effective_ms: grant.at_ms,
                    expires_at_ms: grant.expires_at_ms,
                    source: grant.source,
                    expiry_reported: false,
                };
                self.order_lot(lot, &new, grant.priority);
                self.lots.insert(lot, new);
                pool
            }
        };
        self.pools[lot_pool].remaining += i128::from(credits);
    }

    /// Every grant must be explained by the account's terms, when the checker has them.
    fn explain_grant(&mut self, grant: GrantView<'_>, out: &mut Report<'_>) {
        let Some(terms) = self.terms.as_mut() else {
            return;
        };
        if let Err(why) = terms.explain(grant) {
            out.violation(why.invariant, Some(grant.key), grant.credits, why.message);
        }
    }

    /// Checked arithmetic: a pool's lifetime grants fit in a `u64`, as every ledger keeps
    /// them (the book refuses a grant that would overflow).
    fn check_overflow(&mut self, pool: usize, key: &Key, out: &mut Report<'_>) {
        let p = &mut self.pools[pool];
        if p.overflowed || p.granted <= i128::from(u64::MAX) {
            return;
        }
        p.overflowed = true;
        let msg = format!(
            "pool {} has been granted {} credits in all, more than a u64 holds ({}): a ledger \
             adding them up would overflow",
            p.name,
            p.granted,
            u64::MAX
        );
        let credits = clamp(p.granted - i128::from(u64::MAX));
        out.violation(Invariant::I3, Some(key), credits, msg);
    }

    /// I8: a reserve refused as insufficient must have asked for more than the pool held
    /// at that point of the journal. (Whether a plan excludes an action is in the
    /// scenario, not the journal, so a `NotEntitled` refusal is not judged here.)
    fn deserved(
        &mut self,
        key: &Key,
        pool: &str,
        credits: Credits,
        reason: &Rejection,
        out: &mut Report<'_>,
    ) {
        let Rejection::Insufficient { .. } = reason else {
            return;
        };
        let held = self.pools.iter().find(|p| p.name == pool);
        let available = held.map_or(0, |p| p.remaining);
        if i128::from(credits) <= available {
            let msg = format!(
                "reserve of key {key} refused as insufficient for {credits} credits while \
                 pool {pool} held {available}"
            );
            out.violation(Invariant::I8, Some(key), credits, msg);
        }
    }

    /// Records the first use of a key; a second one means a request was applied twice.
    fn opened(&mut self, key: &Key, how: Opening, out: &mut Report<'_>) {
        let state = self.key_state(key);
        open_key(state, key, how, out);
    }

    fn reserved(
        &mut self,
        key: &Key,
        pool: &str,
        (credits, deadline_ms): (Credits, TimeMs),
        draws: &[Draw],
        out: &mut Report<'_>,
    ) {
        let pool = self.pool_index(pool);
        let at_ms = out.at.at_ms;
        if deadline_ms < at_ms {
            let msg = format!(
                "reserve of key {key} at {at_ms} has its deadline at {deadline_ms}, before it \
                 was made"
            );
            out.violation(Invariant::I2, Some(key), credits, msg);
        }
        self.check_draws(key, pool, draws, at_ms, out);
        for draw in draws {
            self.take_from_lot(key, pool, draw, out);
        }
        self.pools[pool].held += i128::from(credits);
        let state = self.key_state(key);
        open_key(state, key, Opening::Reserved, out);
        let hold = state.hold.get_or_insert_with(|| {
            Box::new(Hold {
                pool,
                credits: 0,
                deadline_ms,
                draws: Vec::with_capacity(draws.len()),
                opened_at: (out.at.seq, at_ms),
            })
        });
        hold.credits = hold.credits.saturating_add(credits);
        for draw in draws {
            match hold.draws.iter_mut().find(|(lot, _)| *lot == draw.lot) {
                Some((_, held)) => *held += i128::from(draw.credits),
                None => hold.draws.push((draw.lot, i128::from(draw.credits))),
            }
        }
    }

    /// Moves a reserve's draw out of its lot, checking that the lot exists, belongs to the
    /// pool and does not go negative.
    fn take_from_lot(&mut self, key: &Key, pool: usize, draw: &Draw, out: &mut Report<'_>) {
        let Some(lot) = self.lots.get_mut(&draw.lot) else {
            let msg = format!(
                "reserve of key {key} draws {} from lot {}, which was never granted",
                draw.credits, draw.lot
            );
            return out.violation(Invariant::I3, Some(key), draw.credits, msg);
        };
        if lot.pool != pool {
            let msg = format!(
                "reserve of key {key} in pool {} draws from lot {} of pool {}",
                self.pools[pool].name, draw.lot, self.pools[lot.pool].name
            );
            out.violation(Invariant::I3, Some(key), draw.credits, msg);
        }
        let before = lot.remaining;
        lot.remaining -= i128::from(draw.credits);
        self.pools[lot.pool].remaining -= i128::from(draw.credits);
        if lot.remaining < 0 {
            let msg = format!(
                "reserve of key {key} takes {} from lot {}, which had {before}: lot {} is at {}",
                draw.credits, draw.lot, draw.lot, lot.remaining
            );
            out.violation(Invariant::I1, Some(key), clamp(-lot.remaining), msg);
        }
    }

    fn committed(
        &mut self,
        key: &Key,
        pool: &str,
        charged: Credits,
        charged_from: &[Draw],
        returned: &[Draw],
        out: &mut Report<'_>,
    ) {
        let Some(hold) = self.close(key, pool, Closure::Committed, Some(charged), out) else {
            return;
        };
        let mut hold = *hold;
        for draw in charged_from {
            Self::settle(key, &mut hold, draw, "charges", out);
        }
        for draw in returned {
            Self::settle(key, &mut hold, draw, "returns", out);
            self.give_to_lot(draw);
        }
        self.check_settled(key, &hold, "commit", out);
        self.pools[hold.pool].held -= i128::from(hold.credits);
        self.pools[hold.pool].charged += i128::from(charged);
    }

    fn released(
        &mut self,
        key: &Key,
        pool: &str,
        how: Closure,
        returned: &[Draw],
        out: &mut Report<'_>,
    ) {
        let Some(hold) = self.close(key, pool, how, None, out) else {
            return;
        };
        let mut hold = *hold;
        for draw in returned {
            Self::settle(key, &mut hold, draw, "returns", out);
            self.give_to_lot(draw);
        }
        self.check_settled(key, &hold, closure_word(how), out);
        self.pools[hold.pool].held -= i128::from(hold.credits);
    }

    /// Takes the open hold of `key` for closing, or reports why it cannot be closed. A commit
    /// passes its `charge`, recorded under the key whether or not the hold was open, since
    /// the ledger said it charged it.
    fn close(
        &mut self,
        key: &Key,
        pool: &str,
        how: Closure,
        charge: Option<Credits>,
        out: &mut Report<'_>,
    ) -> Option<Box<Hold>> {
        let (seq, at_ms) = (out.at.seq, out.at.at_ms);
        let state = self.key_state(key);
        let earlier_charge = state.first_charge.map(|(_, first_seq, _)| first_seq);
        if let Some(credits) = charge {
            state.first_charge.get_or_insert((credits, seq, at_ms));
            state.charged_total += u128::from(credits);
        }
        let again = charge.unwrap_or(0);
        let first_close = state.closed;
        if first_close.is_none() {
            state.closed = Some((how, seq));
        }
        let (hold, opened) = (state.hold.take(), state.opened);
        match (hold, first_close) {
            (Some(hold), _) => {
                if let (Some(_), Some(first_seq)) = (charge, earlier_charge) {
                    // The hold was reopened by a repeated reserve (already reported); the key
                    // still must not be charged again.
                    let msg = format!("key {key} charged twice: events {first_seq} and {seq}");
                    out.violation(Invariant::I2, Some(key), again, msg);
                }
                self.check_hold_pool(key, pool, &hold, out);
                check_deadline(key, how, &hold, out);
                Some(hold)
            }
            (None, Some((Closure::Committed, first_seq))) if how == Closure::Committed => {
                let msg = format!("key {key} charged twice: events {first_seq} and {seq}");
                out.violation(Invariant::I2, Some(key), again, msg);
                None
            }
            (None, Some((first, first_seq))) => {
                let msg = format!(
                    "hold {key} closed twice: {} at event {first_seq}, then {} at event {seq}",
                    closure_word(first),
                    closure_word(how)
                );
                out.violation(Invariant::I2, Some(key), again, msg);
                None
            }
            (None, None) => {
                let was = opened.map_or("never reserved", |(o, _, _)| o.word());
                let msg = format!(
                    "key {key} {} at event {seq} but has no hold ({was}): the credits come \
                     from nowhere",
                    closure_word(how)
                );
                out.violation(Invariant::I3, Some(key), again, msg);
                None
            }
        }
    }

    fn check_hold_pool(&self, key: &Key, pool: &str, hold: &Hold, out: &mut Report<'_>) {
        let hold_pool = &self.pools[hold.pool].name;
        if hold_pool != pool {
            let msg = format!("key {key} closed in pool {pool} but its hold is in {hold_pool}");
            out.violation(Invariant::I3, Some(key), hold.credits, msg);
        }
    }

    /// Accounts for `draw` against what the hold took from that lot.
    fn settle(key: &Key, hold: &mut Hold, draw: &Draw, verb: &str, out: &mut Report<'_>) {
        let entry = match hold.draws.iter_mut().find(|(lot, _)| *lot == draw.lot) {
            Some(entry) => entry,
            None => {
                hold.draws.push((draw.lot, 0));
                hold.draws.last_mut().expect("pushed above")
            }
        };
        let took = entry.1;
        entry.1 -= i128::from(draw.credits);
        if entry.1 < 0 {
            let msg = format!(
                "hold {key} {verb} {} for lot {}, more than the {took} left of what it took \
                 from that lot",
                draw.credits, draw.lot
            );
            out.violation(Invariant::I1, Some(key), clamp(-entry.1), msg);
        }
    }

    /// After a close, every credit the hold took must have been charged or returned.
    fn check_settled(&self, key: &Key, hold: &Hold, how: &str, out: &mut Report<'_>) {
        for (lot, left) in hold.draws.iter().filter(|(_, left)| *left > 0) {
            let msg = format!(
                "{how} of key {key} leaves {left} credits of lot {lot} unaccounted: neither \
                 charged nor returned"
            );
            out.violation(Invariant::I3, Some(key), clamp(*left), msg);
        }
    }

    fn give_to_lot(&mut self, draw: &Draw) {
        if let Some(lot) = self.lots.get_mut(&draw.lot) {
            lot.remaining += i128::from(draw.credits);
            self.pools[lot.pool].remaining += i128::from(draw.credits);
        }
    }

    fn expired(&mut self, pool: &str, lot_id: LotId, credits: Credits, out: &mut Report<'_>) {
        let pool = self.pool_index(pool);
        self.pools[pool].expired += i128::from(credits);
        self.check_expiry_time(lot_id, credits, out);
        let Some(lot) = self.lots.get_mut(&lot_id) else {
            let msg = format!("{credits} credits of lot {lot_id} expire, but it was never granted");
            return out.violation(Invariant::I3, None, credits, msg);
        };
        if lot.pool != pool {
            let msg = format!(
                "credits of lot {lot_id} expire from pool {}, but the lot is in pool {}",
                self.pools[pool].name, self.pools[lot.pool].name
            );
            out.violation(Invariant::I3, None, credits, msg);
        }
        let before = lot.remaining;
        lot.remaining -= i128::from(credits);
        self.pools[lot.pool].remaining -= i128::from(credits);
        if lot.remaining < 0 {
            let msg = format!(
                "{credits} credits of lot {lot_id} expire, but it had {before}: lot {lot_id} \
                 is at {}",
                lot.remaining
            );
            out.violation(Invariant::I1, None, clamp(-lot.remaining), msg);
        }
    }

    /// Pool-level conservation after the event; reported once per new imbalance, and not at
    /// all when a more precise violation was already reported for this event.
    fn check_conservation(&mut self, event: &Event, out: &mut Report<'_>) {
        for i in 0..self.pools.len() {
            let imbalance = self.pools[i].imbalance();
            let drift = std::mem::replace(&mut self.pools[i].drift, imbalance);
            if imbalance == drift || imbalance == 0 || out.reported {
                continue;
            }
            let p = &self.pools[i];
            let change = if imbalance > 0 {
                "destroyed"
            } else {
                "created"
            };
            let msg = format!(
                "pool {} out of balance after this {}: granted {} != charged {} + expired {} \
                 + remaining {} + held {}; {} credits {change}",
                p.name,
                kind_word(&event.kind),
                p.granted,
                p.charged,
                p.expired,
                p.remaining,
                p.held,
                (imbalance - drift).abs()
            );
            let credits = clamp((imbalance - drift).abs());
            out.violation(Invariant::I3, event_key(&event.kind), credits, msg);
        }
    }
}

/// Marks `state` as opened by `how`, or reports that it already was.
fn open_key(state: &mut KeyState, key: &Key, how: Opening, out: &mut Report<'_>) {
    let seq = out.at.seq;
    match state.opened {
        Some((first, first_seq, _)) => {
            let msg = format!(
                "key {key} {} again at event {seq}: already {} at event {first_seq}",
                how.word(),
                first.word()
            );
            out.violation(Invariant::I2, Some(key), 0, msg);
        }
        None => state.opened = Some((how, seq, out.at.at_ms)),
    }
}

/// A hold closes before its deadline by commit or release, or at it by timeout: a commit
/// after the deadline should have found the hold timed out (`HoldClosed`).
fn check_deadline(key: &Key, how: Closure, hold: &Hold, out: &mut Report<'_>) {
    let (at_ms, deadline_ms) = (out.at.at_ms, hold.deadline_ms);
    let msg = match how {
        Closure::TimedOut if at_ms != deadline_ms => {
            format!("hold {key} timed out at {at_ms}, but its deadline was {deadline_ms}")
        }
        Closure::Committed | Closure::Released if at_ms >= deadline_ms => format!(
            "hold {key} {} at {at_ms}, at or after its deadline {deadline_ms}: it should have \
             timed out at {deadline_ms}, leaving the late call `HoldClosed`",
            closure_word(how)
        ),
        _ => return,
    };
    out.violation(Invariant::I2, Some(key), hold.credits, msg);
}

/// `event 4 is` or `events 4..=6 are`.
fn missing_range(first: u64, last: u64) -> String {
    if first == last {
        format!("event {first} is")
    } else {
        format!("events {first}..={last} are")
    }
}

fn closure_word(how: Closure) -> &'static str {
    match how {
        Closure::Committed => "committed",
        Closure::Released => "released",
        Closure::TimedOut => "timed out",
    }
}

fn kind_word(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Granted { .. } => "grant",
        EventKind::Reserved { .. } => "reserve",
        EventKind::Rejected { .. } => "rejection",
        EventKind::Unlimited { .. } => "unlimited reserve",
        EventKind::Committed { .. } => "commit",
        EventKind::Released {
            timed_out: false, ..
        } => "release",
        EventKind::Released {
            timed_out: true, ..
        } => "timeout",
        EventKind::Expired { .. } => "expiry",
        EventKind::Warning { .. } => "warning",
    }
}

fn event_key(kind: &EventKind) -> Option<&Key> {
    match kind {
        EventKind::Granted { key, .. }
        | EventKind::Reserved { key, .. }
        | EventKind::Rejected { key, .. }
        | EventKind::Unlimited { key, .. }
        | EventKind::Committed { key, .. }
        | EventKind::Released { key, .. } => Some(key),
        EventKind::Expired { .. } | EventKind::Warning { .. } => None,
    }
}
