//! Personas and their usage lines, intents, and how one vendor serves a usage line.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::file::{ParamValue, RawCostDraw, RawCount, RawIntent, RawPersona, RawUsage};
use super::values::{count_or, id, probability_or};
use super::*;
use crate::pricing::BUILTIN_IDS;
use crate::scenario::SourceText;
use crate::scenario::trace::encode_params;

/// A usage line before it meets a vendor: what it wants, and how a variable cost is drawn.
pub(super) struct UsageDraft {
    want: Want,
    cost: Option<(CostDraw, Range<usize>)>,
}

enum Want {
    Action {
        action: String,
        params: Params,
        span: Range<usize>,
    },
    Intent {
        id: String,
        span: Range<usize>,
    },
}

/// An intent with its per-vendor actions.
pub(super) struct IntentDef {
    id: String,
    vendors: BTreeMap<String, IntentAction>,
    span: Range<usize>,
}

struct IntentAction {
    action: String,
    params: Params,
    span: Range<usize>,
}

pub(super) fn intents(
    src: SourceText<'_>,
    raw: Option<&[Spanned<RawIntent>]>,
) -> Result<Vec<IntentDef>, ScenarioError> {
    let mut intents: Vec<IntentDef> = Vec::new();
    for entry in raw.unwrap_or_default() {
        let raw = entry.get_ref();
        let intent_id = id(src, &raw.id, "intents.id")?;
        if intents.iter().any(|i| i.id == intent_id) {
            let message = format!("expected a unique intent id, got \"{intent_id}\" twice");
            return Err(src.error(raw.id.span(), "intents.id", message));
        }
        let mut vendors = BTreeMap::new();
        for (vendor, action) in raw.vendors.iter().flatten() {
            let a = action.get_ref();
            let entry = IntentAction {
                action: a.action.get_ref().clone(),
                params: params(src, a.params.as_ref())?,
                span: a.action.span(),
            };
            vendors.insert(vendor.clone(), entry);
        }
        intents.push(IntentDef {
            id: intent_id,
            vendors,
            span: entry.span(),
        });
    }
    Ok(intents)
}

/// Refuses an intent mapping for a vendor that is neither built in nor in use: a typo
/// there would silently make the vendor "unable to serve" the intent.
pub(super) fn check_intent_vendors(
    src: SourceText<'_>,
    intents: &[IntentDef],
    in_use: &[String],
) -> Result<(), ScenarioError> {
    for intent in intents {
        for vendor in intent.vendors.keys() {
            if !BUILTIN_IDS.contains(&vendor.as_str()) && !in_use.contains(vendor) {
                let message = format!(
                    "expected a built-in vendor ({}) or the id of a model the scenario uses, got \
                     \"{vendor}\"",
                    BUILTIN_IDS.join(", ")
                );
                return Err(src.error(intent.span.clone(), "intents.vendors", message));
            }
        }
    }
    Ok(())
}

pub(super) fn persona(
    src: SourceText<'_>,
    group: &Spanned<RawPersona>,
    intents: &[IntentDef],
) -> Result<(Persona, Vec<UsageDraft>), ScenarioError> {
    let raw = group.get_ref();
    let persona_id = id(src, &raw.id, "id")?;
    let accounts = count_or(src, raw.accounts.as_ref(), "accounts", 1, 1)?;
    let seats = count_or(src, raw.seats.as_ref(), "seats", 1, 1)?;
    let lines = raw.usage.as_deref().unwrap_or_default();
    if lines.is_empty() {
        let message =
            format!("expected at least one [[personas.usage]] line for persona \"{persona_id}\"");
        return Err(src.error(group.span(), "usage", message));
    }
    let mut usage = Vec::new();
    let mut drafts = Vec::new();
    for line in lines {
        let (u, draft) = usage_line(src, line, intents)?;
        usage.push(u);
        drafts.push(draft);
    }
    let persona = Persona {
        id: persona_id,
        accounts,
        seats,
        usage,
    };
    Ok((persona, drafts))
}

fn usage_line(
    src: SourceText<'_>,
    line: &Spanned<RawUsage>,
    intents: &[IntentDef],
) -> Result<(Usage, UsageDraft), ScenarioError> {
    let raw = line.get_ref();
    let want = match (&raw.action, &raw.intent) {
        (Some(action), None) => Want::Action {
            action: action.get_ref().clone(),
            params: params(src, raw.params.as_ref())?,
            span: action.span(),
        },
        (None, Some(intent)) => {
            if let Some(p) = &raw.params {
                let message = "expected no params with `intent`: the intent gives each vendor's";
                return Err(src.error(p.span(), "params", message));
            }
            if !intents.iter().any(|i| i.id == *intent.get_ref()) {
                let known: Vec<&str> = intents.iter().map(|i| i.id.as_str()).collect();
                let message = format!(
                    "expected one of the [[intents]] ({}), got \"{}\"",
                    if known.is_empty() {
                        "none defined".to_string()
                    } else {
                        known.join(", ")
                    },
                    intent.get_ref()
                );
                return Err(src.error(intent.span(), "intent", message));
            }
            Want::Intent {
                id: intent.get_ref().clone(),
                span: intent.span(),
            }
        }
        _ => {
            let message = "expected exactly one of `action` and `intent`";
            return Err(src.error(line.span(), "usage", message));
        }
    };
    let (label, intent) = match &want {
        Want::Action { action, params, .. } => (action_label(action, params), None),
        Want::Intent { id, .. } => (format!("intent {id}"), Some(id.clone())),
    };
    let usage = Usage {
        label,
        intent,
        per_month: per_month(src, &raw.per_month)?,
        failure_rate: probability_or(src, raw.failure_rate.as_ref(), "failure_rate", 0.0)?,
    };
    let cost = match &raw.cost {
        Some(cost) => Some((cost_draw(src, cost)?, cost.span())),
        None => None,
    };
    Ok((usage, UsageDraft { want, cost }))
}

