//! A steps CSV read row by row, and whatever it holds checked offline: steps or an error,
//! and a verdict, never a panic.
#![no_main]

use creditsim::check::check_journal;
use creditsim::journal::{StepReader, StepRecord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = StepReader::from_reader(data, "steps.csv") else {
        return;
    };
    let steps: Vec<StepRecord> = reader.map_while(Result::ok).collect();
    let _ = check_journal([], &steps);
});
