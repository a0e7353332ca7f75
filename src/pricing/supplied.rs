//! Values a vendor document does not give, supplied by the analyst: a plan's price, a
//! pack's price, size or validity, the currency. The model never invents them (a price that
//! stays unknown is reported as unknown, never as zero), and a supplied value may only fill a
//! gap: one that would override what the document says is refused.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::schema::{PackTerms, Price, Validity};
use super::{Model, PricingError};

/// What a scenario supplies, by plan and pack id. In a scenario file it is a `[supplied]`
/// table with these fields, for example `pack_credits = { credit-pack = 500 }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Supplied {
    /// The model's currency, where the document names none.
    #[serde(default)]
    pub currency: Option<String>,
    /// Prices per billing period of plans the document prices at nothing.
    #[serde(default)]
    pub plan_prices: BTreeMap<String, Price>,
    /// Prices of packs the document prices at nothing.
    #[serde(default)]
    pub pack_prices: BTreeMap<String, Price>,
    /// Sizes of packs the document names without one (AIBC: "Various sizes available").
    #[serde(default)]
    pub pack_credits: BTreeMap<String, u64>,
    /// Validity of packs whose expiry the document leaves open (AIBC: purchased credits "may
    /// have expiration dates").
    #[serde(default)]
    pub pack_validity: BTreeMap<String, Validity>,
}

impl Model {
    /// A copy of this model with `supplied`'s values filled in. An unknown id, or a value
    /// that the document already gives, is refused. A pack that gets its last missing term
    /// becomes buyable.
    pub(crate) fn with_supplied(&self, supplied: &Supplied) -> Result<Model, PricingError> {
        let mut model = self.clone();
        let refuse = |what: String, message: String| PricingError::Supplied {
            vendor: self.id.clone(),
            what,
            message,
        };
        if let Some(currency) = &supplied.currency {
            if let Some(given) = &self.currency {
                let message = format!("the document gives the currency {given}");
                return Err(refuse("currency".into(), message));
            }
            model.currency = Some(currency.clone());
        }
        for (id, price) in &supplied.plan_prices {
            self.plan(id)?;
            let plan = model.plans.iter_mut().find(|p| p.id == *id).expect("found");
            if let Some(given) = plan.price {
                let message = format!("the document prices it at {given}");
                return Err(refuse(format!("plan {id}"), message));
            }
            plan.price = Some(*price);
        }
        let pack_ids = (supplied.pack_prices.keys())
            .chain(supplied.pack_credits.keys())
            .chain(supplied.pack_validity.keys());
        for id in pack_ids {
            if !self.incomplete_packs.iter().any(|p| p.id == *id) {
                self.pack(id)?;
            }
        }
        model
            .fill_packs(supplied)
            .map_err(|(what, message)| refuse(what, message))?;
        Ok(model)
    }

    /// Fills in pack terms, then moves the packs that became complete among the buyable ones.
    fn fill_packs(&mut self, supplied: &Supplied) -> Result<(), (String, String)> {
        for (id, price) in &supplied.pack_prices {
            let slot = match self.packs.iter_mut().find(|p| p.id == *id) {
                Some(pack) => &mut pack.price,
                None => &mut self.open_terms(id)?.price,
            };
            fill(slot, *price, id, "prices it at")?;
        }
        for (id, credits) in &supplied.pack_credits {
            let max = super::limits::MAX_CREDITS;
            if *credits > max {
                let message = format!(
                    "expected at most {max} credits (the limit of `packs.credits`), got {credits}"
                );
                return Err((format!("pack {id}"), message));
            }
            fill(&mut self.open_terms(id)?.credits, *credits, id, "gives it")?;
        }
        for (id, validity) in &supplied.pack_validity {
            fill(
                &mut self.open_terms(id)?.validity,
                *validity,
                id,
                "gives it",
            )?;
        }
        let incomplete = std::mem::take(&mut self.incomplete_packs);
        for terms in incomplete {
            match terms.complete() {
                Some(pack) => self.packs.push(pack),
                None => self.incomplete_packs.push(terms),
            }
        }
        Ok(())
    }

