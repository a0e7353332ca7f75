//! Every numeric field of the model schema with 0, -1, its type's largest value, its
//! documented limit and one past it. Each value either loads, and then quoting every action,
//! auditing every claim and a short run on the model neither panic nor overflow, or is
//! refused with an error naming the file, the line of the value and the field.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use creditsim::pricing::{Model, Params, PricingError, limits};
use creditsim::runner::{OutDir, Overrides};

use crate::support::{creditsim, run_path, temp_dir};

/// A small model that uses every numeric field once; `{name}` marks where a swept value
/// goes, every other mark getting its default from [`SITES`].
const TEMPLATE: &str = r#"id = "sweep"
name = "Sweep"
charge_timing = "after-completion"
warnings = [{ below = {below} }, { reaches = {reaches} }]

[[pools]]
id = "credits"
description = "the one pool"

[[actions]]
id = "render"
description = "priced per scene by quality"
params.scenes = { min = {param_min}, max = {param_max}, default = {param_default} }
params.quality = { values = ["standard", "pro"], default = "standard" }
by = "quality"
table = { standard = {table}, pro = 40 }
per = "scenes"

[[actions]]
id = "speech"
description = "per 100 characters"
params.chars = { min = 1, default = 150 }
credits = {credits}
per = "chars"
unit = {unit}
rounding = "ceil"

[[actions]]
id = "chat"
description = "a variable cost"
credits = { min = {range_min}, max = {range_max} }

[[actions]]
id = "ad"
description = "a recipe"
steps = [{ action = "render", params = { scenes = {step_param} } }, { action = "chat" }]

[[plans]]
id = "pro"
name = "Pro"
allowance = {allowance}
per_seat = true
period = "monthly"
refresh = "monthly"
price = "{plan_price}.00"

[[packs]]
id = "pack"
name = "Pack"
credits = {pack_credits}
price = "{pack_price}.00"
validity = "{validity}-months"

[[packs]]
id = "unit"
name = "Add-on unit"
credits = 200
validity = "billing-cycle"
requires_plan = true
recurring = true
plans = ["pro"]

[[claims]]
id = "quoted"
description = "a quote"
kind = "quote"
line = {line}
says = "chat costs 1 to 3"
action = "chat"
count = {count}
doc = {doc}
match = "within"

[[claims]]
id = "summed"
description = "a sum"
kind = "sum"
line = 2
says = "two chats"
items = [{ action = "chat", count = {item_count}, doc = {item_doc} }]
doc = 4

[[claims]]
id = "rate"
description = "a rate"
kind = "per"
line = 3
says = "1 per 100 characters"
action = "speech"
per = "chars"
unit = {claim_unit}
doc = 1

[[claims]]
id = "fits"
description = "items per month"
kind = "fits"
line = 4
says = "~250 chats"
action = "chat"
budgets = [{ plan = "pro", doc = {budget_doc} }]

[[claims]]
id = "monthly"
description = "the allowance"
kind = "monthly-allowance"
line = 5
says = "500 credits a month per seat"
plan = "pro"
doc = 500
seats = {seats}

[[claims]]
id = "expiry"
description = "packs expire"
kind = "expires"
line = 6
says = "valid 12 months"
packs = ["pack"]
months = {months}

[[claims]]
id = "addons"
description = "add-on units"
kind = "addon-units"
line = 7
says = "200 credits a unit"
plan = "pro"
pack = "unit"
units = {units}
doc = 200

[[claims]]
id = "warned"
description = "a warning"
kind = "warns"
line = 8
says = "warns below 100"
levels = [{ below = {level} }]
pack = "pack"
action = "chat"
"#;

/// One numeric field: its mark in [`TEMPLATE`], the valid value the mark takes when another
/// field is swept, the name of its limit in `pricing::limits`, the field an error must name,
/// and the largest value of its type that TOML can write.
struct Site {
    mark: &'static str,
    default: &'static str,
    limit: &'static str,
    field: &'static str,
    type_max: u64,
}

const U64: u64 = i64::MAX as u64; // TOML integers are i64
const U32: u64 = u32::MAX as u64;

const fn site(
    mark: &'static str,
    default: &'static str,
    limit: &'static str,
    field: &'static str,
    type_max: u64,
) -> Site {
    Site {
        mark,
        default,
        limit,
        field,
        type_max,
    }
}

