//! How a run's virtual time moves, by the rule DESIGN.md ("Time") states:
//!
//! - Each agent has its own virtual clock. Think times, generation durations and the wait
//!   for a step's due time advance it; nothing waits on the wall clock.
//! - Every ledger call carries its agent's clock, and each account acts at the largest time
//!   any call to it has carried (the seam's rule).
//! - No agent runs more than `lag_ms` (half a hold ttl) ahead of the slowest agent still
//!   running on the same account: an agent that would pass that horizon waits until the
//!   slowest catches up. Since a hold is reserved at or after its agent's time, and every
//!   other call to the account is at most `lag_ms` later than the holder's time, a hold whose
//!   generation is shorter than `ttl - lag_ms` is never timed out by another agent running
//!   ahead; only a generation that really outlives its ttl is (the slow-generation fault).
//!   Accounts share nothing, so agents of different accounts never wait for each other:
//!   each account has its own gate.
//! - A run bounded by months never passes their end: an agent's clock stops one
//!   millisecond short of it, and the run closes every account at the end itself.
//!
//! The paced mode replaces all of this by the wall clock sped up ([`RunClock`]), for the one
//! case that needs it: an open-loop load test at a real arrival rate.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::Notify;

use super::clock::RunClock;
use crate::ledger::TimeMs;

/// A run's time: virtual (the default) or paced by the wall clock.
pub(super) enum RunTime {
    /// Per-agent virtual clocks, kept within a lag of the other agents of their account.
    Virtual(AccountGates),
    /// The wall clock sped up, shared by every agent.
    Paced(RunClock),
}

/// One time gate per account, and where each agent sits: its account's gate and its slot
/// in it. Agents are known by their index in the scenario.
pub(super) struct AccountGates {
    gates: Vec<TimeGate>,
    seats: Vec<(usize, usize)>,
}

impl AccountGates {
    /// Gates for agents whose accounts are `agent_accounts` (by agent index), starting at
    /// `start_ms`, `lag_ms` apart at most within an account, stopping before `end_ms`.
    pub(super) fn new(
        agent_accounts: &[u32],
        accounts: usize,
        start_ms: TimeMs,
        lag_ms: TimeMs,
        end_ms: Option<TimeMs>,
    ) -> AccountGates {
        let mut sizes = vec![0usize; accounts];
        let seats = (agent_accounts.iter())
            .map(|&account| {
                let slot = sizes[account as usize];
                sizes[account as usize] += 1;
                (account as usize, slot)
            })
            .collect();
        let gate = |size| TimeGate::new(size, start_ms, lag_ms, end_ms);
        let gates = sizes.into_iter().map(gate).collect();
        AccountGates { gates, seats }
    }

    /// Agent `agent`'s gate and its slot in it.
    fn seat(&self, agent: usize) -> (&TimeGate, usize) {
        let (gate, slot) = self.seats[agent];
        (&self.gates[gate], slot)
    }

    /// The latest time any agent reached.
    fn latest_ms(&self) -> TimeMs {
        let latest = self.gates.iter().map(TimeGate::latest_ms).max();
        latest.unwrap_or(0)
    }
}

impl RunTime {
    /// An agent's time for its next call, given its own clock `now_ms`.
    pub(super) fn now_ms(&self, now_ms: TimeMs) -> TimeMs {
        match self {
            RunTime::Virtual(_) => now_ms,
            RunTime::Paced(clock) => clock.now_ms(),
        }
    }

    /// Moves agent `agent` (its index in the scenario) from `now_ms` to `to_ms`: on its
    /// account's gate in virtual time, by sleeping in paced time. Returns its new time.
    pub(super) async fn wait_until(&self, agent: usize, now_ms: TimeMs, to_ms: TimeMs) -> TimeMs {
        match self {
            RunTime::Virtual(gates) => {
                let (gate, slot) = gates.seat(agent);
                gate.advance(slot, now_ms, to_ms).await
            }
            RunTime::Paced(clock) => {
                tokio::time::sleep_until(clock.instant_of(to_ms)).await;
                clock.now_ms()
            }
        }
    }

    /// Waits until a step due `due_us` after the start of the run may be sent, and returns
    /// the agent's new time with, in paced time, the real instant the step was due (from
    /// which its latency is measured).
    pub(super) async fn wait_due(
        &self,
        agent: usize,
        now_ms: TimeMs,
        due_us: u64,
    ) -> (TimeMs, Option<tokio::time::Instant>) {
        match self {
            RunTime::Virtual(gates) => {
                let (gate, slot) = gates.seat(agent);
                let due_ms = gate.start_ms.saturating_add(due_us / 1000);
                (gate.advance(slot, now_ms, due_ms).await, None)
            }
            RunTime::Paced(clock) => {
                let due = clock.instant_of_real_us(due_us);
                tokio::time::sleep_until(due).await;
                (clock.now_ms(), Some(due))
            }
        }
    }

