//! From the file as written (`file`) to a validated [`Scenario`]: ranges, cross-field rules
//! and the vendor's ids. Every error points at the offending field.
//!
//! - `accounts`: the `[[accounts]]` groups.
//! - `steps`: where steps come from, how they arrive, how long a run and a generation last,
//!   and the faults.
//! - `clock`: virtual or paced time, months, and the thresholds.
//! - `values`: the number checks every section shares.

mod accounts;
mod clock;
mod steps;
mod values;

use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::pricing::{BUILTIN_IDS, Model};

use super::catalog::Catalog;
use super::error::{ScenarioError, SourceText};
use super::file::*;
use super::population::AccountSetup;
use super::setup::*;
use super::trace::priced_message;
use accounts::accounts;
use steps::{drawn_steps, params, traced_steps};
use values::*;

pub(crate) use accounts::DEFAULT_ACCOUNTS;

/// Hold ttl when a scenario has no `[hold]`, virtual ms.
pub(crate) const DEFAULT_TTL_MS: u64 = 60_000;
/// The seed when neither the file nor `--seed` gives one.
pub(crate) const DEFAULT_SEED: u64 = 1;

/// Validates `raw` (parsed from `src`) into a scenario. `catalog` replaces the vendor model as
/// the judge of action, plan and pack ids (tests use this).
pub(crate) fn build(
    src: SourceText<'_>,
    raw: RawScenario,
    seed_override: Option<u64>,
    catalog: Option<&dyn Catalog>,
) -> Result<Scenario, ScenarioError> {
    let vendor = resolve_vendor(src, &raw.vendor)?;
    let vendor = match &raw.supplied {
        Some(supplied) => vendor
            .with_supplied(supplied.get_ref())
            .map_err(|err| src.error(supplied.span(), "supplied", err.to_string()))?,
        None => vendor,
    };
    let catalog = catalog.unwrap_or(&vendor);
    let name = scenario_name(src, raw.name.as_ref())?;
    let seed = match (seed_override, &raw.seed) {
        (Some(seed), _) => seed,
        (None, Some(seed)) => non_negative(src, seed, "seed")?,
        (None, None) => DEFAULT_SEED,
    };
    let (accounts, agents) = accounts(src, raw.accounts.as_deref())?;
    let ttl_ms = match raw.hold.as_ref().and_then(|h| h.ttl_ms.as_ref()) {
        Some(ttl) => positive(src, ttl, "ttl_ms")?,
        None => DEFAULT_TTL_MS,
    };
    let thresholds = clock::thresholds(src, raw.thresholds.as_ref())?;
    let steps = match (&raw.trace, &raw.workload) {
        (Some(trace), Some(_)) => {
            let message = "expected either `trace` or [[workload]], not both";
            return Err(src.error(trace.span(), "trace", message));
        }
        (None, None) => {
            return Err(src.error_at_start(
                "expected a [[workload]] table or `trace = \"steps.csv\"` to say what the \
                 agents do",
            ));
        }
        (None, Some(entries)) => drawn_steps(src, &raw, entries, &vendor)?,
        (Some(path), None) => traced_steps(src, &raw, path, &agents, catalog)?,
    };
    let clock = clock::clock(src, raw.clock.as_ref(), &steps)?;
    let scenario = Scenario {
        name,
        path: src.path.to_path_buf(),
        vendor: vendor.clone(),
        seed,
        accounts,
        agents,
        arrival: steps.arrival,
        duration: steps.duration,
        generation: steps.generation,
        ttl_ms,
        clock,
        thresholds,
        faults: steps.faults,
        source: steps.source,
    };
    check_ids(src, &raw, &scenario, catalog)?;
    Ok(scenario)
}

