//! What accounts buy: a plan, packs at the start, add-on units and a top-up policy, on a
//! persona or on an offer, checked against the vendor model.

use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;

use super::file::{RawEconomics, RawPersona, RawPurchase, RawTopup};
use super::values::{bounded, count_or, id};
use super::vendors::Vendors;
use super::*;
use crate::accounts::{Purchase, pack_grant};
use crate::scenario::SourceText;

/// An offer, with where its plan was written, for errors found when a persona meets it.
pub(super) struct CheckedOffer {
    pub offer: Offer,
    pub plan_span: Range<usize>,
}

/// The listed `[[offers]]`, or one offer per persona from its own purchase fields.
pub(super) fn offers(
    src: SourceText<'_>,
    raw: &RawEconomics,
    vendors: &mut Vendors<'_>,
    top: &Arc<Model>,
    start_ms: TimeMs,
) -> Result<Vec<CheckedOffer>, ScenarioError> {
    let groups = raw.personas.iter().flatten();
    let Some(listed) = &raw.offers else {
        let own = |group: &Spanned<RawPersona>| {
            let purchase = group.get_ref().purchase();
            let name = own_offer_id(purchase);
            offer(src, name, top.clone(), purchase, group.span(), start_ms)
        };
        return groups.map(own).collect();
    };
    for group in groups {
        refuse_purchase_on_persona(src, group.get_ref().purchase())?;
    }
    if listed.is_empty() {
        return Err(src.error_at_start("expected at least one [[offers]] entry, or none at all"));
    }
    let mut offers: Vec<CheckedOffer> = Vec::new();
    for entry in listed {
        let raw = entry.get_ref();
        let model = match &raw.vendor {
            Some(spec) => vendors.resolve(spec)?,
            None => top.clone(),
        };
        let name = match &raw.id {
            Some(v) => id(src, v, "id")?,
            None => format!("{}:{}", model.id(), own_offer_id(raw.purchase())),
        };
        if offers.iter().any(|o| o.offer.id == name) {
            let message = format!("expected a unique offer id, got \"{name}\" twice; give `id`");
            let span = raw.id.as_ref().map_or(entry.span(), |v| v.span());
            return Err(src.error(span, "id", message));
        }
        offers.push(offer(
            src,
            name,
            model,
            raw.purchase(),
            entry.span(),
            start_ms,
        )?);
    }
    Ok(offers)
}

/// `pro`, or the packs joined by `+`, or `packs`: an offer's default name.
fn own_offer_id(raw: RawPurchase<'_>) -> String {
    if let Some(plan) = raw.plan {
        return plan.get_ref().clone();
    }
    let packs: Vec<&str> = (raw.packs.iter())
        .flat_map(|p| p.get_ref().iter().map(|p| p.get_ref().as_str()))
        .collect();
    match packs.is_empty() {
        true => "packs".to_string(),
        false => packs.join("+"),
    }
}

/// With `[[offers]]`, what accounts buy is the offers' business, not the personas'.
fn refuse_purchase_on_persona(
    src: SourceText<'_>,
    raw: RawPurchase<'_>,
) -> Result<(), ScenarioError> {
    let spans = [
        ("plan", raw.plan.map(Spanned::span)),
        ("packs", raw.packs.map(Spanned::span)),
        ("addon_units", raw.addon_units.map(Spanned::span)),
        ("topup", raw.topup.map(Spanned::span)),
    ];
    for (field, span) in spans {
        if let Some(span) = span {
            let message = "expected no purchase on a persona when the scenario lists \
                           [[offers]]: every persona is simulated under every offer, so set \
                           it on the offers";
            return Err(src.error(span, field, message));
        }
    }
    Ok(())
}

fn offer(
    src: SourceText<'_>,
    name: String,
    model: Arc<Model>,
    raw: RawPurchase<'_>,
    span: Range<usize>,
    start_ms: TimeMs,
) -> Result<CheckedOffer, ScenarioError> {
    let plan = raw.plan.map(|p| p.get_ref().clone());
    if let (Some(spanned), Some(id)) = (raw.plan, &plan) {
        model
            .plan(id)
            .map_err(|why| src.error(spanned.span(), "plan", why.to_string()))?;
    }
    let addon_units = count_or(src, raw.addon_units, "addon_units", 0, 0)?;
    let mut packs = Vec::new();
    for pack in raw.packs.iter().flat_map(|p| p.get_ref()) {
        check_pack(src, &model, pack, plan.as_deref(), start_ms, "packs")?;
        packs.push(pack.get_ref().clone());
    }
    let topup = match raw.topup {
        Some(topup) => Some(self::topup(src, &model, topup, plan.as_deref(), start_ms)?),
        None => None,
    };
    let plan_span = raw.plan.map_or(span, Spanned::span);
    Ok(CheckedOffer {
        offer: Offer {
            id: name,
            model,
            plan,
            packs,
            addon_units,
            topup,
        },
        plan_span,
    })
}

/// Whether `pack` can be bought on `plan` (pack-only when `None`).
fn check_pack(
    src: SourceText<'_>,
    model: &Model,
    pack: &Spanned<String>,
    plan: Option<&str>,
    start_ms: TimeMs,
    field: &str,
) -> Result<(), ScenarioError> {
    let purchase = Purchase {
        plan,
        anchor_ms: start_ms,
        at_ms: start_ms,
    };
    let checked = pack_grant(model, pack.get_ref(), purchase, "validation".to_string());
    checked.map(drop).map_err(|why| {
        let message = format!("cannot buy pack \"{}\": {why}", pack.get_ref());
        src.error(pack.span(), field, message)
    })
}

fn topup(
    src: SourceText<'_>,
    model: &Model,
    spanned: &Spanned<RawTopup>,
    plan: Option<&str>,
    start_ms: TimeMs,
) -> Result<Topup, ScenarioError> {
    let raw = spanned.get_ref();
    check_pack(src, model, &raw.pack, plan, start_ms, "topup.pack")?;
    let pack = model.pack(raw.pack.get_ref()).expect("checked above");
    if pack.recurring {
        let message = format!(
            "expected a one-time pack, got the recurring add-on unit \"{}\": set addon_units \
             instead",
            pack.id
        );
        return Err(src.error(raw.pack.span(), "topup.pack", message));
    }
    let trigger = match (&raw.below, &raw.when) {
        (Some(below), None) => {
            Trigger::Below(bounded(src, below, "topup.below", 1, u64::MAX >> 1)?)
        }
        (None, Some(when)) if when.get_ref() == "blocked" => Trigger::Blocked,
        (None, Some(when)) => {
            let message = format!("expected \"blocked\", got \"{}\"", when.get_ref());
            return Err(src.error(when.span(), "topup.when", message));
        }
        _ => {
            let message = "expected exactly one of `below = N` (credits) and `when = \"blocked\"`";
            return Err(src.error(spanned.span(), "topup", message));
        }
    };
    let max_per_month = match &raw.max_per_month {
        Some(v) => Some(count_or(src, Some(v), "topup.max_per_month", 1, 0)?),
        None => None,
    };
    Ok(Topup {
        pack: pack.id.clone(),
        pool: pack.pool.as_str().into(),
        trigger,
        max_per_month,
    })
}