    /// Agent `agent` is done.
    pub(super) fn finish(&self, agent: usize) {
        if let RunTime::Virtual(gates) = self {
            let (gate, slot) = gates.seat(agent);
            gate.finish(slot);
        }
    }

    /// The latest time the run reached: the latest agent clock, or the paced clock now.
    pub(super) fn latest_ms(&self) -> TimeMs {
        match self {
            RunTime::Virtual(gates) => gates.latest_ms(),
            RunTime::Paced(clock) => clock.now_ms(),
        }
    }
}

/// One agent's slot, on its own cache line: agents update their own slot on every advance,
/// and a shared line would bounce between the worker threads.
#[repr(align(64))]
struct Slot {
    at_ms: AtomicU64,
}

/// The horizon that keeps one account's agents' virtual clocks within `lag_ms` of the
/// slowest of them.
///
/// Each agent publishes its clock in its slot. `floor` is a lower bound of the slowest
/// running agent's clock (finished agents count as `u64::MAX`); it is raised by a scan of
/// the slots, which an agent runs before it waits, and, while anyone waits, when it may
/// have been the slowest (its old time was the floor). An agent may advance to `t` once
/// `t <= floor + lag_ms`. The slowest agent always may, so the run never deadlocks: every
/// wait is preceded by a scan, and the last agent to scan sees every published clock. A
/// scan reads every slot, so runs in which nobody waits never pay for one.
pub(super) struct TimeGate {
    start_ms: TimeMs,
    slots: Vec<Slot>,
    floor: AtomicU64,
    lag_ms: TimeMs,
    /// The latest time any agent reached: the end of a run not bounded by months.
    latest: AtomicU64,
    /// One millisecond before the months' end, where agents' clocks stop; `u64::MAX` when
    /// the run is not bounded by months.
    last_ms: TimeMs,
    raised: Notify,
    /// How many agents wait for the floor to rise.
    waiting: AtomicUsize,
}

impl TimeGate {
    /// A gate for `agents` agents starting at `start_ms`, `lag_ms` apart at most, whose
    /// clocks stop before `end_ms` when given.
    pub(super) fn new(
        agents: usize,
        start_ms: TimeMs,
        lag_ms: TimeMs,
        end_ms: Option<TimeMs>,
    ) -> Self {
        let slot = || Slot {
            at_ms: AtomicU64::new(start_ms),
        };
        TimeGate {
            start_ms,
            slots: (0..agents).map(|_| slot()).collect(),
            floor: AtomicU64::new(if agents == 0 { u64::MAX } else { start_ms }),
            lag_ms: lag_ms.max(1),
            latest: AtomicU64::new(start_ms),
            last_ms: end_ms.map_or(u64::MAX, |end| end.saturating_sub(1)),
            raised: Notify::new(),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Moves agent `slot`'s clock from `now_ms` to `to_ms` (never back, never past the
    /// months' end), waiting until that is within the lag of the slowest agent. Returns the
    /// agent's new time.
    pub(super) async fn advance(&self, slot: usize, now_ms: TimeMs, to_ms: TimeMs) -> TimeMs {
        let to_ms = to_ms.min(self.last_ms);
        if to_ms <= now_ms {
            return now_ms;
        }
        let old = self.slots[slot].at_ms.swap(to_ms, Ordering::SeqCst);
        self.latest.fetch_max(to_ms, Ordering::Relaxed);
        if old <= self.floor.load(Ordering::SeqCst) && self.waiting.load(Ordering::SeqCst) > 0 {
            self.raise_floor();
        }
        if !self.allows(to_ms) {
            let _waiting = Waiting::enter(&self.waiting);
            self.wait_for_floor(to_ms).await;
        }
        to_ms
    }

    /// Takes a finished agent out of the floor, so that nobody waits for it.
    pub(super) fn finish(&self, slot: usize) {
        self.slots[slot].at_ms.store(u64::MAX, Ordering::SeqCst);
        self.raise_floor();
    }

    /// The latest time any agent reached.
    pub(super) fn latest_ms(&self) -> TimeMs {
        self.latest.load(Ordering::Relaxed)
    }

    async fn wait_for_floor(&self, to_ms: TimeMs) {
        loop {
            let raised = self.raised.notified();
            tokio::pin!(raised);
            raised.as_mut().enable();
            self.raise_floor();
            if self.allows(to_ms) {
                return;
            }
            raised.await;
        }
    }

    fn allows(&self, to_ms: TimeMs) -> bool {
        to_ms
            <= self
                .floor
                .load(Ordering::SeqCst)
                .saturating_add(self.lag_ms)
    }

    /// Recomputes the floor from the slots and wakes the waiters if it rose.
    fn raise_floor(&self) {
        let slowest = self
            .slots
            .iter()
            .map(|s| s.at_ms.load(Ordering::SeqCst))
            .min();
        let slowest = slowest.unwrap_or(u64::MAX);
        if self.floor.fetch_max(slowest, Ordering::SeqCst) < slowest {
            self.raised.notify_waiters();
        }
    }
}

/// One agent counted as waiting for the floor, for as long as this lives: dropped when the
/// wait ends or when the agent gives it up (a stopped run drops its waits).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Waiting<'a> {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn an_agent_alone_is_never_held_back() {
        let gate = TimeGate::new(1, 100, 10, None);
        assert_eq!(gate.advance(0, 100, 1_000_000).await, 1_000_000);
        assert_eq!(gate.advance(0, 1_000_000, 5).await, 1_000_000, "never back");
        assert_eq!(gate.latest_ms(), 1_000_000);
    }

