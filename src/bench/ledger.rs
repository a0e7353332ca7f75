//! Reserve→commit cycles on one account, single-threaded: through `Book`, and through plain
//! `HashMap` ledgers that each do a little more of what `Book` does (a balance only; plus a
//! hold kept under the request's key; plus the cycle's two journal events). The last of
//! them is `Book`'s floor: the smallest ledger with reserve→commit semantics and a journal,
//! so that the ratio is what `Book`'s rules (idempotency retention, timeouts, lots, replay
//! checks) cost.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use crate::ledger::*;
use crate::pricing::DEFAULT_POOL;

/// Credits per cycle; the price of a typical image.
const COST: Credits = 5;

/// Request keys built before measuring, so that no loop times the text formatting of a
/// key (the caller's work, not the ledger's). Far more keys than a book remembers at once
/// (about 1000 here), so a key comes round again long after its record was forgotten.
struct KeyRing(Vec<Key>);

impl KeyRing {
    const LEN: u64 = 1 << 16;

    fn new() -> KeyRing {
        let keys = (0..KeyRing::LEN).map(|step| smol_str::format_smolstr!("a0-s{step}"));
        KeyRing(keys.collect())
    }

    fn key(&self, step: u64) -> Key {
        self.0[(step % KeyRing::LEN) as usize].clone()
    }
}

/// Cycles per second through `Book` on one account with a large never-expiring lot.
/// Virtual time moves 1 ms per cycle and idempotency records are kept for 1 s, so the key
/// table stays at a steady ~1000.
pub(super) fn book_cycles_per_s(cycles: u64) -> f64 {
    let spec = AccountSpec {
        key_retention_ms: 1_000,
        ..AccountSpec::default()
    };
    let mut book = Book::new(0, spec);
    let grant = GrantRequest {
        key: "pack".into(),
        pool: DEFAULT_POOL.into(),
        credits: Credits::MAX / 2,
        source: LotSource::Pack,
        expires_at_ms: None,
        priority: 0,
    };
    book.grant(&grant, 0);
    let mut req = ReserveRequest {
        key: Key::default(),
        pool: DEFAULT_POOL.into(),
        action: "image".into(),
        credits: COST,
        ttl_ms: 60_000,
    };
    let keys = KeyRing::new();
    // One reused event buffer, as the account actor keeps one.
    let mut events = Vec::new();
    let mut charged = 0;
    let started = Instant::now();
    for step in 1..=cycles {
        req.key = keys.key(step);
        let reserved = book.reserve_into(&req, step, &mut events);
        let commit = CommitRequest {
            key: req.key.clone(),
            credits: COST,
        };
        let committed = book.commit_into(&commit, step, &mut events);
        charged += u64::from(matches!(committed, CommitOutcome::Committed { .. }));
        black_box((reserved, &events));
        events.clear();
    }
    let per_s = rate(cycles, started);
    // A book that refused the work would look faster; the figure must be of cycles done.
    assert_eq!(charged, cycles, "every cycle of the bench commits");
    per_s
}

/// How much of a ledger's work a plain map does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MapWork {
    /// Check and debit a balance: no holds, no idempotency, no journal.
    Balance,
    /// Also keep a hold under the request's fresh key, and take it back on commit.
    Holds,
    /// Also build the cycle's two journal events (`Reserved`, `Committed`), as `Book` must.
    HoldsAndEvents,
}

/// Cycles per second through a plain map ledger doing `work`.
pub(super) fn map_cycles_per_s(cycles: u64, work: MapWork) -> f64 {
    let mut balances: HashMap<String, u64> = HashMap::new();
    balances.insert("a0".into(), Credits::MAX / 2);
    let mut holds: HashMap<Key, Credits> = HashMap::new();
    let account = String::from("a0");
    let keys = KeyRing::new();
    let names: (Name, Name) = (DEFAULT_POOL.into(), "image".into());
    let mut events: Vec<Event> = Vec::new();
    let started = Instant::now();
    for step in 1..=cycles {
        let balance = balances
            .get_mut(black_box(account.as_str()))
            .expect("account");
        let reserved = *balance >= COST;
        if reserved {
            *balance -= COST;
        }
        let charged = black_box(COST);
        if work == MapWork::Balance {
            let balance = balances
                .get_mut(black_box(account.as_str()))
                .expect("account");
            *balance += COST - charged;
            black_box(reserved);
            continue;
        }
        let key = keys.key(step);
        if reserved {
            holds.insert(key.clone(), COST);
        }
        if let Some(held) = holds.remove(black_box(key.as_str())) {
            let balance = balances
                .get_mut(black_box(account.as_str()))
                .expect("account");
            *balance += held - charged;
            if work == MapWork::HoldsAndEvents {
                cycle_events(&mut events, step, key, &names, charged);
            }
        }
        black_box((reserved, &events));
        events.clear();
    }
    rate(cycles, started)
}

/// The two events of one cycle of account 0, as a ledger journals them.
fn cycle_events(
    events: &mut Vec<Event>,
    step: u64,
    key: Key,
    names: &(Name, Name),
    charged: Credits,
) {
    let (pool, action) = names;
    let draw = |credits| DrawList::from_slice(&[Draw { lot: 0, credits }]);
    let reserved = EventKind::Reserved {
        key: key.clone(),
        pool: pool.clone(),
        action: action.clone(),
        credits: COST,
        expires_at_ms: step + 60_000,
        draws: draw(COST),
    };
    let committed = EventKind::Committed {
        key,
        pool: pool.clone(),
        charged,
        charged_from: draw(charged),
        returned: DrawList::new(),
    };
    for (offset, kind) in [(0, reserved), (1, committed)] {
        events.push(Event {
            account: 0,
            seq: step * 2 + offset,
            at_ms: step,
            kind,
        });
    }
}

/// `count` things since `started`, per second.
pub(crate) fn rate(count: u64, started: Instant) -> f64 {
    count as f64 / started.elapsed().as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_loop_runs_and_reports_a_positive_rate() {
        assert!(book_cycles_per_s(2_000) > 0.0);
        for work in [MapWork::Balance, MapWork::Holds, MapWork::HoldsAndEvents] {
            assert!(map_cycles_per_s(2_000, work) > 0.0, "{work:?}");
        }
    }

    #[test]
    fn a_cycle_journals_a_reserve_and_its_commit() {
        let mut events = Vec::new();
        let names = (Name::from("credits"), Name::from("image"));
        cycle_events(&mut events, 3, "k".into(), &names, 4);
        assert_eq!(events.len(), 2);
        assert!(matches!(
            events[0].kind,
            EventKind::Reserved { credits: 5, .. }
        ));
        assert!(matches!(
            events[1].kind,
            EventKind::Committed { charged: 4, .. }
        ));
        assert_eq!((events[0].seq, events[1].seq), (6, 7));
    }
}
