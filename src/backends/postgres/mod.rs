//! A real PostgreSQL ledger behind the `Ledger` seam, so that the checker judges a SQL credit
//! ledger the way it judges the account actors.
//!
//! The ledger contract lives in the database, as PL/pgSQL functions over real tables
//! (`schema.sql`): accounts, scheduled grants, lots, holds and their draws, an idempotency
//! table and the append-only `events` journal. Each seam call is one function call in one
//! transaction; the rows it returns are the events it appended and its outcome. The events
//! reach the run's sink only once their transaction committed, in seq order (`delivery`).
//!
//! What differs between [`Strategy`]s is how concurrent transactions on one account are kept
//! apart (row locks, SERIALIZABLE with retries, conditional updates), or, for the flawed
//! ones, which guard is missing. The migration creates a schema named per run; `--drop`
//! removes it when the ledger stops.
//!
//! # Layout
//!
//! - `schema.sql`: the tables and the ledger's functions; `migrate`: creating and dropping it.
//! - `call`: one seam call as SQL, with each strategy's retries and the fault hooks.
//! - `reply`: decoding events and outcomes; `delivery`: events to the sink in order.
//! - `scratch`: a throwaway server in a temporary folder, for tests and benchmarks.

mod call;
mod delivery;
mod migrate;
mod reply;
pub mod scratch;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::ledger::*;
use call::Call;
use delivery::Delivery;
pub(crate) use migrate::valid_schema_name;

/// How the PostgreSQL ledger keeps concurrent calls apart, or which guard a flawed one lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `SELECT ... FOR UPDATE` on the account, then on the pool's lots in lot order.
    RowLock,
    /// SERIALIZABLE isolation and no locks; serialization failures (40001) and deadlocks
    /// (40P01) are retried, a bounded number of times, and counted.
    Serializable,
    /// No explicit lock: `UPDATE lots ... WHERE remaining >= $n`, and the journal's primary
    /// key refuses a second writer of one seq; the loser is retried and counted.
    Conditional,
    /// Flawed: the balance is read by one statement and written by the next from that stale
    /// read, so concurrent reserves overdraw and lose updates (I1).
    Racy,
    /// Flawed: no idempotency table, so a repeated reserve opens another hold and a repeated
    /// commit charges again (I2).
    NoDedup,
    /// Flawed: SERIALIZABLE, but a serialization failure of a reserve is answered as
    /// "insufficient credits" and journaled so (I8).
    Misreport,
}

impl Strategy {
    /// Whether the account row and lots are locked with `FOR UPDATE`.
    fn locks(self) -> bool {
        matches!(self, Strategy::RowLock | Strategy::Racy | Strategy::NoDedup)
    }

    /// Whether lots are taken with a conditional update.
    fn conditional(self) -> bool {
        self == Strategy::Conditional
    }

    /// Whether the idempotency table is consulted.
    fn dedup(self) -> bool {
        self != Strategy::NoDedup
    }

    /// Whether transactions run SERIALIZABLE.
    fn serializable(self) -> bool {
        matches!(self, Strategy::Serializable | Strategy::Misreport)
    }
}

/// Where the database is and what to do with the run's schema.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatabaseOptions {
    /// A libpq-style URL or key=value string; `None` uses the `DATABASE_URL` variable.
    pub url: Option<String>,
    /// The schema to create for the run; `None` makes a fresh `creditsim_<time>_<pid>`.
    pub schema: Option<String>,
    /// Drop the schema when the ledger stops, instead of keeping it for inspection.
    pub drop: bool,
    /// Connections in the pool; `None` uses [`DEFAULT_POOL_SIZE`].
    pub pool_size: Option<usize>,
}

/// Connections per run: enough to keep two cores' worth of server busy while some wait on
/// a hot account's lock.
pub const DEFAULT_POOL_SIZE: usize = 16;

impl DatabaseOptions {
    /// The URL to connect to: the option, else `DATABASE_URL`.
    pub(crate) fn resolved_url(&self) -> Result<String, LedgerError> {
        let from_env = || {
            std::env::var("DATABASE_URL")
                .ok()
                .filter(|url| !url.is_empty())
        };
        self.url.clone().or_else(from_env).ok_or_else(|| {
            setup_error(
                "a postgres ledger needs a database: pass --database-url URL or set DATABASE_URL \
             (for example postgres://user@localhost/db or host=/run/postgresql user=me)"
                    .into(),
            )
        })
    }

