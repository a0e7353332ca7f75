//! The agents' side: I4 (failed steps are never charged), I5 (charges lie within the quote),
//! I6 (no hold left open) and I7 (what agents were told equals what the ledger charged).
//!
//! These checks run at `finish`, once every event and step has arrived, because online the
//! two streams arrive in any order and a key's ledger history is complete only at the end.
//!
//! I7 follows the allowed-outcomes idea of TigerBeetle's auditor: a reply that was lost in
//! flight (`Told::Unknown`) leaves the agent not knowing whether the request was applied, so
//! either outcome is accepted for that key. A definite answer must match exactly. When a
//! commit races the hold's timeout, the ledger's journal order decides which one won, and the
//! agent must have been told that outcome.

use super::state::{KeyState, StepView};
use super::verdict::{Invariant, Violation, Violations};
use crate::journal::{StepRecord, Told};
use crate::ledger::{AccountId, Credits, TimeMs};

/// The parts of a step that the checks keep.
pub(super) fn step_view(step: &StepRecord) -> StepView {
    StepView {
        agent: step.agent,
        quote_min: step.quote_min,
        quote_max: step.quote_max,
        failed: step.failed,
        told: step.told,
        action: step.action.clone(),
        params: step.params.clone(),
    }
}

/// What the end-of-run checks may assume.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ended {
    /// Steps were given, so a charge without one is I7.
    pub steps_given: bool,
    /// The run finished, so every key's history is whole: an open hold is I6, and a charge
    /// or step missing its other half is I7. A killed run's files stop anywhere.
    pub finished: bool,
}

/// Checks one key at the end of the run.
pub(super) fn check_key(
    account: AccountId,
    key: &str,
    state: &KeyState,
    ended: Ended,
    sink: &mut Violations,
) {
    let mut report = |invariant, at: Option<(u64, TimeMs)>, credits: u128, message| {
        sink.push(Violation {
            invariant,
            account,
            key: Some(key.into()),
            seq: at.map(|(seq, _)| seq),
            at_ms: at.map(|(_, at_ms)| at_ms),
            credits: u64::try_from(credits).unwrap_or(u64::MAX),
            message,
        })
    };
    if let (Some(hold), true) = (&state.hold, ended.finished) {
        let msg = format!("hold {key} ({} credits) was never closed", hold.credits);
        report(
            Invariant::I6,
            Some(hold.opened_at),
            u128::from(hold.credits),
            msg,
        );
    }
    let charge = state
        .first_charge
        .map(|(_, seq, at_ms)| (state.charged_total, (seq, at_ms)));
    match &state.step {
        Some(step) => check_step(key, state, step, ended.finished, &mut report),
        None if ended.steps_given && ended.finished => {
            if let Some((charged, at)) = charge {
                let msg = format!(
                    "the ledger charged {charged} under key {key}, but no agent step recorded \
                     that key"
                );
                report(Invariant::I7, Some(at), charged, msg);
            }
        }
        None => {}
    }
}

/// Where an end-of-run violation points: an event's `seq` and time.
type At = Option<(u64, TimeMs)>;

fn check_step(
    key: &str,
    state: &KeyState,
    step: &StepView,
    finished: bool,
    report: &mut impl FnMut(Invariant, At, u128, String),
) {
    let agent = step.agent;
    let charged = state
        .first_charge
        .map(|(_, seq, at_ms)| (state.charged_total, (seq, at_ms)));
    if let (true, Some((total, at))) = (step.failed, charged) {
        let msg = format!(
            "agent {agent} saw step {key} fail, but the ledger committed it, charging {total}"
        );
        report(Invariant::I4, Some(at), total, msg);
    }
    if let Some((first, seq, at_ms)) = state.first_charge {
        check_quote(key, first, step, |msg, off| {
            report(Invariant::I5, Some((seq, at_ms)), u128::from(off), msg)
        });
    }
    let told_ok = match (step.told, charged) {
        (Told::Unknown, _) | (Told::NotCharged, None) => true,
        (Told::Charged(told), Some((total, _))) => u128::from(told) == total,
        // In a killed run the commit may not have been written yet, unless the key was
        // already refused or its hold closed without a charge.
        (Told::Charged(_), None) => !finished && (state.hold.is_some() || state.opened.is_none()),
        (Told::NotCharged, Some(_)) => false,
    };
    if !told_ok {
        let at = charged
            .map(|(_, at)| at)
            .or(state.opened.map(|(_, seq, at_ms)| (seq, at_ms)));
        let told_credits = match step.told {
            Told::Charged(credits) => u128::from(credits),
            _ => 0,
        };
        let ledger_credits = charged.map_or(0, |(total, _)| total);
        let told = match step.told {
            Told::Charged(credits) => format!("charged {credits}"),
            _ => String::from("not charged"),
        };
        let ledger = match charged {
            Some((total, _)) => format!("charged {total}"),
            None => String::from("charged nothing"),
        };
        let msg = format!("agent {agent} was told key {key} was {told}, but the ledger {ledger}");
        report(
            Invariant::I7,
            at,
            told_credits.abs_diff(ledger_credits),
            msg,
        );
    }
}

/// I5 for one charge. Later charges under the same key are I2 violations already.
fn check_quote(key: &str, charged: Credits, step: &StepView, mut report: impl FnMut(String, u64)) {
    if (step.quote_min..=step.quote_max).contains(&charged) {
        return;
    }
    let off = charged
        .saturating_sub(step.quote_max)
        .max(step.quote_min.saturating_sub(charged));
    report(
        format!(
            "key {key} charged {charged}, outside the quote {}..={} for {}",
            step.quote_min,
            step.quote_max,
            step.what()
        ),
        off,
    );
}
