//! `creditsim bench`: a named suite measured in-process, each figure beside its floor
//! measured in the same run (a plain map ledger, bare ractor actors of the same shape), with
//! repetitions summed up as a median, a spread and a confidence interval, and a noise-free
//! instruction count for CI to gate on. A report can be saved as a baseline
//! (`results/baselines/NAME.json`, the only results kept in git) and later ones judged
//! against it by the rules of [`crate::report::compare`].
//!
//! # Layout
//!
//! - `suite`: the metrics, one entry each, and the quick and full scales.
//! - `ledger`, `actors`, `stress`, `instructions`: how each kind of sample is taken.
//! - `provenance`: what produced a report.
//! - `report`: the report, baseline files, and the report for people and CI.

mod actors;
pub mod economics;
mod instructions;
mod ledger;
mod provenance;
mod report;
mod stress;
mod suite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::report::Stat;
use crate::report::compare::{Measure, Measures, Pattern};

pub use provenance::Provenance;
pub use report::{
    BaselineError, BenchReport, baseline_path, provenance_line, render_report, save_baseline,
};
pub use suite::Scale;
pub(crate) use suite::entries;
pub(crate) use suite::{Entry, Sampling};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The quick suite (for CI) rather than the full one.
    pub quick: bool,
    /// The seed of the stress run and the counted run.
    pub seed: u64,
    /// Rounds of timed samples instead of the suite's.
    pub rounds: Option<usize>,
    /// Only the metrics matching one of these (with the floors they need); empty for all.
    pub only: Vec<Pattern>,
    /// The creditsim binary whose instructions are counted; without one the count is
    /// missing from the report, and a note says why.
    pub program: Option<PathBuf>,
    /// Print a line per sample on stderr (for a person at a terminal).
    pub progress: bool,
}

/// One sample, or why it could not be taken here.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Sample {
    Measured(f64),
    /// Not measurable on this machine (no valgrind), which is no fault of the code.
    Unavailable(&'static str),
}

/// What a sample needs.
pub struct Context<'a> {
    /// The run sizes of the chosen suite, quick or full, with any `rounds` override.
    pub scale: Scale,
    /// The seed of the stress and counted runs, from `Options::seed`.
    pub seed: u64,
    /// The binary to count.
    pub program: Option<&'a Path>,
    /// A directory for the counted run's files.
    pub scratch: &'a Path,
}

/// Why the suite could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A measurement could not be set up or carried out.
    #[error("{entry}: {message}")]
    Failed {
        /// The name of the metric whose measurement failed.
        entry: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The stress run broke an invariant: the ledger is wrong, and its speed is no figure.
    #[error("{entry}: an invariant was violated: {what}; reproduce with: {reproduce}")]
    Violated {
        /// The name of the metric whose run broke the invariant.
        entry: &'static str,
        /// The first violation.
        what: String,
        /// The command that reproduces the run.
        reproduce: String,
    },
    /// `--only` selected nothing.
    #[error("--only {patterns}: matches no metric of the {suite} suite ({names})")]
    NothingSelected {
        /// The `--only` patterns as given, comma-separated.
        patterns: String,
        /// The suite that was searched, `quick` or `full`.
        suite: &'static str,
        /// The names of the suite's metrics, comma-separated, for the user to pick from.
        names: String,
    },
}

impl BenchError {
    /// A measurement of `entry` failed because of `why`.
    pub fn failed(entry: &'static str, why: impl std::fmt::Display) -> BenchError {
        BenchError::Failed {
            entry,
            message: why.to_string(),
        }
    }
}

/// Runs the suite `options` select and reports every metric.
pub fn run(options: &Options) -> Result<BenchReport, BenchError> {
    let mut scale = if options.quick {
        Scale::QUICK
    } else {
        Scale::FULL
    };
    if let Some(rounds) = options.rounds {
        scale.rounds = rounds;
    }
    let chosen = select(entries(), scale, &options.only)?;
    let scratch = instructions::Scratch::new().map_err(|e| BenchError::failed("bench", e))?;
    let context = Context {
        scale,
        seed: options.seed,
        program: options.program.as_deref(),
        scratch: &scratch.0,
    };
    let provenance = Provenance::here(scale.name, options.seed, scale.rounds, scale.counted_runs);
    let (samples, notes) = take_samples(&chosen, &context, options.progress)?;
    Ok(BenchReport::new(
        provenance,
        measures(&chosen, &samples, &context),
        notes,
    ))
}

/// The entries of `scale`'s suite that `only` selects, with the floors they need.
fn select(all: Vec<Entry>, scale: Scale, only: &[Pattern]) -> Result<Vec<Entry>, BenchError> {
    let in_suite: Vec<Entry> = (all.into_iter())
        .filter(|e| e.quick || scale.name == Scale::FULL.name)
        .collect();
    if only.is_empty() {
        return Ok(in_suite);
    }
    let picked = |e: &Entry| only.iter().any(|p| p.matches(e.name));
    let floors: Vec<&str> = in_suite
        .iter()
        .filter(|e| picked(e))
        .filter_map(|e| e.floor)
        .collect();
    let names: Vec<&str> = in_suite.iter().map(|e| e.name).collect();
    let chosen: Vec<Entry> = (in_suite.into_iter())
        .filter(|e| picked(e) || floors.contains(&e.name))
        .collect();
    if chosen.is_empty() {
        let patterns: Vec<&str> = only.iter().map(|p| p.text.as_str()).collect();
        return Err(BenchError::NothingSelected {
            patterns: patterns.join(","),
            suite: scale.name,
            names: names.join(", "),
        });
    }
    Ok(chosen)
}

