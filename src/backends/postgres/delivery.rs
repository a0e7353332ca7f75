//! Handing the events the database committed to the run's sink, each account's in `seq`
//! order and each exactly once.
//!
//! Replies on different connections can be processed out of order, and a reply can be lost
//! after its transaction committed (a killed connection, a restarting server). Events that
//! arrive ahead of the next expected seq wait here; the caller then reads the missing ones
//! from the `events` table, which already holds them: a transaction can only take seq `s`
//! after every event before `s` committed. What is still missing when the ledger stops is
//! read there too.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::ledger::{AccountId, Event, EventSink};

/// One account's delivery state.
#[derive(Default)]
struct Pending {
    /// The seq of the next event the sink expects.
    next_seq: u64,
    /// Events that arrived ahead of `next_seq`.
    ahead: BTreeMap<u64, Event>,
}

/// Events from the database, in order, to the sink.
pub(super) struct Delivery {
    accounts: Vec<Mutex<Pending>>,
    sink: Arc<dyn EventSink>,
}

impl Delivery {
    /// Delivery for `accounts` accounts, none of which has events yet.
    pub(super) fn new(accounts: usize, sink: Arc<dyn EventSink>) -> Delivery {
        let accounts = (0..accounts).map(|_| Mutex::default()).collect();
        Delivery { accounts, sink }
    }

    /// Takes `events` of `account` (any order, repeats ignored), hands the sink every event
    /// that is next in line, and returns the range `[from, to)` still missing before the
    /// first event that has to wait, if any.
    pub(super) fn offer(&self, account: AccountId, events: Vec<Event>) -> Option<(u64, u64)> {
        let slot = &self.accounts[account as usize];
        let mut pending = slot.lock().unwrap_or_else(|p| p.into_inner());
        for event in events {
            if event.seq >= pending.next_seq {
                pending.ahead.insert(event.seq, event);
            }
        }
        let mut ready = Vec::new();
        loop {
            let next = pending.next_seq;
            match pending.ahead.remove(&next) {
                Some(event) => {
                    ready.push(event);
                    pending.next_seq += 1;
                }
                None => break,
            }
        }
        if !ready.is_empty() {
            // Under the account's lock, so that the sink gets its events in order.
            self.sink.append(account, &mut ready);
        }
        let first_waiting = pending.ahead.keys().next().copied();
        first_waiting.map(|to| (pending.next_seq, to))
    }

    /// The seq of the next event `account`'s sink expects.
    pub(super) fn next_seq(&self, account: AccountId) -> u64 {
        let slot = &self.accounts[account as usize];
        slot.lock().unwrap_or_else(|p| p.into_inner()).next_seq
    }

    /// How many accounts there are.
    pub(super) fn len(&self) -> usize {
        self.accounts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::EventKind;

    #[derive(Default)]
    struct Keep(Mutex<Vec<u64>>);

    impl EventSink for Keep {
        fn append(&self, _account: AccountId, events: &mut Vec<Event>) {
            self.0
                .lock()
                .unwrap()
                .extend(events.drain(..).map(|e| e.seq));
        }
    }

    fn events(seqs: &[u64]) -> Vec<Event> {
        let event = |&seq| Event {
            account: 0,
            seq,
            at_ms: 0,
            kind: EventKind::Warning {
                pool: "credits".into(),
                threshold: 1,
                available: 0,
            },
        };
        seqs.iter().map(event).collect()
    }

    #[test]
    fn events_reach_the_sink_once_and_in_order_whatever_order_they_arrive_in() {
        let keep = Arc::new(Keep::default());
        let delivery = Delivery::new(1, keep.clone());
        assert_eq!(delivery.offer(0, events(&[2, 3])), Some((0, 2)));
        assert_eq!(delivery.offer(0, events(&[0])), Some((1, 2)));
        assert_eq!(
            delivery.offer(0, events(&[0, 1, 2])),
            None,
            "repeats are ignored"
        );
        assert_eq!(delivery.offer(0, events(&[4])), None);
        assert_eq!(*keep.0.lock().unwrap(), [0, 1, 2, 3, 4]);
        assert_eq!(delivery.next_seq(0), 5);
    }
}
