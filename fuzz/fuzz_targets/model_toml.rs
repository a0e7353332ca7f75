//! A vendor model file, then every action quoted with no parameters, alone and on every
//! plan: a model or an error, and a quote or an error, never a panic.
#![no_main]

use creditsim::pricing::{Model, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if std::str::from_utf8(data).is_err() {
        return;
    }
    // Models load from files only (the text parser is private to `pricing`): one scratch
    // file per fuzzing process, in memory.
    let path =
        std::env::temp_dir().join(format!("creditsim-fuzz-model-{}.toml", std::process::id()));
    std::fs::write(&path, data).expect("scratch model file");
    let Ok(model) = Model::load(&path) else {
        return;
    };
    let params = Params::new();
    for action in model.actions() {
        let _ = model.quote(&action.id, &params);
        for plan in model.plans() {
            let _ = model.quote_on(&plan.id, &action.id, &params);
        }
    }
});
