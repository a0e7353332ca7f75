//! Writes a shrunk failure as files a person can run: `trace.csv` with the steps left, and
//! `scenario.toml`, the original scenario file with its step-drawing sections replaced by
//! that trace and its accounts by the ones the trace still uses.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::check::Invariant;
use crate::pricing::BUILTIN_IDS;
use crate::scenario::{AccountSetup, Arrival, ClockMode, Scenario, trace};

use super::ShrinkError;
use super::reduce::Failing;

/// The reproducer's two files, for the confirming run and the printed commands.
pub(super) struct Written {
    pub scenario_file: PathBuf,
    pub trace_file: PathBuf,
}

/// Sections a trace fixes (or that a reproducer must not carry: a dozen steps would breach
/// any throughput threshold), removed from the original file.
const REPLACED: [&str; 9] = [
    "name",
    "seed",
    "trace",
    "workload",
    "duration",
    "generation",
    "faults",
    "thresholds",
    "arrival",
];

/// Writes `failing` into `out` as `scenario.toml` and `trace.csv`; `original` is the
/// scenario file the run was made from, whose vendor, clock, hold and supplied values are
/// kept as written.
pub(super) fn write(
    out: &Path,
    original: &Path,
    failing: &Failing,
    invariant: Invariant,
) -> Result<Written, ShrinkError> {
    let fail = |file: &Path| {
        let file = file.to_path_buf();
        move |source| ShrinkError::Write { file, source }
    };
    std::fs::create_dir_all(out).map_err(fail(out))?;
    let trace_file = out.join("trace.csv");
    let file = File::create(&trace_file).map_err(fail(&trace_file))?;
    trace::write(failing.steps.iter().cloned(), BufWriter::new(file))
        .map_err(|e| fail(&trace_file)(std::io::Error::other(e)))?;
    let scenario_file = out.join("scenario.toml");
    let text = scenario_text(original, failing, invariant)?;
    std::fs::write(&scenario_file, text).map_err(fail(&scenario_file))?;
    Ok(Written {
        scenario_file,
        trace_file,
    })
}

/// The reproducer's scenario file.
fn scenario_text(
    original: &Path,
    failing: &Failing,
    invariant: Invariant,
) -> Result<String, ShrinkError> {
    let unreadable = |why: String| {
        ShrinkError::Refused(format!(
            "{}: the run's scenario file cannot be read again ({why}); run shrink from the \
             folder the run was started in",
            original.display()
        ))
    };
    let text = crate::input::read_text(original).map_err(|e| unreadable(e.to_string()))?;
    let mut table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| unreadable(e.to_string()))?;
    let scenario = &failing.scenario;
    REPLACED.iter().for_each(|key| drop(table.remove(*key)));
    let base: String = scenario.name.chars().take(57).collect();
    table.insert("name".into(), Value::String(format!("{base}-shrunk")));
    if let Ok(seed) = i64::try_from(scenario.seed) {
        table.insert("seed".into(), Value::Integer(seed));
    }
    table.insert("trace".into(), Value::String("trace.csv".into()));
    let open = failing
        .steps
        .first()
        .is_some_and(|s| s.send_at_us.is_some());
    if let (false, Arrival::Closed { think_ms }) = (open, scenario.arrival)
        && think_ms > 0
    {
        let arrival = Table::from_iter([("think_ms".to_string(), integer(think_ms))]);
        table.insert("arrival".into(), Value::Table(arrival));
    }
    anchor_vendor(&mut table, original);
    if failing.compacted {
        let groups = scenario.accounts.iter().map(account_table).collect();
        table.insert("accounts".into(), Value::Array(groups));
    }
    set_clock(&mut table, scenario);
    let header = format!(
        "# Written by `creditsim shrink` from {}: the smallest run it found that still breaks \
         {invariant} ({}).\n# The steps are in trace.csv beside this file.\n\n",
        original.display(),
        invariant.summary()
    );
    let body = toml::to_string(&table).map_err(|e| unreadable(e.to_string()))?;
    Ok(header + &body)
}

/// The clock as the candidates ran it: without the months if they were dropped, and
/// virtual time named, since a trace with send times would otherwise be paced.
fn set_clock(table: &mut Table, scenario: &Scenario) {
    let clock = table
        .entry("clock")
        .or_insert_with(|| Value::Table(Table::new()));
    let Value::Table(clock) = clock else {
        return;
    };
    if scenario.clock.months.is_none() {
        clock.remove("months");
    }
    if scenario.clock.mode == ClockMode::Virtual {
        clock.insert("mode".into(), Value::String("virtual".into()));
    }
}

/// A vendor given as a model file's path is resolved against the original scenario's
/// folder; the reproducer lives elsewhere, so it names the file absolutely.
fn anchor_vendor(table: &mut Table, original: &Path) {
    let Some(Value::String(vendor)) = table.get("vendor") else {
        return;
    };
    if BUILTIN_IDS.contains(&vendor.as_str()) {
        return;
    }
    let file = crate::scenario::relative_to(original, vendor);
    if let Ok(absolute) = std::fs::canonicalize(file) {
        let path = absolute.to_string_lossy().into_owned();
        table.insert("vendor".into(), Value::String(path));
    }
}

/// One account as an `[[accounts]]` group of one, defaults left out.
fn account_table(account: &AccountSetup) -> Value {
    let mut group = Table::new();
    group.insert("persona".into(), Value::String(account.persona.clone()));
    if let Some(plan) = &account.plan {
        group.insert("plan".into(), Value::String(plan.clone()));
    }
    if account.seats != 1 {
        group.insert("seats".into(), integer(u64::from(account.seats)));
    }
    if !account.packs.is_empty() {
        let packs = account.packs.iter().cloned().map(Value::String).collect();
        group.insert("packs".into(), Value::Array(packs));
    }
    if account.addon_units > 0 {
        group.insert(
            "addon_units".into(),
            integer(u64::from(account.addon_units)),
        );
    }
    if account.agents != 1 {
        group.insert("agents".into(), integer(u64::from(account.agents)));
    }
    Value::Table(group)
}

/// A TOML integer; values come from a validated scenario, whose limits keep them in range.
fn integer(value: u64) -> Value {
    Value::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}
