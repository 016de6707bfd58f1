//! Post-mortems and corrective actions over a real store (docs/incidents.md, "Post-mortems and
//! corrective actions"): the draft created once on resolution, edits of the summary and the 5
//! whys with their timeline events, publication, corrective actions across incidents with the
//! overdue ones first, the Markdown export of a stored incident, and the same columns in both
//! SQL dialects.
//!
//! Every test written with [`on_both_engines!`] runs twice: `…::sqlite` on a fresh SQLite file
//! in a temp directory, and `…::postgres` on the PostgreSQL at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) in a schema of its own, created for the test and
//! dropped after it. When PostgreSQL does not answer, a loud line on stderr says that the
//! PostgreSQL half did not run; with `CI=true` those tests fail instead. Every instant and
//! every "today" is chosen by the test (no sleeping, no wall clock).

mod actions;
mod drafts;
mod export;
mod schema;

#[allow(unused_imports)]
pub use super::*;

use server::incidents::Severity;
use server::storage::Store;
use server::storage::incidents::Incident;

/// An incident detected at `detected_ms` and resolved `resolve_after_ms` later by `alice`.
pub async fn resolved_incident(
    store: &Store,
    title: &str,
    severity: Severity,
    detected_ms: i64,
    resolve_after_ms: i64,
) -> Incident {
    let incident = open_incident(store, title, severity, &["api"], "alice", detected_ms).await;
    store
        .incidents()
        .transition(
            incident.id,
            server::incidents::State::Resolved,
            "alice",
            detected_ms + resolve_after_ms,
        )
        .await
        .expect("resolve")
}
