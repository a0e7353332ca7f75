//! Money: what an offer costs over the run, month by month, from the model's prices (or
//! those the scenario supplied), and what expired credits were worth. A price that stays
//! unknown makes the sums it enters unknown, and is named; it is never taken as zero.

use crate::ledger::{Credits, LotSource};
use crate::pricing::Period;
use crate::sim::config::{Cell, EconomicsConfig};
use crate::sim::tally::{CLASS_ADDON, CLASS_ALLOWANCE, CLASS_PACKS, CellTally};

/// A price per credit as a fraction, so that breakage is valued without rounding until
/// the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rate {
    pub cents: u128,
    pub credits: u128,
}

/// An offer's prices for one persona (seats and units multiplied in), per account.
pub(super) struct OfferPrices {
    /// Months between plan charges (1 monthly, 12 annual); `None` without a plan.
    period_months: Option<u32>,
    /// The plan's charge per billing period; `Err` names it when unknown.
    plan_cents: Result<u64, String>,
    /// The add-on units' charge per month (0 without units).
    addon_cents: Result<u64, String>,
    /// Each pack's price, by the model's pack index.
    pack_cents: Vec<Result<u64, String>>,
    /// What a credit of each lot class cost, where known.
    pub rates: Vec<Option<Rate>>,
}

/// A sum of money that may be unknown, with the names of what had no price.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Spend {
    pub cents: u128,
    pub unknown: Vec<String>,
}

impl Spend {
    fn add(&mut self, count: u128, price: &Result<u64, String>) {
        if count == 0 {
            return;
        }
        match price {
            Ok(cents) => self.cents += count * u128::from(*cents),
            Err(name) if !self.unknown.contains(name) => self.unknown.push(name.clone()),
            Err(_) => {}
        }
    }

    /// The sum, or `None` when a price in it is unknown.
    pub(super) fn known(&self) -> Option<u128> {
        self.unknown.is_empty().then_some(self.cents)
    }

    pub(super) fn absorb(&mut self, other: &Spend) {
        self.cents += other.cents;
        for name in &other.unknown {
            if !self.unknown.contains(name) {
                self.unknown.push(name.clone());
            }
        }
    }
}

impl OfferPrices {
    pub(super) fn new(config: &EconomicsConfig, cell: &Cell) -> OfferPrices {
        let offer = &config.offers[cell.offer];
        let model = &offer.model;
        let seats = config.personas[cell.persona].seats;
        let plan = offer
            .plan
            .as_ref()
            .map(|id| model.plan(id).expect("checked on loading"));
        let plan_cents = match plan {
            Some(plan) => match plan.price {
                Some(price) if plan.per_seat => Ok(price.cents * u64::from(seats)),
                Some(price) => Ok(price.cents),
                None => Err(format!("plan {}", plan.id)),
            },
            None => Ok(0),
        };
        let addon = cell
            .spec
            .recurring
            .iter()
            .find(|g| g.source == LotSource::Addon);
        let addon_pack = (addon.and_then(|g| g.label.strip_prefix("addon:")))
            .map(|id| model.pack(id).expect("an add-on names its pack"));
        let addon_cents = match addon_pack {
            Some(pack) => pack
                .price
                .map(|p| p.cents * u64::from(offer.addon_units))
                .ok_or(format!("add-on {}", pack.id)),
            None => Ok(0),
        };
        let pack_cents: Vec<_> = (model.packs().iter())
            .map(|p| p.price.map(|p| p.cents).ok_or(format!("pack {}", p.id)))
            .collect();
        let period_months = plan.map(|p| match p.period {
            Period::Monthly => 1,
            Period::Annual => 12,
        });
        let mut rates = vec![None; CLASS_PACKS + model.packs().len()];
        let allowance = cell
            .spec
            .recurring
            .iter()
            .find(|g| g.source == LotSource::Allowance);
        if let (Some(grant), Some(months), Ok(cents)) = (allowance, period_months, &plan_cents) {
            let grants = u128::from(months / grant.every_months.max(1)).max(1);
            let credits = u128::from(grant.credits) * grants;
            rates[CLASS_ALLOWANCE] = Some(Rate {
                cents: u128::from(*cents),
                credits,
            });
        }
        if let Some(pack) = addon_pack {
            rates[CLASS_ADDON] = pack.price.map(|p| rate(p.cents, pack.credits));
        }
        for (i, pack) in model.packs().iter().enumerate() {
            rates[CLASS_PACKS + i] = pack.price.map(|p| rate(p.cents, pack.credits));
        }
        OfferPrices {
            period_months,
            plan_cents,
            addon_cents,
            pack_cents,
            rates,
        }
    }

    /// What the cell's accounts together spent in month `month` (from 0).
    pub(super) fn month_spend(&self, tally: &CellTally, month: usize) -> Spend {
        let mut spend = Spend::default();
        let accounts = u128::from(tally.accounts);
        if self
            .period_months
            .is_some_and(|p| (month as u32).is_multiple_of(p))
        {
            spend.add(accounts, &self.plan_cents);
        }
        spend.add(accounts, &self.addon_cents);
        for (pack, &count) in tally.months[month].purchases.iter().enumerate() {
            spend.add(u128::from(count), &self.pack_cents[pack]);
        }
        spend
    }

    /// What `expired` credits (by lot class) were worth, in cents; `None` when a class
    /// with expired credits has no known price.
    pub(super) fn breakage_cents(&self, expired: &[Credits]) -> Option<f64> {
        let mut cents = 0.0;
        for (class, &credits) in expired.iter().enumerate() {
            if credits == 0 {
                continue;
            }
            let rate = self.rates.get(class).copied().flatten()?;
            cents += credits as f64 * rate.cents as f64 / rate.credits as f64;
        }
        Some(cents)
    }
}

fn rate(cents: u64, credits: Credits) -> Rate {
    Rate {
        cents: u128::from(cents),
        credits: u128::from(credits.max(1)),
    }
}
