//! Users and their sessions (`server/migrations/*/0010_users_audit.sql`).
//!
//! `users (id, name UNIQUE, password_hash, role, created_ms, disabled_ms)` and
//! `sessions (id_sha256, user_id, csrf_token, created_ms, expires_ms, last_seen_ms)`. Only the
//! SHA-256 of a session cookie is stored, as for API tokens. Disabling a user ends their sessions.
//!
//! The SQL is the same text in both dialects.

use super::{StorageError, Store, with_pool};

/// A session's `last_seen_ms` is written at most this often.
pub const LAST_SEEN_RESOLUTION_MS: i64 = 60_000;

/// One user as listed (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub created_ms: i64,
    pub disabled_ms: Option<i64>,
}

/// What a valid session cookie stands for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub csrf_token: String,
    pub expires_ms: i64,
    pub last_seen_ms: i64,
}

/// The users repository. Cheap to clone; get one with [`Store::users`].
#[derive(Debug, Clone)]
pub struct Users {
    store: Store,
}

impl Users {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Stores a new user. `Ok(false)` when the name is taken.
    pub async fn create(
        &self,
        name: &str,
        password_hash: &str,
        role: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let result = with_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO users (name, password_hash, role, created_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(name)
        .bind(password_hash)
        .bind(role)
        .bind(now_ms)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()));
        match result {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Every user, by name.
    pub async fn list(&self) -> Result<Vec<UserRow>, StorageError> {
        let rows: Vec<UserRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, name, role, created_ms, disabled_ms FROM users ORDER BY name",
        )
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The enabled user called `name` and their password hash.
    pub async fn credentials(&self, name: &str) -> Result<Option<(UserRow, String)>, StorageError> {
        let row: Option<(i64, String, String, i64, Option<i64>, String)> = with_pool!(&self.store, pool => sqlx::query_as(
                "SELECT id, name, role, created_ms, disabled_ms, password_hash FROM users \
                 WHERE name = $1 AND disabled_ms IS NULL",
            )
            .bind(name)
            .fetch_optional(pool)
            .await?);
        Ok(row.map(|(id, name, role, created_ms, disabled_ms, hash)| {
            (
                UserRow {
                    id,
                    name,
                    role,
                    created_ms,
                    disabled_ms,
                },
                hash,
            )
        }))
    }

    /// Changes `name`'s role. `Ok(false)` when there is no such user.
    pub async fn set_role(&self, name: &str, role: &str) -> Result<bool, StorageError> {
        let changed = with_pool!(&self.store, pool => sqlx::query(
            "UPDATE users SET role = $1 WHERE name = $2",
        )
        .bind(role)
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed > 0)
    }

    /// Replaces `name`'s password hash and ends their sessions. `Ok(false)` when there is no
    /// such user.
    pub async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
    ) -> Result<bool, StorageError> {
        let changed = with_pool!(&self.store, pool => sqlx::query(
            "UPDATE users SET password_hash = $1 WHERE name = $2",
        )
        .bind(password_hash)
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected());
        if changed > 0 {
            self.end_sessions_of(name).await?;
        }
        Ok(changed > 0)
    }

    /// Disables `name` (the row stays) and ends their sessions. `Ok(false)` when there is no
    /// such enabled user.
    pub async fn disable(&self, name: &str, now_ms: i64) -> Result<bool, StorageError> {
        let changed = with_pool!(&self.store, pool => sqlx::query(
            "UPDATE users SET disabled_ms = $1 WHERE name = $2 AND disabled_ms IS NULL",
        )
        .bind(now_ms)
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected());
        if changed > 0 {
            self.end_sessions_of(name).await?;
        }
        Ok(changed > 0)
    }

    async fn end_sessions_of(&self, name: &str) -> Result<(), StorageError> {
        with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)",
        )
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Stores a session for `user_id`.
    pub async fn create_session(
        &self,
        id_sha256: &str,
        user_id: i64,
        csrf_token: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<(), StorageError> {
        with_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO sessions (id_sha256, user_id, csrf_token, created_ms, expires_ms, last_seen_ms) \
             VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(id_sha256)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now_ms)
        .bind(expires_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The session whose cookie hashes to `id_sha256`, if it has not expired (absolute expiry,
    /// or idle longer than `idle_ms`) and its user is enabled; its use is noted (at most once
    /// per [`LAST_SEEN_RESOLUTION_MS`]).
    pub async fn session(
        &self,
        id_sha256: &str,
        now_ms: i64,
        idle_ms: i64,
    ) -> Result<Option<SessionRow>, StorageError> {
        let row: Option<SessionRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT s.user_id, u.name, u.role, s.csrf_token, s.expires_ms, s.last_seen_ms \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_sha256 = $1 AND s.expires_ms > $2 AND s.last_seen_ms > $3 \
               AND u.disabled_ms IS NULL",
        )
        .bind(id_sha256)
        .bind(now_ms)
        .bind(now_ms.saturating_sub(idle_ms))
        .fetch_optional(pool)
        .await?);
        if let Some(found) = &row
            && now_ms - found.last_seen_ms >= LAST_SEEN_RESOLUTION_MS
        {
            with_pool!(&self.store, pool => sqlx::query(
                "UPDATE sessions SET last_seen_ms = $1 WHERE id_sha256 = $2",
            )
            .bind(now_ms)
            .bind(id_sha256)
            .execute(pool)
            .await?
            .rows_affected());
        }
        Ok(row)
    }

    /// Ends one session. `Ok(false)` when it did not exist.
    pub async fn end_session(&self, id_sha256: &str) -> Result<bool, StorageError> {
        let gone = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM sessions WHERE id_sha256 = $1",
        )
        .bind(id_sha256)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(gone > 0)
    }

    /// Deletes the sessions expired at `now_ms` (absolute or idle), returning how many.
    pub async fn delete_expired_sessions(
        &self,
        now_ms: i64,
        idle_ms: i64,
    ) -> Result<u64, StorageError> {
        let gone = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM sessions WHERE expires_ms <= $1 OR last_seen_ms <= $2",
        )
        .bind(now_ms)
        .bind(now_ms.saturating_sub(idle_ms))
        .execute(pool)
        .await?
        .rows_affected());
        Ok(gone)
    }
}
