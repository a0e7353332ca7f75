//! `creditsim quote`: prices one action of one vendor and shows the arithmetic, optionally
//! in a plan's context (unlimited, not entitled, or charged).

use std::process::ExitCode;

use anyhow::{Context, bail};
use creditsim::pricing::{ChargeTiming, Model, OnPlan, Params, PlanQuote, Quote};

/// Arguments of `creditsim quote`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  creditsim quote aytada ad length=standard quality=pro\n  \
                        creditsim quote videodraft speech chars=600 --plan studio\n  \
                        creditsim quote aibc image size=short --plan free --json\n  \
                        creditsim quote --model /tmp/aytada-copy.toml video scenes=5"
)]
pub struct Args {
    /// `VENDOR ACTION [PARAM=VALUE]...`: a built-in vendor id (aytada, aibc, videodraft,
    /// campaigns, aistudios) or the path of a model file, the action id, and its parameters
    /// (for example `aytada ad length=standard quality=pro`). With `--model`, VENDOR may be
    /// left out; if given it must be the model's own id.
    #[arg(value_name = "VENDOR ACTION [PARAM=VALUE]", required = true, num_args = 1..)]
    words: Vec<String>,
    /// Price with this model file instead of a built-in one (a copied and edited vendor file).
    #[arg(long, value_name = "PATH")]
    model: Option<std::path::PathBuf>,
    /// What this plan pays: 0 for an action it makes unlimited, "not entitled" for one it
    /// refuses, the quote otherwise.
    #[arg(long, value_name = "PLAN")]
    plan: Option<String>,
    /// Print one JSON object: vendor, action, pool, credits {min, max}, breakdown, params;
    /// with --plan also plan, on_plan and list_credits (credits is null when not entitled).
    #[arg(long)]
    json: bool,
}

/// Runs `creditsim quote`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (model, rest) = model_and_rest(&args)?;
    let Some((action, pairs)) = rest.split_first() else {
        bail!("missing ACTION: expected `creditsim quote VENDOR ACTION [PARAM=VALUE]...`");
    };
    let params = parse_params(pairs)?;
    let on_plan = match &args.plan {
        Some(plan) => Some(model.quote_on(plan, action, &params)?),
        None => None,
    };
    let quote = match &on_plan {
        Some(on) => on.quote.clone(),
        None => model.quote(action, &params)?,
    };
    let out = match args.json {
        true => json(&quote, &params, on_plan.as_ref())?,
        false => text(&model, &quote, &params, on_plan.as_ref()),
    };
    super::table::emit(&out)?;
    Ok(ExitCode::from(super::EXIT_OK))
}

fn json(quote: &Quote, params: &Params, on: Option<&PlanQuote>) -> anyhow::Result<String> {
    let mut value = serde_json::to_value(quote)?;
    value["params"] = serde_json::to_value(params)?;
    value["fixed"] = quote.credits.is_fixed().into();
    if let Some(on) = on {
        value["plan"] = on.plan.clone().into();
        value["on_plan"] = serde_json::to_value(on.on_plan)?;
        value["list_credits"] = serde_json::to_value(quote.credits)?;
        value["credits"] = serde_json::to_value(on.credits())?;
    }
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

fn text(model: &Model, quote: &Quote, params: &Params, on: Option<&PlanQuote>) -> String {
    let shown: Vec<String> = params.iter().map(|(k, v)| format!(" {k}={v}")).collect();
    let head = format!("{} {}{}", quote.vendor, quote.action, shown.concat());
    let pool = &quote.pool;
    let mut out = match on.map(|on| (on.on_plan, &on.plan)) {
        None | Some((OnPlan::Charged, _)) => {
            let plan = on.map_or(String::new(), |on| format!(" on plan {}", on.plan));
            format!(
                "{head}{plan}: {} credits from pool `{pool}`\n",
                quote.credits
            )
        }
        Some((OnPlan::Unlimited, plan)) => {
            format!("{head} on plan {plan}: 0 credits, unlimited on {plan} (pool `{pool}`)\n")
        }
        Some((OnPlan::NotEntitled, plan)) => format!(
            "{head} on plan {plan}: not entitled, {plan} cannot use {}\n",
            quote.action
        ),
    };
    let charged = on.is_none_or(|on| on.on_plan == OnPlan::Charged);
    let list = if charged { "" } else { "list price: " };
    out.push_str(&format!("  {list}{}\n", quote.breakdown_text()));
    if !quote.credits.is_fixed() {
        out.push_str(&format!(
            "  variable: {}\n",
            timing_note(model.charge_timing())
        ));
    }
    out
}

/// The model, and the words after VENDOR.
fn model_and_rest(args: &Args) -> anyhow::Result<(Model, &[String])> {
    let Some(path) = &args.model else {
        let model = Model::resolve(&args.words[0])?;
        return Ok((model, &args.words[1..]));
    };
    let model = Model::load(path)?;
    let skip = usize::from(args.words[0] == model.id());
    Ok((model, &args.words[skip..]))
}

fn timing_note(timing: ChargeTiming) -> &'static str {
    match timing {
        ChargeTiming::Upfront => {
            "the amount is known when the step starts, taken then, and refunded on failure"
        }
        ChargeTiming::AfterCompletion => {
            "the most is held while it runs; the actual amount is charged after completion"
        }
    }
}

/// `PARAM=VALUE` words into parameters; a repeated parameter is an error.
pub fn parse_params(pairs: &[String]) -> anyhow::Result<Params> {
    let mut params = Params::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .with_context(|| format!("expected PARAM=VALUE, got `{pair}`"))?;
        if params.insert(key.to_string(), value.to_string()).is_some() {
            bail!("parameter `{key}` given twice");
        }
    }
    Ok(params)
}
