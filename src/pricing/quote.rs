//! Pricing one action: the given parameters are checked against the action's declarations
//! (defaults filled in), then the cost rule is applied. Recipes price each step with the
//! same code and add the lines up.

use std::collections::BTreeSet;

use super::error::list;
use super::schema::{Action, Param, Rounding};
use super::{Cost, Model, Params, PricingError, Quote, QuoteLine};

/// How deep recipes may nest: a recipe's steps may name recipes, to this many levels below it.
pub(super) const RECIPE_DEPTH_MAX: usize = 8;

/// How many priced lines one recipe may expand to, counting every step of every nested
/// recipe: a recipe that fans out 12 ways 8 deep would otherwise expand to 430 million lines
/// (gigabytes) before it is priced. Checked when the model is loaded.
pub(super) const RECIPE_LINES_MAX: u64 = 10_000;

/// Prices `action_id` with `params`.
pub(crate) fn quote(
    model: &Model,
    action_id: &str,
    params: &Params,
) -> Result<Quote, PricingError> {
    let action = model.action(action_id)?;
    let breakdown = lines(model, action, params, 0)?;
    let mut credits = Cost { min: 0, max: 0 };
    for line in &breakdown {
        credits = add(credits, line.credits).ok_or_else(|| overflow(model, action))?;
    }
    Ok(Quote {
        vendor: model.id().to_string(),
        action: action.id.clone(),
        pool: action.pool.clone(),
        credits,
        breakdown,
    })
}

/// `a + b`, or `None` on overflow.
pub(crate) fn add(a: Cost, b: Cost) -> Option<Cost> {
    Some(Cost {
        min: a.min.checked_add(b.min)?,
        max: a.max.checked_add(b.max)?,
    })
}

/// `cost × n`, or `None` on overflow.
pub(crate) fn times(cost: Cost, n: u64) -> Option<Cost> {
    Some(Cost {
        min: cost.min.checked_mul(n)?,
        max: cost.max.checked_mul(n)?,
    })
}

fn overflow(model: &Model, action: &Action) -> PricingError {
    PricingError::Overflow {
        vendor: model.id().to_string(),
        action: action.id.clone(),
    }
}

/// The breakdown lines of one action, recursing through recipes.
fn lines(
    model: &Model,
    action: &Action,
    given: &Params,
    depth: usize,
) -> Result<Vec<QuoteLine>, PricingError> {
    if depth > RECIPE_DEPTH_MAX {
        return Err(PricingError::RecipeTooDeep {
            vendor: model.id().to_string(),
            action: action.id.clone(),
            limit: RECIPE_DEPTH_MAX,
        });
    }
    let params = resolve(model, action, given)?;
    let Some(steps) = &action.steps else {
        return priced_line(model, action, &params).map(|line| vec![line]);
    };
    let mut out = Vec::new();
    for step in steps {
        let target = model.action(&step.action)?;
        let step_params: Params = step
            .params
            .iter()
            .filter_map(|(k, p)| p.value(&params).map(|v| (k.clone(), v)))
            .collect();
        out.extend(lines(model, target, &step_params, depth + 1)?);
    }
    Ok(out)
}

/// The one line of an action priced by `credits` or `table`, times `per` when given.
fn priced_line(model: &Model, action: &Action, params: &Params) -> Result<QuoteLine, PricingError> {
    let (rate, chosen) = match (&action.by, &action.table, action.credits) {
        (Some(by), Some(table), _) => {
            let value = &params[by];
            (table[value].cost(), Some(value.as_str()))
        }
        (_, _, Some(credits)) => (credits.cost(), None),
        _ => unreachable!("validated at load: an action without steps has credits or a table"),
    };
    let Some(per) = &action.per else {
        let label = match chosen {
            Some(value) => format!("{} {value} {rate}", action.id),
            None => format!("{} {rate}", action.id),
        };
        return Ok(QuoteLine {
            label,
            credits: rate,
        });
    };
    let count: u64 = params[per].parse().expect("validated by resolve");
    let unit = action.unit.unwrap_or(1);
    let (units, label) = match action.rounding {
        Some(Rounding::Ceil) if unit > 1 => (
            count.div_ceil(unit),
            format!("⌈{count} {per} ÷ {unit}⌉ × {rate}"),
        ),
        Some(Rounding::Floor) if unit > 1 => {
            (count / unit, format!("⌊{count} {per} ÷ {unit}⌋ × {rate}"))
        }
        _ if unit > 1 => (count / unit, format!("{count} {per} ÷ {unit} × {rate}")),
        _ => (count, format!("{count} {per} × {rate}")),
    };
    let credits = times(rate, units).ok_or_else(|| overflow(model, action))?;
    Ok(QuoteLine { label, credits })
}

