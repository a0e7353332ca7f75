//! The timeout index: open holds in deadline order, so that advancing time finds the holds
//! to time out without looking at the others.
//!
//! A `VecDeque` sorted by `(deadline, serial)` rather than a `BTreeMap`: holds are made with
//! deadlines `now + ttl` that mostly grow, so an insert is almost always a push at the back,
//! and they mostly close in the order they were made, so a removal is near the front. The
//! queue keeps its buffer when it empties, where a `BTreeMap` frees its node and allocates
//! a new one for the next hold: an account with one hold at a time paid that every request.
//! An insert or removal out of order moves at most half the queue (`VecDeque` shifts the
//! shorter side), which stays cheap at the few hundred holds one account may have open.

use crate::ledger::{Key, TimeMs};
use std::collections::VecDeque;

/// One open hold's deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Timeout {
    /// When the hold times out.
    deadline_ms: TimeMs,
    /// The hold's serial, which orders holds with the same deadline by creation.
    serial: u64,
    /// The hold's key, to find its record.
    key: Key,
}

impl Timeout {
    /// Timeout order: by deadline, then by creation.
    fn order(&self) -> (TimeMs, u64) {
        (self.deadline_ms, self.serial)
    }
}

/// Open holds by `(deadline, serial)`; a serial is unique, so each hold appears once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timeouts {
    queue: VecDeque<Timeout>,
}

impl Timeouts {
    /// Adds an open hold.
    pub(super) fn insert(&mut self, deadline_ms: TimeMs, serial: u64, key: Key) {
        let timeout = Timeout {
            deadline_ms,
            serial,
            key,
        };
        let order = timeout.order();
        if self.queue.back().is_none_or(|back| back.order() < order) {
            self.queue.push_back(timeout);
        } else {
            let at = self.queue.partition_point(|other| other.order() < order);
            self.queue.insert(at, timeout);
        }
    }

    /// Removes the hold with this deadline and serial, giving back its key.
    pub(super) fn remove(&mut self, deadline_ms: TimeMs, serial: u64) -> Option<Key> {
        let order = (deadline_ms, serial);
        let at = self
            .queue
            .binary_search_by(|t| t.order().cmp(&order))
            .ok()?;
        self.queue.remove(at).map(|timeout| timeout.key)
    }

    /// The hold that times out first: its deadline and key.
    pub(super) fn first(&self) -> Option<(TimeMs, &Key)> {
        let first = self.queue.front()?;
        Some((first.deadline_ms, &first.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_come_out_in_deadline_then_serial_order_whatever_the_insert_order() {
        let mut timeouts = Timeouts::default();
        let holds = [(30, 0), (10, 1), (30, 2), (20, 3), (10, 4)];
        for (deadline_ms, serial) in holds {
            timeouts.insert(deadline_ms, serial, smol_str::format_smolstr!("k{serial}"));
        }
        assert_eq!(timeouts.remove(30, 0).as_deref(), Some("k0"));
        assert_eq!(timeouts.remove(30, 0), None, "removed once");
        assert_eq!(
            timeouts.remove(20, 4),
            None,
            "deadline and serial must both match"
        );
        let mut order = Vec::new();
        while let Some((deadline_ms, key)) = timeouts.first() {
            let key = key.to_string();
            let serial: u64 = key[1..].parse().expect("k<serial>");
            order.push((deadline_ms, key));
            timeouts.remove(deadline_ms, serial);
        }
        let keys: Vec<_> = order.iter().map(|(at, key)| (*at, key.as_str())).collect();
        assert_eq!(keys, [(10, "k1"), (10, "k4"), (20, "k3"), (30, "k2")]);
    }
}
