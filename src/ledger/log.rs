//! `AccountLog`: one account's journal, kept in memory as the source of truth.
//!
//! The account actor appends the events of every operation here before it replies, so that a
//! restarted actor can rebuild its `Book` by replaying them. The journal consumer (writer and
//! online checker) copies the new events out under the lock, which is cheap because keys and
//! names are stored inline, and checks and writes them after releasing it, so the actor never
//! waits for the checker.
//! Instead of a message per event, the actor raises a per-account "pending" flag and sends the
//! account id on a channel only when the flag was down: the channel therefore never holds more
//! than one entry per account, whatever the load.
//!
//! Events are stored in fixed-size segments rather than one growing `Vec`, so that a hot
//! account with millions of events never copies its whole history when it grows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Events per segment: large enough that segment bookkeeping is negligible, small enough that
/// starting a new one costs little.
const SEGMENT_EVENTS: usize = 4096;

/// An account's events, in segments of `SEGMENT_EVENTS`.
type Segments = Chunked<Event, SEGMENT_EVENTS>;

use tokio::sync::mpsc::UnboundedSender;

use super::types::{AccountId, Event};
use crate::chunked::Chunked;

/// One account's events, appended by its actor and read by the journal consumer.
#[derive(Debug)]
pub struct AccountLog {
    /// The account.
    account: AccountId,
    /// Every event of the account so far, in `seq` order.
    events: Mutex<Segments>,
    /// Raised when events were appended that the consumer has not been told about.
    pending: AtomicBool,
    /// Where the account id is sent when new events wait; `None` when nobody consumes.
    notify: Option<UnboundedSender<AccountId>>,
}

impl AccountLog {
    /// An empty log that tells `notify` (if any) when it has new events.
    pub fn new(account: AccountId, notify: Option<UnboundedSender<AccountId>>) -> Arc<AccountLog> {
        Arc::new(AccountLog {
            account,
            events: Mutex::new(Segments::default()),
            pending: AtomicBool::new(false),
            notify,
        })
    }

    /// The account this log belongs to.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// Appends events and, if the consumer was not already told, tells it.
    pub fn append(&self, mut events: Vec<Event>) {
        self.append_from(&mut events);
    }

    /// Moves the events out of `events` (leaving it empty, with its capacity, for reuse),
    /// appends them and, if the consumer was not already told, tells it.
    pub fn append_from(&self, events: &mut Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let mut stored = self.lock();
        for event in events.drain(..) {
            stored.push(event);
        }
        drop(stored);
        if !self.pending.swap(true, Ordering::AcqRel)
            && let Some(notify) = &self.notify
        {
            // A closed channel means the consumer is gone (the run is ending); the events stay
            // in the log either way.
            let _ = notify.send(self.account);
        }
    }

    /// Visits the events from index `from` on, in order, and returns how many events the
    /// log holds. The consumer lowers the pending flag first, so anything appended after it
    /// reads raises the flag and notifies again.
    pub fn visit_from<E>(
        &self,
        from: usize,
        mut visit: impl FnMut(&Event) -> Result<(), E>,
    ) -> Result<usize, E> {
        self.pending.store(false, Ordering::Release);
        let stored = self.lock();
        for event in stored.iter_from(from) {
            visit(event)?;
        }
        Ok(stored.len())
    }

    /// A copy of every event, for replay after a crash or for inspection in tests.
    pub fn events(&self) -> Vec<Event> {
        self.lock().iter_from(0).cloned().collect()
    }

    /// How many events the log holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the log holds no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Segments> {
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
    use crate::ledger::types::EventKind;

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
    fn events_read_back_in_order_across_segments_from_any_index() {
        let log = AccountLog::new(0, None);
        let total = SEGMENT_EVENTS as u64 * 2 + 7;
        log.append((0..total).map(event).collect());
        assert_eq!(log.len() as u64, total);
        for from in [
            0,
            1,
            SEGMENT_EVENTS - 1,
            SEGMENT_EVENTS,
            SEGMENT_EVENTS + 3,
            total as usize,
        ] {
            let mut seen = Vec::new();
            let len = log
                .visit_from(from, |e| {
                    seen.push(e.seq);
                    Ok::<_, ()>(())
                })
                .unwrap();
            assert_eq!(len as u64, total);
            assert_eq!(
                seen,
                (from as u64..total).collect::<Vec<_>>(),
                "from {from}"
            );
        }
        assert_eq!(log.events().len() as u64, total);
    }
}