    #[tokio::test]
    async fn a_fast_agent_waits_until_the_slow_one_is_within_the_lag() {
        let gate = Arc::new(TimeGate::new(2, 0, 10, None));
        let fast = tokio::spawn({
            let gate = gate.clone();
            async move { gate.advance(0, 0, 50).await }
        });
        tokio::task::yield_now().await;
        assert!(
            !fast.is_finished(),
            "50 is more than 10 ahead of agent 1 at 0"
        );
        gate.advance(1, 0, 39).await;
        tokio::task::yield_now().await;
        assert!(!fast.is_finished(), "39 + 10 is still short of 50");
        gate.advance(1, 39, 40).await;
        assert_eq!(fast.await.unwrap(), 50);
    }

    #[tokio::test]
    async fn a_finished_agent_holds_nobody_back() {
        let gate = Arc::new(TimeGate::new(2, 0, 10, None));
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.advance(0, 0, 1_000).await }
        });
        tokio::task::yield_now().await;
        gate.finish(1);
        assert_eq!(waiting.await.unwrap(), 1_000);
    }

    #[tokio::test]
    async fn clocks_stop_short_of_the_months_end() {
        let gate = TimeGate::new(1, 0, 10, Some(500));
        assert_eq!(gate.advance(0, 0, 10_000).await, 499);
        assert_eq!(gate.latest_ms(), 499);
    }

    #[tokio::test]
    async fn agents_of_different_accounts_never_wait_for_each_other() {
        let gates = AccountGates::new(&[0, 1, 1], 2, 0, 10, None);
        let time = RunTime::Virtual(gates);
        assert_eq!(
            time.wait_until(0, 0, 1_000_000).await,
            1_000_000,
            "alone on account 0"
        );
        let waiting = time.wait_until(1, 0, 1_000);
        tokio::pin!(waiting);
        assert!(
            futures_poll_once(waiting.as_mut()).await.is_none(),
            "agent 2 shares account 1"
        );
        time.finish(2);
        assert_eq!(waiting.await, 1_000);
    }

    /// Polls a future once, returning its output if it was ready.
    async fn futures_poll_once<F: std::future::Future + Unpin>(f: F) -> Option<F::Output> {
        tokio::select! {
            biased;
            out = f => Some(out),
            () = std::future::ready(()) => None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_agents_advancing_at_random_never_deadlock_and_stay_within_the_lag() {
        let agents = 64;
        let gate = Arc::new(TimeGate::new(agents, 0, 25, None));
        let tasks: Vec<_> = (0..agents)
            .map(|slot| {
                let gate = gate.clone();
                tokio::spawn(async move {
                    let mut now = 0;
                    for step in 0..200u64 {
                        let to = now + (step * 7 + slot as u64 * 13) % 40;
                        now = gate.advance(slot, now, to).await;
                        let floor = gate.floor.load(Ordering::SeqCst);
                        assert!(now <= floor + 25, "agent {slot} at {now}, floor {floor}");
                    }
                    gate.finish(slot);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    }
}
