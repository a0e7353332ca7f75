//! Helpers shared by the test modules.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use creditsim::ledger::{AccountId, Event, EventSink, TimeMs, calendar};
use creditsim::report::{Summary, write_results};
use creditsim::runner::{self, OutDir, Overrides, RunConfig};
use creditsim::scenario::Fault;

/// An event sink that keeps every event, for tests that look at what a backend journaled.
#[derive(Default)]
pub struct Collect(Mutex<Vec<Event>>);

impl EventSink for Collect {
    fn append(&self, _account: AccountId, events: &mut Vec<Event>) {
        self.0.lock().unwrap().append(events);
    }
}

impl Collect {
    /// Every event so far, in the order they arrived.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

/// The start of calendar month `k` after the Unix epoch (virtual time 0), where an account
/// anchored at 0 renews: `month(1)` is 1 February 1970.
pub fn month(k: u64) -> TimeMs {
    calendar::add_months(0, k).unwrap()
}

/// A command running the built `creditsim` binary, with `CI` set so that no progress bar is
/// drawn.
pub fn creditsim() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_creditsim"));
    command.env("CI", "true");
    command
}

/// A shipped scenario by name.
pub fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"))
}

/// A fresh, empty directory for one test's files.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("creditsim-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The longest a single creditsim command may take in a test before it counts as hung.
const COMMAND_LIMIT: Duration = Duration::from_secs(300);

/// Runs a command to completion, failing the test (and killing the process) if it takes
/// longer than `COMMAND_LIMIT`, so that a hang shows as a failure instead of a stuck suite.
pub fn output_within_limit(command: &mut Command) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    match done_rx.recv_timeout(COMMAND_LIMIT) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{command:?} did not finish within {COMMAND_LIMIT:?}");
        }
    }
}

/// What one in-process run produced.
pub struct Ran {
    /// Its summary, as `run --json` prints it.
    pub summary: Summary,
}

impl Ran {
    /// An outcome count of the summary (`committed`, `warnings`, ...).
    pub fn count(&self, name: &str) -> u64 {
        self.summary.counts[name]
    }

    /// The invariants the run's checker found violated, by name, with repeats.
    pub fn violated(&self) -> Vec<String> {
        let violations = self.summary.violations.iter();
        violations.map(|v| v.invariant.to_string()).collect()
    }
}

/// Runs the shipped scenario `name` in-process with `overrides`, to the end. Results are
/// discarded unless `overrides.out` says where to write them.
pub fn run(name: &str, overrides: Overrides) -> Ran {
    run_path(&scenario(name), overrides)
}

/// Runs the scenario at `path` in-process with `overrides`, to the end.
pub fn run_path(path: &std::path::Path, overrides: Overrides) -> Ran {
    let mut overrides = overrides;
    if overrides.out == OutDir::Default {
        overrides.out = OutDir::Discard;
    }
    let config = RunConfig::load(path, overrides).unwrap_or_else(|e| panic!("{e}"));
    if let Some(dir) = &config.out_dir {
        std::fs::create_dir_all(dir).unwrap();
    }
    let runtime = runner::runtime(&config).unwrap();
    let result = runtime
        .block_on(runner::run(&config, std::future::pending()))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let summary = Summary::new(&config, &result);
    if let Some(dir) = &config.out_dir {
        write_results(dir, &summary, &result).unwrap();
    }
    Ran { summary }
}

/// Overrides for a run of `steps` steps with every fault, seed `seed`, no thresholds.
pub fn all_faults(seed: u64, steps: u64) -> Overrides {
    Overrides {
        seed: Some(seed),
        steps: Some(steps),
        faults: Fault::ALL.to_vec(),
        no_thresholds: true,
        ..Overrides::default()
    }
}

/// Runs `check` for every seed in `seeds`, naming the seed when one fails.
pub fn for_each_seed(seeds: std::ops::RangeInclusive<u64>, check: impl Fn(u64)) {
    for seed in seeds {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(seed)));
        if let Err(panic) = outcome {
            eprintln!("seed {seed} failed");
            std::panic::resume_unwind(panic);
        }
    }
}

/// The `journal.csv` a deterministic run of `name` with `overrides` writes.
pub fn deterministic_journal(name: &str, overrides: Overrides, tag: &str) -> Vec<u8> {
    let dir = temp_dir(tag);
    let overrides = Overrides {
        deterministic: true,
        out: OutDir::At(dir.clone()),
        ..overrides
    };
    let ran = run(name, overrides);
    assert!(ran.summary.ok, "{tag}: {:?}", ran.violated());
    std::fs::read(dir.join("journal.csv")).unwrap()
}

/// Asserts that two deterministic runs of `name` with `overrides` write the same journal,
/// and returns it.
pub fn assert_same_journal_twice(name: &str, overrides: Overrides) -> Vec<u8> {
    let first = deterministic_journal(name, overrides.clone(), &format!("{name}-first"));
    let second = deterministic_journal(name, overrides, &format!("{name}-second"));
    assert!(
        first == second,
        "{name}: two runs of one seed wrote different journals"
    );
    first
}

/// The database the PostgreSQL tests use: `DATABASE_URL` when set, else a throwaway server
/// started once for this test process (stopped when it exits). `None` when the user opted
/// out with `CREDITSIM_SKIP_POSTGRES=1`; a machine without PostgreSQL fails the test with a
/// message naming the package to install.
pub fn database_url() -> Option<String> {
    use creditsim::backends::postgres::scratch::{FAST_SETTINGS, ScratchServer};
    static SERVER: std::sync::OnceLock<Result<(Option<ScratchServer>, String), String>> =
        std::sync::OnceLock::new();
    if std::env::var_os("CREDITSIM_SKIP_POSTGRES").is_some_and(|v| v != "0" && !v.is_empty()) {
        eprintln!("CREDITSIM_SKIP_POSTGRES is set: skipping a PostgreSQL test");
        return None;
    }
    let server = SERVER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Ok((None, url)),
        _ => ScratchServer::start(FAST_SETTINGS)
            .map(|server| {
                let url = server.url();
                (Some(server), url)
            })
            .map_err(|err| err.to_string()),
    });
    match server {
        Ok((_, url)) => Some(url.clone()),
        Err(why) => panic!("{why}"),
    }
}
