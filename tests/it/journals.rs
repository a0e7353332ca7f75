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
    EventKind::Granted {
        key: key.into(),
        lot,
        pool: DEFAULT_POOL.into(),
        source: LotSource::Pack,
        credits,
        expires_at_ms: None,
        priority: 0,
    }
}

pub fn reserve(key: &str, credits: u64, from: &[(u32, u64)]) -> EventKind {
    EventKind::Reserved {
        key: key.into(),
        pool: DEFAULT_POOL.into(),
        action: "video".into(),
        credits,
        expires_at_ms: 60_000,
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

/// Events of one account, numbered from 0 in the order given, one second apart.
pub fn account(account: u32, kinds: Vec<EventKind>) -> Vec<Event> {
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            account,
            seq: i as u64,
            at_ms: 1000 * i as u64,
            kind,
        })
        .collect()
}

/// Account 0 of the clean run: a charge with a partial refund, a release, a timeout, a
/// rejection, an unlimited action, an expiry and a warning.
pub fn clean_account_0() -> Vec<EventKind> {
    vec![
        grant("pay-1", 0, 100),
        reserve("a0-s1", 10, &[(0, 10)]),
        commit("a0-s1", 7, &[(0, 7)], &[(0, 3)]),
        reserve("a0-s2", 5, &[(0, 5)]),
        release("a0-s2", &[(0, 5)]),
        reserve("a0-s3", 4, &[(0, 4)]),
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
