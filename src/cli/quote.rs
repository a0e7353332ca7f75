//! `creditsim quote`: prices one action of one vendor and shows the arithmetic.

use std::process::ExitCode;

use anyhow::{Context, bail};
use creditsim::pricing::{ChargeTiming, Model, Params};

/// Arguments of `creditsim quote`.
#[derive(Debug, clap::Args)]
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
    /// Print one JSON object: vendor, action, pool, credits {min, max}, breakdown, params.
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
    let quote = model.quote(action, &params)?;
    if args.json {
        let mut value = serde_json::to_value(&quote)?;
        value["params"] = serde_json::to_value(&params)?;
        value["fixed"] = quote.credits.is_fixed().into();
        super::table::emit(&(serde_json::to_string_pretty(&value)? + "\n"))?;
        return Ok(ExitCode::from(super::EXIT_OK));
    }
    let shown: Vec<String> = params.iter().map(|(k, v)| format!(" {k}={v}")).collect();
    let mut out = format!(
        "{} {}{}: {} credits from pool `{}`\n",
        quote.vendor,
        quote.action,
        shown.concat(),
        quote.credits,
        quote.pool
    );
    out.push_str(&format!("  {}\n", quote.breakdown_text()));
    if !quote.credits.is_fixed() {
        out.push_str(&format!(
            "  variable: {}\n",
            timing_note(model.charge_timing())
        ));
    }
    super::table::emit(&out)?;
    Ok(ExitCode::from(super::EXIT_OK))
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
        ChargeTiming::Upfront => "the most is held at the start; the actual amount is charged",
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