const SITES: &[Site] = &[
    site("below", "100", "warnings.below", "warnings", U64),
    site("reaches", "10", "warnings.reaches", "warnings", U64),
    site(
        "param_min",
        "1",
        "actions.params.min",
        "actions[render].params.scenes",
        U64,
    ),
    site(
        "param_max",
        "20",
        "actions.params.max",
        "actions[render].params.scenes",
        U64,
    ),
    site(
        "param_default",
        "3",
        "actions.params.default",
        "actions[render].params.scenes",
        U64,
    ),
    site("table", "15", "actions.table", "actions[render].table", U64),
    site(
        "credits",
        "1",
        "actions.credits",
        "actions[speech].credits",
        U64,
    ),
    site("unit", "100", "actions.unit", "actions[speech].unit", U64),
    site(
        "range_min",
        "1",
        "actions.credits",
        "actions[chat].credits",
        U64,
    ),
    site(
        "range_max",
        "3",
        "actions.credits",
        "actions[chat].credits",
        U64,
    ),
    site(
        "step_param",
        "2",
        "actions.steps.params",
        "actions[ad].steps",
        U64,
    ),
    site(
        "allowance",
        "500",
        "plans.allowance",
        "plans[pro].allowance",
        U64,
    ),
    site(
        "plan_price",
        "19",
        "plans.price",
        "plans[pro].price",
        U64 / 100,
    ),
    site(
        "pack_credits",
        "1000",
        "packs.credits",
        "packs[pack].credits",
        U64,
    ),
    site(
        "pack_price",
        "9",
        "packs.price",
        "packs[pack].price",
        U64 / 100,
    ),
    site(
        "validity",
        "12",
        "packs.validity",
        "packs[pack].validity",
        U32,
    ),
    site("line", "1", "claims.line", "claims[quoted].line", U32),
    site("count", "1", "claims.count", "claims[quoted].count", U64),
    site("doc", "2", "claims.doc", "claims[quoted].doc", U64),
    site(
        "item_count",
        "2",
        "claims.items.count",
        "claims[summed].items",
        U64,
    ),
    site(
        "item_doc",
        "4",
        "claims.items.doc",
        "claims[summed].items",
        U64,
    ),
    site("claim_unit", "100", "claims.unit", "claims[rate].unit", U64),
    site(
        "budget_doc",
        "250",
        "claims.budgets.doc",
        "claims[fits].budgets",
        U64,
    ),
    site("seats", "1", "claims.seats", "claims[monthly].seats", U32),
    site(
        "months",
        "12",
        "claims.months",
        "claims[expiry].months",
        U32,
    ),
    site("units", "1", "claims.units", "claims[addons].units", U32),
    site(
        "level",
        "100",
        "claims.levels",
        "claims[warned].levels",
        U64,
    ),
];

/// The model with `site` set to `value` and every other mark at its default.
fn model_text(site: &Site, value: &str) -> String {
    let mut text = TEMPLATE.to_string();
    for other in SITES {
        let mark = format!("{{{}}}", other.mark);
        let with = if other.mark == site.mark {
            value
        } else {
            other.default
        };
        text = text.replace(&mark, with);
    }
    text
}

/// The 1-based line of `site`'s mark in the template.
fn line_of(site: &Site) -> usize {
    let mark = format!("{{{}}}", site.mark);
    let at = TEMPLATE.find(&mark).expect("every site has a mark");
    TEMPLATE[..at].matches('\n').count() + 1
}

/// A short run on the model at `model`: two per-seat accounts with a pack and an add-on
/// unit, every action in the mix, over two virtual months.
fn scenario_text(model: &Path) -> String {
    format!(
        "vendor = \"{}\"\nseed = 3\n[[accounts]]\ncount = 2\nplan = \"pro\"\nseats = 2\n\
         packs = [\"pack\"]\naddon_units = 1\n\
         [[workload]]\naction = \"render\"\n[[workload]]\naction = \"speech\"\n\
         [[workload]]\naction = \"chat\"\n[[workload]]\naction = \"ad\"\n\
         [duration]\nsteps = 40\n[clock]\nmonths = 2\n",
        model.display()
    )
}

