//! A fast, non-cryptographic hasher for the idempotency table.
//!
//! The table is hit several times per reserve→commit cycle, and SipHash (the std default)
//! showed up as the largest single cost in the ledger bench. Keys come from the simulation's
//! own callers, not from an adversary, so HashDoS resistance buys nothing here.

use std::hash::{BuildHasherDefault, Hasher};

/// The multiplier: an odd constant with well-spread bits.
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Word-at-a-time multiply-fold hasher.
#[derive(Clone, Copy, Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

impl FastHasher {
    /// Mixes in one word: multiply, then fold the well-mixed high half into the low half,
    /// which `HashMap` uses to pick a bucket. Both steps are bijective, so two inputs that
    /// differ in one word never collide.
    fn add(&mut self, word: u64) {
        let product = (self.hash ^ word).wrapping_mul(SEED);
        self.hash = product ^ (product >> 32);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(tail_word(rest));
        }
        // Padding would make "ab" and "ab\0" alike; the length tells them apart.
        self.add(bytes.len() as u64);
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn write_usize(&mut self, word: usize) {
        self.add(word as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The last 1 to 7 bytes as a little-endian word padded with zeros.
///
/// Built in a register rather than by copying into a zeroed `[u8; 8]`: that copy is a
/// `memcpy` of a few bytes followed by an 8-byte load of them, which the CPU cannot forward
/// from the small stores, and the stall was the hottest instruction of every key lookup.
fn tail_word(rest: &[u8]) -> u64 {
    rest.iter()
        .rev()
        .fold(0, |word, &byte| (word << 8) | u64::from(byte))
}

/// Builds `FastHasher`s for `HashMap`.
pub(crate) type FastHash = BuildHasherDefault<FastHasher>;

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn similar_keys_hash_apart() {
        let hash = |key: &str| FastHash::default().hash_one(key);
        let hashes: std::collections::BTreeSet<u64> =
            (0..100_000).map(|n| hash(&format!("a0-s{n}"))).collect();
        assert_eq!(hashes.len(), 100_000);
        assert_ne!(hash("ab"), hash("ab\0"));
    }

    #[test]
    fn the_tail_word_is_the_zero_padded_little_endian_word() {
        for len in 1..8 {
            let rest: Vec<u8> = (1..=len).collect();
            let mut padded = [0u8; 8];
            padded[..rest.len()].copy_from_slice(&rest);
            assert_eq!(tail_word(&rest), u64::from_le_bytes(padded), "{len} bytes");
        }
    }

    #[test]
    fn low_bits_spread_keys_over_buckets() {
        // HashMap picks buckets with the low bits: 100k keys over 65536 buckets should fill
        // about 1 - e^(-100000/65536) = 78% of them if the low bits are well mixed.
        let hash = |key: &str| FastHash::default().hash_one(key);
        let buckets: std::collections::BTreeSet<u64> = (0..100_000)
            .map(|n| hash(&format!("a0-s{n}")) & 0xffff)
            .collect();
        assert!(buckets.len() > 48_000, "{} buckets", buckets.len());
    }
}
