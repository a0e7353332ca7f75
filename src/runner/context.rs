//! What every user agent of a run shares: the ledger, the pricing model, the clock, the
//! latency recorder, the outcome counters, and where step records go.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::mpsc::UnboundedSender;

use crate::journal::StepRecord;
use crate::ledger::{Crashable, GrantRequest, Ledger, TimeMs};
use crate::pricing::Model;

use super::latency::LatencyRecorder;
use super::time::RunTime;
use super::watchdog::Watchdog;

/// What the agents count. The report prints them by `name`, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// Steps taken to the end and recorded; the progress bar shows this count.
    Steps,
    /// Reserves answered `Reserved`.
    Reserved,
    /// Commits answered `Committed`: completed reserve→commit cycles.
    Committed,
    /// Releases answered `Released` (failed generations refunded).
    Released,
    /// Reserves refused for lack of credits.
    Insufficient,
    /// Reserves refused because the plan may not use the action.
    NotEntitled,
    /// Steps the plan makes unlimited.
    Unlimited,
    /// Steps whose quote is zero, which skip the ledger.
    Free,
    /// Commits or releases answered `HoldClosed` (the hold had timed out).
    HoldClosed,
    /// `KeyConflict` answers to the key-reuse fault.
    KeyConflicts,
    /// Requests sent again under the same key.
    Retries,
    /// Extra deliveries of the duplicate-delivery fault.
    Duplicates,
    /// Account crashes injected.
    Crashes,
    /// Pack grants delivered a second time.
    DuplicateGrants,
    /// Steps left without a definite answer after every retry.
    Unknown,
    /// Steps cut short by the run's stop: their hold was released, nothing charged.
    Cancelled,
    /// Answers the agent did not expect (recorded, never hidden).
    Unexpected,
}

impl Count {
    /// Every counter, in report order.
    pub const ALL: [Count; 17] = [
        Count::Steps,
        Count::Reserved,
        Count::Committed,
        Count::Released,
        Count::Insufficient,
        Count::NotEntitled,
        Count::Unlimited,
        Count::Free,
        Count::HoldClosed,
        Count::KeyConflicts,
        Count::Retries,
        Count::Duplicates,
        Count::Crashes,
        Count::DuplicateGrants,
        Count::Unknown,
        Count::Cancelled,
        Count::Unexpected,
    ];

    /// The name in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Count::Steps => "steps",
            Count::Reserved => "reserved",
            Count::Committed => "committed",
            Count::Released => "released",
            Count::Insufficient => "insufficient",
            Count::NotEntitled => "not_entitled",
            Count::Unlimited => "unlimited",
            Count::Free => "free",
            Count::HoldClosed => "hold_closed",
            Count::KeyConflicts => "key_conflicts",
            Count::Retries => "retries",
            Count::Duplicates => "duplicates",
            Count::Crashes => "crashes",
            Count::DuplicateGrants => "duplicate_grants",
            Count::Unknown => "unknown",
            Count::Cancelled => "cancelled",
            Count::Unexpected => "unexpected",
        }
    }
}

/// One agent's counts since it last handed them over: plain integers, so that counting a
/// step writes nothing shared. The agent adds them to the run's [`Counters`] once per batch of
/// steps; an atomic add per count per step bounced the counters' cache lines between the
/// worker threads.
#[derive(Debug, Default)]
pub(crate) struct Tally([u64; Count::ALL.len()]);

impl Tally {
    pub(crate) fn bump(&mut self, count: Count) {
        self.add(count, 1);
    }

    pub(crate) fn add(&mut self, count: Count, n: u64) {
        self.0[count as usize] += n;
    }
}

/// The counters, shared by every agent.
#[derive(Debug, Default)]
pub struct Counters([AtomicU64; Count::ALL.len()]);

