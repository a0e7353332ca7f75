//! Parsing and validating a model file. Every error names the file, the line and column, and
//! the field, because the people who edit these files are pricing analysts, not Rust
//! programmers.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;

use super::limits::{self, OverLimit};
use super::schema::{Action, PackTerms, Plan, RawModel, Validity};
use super::{Model, PricingError, claims, quote};

/// Parses and validates `text`, read from `file`.
pub(crate) fn parse(file: &str, text: &str) -> Result<Model, PricingError> {
    let raw: RawModel = toml::from_str(text).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        malformed(file, text, span, None, err.message().trim())
    })?;
    let located = Located { file, text };
    let model = build(raw, &located)?;
    located.check_model(&model)?;
    Ok(model)
}

/// The file being loaded, for turning spans into positions.
struct Located<'a> {
    file: &'a str,
    text: &'a str,
}

/// A validation failure inside one spanned item: which field, and what is wrong.
type Problem = (String, String);

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    (field.into(), message.into())
}

impl Located<'_> {
    fn at(&self, span: Range<usize>, (field, message): Problem) -> PricingError {
        malformed(self.file, self.text, span, Some(field), &message)
    }

    /// Unwraps spanned items, checking that their ids are unique.
    fn unique<T>(
        &self,
        table: &str,
        items: Vec<Spanned<T>>,
        id: impl Fn(&T) -> &str,
    ) -> Result<Vec<T>, PricingError> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for item in items {
            let span = item.span();
            let value = item.into_inner();
            if !seen.insert(id(&value).to_string()) {
                let msg = format!("duplicate id `{}` in [[{table}]]", id(&value));
                return Err(self.at(span, problem(format!("{table}.id"), msg)));
            }
            out.push(value);
        }
        Ok(out)
    }

    /// A problem of the `[[table]]` item with `id`, at the line of its field.
    fn in_item(&self, table: &str, id: &str, problem: Problem) -> PricingError {
        let span = Spans { text: self.text }.field(table, id, &problem.0);
        self.at(span, problem)
    }

    /// A number past its limit, at the line that writes it.
    fn over(&self, table: &str, id: &str, over: OverLimit) -> PricingError {
        let spans = Spans { text: self.text };
        let span = spans.value(table, id, &over.key, over.value);
        self.at(span, problem(over.field, over.message))
    }

    /// Every number against its documented limit (`pricing::limits`), before anything is
    /// computed with it.
    fn check_limits(&self, model: &Model) -> Result<(), PricingError> {
        limits::warnings(&model.warnings).map_err(|o| self.over("", "", o))?;
        for a in &model.actions {
            limits::action(a).map_err(|o| self.over("actions", &a.id, o))?;
        }
        for p in &model.plans {
            limits::plan(p).map_err(|o| self.over("plans", &p.id, o))?;
        }
        let complete = model.packs.iter().map(PackTerms::from);
        for p in complete.chain(model.incomplete_packs.iter().cloned()) {
            limits::pack(&p).map_err(|o| self.over("packs", &p.id, o))?;
        }
        for c in &model.claims {
            limits::claim(c).map_err(|o| self.over("claims", &c.id, o))?;
        }
        Ok(())
    }

    /// The cross-checks that need the whole model: limits, references, recipes and claims.
    fn check_model(&self, model: &Model) -> Result<(), PricingError> {
        self.check_limits(model)?;
        for action in &model.actions {
            let at = |p| self.in_item("actions", &action.id, p);
            check_action(model, action).map_err(at)?;
            quote::check_steps(model, action).map_err(at)?;
        }
        for plan in &model.plans {
            check_plan(model, plan).map_err(|p| self.in_item("plans", &plan.id, p))?;
        }
        let complete = model.packs.iter().map(PackTerms::from);
        for pack in complete.chain(model.incomplete_packs.iter().cloned()) {
            check_pack(model, &pack).map_err(|p| self.in_item("packs", &pack.id, p))?;
        }
        for claim in &model.claims {
            let at = |p| self.in_item("claims", &claim.id, p);
            claims::check::fields(claim).map_err(at)?;
            claims::check::references(model, claim)
                .map_err(|e| at(problem(format!("claims[{}]", claim.id), e)))?;
        }
        Ok(())
    }
}

