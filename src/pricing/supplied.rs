//! Values a vendor document does not give, supplied by the analyst: a plan's price, a
//! pack's price, the currency. The model never invents them (a price that stays unknown is
//! reported as unknown, never as zero), and a supplied value may only fill a gap: one that
//! would override what the document says is refused.

use std::collections::BTreeMap;

use super::schema::Price;
use super::{Model, PricingError};

/// What a scenario's `[prices]` supplies, by plan and pack id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Supplied {
    /// The model's currency, where the document names none.
    pub currency: Option<String>,
    /// Prices per billing period of plans the document prices at nothing.
    pub plan_prices: BTreeMap<String, Price>,
    /// Prices of packs the document prices at nothing.
    pub pack_prices: BTreeMap<String, Price>,
}

impl Model {
    /// A copy of this model with `supplied`'s values filled in. An unknown id, or a value
    /// that the document already gives, is refused.
    pub fn with_supplied(&self, supplied: &Supplied) -> Result<Model, PricingError> {
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
        for (id, price) in &supplied.pack_prices {
            self.pack(id)?;
            let pack = model.packs.iter_mut().find(|p| p.id == *id).expect("found");
            if let Some(given) = pack.price {
                let message = format!("the document prices it at {given}");
                return Err(refuse(format!("pack {id}"), message));
            }
            pack.price = Some(*price);
        }
        Ok(model)
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
