//! `creditsim bench` through the binary: a baseline saved and judged, and proof that the gate
//! can fail: a baseline edited to be faster than reality exits 4 (regressed), one edited to
//! be slower reports `improved`. Timed metrics run on few rounds and are never marked noisy
//! here (`--noisy-above`), and the edits are tenfold, far outside any machine's noise.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{creditsim, output_within_limit, temp_dir};

/// Runs `creditsim bench --quick` with `args` in `dir`; returns the exit code and stdout.
fn bench(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = output_within_limit(
        creditsim()
            .current_dir(dir)
            .args(["bench", "--quick"])
            .args(args),
    );
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code().unwrap_or(-1);
    assert!(code != 101, "bench panicked: {stderr}");
    (code, format!("{stdout}\n{stderr}"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Multiplies every sample (and its statistics) of `metric` in the baseline at `path` by
/// `by`, and writes the result to `edited`.
fn edit_baseline(path: &Path, metric: &str, by: f64, edited: &Path) {
    let mut baseline = read_json(path);
    let stat = &mut baseline["measures"][metric]["stat"];
    for field in ["median", "ci_low", "ci_high"] {
        stat[field] = (stat[field].as_f64().unwrap() * by).into();
    }
    let samples: Vec<f64> = stat["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap() * by)
        .collect();
    stat["samples"] = samples.into();
    std::fs::write(edited, serde_json::to_string_pretty(&baseline).unwrap()).unwrap();
}

const BOOK: [&str; 6] = [
    "--only",
    "book_cycles_per_s",
    "--rounds",
    "3",
    "--noisy-above",
    "1000",
];

fn saved_book_baseline(tag: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(tag);
    let (code, out) = bench(&dir, &[&BOOK[..], &["--save-baseline", "mine"]].concat());
    assert_eq!(code, 0, "{out}");
    let path = dir.join("results/baselines/mine.json");
    assert!(path.is_file(), "saved under results/baselines/: {out}");
    (dir, path)
}

#[test]
fn a_saved_baseline_has_provenance_samples_and_floor_ratios() {
    let (_dir, path) = saved_book_baseline("bench-saved");
    let saved = read_json(&path);
    assert_eq!(saved["kind"], "creditsim-bench");
    for field in [
        "git_commit",
        "cores",
        "cpu_model",
        "seed",
        "profile",
        "rounds",
        "suite",
    ] {
        assert!(!saved["provenance"][field].is_null(), "{field}: {saved}");
    }
    let book = &saved["measures"]["book_cycles_per_s"];
    assert_eq!(book["stat"]["samples"].as_array().unwrap().len(), 3);
    assert_eq!(book["floor"], "map_cycles_per_s");
    assert!(book["vs_floor"]["median"].as_f64().unwrap() > 0.0);
    assert!(
        saved["measures"]["map_cycles_per_s"]["stat"]["median"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn a_baseline_faster_than_reality_regresses_and_a_slower_one_improves() {
    let (dir, path) = saved_book_baseline("bench-gate");
    let faster = dir.join("faster.json");
    edit_baseline(&path, "book_cycles_per_s", 10.0, &faster);
    let junit = dir.join("bench.xml");
    let args = [
        &BOOK[..],
        &[
            "--baseline",
            faster.to_str().unwrap(),
            "--gate",
            "book_cycles_per_s",
            "--junit",
            junit.to_str().unwrap(),
        ],
    ]
    .concat();
    let (code, out) = bench(&dir, &args);
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("regressed: book_cycles_per_s"), "{out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("name=\"book_cycles_per_s\"><failure message=\"regressed:"),
        "{xml}"
    );
    assert!(xml.contains("failures=\"1\""), "{xml}");

    let slower = dir.join("slower.json");
    edit_baseline(&path, "book_cycles_per_s", 0.1, &slower);
    let args = [
        &BOOK[..],
        &[
            "--baseline",
            slower.to_str().unwrap(),
            "--gate",
            "book_cycles_per_s",
            "--json",
        ],
    ]
    .concat();
    let (code, out) = bench(&dir, &args);
    assert_eq!(
        code, 0,
        "only the edited metric gates; the map floor is timed: {out}"
    );
    let printed: Value = serde_json::from_str(out.split("\n\n").next().unwrap().trim()).unwrap();
    let rows = printed["comparison"]["rows"].as_array().unwrap();
    let book = rows
        .iter()
        .find(|r| r["metric"] == "book_cycles_per_s")
        .unwrap();
    assert_eq!(book["verdict"], "improved", "{book}");
}

#[test]
fn the_instruction_count_gate_fails_on_a_baseline_with_fewer_instructions() {
    let dir = temp_dir("bench-instructions");
    let only = ["--only", "run_instructions"];
    let (code, out) = bench(&dir, &[&only[..], &["--save-baseline", "counted"]].concat());
    assert_eq!(code, 0, "{out}");
    let path = dir.join("results/baselines/counted.json");
    let saved = read_json(&path);
    let count = saved["measures"]["run_instructions"]["stat"]["median"].as_f64();
    assert!(
        count.is_some_and(|n| n > 1e6),
        "valgrind counted the run: {out}"
    );
    let fewer = dir.join("fewer.json");
    edit_baseline(&path, "run_instructions", 0.5, &fewer);
    let args = [
        &only[..],
        &[
            "--baseline",
            fewer.to_str().unwrap(),
            "--gate",
            "run_instructions",
        ],
    ]
    .concat();
    let (code, out) = bench(&dir, &args);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("run_instructions") && out.contains("regressed"),
        "{out}"
    );
}

#[test]
fn a_missing_baseline_or_a_gate_that_judges_nothing_is_bad_input() {
    let (dir, path) = saved_book_baseline("bench-bad-input");
    let (code, out) = bench(&dir, &[&BOOK[..], &["--baseline", "absent"]].concat());
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("no baseline `absent` at results/baselines/absent.json"),
        "{out}"
    );
    let args = [
        &BOOK[..],
        &["--baseline", path.to_str().unwrap(), "--gate", "stress_*"],
    ]
    .concat();
    let (code, out) = bench(&dir, &args);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--gate stress_*: judged no metric"), "{out}");
    let (code, out) = bench(&dir, &["--only", "nothing_like_it"]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = bench(&dir, &["--save-baseline", "../escape"]);
    assert_eq!(code, 2, "{out}");
}

#[test]
fn metrics_one_side_lacks_are_listed() {
    let (dir, path) = saved_book_baseline("bench-missing");
    let mut baseline = read_json(&path);
    let measures = baseline["measures"].as_object_mut().unwrap();
    let book = measures.remove("book_cycles_per_s").unwrap();
    measures.insert("retired_metric".into(), book);
    let edited = dir.join("edited.json");
    std::fs::write(&edited, baseline.to_string()).unwrap();
    let (code, out) = bench(
        &dir,
        &[
            &BOOK[..],
            &[
                "--baseline",
                edited.to_str().unwrap(),
                "--tolerance",
                "*=1000",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        code, 0,
        "timed floors move; no tolerance is exceeded here: {out}"
    );
    assert!(
        out.contains("missing in the baseline: book_cycles_per_s, book_cycles_per_s.vs_floor"),
        "{out}"
    );
    assert!(
        out.contains("missing in the current result: retired_metric, retired_metric.vs_floor"),
        "{out}"
    );
}
