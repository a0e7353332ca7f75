//! From the engine's counters to the report: means per account, money, rankings.

use std::collections::BTreeMap;

use super::money::{OfferPrices, Spend};
use super::*;
use crate::pricing::DEFAULT_POOL;
use crate::sim::SimResult;
use crate::sim::config::{Cell, EconomicsConfig, Line};
use crate::sim::tally::{CellTally, PoolTally, StepCounts};

impl EconomicsReport {
    /// The report of `result`, a run of `config`.
    pub fn new(config: &EconomicsConfig, result: &SimResult) -> EconomicsReport {
        let personas: Vec<PersonaReport> = (config.cells.iter().zip(&result.cells))
            .map(|(cell, tally)| persona_report(config, cell, tally))
            .collect();
        let rankings = match config.compares_offers {
            true => rankings(config, &personas),
            false => Vec::new(),
        };
        let verdict = result.verdict.clone();
        let mut reproduce = format!(
            "creditsim economics {} --seed {}",
            config.path.display(),
            config.seed
        );
        if let Some(cap) = config.max_accounts {
            reproduce.push_str(&format!(" --accounts {cap}"));
        }
        if let Some(flaw) = config.flaw {
            reproduce.push_str(&format!(" --flaw {}", flaw.name()));
        }
        EconomicsReport {
            scenario: config.name.clone(),
            ok: verdict.ok,
            violations: verdict.violations.clone(),
            invariants: verdict.counts.clone(),
            vendor: config.vendor.clone(),
            months: config.months,
            currency: config.currency.clone(),
            seed: config.seed,
            start: date(config.start_ms),
            accounts: config.account_runs(),
            steps: result.steps,
            flaw: config.flaw.map(|f| f.name().to_string()),
            personas,
            rankings,
            notes: verdict.notes.clone(),
            reproduce,
            verdict,
        }
    }
}

