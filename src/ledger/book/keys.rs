//! The idempotency table: what each key did, so that a repeated request gets the first
//! outcome, and when a closed record may be forgotten.
//!
//! A record is *logically* forgotten once `closed_at + retention <= now`: lookups ignore it
//! from then on. It is *physically* removed later, by `prune`, which the book runs before
//! every journal event and which only removes records closed strictly before that event's
//! time. Pruning therefore depends only on the event times, so a book replayed from its
//! journal prunes exactly as the live one did.

use std::collections::VecDeque;
use std::collections::hash_map::Entry;

use super::pools::PoolId;
use crate::fastmap::FastMap;
use crate::ledger::events::Rejection;
use crate::ledger::terms::{Credits, DrawList, Key, LotId, LotSource, Name, TimeMs};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyRecord {
    /// The seq of the event that created the record; tells a reused key's records apart.
    pub serial: u64,
    /// When the request was made.
    pub at_ms: TimeMs,
    /// What the key did.
    pub kind: RecordKind,
}

/// What a key did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RecordKind {
    /// A reserve that held credits.
    Hold(Hold),
    /// A reserve that was refused or found unlimited; its ttl had no effect and is not kept.
    Refused {
        /// The request's pool.
        pool: Name,
        /// The request's action.
        action: Name,
        /// The request's credits.
        credits: Credits,
        /// `None` for unlimited.
        rejection: Option<Rejection>,
    },
    /// A grant by hand (scheduled grants are not recorded: the schedule prevents repeats).
    Grant {
        /// The request's pool.
        pool: Name,
        /// The request's credits.
        credits: Credits,
        /// The request's source.
        source: LotSource,
        /// The request's expiry.
        expires_at_ms: Option<TimeMs>,
        /// The request's priority.
        priority: u8,
        lot: LotId,
    },
}

/// Credits held for one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hold {
    pub pool: PoolId,
    /// The action paid for, for duplicate detection.
    pub action: Name,
    /// Credits held, the sum of `draws`.
    pub credits: Credits,
    /// When the hold times out.
    pub expires_at_ms: TimeMs,
    /// What each lot gave, in consumption order; emptied when the hold closes.
    pub draws: DrawList,
    /// Open or how it closed.
    pub state: HoldState,
}

/// Where a hold is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HoldState {
    /// Not closed yet.
    Open,
    Committed {
        charged: Credits,
        returned: Credits,
        at_ms: TimeMs,
    },
    /// Released by the caller at `at_ms`.
    Released {
        /// The whole hold, back in its lots.
        returned: Credits,
        at_ms: TimeMs,
    },
    /// Released by the account when its ttl passed.
    TimedOut {
        /// When (the hold's deadline).
        at_ms: TimeMs,
    },
}

impl KeyRecord {
    /// When the record's request was closed, from which its retention runs: `None` while
    /// a hold is open, and always for a grant by hand, which is never forgotten (a payment
    /// notification may be delivered again at any time, and must credit once).
    pub(super) fn closed_at_ms(&self) -> Option<TimeMs> {
        match &self.kind {
            RecordKind::Hold(hold) => match hold.state {
                HoldState::Open => None,
                HoldState::Committed { at_ms, .. }
                | HoldState::Released { at_ms, .. }
                | HoldState::TimedOut { at_ms } => Some(at_ms),
            },
            RecordKind::Refused { .. } => Some(self.at_ms),
            RecordKind::Grant { .. } => None,
        }
    }

    /// Whether the record is logically forgotten at `now_ms`.
    fn is_forgotten(&self, now_ms: TimeMs, retention_ms: TimeMs) -> bool {
        let until = self
            .closed_at_ms()
            .and_then(|at| at.checked_add(retention_ms));
        until.is_some_and(|until| until <= now_ms)
    }
}

/// A closed record waiting to be removed, in closing order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Closed {
    at_ms: TimeMs,
    key: Key,
    serial: u64,
}

/// Records by key, plus the closed ones in closing order for pruning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyTable {
    records: FastMap<Key, KeyRecord>,
    closed: VecDeque<Closed>,
}

impl KeyTable {
    /// The record under `key` unless it is forgotten at `now_ms`.
    pub(super) fn live(
        &self,
        key: &str,
        now_ms: TimeMs,
        retention_ms: TimeMs,
    ) -> Option<&KeyRecord> {
        self.live_entry(key, now_ms, retention_ms)
            .map(|(_, record)| record)
    }

    /// Like [`KeyTable::live`], with the stored key, which a caller that only has a `&str`
    /// can clone for an event without copying a long key's text.
    pub(super) fn live_entry(
        &self,
        key: &str,
        now_ms: TimeMs,
        retention_ms: TimeMs,
    ) -> Option<(&Key, &KeyRecord)> {
        let (stored, record) = self.records.get_key_value(key)?;
        (!record.is_forgotten(now_ms, retention_ms)).then_some((stored, record))
    }

    /// The record under `key`, forgotten or not, with the stored key.
    pub(super) fn get_entry(&self, key: &str) -> Option<(&Key, &KeyRecord)> {
        self.records.get_key_value(key)
    }

    /// The record under `key`, forgotten or not.
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut KeyRecord> {
        self.records.get_mut(key)
    }

    /// Records `record` under `key`, unless a record there is not yet forgotten at the
    /// record's time; a forgotten one is replaced.
    pub(super) fn claim(
        &mut self,
        key: &Key,
        retention_ms: TimeMs,
        record: KeyRecord,
    ) -> Result<(), String> {
        let record = match self.records.entry(key.clone()) {
            Entry::Occupied(mut entry) => {
                if !entry.get().is_forgotten(record.at_ms, retention_ms) {
                    return Err(format!("key {key} is already in use"));
                }
                entry.insert(record);
                entry.into_mut()
            }
            Entry::Vacant(entry) => entry.insert(record),
        };
        if let Some(closed_at_ms) = record.closed_at_ms() {
            let serial = record.serial;
            self.push_closed(closed_at_ms, key.clone(), serial);
        }
        Ok(())
    }

    /// Queues the record `key` (with `serial`), closed at `at_ms`, for pruning.
    pub(super) fn note_closed(&mut self, at_ms: TimeMs, key: Key, serial: u64) {
        self.push_closed(at_ms, key, serial);
    }

    /// Removes records closed before `now_ms` whose retention has passed.
    pub(super) fn prune(&mut self, now_ms: TimeMs, retention_ms: TimeMs) {
        while let Some(front) = self.closed.front() {
            let until = front.at_ms.checked_add(retention_ms);
            let due = front.at_ms < now_ms && until.is_some_and(|until| until <= now_ms);
            if !due {
                break;
            }
            let front = self.closed.pop_front().expect("front exists");
            // One lookup: the queue owns a reference to the key, which the entry takes.
            match self.records.entry(front.key) {
                Entry::Occupied(entry) if entry.get().serial == front.serial => {
                    entry.remove();
                }
                _ => {}
            }
        }
    }

    /// How many records are in memory, forgotten or not.
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    fn push_closed(&mut self, at_ms: TimeMs, key: Key, serial: u64) {
        debug_assert!(self.closed.back().is_none_or(|back| back.at_ms <= at_ms));
        self.closed.push_back(Closed { at_ms, key, serial });
    }
}
