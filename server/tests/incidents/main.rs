//! Incidents over a real store: the lifecycle and its timestamps, roles, status updates, the
//! timeline, the auto-open task (dedup, reopen window, "notified" from the outbox), MTTA/MTTR
//! figures, and the embedded playbooks; post-mortems and corrective actions ([`postmortems`]);
//! the on-call rotation, escalation and ticketing ([`oncall`]). One test binary for all of it.
//!
//! Every test written with [`on_both_engines!`] runs twice: `…::sqlite` on a fresh SQLite file
//! in a temp directory, and `…::postgres` on the PostgreSQL at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) in a schema of its own, created for the test and
//! dropped after it. When PostgreSQL does not answer, a loud line on stderr says that the
//! PostgreSQL half did not run; with `CI=true` those tests fail instead. Every instant is chosen
//! by the test (no sleeping, no wall clock).

mod auto;
#[path = "../support/columns.rs"]
mod columns;
mod figures;
mod lifecycle;
mod oncall;
mod playbooks;
#[path = "../support/postgres.rs"]
mod postgres;
mod postmortems;
mod schema;
mod timeline;

use std::collections::BTreeMap;
use std::future::Future;

use server::alerting::engine::{Alert, fingerprint};
use server::alerting::state::{AlertState, Phase};
use server::incidents::Severity;
use server::storage::Store;
use server::storage::incidents::{Incident, NewIncident};
use sqlx::{Connection, PgConnection};

pub use postgres::{execute, postgres_or_skip, with_param};

/// A fixed instant far from the wall clock: 2027-01-15T08:00:00Z.
pub const T0: i64 = 1_800_000_000_000;
pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;

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
    let path = dir.path().join("incidents.db");
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
    let schema = format!("incidents_test_{}", uuid::Uuid::new_v4().simple());
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
pub async fn open_incident(
    store: &Store,
    title: &str,
    severity: Severity,
    components: &[&str],
    actor: &str,
    detected_ms: i64,
) -> Incident {
    store
        .incidents()
        .create(
            &NewIncident {
                title: title.to_string(),
                severity,
                components: components.iter().map(|c| c.to_string()).collect(),
                playbook: None,
                actor: actor.to_string(),
                detected_ms,
            },
            detected_ms,
        )
        .await
        .expect("create incident")
}

/// An alert of `rule` as the engine keeps it, with `labels` (`alertname` and `severity` added
/// when missing), firing since `fired_ms` (`resolved_ms`: resolved then).
pub fn alert(
    rule: &str,
    labels: &[(&str, &str)],
    fired_ms: i64,
    resolved_ms: Option<i64>,
) -> Alert {
    let mut labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let name = rule.strip_prefix("alertmanager/").unwrap_or(rule);
    labels
        .entry("alertname".to_string())
        .or_insert_with(|| name.to_string());
    labels
        .entry("severity".to_string())
        .or_insert_with(|| "critical".to_string());
    Alert {
        fingerprint: fingerprint(&labels),
        rule: rule.to_string(),
        annotations: BTreeMap::from([
            ("summary".to_string(), format!("{name} fires")),
            ("playbook".to_string(), "application-down".to_string()),
        ]),
        labels,
        state: AlertState {
            phase: if resolved_ms.is_some() {
                Phase::Resolved
            } else {
                Phase::Firing
            },
            active_since_ms: Some(fired_ms),
            fired_at_ms: Some(fired_ms),
            resolved_at_ms: resolved_ms,
            last_held_ms: Some(resolved_ms.unwrap_or(fired_ms)),
        },
        value: Some(1.0),
        note: None,
        evaluated_ms: resolved_ms.unwrap_or(fired_ms),
    }
}

/// The timeline's kinds, oldest first.
pub async fn kinds(store: &Store, id: i64) -> Vec<String> {
    store
        .incidents()
        .timeline(id)
        .await
        .expect("timeline")
        .into_iter()
        .map(|event| event.kind)
        .collect()
}
