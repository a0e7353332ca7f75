//! Helpers shared by the test modules.

use std::path::PathBuf;
use std::process::Command;

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