/// Where each `[[table]]` item with a given id starts, found again in the text after
/// parsing (spans do not survive unwrapping). Falls back to the start of the file.
struct Spans<'a> {
    text: &'a str,
}

impl Spans<'_> {
    fn of(&self, table: &str, id: &str) -> Range<usize> {
        let header = format!("[[{table}]]");
        let mut in_table = false;
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                in_table = trimmed == header;
            } else if in_table && is_id_line(trimmed, id) {
                return offset..offset + line.trim_end().len();
            }
            offset += line.len();
        }
        0..0
    }
}

impl Spans<'_> {
    /// The line that writes `key = value` in the `[[table]]` item with `id` (in the top
    /// level when `table` is empty), else that item's id line.
    fn value(&self, table: &str, id: &str, key: &str, value: u64) -> Range<usize> {
        let wanted = format!("{key}={value}");
        self.line_in(table, id, |line| writes(line, &wanted))
    }

    /// The line of `field` (`actions[video].params.scenes`) in the `[[table]]` item with
    /// `id`: the line whose key is the field, or a table holding it; else the id line.
    fn field(&self, table: &str, id: &str, field: &str) -> Range<usize> {
        let rest = field.strip_prefix(&format!("{table}[{id}]."));
        let Some(rest) = rest else {
            return self.of(table, id);
        };
        self.line_in(table, id, |line| {
            let key = line.split_once('=').map_or("", |(key, _)| key.trim());
            !key.is_empty() && (rest == key || rest.starts_with(&format!("{key}.")))
        })
    }

    /// The first line of the `[[table]]` item with `id`, from its id line on, for which
    /// `found` holds; else the id line.
    fn line_in(&self, table: &str, id: &str, found: impl Fn(&str) -> bool) -> Range<usize> {
        let header = format!("[[{table}]]");
        let (mut in_table, mut in_item) = (table.is_empty(), table.is_empty());
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let trimmed = line.trim();
            if trimmed.starts_with('[') && !trimmed.starts_with("[{") {
                if in_item && !table.is_empty() {
                    break;
                }
                in_table = trimmed == header;
                in_item = false;
            } else if in_table && is_id_line(trimmed, id) {
                in_item = true;
            }
            if in_item && found(trimmed) {
                return offset..offset + line.trim_end().len();
            }
            offset += line.len();
        }
        self.of(table, id)
    }
}

/// Whether `line` writes `key=value` (spaces aside) as a whole key and a whole number.
fn writes(line: &str, wanted: &str) -> bool {
    let line: String = line
        .split('#')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let key_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    line.match_indices(wanted).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + wanted.len()..].chars().next();
        !before.is_some_and(key_char) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

fn is_id_line(line: &str, id: &str) -> bool {
    let Some((key, value)) = line.split_once('=') else {
        return false;
    };
    key.trim() == "id" && value.trim().trim_matches('"') == id
}

fn build(raw: RawModel, at: &Located<'_>) -> Result<Model, PricingError> {
    let pools = at.unique("pools", raw.pools, |p| &p.id)?;
    let actions = at.unique("actions", raw.actions, |a| &a.id)?;
    let plans = at.unique("plans", raw.plans, |p| &p.id)?;
    let (mut packs, mut incomplete_packs) = (Vec::new(), Vec::new());
    for terms in at.unique("packs", raw.packs, |p| &p.id)? {
        match terms.complete() {
            Some(pack) => packs.push(pack),
            None => incomplete_packs.push(terms),
        }
    }
    let claims = at.unique("claims", raw.claims, |c| &c.id)?;
    Ok(Model {
        id: raw.id,
        name: raw.name,
        file: at.file.to_string(),
        document: raw.document,
        currency: raw.currency,
        charge_timing: raw.charge_timing,
        warnings: raw.warnings,
        shared_workspace: raw.shared_workspace,
        pools,
        actions,
        plans,
        packs,
        incomplete_packs,
        claims,
    })
}

