//! `journal.csv` and `steps.csv`: every event and step survives a write and a read exactly,
//! and a malformed file is refused with its file, line, column and what was expected.

use std::io::Cursor;

use proptest::prelude::*;

use creditsim::journal::{
    JOURNAL_COLUMNS, JournalError, JournalReader, JournalWriter, STEP_COLUMNS, StepReader,
    StepRecord, StepWriter, Told, read_journal,
};
use creditsim::ledger::{Draw, DrawList, Event, EventKind, LotSource, Rejection};
use smol_str::SmolStr;

use crate::journals::{clean_events, clean_steps};

fn write_events(events: &[Event]) -> String {
    let mut writer = JournalWriter::new(Vec::new()).unwrap();
    events.iter().for_each(|e| writer.write(e).unwrap());
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn read_events(text: &str) -> Result<Vec<Event>, JournalError> {
    JournalReader::from_reader(Cursor::new(text.to_string()), "journal.csv")?.collect()
}

fn write_steps(steps: &[StepRecord]) -> String {
    let mut writer = StepWriter::new(Vec::new()).unwrap();
    steps.iter().for_each(|s| writer.write(s).unwrap());
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn read_step_text(text: &str) -> Result<Vec<StepRecord>, JournalError> {
    StepReader::from_reader(Cursor::new(text.to_string()), "steps.csv")?.collect()
}

/// Text that CSV must quote: separators, quotes, line breaks and non-ASCII.
/// Keys and names, both short (stored inline) and long (stored on the heap).
fn text() -> impl Strategy<Value = SmolStr> {
    "[a-z0-9é😀,;:=\"\n\r -]{0,30}".prop_map(SmolStr::from)
}

fn draws() -> impl Strategy<Value = DrawList> {
    prop::collection::vec((any::<u32>(), any::<u64>()), 0..4).prop_map(|v| {
        v.into_iter()
            .map(|(lot, credits)| Draw { lot, credits })
            .collect()
    })
}

fn source() -> impl Strategy<Value = LotSource> {
    prop_oneof![
        Just(LotSource::Allowance),
        Just(LotSource::Addon),
        Just(LotSource::Pack),
        Just(LotSource::Promotion)
    ]
}

fn rejection() -> impl Strategy<Value = Rejection> {
    prop_oneof![
        any::<u64>().prop_map(|available| Rejection::Insufficient { available }),
        Just(Rejection::NotEntitled)
    ]
}

fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        (
            text(),
            any::<u32>(),
            text(),
            source(),
            any::<u64>(),
            any::<Option<u64>>(),
            any::<u8>()
        )
            .prop_map(
                |(key, lot, pool, source, credits, expires_at_ms, priority)| {
                    EventKind::Granted {
                        key,
                        lot,
                        pool,
                        source,
                        credits,
                        expires_at_ms,
                        priority,
                    }
                }
            ),
        (text(), text(), text(), any::<u64>(), any::<u64>(), draws()).prop_map(
            |(key, pool, action, credits, expires_at_ms, draws)| EventKind::Reserved {
                key,
                pool,
                action,
                credits,
                expires_at_ms,
                draws
            }
        ),
        (text(), text(), text(), any::<u64>(), rejection()).prop_map(
            |(key, pool, action, credits, reason)| EventKind::Rejected {
                key,
                pool,
                action,
                credits,
                reason
            }
        ),
        (text(), text(), text(), any::<u64>()).prop_map(|(key, pool, action, credits)| {
            EventKind::Unlimited {
                key,
                pool,
                action,
                credits,
            }
        }),
        (text(), text(), any::<u64>(), draws(), draws()).prop_map(
            |(key, pool, charged, charged_from, returned)| EventKind::Committed {
                key,
                pool,
                charged,
                charged_from,
                returned
            }
        ),
        (text(), text(), any::<bool>(), draws()).prop_map(|(key, pool, timed_out, returned)| {
            EventKind::Released {
                key,
                pool,
                timed_out,
                returned,
            }
        }),
        (text(), any::<u32>(), any::<u64>()).prop_map(|(pool, lot, credits)| EventKind::Expired {
            pool,
            lot,
            credits
        }),
        (text(), any::<u64>(), any::<u64>()).prop_map(|(pool, threshold, available)| {
            EventKind::Warning {
                pool,
                threshold,
                available,
            }
        }),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    (any::<u32>(), any::<u64>(), any::<u64>(), kind()).prop_map(|(account, seq, at_ms, kind)| {
        Event {
            account,
            seq,
            at_ms,
            kind,
        }
    })
}

fn told() -> impl Strategy<Value = Told> {
    prop_oneof![
        any::<u64>().prop_map(Told::Charged),
        Just(Told::NotCharged),
        Just(Told::Unknown)
    ]
}

fn step() -> impl Strategy<Value = StepRecord> {
    (
        any::<u32>(),
        any::<u32>(),
        text(),
        text(),
        text(),
        any::<u64>(),
        any::<u64>(),
        any::<bool>(),
        told(),
    )
        .prop_map(
            |(agent, account, key, action, params, a, b, failed, told)| StepRecord {
                agent,
                account,
                key,
                action,
                params,
                quote_min: a.min(b),
                quote_max: a.max(b),
                failed,
                told,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_event_survives_a_row_round_trip(event in event()) {
        let text = write_events(std::slice::from_ref(&event));
        prop_assert_eq!(read_events(&text).unwrap(), vec![event]);
    }

    #[test]
    fn any_journal_survives_a_round_trip(events in prop::collection::vec(event(), 0..8)) {
        prop_assert_eq!(read_events(&write_events(&events)).unwrap(), events);
    }

    #[test]
    fn any_step_survives_a_row_round_trip(steps in prop::collection::vec(step(), 0..8)) {
        prop_assert_eq!(read_step_text(&write_steps(&steps)).unwrap(), steps);
    }
}

#[test]
fn rows_read_the_way_the_docs_describe_them() {
    let text = write_events(&clean_events());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], JOURNAL_COLUMNS.join(","));
    assert_eq!(
        lines[1],
        "0,0,0,granted,pay-1,credits,,0,100,,,30000,pack,0,,,"
    );
    assert_eq!(
        lines[2],
        "0,1,100,reserved,a0-s1,credits,video,,10,0:10,,60000,,,,,"
    );
    assert_eq!(
        lines[3],
        "0,2,200,committed,a0-s1,credits,,,7,0:7,0:3,,,,,,"
    );
    assert_eq!(lines[7], "0,6,20000,timed-out,a0-s3,credits,,,,,0:4,,,,,,");
    assert_eq!(
        lines[8],
        "0,7,20000,rejected,a0-s4,credits,video,,500,,,,,,insufficient,93,"
    );
    assert_eq!(
        lines[14],
        "1,2,200,reserved,a1-s1,credits,video,,25,0:20;1:5,,60000,,,,,"
    );
    let steps = write_steps(&clean_steps());
    let lines: Vec<&str> = steps.lines().collect();
    assert_eq!(lines[0], STEP_COLUMNS.join(","));
    assert_eq!(
        lines[1],
        "0,0,a0-s1,video,scenes=2;quality=pro,5,10,false,charged,7"
    );
    assert_eq!(
        lines[3],
        "0,0,a0-s3,video,scenes=2;quality=pro,4,4,false,unknown,"
    );
}

/// The clean journal with line `line` (1 = header) replaced by `row`.
fn journal_with_line(line: usize, row: &str) -> String {
    let text = write_events(&clean_events());
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = row;
    lines.join("\n") + "\n"
}

fn journal_error(text: &str) -> String {
    read_events(text)
        .expect_err("the journal should be refused")
        .to_string()
}

#[test]
fn a_bad_number_names_file_line_column_and_expectation() {
    let text = journal_with_line(4, "0,2,2000,committed,a0-s1,credits,,,seven,0:7,0:3,,,,,,");
    assert_eq!(
        journal_error(&text),
        "journal.csv line 4, column `credits`: expected a whole number of credits, found `seven`"
    );
}

#[test]
fn an_unknown_kind_lists_the_valid_kinds() {
    let text = journal_with_line(3, "0,1,1000,held,a0-s1,credits,video,,10,0:10,,60000,,,,,");
    let err = journal_error(&text);
    assert!(
        err.starts_with("journal.csv line 3, column `kind`: expected one of granted,"),
        "{err}"
    );
    assert!(
        err.contains("timed-out") && err.ends_with("found `held`"),
        "{err}"
    );
}

#[test]
fn a_bad_lot_list_says_what_a_lot_list_looks_like() {
    let text = journal_with_line(
        3,
        "0,1,1000,reserved,a0-s1,credits,video,,10,0=10,,60000,,,,,",
    );
    let err = journal_error(&text);
    assert!(
        err.starts_with("journal.csv line 3, column `lots`: expected lot:credits pairs"),
        "{err}"
    );
    assert!(err.ends_with("found `0=10`"), "{err}");
}

#[test]
fn a_value_in_a_column_the_kind_does_not_use_is_refused() {
    let text = journal_with_line(12, "0,10,10000,warning,,credits,,,5,,,,,,,0,10");
    assert_eq!(
        journal_error(&text),
        "journal.csv line 12, column `credits`: expected an empty field (a `warning` row does \
         not use this column), found `5`"
    );
}

#[test]
fn a_short_row_is_refused_with_its_line() {
    let text = journal_with_line(5, "0,3,3000,reserved,a0-s2");
    let err = journal_error(&text);
    assert!(
        err.starts_with("journal.csv line 5: expected 17 fields (account,seq,"),
        "{err}"
    );
    assert!(err.ends_with("found 5"), "{err}");
}

#[test]
fn a_wrong_header_is_refused() {
    let text = journal_with_line(1, "account,seq,kind");
    let err = journal_error(&text);
    assert!(
        err.starts_with("journal.csv line 1: expected the header `account,seq,at_ms,"),
        "{err}"
    );
    assert!(err.ends_with("found `account,seq,kind`"), "{err}");
    assert!(journal_error("").ends_with("found `an empty file`"));
}

#[test]
fn a_missing_file_is_named() {
    let path = std::env::temp_dir().join("creditsim-no-such-journal.csv");
    let err = read_journal(&path).expect_err("no such file").to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
}

#[test]
fn bad_steps_are_refused_with_line_and_column() {
    let text = write_steps(&clean_steps());
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "0,0,a0-s2,video,,5,5,false,refunded,";
    let err = read_step_text(&(lines.join("\n") + "\n"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "steps.csv line 3, column `told`: expected one of charged, not-charged, unknown, found \
         `refunded`"
    );
    lines[2] = "0,0,a0-s2,video,,5,4,false,not-charged,";
    let err = read_step_text(&(lines.join("\n") + "\n"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "steps.csv line 3, column `quote_max`: expected at least quote_min (5), found `4`"
    );
    lines[2] = "0,0,a0-s2,video,,5,5,false,not-charged,5";
    let err = read_step_text(&(lines.join("\n") + "\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("steps.csv line 3, column `told_credits`: expected an empty field"),
        "{err}"
    );
}
