//! `AccountLog`: one account's journal, kept in memory as the source of truth.
//!
//! The account actor appends the events of every operation here before it replies, so that a
//! restarted actor can rebuild its `Book` by replaying them. The journal consumer (writer and
//! online checker) reads the same events by reference, so each event is stored exactly once.
//! Instead of a message per event, the actor raises a per-account "pending" flag and sends the
//! account id on a channel only when the flag was down: the channel therefore never holds more
//! than one entry per account, whatever the load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::UnboundedSender;

use super::types::{AccountId, Event};

/// One account's events, appended by its actor and read by the journal consumer.
#[derive(Debug)]
pub struct AccountLog {
    /// The account.
    account: AccountId,
    /// Every event of the account so far, in `seq` order.
    events: Mutex<Vec<Event>>,
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
            events: Mutex::new(Vec::new()),
            pending: AtomicBool::new(false),
            notify,
        })
    }

    /// The account this log belongs to.
    pub fn account(&self) -> AccountId {
        self.account
    }

    /// Appends events and, if the consumer was not already told, tells it.
    pub fn append(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        self.lock().extend(events);
        if !self.pending.swap(true, Ordering::AcqRel)
            && let Some(notify) = &self.notify
        {
            // A closed channel means the consumer is gone (the run is ending); the events stay
            // in the log either way.
            let _ = notify.send(self.account);
        }
    }

    /// Locks the events for reading. The consumer lowers the pending flag first, so anything
    /// appended after it reads raises the flag and notifies again.
    pub fn read_pending(&self) -> MutexGuard<'_, Vec<Event>> {
        self.pending.store(false, Ordering::Release);
        self.lock()
    }

    /// Locks the events, for replay after a crash or for inspection in tests.
    pub fn lock(&self) -> MutexGuard<'_, Vec<Event>> {
        // A poisoned lock means a thread panicked while appending; the Vec itself is still
        // whole (extend either completed or did not start growing it), so keep using it.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