fn need_pool(model: &Model, field: String, pool: &str) -> Result<(), Problem> {
    if model.pools.iter().any(|p| p.id == pool) {
        return Ok(());
    }
    let valid = super::error::list(model.pools.iter().map(|p| p.id.as_str()), "none");
    Err(problem(
        field,
        format!("unknown pool `{pool}`: expected one of {valid}"),
    ))
}

fn need_actions(model: &Model, field: String, ids: &[String]) -> Result<(), Problem> {
    for id in ids {
        model
            .action(id)
            .map_err(|e| problem(field.clone(), e.to_string()))?;
    }
    Ok(())
}

fn check_action(model: &Model, a: &Action) -> Result<(), Problem> {
    let field = |name: &str| format!("actions[{}].{name}", a.id);
    need_pool(model, field("pool"), &a.pool)?;
    let rules = [a.credits.is_some(), a.table.is_some(), a.steps.is_some()];
    if rules.iter().filter(|r| **r).count() != 1 {
        let msg = "give exactly one cost rule: `credits`, `table` (with `by`) or `steps`";
        return Err(problem(field("credits"), msg));
    }
    for (name, param) in &a.params {
        quote::check_param(name, param)
            .map_err(|m| problem(field(&format!("params.{name}")), m))?;
    }
    if a.unit == Some(0) {
        return Err(problem(field("unit"), "`unit` must be at least 1"));
    }
    check_table(a).map_err(|m| problem(field("table"), m))?;
    check_per(a).map_err(|m| problem(field("per"), m))?;
    let fixed = a.credits.iter().map(|c| ("credits".to_string(), c));
    let table = a.table.iter().flatten();
    for (name, amount) in fixed.chain(table.map(|(k, c)| (format!("table.{k}"), c))) {
        let cost = amount.cost();
        if cost.min > cost.max {
            let msg = format!("min {} exceeds max {}", cost.min, cost.max);
            return Err(problem(field(&name), msg));
        }
    }
    Ok(())
}

/// `by` names a word parameter and `table` prices each of its values, no more, no less.
fn check_table(a: &Action) -> Result<(), String> {
    let (by, table) = match (&a.by, &a.table) {
        (None, None) => return Ok(()),
        (Some(by), Some(table)) => (by, table),
        _ => return Err("`by` and `table` go together".to_string()),
    };
    let values = a.params.get(by).and_then(|p| p.values.as_ref());
    let Some(values) = values else {
        return Err(format!(
            "`by = \"{by}\"` must name a parameter with `values`"
        ));
    };
    let declared: BTreeSet<&str> = values.iter().map(String::as_str).collect();
    let priced: BTreeSet<&str> = table.keys().map(String::as_str).collect();
    if declared != priced {
        let want = super::error::list(declared, "none");
        return Err(format!(
            "the table must price exactly the values of `{by}`: {want}"
        ));
    }
    Ok(())
}

/// `per` names a number parameter; a unit above 1 needs a rounding rule.
fn check_per(a: &Action) -> Result<(), String> {
    let Some(per) = &a.per else {
        return match a.unit.is_some() || a.rounding.is_some() {
            true => Err("`unit` and `rounding` need `per`".to_string()),
            false => Ok(()),
        };
    };
    if a.steps.is_some() {
        return Err("a recipe (`steps`) cannot also be priced `per` a parameter".to_string());
    }
    match a.params.get(per) {
        Some(p) if p.values.is_none() => {}
        _ => {
            return Err(format!(
                "`per = \"{per}\"` must name a whole-number parameter"
            ));
        }
    }
    match (a.unit.unwrap_or(1), a.rounding) {
        (0, _) => Err("`unit` must be at least 1".to_string()),
        (u, None) if u > 1 => Err(format!(
            "`unit = {u}` needs `rounding`: ceil, floor or exact"
        )),
        _ => Ok(()),
    }
}

