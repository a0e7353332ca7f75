//! The documented limit of every number a model file holds, checked when the model loads, so
//! that a small file can never ask for arithmetic that overflows or a check that runs for
//! ever. Each limit is far above what any vendor document gives (the largest allowance in
//! the shipped models is 7,500 credits, the largest price 99.00); the README lists them.
//!
//! The credit limits keep a run's totals within 64 bits: a scenario's 250,000 accounts with
//! 10,000 seats and 10,000 add-on units over 1,200 months, each grant at most
//! [`MAX_CREDITS`], grant about 6 × 10^18 credits, below `u64::MAX` (1.8 × 10^19).

use super::schema::{Action, Amount, Claim, LowBalance, PackTerms, Param, Plan, Scalar, StepParam};

/// The most credits one amount may be: an action's rate (fixed, either end of a range, a
/// table entry), a plan's allowance (per seat), a pack's size, a warning level.
pub(crate) const MAX_CREDITS: u64 = 1_000_000;
/// The largest whole number a model may give a parameter (`min`, `max`, `default`, a
/// recipe step's value) or a unit (`unit = 100` characters).
pub(crate) const MAX_PARAM: u64 = 1_000_000_000;
pub(crate) use super::schema::{MAX_MONTHS, MAX_PRICE};
/// The largest line number a claim may cite.
pub(crate) const MAX_LINE: u64 = 1_000_000;
/// The most times a claim may count an action (`count`, an item's `count`).
pub(crate) const MAX_COUNT: u64 = 1_000_000;
/// The largest figure a claim may quote from its document (`doc`, an item's or a budget's
/// `doc`).
pub(crate) const MAX_FIGURE: u64 = 1_000_000_000_000;
/// Seats on a plan, and add-on units, a claim may run: the same as a scenario's.
pub(crate) const MAX_SEATS: u64 = 10_000;

/// The largest value each numeric field may take, by its path in the schema.
const LIMITS: &[(&str, u64)] = &[
    ("warnings.below", MAX_CREDITS),
    ("warnings.reaches", MAX_CREDITS),
    ("actions.credits", MAX_CREDITS),
    ("actions.table", MAX_CREDITS),
    ("actions.params.min", MAX_PARAM),
    ("actions.params.max", MAX_PARAM),
    ("actions.params.default", MAX_PARAM),
    ("actions.unit", MAX_PARAM),
    ("actions.steps.params", MAX_PARAM),
    ("plans.allowance", MAX_CREDITS),
    ("plans.price", MAX_PRICE),
    ("packs.credits", MAX_CREDITS),
    ("packs.price", MAX_PRICE),
    ("packs.validity", MAX_MONTHS as u64),
    ("claims.line", MAX_LINE),
    ("claims.count", MAX_COUNT),
    ("claims.doc", MAX_FIGURE),
    ("claims.items.count", MAX_COUNT),
    ("claims.items.doc", MAX_FIGURE),
    ("claims.budgets.doc", MAX_FIGURE),
    ("claims.unit", MAX_PARAM),
    ("claims.seats", MAX_SEATS),
    ("claims.units", MAX_SEATS),
    ("claims.months", MAX_MONTHS as u64),
    ("claims.levels", MAX_CREDITS),
];

/// Every limited field with its limit, for documentation and tests.
pub fn all() -> &'static [(&'static str, u64)] {
    LIMITS
}

/// The limit of a field, by its path in the schema (`plans.allowance`), if it has one.
pub fn max_of(field: &str) -> Option<u64> {
    LIMITS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, max)| *max)
}

/// A number past its limit: the field to name (`plans[pro].allowance`), the key and value
/// as the file writes them (to find the line), and what is wrong.
#[derive(Debug)]
pub(crate) struct OverLimit {
    pub field: String,
    pub key: String,
    pub value: u64,
    pub message: String,
}

/// `Err` when `value` of the field at `path` (a key of [`LIMITS`]) is past its limit; `field`
/// is the name an error shows, `key` the key the file writes it under.
fn within(path: &str, field: String, key: &str, value: u64) -> Result<(), OverLimit> {
    let max = max_of(path).expect("every checked field has a limit");
    if value <= max {
        return Ok(());
    }
    Err(OverLimit {
        field,
        key: key.to_string(),
        value,
        message: format!("expected at most {max} (the limit of `{path}`), got {value}"),
    })
}

/// A credit amount written under `key`: `key = N`, or `key = { min = N, max = N }`.
fn amount(path: &str, field: String, key: &str, a: &Amount) -> Result<(), OverLimit> {
    match *a {
        Amount::Fixed(n) => within(path, field, key, n),
        Amount::Range { min, max } => {
            within(path, field.clone(), "min", min)?;
            within(path, field, "max", max)
        }
    }
}

