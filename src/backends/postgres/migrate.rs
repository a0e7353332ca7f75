//! The embedded migration: a schema named per run, its tables and functions
//! (`schema.sql`), and one row per account with its terms and scheduled grants.

use deadpool_postgres::Client;

use super::reply::source_name;
use crate::ledger::AccountSpec;

/// The tables and functions, run inside the run's schema.
const SCHEMA_SQL: &str = include_str!("schema.sql");

/// Whether `name` can name a schema without quoting: lowercase letters, digits and `_`,
/// not starting with a digit, at most 63 bytes (PostgreSQL's limit).
pub(crate) fn valid_schema_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    first_ok && rest_ok && name.len() <= 63
}

/// Creates `schema` with the ledger's tables and functions, and the accounts of `specs`
/// (account id = index), in one transaction.
pub(super) async fn create(
    client: &mut Client,
    schema: &str,
    specs: &[AccountSpec],
) -> Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let setup = format!("CREATE SCHEMA {schema}; SET LOCAL search_path TO {schema};\n");
    tx.batch_execute(&(setup + SCHEMA_SQL)).await?;
    let account = tx
        .prepare(
            "INSERT INTO accounts (id, anchor_ms, key_retention_ms, entitled, unlimited, \
             warn_thresholds) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    let recurring = tx
        .prepare(
            "INSERT INTO recurring (account, idx, label, source, pool, credits, every_months, \
             cycle_months, priority, due_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, renewal_due($10, $7, 0))",
        )
        .await?;
    for (id, spec) in specs.iter().enumerate() {
        let entitled: Option<Vec<&str>> =
            (spec.entitled.as_ref()).map(|set| set.iter().map(String::as_str).collect());
        let unlimited: Vec<&str> = spec.unlimited.iter().map(String::as_str).collect();
        let thresholds: Vec<i64> = spec.warn_thresholds.iter().map(|&t| big(t)).collect();
        let (anchor_ms, retention_ms) = (big(spec.anchor_ms), big(spec.key_retention_ms));
        let id = id as i32;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
            &id,
            &anchor_ms,
            &retention_ms,
            &entitled,
            &unlimited,
            &thresholds,
        ];
        tx.execute(&account, &params).await?;
        for (idx, grant) in spec.recurring.iter().enumerate() {
            let (idx, credits) = (idx as i32, big(grant.credits));
            let (every, cycle) = (grant.every_months as i32, grant.cycle_months as i32);
            let priority = i16::from(grant.priority);
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 10] = [
                &id,
                &idx,
                &grant.label,
                &source_name(grant.source),
                &grant.pool.as_str(),
                &credits,
                &every,
                &cycle,
                &priority,
                &anchor_ms,
            ];
            tx.execute(&recurring, &params).await?;
        }
    }
    tx.commit().await
}

/// Drops `schema` and everything in it.
pub(super) async fn drop(client: &Client, schema: &str) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
}

/// A ledger amount or time as the database's `bigint`, saturated at its maximum: amounts
/// and times past 2^63 are beyond what the schema stores.
pub(super) fn big(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
