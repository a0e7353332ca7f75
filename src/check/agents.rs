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
use crate::ledger::{AccountId, Credits};

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

/// Checks one key at the end of the run.
pub(super) fn check_key(
    account: AccountId,
    key: &str,
    state: &KeyState,
    steps_given: bool,
    sink: &mut Violations,
) {
    let mut report = |invariant, seq, message| {
        sink.push(Violation {
            invariant,
            account,
            key: Some(key.into()),
            seq,
            message,
        })
    };
    if let Some(hold) = &state.hold {
        let seq = state.opened.map(|(_, seq)| seq);
        let msg = format!("hold {key} ({} credits) was never closed", hold.credits);
        report(Invariant::I6, seq, msg);
    }
    let charge = state
        .first_charge
        .map(|(_, seq)| (state.charged_total, seq));
    match &state.step {
        Some(step) => check_step(key, state, step, &mut report),
        None if steps_given => {
            if let Some((charged, seq)) = charge {
                let msg = format!(
                    "the ledger charged {charged} under key {key}, but no agent step recorded \
                     that key"
                );
                report(Invariant::I7, Some(seq), msg);
            }
        }
        None => {}
    }
}

fn check_step(
    key: &str,
    state: &KeyState,
    step: &StepView,
    report: &mut impl FnMut(Invariant, Option<u64>, String),
) {
    let agent = step.agent;
    let charged = state
        .first_charge
        .map(|(_, seq)| (state.charged_total, seq));
    if let (true, Some((total, seq))) = (step.failed, charged) {
        let msg = format!(
            "agent {agent} saw step {key} fail, but the ledger committed it, charging {total}"
        );
        report(Invariant::I4, Some(seq), msg);
    }
    if let Some((first, seq)) = state.first_charge {
        check_quote(key, first, step, |msg| {
            report(Invariant::I5, Some(seq), msg)
        });
    }
    let told_ok = match (step.told, charged) {
        (Told::Unknown, _) | (Told::NotCharged, None) => true,
        (Told::Charged(told), Some((total, _))) => u128::from(told) == total,
        (Told::Charged(_), None) | (Told::NotCharged, Some(_)) => false,
    };
    if !told_ok {
        let seq = charged
            .map(|(_, seq)| seq)
            .or(state.opened.map(|(_, seq)| seq));
        let told = match step.told {
            Told::Charged(credits) => format!("charged {credits}"),
            _ => String::from("not charged"),
        };
        let ledger = match charged {
            Some((total, _)) => format!("charged {total}"),
            None => String::from("charged nothing"),
        };
        let msg = format!("agent {agent} was told key {key} was {told}, but the ledger {ledger}");
        report(Invariant::I7, seq, msg);
    }
}

/// I5 for one charge. Later charges under the same key are I2 violations already.
fn check_quote(key: &str, charged: Credits, step: &StepView, mut report: impl FnMut(String)) {
    if (step.quote_min..=step.quote_max).contains(&charged) {
        return;
    }
    report(format!(
        "key {key} charged {charged}, outside the quote {}..={} for {}",
        step.quote_min,
        step.quote_max,
        step.what()
    ));
}
