//! Applying one journal event to a book. Live operations decide what happens and then apply
//! the events they emit through this same code, so a replayed book equals the live one by
//! construction; replay adds only the checks that a journal may fail.

use super::Book;
use super::keys::{Hold, HoldState, KeyRecord, RecordKind};
use super::pool::{Lot, Pool};
use super::pools::{PoolId, Pools};
use super::time::{Renewal, renewal_expiry_ms};
use crate::ledger::*;

/// What closing a hold needs once its record is updated.
struct Closing {
    serial: u64,
    pool: PoolId,
    deadline_ms: TimeMs,
    draws: DrawList,
}

impl Closing {
    /// Takes the draws out of a hold record that was just closed.
    fn take(record: &mut KeyRecord) -> Closing {
        let RecordKind::Hold(hold) = &mut record.kind else {
            unreachable!("only holds close")
        };
        Closing {
            serial: record.serial,
            pool: hold.pool,
            deadline_ms: hold.expires_at_ms,
            draws: std::mem::take(&mut hold.draws),
        }
    }
}

/// The open hold in `record`, in `pool`, not yet past its deadline (for a `timeout`, at
/// most at it).
fn open_hold<'r>(
    record: &'r mut KeyRecord,
    (pools, pool): (&Pools, &str),
    (at_ms, timeout): (TimeMs, bool),
) -> Result<&'r mut Hold, String> {
    let RecordKind::Hold(hold) = &mut record.kind else {
        return Err("the key is not a hold".into());
    };
    let in_pool = pools.name(hold.pool) == pool;
    if hold.state != HoldState::Open || !in_pool || hold.expires_at_ms < at_ms {
        return Err("the hold is not open in this pool at this time".into());
    }
    if !timeout && hold.expires_at_ms == at_ms {
        return Err("the hold timed out at this time".into());
    }
    Ok(hold)
}

impl Book {
    /// Applies one event, or says why it does not fit this book.
    pub(super) fn apply(&mut self, event: &Event) -> Result<(), String> {
        if event.account != self.account {
            return Err(format!("it belongs to account {}", event.account));
        }
        if event.seq != self.next_seq {
            return Err(format!("expected seq {}", self.next_seq));
        }
        if event.at_ms < self.last_event_ms {
            return Err(format!("time goes back from {}", self.last_event_ms));
        }
        self.keys.prune(event.at_ms, self.spec.key_retention_ms);
        self.apply_kind(event.seq, event.at_ms, &event.kind)?;
        self.next_seq += 1;
        self.last_event_ms = event.at_ms;
        self.now_ms = self.now_ms.max(event.at_ms);
        Ok(())
    }

    fn apply_kind(&mut self, seq: u64, at_ms: TimeMs, kind: &EventKind) -> Result<(), String> {
        match kind {
            EventKind::Granted {
                key,
                lot,
                pool,
                source,
                credits,
                expires_at_ms,
                priority,
            } => {
                let lot = Lot {
                    id: *lot,
                    source: *source,
                    granted: *credits,
                    remaining: *credits,
                    effective_ms: at_ms,
                    expires_at_ms: *expires_at_ms,
                    priority: *priority,
                    holders: 0,
                };
                self.apply_granted(seq, at_ms, key, pool, lot)
            }
            EventKind::Reserved {
                key,
                pool,
                action,
                credits,
                expires_at_ms,
                draws,
            } => {
                let hold = (pool, action, *credits, *expires_at_ms);
                self.apply_reserved(seq, at_ms, key, hold, draws)
            }
            EventKind::Rejected {
                key,
                pool,
                action,
                credits,
                reason,
            } => self.apply_refused(seq, at_ms, key, (pool, action, *credits), Some(*reason)),
            EventKind::Unlimited {
                key,
                pool,
                action,
                credits,
            } => self.apply_refused(seq, at_ms, key, (pool, action, *credits), None),
            EventKind::Committed {
                key,
                pool,
                charged,
                charged_from,
                returned,
            } => self.apply_committed(at_ms, key, pool, *charged, charged_from, returned),
            EventKind::Released {
                key,
                pool,
                timed_out,
                returned,
            } => self.apply_released(at_ms, key, pool, *timed_out, returned),
            EventKind::Expired { pool, lot, credits } => self
                .pools
                .get_mut(pool.as_str())
                .ok_or("unknown pool")?
                .expire(*lot, *credits, at_ms),
            EventKind::Warning {
                pool, available, ..
            } => self.apply_warning(pool, *available),
        }
    }

