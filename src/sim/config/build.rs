//! From the file as written to a validated [`EconomicsConfig`]: the top-level values, the
//! vendors with their supplied prices, and the cells (persona × offer). Every error points
//! at the offending field.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::file::RawEconomics;
use super::purchase::{self, CheckedOffer};
use super::usage::{self, IntentDef, UsageDraft};
use super::values::{bounded, id};
use super::vendors::Vendors;
use super::*;
use crate::accounts::account_spec;
use crate::scenario::SourceText;

pub(super) fn build(
    text: &str,
    path: &Path,
    overrides: EconomicsOverrides,
) -> Result<EconomicsConfig, ScenarioError> {
    let src = SourceText { path, text };
    let raw: RawEconomics = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
    let name = match &raw.name {
        Some(name) => id(src, name, "name")?,
        None => file_stem(path),
    };
    let months = match &raw.months {
        Some(v) => bounded(src, v, "months", 1, u64::from(MAX_MONTHS))? as u32,
        None => DEFAULT_MONTHS,
    };
    let seed = match (overrides.seed, &raw.seed) {
        (Some(seed), _) => seed,
        (None, Some(v)) => bounded(src, v, "seed", 0, i64::MAX as u64)?,
        (None, None) => DEFAULT_SEED,
    };
    let start_ms = start(src, raw.start.as_ref())?;
    let mut vendors = Vendors::new(src, raw.prices.as_ref());
    let top = vendors.resolve(&raw.vendor)?;
    let intents = usage::intents(src, raw.intents.as_deref())?;
    let mut personas = personas(src, &raw, &intents)?;
    if let Some(cap) = overrides.max_accounts {
        personas
            .iter_mut()
            .for_each(|(p, _)| p.accounts = p.accounts.min(cap.max(1)));
    }
    let offers = purchase::offers(src, &raw, &mut vendors, &top, start_ms)?;
    vendors.check_all_used()?;
    usage::check_intent_vendors(src, &intents, &vendors.ids())?;
    let cells = cells(
        src,
        &personas,
        &offers,
        &intents,
        start_ms,
        raw.offers.is_some(),
    )?;
    check_runs(src, &raw, &personas, &cells)?;
    let out_dir = match overrides.out {
        EconomicsOut::Default => Some(PathBuf::from(format!("results/{name}-{seed}"))),
        EconomicsOut::At(dir) => Some(dir),
        EconomicsOut::Discard => None,
    };
    Ok(EconomicsConfig {
        name,
        path: path.to_path_buf(),
        vendor: top.id().to_string(),
        currency: top.currency().map(str::to_string),
        months,
        seed,
        start_ms,
        personas: personas.into_iter().map(|(p, _)| p).collect(),
        offers: offers.into_iter().map(|o| o.offer).collect(),
        compares_offers: raw.offers.is_some(),
        cells,
        threads: overrides.threads.unwrap_or(0),
        flaw: overrides.flaw,
        max_accounts: overrides.max_accounts,
        out_dir,
    })
}

/// `start = "YYYY-MM-DD"`, midnight UTC.
fn start(src: SourceText<'_>, raw: Option<&Spanned<String>>) -> Result<TimeMs, ScenarioError> {
    let text = raw.map_or(DEFAULT_START, |v| v.get_ref().as_str());
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    let ms = date
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .and_then(|ms| TimeMs::try_from(ms).ok());
    ms.ok_or_else(|| {
        let message =
            format!("expected a date from 1970-01-01 on as \"YYYY-MM-DD\", got \"{text}\"");
        let span = raw.map_or(0..0, |v| v.span());
        src.error(span, "start", message)
    })
}

/// The personas with their usage drafts, which meet each offer's vendor in `cells`.
fn personas(
    src: SourceText<'_>,
    raw: &RawEconomics,
    intents: &[IntentDef],
) -> Result<Vec<(Persona, Vec<UsageDraft>)>, ScenarioError> {
    let groups = raw.personas.as_deref().unwrap_or_default();
    if groups.is_empty() {
        return Err(src.error_at_start(
            "expected at least one [[personas]] group, with an id and a [[personas.usage]] line",
        ));
    }
    let mut personas: Vec<(Persona, Vec<UsageDraft>)> = Vec::new();
    for group in groups {
        let persona = usage::persona(src, group, intents)?;
        if personas.iter().any(|(p, _)| p.id == persona.0.id) {
            let message = format!(
                "expected a unique persona id, got \"{}\" twice",
                persona.0.id
            );
            return Err(src.error(group.get_ref().id.span(), "id", message));
        }
        personas.push(persona);
    }
    Ok(personas)
}

/// Each persona under each offer: without `[[offers]]`, persona `i` under its own offer `i`.
fn cells(
    src: SourceText<'_>,
    personas: &[(Persona, Vec<UsageDraft>)],
    offers: &[CheckedOffer],
    intents: &[IntentDef],
    start_ms: TimeMs,
    compares: bool,
) -> Result<Vec<Cell>, ScenarioError> {
    let mut cells = Vec::new();
    for (p, (persona, drafts)) in personas.iter().enumerate() {
        let offer_ids: Vec<usize> = match compares {
            true => (0..offers.len()).collect(),
            false => vec![p],
        };
        for o in offer_ids {
            let checked = &offers[o];
            let offer = &checked.offer;
            let model = &offer.model;
            let plan = offer.plan.as_deref();
            let spec = account_spec(model, plan, persona.seats, offer.addon_units, start_ms)
                .map_err(|why| {
                    let message = format!(
                        "persona \"{}\" ({} seats) cannot take offer \"{}\": {why}",
                        persona.id, persona.seats, offer.id
                    );
                    src.error(checked.plan_span.clone(), "plan", message)
                })?;
            let lines = drafts
                .iter()
                .map(|draft| usage::line(src, draft, model, intents))
                .collect::<Result<_, _>>()?;
            cells.push(Cell {
                persona: p,
                offer: o,
                spec,
                lines,
            });
        }
    }
    Ok(cells)
}

/// Refuses a scenario whose account-runs exceed [`MAX_ACCOUNT_RUNS`].
fn check_runs(
    src: SourceText<'_>,
    raw: &RawEconomics,
    personas: &[(Persona, Vec<UsageDraft>)],
    cells: &[Cell],
) -> Result<(), ScenarioError> {
    let runs: u64 = (cells.iter())
        .map(|c| u64::from(personas[c.persona].0.accounts))
        .sum();
    if runs <= MAX_ACCOUNT_RUNS {
        return Ok(());
    }
    let message = format!(
        "expected at most {MAX_ACCOUNT_RUNS} accounts in all (accounts × offers), got {runs}"
    );
    let span = (raw.personas.iter().flatten().next()).map_or(0..0, |p| p.span());
    Err(src.error(span, "accounts", message))
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "economics".to_string())
}
