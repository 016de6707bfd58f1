//! API tokens: who may change probes through the API (`Authorization: Bearer …`).
//!
//! # Schema (`server/migrations/*/0003_probes.sql`)
//!
//! `api_tokens (id, name UNIQUE, token_sha256 UNIQUE, created_ms, last_used_ms, revoked_ms,
//! role)` (`role` from 0010_users_audit.sql).
//! Only the SHA-256 of a token is stored (see [`crate::auth::tokens`]); a revoked token keeps its
//! row (and its name), so `token list` shows it and the name is not reused by mistake.
//!
//! The SQL is the same text in both dialects, so this aggregate has no `sqlite.rs`/`postgres.rs`.

use super::{StorageError, Store, with_pool};

/// `last_used_ms` is written at most this often per token, so authenticated requests do not
/// each cost a write.
pub const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// One token as listed (never its hash).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRow {
    pub name: String,
    pub role: String,
    pub created_ms: i64,
    pub last_used_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
}

/// The API tokens repository. Cheap to clone; get one with [`Store::api_tokens`].
#[derive(Debug, Clone)]
pub struct ApiTokens {
    store: Store,
}

impl ApiTokens {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Stores a new token's hash under `name`. `Ok(false)` when the name is taken.
    pub async fn create(
        &self,
        name: &str,
        token_sha256: &str,
        role: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let result = with_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO api_tokens (name, token_sha256, created_ms, role) VALUES ($1, $2, $3, $4)",
        )
        .bind(name)
        .bind(token_sha256)
        .bind(now_ms)
        .bind(role)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()));
        match result {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Every token, by name.
    pub async fn list(&self) -> Result<Vec<TokenRow>, StorageError> {
        let rows: Vec<TokenRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT name, role, created_ms, last_used_ms, revoked_ms FROM api_tokens ORDER BY name",
        )
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Revokes the token called `name`. `Ok(false)` when there is no such token or it was
    /// already revoked.
    pub async fn revoke(&self, name: &str, now_ms: i64) -> Result<bool, StorageError> {
        let changed = with_pool!(&self.store, pool => sqlx::query(
            "UPDATE api_tokens SET revoked_ms = $1 WHERE name = $2 AND revoked_ms IS NULL",
        )
        .bind(now_ms)
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed > 0)
    }

    /// The name and role of the valid (not revoked) token whose hash is `token_sha256`, noting
    /// its use (at most once per [`LAST_USED_RESOLUTION_MS`]).
    pub async fn authenticate(
        &self,
        token_sha256: &str,
        now_ms: i64,
    ) -> Result<Option<(String, String)>, StorageError> {
        let found: Option<(String, String, Option<i64>)> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT name, role, last_used_ms FROM api_tokens \
             WHERE token_sha256 = $1 AND revoked_ms IS NULL",
        )
        .bind(token_sha256)
        .fetch_optional(pool)
        .await?);
        let Some((name, role, last_used)) = found else {
            return Ok(None);
        };
        if last_used.is_none_or(|at| now_ms - at >= LAST_USED_RESOLUTION_MS) {
            with_pool!(&self.store, pool => sqlx::query(
                "UPDATE api_tokens SET last_used_ms = $1 WHERE token_sha256 = $2",
            )
            .bind(now_ms)
            .bind(token_sha256)
            .execute(pool)
            .await?
            .rows_affected());
        }
        Ok(Some((name, role)))
    }
}
