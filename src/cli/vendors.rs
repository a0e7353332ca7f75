//! `creditsim vendors`: lists vendor models (pools, plans, packs, and actions with their cost
//! rule in words), so that a user can find the ids `quote` and scenarios take.

use std::process::ExitCode;

use creditsim::pricing::{BUILTIN_IDS, Model, Param, Validity};

use super::table;

/// Arguments of `creditsim vendors`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One vendor: a built-in id (aytada, aibc, videodraft, campaigns, aistudios) or the path
    /// of a model file. Without it, all five built-in vendors are listed.
    #[arg(conflicts_with = "model")]
    vendor: Option<String>,
    /// List this model file (a copied and edited vendor file) instead.
    #[arg(long, value_name = "PATH")]
    model: Option<std::path::PathBuf>,
    /// Print JSON: one object per vendor with pools, plans, packs and actions.
    #[arg(long)]
    json: bool,
}

/// Runs `creditsim vendors`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let models = match (&args.model, &args.vendor) {
        (Some(path), _) => vec![Model::load(path)?],
        (None, Some(spec)) => vec![Model::resolve(spec)?],
        (None, None) => BUILTIN_IDS
            .iter()
            .map(|id| Model::builtin(id))
            .collect::<Result<_, _>>()?,
    };
    if args.json {
        let out: Vec<serde_json::Value> = models.iter().map(json).collect::<Result<_, _>>()?;
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::from(super::EXIT_OK));
    }
    for model in &models {
        print_model(model);
    }
    Ok(ExitCode::from(super::EXIT_OK))
}

fn json(model: &Model) -> anyhow::Result<serde_json::Value> {
    let mut actions = Vec::new();
    for action in model.actions() {
        let mut value = serde_json::to_value(action)?;
        value["cost_rule"] = model.describe_cost(action).into();
        actions.push(value);
    }
    Ok(serde_json::json!({
        "vendor": model.id(),
        "name": model.name(),
        "file": model.file(),
        "currency": model.currency(),
        "charge_timing": model.charge_timing(),
        "warn_thresholds": model.warn_thresholds(),
        "shared_workspace": model.shared_workspace(),
        "pools": model.pools(),
        "plans": model.plans(),
        "packs": model.packs(),
        "actions": actions,
    }))
}

fn or_unknown<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "unknown".to_string(), |v| v.to_string())
}

fn print_model(model: &Model) {
    let thresholds: Vec<String> = model.warn_thresholds().iter().map(u64::to_string).collect();
    println!("{} — {} ({})", model.id(), model.name(), model.file());
    println!(
        "  charge timing: {:?}; currency: {}; low-balance warnings: {}; shared workspace: {}",
        model.charge_timing(),
        or_unknown(model.currency()),
        if thresholds.is_empty() {
            "none".to_string()
        } else {
            thresholds.join(", ")
        },
        if model.shared_workspace() {
            "yes"
        } else {
            "no"
        },
    );
    println!("\n  pools");
    let pools: Vec<Vec<String>> = model
        .pools()
        .iter()
        .map(|p| vec![p.id.clone(), p.description.clone()])
        .collect();
    table::print(&["id", "description"], &pools);
    print_plans(model);
    print_packs(model);
    print_actions(model);
    println!();
}

fn print_plans(model: &Model) {
    if model.plans().is_empty() {
        println!("\n  plans: none (packs only)");
        return;
    }
    println!("\n  plans (no roll-over: allowances expire at the end of their cycle)");
    let rows: Vec<Vec<String>> = model
        .plans()
        .iter()
        .map(|p| {
            let seat = if p.per_seat { " per seat" } else { "" };
            vec![
                p.id.clone(),
                or_unknown(p.allowance) + seat,
                format!("{:?}", p.period).to_lowercase(),
                format!("{:?}", p.refresh).to_lowercase(),
                or_unknown(p.price),
                p.entitled
                    .as_ref()
                    .map_or_else(|| "all".to_string(), |e| e.join(", ")),
                if p.unlimited.is_empty() {
                    "-".to_string()
                } else {
                    p.unlimited.join(", ")
                },
            ]
        })
        .collect();
    let headers = [
        "id",
        "allowance",
        "billing",
        "refresh",
        "price",
        "entitled",
        "unlimited",
    ];
    table::print(&headers, &rows);
}

fn print_packs(model: &Model) {
    if model.packs().is_empty() {
        println!("\n  packs: none");
        return;
    }
    println!("\n  packs");
    let rows: Vec<Vec<String>> = model
        .packs()
        .iter()
        .map(|p| {
            let validity = match p.validity {
                Validity::Never => "never expires".to_string(),
                Validity::Months(n) => format!("{n} months"),
                Validity::BillingCycle => "end of billing cycle".to_string(),
            };
            let mut terms = Vec::new();
            if p.recurring {
                terms.push("monthly add-on unit".to_string());
            }
            if p.requires_plan {
                let plans = p.plans.as_ref().map_or("any".to_string(), |v| v.join("|"));
                terms.push(format!("needs plan {plans}"));
            }
            if p.shared {
                terms.push("shared by workspace".to_string());
            }
            let terms = if terms.is_empty() {
                "-".to_string()
            } else {
                terms.join("; ")
            };
            vec![
                p.id.clone(),
                p.pool.clone(),
                p.credits.to_string(),
                or_unknown(p.price),
                validity,
                terms,
            ]
        })
        .collect();
    table::print(
        &["id", "pool", "credits", "price", "validity", "terms"],
        &rows,
    );
}

fn param_words(name: &str, p: &Param) -> String {
    let kind = match (&p.values, p.min.unwrap_or(0), p.max) {
        (Some(values), _, _) => values.join("|"),
        (None, min, Some(max)) => format!("N ({min}..={max})"),
        (None, min, None) => format!("N (≥{min})"),
    };
    match &p.default {
        Some(d) => format!("{name}={kind} [default {d}]"),
        None => format!("{name}={kind}"),
    }
}

fn print_actions(model: &Model) {
    println!("\n  actions");
    let rows: Vec<Vec<String>> = model
        .actions()
        .iter()
        .map(|a| {
            let params: Vec<String> = a.params.iter().map(|(n, p)| param_words(n, p)).collect();
            let params = if params.is_empty() {
                "-".to_string()
            } else {
                params.join(" ")
            };
            vec![a.id.clone(), a.pool.clone(), params, model.describe_cost(a)]
        })
        .collect();
    table::print(&["id", "pool", "params", "cost"], &rows);
}
