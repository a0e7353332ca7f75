//! A trace CSV against the shipped aibc scenario's agents and model: a trace or an error,
//! never a panic.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use creditsim::scenario::{Scenario, trace};
use libfuzzer_sys::fuzz_target;

fn scenario() -> &'static Scenario {
    static SCENARIO: OnceLock<Scenario> = OnceLock::new();
    SCENARIO.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/aibc.toml");
        Scenario::load(Path::new(path), None).expect("the shipped aibc scenario loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scenario = scenario();
    let _ = trace::parse(
        text,
        Path::new("fuzz.csv"),
        &scenario.agents,
        &scenario.vendor,
    );
});
