//! Fault injection on the agent's side of a ledger call: duplicate delivery, lost replies,
//! and retries under the same key. Faults are drawn from the agent's own fault RNG, so a
//! seed reproduces them, and a run without faults issues exactly the same steps.

use std::future::Future;
use std::time::Duration;

use crate::ledger::LedgerError;

/// How often a failed call is tried before the agent gives up and records the outcome as
/// unknown. With the backoff below, the last retry leaves at most `RETRY_WINDOW_MS` of real
/// time after the first attempt (long enough for a supervisor to restart a crashed account
/// on a loaded machine); the runner keeps idempotency records longer than that (in virtual
/// time), so a retry is never mistaken for a new request.
pub(super) const MAX_ATTEMPTS: u32 = 12;

/// The longest wait between two attempts, real ms.
const MAX_BACKOFF_MS: u64 = 128;

/// The wait after failed attempt `attempt` (from 1): doubling from 1 ms, capped.
fn backoff_ms(attempt: u32) -> u64 {
    (1u64 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF_MS)
}

/// Real milliseconds between the first attempt and the last retry, at most.
pub(super) const RETRY_WINDOW_MS: u64 = {
    let mut total = 0;
    let mut attempt = 1;
    while attempt < MAX_ATTEMPTS {
        let wait = 1u64 << (attempt - 1);
        total += if wait < MAX_BACKOFF_MS {
            wait
        } else {
            MAX_BACKOFF_MS
        };
        attempt += 1;
    }
    total
};

// Long enough for a supervisor to restart a crashed account on a loaded 2-core machine.
const _: () = assert!(RETRY_WINDOW_MS >= 500);

/// The faults to apply to one ledger call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct CallFaults {
    /// Deliver the request twice, concurrently, with the same key.
    pub duplicate: bool,
    /// Apply the request, then drop the reply, so the agent must retry.
    pub lose_reply: bool,
}

/// What happened around one call, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct CallStats {
    /// Requests sent again under the same key after an error or a lost reply.
    pub retries: u32,
    /// Extra deliveries made by the duplicate-delivery fault.
    pub duplicates: u32,
}

/// Sends a request through `op` with `faults` applied, retrying under the same key (which
/// `op` must reuse) until a reply arrives. `None` means no reply ever arrived: the request
/// may or may not have been applied.
pub(super) async fn call_with_faults<T, F, Fut>(
    faults: CallFaults,
    stats: &mut CallStats,
    op: F,
) -> Option<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, LedgerError>>,
{
    if faults.duplicate {
        stats.duplicates += 1;
        let (first, _second) = tokio::join!(op(), op());
        if let Ok(reply) = first
            && !faults.lose_reply
        {
            return Some(reply);
        }
    } else if faults.lose_reply {
        // The request reaches the ledger and is applied; only its reply is lost.
        let _lost = op().await;
    }
    if faults.lose_reply {
        stats.retries += 1;
    }
    for attempt in 1..=MAX_ATTEMPTS {
        match op().await {
            Ok(reply) => return Some(reply),
            Err(LedgerError::NoSuchAccount(_)) => return None,
            Err(LedgerError::Unavailable { .. }) => {
                if attempt < MAX_ATTEMPTS {
                    stats.retries += 1;
                    tokio::time::sleep(Duration::from_millis(backoff_ms(attempt))).await;
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn unavailable() -> LedgerError {
        LedgerError::Unavailable {
            account: 0,
            why: "test".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_reply_is_retried_under_the_same_request() {
        let sent = AtomicU32::new(0);
        let mut stats = CallStats::default();
        let faults = CallFaults {
            lose_reply: true,
            ..CallFaults::default()
        };
        let reply = call_with_faults(faults, &mut stats, || async {
            Ok::<_, LedgerError>(sent.fetch_add(1, Ordering::SeqCst))
        })
        .await;
        assert_eq!(
            reply,
            Some(1),
            "the reply of the retry, not of the lost first send"
        );
        assert_eq!(stats.retries, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_duplicate_is_delivered_twice() {
        let sent = AtomicU32::new(0);
        let mut stats = CallStats::default();
        let faults = CallFaults {
            duplicate: true,
            ..CallFaults::default()
        };
        let reply = call_with_faults(faults, &mut stats, || async {
            Ok::<_, LedgerError>(sent.fetch_add(1, Ordering::SeqCst))
        })
        .await;
        assert!(reply.is_some());
        assert_eq!(sent.load(Ordering::SeqCst), 2);
        assert_eq!(stats.duplicates, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_are_retried_until_the_attempts_run_out() {
        let sent = AtomicU32::new(0);
        let mut stats = CallStats::default();
        let reply: Option<u32> = call_with_faults(CallFaults::default(), &mut stats, || async {
            sent.fetch_add(1, Ordering::SeqCst);
            Err(unavailable())
        })
        .await;
        assert_eq!(reply, None);
        assert_eq!(sent.load(Ordering::SeqCst), MAX_ATTEMPTS);
        assert_eq!(stats.retries, MAX_ATTEMPTS - 1);
    }

    #[test]
    fn the_retry_window_is_the_sum_of_the_backoffs() {
        let total: u64 = (1..MAX_ATTEMPTS).map(backoff_ms).sum();
        assert_eq!(RETRY_WINDOW_MS, total);
    }

    #[tokio::test(start_paused = true)]
    async fn a_transient_error_then_a_reply_returns_the_reply() {
        let sent = AtomicU32::new(0);
        let mut stats = CallStats::default();
        let reply = call_with_faults(CallFaults::default(), &mut stats, || async {
            match sent.fetch_add(1, Ordering::SeqCst) {
                0 => Err(unavailable()),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(reply, Some(1));
        assert_eq!(stats.retries, 1);
    }
}