fn per_month(src: SourceText<'_>, raw: &Spanned<RawCount>) -> Result<PerMonth, ScenarioError> {
    let max = MAX_PER_MONTH;
    match raw.get_ref() {
        RawCount::Exact(n) if (0..=max as i64).contains(n) => Ok(PerMonth::Exact(*n as u32)),
        RawCount::Mean { mean } if mean.is_finite() && (0.0..=max as f64).contains(mean) => {
            Ok(PerMonth::Mean(*mean))
        }
        RawCount::Exact(n) => Err(src.error(
            raw.span(),
            "per_month",
            format!("expected a whole number of steps from 0 to {max}, got {n}"),
        )),
        RawCount::Mean { mean } => Err(src.error(
            raw.span(),
            "per_month",
            format!("expected a mean from 0 to {max}, got {mean}"),
        )),
    }
}

fn cost_draw(src: SourceText<'_>, raw: &Spanned<RawCostDraw>) -> Result<CostDraw, ScenarioError> {
    match raw.get_ref() {
        RawCostDraw::Named(name) if name == "uniform" => Ok(CostDraw::Uniform),
        RawCostDraw::Mean { mean } if mean.is_finite() => Ok(CostDraw::Mean(*mean)),
        RawCostDraw::Named(name) => Err(src.error(
            raw.span(),
            "cost",
            format!("expected \"uniform\" or {{ mean = X }}, got \"{name}\""),
        )),
        RawCostDraw::Mean { mean } => Err(src.error(
            raw.span(),
            "cost",
            format!("expected a finite mean, got {mean}"),
        )),
    }
}

fn params(
    src: SourceText<'_>,
    raw: Option<&Spanned<BTreeMap<String, Spanned<ParamValue>>>>,
) -> Result<Params, ScenarioError> {
    let mut params = Params::new();
    for (key, value) in raw.iter().flat_map(|r| r.get_ref()) {
        let text = &value.get_ref().0;
        if key.contains(['=', ';']) || text.contains(';') {
            let message = format!("expected a name and value without '=' or ';', got {key}={text}");
            return Err(src.error(value.span(), "params", message));
        }
        params.insert(key.clone(), text.clone());
    }
    Ok(params)
}

/// How `model`'s vendor serves `draft`: its action priced, or unserved when it is an intent
/// the vendor has no entry for.
pub(super) fn line(
    src: SourceText<'_>,
    draft: &UsageDraft,
    model: &Model,
    intents: &[IntentDef],
) -> Result<Line, ScenarioError> {
    let (action, params, span, field) = match &draft.want {
        Want::Action {
            action,
            params,
            span,
        } => (action, params, span, "action"),
        Want::Intent { id, span } => {
            let intent = intents
                .iter()
                .find(|i| i.id == *id)
                .expect("checked on parsing");
            match intent.vendors.get(model.id()) {
                Some(a) => (&a.action, &a.params, &a.span, "intents.vendors"),
                None if intent.vendors.is_empty() => {
                    let message = format!("intent \"{id}\" maps no vendor to an action");
                    return Err(src.error(span.clone(), "intent", message));
                }
                None => return Ok(Line::Unserved),
            }
        }
    };
    let quote = model.quote(action, params).map_err(|why| {
        let message = format!(
            "vendor {} cannot price \"{}\": {why}",
            model.id(),
            action_label(action, params)
        );
        src.error(span.clone(), field, message)
    })?;
    let draw = match (&draft.cost, quote.credits.is_fixed()) {
        // A fixed cost is itself whatever the draw; a draw is for variable costs.
        (Some((draw, span)), false) => Some((*draw, span)),
        _ => None,
    };
    let sampler = match draw {
        Some((draw, span)) => CostSampler::new(quote.credits, draw).map_err(|why| {
            let message = format!(
                "vendor {} prices \"{action}\" at {}: {why}",
                model.id(),
                quote.credits
            );
            src.error(span.clone(), "cost", message)
        })?,
        None => CostSampler::new(quote.credits, CostDraw::Uniform).expect("uniform fits any range"),
    };
    Ok(Line::Served(Served {
        action: action.as_str().into(),
        params: encode_params(params).into(),
        pool: quote.pool.as_str().into(),
        cost: quote.credits,
        sampler,
    }))
}