fn check_plan(model: &Model, plan: &Plan) -> Result<(), Problem> {
    let field = |name: &str| format!("plans[{}].{name}", plan.id);
    need_pool(model, field("pool"), &plan.pool)?;
    need_actions(
        model,
        field("entitled"),
        plan.entitled.as_deref().unwrap_or(&[]),
    )?;
    need_actions(model, field("unlimited"), &plan.unlimited)?;
    if plan.rollover {
        let msg =
            "rollover = true is not supported: allowance lots expire at the end of their cycle";
        return Err(problem(field("rollover"), msg));
    }
    Ok(())
}

fn check_pack(model: &Model, pack: &PackTerms) -> Result<(), Problem> {
    let field = |name: &str| format!("packs[{}].{name}", pack.id);
    need_pool(model, field("pool"), &pack.pool)?;
    for plan in pack.plans.iter().flatten() {
        model
            .plan(plan)
            .map_err(|e| problem(field("plans"), e.to_string()))?;
    }
    let needs_plan = pack.validity == Some(Validity::BillingCycle) || pack.recurring;
    if needs_plan && !pack.requires_plan {
        let msg = "a pack that lasts a billing cycle or recurs needs `requires_plan = true`";
        return Err(problem(field("requires_plan"), msg));
    }
    Ok(())
}

/// Builds a `Malformed` error, turning a byte span into line and column and finding the
/// field: the key on that line, under the nearest table header.
fn malformed(
    file: &str,
    text: &str,
    span: Range<usize>,
    field: Option<String>,
    message: &str,
) -> PricingError {
    let offset = span.start.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    let field = field.unwrap_or_else(|| field_at(text, line_start));
    PricingError::Malformed {
        file: file.to_string(),
        line,
        column,
        field,
        message: message.to_string(),
    }
}

/// `table[id].key` for the line starting at `line_start`: the nearest header above it, the
/// `id` of that table when it has one above the line, and the key before `=` on the line.
fn field_at(text: &str, line_start: usize) -> String {
    let this_line = text[line_start..].lines().next().unwrap_or("");
    let mut above: Vec<&str> = text[..line_start].lines().map(str::trim).collect();
    // An error at a table's header (a missing field) belongs to that table, whose id is in
    // the lines below it.
    if this_line.trim().starts_with('[') {
        let table: Vec<&str> = text[line_start..].lines().map(str::trim).collect();
        let body = table[1..].iter().take_while(|l| !l.starts_with('['));
        above.push(table[0]);
        above.extend(body);
    }
    let header_at = match this_line.trim().starts_with('[') {
        true => Some(text[..line_start].lines().count()),
        false => above.iter().rposition(|l| l.starts_with('[')),
    };
    // A header may carry a comment: `[[actions]]  # the ad`.
    let header = header_at.map(|i| {
        let header = above[i].split('#').next().unwrap_or("").trim();
        header
            .trim_matches(|c| c == '[' || c == ']')
            .trim()
            .to_string()
    });
    let id = header_at.and_then(|i| {
        let body = &above[i + 1..];
        body.iter().find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "id").then(|| value.trim().trim_matches('"').to_string())
        })
    });
    let key = this_line.split_once('=').map(|(k, _)| k.trim().to_string());
    let key = key.filter(|k| !k.is_empty() && !k.starts_with('#'));
    let table = match (header, id) {
        (Some(h), Some(id)) => Some(format!("{h}[{id}]")),
        (h, _) => h,
    };
    match (table, key) {
        (Some(t), Some(k)) => format!("{t}.{k}"),
        (Some(t), None) => t,
        (None, Some(k)) => k,
        (None, None) => "(top level)".to_string(),
    }
}
