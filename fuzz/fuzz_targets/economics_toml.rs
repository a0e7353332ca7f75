//! An economics scenario from text: a configuration or an error, never a panic or a hang.
#![no_main]

use std::path::Path;

use creditsim::sim::{EconomicsConfig, EconomicsOverrides};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/economics/fuzz.toml"
    ));
    if let Ok(config) = EconomicsConfig::parse(text, path, EconomicsOverrides::default()) {
        let _ = config.account_runs();
    }
});
