//! Latency recording with hdrhistogram, sharded so that a thousand agents do not contend on
//! one lock and do not each carry a histogram of their own.

use std::sync::{Mutex, MutexGuard};

use hdrhistogram::Histogram;

/// The operations whose latency is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Reserve, measured from the step's intended send time in open-loop runs.
    Reserve,
    /// Commit.
    Commit,
    /// Release.
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
pub struct LatencyRecorder {
    shards: Vec<Mutex<[Histogram<u64>; 3]>>,
}

fn histogram() -> Histogram<u64> {
    // 3 significant figures over 1 µs..1 h: the precision the report prints.
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("constant bounds are valid")
}

impl LatencyRecorder {
    /// A recorder with `shards` shards (at least one).
    pub fn new(shards: usize) -> LatencyRecorder {
        let shards = (0..shards.max(1))
            .map(|_| Mutex::new([histogram(), histogram(), histogram()]))
            .collect();
        LatencyRecorder { shards }
    }

    fn shard(&self, agent: u32) -> MutexGuard<'_, [Histogram<u64>; 3]> {
        let shard = &self.shards[agent as usize % self.shards.len()];
        shard.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one latency. `expected_interval_us`, when non-zero, back-fills the samples a
    /// closed-loop agent could not send while it was stalled (coordinated-omission correction).
    pub fn record(&self, agent: u32, op: Op, latency_us: u64, expected_interval_us: u64) {
        let value = latency_us.clamp(1, MAX_LATENCY_US);
        let mut shard = self.shard(agent);
        let histogram = &mut shard[op as usize];
        let recorded = if expected_interval_us > 0 {
            histogram.record_correct(value, expected_interval_us)
        } else {
            histogram.record(value)
        };
        debug_assert!(recorded.is_ok(), "value clamped into bounds");
    }

    /// All shards merged, per operation.
    pub fn merged(&self) -> [Histogram<u64>; 3] {
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
