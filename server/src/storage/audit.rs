//! The audit trail's rows (`audit_log`, `server/migrations/*/0010_users_audit.sql`); the chain
//! itself is [`crate::audit::chain`].
//!
//! Appending reads the last row and writes the next in one transaction that holds the write
//! lock from its start (SQLite `BEGIN IMMEDIATE`; PostgreSQL a transaction-scoped advisory
//! lock), so two servers or two requests never chain onto the same row.

use sqlx::{Postgres, Sqlite, Transaction};

use super::{StorageError, Store, with_pool};
use crate::audit::chain::{GENESIS, link_hash};

/// The PostgreSQL advisory lock key that serialises appends ("csva" "audt" as two 32-bit words).
const APPEND_LOCK_KEY: i64 = 0x6373_7661_6175_6474;

/// One row of the trail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What to list: each field narrows the rows; newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An exact action, or a prefix ending in `.` (`login.` for every sign-in).
    pub action: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only rows with a smaller id (paging backwards).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// The audit repository. Cheap to clone; get one with [`Store::audit`].
#[derive(Debug, Clone)]
pub struct Audit {
    store: Store,
}

impl Audit {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Appends one entry, chained onto the last row.
    pub async fn append(
        &self,
        at_ms: i64,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<AuditRow, StorageError> {
        match &self.store {
            Store::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let row = append_in(&mut tx, at_ms, actor, action, target, detail).await?;
                tx.commit().await?;
                Ok(row)
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(APPEND_LOCK_KEY)
                    .execute(&mut *tx)
                    .await?;
                let row = append_in_pg(&mut tx, at_ms, actor, action, target, detail).await?;
                tx.commit().await?;
                Ok(row)
            }
        }
    }

    /// Up to `limit` rows with ids above `after_id`, oldest first (for verification).
    pub async fn page(&self, after_id: i64, limit: i64) -> Result<Vec<AuditRow>, StorageError> {
        let rows: Vec<AuditRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, at_ms, actor, action, target, detail, prev_hash, hash FROM audit_log \
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The rows `filter` selects, newest first.
    pub async fn list(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StorageError> {
        let (action_exact, action_prefix) = match filter.action.as_deref() {
            Some(action) if action.ends_with('.') => (None, Some(format!("{action}%"))),
            Some(action) => (Some(action.to_string()), None),
            None => (None, None),
        };
        let rows: Vec<AuditRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, at_ms, actor, action, target, detail, prev_hash, hash FROM audit_log \
             WHERE ($1 IS NULL OR actor = $1) \
               AND ($2 IS NULL OR action = $2) \
               AND ($3 IS NULL OR action LIKE $3) \
               AND ($4 IS NULL OR at_ms >= $4) \
               AND ($5 IS NULL OR at_ms < $5) \
               AND ($6 IS NULL OR id < $6) \
             ORDER BY id DESC LIMIT $7",
        )
        .bind(filter.actor.as_deref())
        .bind(action_exact.as_deref())
        .bind(action_prefix.as_deref())
        .bind(filter.from_ms)
        .bind(filter.to_ms)
        .bind(filter.before_id)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// How many rows with `action` were written at or after `since_ms` (the failed-login
    /// alert's signal).
    pub async fn count_since(&self, action: &str, since_ms: i64) -> Result<i64, StorageError> {
        let count: i64 = with_pool!(&self.store, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND at_ms >= $2",
        )
        .bind(action)
        .bind(since_ms)
        .fetch_one(pool)
        .await?);
        Ok(count)
    }
}

const LAST_ROW: &str = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
const INSERT_ROW: &str = "INSERT INTO audit_log (id, at_ms, actor, action, target, detail, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

fn next_row(
    last: Option<(i64, String)>,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> AuditRow {
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let hash = link_hash(id, at_ms, actor, action, target, detail, &prev_hash);
    AuditRow {
        id,
        at_ms,
        actor: actor.to_string(),
        action: action.to_string(),
        target: target.to_string(),
        detail: detail.to_string(),
        prev_hash,
        hash,
    }
}

async fn append_in(
    tx: &mut Transaction<'static, Sqlite>,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<AuditRow, StorageError> {
    let last: Option<(i64, String)> = sqlx::query_as(LAST_ROW).fetch_optional(&mut **tx).await?;
    let row = next_row(last, at_ms, actor, action, target, detail);
    sqlx::query(INSERT_ROW)
        .bind(row.id)
        .bind(row.at_ms)
        .bind(&row.actor)
        .bind(&row.action)
        .bind(&row.target)
        .bind(&row.detail)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(&mut **tx)
        .await?;
    Ok(row)
}

async fn append_in_pg(
    tx: &mut Transaction<'static, Postgres>,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<AuditRow, StorageError> {
    let last: Option<(i64, String)> = sqlx::query_as(LAST_ROW).fetch_optional(&mut **tx).await?;
    let row = next_row(last, at_ms, actor, action, target, detail);
    sqlx::query(INSERT_ROW)
        .bind(row.id)
        .bind(row.at_ms)
        .bind(&row.actor)
        .bind(&row.action)
        .bind(&row.target)
        .bind(&row.detail)
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(&mut **tx)
        .await?;
    Ok(row)
}
