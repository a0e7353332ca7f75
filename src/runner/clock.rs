//! The paced clock: virtual time as real (tokio) time since the start, sped up by a factor,
//! plus the start time. Only the paced mode uses it (an open-loop load test at a real
//! arrival rate); virtual time is the default (see [`super::time`]). Reading tokio's clock
//! means a deterministic run on a paused runtime never waits: sleeps advance it.

use tokio::time::Instant;

use crate::ledger::TimeMs;

/// Virtual time = `offset_ms + elapsed_real_ms × speedup`, stopping one millisecond short
/// of the months' end when the run is bounded by months.
#[derive(Debug)]
pub(super) struct RunClock {
    /// When the run started, on tokio's clock.
    start: Instant,
    /// Virtual milliseconds per real millisecond.
    speedup: u64,
    /// Virtual time at the start.
    offset_ms: TimeMs,
    /// The latest time the clock shows.
    last_ms: TimeMs,
}

impl RunClock {
    /// A clock starting now at virtual time `offset_ms`, stopping before `end_ms` if given.
    pub(super) fn start(speedup: u64, offset_ms: TimeMs, end_ms: Option<TimeMs>) -> RunClock {
        RunClock {
            start: Instant::now(),
            speedup: speedup.max(1),
            offset_ms,
            last_ms: end_ms.map_or(u64::MAX, |end| end.saturating_sub(1)),
        }
    }

    /// Virtual time now.
    pub(super) fn now_ms(&self) -> TimeMs {
        let elapsed_us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        // Multiply before dividing so that sub-millisecond real time still advances a
        // sped-up clock.
        let virtual_ms = elapsed_us.saturating_mul(self.speedup) / 1000;
        self.offset_ms.saturating_add(virtual_ms).min(self.last_ms)
    }

    /// The real instant `real_us` microseconds after the start (an open-loop step's intended
    /// send time).
    pub(super) fn instant_of_real_us(&self, real_us: u64) -> Instant {
        self.start + std::time::Duration::from_micros(real_us)
    }

    /// The real instant at which virtual time reaches `at_ms` (for sleeping until then).
    pub(super) fn instant_of(&self, at_ms: TimeMs) -> Instant {
        let real_us = at_ms.saturating_sub(self.offset_ms).saturating_mul(1000) / self.speedup;
        self.start + std::time::Duration::from_micros(real_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn virtual_time_runs_speedup_times_faster_than_real_time() {
        let clock = RunClock::start(3600, 10, None);
        assert_eq!(clock.now_ms(), 10);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        assert_eq!(clock.now_ms(), 10 + 2 * 3600);
        assert_eq!(
            clock.instant_of(10 + 2 * 3600),
            clock.start + std::time::Duration::from_millis(2)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_clock_bounded_by_months_stops_short_of_their_end() {
        let clock = RunClock::start(1000, 0, Some(5_000));
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        assert_eq!(clock.now_ms(), 4_999);
    }
}
