//! The suite: one [`Entry`] per metric. Adding a metric is adding one entry here: its name,
//! unit, direction, floor, tolerance, whether the quick suite has it, and how to measure
//! one sample at a given [`Scale`].

use super::actors::{self, Shape};
use super::economics;
use super::instructions;
use super::ledger::{self, MapWork};
use super::stress::{self, ALL_AGENTS, HOT_AGENTS};
use super::{BenchError, Context, Sample};
use crate::report::Better;

/// How big each measurement is. A sample should take a tenth of a second or more, so that
/// the timer's resolution and one-off stalls are small beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    /// `quick` or `full`.
    pub name: &'static str,
    /// Samples per timed metric, taken in rounds: one sample of every metric per round, so
    /// that a metric and its floor are measured side by side under the same load.
    pub rounds: usize,
    /// Cycles per `Book` sample.
    pub book_cycles: u64,
    /// Cycles per plain-map sample (a map cycle is several times quicker).
    pub map_cycles: u64,
    /// Cycles per caller in the actor samples.
    pub cycles_per_caller: usize,
    /// Steps of the stress run.
    pub stress_steps: u64,
    /// Steps of the counted run (the same in both suites, so that their counts compare).
    pub counted_steps: u64,
    /// How many times the counted run is counted.
    pub counted_runs: usize,
    /// Accounts of the economics run (a year of ten steps a month each).
    pub economics_accounts: u64,
}

impl Scale {
    /// For a CI job: well under a minute.
    pub(crate) const QUICK: Scale = Scale {
        name: "quick",
        rounds: 5,
        book_cycles: 200_000,
        map_cycles: 1_000_000,
        cycles_per_caller: 20,
        stress_steps: 20_000,
        counted_steps: 2_000,
        counted_runs: 1,
        economics_accounts: 2_000,
    };

    /// For a dedicated runner: more and longer samples, and the map ladder.
    pub(crate) const FULL: Scale = Scale {
        name: "full",
        rounds: 11,
        book_cycles: 1_000_000,
        map_cycles: 5_000_000,
        cycles_per_caller: 50,
        stress_steps: 100_000,
        counted_steps: 2_000,
        counted_runs: 3,
        economics_accounts: 20_000,
    };

    fn stress_shape(self) -> Shape {
        Shape {
            callers: ALL_AGENTS,
            hot: HOT_AGENTS,
            cycles_per_caller: (self.stress_steps as usize / ALL_AGENTS).max(1),
        }
    }

    fn hot_shape(self) -> Shape {
        Shape {
            callers: HOT_AGENTS,
            hot: HOT_AGENTS,
            cycles_per_caller: self.cycles_per_caller,
        }
    }
}

/// How an entry's samples are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sampling {
    /// Timed: once per round, after one discarded warm-up sample.
    Timed,
    /// Counted (the same every run, nearly): `counted_runs` times, after the rounds.
    Counted,
}

/// One metric of the suite.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Its name in reports and baselines.
    pub name: &'static str,
    pub unit: &'static str,
    pub better: Better,
    /// The entry measured beside it as its floor, if any.
    pub floor: Option<&'static str>,
    /// Its default tolerance, in %.
    pub tolerance_pct: f64,
    /// Whether the quick suite has it (the full suite has every entry).
    pub quick: bool,
    /// How its samples are taken.
    pub sampling: Sampling,
    /// What one sample measures, at a scale.
    pub workload: fn(&Scale, u64) -> String,
    /// Takes one sample.
    pub measure: fn(&Context) -> Result<Sample, BenchError>,
}

/// Timed figures move this much between runs on a shared machine.
const TIMED_TOLERANCE_PCT: f64 = 10.0;

/// Counted figures move by thousandths of a percent between runs; a change of this much is
/// a change in the code.
const COUNTED_TOLERANCE_PCT: f64 = 1.0;

fn timed(name: &'static str, floor: Option<&'static str>, quick: bool) -> Entry {
    Entry {
        name,
        unit: "cycles/s",
        better: Better::Higher,
        floor,
        tolerance_pct: TIMED_TOLERANCE_PCT,
        quick,
        sampling: Sampling::Timed,
        workload: |_, _| String::new(),
        measure: |_| Ok(Sample::Unavailable("not measured")),
    }
}

/// Every entry, floors after the metrics they serve.
pub(crate) fn entries() -> Vec<Entry> {
    let mut all = ledger_entries();
    all.extend(actor_entries());
    all.extend(run_entries());
    all.extend(economics_entries());
    all
}

fn map(s: &Scale, what: &str) -> String {
    format!("{} cycles through a HashMap {what}", s.map_cycles)
}

