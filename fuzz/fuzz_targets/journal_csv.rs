//! A journal CSV read row by row, and whatever it holds checked offline: events or an
//! error, and a verdict, never a panic.
#![no_main]

use creditsim::check::check_journal;
use creditsim::journal::JournalReader;
use creditsim::ledger::Event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = JournalReader::from_reader(data, "journal.csv") else {
        return;
    };
    let events: Vec<Event> = reader.map_while(Result::ok).collect();
    let _ = check_journal(&events, []);
});
