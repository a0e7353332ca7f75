//! Every shipped scenario, economics scenario and vendor model, mutated (a byte range
//! deleted, a line duplicated, a number made huge or negative, the text truncated), must
//! load or fail with an error naming the file and a line: never a panic. The `fuzz/`
//! targets search the same ground for hours; these few cases keep it guarded in the suite.

use std::path::{Path, PathBuf};

use creditsim::pricing::Model;
use creditsim::runner::{Overrides, RunConfig};
use creditsim::scenario::Scenario;
use creditsim::sim::{EconomicsConfig, EconomicsOverrides};
use proptest::prelude::*;

use crate::support::temp_dir;

/// Numbers a field is least prepared for: 0, negative, the integer limits and one past
/// them, and floats that overflow or vanish.
const HOSTILE_NUMBERS: [&str; 9] = [
    "0",
    "-1",
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "1e308",
    "-0.000001",
];

/// One edit to a file's text; the fractions pick positions relative to its length.
#[derive(Clone, Debug)]
enum Mutation {
    DeleteRange { at: f64, len: usize },
    DuplicateLine { at: f64 },
    ReplaceNumber { at: f64, with: &'static str },
    Truncate { at: f64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let frac = 0.0..1.0f64;
    prop_oneof![
        (frac.clone(), 1usize..40).prop_map(|(at, len)| Mutation::DeleteRange { at, len }),
        frac.clone().prop_map(|at| Mutation::DuplicateLine { at }),
        (frac.clone(), proptest::sample::select(&HOSTILE_NUMBERS[..]))
            .prop_map(|(at, with)| Mutation::ReplaceNumber { at, with }),
        frac.prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// Where `at` falls in `0..n`.
fn pick(at: f64, n: usize) -> usize {
    ((at * n as f64) as usize).min(n.saturating_sub(1))
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut bytes = text.as_bytes().to_vec();
    match *mutation {
        Mutation::DeleteRange { at, len } => {
            let start = pick(at, bytes.len());
            bytes.drain(start..(start + len).min(bytes.len()));
        }
        Mutation::DuplicateLine { at } => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let k = pick(at, lines.len());
            let mut out: Vec<&str> = lines[..=k].to_vec();
            out.extend_from_slice(&lines[k..]);
            return out.concat();
        }
        Mutation::ReplaceNumber { at, with } => return replace_number(text, at, with),
        Mutation::Truncate { at } => bytes.truncate(pick(at, bytes.len())),
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Replaces one run of digits (with its sign and decimals) by `with`.
fn replace_number(text: &str, at: f64, with: &str) -> String {
    let is_part = |c: char| c.is_ascii_digit() || c == '.' || c == '_';
    let mut numbers = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (start, is_part(c)) {
            (None, true) if c.is_ascii_digit() => start = Some(i),
            (Some(s), false) => {
                numbers.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if numbers.is_empty() {
        return text.to_string();
    }
    let range = numbers[pick(at, numbers.len())].clone();
    let start = match text[..range.start].ends_with('-') {
        true => range.start - 1,
        false => range.start,
    };
    format!("{}{with}{}", &text[..start], &text[range.end..])
}

fn shipped(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no shipped files in {dir}");
    files
}

/// The error names `file` and a line after it (`file:LINE:`), or at least the file for
/// errors about the whole file; anything else is what the team's standard forbids.
fn assert_names_file_and_line(message: &str, file: &Path, input: &str) {
    let file = file.display().to_string();
    let at = message
        .find(&file)
        .unwrap_or_else(|| panic!("error does not name {file}: {message}\n--- input ---\n{input}"));
    let rest = &message[at + file.len()..];
    let line = rest
        .strip_prefix(':')
        .map(|r| r.split(':').next().unwrap_or(""));
    let has_line = line.is_some_and(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()));
    assert!(
        has_line,
        "error names {file} but no line: {message}\n--- input ---\n{input}"
    );
}

fn scenario_outcome(text: &str, path: &Path) -> Result<(), String> {
    let scenario = Scenario::parse(text, path, None, None).map_err(|e| e.to_string())?;
    // The run configuration refuses overrides only; with none it must accept the scenario.
    RunConfig::new(scenario, Overrides::default())
        .map(drop)
        .map_err(|e| format!("a valid scenario refused without overrides: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mutated_scenarios_load_or_name_file_and_line(
        file in proptest::sample::select(shipped("scenarios")),
        mutation in mutation(),
    ) {
        let text = apply(&std::fs::read_to_string(&file).unwrap(), &mutation);
        if let Err(message) = scenario_outcome(&text, &file) {
            assert_names_file_and_line(&message, &file, &text);
        }
    }

    #[test]
    fn mutated_economics_scenarios_load_or_name_file_and_line(
        file in proptest::sample::select(shipped("scenarios/economics")),
        mutation in mutation(),
    ) {
        let text = apply(&std::fs::read_to_string(&file).unwrap(), &mutation);
        if let Err(err) = EconomicsConfig::parse(&text, &file, EconomicsOverrides::default()) {
            assert_names_file_and_line(&err.to_string(), &file, &text);
        }
    }

    #[test]
    fn mutated_models_load_or_name_file_and_line(
        file in proptest::sample::select(shipped("scenarios/models")),
        mutation in mutation(),
    ) {
        let text = apply(&std::fs::read_to_string(&file).unwrap(), &mutation);
        let copy = temp_dir("mutated-model").join(file.file_name().unwrap());
        std::fs::write(&copy, &text).unwrap();
        if let Err(err) = Model::load(&copy) {
            assert_names_file_and_line(&err.to_string(), &copy, &text);
        }
    }
}

#[test]
fn the_line_check_fails_on_an_error_without_a_line() {
    let file = Path::new("scenarios/x.toml");
    let without_line = std::panic::catch_unwind(|| {
        assert_names_file_and_line("scenarios/x.toml: something is wrong", file, "")
    });
    assert!(without_line.is_err());
    let elsewhere = std::panic::catch_unwind(|| {
        assert_names_file_and_line("other.toml:3:1: something is wrong", file, "")
    });
    assert!(elsewhere.is_err());
    assert_names_file_and_line("scenarios/x.toml:3:1: field `x`: wrong", file, "");
}

#[test]
fn the_mutations_change_the_text() {
    let text = "a = 12\nb = -3.5\n";
    let huge = Mutation::ReplaceNumber {
        at: 0.9,
        with: "18446744073709551616",
    };
    assert_eq!(apply(text, &huge), "a = 12\nb = 18446744073709551616\n");
    let dup = Mutation::DuplicateLine { at: 0.0 };
    assert_eq!(apply(text, &dup), "a = 12\na = 12\nb = -3.5\n");
    assert_eq!(apply(text, &Mutation::Truncate { at: 0.5 }), "a = 12\nb");
    let del = Mutation::DeleteRange { at: 0.0, len: 4 };
    assert_eq!(apply(text, &del), "12\nb = -3.5\n");
}
