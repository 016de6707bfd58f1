//! On call, escalation and ticketing (issue 9): the weekly rotation week by week across DST
//! changes, overrides (stored, and their precedence), escalation levels at the right minutes,
//! and the ticketing webhook against a local receiver.
//!
//! Every test written with [`on_both_engines!`] runs twice: `…::sqlite` on a fresh SQLite file
//! in a temp directory, and `…::postgres` on the PostgreSQL at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) in a schema of its own, created for the test and
//! dropped after it. When PostgreSQL does not answer, a loud line on stderr says that the
//! PostgreSQL half did not run; with `CI=true` those tests fail instead. Every instant is chosen
//! by the test (no sleeping, no wall clock); the ticketing tests bind a receiver on
//! `127.0.0.1:0`.

#[path = "../support/columns.rs"]
mod columns;
mod escalation;
#[path = "../support/postgres.rs"]
mod postgres;
mod rotation;
mod schema;
mod ticketing;

use std::future::Future;

use server::incidents::Severity;
use server::storage::Store;
use server::storage::incidents::{Incident, NewIncident};
use sqlx::{Connection, PgConnection};

pub use postgres::{execute, postgres_or_skip, with_param};

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;

/// An instant written in RFC 3339, as Unix ms.
pub fn ms(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .timestamp_millis()
}

/// Declares `mod $name { async fn sqlite(); async fn postgres() }`: the body, with `$store` a
/// fresh, migrated [`Store`], on each engine. Items of the invoking module are in scope.
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
    store.migrate().await.expect("migrate");
    let outcome = tokio::spawn(body(store.clone())).await;
    store.close().await;
    outcome.map_err(|error| match error.try_into_panic() {
        Ok(panic) => panic,
        Err(error) => Box::new(format!("test task failed: {error}")),
    })
}

/// `body` on a fresh, migrated SQLite file.
pub async fn with_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("oncall.db");
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect to SQLite");
    if let Err(panic) = run_body(store, body).await {
        std::panic::resume_unwind(panic);
    }
}

/// `body` on PostgreSQL, migrated in a schema created for it and dropped after it.
pub async fn with_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(url) = postgres_or_skip().await else {
        return;
    };
    let schema = format!("oncall_test_{}", uuid::Uuid::new_v4().simple());
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

/// A manual incident detected at `detected_ms`, opened by `actor` at the same instant.
pub async fn open_incident(store: &Store, title: &str, actor: &str, detected_ms: i64) -> Incident {
    store
        .incidents()
        .create(
            &NewIncident {
                title: title.to_string(),
                severity: Severity::Sev2,
                components: vec!["api".to_string()],
                playbook: None,
                actor: actor.to_string(),
                detected_ms,
            },
            detected_ms,
        )
        .await
        .expect("create incident")
}