/// `Book` and the plain-map ladder beneath it.
fn ledger_entries() -> Vec<Entry> {
    vec![
        Entry {
            workload: |s, _| {
                format!(
                    "{} reserve→commit cycles through Book, one account",
                    s.book_cycles
                )
            },
            measure: |c| {
                Ok(Sample::Measured(ledger::book_cycles_per_s(
                    c.scale.book_cycles,
                )))
            },
            ..timed("book_cycles_per_s", Some("map_cycles_per_s"), true)
        },
        Entry {
            workload: |s, _| map(s, "ledger keeping holds and building events"),
            measure: |c| {
                Ok(Sample::Measured(ledger::map_cycles_per_s(
                    c.scale.map_cycles,
                    MapWork::HoldsAndEvents,
                )))
            },
            ..timed("map_cycles_per_s", None, true)
        },
        Entry {
            workload: |s, _| map(s, "of balances only"),
            measure: |c| {
                Ok(Sample::Measured(ledger::map_cycles_per_s(
                    c.scale.map_cycles,
                    MapWork::Balance,
                )))
            },
            ..timed("map_balance_cycles_per_s", None, false)
        },
        Entry {
            workload: |s, _| map(s, "ledger keeping holds"),
            measure: |c| {
                Ok(Sample::Measured(ledger::map_cycles_per_s(
                    c.scale.map_cycles,
                    MapWork::Holds,
                )))
            },
            ..timed("map_holds_cycles_per_s", None, false)
        },
    ]
}

/// One hot account actor and its bare floor.
fn actor_entries() -> Vec<Entry> {
    vec![
        Entry {
            workload: |s, _| {
                format!(
                    "{HOT_AGENTS} callers × {} cycles on one account actor",
                    s.cycles_per_caller
                )
            },
            measure: |c| {
                let shape = c.scale.hot_shape();
                let entry = "hot_actor_cycles_per_s";
                actors::hot_account_cycles_per_s(entry, shape.callers, shape.cycles_per_caller)
                    .map(Sample::Measured)
            },
            ..timed(
                "hot_actor_cycles_per_s",
                Some("bare_actor_cycles_per_s"),
                true,
            )
        },
        Entry {
            workload: |s, _| {
                format!(
                    "{HOT_AGENTS} callers × {} cycles on one bare ractor actor",
                    s.cycles_per_caller
                )
            },
            measure: |c| {
                actors::bare_cycles_per_s("bare_actor_cycles_per_s", c.scale.hot_shape())
                    .map(Sample::Measured)
            },
            ..timed("bare_actor_cycles_per_s", None, true)
        },
    ]
}

/// Whole runs: the stress scenario with its bare floor, and the counted run.
fn run_entries() -> Vec<Entry> {
    vec![
        Entry {
            workload: |s, seed| {
                format!(
                    "creditsim run stress --steps {} --seed {seed}, checks on",
                    s.stress_steps
                )
            },
            measure: |c| {
                stress::stress_cycles_per_s("stress_cycles_per_s", c.scale.stress_steps, c.seed)
                    .map(Sample::Measured)
            },
            ..timed(
                "stress_cycles_per_s",
                Some("bare_stress_cycles_per_s"),
                true,
            )
        },
        Entry {
            workload: |s, _| {
                let shape = s.stress_shape();
                format!(
                    "{} bare ractor actors, {} callers × {} cycles",
                    shape.actors(),
                    shape.callers,
                    shape.cycles_per_caller
                )
            },
            measure: |c| {
                actors::bare_cycles_per_s("bare_stress_cycles_per_s", c.scale.stress_shape())
                    .map(Sample::Measured)
            },
            ..timed("bare_stress_cycles_per_s", None, true)
        },
        Entry {
            name: "run_instructions",
            unit: "instructions",
            better: Better::Lower,
            floor: None,
            tolerance_pct: COUNTED_TOLERANCE_PCT,
            quick: true,
            sampling: Sampling::Counted,
            workload: |s, seed| instructions::workload(s.counted_steps, seed),
            measure: |c| {
                let entry = "run_instructions";
                instructions::count(entry, c.program, c.scratch, c.scale.counted_steps, c.seed)
            },
        },
    ]
}

/// The economics engine (all threads, checks on) and the bare `Book` loop beneath it.
fn economics_entries() -> Vec<Entry> {
    vec![
        Entry {
            unit: "steps/s",
            workload: |s, _| {
                format!(
                    "creditsim economics: {} AIBC Pro accounts × 12 months × {} steps, checks on",
                    s.economics_accounts,
                    economics::STEPS_PER_MONTH
                )
            },
            measure: |c| {
                let entry = "economics_steps_per_s";
                economics::engine_steps_per_s(entry, c.scale.economics_accounts)
                    .map(Sample::Measured)
            },
            ..timed(
                "economics_steps_per_s",
                Some("economics_floor_steps_per_s"),
                true,
            )
        },
        Entry {
            unit: "steps/s",
            workload: |s, _| {
                format!(
                    "the same accounts' reserve→commit cycles on Book alone, one thread, {} steps",
                    s.economics_accounts * 12 * economics::STEPS_PER_MONTH
                )
            },
            measure: |c| {
                let entry = "economics_floor_steps_per_s";
                economics::floor_steps_per_s(entry, c.scale.economics_accounts)
                    .map(Sample::Measured)
            },
            ..timed("economics_floor_steps_per_s", None, true)
        },
    ]
}