/// Checks the given parameters against the declarations and fills in defaults.
fn resolve(model: &Model, action: &Action, given: &Params) -> Result<Params, PricingError> {
    if let Some(name) = given.keys().find(|k| !action.params.contains_key(*k)) {
        return Err(PricingError::UnknownParam {
            vendor: model.id().to_string(),
            action: action.id.clone(),
            param: name.clone(),
            valid: list(action.params.keys().map(String::as_str), "no parameters"),
        });
    }
    let mut out = Params::new();
    for (name, param) in &action.params {
        let value = match (given.get(name), &param.default) {
            (Some(v), _) => v.clone(),
            (None, Some(d)) => d.to_string(),
            (None, None) => {
                return Err(PricingError::MissingParam {
                    vendor: model.id().to_string(),
                    action: action.id.clone(),
                    param: name.clone(),
                    expected: expected(param),
                });
            }
        };
        let checked = check_value(param, &value).and_then(|()| check_exact(action, name, &value));
        checked.map_err(|expected| PricingError::BadValue {
            vendor: model.id().to_string(),
            action: action.id.clone(),
            param: name.clone(),
            value: value.clone(),
            expected,
        })?;
        out.insert(name.clone(), value);
    }
    Ok(out)
}

/// What a parameter accepts, in words.
fn expected(param: &Param) -> String {
    match (&param.values, param.min.unwrap_or(0), param.max) {
        (Some(values), _, _) => {
            format!("one of {}", list(values.iter().map(String::as_str), "none"))
        }
        (None, min, Some(max)) => format!("a whole number from {min} to {max}"),
        (None, min, None) => format!("a whole number from {min}"),
    }
}

/// `Err(expected)` when `value` is not acceptable for `param`.
fn check_value(param: &Param, value: &str) -> Result<(), String> {
    if let Some(values) = &param.values {
        return match values.iter().any(|v| v == value) {
            true => Ok(()),
            false => Err(expected(param)),
        };
    }
    let n: u64 = value.parse().map_err(|_| expected(param))?;
    if n < param.min.unwrap_or(0) || param.max.is_some_and(|max| n > max) {
        return Err(expected(param));
    }
    Ok(())
}

/// `Err(expected)` when `name` is the `per` count of an action with exact rounding and
/// `value` is not a multiple of its unit.
fn check_exact(action: &Action, name: &str, value: &str) -> Result<(), String> {
    let unit = action.unit.unwrap_or(1);
    let exact = action.per.as_deref() == Some(name) && action.rounding == Some(Rounding::Exact);
    match value.parse::<u64>() {
        Ok(n) if exact && n % unit != 0 => Err(format!("a multiple of {unit}")),
        _ => Ok(()),
    }
}

/// Checks one parameter declaration on its own; `Err` says what is wrong.
pub(crate) fn check_param(name: &str, param: &Param) -> Result<(), String> {
    if let Some(values) = &param.values {
        if values.is_empty() {
            return Err(format!("`{name}` declares no values"));
        }
        if param.min.is_some() || param.max.is_some() {
            return Err(
                "`min`/`max` apply to whole-number parameters, not to `values`".to_string(),
            );
        }
    }
    if let (Some(min), Some(max)) = (param.min, param.max)
        && min > max
    {
        return Err(format!("min {min} exceeds max {max}"));
    }
    let Some(default) = &param.default else {
        return Ok(());
    };
    check_value(param, &default.to_string())
        .map_err(|want| format!("default `{default}` is not {want}"))
}

/// Checks a recipe's steps: each names an action, each step parameter exists on it, each
/// `from` names a parameter of the recipe, and each `map` covers the recipe's values.
pub(crate) fn check_steps(model: &Model, recipe: &Action) -> Result<(), (String, String)> {
    let field = format!("actions[{}].steps", recipe.id);
    let fail = |msg: String| Err((field.clone(), msg));
    for step in recipe.steps.iter().flatten() {
        let target = match model.action(&step.action) {
            Ok(t) => t,
            Err(e) => return fail(e.to_string()),
        };
        for (name, p) in &step.params {
            if !target.params.contains_key(name) {
                let valid = list(target.params.keys().map(String::as_str), "no parameters");
                return fail(format!(
                    "{} has no parameter `{name}`: expected {valid}",
                    target.id
                ));
            }
            if let Err(msg) = check_from(recipe, p) {
                return fail(msg);
            }
        }
    }
    let mut walk = Walk::default();
    match walk.shape(model, recipe) {
        Ok(_) => Ok(()),
        Err(Unpriceable::Cycle(id)) if id == recipe.id => {
            fail(format!("recipe `{id}` includes itself"))
        }
        Err(Unpriceable::Cycle(id)) => fail(format!(
            "recipe `{}` leads to recipe `{id}`, which includes itself",
            recipe.id
        )),
        Err(Unpriceable::TooDeep) => fail(format!(
            "recipe `{}` nests recipes more than {RECIPE_DEPTH_MAX} levels deep (the limit on \
             nesting; there is no cycle)",
            recipe.id
        )),
        Err(Unpriceable::TooLarge) => fail(format!(
            "recipe `{}` expands to more than {RECIPE_LINES_MAX} priced lines (the limit on \
             a recipe's expanded size, counting every step of every nested recipe)",
            recipe.id
        )),
    }
}