impl Counters {
    /// Adds `n`. Adding zero (most steps' retries and duplicates) writes nothing, so it
    /// does not pull the counters' cache line away from the other worker thread.
    pub fn add(&self, count: Count, n: u64) {
        if n > 0 {
            self.0[count as usize].fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Adds an agent's tally and empties it.
    pub(crate) fn absorb(&self, tally: &mut Tally) {
        for (count, n) in Count::ALL.into_iter().zip(&mut tally.0) {
            self.add(count, std::mem::take(n));
        }
    }

    /// A copy of the current values.
    pub(crate) fn snapshot(&self) -> Counters {
        let copy = Counters::default();
        for count in Count::ALL {
            copy.add(count, self.get(count));
        }
        copy
    }

    /// The current value.
    pub fn get(&self, count: Count) -> u64 {
        self.0[count as usize].load(Ordering::Relaxed)
    }
}

/// Everything the agents of one run share.
pub(super) struct RunContext {
    pub ledger: Arc<dyn Ledger>,
    /// The backend's crash hook, for the actor-crash fault; `None` where it has none.
    pub crash: Option<Arc<dyn Crashable>>,
    /// Prices actions.
    pub model: Model,
    /// How time moves.
    pub time: RunTime,
    /// When the run (and every account's billing) starts, virtual ms.
    pub start_ms: TimeMs,
    /// How long holds may stay open, virtual ms.
    pub ttl_ms: TimeMs,
    /// How long accounts remember a key, virtual ms. The key-reuse fault reuses only a key
    /// younger than half of it (an account's clock may be ahead of the agent's by the lag,
    /// which the other half covers): a caller that repeats a key after it is forgotten breaks
    /// the ledger contract, and the repeat is rightly taken for a new request.
    pub key_retention_ms: TimeMs,
    /// Virtual ms an agent thinks between steps (closed arrival).
    pub think_ms: u64,
    /// Each account's starting pack grants, for the duplicate-grant fault.
    pub pack_grants: Vec<Vec<GrantRequest>>,
    pub latency: LatencyRecorder,
    pub counters: Counters,
    /// Where step records go.
    pub records: UnboundedSender<Vec<StepRecord>>,
    /// Raised to stop the agents (end of a timed run, or the shutdown signal).
    pub stop: Stop,
    /// Raised when the stop came from the shutdown signal.
    pub interrupted: AtomicBool,
    /// Where agents mark their waits on the ledger, so that a stall ends the run.
    pub watchdog: Watchdog,
}

impl RunContext {
    /// Whether the agents should stop taking steps.
    pub(super) fn stopping(&self) -> bool {
        self.stop.is_raised()
    }
}

/// The run's stop signal: a flag agents read before each step, and a wake-up for agents
/// waiting on time (a generation, a think time, a due time), so that a stopped run stops
/// promptly instead of after every wait has run its course.
#[derive(Default)]
pub(super) struct Stop {
    raised: AtomicBool,
    woken: tokio::sync::Notify,
}

impl Stop {
    /// Stops the run: every agent stops at its next step or wait.
    pub(super) fn raise(&self) {
        self.raised.store(true, Ordering::SeqCst);
        self.woken.notify_waiters();
    }

    /// Whether the run is stopping.
    pub(super) fn is_raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    /// Completes once the run is stopping.
    pub(super) async fn raised(&self) {
        let woken = self.woken.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if !self.is_raised() {
            woken.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_add_up_in_the_counters_and_are_emptied_when_absorbed() {
        let counters = Counters::default();
        let mut first = Tally::default();
        let mut second = Tally::default();
        first.bump(Count::Steps);
        first.add(Count::Retries, 3);
        second.bump(Count::Steps);
        second.bump(Count::Committed);
        counters.absorb(&mut first);
        counters.absorb(&mut second);
        counters.absorb(&mut first);
        assert_eq!(counters.get(Count::Steps), 2);
        assert_eq!(counters.get(Count::Retries), 3);
        assert_eq!(counters.get(Count::Committed), 1);
        assert_eq!(counters.get(Count::Unexpected), 0);
        assert!(first.0.iter().chain(&second.0).all(|n| *n == 0));
    }
}
