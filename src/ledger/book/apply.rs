//! Applying one journal event to a book. Live operations decide what happens and then apply
//! the events they emit through this same code, so a replayed book equals the live one by
//! construction; replay adds only the checks that a journal may fail.

use super::Book;
use super::keys::{Hold, HoldState, KeyRecord, RecordKind};
use super::pool::{Lot, Pool};
use super::pools::{PoolId, Pools};
use crate::ledger::types::*;

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

/// The key prefix reserved for scheduled grants: `renew:<label>:<k>`.
pub(crate) const RENEW_PREFIX: &str = "renew:";

/// Splits a hold's draws into the part charged and the part returned: the charge is taken
/// from the draws in draw order. Yields `(charged, returned)` per draw.
pub(crate) fn split_draws(draws: &[Draw], charged: Credits) -> impl Iterator<Item = (Draw, Draw)> {
    let mut left = charged;
    draws.iter().map(move |draw| {
        let take = left.min(draw.credits);
        left -= take;
        let part = |credits| Draw {
            lot: draw.lot,
            credits,
        };
        (part(take), part(draw.credits - take))
    })
}

/// The charged parts of `split_draws`, without empty parts.
pub(crate) fn charged_parts(draws: &[Draw], charged: Credits) -> impl Iterator<Item = Draw> {
    split_draws(draws, charged)
        .map(|(c, _)| c)
        .filter(|d| d.credits > 0)
}

/// The returned parts of `split_draws`, without empty parts.
pub(crate) fn returned_parts(draws: &[Draw], charged: Credits) -> impl Iterator<Item = Draw> {
    split_draws(draws, charged)
        .map(|(_, r)| r)
        .filter(|d| d.credits > 0)
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
            } => {
                let actual = self.pools.get(pool.as_str()).map_or(0, Pool::available);
                match actual == *available {
                    true => Ok(()),
                    false => Err(format!(
                        "warning says {available} available, book has {actual}"
                    )),
                }
            }
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
        if key.starts_with(RENEW_PREFIX) {
            let index = self.scheduled_index(key, at_ms, pool, lot.expires_at_ms)?;
            self.renewals[index] += 1;
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
        let rest = &key[RENEW_PREFIX.len()..];
        let (label, k) = rest.rsplit_once(':').ok_or("malformed renewal key")?;
        let k: u64 = k.parse().map_err(|_| "malformed renewal number")?;
        let index = (0..self.spec.recurring.len())
            .find(|&i| self.spec.recurring[i].label == label && self.renewals[i] == k)
            .ok_or_else(|| format!("{key} is not the next scheduled grant"))?;
        let grant = &self.spec.recurring[index];
        let due = super::time::renewal_due_ms(grant, k);
        let expiry = super::time::renewal_expiry_ms(grant, at_ms);
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
        let draws = hold.draws.as_slice();
        let fits = charged_parts(draws, charged).eq(charged_from.iter().copied())
            && returned_parts(draws, charged).eq(returned.iter().copied());
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
        self.close(closing, at_ms, charged, returned)
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
        self.close(closing, at_ms, 0, returned)
    }

    /// Finishes closing a hold: lots, totals, timeout and retention queue.
    fn close(
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
