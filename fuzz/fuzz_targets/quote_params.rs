//! `creditsim quote` words: `VENDOR ACTION [PARAM=VALUE]...` split on whitespace, the
//! parameters split at their first `=` as `quote` does, then priced by the built-in model,
//! alone and on every plan: a quote or an error, never a panic.
#![no_main]

use creditsim::pricing::{Model, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let [vendor, action, pairs @ ..] = words.as_slice() else {
        return;
    };
    let Ok(model) = Model::resolve(vendor) else {
        return;
    };
    let mut params = Params::new();
    for pair in pairs {
        // The CLI's rule (`cli::quote::parse_params`, in the binary): a non-empty key, once.
        let Some((key, value)) = pair.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return;
        };
        if params.insert(key.to_string(), value.to_string()).is_some() {
            return;
        }
    }
    let _ = model.quote(action, &params);
    for plan in model.plans() {
        let _ = model.quote_on(&plan.id, action, &params);
    }
});