/// Why a recipe cannot be priced.
enum Unpriceable {
    /// This recipe's steps lead back to it.
    Cycle(String),
    /// Nested past [`RECIPE_DEPTH_MAX`].
    TooDeep,
    /// Expands past [`RECIPE_LINES_MAX`] lines.
    TooLarge,
}

/// A depth-first walk of recipes that remembers each finished action's shape, so that a
/// wide, deep recipe is walked in time linear in the model, not in its expansion.
#[derive(Default)]
struct Walk<'m> {
    /// The recipes being walked, outermost first.
    path: Vec<&'m str>,
    /// Finished actions: (lines they expand to, levels of recipes below them).
    done: std::collections::HashMap<&'m str, (u64, usize)>,
}

impl<'m> Walk<'m> {
    fn shape(&mut self, model: &'m Model, action: &'m Action) -> Result<(u64, usize), Unpriceable> {
        let Some(steps) = &action.steps else {
            return Ok((1, 0));
        };
        if let Some(&shape) = self.done.get(action.id.as_str()) {
            return Ok(shape);
        }
        if self.path.contains(&action.id.as_str()) {
            return Err(Unpriceable::Cycle(action.id.clone()));
        }
        self.path.push(&action.id);
        let (mut lines, mut height) = (0u64, 0usize);
        for step in steps {
            // A step naming no action is reported by the caller.
            let Ok(target) = model.action(&step.action) else {
                continue;
            };
            let (below, below_height) = self.shape(model, target)?;
            lines = lines.saturating_add(below);
            height = height.max(below_height + 1);
            if lines > RECIPE_LINES_MAX {
                return Err(Unpriceable::TooLarge);
            }
            if height > RECIPE_DEPTH_MAX {
                return Err(Unpriceable::TooDeep);
            }
        }
        self.path.pop();
        self.done.insert(&action.id, (lines, height));
        Ok((lines, height))
    }
}

fn check_from(recipe: &Action, p: &super::schema::StepParam) -> Result<(), String> {
    let super::schema::StepParam::From { from, map } = p else {
        return Ok(());
    };
    let Some(source) = recipe.params.get(from) else {
        let valid = list(recipe.params.keys().map(String::as_str), "no parameters");
        return Err(format!(
            "`from = \"{from}\"` is not a parameter of {}: expected {valid}",
            recipe.id
        ));
    };
    let (Some(map), Some(values)) = (map, &source.values) else {
        return Ok(());
    };
    let want: BTreeSet<&str> = values.iter().map(String::as_str).collect();
    let have: BTreeSet<&str> = map.keys().map(String::as_str).collect();
    if want != have {
        return Err(format!(
            "the map for `{from}` must cover exactly {}",
            list(want, "none")
        ));
    }
    Ok(())
}

/// The cost rule in words, for listings.
pub(crate) fn describe(action: &Action) -> String {
    if let Some(steps) = &action.steps {
        let names: Vec<String> = steps.iter().map(describe_step).collect();
        return format!("sum of {}", names.join(" + "));
    }
    let rate = match (&action.by, &action.table, action.credits) {
        (Some(by), Some(table), _) => {
            let each: Vec<String> = table
                .iter()
                .map(|(v, a)| format!("{} ({by}={v})", a.cost()))
                .collect();
            each.join(" | ")
        }
        (_, _, Some(c)) if c.cost().max == 0 => "free".to_string(),
        (_, _, Some(c)) => c.cost().to_string(),
        _ => "?".to_string(),
    };
    let per = match (&action.per, action.unit.unwrap_or(1), action.rounding) {
        (None, _, _) => String::new(),
        (Some(per), 1, _) => format!(" per {per}"),
        (Some(per), unit, Some(Rounding::Ceil)) => {
            format!(" per {unit} {per}, part-units rounded up")
        }
        (Some(per), unit, Some(Rounding::Floor)) => format!(" per {unit} {per}, part-units free"),
        (Some(per), unit, _) => format!(" per {unit} {per}"),
    };
    format!("{rate}{per}")
}

/// `video(scenes=length: short→3 standard→5 extended→7, quality=quality)`.
fn describe_step(step: &super::schema::RecipeStep) -> String {
    use super::schema::StepParam;
    let args: Vec<String> = step
        .params
        .iter()
        .map(|(name, p)| match p {
            StepParam::Literal(v) => format!("{name}={v}"),
            StepParam::From { from, map: None } => format!("{name}={from}"),
            StepParam::From {
                from,
                map: Some(map),
            } => {
                let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}→{v}")).collect();
                format!("{name}={from}: {}", pairs.join(" "))
            }
        })
        .collect();
    match args.is_empty() {
        true => step.action.clone(),
        false => format!("{}({})", step.action, args.join(", ")),
    }
}