    /// The terms of a pack the document leaves incomplete; a complete or unknown pack is
    /// refused.
    fn open_terms(&mut self, id: &str) -> Result<&mut PackTerms, (String, String)> {
        if let Some(pack) = self.packs.iter().find(|p| p.id == id) {
            let given = format!(
                "the document gives it {} credits, validity {}",
                pack.credits, pack.validity
            );
            return Err((format!("pack {id}"), given));
        }
        let found = self.incomplete_packs.iter_mut().find(|p| p.id == id);
        found.ok_or_else(|| (format!("pack {id}"), "no such pack".to_string()))
    }
}

/// Fills an open term, or refuses to override one the document gives.
fn fill<T: Copy + std::fmt::Display>(
    slot: &mut Option<T>,
    value: T,
    id: &str,
    verb: &str,
) -> Result<(), (String, String)> {
    match slot {
        Some(given) => Err((format!("pack {id}"), format!("the document {verb} {given}"))),
        None => {
            *slot = Some(value);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn price(cents: u64) -> Price {
        Price { cents }
    }

    #[test]
    fn a_price_the_document_lacks_is_filled_in() {
        let aibc = Model::builtin("aibc").unwrap();
        assert_eq!(aibc.plan("pro").unwrap().price, None);
        let supplied = Supplied {
            currency: Some("USD".into()),
            plan_prices: [("pro".to_string(), price(1900))].into(),
            ..Supplied::default()
        };
        let priced = aibc.with_supplied(&supplied).unwrap();
        assert_eq!(priced.plan("pro").unwrap().price, Some(price(1900)));
        assert_eq!(priced.currency(), Some("USD"));
        assert_eq!(
            aibc.plan("pro").unwrap().price,
            None,
            "the original is unchanged"
        );
    }

    #[test]
    fn an_incomplete_pack_becomes_buyable_once_its_terms_are_supplied() {
        let aibc = Model::builtin("aibc").unwrap();
        let err = aibc.pack("credit-pack").unwrap_err().to_string();
        assert!(err.contains("credits and validity"), "{err}");
        let half = Supplied {
            pack_credits: [("credit-pack".to_string(), 500)].into(),
            ..Supplied::default()
        };
        let err = aibc
            .with_supplied(&half)
            .unwrap()
            .pack("credit-pack")
            .unwrap_err();
        assert!(err.to_string().contains("no validity"), "{err}");
        let full = Supplied {
            pack_validity: [("credit-pack".to_string(), Validity::Never)].into(),
            pack_prices: [("credit-pack".to_string(), price(900))].into(),
            ..half
        };
        let priced = aibc.with_supplied(&full).unwrap();
        let pack = priced.pack("credit-pack").unwrap();
        assert_eq!((pack.credits, pack.validity), (500, Validity::Never));
        assert_eq!(pack.price, Some(price(900)));
        let size_again = Supplied {
            pack_credits: [("credit-pack".to_string(), 100)].into(),
            ..Supplied::default()
        };
        let again = priced.with_supplied(&size_again).unwrap_err().to_string();
        assert!(
            again.contains("the document gives it 500 credits"),
            "{again}"
        );
    }

    #[test]
    fn a_price_the_document_gives_cannot_be_overridden() {
        let aytada = Model::builtin("aytada").unwrap();
        let given = aytada.pack("creator").unwrap().price.unwrap();
        let supplied = Supplied {
            pack_prices: [("creator".to_string(), price(1))].into(),
            ..Supplied::default()
        };
        let err = aytada.with_supplied(&supplied).unwrap_err().to_string();
        assert!(
            err.contains("pack creator") && err.contains(&given.to_string()),
            "{err}"
        );
        let unknown = Supplied {
            plan_prices: [("gold".to_string(), price(1))].into(),
            ..Supplied::default()
        };
        assert!(matches!(
            aytada.with_supplied(&unknown),
            Err(PricingError::UnknownPlan { .. })
        ));
    }
}