/// The scenario's name, which names its results folder: `name`, else the file's stem.
fn scenario_name(
    src: SourceText<'_>,
    name: Option<&toml::Spanned<String>>,
) -> Result<String, ScenarioError> {
    let name = match name {
        Some(name) if !is_folder_name(name.get_ref()) => {
            let message = format!("{NAME_RULE}, got \"{}\"", name.get_ref());
            return Err(src.error(name.span(), "name", message));
        }
        Some(name) => name.get_ref().clone(),
        None => file_stem(src.path),
    };
    if !is_folder_name(&name) {
        let message = format!(
            "the file's name \"{name}\" cannot name a results folder; set `name` ({NAME_RULE})"
        );
        return Err(src.error_at_start(message));
    }
    Ok(name)
}

/// Asks the vendor (`catalog`) about every plan, pack and action the file names, after the
/// structural checks so that a typo in a number is reported before a missing price.
fn check_ids(
    src: SourceText<'_>,
    raw: &RawScenario,
    scenario: &Scenario,
    catalog: &dyn Catalog,
) -> Result<(), ScenarioError> {
    match &raw.accounts {
        None => catalog.check_account(None, 1, 0).map_err(|why| {
            src.error_at_start(format!(
                "the default accounts ({DEFAULT_ACCOUNTS}, no plan, no packs) do not suit this \
                 vendor: {why}; add an [[accounts]] group with a plan or packs"
            ))
        })?,
        Some(groups) => {
            let mut first_account = 0;
            for group in groups {
                check_group(src, group, &scenario.accounts[first_account], catalog)?;
                let count = opt(group.get_ref().count.as_ref(), 1, |v| {
                    positive(src, v, "count")
                })?;
                first_account += count as usize;
            }
        }
    }
    for entry in raw.workload.iter().flatten() {
        let raw = entry.get_ref();
        let action = raw.action.get_ref();
        let params = params(src, raw.params.as_ref())?;
        catalog.check_action(action, &params).map_err(|why| {
            let message = priced_message(action, &params, &why);
            src.error(raw.action.span(), "action", message)
        })?;
    }
    Ok(())
}

/// The ids of one `[[accounts]]` group, whose first account is `account`.
fn check_group(
    src: SourceText<'_>,
    group: &Spanned<RawAccounts>,
    account: &AccountSetup,
    catalog: &dyn Catalog,
) -> Result<(), ScenarioError> {
    let raw = group.get_ref();
    let plan = account.plan.as_deref();
    let plan_span = raw.plan.as_ref().map_or(group.span(), |p| p.span());
    catalog
        .check_account(plan, account.seats, account.addon_units)
        .map_err(|why| {
            let shown = plan.unwrap_or("(none)");
            let message = format!("the vendor rejects plan \"{shown}\": {why}");
            src.error(plan_span, "plan", message)
        })?;
    for pack in raw.packs.iter().flatten() {
        catalog.check_pack(pack.get_ref(), plan).map_err(|why| {
            let message = format!("the vendor has no pack \"{}\": {why}", pack.get_ref());
            src.error(pack.span(), "packs", message)
        })?;
    }
    Ok(())
}

fn resolve_vendor(src: SourceText<'_>, spec: &Spanned<String>) -> Result<Model, ScenarioError> {
    let text = spec.get_ref();
    let resolved = if BUILTIN_IDS.contains(&text.as_str()) {
        text.clone()
    } else {
        relative_to(src.path, text).to_string_lossy().into_owned()
    };
    Model::resolve(&resolved).map_err(|err| {
        let message = format!(
            "expected a built-in vendor ({}) or the path of a model file, got \"{text}\": {err}",
            BUILTIN_IDS.join(", ")
        );
        src.error(spec.span(), "vendor", message)
    })
}

/// `path` as written in the scenario, resolved against the scenario's directory.
pub(crate) fn relative_to(scenario: &Path, path: &str) -> PathBuf {
    scenario.parent().unwrap_or(Path::new("")).join(path)
}

/// What a scenario's name may be: it names its results folder, `results/<name>-<seed>/`, so
/// it must stay inside `results/` and be a plain word on every file system.
const NAME_RULE: &str = "expected 1 to 64 letters, digits, '-', '_' or '.', not starting with \
                         '.' or '-'";

fn is_folder_name(name: &str) -> bool {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let first_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
    first_ok && name.len() <= 64 && name.chars().all(plain)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".to_string())
}
