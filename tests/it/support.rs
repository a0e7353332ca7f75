//! Helpers shared by the test modules.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use creditsim::ledger::{AccountId, Event, EventSink, TimeMs, calendar};

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