    /// A warning changes nothing; it must only state the balance the book has.
    fn apply_warning(&self, pool: &str, available: Credits) -> Result<(), String> {
        let actual = self.pools.get(pool).map_or(0, Pool::available);
        match actual == available {
            true => Ok(()),
            false => Err(format!(
                "warning says {available} available, book has {actual}"
            )),
        }
    }

    fn apply_granted(
        &mut self,
        seq: u64,
        at_ms: TimeMs,
        key: &Key,
        pool: &Name,
        lot: Lot,
    ) -> Result<(), String> {
        if lot.id != self.next_lot {
            return Err(format!("expected lot {}", self.next_lot));
        }
        if key.starts_with(RENEWAL_KEY_PREFIX) {
            let index = self.scheduled_index(key, at_ms, pool, lot.expires_at_ms)?;
            let next = self.renewals[index].next + 1;
            let grant = &self.spec.recurring[index];
            self.renewals[index] = Renewal::nth(self.spec.anchor_ms, grant, next);
        } else {
            let kind = RecordKind::Grant {
                pool: pool.clone(),
                credits: lot.remaining,
                source: lot.source,
                expires_at_ms: lot.expires_at_ms,
                priority: lot.priority,
                lot: lot.id,
            };
            let record = KeyRecord {
                serial: seq,
                at_ms,
                kind,
            };
            self.keys.claim(key, self.spec.key_retention_ms, record)?;
        }
        self.next_lot = self
            .next_lot
            .checked_add(1)
            .ok_or("lot ids are exhausted")?;
        self.pool_entry(pool).1.add(lot)
    }

    /// Which recurring grant `key` is, checking it is that grant's next one, due at `at_ms`.
    fn scheduled_index(
        &self,
        key: &str,
        at_ms: TimeMs,
        pool: &str,
        expires_at_ms: Option<TimeMs>,
    ) -> Result<usize, String> {
        let rest = &key[RENEWAL_KEY_PREFIX.len()..];
        let (label, k) = rest.rsplit_once(':').ok_or("malformed renewal key")?;
        let k: u64 = k.parse().map_err(|_| "malformed renewal number")?;
        let index = (0..self.spec.recurring.len())
            .find(|&i| self.spec.recurring[i].label == label && self.renewals[i].next == k)
            .ok_or_else(|| format!("{key} is not the next scheduled grant"))?;
        let grant = &self.spec.recurring[index];
        let due = self.renewals[index].due_ms;
        let expiry = renewal_expiry_ms(self.spec.anchor_ms, grant, k);
        if due != Some(at_ms) || grant.pool != pool || expiry != expires_at_ms {
            return Err(format!("{key} does not match the schedule"));
        }
        Ok(index)
    }

