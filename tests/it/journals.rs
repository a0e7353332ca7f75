//! Hand-made journals and steps shared by the checker and `creditsim check` tests: a clean
//! run of two accounts that every invariant accepts, and small builders to break it.

use creditsim::journal::{StepRecord, Told};
use creditsim::ledger::{Draw, DrawList, Event, EventKind, LotSource, Rejection};
use creditsim::pricing::DEFAULT_POOL;

/// Lot lists as `(lot, credits)` pairs, for brevity.
pub fn draws(pairs: &[(u32, u64)]) -> DrawList {
    pairs
        .iter()
        .map(|&(lot, credits)| Draw { lot, credits })
        .collect()
}

pub fn grant(key: &str, lot: u32, credits: u64) -> EventKind {
    grant_until(key, lot, credits, None)
}

/// A pack grant whose lot expires at `expires_at_ms` (`None`: never).
pub fn grant_until(key: &str, lot: u32, credits: u64, expires_at_ms: Option<u64>) -> EventKind {
    EventKind::Granted {
        key: key.into(),
        lot,
        pool: DEFAULT_POOL.into(),
        source: LotSource::Pack,
        credits,
        expires_at_ms,
        priority: 0,
    }
}

/// A hold that times out at 60 s, later than any hand-made journal runs.
pub fn reserve(key: &str, credits: u64, from: &[(u32, u64)]) -> EventKind {
    reserve_until(key, credits, from, 60_000)
}

/// A hold that times out at `deadline_ms`.
pub fn reserve_until(key: &str, credits: u64, from: &[(u32, u64)], deadline_ms: u64) -> EventKind {
    EventKind::Reserved {
        key: key.into(),
        pool: DEFAULT_POOL.into(),
        action: "video".into(),
        credits,
        expires_at_ms: deadline_ms,
        draws: draws(from),
    }
}

pub fn commit(key: &str, charged: u64, from: &[(u32, u64)], returned: &[(u32, u64)]) -> EventKind {
    EventKind::Committed {
        key: key.into(),
        pool: DEFAULT_POOL.into(),
        charged,
        charged_from: draws(from),
        returned: draws(returned),
    }
}

pub fn release(key: &str, returned: &[(u32, u64)]) -> EventKind {
    EventKind::Released {
        key: key.into(),
        pool: DEFAULT_POOL.into(),
        timed_out: false,
        returned: draws(returned),
    }
}

pub fn time_out(key: &str, returned: &[(u32, u64)]) -> EventKind {
    EventKind::Released {
        key: key.into(),
        pool: DEFAULT_POOL.into(),
        timed_out: true,
        returned: draws(returned),
    }
}

pub fn expire(lot: u32, credits: u64) -> EventKind {
    EventKind::Expired {
        pool: DEFAULT_POOL.into(),
        lot,
        credits,
    }
}

/// Events of one account, numbered from 0 in the order given, 100 ms apart, except that the
/// timeout of an open hold happens at its deadline and an expiry at its lot's expiry, as a
/// ledger journals them; time never goes back, so events after those follow at that time.
/// Tests can then insert or drop events without breaking the journal's time.
pub fn account(account: u32, kinds: Vec<EventKind>) -> Vec<Event> {
    let mut deadlines = std::collections::HashMap::new();
    let mut expiries = std::collections::HashMap::new();
    let mut last_ms = 0;
    let mut events = Vec::with_capacity(kinds.len());
    for (i, kind) in kinds.into_iter().enumerate() {
        let forced_ms = match &kind {
            EventKind::Reserved {
                key, expires_at_ms, ..
            } => {
                deadlines.insert(key.clone(), *expires_at_ms);
                0
            }
            EventKind::Granted {
                lot, expires_at_ms, ..
            } => {
                expiries.insert(*lot, expires_at_ms.unwrap_or(0));
                0
            }
            EventKind::Released {
                key,
                timed_out: true,
                ..
            } => deadlines.remove(key).unwrap_or(0),
            EventKind::Released { key, .. } | EventKind::Committed { key, .. } => {
                deadlines.remove(key);
                0
            }
            EventKind::Expired { lot, .. } => expiries.get(lot).copied().unwrap_or(0),
            _ => 0,
        };
        last_ms = last_ms.max(100 * i as u64).max(forced_ms);
        events.push(Event {
            account,
            seq: i as u64,
            at_ms: last_ms,
            kind,
        });
    }
    events
}

/// Account 0 of the clean run: a charge with a partial refund, a release, a timeout, a
/// rejection, an unlimited action, an expiry and a warning. The hold of `a0-s3` times out
/// at 20 s, and the lot expires at 30 s.
pub fn clean_account_0() -> Vec<EventKind> {
    vec![
        grant_until("pay-1", 0, 100, Some(30_000)),
        reserve("a0-s1", 10, &[(0, 10)]),
        commit("a0-s1", 7, &[(0, 7)], &[(0, 3)]),
        reserve("a0-s2", 5, &[(0, 5)]),
        release("a0-s2", &[(0, 5)]),
        reserve_until("a0-s3", 4, &[(0, 4)], 20_000),
        time_out("a0-s3", &[(0, 4)]),
        EventKind::Rejected {
            key: "a0-s4".into(),
            pool: DEFAULT_POOL.into(),
            action: "video".into(),
            credits: 500,
            reason: Rejection::Insufficient { available: 93 },
        },
        EventKind::Unlimited {
            key: "a0-s5".into(),
            pool: DEFAULT_POOL.into(),
            action: "speech".into(),
            credits: 3,
        },
        expire(0, 93),
        EventKind::Warning {
            pool: DEFAULT_POOL.into(),
            threshold: 10,
            available: 0,
        },
    ]
}

/// Account 1 of the clean run: one reserve drawing on two lots, committed in full.
pub fn clean_account_1() -> Vec<EventKind> {
    vec![
        grant("renew:pro:0", 0, 20),
        grant("pay-2", 1, 10),
        reserve("a1-s1", 25, &[(0, 20), (1, 5)]),
        commit("a1-s1", 25, &[(0, 20), (1, 5)], &[]),
    ]
}

/// The clean run's events: account 0's, then account 1's.
pub fn clean_events() -> Vec<Event> {
    let mut events = account(0, clean_account_0());
    events.extend(account(1, clean_account_1()));
    events
}

pub fn step(account: u32, key: &str, quote: (u64, u64), failed: bool, told: Told) -> StepRecord {
    StepRecord {
        agent: account,
        account,
        key: key.into(),
        action: "video".into(),
        params: "scenes=2;quality=pro".into(),
        quote_min: quote.0,
        quote_max: quote.1,
        failed,
        told,
    }
}

/// What the agents of the clean run were told, one step per key.
pub fn clean_steps() -> Vec<StepRecord> {
    vec![
        step(0, "a0-s1", (5, 10), false, Told::Charged(7)),
        step(0, "a0-s2", (5, 5), true, Told::NotCharged),
        step(0, "a0-s3", (4, 4), false, Told::Unknown),
        step(0, "a0-s4", (500, 500), false, Told::NotCharged),
        step(0, "a0-s5", (3, 3), false, Told::NotCharged),
        // A free action that never reached the ledger.
        step(0, "a0-s6", (0, 0), false, Told::NotCharged),
        step(1, "a1-s1", (25, 25), false, Told::Charged(25)),
    ]
}
