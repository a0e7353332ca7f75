//! The crate's one fast hash map. The ledger's idempotency table and the checker's key maps
//! are hit several times per reserve→commit cycle, and SipHash (the std default) was the
//! largest single cost in the ledger bench. Keys come from the simulation's own callers,
//! not from an adversary, so HashDoS resistance buys nothing; a fixed seed keeps every run
//! of a seed identical.

use std::collections::HashMap;

/// A `HashMap` with foldhash's fast, fixed-seed hasher.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    #[test]
    fn run_keys_and_lot_ids_spread_over_buckets_and_tags() {
        let build = foldhash::fast::FixedState::default();
        let hashes: HashSet<u64> = (0..200)
            .flat_map(|a| (0..500).map(move |s| format!("a{a}-s{s}")))
            .map(|key| build.hash_one(key.as_str()))
            .collect();
        assert_eq!(hashes.len(), 200 * 500);
        assert_ne!(build.hash_one("ab"), build.hash_one("ab\0"));
        // hashbrown picks buckets from the low bits and tags from the high 7: both must vary.
        let lots: Vec<u64> = (0u32..64).map(|lot| build.hash_one(lot)).collect();
        assert!(lots.iter().map(|h| h & 63).collect::<HashSet<_>>().len() > 32);
        assert!(lots.iter().map(|h| h >> 57).collect::<HashSet<_>>().len() > 32);
    }
}
