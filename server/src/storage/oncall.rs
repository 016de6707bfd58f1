//! On call: the overrides of the weekly rotation (table `oncall_overrides`, migration
//! `0013_oncall`) and the escalations of incidents, written as `escalated` events of the
//! incidents' timeline (docs/incidents.md, "On call, escalation, ticketing").
//!
//! The SQL is the same text in both dialects.

use crate::storage::WritePool;
use serde_json::json;

use super::{Store, with_pool};
use crate::incidents::IncidentError;
use crate::incidents::escalation::ESCALATED;
use crate::incidents::oncall::{Override, checked_person};

/// Longest override reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// An override to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOverride {
    pub person: String,
    pub starts_ms: i64,
    pub ends_ms: i64,
    pub reason: Option<String>,
}

/// What [`OnCallStore::record_escalation`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationOutcome {
    /// The `escalated` event was written, with this id.
    Recorded { event_id: i64 },
    /// This level was recorded before (by this server or another replica, before a restart).
    AlreadyEscalated,
    /// The incident was acknowledged, resolved or closed in the meantime.
    NoLongerDue,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct OverrideRow {
    id: i64,
    person: String,
    starts_ms: i64,
    ends_ms: i64,
    created_by: String,
    created_ms: i64,
    reason: Option<String>,
}

impl From<OverrideRow> for Override {
    fn from(row: OverrideRow) -> Self {
        Override {
            id: row.id,
            person: row.person,
            starts_ms: row.starts_ms,
            ends_ms: row.ends_ms,
            created_by: row.created_by,
            created_ms: row.created_ms,
            reason: row.reason,
        }
    }
}

fn invalid(field: &'static str, reason: String) -> IncidentError {
    IncidentError::Invalid { field, reason }
}

/// The on-call repository. Cheap to clone; get one with [`Store::oncall`].
#[derive(Debug, Clone)]
pub struct OnCallStore {
    store: Store,
}

impl OnCallStore {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Adds an override made by `created_by` at `now_ms`; refused (`IncidentError::Invalid`)
    /// when the person or reason is not acceptable or the interval is empty.
    pub async fn add_override(
        &self,
        new: &NewOverride,
        created_by: &str,
        now_ms: i64,
    ) -> Result<Override, IncidentError> {
        let person = checked_person("person", &new.person).map_err(|r| invalid("person", r))?;
        let created_by =
            checked_person("created_by", created_by).map_err(|r| invalid("created_by", r))?;
        if new.ends_ms <= new.starts_ms {
            return Err(invalid(
                "ends_ms",
                "the override must end after it starts".to_string(),
            ));
        }
        let reason = match new.reason.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) if text.chars().count() > MAX_REASON_CHARS => {
                return Err(invalid(
                    "reason",
                    format!("at most {MAX_REASON_CHARS} characters are allowed"),
                ));
            }
            Some(text) if text.chars().any(char::is_control) => {
                return Err(invalid(
                    "reason",
                    "must not contain control characters".to_string(),
                ));
            }
            Some(text) => Some(text.to_string()),
        };
        let id: i64 = with_pool!(&self.store, pool => sqlx::query_scalar(
            "INSERT INTO oncall_overrides (person, starts_ms, ends_ms, created_by, created_ms, \
                 reason) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&person)
        .bind(new.starts_ms)
        .bind(new.ends_ms)
        .bind(&created_by)
        .bind(now_ms)
        .bind(&reason)
        .fetch_one(pool)
        .await?);
        Ok(Override {
            id,
            person,
            starts_ms: new.starts_ms,
            ends_ms: new.ends_ms,
            created_by,
            created_ms: now_ms,
            reason,
        })
    }

    /// The overrides that overlap `[from_ms, to_ms)`, by start then id.
    pub async fn overrides(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Override>, IncidentError> {
        let rows: Vec<OverrideRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, person, starts_ms, ends_ms, created_by, created_ms, reason \
             FROM oncall_overrides WHERE starts_ms < $2 AND ends_ms > $1 \
             ORDER BY starts_ms, id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(Override::from).collect())
    }

    /// Deletes override `id`; false when there was none.
    pub async fn delete_override(&self, id: i64) -> Result<bool, IncidentError> {
        let deleted = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM oncall_overrides WHERE id = $1",
        )
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(deleted > 0)
    }

    /// Writes the `escalated` event `{to, level, ...detail}` of incident `id` at `at_ms`, once
    /// per level: in one transaction that holds the incident's row lock, it checks that the
    /// incident is still open and unacknowledged and that no `escalated` event of `level`
    /// exists yet.
    pub async fn record_escalation(
        &self,
        id: i64,
        level: u8,
        detail: serde_json::Value,
        actor: &str,
        at_ms: i64,
    ) -> Result<EscalationOutcome, IncidentError> {
        let mut detail = detail;
        detail["level"] = json!(level);
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let found = sqlx::query("UPDATE incidents SET updated_ms = updated_ms WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if found == 0 {
                return Err(IncidentError::NotFound { id });
            }
            let (state, acknowledged_ms): (String, Option<i64>) = sqlx::query_as(
                "SELECT state, acknowledged_ms FROM incidents WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if acknowledged_ms.is_some() || matches!(state.as_str(), "resolved" | "closed") {
                return Ok(EscalationOutcome::NoLongerDue);
            }
            let earlier: Vec<String> = sqlx::query_scalar(
                "SELECT detail FROM incident_events WHERE incident_id = $1 AND kind = $2",
            )
            .bind(id)
            .bind(ESCALATED)
            .fetch_all(&mut *tx)
            .await?;
            let done = earlier.iter().any(|text| {
                serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|d| d.get("level")?.as_u64())
                    == Some(u64::from(level))
            });
            if done {
                return Ok(EscalationOutcome::AlreadyEscalated);
            }
            let event_id: i64 = sqlx::query_scalar(
                "INSERT INTO incident_events (incident_id, at_ms, actor, kind, detail) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(id)
            .bind(at_ms)
            .bind(actor)
            .bind(ESCALATED)
            .bind(detail.to_string())
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE incidents SET updated_ms = CASE WHEN updated_ms < $2 THEN $2 \
                 ELSE updated_ms END WHERE id = $1",
            )
            .bind(id)
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(EscalationOutcome::Recorded { event_id })
        })
    }
}
