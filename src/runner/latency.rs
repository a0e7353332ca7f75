//! Latency recording with hdrhistogram, sharded so that a thousand agents do not contend on
//! one lock and do not each carry a histogram of their own.

use std::sync::{Mutex, MutexGuard};

use hdrhistogram::Histogram;

/// The operations whose latency is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Reserve, measured from the step's intended send time in open-loop runs.
    Reserve,
    /// Commit, timed from the call until the ledger answers.
    Commit,
    /// Release, timed from the call until the ledger answers.
    Release,
}

impl Op {
    /// Every operation, in report order.
    pub const ALL: [Op; 3] = [Op::Reserve, Op::Commit, Op::Release];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Op::Reserve => "reserve",
            Op::Commit => "commit",
            Op::Release => "release",
        }
    }
}

/// The largest latency recorded: one hour. Larger values are clamped, not dropped, so a stall
/// still shows as the maximum.
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// Histograms per operation, one set per shard.
pub(super) struct LatencyRecorder {
    shards: Vec<Mutex<[Histogram<u64>; 3]>>,
}

fn histogram() -> Histogram<u64> {
    // 3 significant figures over 1 µs..1 h: the precision the report prints.
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("constant bounds are valid")
}

impl LatencyRecorder {
    /// A recorder with `shards` shards (at least one).
    pub(super) fn new(shards: usize) -> LatencyRecorder {
        let shards = (0..shards.max(1))
            .map(|_| Mutex::new([histogram(), histogram(), histogram()]))
            .collect();
        LatencyRecorder { shards }
    }

    fn shard(&self, agent: usize) -> MutexGuard<'_, [Histogram<u64>; 3]> {
        let shard = &self.shards[agent % self.shards.len()];
        shard.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an agent's latencies, in µs, and empties `samples`: one lock per batch of
    /// steps rather than one per call. Open-loop runs measure from the intended send time,
    /// so stalls are already in the samples and need no back-filling.
    pub(super) fn record_all(&self, agent: usize, samples: &mut Vec<(Op, u64)>) {
        if samples.is_empty() {
            return;
        }
        let mut shard = self.shard(agent);
        for (op, latency_us) in samples.drain(..) {
            let recorded = shard[op as usize].record(latency_us.clamp(1, MAX_LATENCY_US));
            debug_assert!(recorded.is_ok(), "value clamped into bounds");
        }
    }

    /// All shards merged, per operation.
    pub(super) fn merged(&self) -> [Histogram<u64>; 3] {
        let mut total = [histogram(), histogram(), histogram()];
        for shard in &self.shards {
            let shard = shard.lock().unwrap_or_else(|p| p.into_inner());
            for (sum, part) in total.iter_mut().zip(shard.iter()) {
                sum.add(part).expect("same bounds");
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_lands_in_its_operations_histograms_clamped_into_bounds() {
        let recorder = LatencyRecorder::new(4);
        let mut samples = vec![(Op::Reserve, 0), (Op::Commit, 250), (Op::Reserve, 40)];
        recorder.record_all(3, &mut samples);
        recorder.record_all(5, &mut vec![(Op::Commit, u64::MAX)]);
        assert!(samples.is_empty(), "the batch is taken");
        let [reserve, commit, release] = recorder.merged();
        assert_eq!((reserve.len(), commit.len(), release.len()), (2, 2, 0));
        assert_eq!(reserve.min(), 1, "a zero latency counts as the 1 µs floor");
        assert_eq!(commit.max(), commit.highest_equivalent(MAX_LATENCY_US));
    }
}
