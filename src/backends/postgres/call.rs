//! One seam call as one function call in one transaction: the statement and its parameters
//! per call, the strategy's retries (serialization failures, conflicts), waiting out an
//! unreachable server, the kill-mid-transaction fault, and handing the committed events on.

use std::time::{Duration, Instant};

use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error, Row};

use super::migrate::big;
use super::reply::{BadReply, EVENT_COLUMNS, Reply, event, source_name};
use super::{PostgresLedger, Stats, Strategy};
use crate::ledger::*;

/// A seam call, as the database functions see it.
pub(super) enum Call<'a> {
    Reserve(&'a ReserveRequest),
    Commit(&'a CommitRequest),
    Release(&'a ReleaseRequest),
    Grant(&'a GrantRequest),
    /// Advance (with a pool: and read its balance), or close.
    Advance {
        pool: Option<&'a str>,
        close: bool,
    },
}

const RESERVE: &str = "SELECT * FROM reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
const COMMIT: &str = "SELECT * FROM commit_hold($1, $2, $3, $4, $5, $6, $7)";
const RELEASE: &str = "SELECT * FROM release_hold($1, $2, $3, $4, $5)";
const GRANT: &str = "SELECT * FROM grant_lot($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const ADVANCE: &str = "SELECT * FROM advance($1, $2, $3, $4, $5)";
const PEEK: &str = "SELECT peek_lots($1, $2)";

/// How often one call's transaction is tried when conflicts refuse it, before the call
/// gives up (the agent then retries the call itself).
const MAX_ATTEMPTS: u32 = 64;

/// How long a call waits for a connection while the server cannot be reached (a restart).
const RECONNECT_WINDOW: Duration = Duration::from_secs(30);

/// Why a transaction failed.
enum Failure {
    /// SERIALIZABLE refused it (40001) or it deadlocked (40P01).
    Serialization,
    /// A conditional update or the journal's primary key refused it.
    Conflict,
    /// The account does not exist.
    NoAccount,
    /// The connection broke: the call may or may not have committed.
    Connection(String),
}

/// A database error in one line, with its SQLSTATE.
pub(super) fn describe(err: &Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}

fn classify(err: &Error) -> Failure {
    let Some(db) = err.as_db_error() else {
        return Failure::Connection(describe(err));
    };
    match db.code().code() {
        "40001" | "40P01" => Failure::Serialization,
        "CS409" | "23505" => Failure::Conflict,
        "CS404" => Failure::NoAccount,
        _ => Failure::Connection(describe(err)),
    }
}

/// A short random wait before retrying a conflict, growing with the attempt, so that
/// transactions that collided do not collide again in step.
async fn conflict_backoff(attempt: u32) {
    let ceiling_us = (50u64 << attempt.min(8)).min(10_000);
    let wait_us = rand::random::<u64>() % ceiling_us;
    tokio::time::sleep(Duration::from_micros(wait_us)).await;
}

impl PostgresLedger {
    /// Runs `call` on `account` at `at_ms` under the strategy's retries, delivers its events
    /// once committed, and reads its outcome with `outcome`.
    pub(super) async fn call<O>(
        &self,
        account: AccountId,
        at_ms: TimeMs,
        call: Call<'_>,
        outcome: impl Fn(&Reply<'_>) -> Result<O, BadReply>,
    ) -> Result<O, LedgerError> {
        let unavailable = |why: String| LedgerError::Unavailable { account, why };
        let mut refuse = false;
        // One connection for every attempt: waiting for a free one again after each conflict
        // would put a contended call at the back of the pool's queue every time.
        let mut client = self.client(account).await?;
        for attempt in 1..=MAX_ATTEMPTS {
            let kill =
                self.armed[account as usize].swap(false, std::sync::atomic::Ordering::Relaxed);
            let rows = match self
                .execute(&mut client, account, at_ms, &call, refuse, kill)
                .await
            {
                Ok(rows) => rows,
                Err(err) => match classify(&err) {
                    Failure::Serialization
                        if self.strategy == Strategy::Misreport
                            && matches!(call, Call::Reserve(_))
                            && !refuse =>
                    {
                        // The flaw: the failure is answered as "insufficient credits".
                        refuse = true;
                        Stats::bump(&self.stats.misreported);
                        continue;
                    }
                    Failure::Serialization => {
                        Stats::bump(&self.stats.serialization_retries);
                        conflict_backoff(attempt).await;
                        continue;
                    }
                    Failure::Conflict => {
                        Stats::bump(&self.stats.conflict_retries);
                        conflict_backoff(attempt).await;
                        continue;
                    }
                    Failure::NoAccount => return Err(LedgerError::NoSuchAccount(account)),
                    Failure::Connection(why) => {
                        Stats::bump(&self.stats.connection_errors);
                        return Err(unavailable(why));
                    }
                },
            };
            let reply = Reply::decode(account, &rows).map_err(|err| unavailable(err.0))?;
            let answer = outcome(&reply).map_err(|err| unavailable(err.0))?;
            let Reply { events, .. } = reply;
            if let Some(gap) = self.delivery.offer(account, events) {
                self.catch_up(&client, account, gap).await;
            }
            return Ok(answer);
        }
        Stats::bump(&self.stats.retries_exhausted);
        Err(unavailable(format!(
            "still conflicting after {MAX_ATTEMPTS} attempts"
        )))
    }

    /// A pooled connection, waiting (bounded) while the server cannot be reached.
    async fn client(&self, account: AccountId) -> Result<Object, LedgerError> {
        let started = Instant::now();
        loop {
            match self.pool.get().await {
                Ok(client) => return Ok(client),
                Err(_) if started.elapsed() < RECONNECT_WINDOW && !self.pool.is_closed() => {
                    Stats::bump(&self.stats.reconnect_waits);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => {
                    return Err(LedgerError::Unavailable {
                        account,
                        why: format!("no connection to the database: {err}"),
                    });
                }
            }
        }
    }

    /// Sends the call's statement.
    async fn execute(
        &self,
        client: &mut Object,
        account: AccountId,
        at_ms: TimeMs,
        call: &Call<'_>,
        refuse: bool,
        kill: bool,
    ) -> Result<Vec<Row>, Error> {
        let s = self.strategy;
        let (id, at) = (account as i32, big(at_ms));
        let (lock, conditional, dedup) = (s.locks(), s.conditional(), s.dedup());
        match call {
            Call::Reserve(req) => self.reserve(client, (id, at), req, refuse, kill).await,
            Call::Commit(req) => {
                let credits = big(req.credits);
                let key = req.key.as_str();
                let params: [&(dyn ToSql + Sync); 7] =
                    [&id, &at, &key, &credits, &lock, &conditional, &dedup];
                self.run(client, COMMIT, &params, kill).await
            }
            Call::Release(req) => {
                let key = req.key.as_str();
                let params: [&(dyn ToSql + Sync); 5] = [&id, &at, &key, &lock, &dedup];
                self.run(client, RELEASE, &params, kill).await
            }
            Call::Grant(req) => {
                let (credits, expires) = (big(req.credits), req.expires_at_ms.map(big));
                let priority = i16::from(req.priority);
                let params: [&(dyn ToSql + Sync); 9] = [
                    &id,
                    &at,
                    &req.key.as_str(),
                    &req.pool.as_str(),
                    &credits,
                    &source_name(req.source),
                    &expires,
                    &priority,
                    &lock,
                ];
                self.run(client, GRANT, &params, kill).await
            }
            Call::Advance { pool, close } => {
                let params: [&(dyn ToSql + Sync); 5] = [&id, &at, pool, close, &lock];
                self.run(client, ADVANCE, &params, kill).await
            }
        }
    }

    /// Sends a reserve; for the racy flaw, after a separate read of the pool's lots whose
    /// result the reserve then writes back.
    async fn reserve(
        &self,
        client: &mut Object,
        (id, at): (i32, i64),
        req: &ReserveRequest,
        refuse: bool,
        kill: bool,
    ) -> Result<Vec<Row>, Error> {
        let s = self.strategy;
        let stale: Option<Vec<i64>> = match s {
            Strategy::Racy => {
                let peek = client.prepare_cached(PEEK).await?;
                let row = client.query_one(&peek, &[&id, &req.pool.as_str()]).await?;
                // The bug: what was read here is stale by the time it is written.
                tokio::task::yield_now().await;
                Some(row.get(0))
            }
            _ => None,
        };
        let (credits, ttl) = (big(req.credits), big(req.ttl_ms));
        let (lock, conditional, dedup) = (s.locks(), s.conditional(), s.dedup());
        let params: [&(dyn ToSql + Sync); 12] = [
            &id,
            &at,
            &req.key.as_str(),
            &req.pool.as_str(),
            &req.action.as_str(),
            &credits,
            &ttl,
            &lock,
            &conditional,
            &dedup,
            &stale,
            &refuse,
        ];
        self.run(client, RESERVE, &params, kill).await
    }

    /// Runs one prepared statement as its own transaction; when `kill`, inside an explicit
    /// transaction whose connection is terminated after the work and before the commit.
    async fn run(
        &self,
        client: &mut Object,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        kill: bool,
    ) -> Result<Vec<Row>, Error> {
        let statement = client.prepare_cached(sql).await?;
        if !kill {
            return client.query(&statement, params).await;
        }
        let tx = client.transaction().await?;
        let pid: i32 = tx.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
        let rows = tx.query(&statement, params).await?;
        if self.terminate(pid).await {
            Stats::bump(&self.stats.killed_mid_transaction);
        }
        tx.commit().await?;
        Ok(rows)
    }

    /// Kills the server process `pid` from a connection of its own, waiting until it is
    /// gone. Whether it was killed.
    async fn terminate(&self, pid: i32) -> bool {
        let Ok((admin, connection)) = self.admin.connect(tokio_postgres::NoTls).await else {
            return false;
        };
        let task = tokio::spawn(connection);
        let sql = "SELECT pg_terminate_backend($1, 5000)";
        let killed = admin.query_one(sql, &[&pid]).await;
        drop(admin);
        let _ = task.await;
        killed.is_ok_and(|row| row.get::<_, bool>(0))
    }

    /// Reads events `[from, to)` of `account` from the journal table and delivers them: a
    /// reply that was late or lost (its transaction committed, so they are there).
    pub(super) async fn catch_up(&self, client: &Client, account: AccountId, gap: (u64, u64)) {
        Stats::bump(&self.stats.journal_catch_ups);
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE account = $1 AND seq >= $2 AND seq < $3 \
             ORDER BY seq"
        );
        let (id, from, to) = (account as i32, big(gap.0), big(gap.1));
        let Ok(rows) = client.query(&sql, &[&id, &from, &to]).await else {
            return;
        };
        let events = rows.iter().filter_map(|row| event(account, row).ok());
        self.delivery.offer(account, events.collect());
    }
}
