//! `creditsim vendors`: lists vendor models (pools, plans, packs, and actions with their cost
//! rule in words), so that a user can find the ids `quote` and scenarios take.

use std::process::ExitCode;

use creditsim::pricing::{
    BUILTIN_IDS, ChargeTiming, Model, PackTerms, Param, Period, Plan, Refresh, Validity,
};

use std::fmt::Write;

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
        table::emit(&(serde_json::to_string_pretty(&out)? + "\n"))?;
        return Ok(ExitCode::from(super::EXIT_OK));
    }
    let mut out = String::new();
    for model in &models {
        print_model(&mut out, model)?;
    }
    table::emit(&out)?;
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
        "warnings": model.warnings(),
        "shared_workspace": model.shared_workspace(),
        "pools": model.pools(),
        "plans": model.plans(),
        "packs": model.packs(),
        "incomplete_packs": model.incomplete_packs(),
        "actions": actions,
    }))
}

fn or_unknown<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "unknown".to_string(), |v| v.to_string())
}

fn or_dash(items: &[String], sep: &str) -> String {
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(sep)
    }
}

fn print_model(out: &mut String, model: &Model) -> std::fmt::Result {
    let thresholds: Vec<String> = model.warnings().iter().map(ToString::to_string).collect();
    let timing = match model.charge_timing() {
        ChargeTiming::Upfront => "upfront (taken at the start, refunded on failure)",
        ChargeTiming::AfterCompletion => "after completion (actual cost charged)",
    };
    writeln!(out, "{} — {} ({})", model.id(), model.name(), model.file())?;
    writeln!(out, "  charge timing: {timing}")?;
    writeln!(out, "  currency: {}", or_unknown(model.currency()))?;
    writeln!(
        out,
        "  low-balance warnings: {}",
        or_dash(&thresholds, ", ")
    )?;
    writeln!(
        out,
        "  shared by a workspace: {}",
        if model.shared_workspace() {
            "yes"
        } else {
            "no"
        }
    )?;
    writeln!(out, "\n  pools")?;
    let pools: Vec<Vec<String>> = model
        .pools()
        .iter()
        .map(|p| vec![p.id.clone(), p.description.clone()])
        .collect();
    table::render(out, &["id", "description"], &pools);
    print_plans(out, model)?;
    print_packs(out, model)?;
    print_actions(out, model)?;
    writeln!(out)
}

fn print_plans(out: &mut String, model: &Model) -> std::fmt::Result {
    if model.plans().is_empty() {
        return writeln!(out, "\n  plans: none (packs only)");
    }
    writeln!(
        out,
        "\n  plans (no roll-over: allowances expire at the end of their cycle)"
    )?;
    let rows: Vec<Vec<String>> = model.plans().iter().map(plan_row).collect();
    let headers = [
        "id",
        "allowance",
        "billing",
        "refresh",
        "price",
        "entitled",
        "unlimited",
    ];
    table::render(out, &headers, &rows);
    Ok(())
}

fn plan_row(p: &Plan) -> Vec<String> {
    let seat = if p.per_seat { " per seat" } else { "" };
    let billing = match p.period {
        Period::Monthly => "monthly",
        Period::Annual => "annual",
    };
    let refresh = match p.refresh {
        Refresh::Monthly => "monthly",
        Refresh::Upfront => "upfront",
    };
    vec![
        p.id.clone(),
        or_unknown(p.allowance) + seat,
        billing.to_string(),
        refresh.to_string(),
        or_unknown(p.price),
        p.entitled
            .as_ref()
            .map_or_else(|| "all".to_string(), |e| e.join(", ")),
        or_dash(&p.unlimited, ", "),
    ]
}

fn print_packs(out: &mut String, model: &Model) -> std::fmt::Result {
    if model.packs().is_empty() && model.incomplete_packs().is_empty() {
        return writeln!(out, "\n  packs: none");
    }
    writeln!(out, "\n  packs")?;
    let complete = model.packs().iter().map(PackTerms::from);
    let all = complete.chain(model.incomplete_packs().iter().cloned());
    let rows: Vec<Vec<String>> = all.map(|p| pack_row(&p)).collect();
    table::render(
        out,
        &["id", "pool", "credits", "price", "validity", "terms"],
        &rows,
    );
    Ok(())
}

fn pack_row(p: &PackTerms) -> Vec<String> {
    let validity = match p.validity {
        Some(Validity::Never) => "never expires".to_string(),
        Some(Validity::Months(n)) => format!("{n} calendar months"),
        Some(Validity::BillingCycle) => "end of billing cycle".to_string(),
        None => "unknown".to_string(),
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
    vec![
        p.id.clone(),
        p.pool.clone(),
        or_unknown(p.credits),
        or_unknown(p.price),
        validity,
        or_dash(&terms, "; "),
    ]
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

fn print_actions(out: &mut String, model: &Model) -> std::fmt::Result {
    writeln!(out, "\n  actions")?;
    let rows: Vec<Vec<String>> = model
        .actions()
        .iter()
        .map(|a| {
            let params: Vec<String> = a.params.iter().map(|(n, p)| param_words(n, p)).collect();
            vec![
                a.id.clone(),
                a.pool.clone(),
                or_dash(&params, " "),
                model.describe_cost(a),
            ]
        })
        .collect();
    table::render(out, &["id", "pool", "params", "cost"], &rows);
    Ok(())
}
