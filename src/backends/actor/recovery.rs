//! `RecoveryLog`: what a restarted account actor rebuilds its `Book` from.
//!
//! The account actor records every operation's events here before it replies, so that
//! nothing it acknowledged is lost when it crashes: its successor replays them. Keeping every
//! event made memory grow with the run's length (about 0.7 KB per step), so the log keeps a
//! snapshot of the book and only the events after it: once the tail is longer than the book
//! is large (in idempotency records, at least `MIN_TAIL_EVENTS`), the actor hands over a copy
//! of its book and the tail starts again. Copying the book then costs at most about one
//! record per event, and the log never holds more than about twice the book.

use std::sync::{Mutex, MutexGuard};

use crate::ledger::{AccountId, AccountSpec, Book, Event, ReplayError};

/// The shortest tail worth a snapshot: small books are copied rarely too.
const MIN_TAIL_EVENTS: usize = 4096;

/// One account's snapshot and the events since it.
#[derive(Debug, Default)]
struct Saved {
    snapshot: Option<Book>,
    tail: Vec<Event>,
}

/// One account's recovery state.
#[derive(Debug, Default)]
pub(super) struct RecoveryLog {
    saved: Mutex<Saved>,
}

impl RecoveryLog {
    /// Records the events of one operation of `book` (already applied to it), and takes a
    /// snapshot of `book` when the tail has grown past it.
    pub(super) fn record(&self, book: &Book, events: &[Event]) {
        let mut saved = self.lock();
        saved.tail.extend_from_slice(events);
        if saved.tail.len() >= MIN_TAIL_EVENTS.max(book.key_records_len()) {
            saved.snapshot = Some(book.clone());
            saved.tail.clear();
        }
    }

    /// The book as of the last recorded event: the snapshot with the tail replayed on it,
    /// or a fresh book from `spec` replaying everything when there is no snapshot yet.
    pub(super) fn rebuild(
        &self,
        account: AccountId,
        spec: AccountSpec,
    ) -> Result<Book, ReplayError> {
        let saved = self.lock();
        let mut book = match &saved.snapshot {
            Some(snapshot) => snapshot.clone(),
            None => Book::new(account, spec),
        };
        book.replay_more(&saved.tail)?;
        Ok(book)
    }

    /// How many events the log holds beside its snapshot, to show that memory is bounded.
    #[cfg(test)]
    pub(crate) fn tail_len(&self) -> usize {
        self.lock().tail.len()
    }

    fn lock(&self) -> MutexGuard<'_, Saved> {
        // A poisoned lock means a thread panicked while recording; every event is pushed
        // whole and a snapshot is replaced whole, so keep using it.
        self.saved
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{CommitRequest, GrantRequest, LotSource, ReserveRequest, TimeMs};

    fn spec() -> AccountSpec {
        AccountSpec {
            key_retention_ms: 10,
            ..AccountSpec::default()
        }
    }

    /// Drives a book through `cycles` reserve→commit cycles, recording each operation.
    fn drive(book: &mut Book, log: &RecoveryLog, cycles: u64) {
        let grant = GrantRequest {
            key: "pack".into(),
            pool: "credits".into(),
            credits: u64::MAX / 4,
            source: LotSource::Pack,
            expires_at_ms: None,
            priority: 0,
        };
        let events = book.grant(&grant, 0).events;
        log.record(book, &events);
        for n in 0..cycles {
            let now: TimeMs = n;
            let key = smol_str::format_smolstr!("k{n}");
            let reserve = ReserveRequest {
                key: key.clone(),
                pool: "credits".into(),
                action: "image".into(),
                credits: 3,
                ttl_ms: 1_000,
            };
            let events = book.reserve(&reserve, now).events;
            log.record(book, &events);
            let events = book.commit(&CommitRequest { key, credits: 2 }, now).events;
            log.record(book, &events);
        }
    }

    #[test]
    fn the_rebuilt_book_equals_the_live_one_and_the_tail_stays_short() {
        for cycles in [0, 10, 5_000, 20_000] {
            let (log, mut book) = (RecoveryLog::default(), Book::new(3, spec()));
            drive(&mut book, &log, cycles);
            let rebuilt = log.rebuild(3, spec()).unwrap();
            assert_eq!(rebuilt, book, "{cycles} cycles");
            assert!(
                log.tail_len() < MIN_TAIL_EVENTS,
                "{cycles}: {}",
                log.tail_len()
            );
        }
    }
}