fn date(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn persona_report(config: &EconomicsConfig, cell: &Cell, tally: &CellTally) -> PersonaReport {
    let persona = &config.personas[cell.persona];
    let offer = &config.offers[cell.offer];
    let model = &offer.model;
    let prices = OfferPrices::new(config, cell);
    let n = tally.accounts;
    let per = |total: u64| Mean::of(u128::from(total), n);
    let month_spends: Vec<Spend> = (0..tally.months.len())
        .map(|m| prices.month_spend(tally, m))
        .collect();
    let mut spend = Spend::default();
    month_spends.iter().for_each(|s| spend.absorb(s));
    let total_cents = spend.known();
    let main = (model.pools().iter())
        .position(|p| p.id == DEFAULT_POOL)
        .unwrap_or(0);
    let pools = (model.pools().iter().zip(&tally.pools))
        .filter(|(_, t)| t.granted > 0 || t.consumed > 0)
        .map(|(p, t)| (p.id.clone(), credits(t, n)))
        .collect();
    let pack_counts = |counts: &[u64]| -> BTreeMap<String, Mean> {
        (model.packs().iter().zip(counts))
            .filter(|(_, c)| **c > 0)
            .map(|(p, c)| (p.id.clone(), per(*c)))
            .collect()
    };
    let bought: Vec<u64> = (tally.start_packs.iter().zip(&tally.topups))
        .map(|(a, b)| a + b)
        .collect();
    let breakage = prices.breakage_cents(&tally.expired_by_class());
    let months = month_reports(tally, &month_spends);
    PersonaReport {
        id: persona.id.clone(),
        offer: offer.id.clone(),
        vendor: model.id().to_string(),
        plan: offer.plan.clone(),
        seats: persona.seats,
        accounts: n,
        currency: model.currency().map(str::to_string),
        spend_cents: total_cents.map(|c| (c + u128::from(n / 2)) / u128::from(n.max(1))),
        spend_cents_per_month: total_cents
            .map(|c| c as f64 / n.max(1) as f64 / f64::from(config.months)),
        spend_unknown: spend.unknown.clone(),
        credits: credits(&tally.pools[main], n),
        pools,
        breakage_cents: breakage.map(|c| c / n.max(1) as f64),
        steps: steps(&tally.steps(), n),
        purchases: pack_counts(&bought),
        topups: pack_counts(&tally.topups),
        warnings: per(tally.warnings),
        usage: usage(config, cell, tally, total_cents),
        months,
        totals: totals(tally, main, total_cents, model.packs(), &bought),
    }
}

fn credits(pool: &PoolTally, n: u64) -> CreditsReport {
    let per = |total: u64| Mean::of(u128::from(total), n);
    CreditsReport {
        granted: per(pool.granted),
        consumed: per(pool.consumed),
        expired: per(pool.expired),
        remaining: per(pool.remaining),
    }
}

fn steps(s: &StepCounts, n: u64) -> StepsReport {
    let per = |total: u64| Mean::of(u128::from(total), n);
    StepsReport {
        done: per(s.done),
        failed: per(s.failed),
        blocked: per(s.blocked),
        not_entitled: per(s.not_entitled),
        free: per(s.free),
        unlimited: per(s.unlimited),
        unserved: per(s.unserved),
        retried: per(s.retried),
    }
}

fn month_reports(tally: &CellTally, spends: &[Spend]) -> Vec<MonthReport> {
    let n = tally.accounts;
    let per = |total: u64| Mean::of(u128::from(total), n);
    (tally.months.iter().zip(spends).enumerate())
        .map(|(m, (month, spend))| MonthReport {
            month: m as u32 + 1,
            spend_cents: spend.known().map(|c| c as f64 / n.max(1) as f64),
            granted: per(month.granted),
            consumed: per(month.consumed),
            expired: per(month.expired),
            blocked: per(month.steps.blocked),
            purchases: per(month.purchases.iter().sum()),
        })
        .collect()
}

/// Each usage line's items and price per item. A line's share of the spend is in
/// proportion to the credits it consumed (in proportion to items when nothing consumed
/// credits, as on an unlimited plan).
fn usage(
    config: &EconomicsConfig,
    cell: &Cell,
    tally: &CellTally,
    spend_cents: Option<u128>,
) -> Vec<UsageReport> {
    let persona = &config.personas[cell.persona];
    let credits_total: u64 = tally.lines.iter().map(|l| l.credits).sum();
    let items_total: u64 = tally.lines.iter().map(|l| l.steps.done).sum();
    let lines = persona.usage.iter().zip(&cell.lines).zip(&tally.lines);
    lines
        .map(|((usage, line), counted)| {
            let items = counted.steps.done;
            let share = match credits_total {
                0 => ratio(items, items_total),
                total => ratio(counted.credits, total),
            };
            let per_item = |x: f64| (items > 0).then(|| x / items as f64);
            UsageReport {
                line: usage.label.clone(),
                served_as: match line {
                    Line::Served(s) => Some(served_as(&s.action, &s.params)),
                    Line::Unserved => None,
                },
                items: Mean::of(u128::from(items), tally.accounts),
                credits_per_item: per_item(counted.credits as f64),
                cents_per_item: spend_cents.and_then(|c| per_item(c as f64 * share)),
            }
        })
        .collect()
}

fn ratio(part: u64, whole: u64) -> f64 {
    match whole {
        0 => 0.0,
        _ => part as f64 / whole as f64,
    }
}

/// `video seconds=5` from an action and its `k=v;k=v` parameters.
fn served_as(action: &str, params: &str) -> String {
    let mut text = action.to_string();
    for pair in params.split(';').filter(|p| !p.is_empty()) {
        text.push(' ');
        text.push_str(pair);
    }
    text
}

fn totals(
    tally: &CellTally,
    main: usize,
    spend_cents: Option<u128>,
    packs: &[crate::pricing::Pack],
    bought: &[u64],
) -> Totals {
    let pool = &tally.pools[main];
    let credits = [
        ("granted", pool.granted),
        ("consumed", pool.consumed),
        ("expired", pool.expired),
        ("remaining", pool.remaining),
    ];
    Totals {
        spend_cents,
        credits: credits.into_iter().collect(),
        steps: tally.steps(),
        purchases: (packs.iter().zip(bought))
            .filter(|(_, c)| **c > 0)
            .map(|(p, c)| (p.id.clone(), *c))
            .collect(),
    }
}

/// Per persona, its offers: first those that serve every intent, then those that leave
/// some unserved (an offer that cannot serve the usage is cheap for that reason, so it must
/// not top the list); within each, from cheapest to dearest (unknown spend last, then
/// fewer blocked steps). The cheapest that never blocks and serves every intent is marked.
fn rankings(config: &EconomicsConfig, reports: &[PersonaReport]) -> Vec<Ranking> {
    let mut rankings = Vec::new();
    for persona in &config.personas {
        let mut mine: Vec<&PersonaReport> = reports.iter().filter(|r| r.id == persona.id).collect();
        mine.sort_by(|a, b| {
            let key = |r: &PersonaReport| {
                (
                    r.totals.steps.unserved > 0,
                    r.spend_cents.is_none(),
                    r.spend_cents,
                    r.totals.steps.blocked,
                    r.totals.steps.unserved,
                )
            };
            key(a).cmp(&key(b))
        });
        let never_blocks = |r: &PersonaReport| {
            r.spend_cents.is_some() && r.totals.steps.blocked == 0 && r.totals.steps.unserved == 0
        };
        let cheapest = mine
            .iter()
            .find(|r| never_blocks(r))
            .map(|r| r.offer.clone());
        let first_currency = mine.first().and_then(|r| r.currency.clone());
        let currencies_differ = mine
            .iter()
            .any(|r| r.currency.is_none() || r.currency != first_currency);
        let offers = (mine.iter().enumerate())
            .map(|(i, r)| RankedOffer {
                rank: i as u32 + 1,
                offer: r.offer.clone(),
                vendor: r.vendor.clone(),
                currency: r.currency.clone(),
                spend_cents: r.spend_cents,
                blocked: r.steps.blocked,
                unserved: r.steps.unserved,
                expired: r.credits.expired,
                breakage_cents: r.breakage_cents,
                cheapest_never_blocking: cheapest.as_deref() == Some(r.offer.as_str()),
            })
            .collect();
        rankings.push(Ranking {
            persona: persona.id.clone(),
            offers,
            cheapest_never_blocking: cheapest,
            currencies_differ,
        });
    }
    rankings
}
