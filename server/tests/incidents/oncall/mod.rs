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

mod escalation;
mod rotation;
mod schema;
mod ticketing;

#[allow(unused_imports)]
pub use super::*;

use server::incidents::Severity;
use server::storage::Store;
use server::storage::incidents::{Incident, NewIncident};

/// An instant written in RFC 3339, as Unix ms.
pub fn ms(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .timestamp_millis()
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
