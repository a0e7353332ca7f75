//! `setup.json`, the sidecar beside a run's journal: what the run was set up with (each
//! account's terms and starting grants, and where the accounts were closed) so that
//! `creditsim check` can explain every grant, and the command line's choices so that
//! `creditsim shrink` can run it again.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::{Invocation, RunConfig};
use super::setup::Accounts;
use crate::check::{AccountTerms, RunSetup, SETUP_FILE, SetupError};

/// The whole file: the checker's [`RunSetup`] (its fields at the top level, so the checker
/// reads the file as a `RunSetup`), and how the run was invoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SetupFile {
    /// The run's choices.
    pub run: Invocation,
    /// The accounts' terms and the run's end.
    #[serde(flatten)]
    pub setup: RunSetup,
}

impl SetupFile {
    /// Reads `setup.json` in `dir`.
    pub(crate) fn read(dir: &Path) -> Result<SetupFile, SetupError> {
        let path = dir.join(SETUP_FILE);
        let text = crate::input::read_text(&path).map_err(|source| SetupError::Io {
            file: path.clone(),
            what: "cannot read the run's setup",
            source,
        })?;
        serde_json::from_str(&text).map_err(|err| SetupError::Parse {
            file: path,
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        })
    }
}

/// The checker's view of the accounts a run starts with (no end yet).
pub(super) fn run_setup(accounts: &Accounts) -> RunSetup {
    let terms = accounts.specs.iter().zip(&accounts.packs);
    RunSetup {
        accounts: terms
            .map(|(spec, grants)| AccountTerms {
                spec: spec.clone(),
                grants: grants.clone(),
            })
            .collect(),
        end_ms: None,
    }
}

/// Writes `setup.json` into `dir`, whole or not at all.
pub(super) fn write(dir: &Path, config: &RunConfig, setup: RunSetup) -> Result<(), SetupError> {
    let file = SetupFile {
        run: config.invocation(),
        setup,
    };
    let path = dir.join(SETUP_FILE);
    let partial = path.with_extension("partial");
    let json = serde_json::to_string_pretty(&file).expect("a setup always serializes");
    let fail = |source| SetupError::Io {
        file: path.clone(),
        what: "cannot write the run's setup",
        source,
    };
    std::fs::write(&partial, json).map_err(fail)?;
    std::fs::rename(&partial, &path).map_err(fail)
}
