//! The run's virtual clock: real (tokio) time since the start, sped up by a factor, plus an
//! offset. Reading tokio's clock means a deterministic run on a paused runtime gets virtual
//! time for free: sleeps advance it, and nothing depends on the wall clock.

use tokio::time::Instant;

use crate::ledger::{Clock, TimeMs};

/// Virtual time = `offset_ms + elapsed_real_ms × speedup`.
#[derive(Debug)]
pub struct RunClock {
    /// When the run started, on tokio's clock.
    start: Instant,
    /// Virtual milliseconds per real millisecond.
    speedup: u64,
    /// Virtual time at the start (a run may start just before a billing boundary).
    offset_ms: TimeMs,
}

impl RunClock {
    /// A clock starting now at virtual time `offset_ms`.
    pub fn start(speedup: u64, offset_ms: TimeMs) -> RunClock {
        RunClock {
            start: Instant::now(),
            speedup: speedup.max(1),
            offset_ms,
        }
    }

    /// Virtual milliseconds per real millisecond.
    pub fn speedup(&self) -> u64 {
        self.speedup
    }

    /// Real microseconds since the start.
    pub fn elapsed_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// The real instant `real_us` microseconds after the start (an open-loop step's intended
    /// send time).
    pub fn instant_of_real_us(&self, real_us: u64) -> Instant {
        self.start + std::time::Duration::from_micros(real_us)
    }

    /// The real instant at which virtual time reaches `at_ms` (for sleeping until then).
    pub fn instant_of(&self, at_ms: TimeMs) -> Instant {
        let real_us = at_ms.saturating_sub(self.offset_ms).saturating_mul(1000) / self.speedup;
        self.start + std::time::Duration::from_micros(real_us)
    }
}

impl Clock for RunClock {
    fn now_ms(&self) -> TimeMs {
        let elapsed_us = self.elapsed_us();
        // Multiply before dividing so that sub-millisecond real time still advances a
        // sped-up clock.
        self.offset_ms
            .saturating_add(elapsed_us.saturating_mul(self.speedup) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn virtual_time_runs_speedup_times_faster_than_real_time() {
        let clock = RunClock::start(3600, 10);
        assert_eq!(clock.now_ms(), 10);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        assert_eq!(clock.now_ms(), 10 + 2 * 3600);
        assert_eq!(
            clock.instant_of(10 + 2 * 3600),
            clock.start + std::time::Duration::from_millis(2)
        );
    }
}