    /// The schema name to use, checked.
    pub(crate) fn resolved_schema(&self) -> Result<String, LedgerError> {
        let name = self.schema.clone().unwrap_or_else(fresh_schema_name);
        match valid_schema_name(&name) {
            true => Ok(name),
            false => Err(setup_error(format!(
                "schema name `{name}`: expected lowercase letters, digits and _ (at most 63)"
            ))),
        }
    }
}

/// A schema name no other run has used: the wall-clock time in ms and the process id.
pub(crate) fn fresh_schema_name() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    format!("creditsim_{ms}_{}_{n}", std::process::id())
}

/// The schema name of a run of scenario `scenario` with `seed`: readable, and new each time
/// (it carries the Unix time in seconds).
pub fn run_schema_name(scenario: &str, seed: u64) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let clean: String = (scenario.chars())
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_ascii_lowercase(),
            false => '_',
        })
        .take(24)
        .collect();
    format!("creditsim_{clean}_{seed}_{secs}")
}

fn setup_error(why: String) -> LedgerError {
    LedgerError::Unavailable { account: 0, why }
}

/// What the ledger counts about itself, for the run's report.
#[derive(Default)]
struct Stats {
    /// Transactions retried after a serialization failure or deadlock.
    serialization_retries: AtomicU64,
    /// Transactions retried after a conditional update or the journal's key refused them.
    conflict_retries: AtomicU64,
    /// Calls given up after the retries ran out.
    retries_exhausted: AtomicU64,
    /// Calls whose connection broke (a killed backend, a restarting server).
    connection_errors: AtomicU64,
    /// Waits for a connection while the server could not be reached.
    reconnect_waits: AtomicU64,
    /// Transactions whose connection was killed before they committed (the crash fault).
    killed_mid_transaction: AtomicU64,
    /// Reserves answered "insufficient" after a serialization failure (the misreport flaw).
    misreported: AtomicU64,
    /// Reads of the journal table for events whose reply was late or lost.
    journal_catch_ups: AtomicU64,
}

impl Stats {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn report(&self) -> BackendStats {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        BackendStats::from([
            ("serialization_retries", get(&self.serialization_retries)),
            ("conflict_retries", get(&self.conflict_retries)),
            ("retries_exhausted", get(&self.retries_exhausted)),
            ("connection_errors", get(&self.connection_errors)),
            ("reconnect_waits", get(&self.reconnect_waits)),
            ("killed_mid_transaction", get(&self.killed_mid_transaction)),
            ("misreported", get(&self.misreported)),
            ("journal_catch_ups", get(&self.journal_catch_ups)),
        ])
    }
}

/// The PostgreSQL ledger: a connection pool on one schema, and the strategy it runs.
pub struct PostgresLedger {
    pool: Pool,
    /// For killing a connection from outside it (the crash fault).
    admin: tokio_postgres::Config,
    strategy: Strategy,
    schema: String,
    drop: bool,
    delivery: Delivery,
    /// Accounts whose next call is to be killed mid-transaction.
    armed: Vec<AtomicBool>,
    stats: Stats,
    stopped: AtomicBool,
}

impl PostgresLedger {
    /// Connects, creates the run's schema with one account per spec, and starts feeding
    /// `sink` with what the database commits.
    pub async fn start(
        strategy: Strategy,
        options: &DatabaseOptions,
        specs: Vec<AccountSpec>,
        sink: Arc<dyn EventSink>,
    ) -> Result<PostgresLedger, LedgerError> {
        let url = options.resolved_url()?;
        let schema = options.resolved_schema()?;
        let admin: tokio_postgres::Config = url
            .parse()
            .map_err(|err| setup_error(format!("database URL `{url}`: {err}")))?;
        let mut config = admin.clone();
        let mut session = format!("-c search_path={schema}");
        if strategy.serializable() {
            session.push_str(" -c default_transaction_isolation=serializable");
        }
        config.options(&session);
        let manager = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = Manager::from_config(config, NoTls, manager);
        let size = options.pool_size.unwrap_or(DEFAULT_POOL_SIZE).max(1);
        let pool = Pool::builder(manager)
            .max_size(size)
            .build()
            .map_err(|err| setup_error(format!("connection pool: {err}")))?;
        let mut client = (pool.get().await)
            .map_err(|err| setup_error(format!("cannot connect to {url}: {err}")))?;
        migrate::create(&mut client, &schema, &specs)
            .await
            .map_err(|err| {
                setup_error(format!(
                    "creating schema {schema}: {}",
                    call::describe(&err)
                ))
            })?;
        drop(client);
        Ok(PostgresLedger {
            pool,
            admin,
            strategy,
            schema,
            drop: options.drop,
            delivery: Delivery::new(specs.len(), sink),
            armed: (0..specs.len()).map(|_| AtomicBool::new(false)).collect(),
            stats: Stats::default(),
            stopped: AtomicBool::new(false),
        })
    }