/// Quotes every action with its defaults, audits every claim and runs the model: what
/// panicked, if anything, else why the run could not start (which is not a failure).
fn exercise(dir: &Path, path: &Path, model: &Model) -> Result<(), String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        for action in model.actions() {
            let _ = model.quote(&action.id, &Params::new());
        }
        let _ = creditsim::audit::audit(model);
        let scenario = dir.join("run.toml");
        std::fs::write(&scenario, scenario_text(path)).unwrap();
        let config = creditsim::runner::RunConfig::load(&scenario, quick());
        if config.is_ok() {
            let ran = run_path(&scenario, quick());
            assert_eq!(ran.count("steps"), 40, "every step finished");
            assert_eq!(ran.count("unexpected"), 0);
            assert_eq!(ran.violated(), Vec::<String>::new());
        }
    }));
    outcome.map_err(|panic| {
        let text = panic.downcast_ref::<String>().cloned();
        let text = text.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
        text.unwrap_or_else(|| "a panic".to_string())
    })
}

fn quick() -> Overrides {
    Overrides {
        deterministic: true,
        no_thresholds: true,
        out: OutDir::Discard,
        ..Overrides::default()
    }
}

/// Why a refusal is not clear enough, if it is not: it must be `Malformed`, in the file, at
/// the value's line, naming the field.
fn unclear(err: &PricingError, path: &Path, site: &Site) -> Option<String> {
    let text = err.to_string();
    let PricingError::Malformed {
        file, line, field, ..
    } = err
    else {
        return Some(format!("not a located error: {text}"));
    };
    let right = *file == path.display().to_string()
        && *line == line_of(site)
        && field.starts_with(site.field);
    (!right).then(|| format!("want line {} field {}: {text}", line_of(site), site.field))
}

/// What is wrong with how `value` of `site` was handled, if anything; `refused` says whether
/// it must be refused (`Some(true)`), accepted (`Some(false)`) or may be either.
fn judge(dir: &Path, site: &Site, value: &str, refused: Option<bool>) -> Option<String> {
    let path = dir.join(format!("{}.toml", site.mark));
    std::fs::write(&path, model_text(site, value)).unwrap();
    let what = format!("{} = {value}", site.limit);
    match (Model::load(&path), refused) {
        (Ok(_), Some(true)) => Some(format!("{what}: accepted")),
        (Ok(model), _) => exercise(dir, &path, &model)
            .err()
            .map(|p| format!("{what}: panicked: {p}")),
        (Err(err), Some(false)) => Some(format!("{what}: refused: {err}")),
        (Err(err), _) => unclear(&err, &path, site).map(|why| format!("{what}: {why}")),
    }
}

#[test]
fn the_template_loads_and_every_limit_has_a_site() {
    let dir = temp_dir("model-sweep-template");
    let path = dir.join("m.toml");
    std::fs::write(&path, model_text(&SITES[0], SITES[0].default)).unwrap();
    let model = Model::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exercise(&dir, &path, &model), Ok(()));
    for &(name, _) in limits::all() {
        assert!(
            SITES.iter().any(|s| s.limit == name),
            "limit {name} has no site"
        );
    }
    for site in SITES {
        assert!(
            limits::max_of(site.limit).is_some(),
            "{} has no limit",
            site.limit
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_numeric_model_field_loads_cleanly_or_is_refused_at_its_line() {
    let dir = temp_dir("model-sweep");
    let mut wrong = Vec::new();
    for site in SITES {
        let max = limits::max_of(site.limit).unwrap_or(site.type_max);
        let cases = [
            ("0".to_string(), None),
            ("-1".to_string(), Some(true)),
            (site.type_max.to_string(), Some(true)),
            ((max + 1).to_string(), Some(true)),
            (max.to_string(), None),
        ];
        for (value, refused) in cases {
            wrong.extend(judge(&dir, site, &value, refused));
        }
        let path = dir.join("past.toml");
        std::fs::write(&path, model_text(site, &(max + 1).to_string())).unwrap();
        if let Err(err) = Model::load(&path) {
            let text = err.to_string();
            if !text.contains(&format!("at most {max}")) && !text.contains(&format!("{max}.00")) {
                wrong.push(format!("{}: the limit is not named: {text}", site.limit));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_model_past_a_limit_makes_quote_exit_2_naming_file_line_and_field() {
    let dir = temp_dir("model-sweep-cli");
    let path = dir.join("big.toml");
    let allowance = SITES.iter().find(|s| s.mark == "allowance").unwrap();
    let max = limits::max_of(allowance.limit).unwrap();
    std::fs::write(&path, model_text(allowance, &(max + 1).to_string())).unwrap();
    let output = creditsim()
        .args(["quote"])
        .arg(&path)
        .args(["chat"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let at = format!("{}:{}:", path.display(), line_of(allowance));
    assert!(stderr.contains(&at), "{stderr}");
    assert!(stderr.contains("plans[pro].allowance"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
