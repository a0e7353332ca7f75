//! The stall watchdog: notices an agent that has waited on the ledger for far longer than any
//! healthy call takes, so that a ledger that stops answering ends the run with a report
//! instead of hanging it.
//!
//! Ledger calls carry no timeout of their own: a tokio timer per call (registered and then
//! cancelled on every reserve and commit) cost about a tenth of the stress run's throughput.
//! A lost reply cannot hang a call either way: a crashed account actor drops its reply ports,
//! which fails the call at once, and the agent retries. What is left is an account that is
//! alive but never answers, which only a bug can cause; this watchdog catches it.
//!
//! Each agent marks its slot with the watchdog's current tick when it starts waiting on the
//! ledger and clears it when the answer comes. The watchdog advances the tick once a second
//! and scans the slots: the cost on the agents' side is two uncontended stores per wait.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long one wait on the ledger may last before the run counts as stalled. A healthy call
/// answers in microseconds, and a call retried after account crashes within seconds.
pub(super) const STALL_AFTER_S: u64 = 60;

/// How often the watchdog looks.
const TICK: Duration = Duration::from_secs(1);

/// An agent that waited too long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    /// The agent's index in the plan.
    pub agent: usize,
    /// How long it had waited when seen, whole seconds.
    pub waited_s: u64,
}

/// One agent's mark, on its own cache line so that agents on different cores never write to
/// the same line.
#[repr(align(64))]
#[derive(Default)]
struct Slot {
    /// The tick at which the agent's current wait began; 0 when it is not waiting.
    since_tick: AtomicU64,
}

/// The agents' marks and the watchdog's clock.
pub(super) struct Watchdog {
    /// Seconds since the watchdog started, plus one (so that 0 can mean "not waiting").
    tick: AtomicU64,
    slots: Vec<Slot>,
}

impl Watchdog {
    /// A watchdog over `agents` agents, none waiting.
    pub(super) fn new(agents: usize) -> Watchdog {
        Watchdog {
            tick: AtomicU64::new(1),
            slots: (0..agents).map(|_| Slot::default()).collect(),
        }
    }

    /// Runs `call` (a wait on the ledger) with agent `agent` marked as waiting.
    pub(super) async fn around<T>(&self, agent: usize, call: impl Future<Output = T>) -> T {
        let slot = &self.slots[agent];
        slot.since_tick
            .store(self.tick.load(Ordering::Relaxed), Ordering::Relaxed);
        // Cleared on drop, so an agent stopped mid-call does not look stalled afterwards.
        let _waiting = ClearOnDrop(&slot.since_tick);
        call.await
    }

    /// Resolves once some agent has waited [`STALL_AFTER_S`] seconds; pending forever on a
    /// healthy run (the runner stops polling it when the agents finish).
    pub(super) async fn stalled(&self) -> Stall {
        loop {
            tokio::time::sleep(TICK).await;
            let tick = self.tick.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(stall) = self.scan(tick) {
                return stall;
            }
        }
    }

    /// The agent that has waited longest at `tick`, if that is at least [`STALL_AFTER_S`].
    fn scan(&self, tick: u64) -> Option<Stall> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(agent, slot)| {
                let since = slot.since_tick.load(Ordering::Relaxed);
                (since != 0).then(|| Stall {
                    agent,
                    waited_s: tick.saturating_sub(since),
                })
            })
            .max_by_key(|stall| stall.waited_s)
            .filter(|stall| stall.waited_s >= STALL_AFTER_S)
    }
}

/// Clears an agent's mark when its wait ends, however it ends.
struct ClearOnDrop<'a>(&'a AtomicU64);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_wait_that_never_ends_is_reported_once_it_passes_the_limit() {
        let watchdog = Watchdog::new(3);
        let started = tokio::time::Instant::now();
        let never = watchdog.around(1, std::future::pending::<()>());
        let stall = tokio::select! {
            () = never => unreachable!("a pending call never answers"),
            stall = watchdog.stalled() => stall,
        };
        assert_eq!(stall.agent, 1);
        assert_eq!(stall.waited_s, STALL_AFTER_S);
        assert_eq!(started.elapsed(), TICK * STALL_AFTER_S as u32);
    }

    #[tokio::test(start_paused = true)]
    async fn waits_that_end_leave_no_mark() {
        let watchdog = Watchdog::new(2);
        for _ in 0..3 {
            let answered = watchdog.around(0, async { 7 }).await;
            assert_eq!(answered, 7);
            let ended_early = watchdog.around(1, tokio::time::sleep(TICK * 1000));
            tokio::select! {
                () = ended_early => unreachable!("the sleep is longer than the timeout below"),
                () = tokio::time::sleep(TICK) => {}
            }
        }
        assert_eq!(watchdog.scan(u64::MAX), None, "every mark was cleared");
    }

    #[test]
    fn the_longest_wait_is_the_one_reported() {
        let watchdog = Watchdog::new(3);
        watchdog.slots[0].since_tick.store(50, Ordering::Relaxed);
        watchdog.slots[2].since_tick.store(10, Ordering::Relaxed);
        assert_eq!(watchdog.scan(10 + STALL_AFTER_S - 1), None);
        let stall = watchdog.scan(10 + STALL_AFTER_S);
        assert_eq!(
            stall,
            Some(Stall {
                agent: 2,
                waited_s: STALL_AFTER_S
            })
        );
    }
}
