//! The vendor models an economics scenario names, each loaded once with the scenario's
//! `[prices.<vendor>]` filled in: shared by the offers and the personas' purchases.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use toml::Spanned;

use super::file::RawPrices;
use crate::pricing::{BUILTIN_IDS, Model, Price, Supplied, Validity};
use crate::scenario::{ScenarioError, SourceText};

/// The vendor models a scenario names, each loaded once, with its supplied prices.
pub(super) struct Vendors<'a> {
    src: SourceText<'a>,
    prices: Option<&'a Spanned<BTreeMap<String, Spanned<RawPrices>>>>,
    /// By spec as written.
    models: Vec<(String, Arc<Model>)>,
}

impl<'a> Vendors<'a> {
    pub(super) fn new(
        src: SourceText<'a>,
        prices: Option<&'a Spanned<BTreeMap<String, Spanned<RawPrices>>>>,
    ) -> Self {
        Vendors {
            src,
            prices,
            models: Vec::new(),
        }
    }

    /// The model `spec` names (a built-in id, or a path relative to the scenario), with the
    /// scenario's `[prices.<id>]` filled in.
    pub(super) fn resolve(&mut self, spec: &Spanned<String>) -> Result<Arc<Model>, ScenarioError> {
        let text = spec.get_ref();
        if let Some((_, model)) = self.models.iter().find(|(s, _)| s == text) {
            return Ok(model.clone());
        }
        let resolved = match BUILTIN_IDS.contains(&text.as_str()) {
            true => text.clone(),
            false => (self.src.path.parent().unwrap_or(Path::new("")).join(text))
                .to_string_lossy()
                .into_owned(),
        };
        let model = Model::resolve(&resolved).map_err(|err| {
            let message = format!(
                "expected a built-in vendor ({}) or the path of a model file, got \"{text}\": {err}",
                BUILTIN_IDS.join(", ")
            );
            self.src.error(spec.span(), "vendor", message)
        })?;
        let model = Arc::new(self.priced(model)?);
        self.models.push((text.clone(), model.clone()));
        Ok(model)
    }

    fn priced(&self, model: Model) -> Result<Model, ScenarioError> {
        let Some(raw) = self.prices.and_then(|p| p.get_ref().get(model.id())) else {
            return Ok(model);
        };
        let supplied = supplied(self.src, model.id(), raw.get_ref())?;
        model.with_supplied(&supplied).map_err(|why| {
            let field = format!("prices.{}", model.id());
            self.src.error(raw.span(), &field, why.to_string())
        })
    }

    /// The ids of the models in use.
    pub(super) fn ids(&self) -> Vec<String> {
        self.models
            .iter()
            .map(|(_, m)| m.id().to_string())
            .collect()
    }

    /// Refuses `[prices.X]` for a vendor no offer uses: likely a typo, and silently ignored
    /// prices would mislead.
    pub(super) fn check_all_used(&self) -> Result<(), ScenarioError> {
        let Some(prices) = self.prices else {
            return Ok(());
        };
        let ids = self.ids();
        for (vendor, raw) in prices.get_ref() {
            if !ids.contains(vendor) {
                let message = format!(
                    "expected the id of a vendor the scenario uses ({}), got \"{vendor}\"",
                    ids.join(", ")
                );
                return Err(self.src.error(raw.span(), "prices", message));
            }
        }
        Ok(())
    }
}

/// `[prices.<vendor>]` as the pricing model takes it.
fn supplied(src: SourceText<'_>, vendor: &str, raw: &RawPrices) -> Result<Supplied, ScenarioError> {
    let price = |kind: &str, id: &str, v: &Spanned<String>| {
        Price::try_from(v.get_ref().clone())
            .map_err(|why| src.error(v.span(), &format!("prices.{vendor}.{kind}.{id}"), why))
    };
    let mut supplied = Supplied {
        currency: raw.currency.as_ref().map(|c| c.get_ref().clone()),
        ..Supplied::default()
    };
    for (id, v) in raw.plans.iter().flatten() {
        supplied
            .plan_prices
            .insert(id.clone(), price("plans", id, v)?);
    }
    for (id, v) in raw.packs.iter().flatten() {
        supplied
            .pack_prices
            .insert(id.clone(), price("packs", id, v)?);
    }
    for (id, v) in raw.pack_credits.iter().flatten() {
        let credits = u64::try_from(*v.get_ref())
            .ok()
            .filter(|&credits| credits > 0)
            .ok_or_else(|| {
                let field = format!("prices.{vendor}.pack_credits.{id}");
                src.error(
                    v.span(),
                    &field,
                    "expected a whole number of credits above 0",
                )
            })?;
        supplied.pack_credits.insert(id.clone(), credits);
    }
    for (id, v) in raw.pack_validity.iter().flatten() {
        let validity = Validity::try_from(v.get_ref().clone()).map_err(|why| {
            src.error(
                v.span(),
                &format!("prices.{vendor}.pack_validity.{id}"),
                why,
            )
        })?;
        supplied.pack_validity.insert(id.clone(), validity);
    }
    Ok(supplied)
}