    /// The schema this run's tables live in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    fn check_account(&self, account: AccountId) -> Result<(), LedgerError> {
        if self.stopped.load(Ordering::Relaxed) {
            return Err(LedgerError::Unavailable {
                account,
                why: "the ledger has stopped".into(),
            });
        }
        match (account as usize) < self.armed.len() {
            true => Ok(()),
            false => Err(LedgerError::NoSuchAccount(account)),
        }
    }

    /// Reads from the journal table whatever the sink has not had yet, for every account.
    async fn catch_up_all(&self) {
        let Ok(client) = self.pool.get().await else {
            return;
        };
        let sql = "SELECT account, max(seq) + 1 FROM events GROUP BY account";
        let Ok(rows) = client.query(sql, &[]).await else {
            return;
        };
        for row in rows {
            let (account, end): (i32, i64) = (row.get(0), row.get(1));
            let account = account as AccountId;
            if (account as usize) < self.delivery.len() {
                let from = self.delivery.next_seq(account);
                if (from as i64) < end {
                    self.catch_up(&client, account, (from, end as u64)).await;
                }
            }
        }
    }
}

#[async_trait]
impl Ledger for PostgresLedger {
    async fn reserve(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReserveRequest,
    ) -> Result<ReserveOutcome, LedgerError> {
        self.check_account(account)?;
        self.call(account, at_ms, Call::Reserve(&req), |reply| reply.reserve())
            .await
    }

    async fn commit(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: CommitRequest,
    ) -> Result<CommitOutcome, LedgerError> {
        self.check_account(account)?;
        self.call(account, at_ms, Call::Commit(&req), |reply| reply.commit())
            .await
    }

    async fn release(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: ReleaseRequest,
    ) -> Result<ReleaseOutcome, LedgerError> {
        self.check_account(account)?;
        self.call(account, at_ms, Call::Release(&req), |reply| reply.release())
            .await
    }

    async fn grant(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        req: GrantRequest,
    ) -> Result<GrantOutcome, LedgerError> {
        self.check_account(account)?;
        self.call(account, at_ms, Call::Grant(&req), |reply| reply.grant())
            .await
    }

    async fn balance(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        pool: Name,
    ) -> Result<Balance, LedgerError> {
        self.check_account(account)?;
        let call = Call::Advance {
            pool: Some(&pool),
            close: false,
        };
        self.call(account, at_ms, call, |reply| reply.balance())
            .await
    }

    async fn advance(&self, account: AccountId, to_ms: TimeMs) -> Result<(), LedgerError> {
        self.check_account(account)?;
        let call = Call::Advance {
            pool: None,
            close: false,
        };
        self.call(account, to_ms, call, |_| Ok(())).await
    }

    async fn close(&self, account: AccountId, end_ms: TimeMs) -> Result<(), LedgerError> {
        self.check_account(account)?;
        let call = Call::Advance {
            pool: None,
            close: true,
        };
        self.call(account, end_ms, call, |_| Ok(())).await
    }

    async fn stop(&self) -> BackendStats {
        if self.stopped.swap(true, Ordering::Relaxed) {
            return self.stats.report();
        }
        self.catch_up_all().await;
        if self.drop
            && let Ok(client) = self.pool.get().await
            && let Err(err) = migrate::drop(&client, &self.schema).await
        {
            eprintln!("warning: could not drop schema {}: {err}", self.schema);
        }
        self.pool.close();
        self.stats.report()
    }
}

#[async_trait]
impl Crashable for PostgresLedger {
    /// Arms the account: its next call does its work in an open transaction, and then its
    /// connection is killed with `pg_terminate_backend` before it can commit.
    async fn crash(&self, account: AccountId) -> Result<(), LedgerError> {
        self.check_account(account)?;
        self.armed[account as usize].store(true, Ordering::Relaxed);
        Ok(())
    }
}
