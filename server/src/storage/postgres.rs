//! PostgreSQL, for deployments with several server replicas sharing one database.
//!
//! The URL is passed to sqlx as it is, so its parameters apply (`sslmode`, `application_name`,
//! `options[search_path]=SCHEMA` to use a schema other than `public`, as the tests do).

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use super::{ACQUIRE_TIMEOUT, StorageError};

/// The PostgreSQL dialect's migrations (`server/migrations/postgres`), embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// The connection options for `url` (`postgres://…` or `postgresql://…`).
pub fn connect_options(url: &str) -> Result<PgConnectOptions, StorageError> {
    PgConnectOptions::from_str(url).map_err(|error| StorageError::bad_url(url, &error))
}

/// Opens a pool on `url`.
///
/// One direct connection is made first: a pool retries a refused connection until its acquire
/// timeout and then reports only "timed out", while the direct attempt fails at once with the
/// driver's reason (refused, unknown database, authentication failed).
pub(super) async fn connect(url: &str) -> Result<PgPool, StorageError> {
    let options = connect_options(url)?;
    match tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
        }
        Ok(Err(error)) => return Err(StorageError::connect(url, &error)),
        Err(_) => {
            let reason = format!("no answer within {} s", ACQUIRE_TIMEOUT.as_secs());
            return Err(StorageError::connect(url, &reason));
        }
    }
    PgPoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|error| StorageError::connect(url, &error))
}

/// See [`super::Store::migrations_pending`].
pub(super) async fn migrations_pending(pool: &PgPool) -> Result<bool, StorageError> {
    let mut conn = pool.acquire().await?;
    // `to_regclass` follows the connection's search_path, like the migrator does.
    let has_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await?;
    if !has_table {
        return Ok(super::pending(&MIGRATOR, &[]));
    }
    super::migrations_pending_on(&mut *conn, &MIGRATOR).await
}