    fn apply_reserved(
        &mut self,
        seq: u64,
        at_ms: TimeMs,
        key: &Key,
        (pool, action, credits, expires_at_ms): (&Name, &Name, Credits, TimeMs),
        draws: &[Draw],
    ) -> Result<(), String> {
        if expires_at_ms < at_ms {
            return Err("the hold expires before it was made".into());
        }
        // `claim` below refuses a key in use; replay discards the book on any error.
        let (pool, entry) = self.pool_entry(pool);
        if entry.take(draws, at_ms)? != credits {
            return Err("the draws do not add up to the credits held".into());
        }
        let (draws, state) = (DrawList::from_slice(draws), HoldState::Open);
        let hold = Hold {
            pool,
            action: action.clone(),
            credits,
            expires_at_ms,
            draws,
            state,
        };
        let kind = RecordKind::Hold(hold);
        let record = KeyRecord {
            serial: seq,
            at_ms,
            kind,
        };
        self.keys.claim(key, self.spec.key_retention_ms, record)?;
        self.timeouts.insert(expires_at_ms, seq, key.clone());
        Ok(())
    }

    fn apply_refused(
        &mut self,
        seq: u64,
        at_ms: TimeMs,
        key: &Key,
        (pool, action, credits): (&Name, &Name, Credits),
        rejection: Option<Rejection>,
    ) -> Result<(), String> {
        let kind = RecordKind::Refused {
            pool: pool.clone(),
            action: action.clone(),
            credits,
            rejection,
        };
        let record = KeyRecord {
            serial: seq,
            at_ms,
            kind,
        };
        self.keys.claim(key, self.spec.key_retention_ms, record)
    }

    fn apply_committed(
        &mut self,
        at_ms: TimeMs,
        key: &str,
        pool: &str,
        charged: Credits,
        charged_from: &[Draw],
        returned: &[Draw],
    ) -> Result<(), String> {
        let record = self.keys.get_mut(key).ok_or("no hold under this key")?;
        let hold = open_hold(record, (&self.pools, pool), (at_ms, false))?;
        if charged > hold.credits {
            return Err("it charges more than was held".into());
        }
        let (split_charged, split_returned) = split_draws(hold.draws.as_slice(), charged);
        let fits =
            split_charged.as_slice() == charged_from && split_returned.as_slice() == returned;
        if !fits {
            return Err("its draws are not the hold's draws split in draw order".into());
        }
        let back = hold.credits - charged;
        hold.state = HoldState::Committed {
            charged,
            returned: back,
            at_ms,
        };
        let closing = Closing::take(record);
        self.close_hold(closing, at_ms, charged, returned)
    }

    fn apply_released(
        &mut self,
        at_ms: TimeMs,
        key: &str,
        pool: &str,
        timed_out: bool,
        returned: &[Draw],
    ) -> Result<(), String> {
        let record = self.keys.get_mut(key).ok_or("no hold under this key")?;
        let hold = open_hold(record, (&self.pools, pool), (at_ms, timed_out))?;
        if timed_out && at_ms != hold.expires_at_ms {
            return Err("a timeout must happen at the hold's deadline".into());
        }
        if hold.draws.as_slice() != returned {
            return Err("a release must return exactly the hold's draws".into());
        }
        hold.state = match timed_out {
            true => HoldState::TimedOut { at_ms },
            false => HoldState::Released {
                returned: hold.credits,
                at_ms,
            },
        };
        let closing = Closing::take(record);
        self.close_hold(closing, at_ms, 0, returned)
    }

    /// Finishes closing a hold: lots, totals, timeout and retention queue.
    fn close_hold(
        &mut self,
        closing: Closing,
        at_ms: TimeMs,
        charged: Credits,
        returned: &[Draw],
    ) -> Result<(), String> {
        let entry = self.pools.pool_mut(closing.pool);
        entry.close_hold(closing.draws.as_slice(), charged, returned)?;
        let key = self.timeouts.remove(closing.deadline_ms, closing.serial);
        let key = key.ok_or("the open hold has no timeout")?;
        self.keys.note_closed(at_ms, key, closing.serial);
        Ok(())
    }

    /// The pool named `pool`, created empty if new, with its id.
    pub(super) fn pool_entry(&mut self, pool: &str) -> (PoolId, &mut Pool) {
        let id = self.pools.id_or_insert(pool);
        (id, self.pools.pool_mut(id))
    }
}
