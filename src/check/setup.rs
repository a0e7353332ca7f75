//! What a run was set up with, so that the checker can explain every grant: `setup.json`,
//! the sidecar the runner writes beside `journal.csv`. Without it a journal could credit
//! itself anything (a forged grant of 100,000 credits balances as well as a real one).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ledger::{AccountSpec, GrantRequest, TimeMs};

/// The file name of the sidecar beside a journal.
pub const SETUP_FILE: &str = "setup.json";

/// Each account's terms and starting grants, and where the run closed the accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSetup {
    /// By account id (account `i` is `accounts[i]`).
    pub accounts: Vec<AccountTerms>,
    /// The virtual time at which every account was closed: renewals due before it must have
    /// been granted and lots expiring by it must have expired. `None` when the run did not
    /// close its accounts (a stall), so that only what the journal shows is judged.
    pub end_ms: Option<TimeMs>,
}

/// What one account was given: the plan's terms (anchor, allowances and add-ons that renew)
/// and the grants made at the start (packs bought up front).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountTerms {
    /// The plan's terms, anchor included.
    pub spec: AccountSpec,
    /// Grants by hand made at the start, each under its own key.
    pub grants: Vec<GrantRequest>,
}

/// Why `setup.json` could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The file could not be opened, read or written.
    #[error("{}: {what}", file.display())]
    Io {
        /// The `setup.json` being read or written.
        file: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The operating system's reason, chained (as for a scenario's), so that the CLI's
        /// `{:#}` prints it once.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a setup as the runner writes it.
    #[error(
        "{}:{line}:{column}: expected a run setup ({{\"accounts\": [{{\"spec\": ..., \
         \"grants\": [...]}}], \"end_ms\": ...}}): {message}",
        file.display()
    )]
    Parse {
        /// The `setup.json` that does not parse.
        file: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What serde found wrong, naming the field.
        message: String,
    },
}

impl RunSetup {
    /// Reads a setup written by [`RunSetup::write`] (or by the runner, whose file may carry
    /// more fields beside these).
    pub fn read(path: &Path) -> Result<RunSetup, SetupError> {
        let text = crate::input::read_text(path).map_err(|source| SetupError::Io {
            file: path.to_path_buf(),
            what: "cannot read the setup",
            source,
        })?;
        serde_json::from_str(&text).map_err(|err| SetupError::Parse {
            file: path.to_path_buf(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })
    }

    /// Writes the setup as JSON.
    pub fn write(&self, path: &Path) -> Result<(), SetupError> {
        let json = serde_json::to_string_pretty(self).expect("a setup always serializes");
        std::fs::write(path, json).map_err(|source| SetupError::Io {
            file: path.to_path_buf(),
            what: "cannot write the setup",
            source,
        })
    }
}
