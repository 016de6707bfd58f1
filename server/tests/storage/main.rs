//! The storage layer against both engines.
//!
//! Every test written with [`on_both_engines!`] runs twice: `…::sqlite` on a fresh SQLite file in
//! a temp directory, and `…::postgres` on the PostgreSQL at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) in a schema of its own, created for the test and
//! dropped after it, whether it passed or not.
//!
//! When PostgreSQL does not answer, a loud line on stderr says that the PostgreSQL half did not
//! run and those tests return early; with `CI=true` they fail with that line instead.

#[path = "../support/columns.rs"]
mod columns;
mod metric_samples;
#[path = "../support/postgres.rs"]
mod postgres;
mod probes;
mod retention;
mod rum;
mod store;
mod users;

pub use postgres::{execute, postgres_or_skip, postgres_url, with_param};

use std::future::Future;

use server::storage::Store;
use sqlx::{Connection, PgConnection};

/// Declares `mod $name { async fn sqlite(); async fn postgres() }`: the body, with `$store` a
/// fresh, not yet migrated [`Store`], on each engine. Items of the invoking module are in scope.
macro_rules! on_both_engines {
    ($(#[doc = $doc:literal])* async fn $name:ident($store:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $crate::with_sqlite(|$store| async move $body).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::with_postgres(|$store| async move $body).await;
            }
        }
    };
}
pub(crate) use on_both_engines;

/// Runs `body` in a spawned task and returns its panic, if any, so that clean-up still happens.
async fn run_body<F, Fut>(store: Store, body: F) -> Result<(), Box<dyn std::any::Any + Send>>
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(body(store.clone())).await;
    store.close().await;
    outcome.map_err(|error| match error.try_into_panic() {
        Ok(panic) => panic,
        Err(error) => Box::new(format!("test task failed: {error}")),
    })
}

/// `body` on a fresh SQLite file (in a directory that does not exist yet).
pub async fn with_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data").join("storage.db");
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect to SQLite");
    assert_eq!(store.engine(), "sqlite");
    if let Err(panic) = run_body(store, body).await {
        std::panic::resume_unwind(panic);
    }
}

/// `body` on PostgreSQL, in a schema created for it and dropped after it.
pub async fn with_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = postgres_or_skip().await else {
        return;
    };
    let schema = format!("storage_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    execute(&mut admin, format!("CREATE SCHEMA {schema}")).await;
    let store = Store::connect(&with_param(&url, &format!("options[search_path]={schema}")))
        .await
        .expect("connect to PostgreSQL");
    assert_eq!(store.engine(), "postgres");
    let outcome = run_body(store, body).await;
    execute(&mut admin, format!("DROP SCHEMA {schema} CASCADE")).await;
    let _ = admin.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Rows in `metric_samples`, on either engine.
pub async fn count_samples(store: &Store) -> i64 {
    let sql = "SELECT COUNT(*) FROM metric_samples";
    match store {
        Store::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        Store::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .expect("count samples")
}
