//! Implementations of the [`Ledger`] seam, chosen with `--ledger`: the account actors (the
//! correct ledger, and the default) and the deliberately flawed ledgers that prove the
//! checker can fail. Each is handed the run's [`EventSink`] when it starts, so every backend
//! feeds the same journal and checker.

mod actor;
mod flawed;

use std::str::FromStr;
use std::sync::Arc;

use crate::ledger::{AccountSpec, Crashable, EventSink, Ledger, LedgerError};

pub use actor::{ActorLedger, INJECTED_CRASH};
pub use flawed::{Flaw, FlawedLedger};

/// Which ledger serves the accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    /// The correct one: one supervised account actor per account.
    Actor,
    /// A ledger with a deliberate bug.
    Flawed(Flaw),
}

impl LedgerKind {
    /// Every kind with its `--ledger` name.
    pub const ALL: [(&'static str, LedgerKind); 7] = [
        ("actor", LedgerKind::Actor),
        ("racy", LedgerKind::Flawed(Flaw::Racy)),
        ("no-dedup", LedgerKind::Flawed(Flaw::NoDedup)),
        ("charge-failed", LedgerKind::Flawed(Flaw::ChargeFailed)),
        ("no-expiry", LedgerKind::Flawed(Flaw::NoExpiry)),
        ("newest-first", LedgerKind::Flawed(Flaw::NewestFirst)),
        ("double-renewal", LedgerKind::Flawed(Flaw::DoubleRenewal)),
    ];

    /// The `--ledger` name.
    pub fn name(self) -> &'static str {
        LedgerKind::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("actor", |(name, _)| name)
    }
}

impl FromStr for LedgerKind {
    type Err = String;
    fn from_str(text: &str) -> Result<LedgerKind, String> {
        let found = LedgerKind::ALL.iter().find(|(name, _)| *name == text);
        found.map(|(_, kind)| *kind).ok_or_else(|| {
            let names: Vec<_> = LedgerKind::ALL.iter().map(|(name, _)| *name).collect();
            let names = names.join(", ");
            format!("unknown ledger `{text}`: expected one of {names}")
        })
    }
}

/// A started backend: the ledger, and its crash hook where it has one.
pub struct Started {
    /// The accounts, through the seam.
    pub ledger: Arc<dyn Ledger>,
    /// How the actor-crash fault reaches the backend; `None` where it cannot crash.
    pub crash: Option<Arc<dyn Crashable>>,
}

/// Starts the backend `kind` with one account per spec (account id = index), feeding
/// `sink`.
pub async fn start(
    kind: LedgerKind,
    specs: Vec<AccountSpec>,
    sink: Arc<dyn EventSink>,
) -> Result<Started, LedgerError> {
    match kind {
        LedgerKind::Actor => {
            let actors = Arc::new(ActorLedger::start(specs, sink).await?);
            Ok(Started {
                ledger: actors.clone(),
                crash: Some(actors),
            })
        }
        LedgerKind::Flawed(flaw) => Ok(Started {
            ledger: Arc::new(FlawedLedger::new(flaw, specs, sink)),
            crash: None,
        }),
    }
}
