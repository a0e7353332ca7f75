//! Implementations of the [`Ledger`] seam, chosen with `--ledger`: the account actors (the
//! correct ledger, and the default), the deliberately flawed ledgers that prove the
//! checker can fail, and a real PostgreSQL ledger with correct and flawed strategies. Each is handed the run's [`EventSink`] when it starts, so every backend
//! feeds the same journal and checker.

mod actor;
mod flawed;
pub mod postgres;

use std::str::FromStr;
use std::sync::Arc;

use crate::ledger::{AccountSpec, Crashable, EventSink, Ledger, LedgerError};

pub use actor::{ActorLedger, quiet_injected_crashes};
pub use flawed::Flaw;
pub(crate) use flawed::FlawedLedger;
pub use postgres::{DatabaseOptions, PostgresLedger, Strategy};

/// Which ledger serves the accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    /// The correct one: one supervised account actor per account.
    Actor,
    /// A ledger with a deliberate bug.
    Flawed(Flaw),
    /// A PostgreSQL database, with one of its strategies.
    Postgres(Strategy),
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

    /// The PostgreSQL kinds with their `--ledger` names: the correct strategies, then the
    /// flawed ones.
    pub const DATABASE: [(&'static str, LedgerKind); 6] = [
        ("postgres", LedgerKind::Postgres(Strategy::RowLock)),
        (
            "postgres-serializable",
            LedgerKind::Postgres(Strategy::Serializable),
        ),
        (
            "postgres-conditional",
            LedgerKind::Postgres(Strategy::Conditional),
        ),
        ("postgres-racy", LedgerKind::Postgres(Strategy::Racy)),
        ("postgres-no-dedup", LedgerKind::Postgres(Strategy::NoDedup)),
        (
            "postgres-misreport",
            LedgerKind::Postgres(Strategy::Misreport),
        ),
    ];

    /// Every kind, in-memory and database, with its `--ledger` name.
    fn every() -> impl Iterator<Item = &'static (&'static str, LedgerKind)> {
        LedgerKind::ALL.iter().chain(LedgerKind::DATABASE.iter())
    }

    /// The name `--ledger` takes and `summary.json` records as `backend`.
    pub fn name(self) -> &'static str {
        LedgerKind::every()
            .find(|(_, kind)| *kind == self)
            .map_or("actor", |(name, _)| name)
    }

    /// Whether this kind needs a database.
    pub fn needs_database(self) -> bool {
        matches!(self, LedgerKind::Postgres(_))
    }
}

impl FromStr for LedgerKind {
    type Err = String;
    fn from_str(text: &str) -> Result<LedgerKind, String> {
        let found = LedgerKind::every().find(|(name, _)| *name == text);
        found.map(|(_, kind)| *kind).ok_or_else(|| {
            let names: Vec<_> = LedgerKind::every().map(|(name, _)| *name).collect();
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
/// `sink`; a database backend connects as `database` says.
pub async fn start(
    kind: LedgerKind,
    specs: Vec<AccountSpec>,
    sink: Arc<dyn EventSink>,
    database: &DatabaseOptions,
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
        LedgerKind::Postgres(strategy) => {
            let db = PostgresLedger::start(strategy, database, specs, sink).await?;
            let db = Arc::new(db);
            Ok(Started {
                ledger: db.clone(),
                crash: Some(db),
            })
        }
    }
}