/// Every sample of each entry, by the entry's name.
type Samples = BTreeMap<&'static str, Vec<f64>>;

/// Every sample of every entry, by name; and a note per entry that could not be measured.
/// Timed entries are warmed up once, then sampled in rounds (one sample of each per round),
/// so that a metric and its floor share each round's conditions.
fn take_samples(
    chosen: &[Entry],
    context: &Context<'_>,
    progress: bool,
) -> Result<(Samples, Vec<String>), BenchError> {
    let mut samples = Samples::new();
    let mut notes = Vec::new();
    let timed = || chosen.iter().filter(|e| e.sampling == Sampling::Timed);
    let counted = || chosen.iter().filter(|e| e.sampling == Sampling::Counted);
    let mut sample = |entry: &Entry, label: String| -> Result<(), BenchError> {
        if progress {
            eprintln!("bench: {} ({label})", entry.name);
        }
        match (entry.measure)(context)? {
            Sample::Measured(value) => samples.entry(entry.name).or_default().push(value),
            Sample::Unavailable(why) => notes.push(format!("{} not measured: {why}", entry.name)),
        }
        Ok(())
    };
    for entry in timed() {
        (entry.measure)(context)?;
    }
    for round in 1..=context.scale.rounds {
        for entry in timed() {
            sample(entry, format!("round {round} of {}", context.scale.rounds))?;
        }
    }
    for entry in counted() {
        for run in 1..=context.scale.counted_runs {
            sample(
                entry,
                format!("count {run} of {}", context.scale.counted_runs),
            )?;
        }
    }
    notes.dedup();
    Ok((samples, notes))
}

/// The measures of the entries that have samples, each with its ratio to its floor, sample
/// by sample (round `i` of the metric over round `i` of its floor).
fn measures(chosen: &[Entry], samples: &Samples, context: &Context<'_>) -> Measures {
    let ratio = |entry: &Entry, values: &[f64]| {
        let floor = samples.get(entry.floor?)?;
        let ratios: Vec<f64> = values.iter().zip(floor).map(|(v, f)| v / f).collect();
        (ratios.len() == values.len()).then(|| Stat::of(ratios))
    };
    (chosen.iter())
        .filter_map(|entry| {
            let values = samples.get(entry.name)?;
            let measure = Measure {
                unit: entry.unit.to_string(),
                better: entry.better,
                workload: (entry.workload)(&context.scale, context.seed),
                tolerance_pct: Some(entry.tolerance_pct),
                stat: Stat::of(values.clone()),
                floor: entry.floor.map(str::to_string),
                vs_floor: ratio(entry, values),
            };
            Some((entry.name.to_string(), measure))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(entries: &[Entry]) -> Vec<&'static str> {
        entries.iter().map(|e| e.name).collect()
    }

    #[test]
    fn every_floor_is_an_entry_of_every_suite_its_metric_is_in() {
        let all = entries();
        let mut seen = names(&all);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), all.len(), "names are unique");
        for entry in &all {
            if let Some(floor) = entry.floor {
                let floor = all.iter().find(|e| e.name == floor).expect(floor);
                assert!(
                    floor.quick || !entry.quick,
                    "{} needs {}",
                    entry.name,
                    floor.name
                );
                assert_eq!(floor.floor, None, "a floor has no floor");
            }
        }
    }

    #[test]
    fn only_picks_metrics_with_the_floors_they_need() {
        let book = [Pattern::new("book*")];
        assert_eq!(
            names(&select(entries(), Scale::QUICK, &book).unwrap()),
            ["book_cycles_per_s", "map_cycles_per_s"]
        );
        let quick = names(&select(entries(), Scale::QUICK, &[]).unwrap());
        let full = names(&select(entries(), Scale::FULL, &[]).unwrap());
        assert!(!quick.contains(&"map_balance_cycles_per_s"));
        assert!(full.contains(&"map_balance_cycles_per_s") && full.len() == entries().len());
        let err = select(entries(), Scale::QUICK, &[Pattern::new("nope")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("--only nope: matches no metric of the quick suite")
        );
    }

    #[test]
    fn a_metric_is_paired_with_its_floor_round_by_round() {
        let chosen = select(entries(), Scale::QUICK, &[Pattern::new("book*")]).unwrap();
        let samples = Samples::from([
            ("book_cycles_per_s", vec![10.0, 20.0, 30.0]),
            ("map_cycles_per_s", vec![100.0, 40.0, 60.0]),
        ]);
        let dir = std::env::temp_dir();
        let context = Context {
            scale: Scale::QUICK,
            seed: 1,
            program: None,
            scratch: &dir,
        };
        let measures = measures(&chosen, &samples, &context);
        let book = &measures["book_cycles_per_s"];
        assert_eq!(book.stat.median, 20.0);
        assert_eq!(book.vs_floor.as_ref().unwrap().samples, [0.1, 0.5, 0.5]);
        assert_eq!(book.floor.as_deref(), Some("map_cycles_per_s"));
        assert!(measures["map_cycles_per_s"].vs_floor.is_none());
    }

    #[test]
    fn without_a_program_the_count_is_a_note_not_a_failure() {
        let chosen = select(entries(), Scale::QUICK, &[Pattern::new("run_instructions")]).unwrap();
        let dir = std::env::temp_dir();
        let context = Context {
            scale: Scale::QUICK,
            seed: 1,
            program: None,
            scratch: &dir,
        };
        let (samples, notes) = take_samples(&chosen, &context, false).unwrap();
        assert!(samples.is_empty());
        assert_eq!(
            notes,
            ["run_instructions not measured: no creditsim binary to count was given"]
        );
    }
}
