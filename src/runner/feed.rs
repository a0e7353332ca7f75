//! `JournalFeed`: the run's event sink. Backends append each account's events here; the
//! journal consumer takes them out, checks them and writes them.
//!
//! Instead of a message per event, an append raises the account's "pending" flag and sends
//! the account id on a channel only when the flag was down, so the channel never holds more
//! than one entry per account whatever the load. The consumer swaps an account's buffer
//! for an empty one under the lock and works on the events after releasing it, so a backend
//! never waits for the checker.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::ledger::{AccountId, Event, EventSink};

/// One account's events not yet consumed.
#[derive(Default)]
struct Pending {
    events: Mutex<Vec<Event>>,
    flagged: AtomicBool,
}

/// Each account's events not yet consumed, and the channel that says which have some.
pub(super) struct JournalFeed {
    accounts: Vec<Pending>,
    notify: UnboundedSender<AccountId>,
}

impl JournalFeed {
    /// A feed for `accounts` accounts, and the receiver of "account has events" notices.
    pub(super) fn new(accounts: usize) -> (JournalFeed, UnboundedReceiver<AccountId>) {
        let (notify, notices) = unbounded_channel();
        let accounts = (0..accounts).map(|_| Pending::default()).collect();
        (JournalFeed { accounts, notify }, notices)
    }

    /// How many accounts the feed serves.
    pub(super) fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// Swaps the account's pending events into `into` (which must be empty), lowering its
    /// flag first, so that anything appended after this raises it and notifies again.
    pub(super) fn take(&self, account: AccountId, into: &mut Vec<Event>) {
        debug_assert!(into.is_empty());
        let pending = &self.accounts[account as usize];
        pending.flagged.store(false, Ordering::Release);
        std::mem::swap(&mut *lock(&pending.events), into);
    }
}

impl EventSink for JournalFeed {
    fn append(&self, account: AccountId, events: &mut Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let Some(pending) = self.accounts.get(account as usize) else {
            debug_assert!(
                false,
                "events for account {account}, which the run does not have"
            );
            return;
        };
        lock(&pending.events).append(events);
        if !pending.flagged.swap(true, Ordering::AcqRel) {
            // A closed channel means the consumer is gone (the run is ending); the events
            // stay here, and the consumer's last pass takes them.
            let _ = self.notify.send(account);
        }
    }
}

fn lock(events: &Mutex<Vec<Event>>) -> MutexGuard<'_, Vec<Event>> {
    // A poisoned lock means a thread panicked while appending; every pushed event is whole.
    events
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::EventKind;

    fn event(account: AccountId, seq: u64) -> Event {
        let kind = EventKind::Expired {
            pool: "credits".into(),
            lot: 0,
            credits: seq,
        };
        let at_ms = 0;
        Event {
            account,
            seq,
            at_ms,
            kind,
        }
    }

    #[test]
    fn an_account_is_announced_once_until_its_events_are_taken() {
        let (feed, mut notices) = JournalFeed::new(2);
        feed.append(1, &mut vec![event(1, 0)]);
        feed.append(1, &mut vec![event(1, 1), event(1, 2)]);
        assert_eq!(notices.try_recv(), Ok(1));
        assert!(
            notices.try_recv().is_err(),
            "one notice while the flag is up"
        );
        let mut taken = Vec::new();
        feed.take(1, &mut taken);
        assert_eq!(taken.iter().map(|e| e.seq).collect::<Vec<_>>(), [0, 1, 2]);
        feed.append(1, &mut vec![event(1, 3)]);
        assert_eq!(notices.try_recv(), Ok(1), "announced again after the take");
        let mut empty = Vec::new();
        feed.take(0, &mut empty);
        assert!(empty.is_empty());
    }
}
