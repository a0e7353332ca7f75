//! Faults that a run can inject, their per-step probabilities, and the `--faults` list.

use std::fmt;
use std::str::FromStr;

/// The probability given to a fault that `--faults` enables when the scenario leaves it at
/// zero: rare enough that most steps are ordinary, common enough that a run of a few
/// thousand steps meets each fault many times.
pub(super) const CLI_DEFAULT_PROBABILITY: f64 = 0.01;

/// The probability of an ordinary generation failure when a scenario does not set one.
pub(super) const DEFAULT_FAILURE_PROBABILITY: f64 = 0.05;

/// One kind of fault. Each is drawn independently per step from the agent's RNG, so a
/// seed reproduces exactly the same faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The generation fails, so the hold must be released and never charged (I4). This is
    /// the same knob as `generation.failure_probability`; the step's `fails` flag carries it.
    GenerationFailure,
    /// The generation outlives the hold's ttl (its duration is twice the ttl), so the account
    /// times the hold out and the late commit must get `HoldClosed`.
    SlowGeneration,
    /// The agent sends its reserve and its commit or release twice with the same key; the
    /// duplicate must change nothing.
    DuplicateDelivery,
    /// The reply to the reserve or the commit is lost; the agent retries with the same key.
    LostReply,
    /// The agent reuses an earlier key with different content and must get `KeyConflict`.
    KeyReuse,
    /// A pack grant of the account is delivered again with its original key; it must credit
    /// once.
    DuplicateGrant,
    /// The account actor is made to panic before the step's reserve, and is restarted from
    /// its journal.
    ActorCrash,
    /// The step's hold stays open across the next billing boundary before it is closed. When
    /// enabled, the virtual clock also starts half a hold ttl before the first month boundary.
    CycleBoundary,
}

impl Fault {
    /// Every fault, in a fixed order (the order of bits in `StepFaults` and of probabilities
    /// in `FaultSet`).
    pub const ALL: [Fault; 8] = [
        Fault::GenerationFailure,
        Fault::SlowGeneration,
        Fault::DuplicateDelivery,
        Fault::LostReply,
        Fault::KeyReuse,
        Fault::DuplicateGrant,
        Fault::ActorCrash,
        Fault::CycleBoundary,
    ];

    /// The faults that a step records in `StepFaults`; generation failure is the step's
    /// `fails` flag instead.
    pub(crate) const INJECTED: [Fault; 7] = [
        Fault::SlowGeneration,
        Fault::DuplicateDelivery,
        Fault::LostReply,
        Fault::KeyReuse,
        Fault::DuplicateGrant,
        Fault::ActorCrash,
        Fault::CycleBoundary,
    ];

    /// The kebab-case name used by `--faults` and in traces.
    pub fn name(self) -> &'static str {
        match self {
            Fault::GenerationFailure => "generation-failure",
            Fault::SlowGeneration => "slow-generation",
            Fault::DuplicateDelivery => "duplicate-delivery",
            Fault::LostReply => "lost-reply",
            Fault::KeyReuse => "key-reuse",
            Fault::DuplicateGrant => "duplicate-grant",
            Fault::ActorCrash => "actor-crash",
            Fault::CycleBoundary => "cycle-boundary",
        }
    }

    /// The snake_case key of the fault in a scenario's `[faults]` table.
    pub fn field(self) -> String {
        self.name().replace('-', "_")
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Parses `--faults`: `all`, or a comma-separated list of names.
    pub fn parse_list(list: &str) -> Result<Vec<Fault>, UnknownFault> {
        if list.trim() == "all" {
            return Ok(Fault::ALL.to_vec());
        }
        let mut faults: Vec<Fault> = list
            .split(',')
            .map(|name| name.trim().parse())
            .collect::<Result<_, _>>()?;
        faults.sort();
        faults.dedup();
        Ok(faults)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name that is not one of [`Fault::ALL`]; its message lists the valid names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault \"{name}\"; expected `all` or a comma-separated list of: {valid}", name = .0, valid = valid_names())]
pub struct UnknownFault(pub String);

fn valid_names() -> String {
    Fault::ALL.map(Fault::name).join(", ")
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(name: &str) -> Result<Fault, UnknownFault> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| UnknownFault(name.to_string()))
    }
}

/// The per-step probability of each fault. Probabilities are in [0, 1]; they decide which
/// steps are faulty, never an amount of credits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultSet {
    probabilities: [f64; 8],
}