/// The model's low-balance warnings.
pub(crate) fn warnings(warnings: &[LowBalance]) -> Result<(), OverLimit> {
    for w in warnings {
        match *w {
            LowBalance::Below(n) => within("warnings.below", "warnings".into(), "below", n)?,
            LowBalance::Reaches(n) => {
                within("warnings.reaches", "warnings".into(), "reaches", n)?;
            }
        }
    }
    Ok(())
}

/// An action's rates, parameters, unit and recipe values.
pub(crate) fn action(a: &Action) -> Result<(), OverLimit> {
    let field = |name: &str| format!("actions[{}].{name}", a.id);
    if let Some(credits) = &a.credits {
        amount("actions.credits", field("credits"), "credits", credits)?;
    }
    for (value, cost) in a.table.iter().flatten() {
        amount(
            "actions.table",
            field(&format!("table.{value}")),
            value,
            cost,
        )?;
    }
    for (name, p) in &a.params {
        param(p, &field(&format!("params.{name}")))?;
    }
    if let Some(unit) = a.unit {
        within("actions.unit", field("unit"), "unit", unit)?;
    }
    for step in a.steps.iter().flatten() {
        for (name, p) in &step.params {
            let values: Vec<&Scalar> = match p {
                StepParam::Literal(v) => vec![v],
                StepParam::From { map, .. } => map.iter().flat_map(|m| m.values()).collect(),
            };
            for value in values {
                if let Scalar::Int(n) = value {
                    within("actions.steps.params", field("steps"), name, *n)?;
                }
            }
        }
    }
    Ok(())
}

fn param(p: &Param, field: &str) -> Result<(), OverLimit> {
    let of = |key: &str| format!("{field}.{key}");
    if let Some(min) = p.min {
        within("actions.params.min", of("min"), "min", min)?;
    }
    if let Some(max) = p.max {
        within("actions.params.max", of("max"), "max", max)?;
    }
    if let Some(Scalar::Int(n)) = p.default {
        within("actions.params.default", of("default"), "default", n)?;
    }
    Ok(())
}

/// A plan's allowance (its price is checked as it is read: see `Price`).
pub(crate) fn plan(p: &Plan) -> Result<(), OverLimit> {
    match p.allowance {
        Some(n) => within(
            "plans.allowance",
            format!("plans[{}].allowance", p.id),
            "allowance",
            n,
        ),
        None => Ok(()),
    }
}

/// A pack's size (its price and validity are checked as they are read).
pub(crate) fn pack(p: &PackTerms) -> Result<(), OverLimit> {
    match p.credits {
        Some(n) => within(
            "packs.credits",
            format!("packs[{}].credits", p.id),
            "credits",
            n,
        ),
        None => Ok(()),
    }
}

/// Every number of a claim.
pub(crate) fn claim(c: &Claim) -> Result<(), OverLimit> {
    let field = |name: &str| format!("claims[{}].{name}", c.id);
    let lines = match &c.line {
        super::schema::Lines::One(n) => vec![*n],
        super::schema::Lines::Many(lines) => lines.clone(),
    };
    for n in lines {
        within("claims.line", field("line"), "line", u64::from(n))?;
    }
    within("claims.count", field("count"), "count", c.count)?;
    if let Some(super::schema::DocValue::Amount(doc)) = &c.doc {
        amount("claims.doc", field("doc"), "doc", doc)?;
    }
    for item in &c.items {
        within("claims.items.count", field("items"), "count", item.count)?;
        if let Some(doc) = item.doc {
            within("claims.items.doc", field("items"), "doc", doc)?;
        }
    }
    for budget in &c.budgets {
        within("claims.budgets.doc", field("budgets"), "doc", budget.doc)?;
    }
    if let Some(unit) = c.unit {
        within("claims.unit", field("unit"), "unit", unit)?;
    }
    let small = [
        ("claims.seats", "seats", c.seats),
        ("claims.units", "units", c.units),
        ("claims.months", "months", c.months),
    ];
    for (path, key, value) in small {
        if let Some(n) = value {
            within(path, field(key), key, u64::from(n))?;
        }
    }
    for level in &c.levels {
        let n = match *level {
            LowBalance::Below(n) | LowBalance::Reaches(n) => n,
        };
        let key = match level {
            LowBalance::Below(_) => "below",
            LowBalance::Reaches(_) => "reaches",
        };
        within("claims.levels", field("levels"), key, n)?;
    }
    Ok(())
}
