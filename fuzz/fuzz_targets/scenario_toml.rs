//! A scenario file from text, then the run configuration built from it: any input gives a
//! scenario or an error, never a panic or a hang.
#![no_main]

use std::path::Path;

use creditsim::runner::{Overrides, RunConfig};
use creditsim::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Relative paths (a trace, a model) resolve beside the shipped scenarios.
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/fuzz.toml"
    ));
    if let Ok(scenario) = Scenario::parse(text, path, None, None) {
        let _ = RunConfig::new(scenario, Overrides::default());
    }
});
