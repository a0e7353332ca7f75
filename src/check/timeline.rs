//! An account's timeline for people: every event of one account, with its lots and holds
//! before and after, and the violations found at it, so that a race or an expired draw can
//! be seen rather than inferred. The state is rebuilt plainly from the events (no checks:
//! the checker has done those), so it shows what the journal claims, negative lots too.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::ledger::{Draw, Event, EventKind, Key, LotId, Name, TimeMs};

use super::verdict::Violation;

/// One lot as the timeline shows it.
struct Lot {
    pool: Name,
    remaining: i128,
    expires_at_ms: Option<TimeMs>,
}

/// The lots and holds of one account, as its events describe them.
#[derive(Default)]
struct State {
    lots: BTreeMap<LotId, Lot>,
    holds: BTreeMap<Key, Vec<Draw>>,
}

impl State {
    fn apply(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Granted {
                lot,
                pool,
                credits,
                expires_at_ms,
                ..
            } => {
                let lot = self.lots.entry(*lot).or_insert(Lot {
                    pool: pool.clone(),
                    remaining: 0,
                    expires_at_ms: *expires_at_ms,
                });
                lot.remaining += i128::from(*credits);
            }
            EventKind::Reserved { key, draws, .. } => {
                self.take(draws);
                self.holds.entry(key.clone()).or_default().extend(draws);
            }
            EventKind::Committed { key, returned, .. }
            | EventKind::Released { key, returned, .. } => {
                self.holds.remove(key);
                self.give(returned);
            }
            EventKind::Expired { lot, credits, .. } => self.take(&[Draw {
                lot: *lot,
                credits: *credits,
            }]),
            EventKind::Rejected { .. }
            | EventKind::Unlimited { .. }
            | EventKind::Warning { .. } => {}
        }
    }

    fn take(&mut self, draws: &[Draw]) {
        for draw in draws {
            if let Some(lot) = self.lots.get_mut(&draw.lot) {
                lot.remaining -= i128::from(draw.credits);
            }
        }
    }

    fn give(&mut self, draws: &[Draw]) {
        for draw in draws {
            if let Some(lot) = self.lots.get_mut(&draw.lot) {
                lot.remaining += i128::from(draw.credits);
            }
        }
    }

    /// `pool[lot:credits ...]` for each pool's lots with credits (or below zero), `†`
    /// marking a lot expired at `at_ms`.
    fn lots_text(&self, at_ms: TimeMs) -> String {
        let mut pools: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (id, lot) in self.lots.iter().filter(|(_, lot)| lot.remaining != 0) {
            let expired = lot.expires_at_ms.is_some_and(|e| e <= at_ms);
            let text = format!("{id}:{}{}", lot.remaining, if expired { "†" } else { "" });
            pools.entry(lot.pool.as_str()).or_default().push(text);
        }
        let parts = (pools.into_iter())
            .map(|(pool, lots)| format!("{pool}[{}]", lots.join(" ")))
            .collect();
        none_if_empty(parts)
    }

    /// `key:credits` for each open hold.
    fn holds_text(&self) -> String {
        let parts: Vec<String> = (self.holds.iter())
            .map(|(key, draws)| {
                let credits: u64 = draws.iter().map(|d| d.credits).sum();
                format!("{key}:{credits}")
            })
            .collect();
        none_if_empty(parts)
    }
}

fn none_if_empty(parts: Vec<String>) -> String {
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(" ")
    }
}

/// The timeline of the events given (one account's, in `seq` order), marking the
/// `violations` found at each event. `date` formats a virtual time for people.
pub fn render_timeline(
    events: &[Event],
    violations: &[Violation],
    date: impl Fn(TimeMs) -> String,
) -> String {
    let mut state = State::default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lots are lot:credits († expired at the event's time); holds are key:credits"
    );
    for event in events {
        let lots_before = state.lots_text(event.at_ms);
        let holds_before = state.holds_text();
        state.apply(&event.kind);
        let _ = writeln!(
            out,
            "#{} {}  {}",
            event.seq,
            date(event.at_ms),
            describe(&event.kind, &date)
        );
        let lots_after = state.lots_text(event.at_ms);
        let holds_after = state.holds_text();
        let _ = writeln!(out, "    lots   {lots_before}  ->  {lots_after}");
        let _ = writeln!(out, "    holds  {holds_before}  ->  {holds_after}");
        let here = violations.iter().filter(|v| v.seq == Some(event.seq));
        for violation in here {
            let _ = writeln!(out, "    ^ {}: {}", violation.invariant, violation.message);
        }
    }
    let at_end = violations.iter().filter(|v| v.seq.is_none());
    for violation in at_end {
        let _ = writeln!(
            out,
            "at the end: {}: {}",
            violation.invariant, violation.message
        );
    }
    out
}

/// Draws as `lot:credits`, or `none`.
fn lots(draws: &[Draw]) -> String {
    let parts: Vec<String> = draws
        .iter()
        .map(|d| format!("{}:{}", d.lot, d.credits))
        .collect();
    none_if_empty(parts)
}

fn describe_grant(kind: &EventKind, date: &impl Fn(TimeMs) -> String) -> String {
    let EventKind::Granted {
        key,
        lot,
        pool,
        credits,
        expires_at_ms,
        priority,
        ..
    } = kind
    else {
        return String::new();
    };
    let expiry = expires_at_ms.map_or("never expires".to_string(), |e| {
        format!("expires {}", date(e))
    });
    format!("granted {key}: lot {lot}, {credits} credits of {pool}, priority {priority}, {expiry}")
}

/// One event in words.
fn describe(kind: &EventKind, date: &impl Fn(TimeMs) -> String) -> String {
    match kind {
        EventKind::Granted { .. } => describe_grant(kind, date),
        EventKind::Reserved {
            key,
            action,
            credits,
            expires_at_ms,
            draws,
            ..
        } => format!(
            "reserved {key} ({action}): {credits} credits from {}, deadline {}",
            lots(draws),
            date(*expires_at_ms)
        ),
        EventKind::Rejected {
            key,
            credits,
            reason,
            ..
        } => format!("rejected {key}: {credits} credits ({reason:?})"),
        EventKind::Unlimited { key, action, .. } => format!("unlimited {key} ({action})"),
        EventKind::Committed {
            key,
            charged,
            charged_from,
            returned,
            ..
        } => format!(
            "committed {key}: charged {charged} from {}, returned {}",
            lots(charged_from),
            lots(returned)
        ),
        EventKind::Released {
            key,
            timed_out,
            returned,
            ..
        } => {
            let how = if *timed_out { "timed out" } else { "released" };
            format!("{how} {key}: returned {}", lots(returned))
        }
        EventKind::Expired { lot, credits, .. } => {
            format!("expired {credits} credits of lot {lot}")
        }
        EventKind::Warning {
            threshold,
            available,
            ..
        } => format!("warning: below {threshold}, {available} available"),
    }
}
