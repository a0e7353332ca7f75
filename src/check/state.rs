//! The state the checker rebuilds from events, independently of the ledger that wrote them.
//! Amounts are `i128` so that an overdraw shows as a negative number instead of wrapping.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use smol_str::SmolStr;

use crate::chunked::Chunked;
use crate::journal::Told;
use crate::ledger::{AccountId, Closure, Credits, Key, LotId, Name};

/// A map with [`FastHasher`]: the checker's maps are keyed by short keys and small ids.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A folded-multiply hasher (one 64×64→128-bit multiply per word, the high half folded into
/// the low): several times faster than SipHash on short keys such as `a17-s3042`, which
/// matters at millions of events per second. It does not resist deliberate collisions; the
/// checker reads journals that its own runs wrote.
#[derive(Clone, Copy, Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

impl FastHasher {
    /// An odd constant with well-spread bits (from the golden ratio).
    const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

    fn add(&mut self, word: u64) {
        let product = u128::from(self.hash ^ word) * u128::from(Self::SEED);
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ ((rest.len() as u64) << 59));
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// One account as the events describe it.
#[derive(Default)]
pub(super) struct Account {
    /// The `seq` the next event must carry.
    pub next_seq: u64,
    /// Pools by first appearance; an account has one or two, so a scan beats hashing.
    pub pools: Vec<Pool>,
    /// Lots by id.
    pub lots: FastMap<LotId, Lot>,
    /// Every reserve key seen in the run, from events or steps, with the index of its state
    /// in `key_states`; never forgotten, so that at-most-once holds for the whole run
    /// whatever the ledger's retention window.
    pub keys: FastMap<Key, usize>,
    /// The states of `keys`, by index.
    pub key_states: KeyStates,
    /// Every grant key seen, with the `seq` of its grant.
    pub grants: FastMap<Key, u64>,
}

/// One pool's buckets, each fed by a different part of the events so that conservation
/// (granted = charged + expired + remaining + held) is a real check, not an identity.
pub(super) struct Pool {
    /// The pool's name.
    pub name: String,
    /// Sum of `granted` credits.
    pub granted: i128,
    /// Sum of `committed` charged amounts, as the events claim them.
    pub charged: i128,
    /// Sum of `expired` credits.
    pub expired: i128,
    /// Sum of lot balances, moved lot by lot by draws, returns and expiries.
    pub remaining: i128,
    /// Sum of the credits that open holds claim to hold.
    pub held: i128,
    /// The imbalance last reported, so that one fault is reported once, not at every
    /// later event.
    pub drift: i128,
}

impl Pool {
    pub fn new(name: &str) -> Self {
        Pool {
            name: name.to_string(),
            granted: 0,
            charged: 0,
            expired: 0,
            remaining: 0,
            held: 0,
            drift: 0,
        }
    }

    /// granted - (charged + expired + remaining + held): zero when conserved.
    pub fn imbalance(&self) -> i128 {
        self.granted - (self.charged + self.expired + self.remaining + self.held)
    }
}

/// One lot.
pub(super) struct Lot {
    /// Index into `Account::pools`.
    pub pool: usize,
    /// Credits left in the lot.
    pub remaining: i128,
    /// The `seq` of its grant, to explain a regrant.
    pub granted_seq: u64,
}

/// How a key was first used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Opening {
    /// A hold was made.
    Reserved,
    /// The reserve was refused.
    Rejected,
    /// The action was unlimited.
    Unlimited,
}

impl Opening {
    pub fn word(self) -> &'static str {
        match self {
            Opening::Reserved => "reserved",
            Opening::Rejected => "rejected",
            Opening::Unlimited => "unlimited",
        }
    }
}

/// An open hold: what it took from each lot, minus what has gone back or been charged.
pub(super) struct Hold {
    /// Index into `Account::pools`.
    pub pool: usize,
    /// Credits the `reserved` event(s) claim.
    pub credits: Credits,
    /// Per lot, credits taken and not yet accounted for.
    pub draws: Vec<(LotId, i128)>,
}

/// Everything known about one key: its ledger history and the agent's view of it.
#[derive(Default)]
pub(super) struct KeyState {
    /// The first event that used the key, with its `seq`.
    pub opened: Option<(Opening, u64)>,
    /// The hold while it is open (boxed: most keys spend most of the run closed).
    pub hold: Option<Box<Hold>>,
    /// The first closure, with its `seq`.
    pub closed: Option<(Closure, u64)>,
    /// The first charge: credits and `seq`.
    pub first_charge: Option<(Credits, u64)>,
    /// Every credit charged under the key (more than the first only under an I2 violation).
    pub charged_total: u128,
    /// What the agent said about the key.
    pub step: Option<StepView>,
}

/// Key states, addressed by the index that `Account::keys` maps each key to. A hot
/// account's map grows to tens of thousands of keys; kept apart from the states, it holds
/// only a key and an index per entry, so that growing it moves little memory, and the
/// states themselves are never moved (see [`Chunked`]). 1024 states are about 150 KB.
pub(super) type KeyStates = Chunked<KeyState, 1024>;

/// The parts of a `StepRecord` that the checks need.
pub(super) struct StepView {
    pub agent: u32,
    pub quote_min: Credits,
    pub quote_max: Credits,
    pub failed: bool,
    pub told: Told,
    /// The action, for messages.
    pub action: Name,
    /// Its parameters, for messages. Kept as shared strings rather than formatted up front,
    /// so that recording a step allocates nothing: only a violation message needs the text.
    pub params: SmolStr,
}

impl StepView {
    /// `action (params)`, or just `action` without parameters, for messages.
    pub fn what(&self) -> String {
        if self.params.is_empty() {
            self.action.to_string()
        } else {
            format!("{} ({})", self.action, self.params)
        }
    }
}

/// Where a violation is being reported from: one account and one event.
pub(super) struct At {
    pub account: AccountId,
    pub seq: u64,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn the_fast_hasher_spreads_run_keys_and_tells_tails_apart() {
        let build = BuildHasherDefault::<FastHasher>::default();
        let hashes: HashSet<u64> = (0..200)
            .flat_map(|a| (0..500).map(move |s| format!("a{a}-s{s}")))
            .map(|key| build.hash_one(key.as_str()))
            .collect();
        assert_eq!(hashes.len(), 200 * 500);
        assert_ne!(build.hash_one(&b"a"[..]), build.hash_one(&b"a\0"[..]));
        // hashbrown picks buckets from the low bits and tags from the high 7: both must vary.
        let lots: Vec<u64> = (0u32..64).map(|lot| build.hash_one(lot)).collect();
        assert!(lots.iter().map(|h| h & 63).collect::<HashSet<_>>().len() > 32);
        assert!(lots.iter().map(|h| h >> 57).collect::<HashSet<_>>().len() > 32);
    }
}