impl Default for FaultSet {
    /// Ordinary generation failures at [`DEFAULT_FAILURE_PROBABILITY`], nothing else.
    fn default() -> FaultSet {
        FaultSet::none().with(Fault::GenerationFailure, DEFAULT_FAILURE_PROBABILITY)
    }
}

impl FaultSet {
    /// No faults at all, not even generation failures (used for trace replay, where every
    /// step records its own faults).
    pub fn none() -> FaultSet {
        FaultSet {
            probabilities: [0.0; 8],
        }
    }

    /// This set with `fault` at probability `p`, which the caller has checked is in [0, 1].
    pub fn with(mut self, fault: Fault, p: f64) -> FaultSet {
        assert!((0.0..=1.0).contains(&p), "probability {p} out of [0, 1]");
        self.probabilities[fault.index()] = p;
        self
    }

    /// The per-step probability of `fault`.
    pub fn probability(&self, fault: Fault) -> f64 {
        self.probabilities[fault.index()]
    }

    /// Turns on `faults` as `--faults` does: a fault that the scenario gave a probability
    /// keeps it; one left at zero gets [`CLI_DEFAULT_PROBABILITY`].
    pub(crate) fn enable(&mut self, faults: &[Fault]) {
        for &fault in faults {
            if self.probability(fault) == 0.0 {
                self.probabilities[fault.index()] = CLI_DEFAULT_PROBABILITY;
            }
        }
    }

    /// The faults with a probability above zero.
    pub fn enabled(&self) -> Vec<Fault> {
        Fault::ALL
            .into_iter()
            .filter(|&f| self.probability(f) > 0.0)
            .collect()
    }
}

/// The injected faults that one step carries (a small bit set over [`Fault::INJECTED`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StepFaults(u8);

impl StepFaults {
    /// Whether the step carries `fault`. Always false for `GenerationFailure`, which is the
    /// step's `fails` flag.
    pub fn has(self, fault: Fault) -> bool {
        self.0 & (1 << fault.index()) != 0
    }

    /// Adds `fault`; generation failure is refused because it lives in `Step::fails`.
    pub fn insert(&mut self, fault: Fault) {
        assert!(fault != Fault::GenerationFailure, "use Step::fails");
        self.0 |= 1 << fault.index();
    }

    /// Whether the step is free of injected faults.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The faults carried, in [`Fault::INJECTED`] order.
    pub fn iter(self) -> impl Iterator<Item = Fault> {
        Fault::INJECTED.into_iter().filter(move |&f| self.has(f))
    }
}

impl fmt::Display for StepFaults {
    /// `lost-reply;actor-crash`, or nothing: the form used in traces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Fault::name).collect();
        f.write_str(&names.join(";"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_unknown_names_list_the_valid_ones() {
        assert_eq!(Fault::parse_list("all").unwrap().len(), Fault::ALL.len());
        assert_eq!(
            Fault::parse_list("lost-reply, actor-crash,lost-reply").unwrap(),
            vec![Fault::LostReply, Fault::ActorCrash]
        );
        let err = Fault::parse_list("lost-reply,crash")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"crash\""), "{err}");
        assert!(
            err.contains("cycle-boundary") && err.contains("key-reuse"),
            "{err}"
        );
    }

    #[test]
    fn enabling_keeps_scenario_probabilities_and_fills_zeros() {
        let mut set = FaultSet::none().with(Fault::KeyReuse, 0.2);
        set.enable(&[Fault::KeyReuse, Fault::LostReply]);
        assert_eq!(set.probability(Fault::KeyReuse), 0.2);
        assert_eq!(set.probability(Fault::LostReply), CLI_DEFAULT_PROBABILITY);
        assert_eq!(set.probability(Fault::ActorCrash), 0.0);
        assert_eq!(set.enabled(), vec![Fault::LostReply, Fault::KeyReuse]);
    }

    #[test]
    fn step_faults_round_trip_through_their_names() {
        let mut faults = StepFaults::default();
        assert!(faults.is_empty());
        faults.insert(Fault::ActorCrash);
        faults.insert(Fault::LostReply);
        assert!(faults.has(Fault::LostReply) && !faults.has(Fault::KeyReuse));
        assert_eq!(faults.to_string(), "lost-reply;actor-crash");
    }
}
