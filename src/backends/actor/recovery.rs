//! `RecoveryLog`: what a restarted account actor rebuilds its `Book` from.
//!
//! The account actor copies the events of every operation here before it replies, so that
//! nothing it acknowledged is lost when it crashes: its successor replays them. Events are
//! stored in fixed-size segments rather than one growing `Vec`, so that a hot account with
//! millions of events never copies its whole history when it grows.

use std::sync::{Mutex, MutexGuard};

use crate::chunked::Chunked;
use crate::ledger::Event;

/// Events per segment: large enough that segment bookkeeping is negligible, small enough that
/// starting a new one costs little.
const SEGMENT_EVENTS: usize = 4096;

/// One account's events, in `seq` order.
#[derive(Debug, Default)]
pub struct RecoveryLog {
    events: Mutex<Chunked<Event, SEGMENT_EVENTS>>,
}

impl RecoveryLog {
    /// Appends copies of `events`.
    pub fn append(&self, events: &[Event]) {
        let mut stored = self.lock();
        for event in events {
            stored.push(event.clone());
        }
    }

    /// A copy of every event, for replay after a crash.
    pub fn events(&self) -> Vec<Event> {
        self.lock().iter_from(0).cloned().collect()
    }

    fn lock(&self) -> MutexGuard<'_, Chunked<Event, SEGMENT_EVENTS>> {
        // A poisoned lock means a thread panicked while appending; every pushed event is
        // whole, so keep using it.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::EventKind;

    fn event(seq: u64) -> Event {
        let kind = EventKind::Expired {
            pool: "credits".into(),
            lot: 0,
            credits: seq,
        };
        Event {
            account: 0,
            seq,
            at_ms: 0,
            kind,
        }
    }

    #[test]
    fn events_read_back_in_order_across_segments() {
        let log = RecoveryLog::default();
        let total = SEGMENT_EVENTS as u64 * 2 + 7;
        let events: Vec<Event> = (0..total).map(event).collect();
        log.append(&events[..5]);
        log.append(&events[5..]);
        assert_eq!(log.events(), events);
    }
}
