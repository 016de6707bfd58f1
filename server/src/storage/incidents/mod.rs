//! The incidents repository, the same on both engines (docs/incidents.md).
//!
//! # Schema (`server/migrations/*/0011_incidents.sql`)
//!
//! - `incidents`: one row per incident — title, severity, state, components (JSON array),
//!   playbook, who opened it, the instant of each state, the acknowledgement, the reopen count.
//! - `incident_alerts`: the alerts (fingerprints) linked to an incident; a fingerprint links to
//!   at most one open incident.
//! - `incident_events`: the timeline.
//! - `incident_roles`: on-call, commander and SMEs, with when they were (un)assigned.
//! - `status_updates`: public and internal updates.
//!
//! # Invariants
//!
//! - **Every change writes its timeline event in the same transaction** (and bumps
//!   `updated_ms`).
//! - **Changes serialize per incident**: each one starts with a no-op `UPDATE` of the incident's
//!   row, which takes PostgreSQL's row lock (and SQLite's write lock) before the row is read, so
//!   two concurrent moves cannot both pass the lifecycle check.
//! - The lifecycle rules are [`crate::incidents::lifecycle`]'s; this module only stores.
//!
//! The SQL is the same text in both dialects except the substring test of the component filter
//! (`instr` in SQLite, `strpos` in PostgreSQL).

mod records;

use crate::storage::WritePool;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{Store, with_pool};
use crate::incidents::figures::{ResponseFigures, ResponseTimes, response_figures};
use crate::incidents::severity::ALL_SEVERITIES;
use crate::incidents::{
    IncidentError, MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Role, Severity, State,
    Visibility, checked_components, checked_text, lifecycle::Move, playbooks, timeline,
};
pub use records::{
    Acknowledgement, DeliveredNotification, Incident, IncidentFilter, LinkedAlert, NewIncident,
    PublicUpdate, RoleAssignment, StatusUpdate, TimelineEvent,
};
use records::{EventRow, IncidentRow, PublicUpdateRow, RoleRow, UpdateRow, incident_columns};

/// The condition "the incident `i` is open", in SQL.
macro_rules! open_sql {
    () => {
        "i.state NOT IN ('resolved', 'closed')"
    };
}

/// Takes the incident's row lock in the transaction `$tx`, then reads it; returns
/// `IncidentError::NotFound` from the enclosing function when there is none.
macro_rules! lock_incident {
    ($tx:expr, $id:expr) => {{
        let id: i64 = $id;
        let found = sqlx::query("UPDATE incidents SET updated_ms = updated_ms WHERE id = $1")
            .bind(id)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Err(IncidentError::NotFound { id });
        }
        let row: IncidentRow = sqlx::query_as(concat!(
            "SELECT ",
            incident_columns!(),
            " FROM incidents WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *$tx)
        .await?;
        row.into_incident()?
    }};
}

/// Writes every changeable column of `$incident` (an [`Incident`]) in `$tx`.
macro_rules! save_incident {
    ($tx:expr, $incident:expr) => {{
        let incident: &Incident = $incident;
        let components = components_json(&incident.components)?;
        let l = &incident.lifecycle;
        sqlx::query(
            "UPDATE incidents SET title = $2, severity = $3, state = $4, components = $5, \
                 playbook = $6, notified_ms = $7, triaged_ms = $8, diagnosing_ms = $9, \
                 resolved_ms = $10, closed_ms = $11, acknowledged_ms = $12, \
                 acknowledged_by = $13, reopened_count = $14, updated_ms = $15 \
             WHERE id = $1",
        )
        .bind(incident.id)
        .bind(&incident.title)
        .bind(incident.severity.as_str())
        .bind(l.state.as_str())
        .bind(components)
        .bind(&incident.playbook)
        .bind(l.notified_ms)
        .bind(l.triaged_ms)
        .bind(l.diagnosing_ms)
        .bind(l.resolved_ms)
        .bind(l.closed_ms)
        .bind(incident.acknowledged.as_ref().map(|a| a.at_ms))
        .bind(incident.acknowledged.as_ref().map(|a| a.by.as_str()))
        .bind(l.reopened_count)
        .bind(incident.updated_ms)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Appends a timeline event in `$tx`; evaluates to it.
macro_rules! insert_event {
    ($tx:expr, $incident_id:expr, $at_ms:expr, $actor:expr, $kind:expr, $detail:expr) => {{
        let incident_id: i64 = $incident_id;
        let at_ms: i64 = $at_ms;
        let actor: &str = $actor;
        let kind: &str = $kind;
        let detail: serde_json::Value = $detail;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incident_events (incident_id, at_ms, actor, kind, detail) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(incident_id)
        .bind(at_ms)
        .bind(actor)
        .bind(kind)
        .bind(detail.to_string())
        .fetch_one(&mut *$tx)
        .await?;
        TimelineEvent {
            id,
            incident_id,
            at_ms,
            actor: actor.to_string(),
            kind: kind.to_string(),
            detail,
        }
    }};
}

/// Inserts a new incident row in `$tx`; evaluates to its id.
macro_rules! insert_incident {
    ($tx:expr, $new:expr, $components:expr, $now_ms:expr) => {{
        let new: &NewIncident = $new;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (title, severity, state, components, playbook, created_by, \
                 detected_ms, reopened_count, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
        )
        .bind(&new.title)
        .bind(new.severity.as_str())
        .bind(State::Detected.as_str())
        .bind($components)
        .bind(&new.playbook)
        .bind(&new.actor)
        .bind(new.detected_ms)
        .bind($now_ms)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}

/// The open incident, other than `$except`, that `$fingerprint` is linked to, in `$tx`.
macro_rules! open_incident_of {
    ($tx:expr, $fingerprint:expr, $except:expr) => {{
        let other: Option<i64> = sqlx::query_scalar(concat!(
            "SELECT i.id FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id \
             WHERE a.fingerprint = $1 AND i.id <> $2 AND ",
            open_sql!(),
            " ORDER BY i.id LIMIT 1"
        ))
        .bind($fingerprint)
        .bind($except)
        .fetch_optional(&mut *$tx)
        .await?;
        other
    }};
}

/// Links `$fingerprint` to the incident in `$tx` (no-op when linked already); evaluates to
/// whether a link was made.
macro_rules! insert_link {
    ($tx:expr, $incident_id:expr, $fingerprint:expr, $rule:expr, $now_ms:expr) => {{
        sqlx::query(
            "INSERT INTO incident_alerts (incident_id, fingerprint, rule, linked_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (incident_id, fingerprint) DO NOTHING",
        )
        .bind($incident_id)
        .bind($fingerprint)
        .bind($rule)
        .bind($now_ms)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            > 0
    }};
}

/// A fingerprint linked to incident `$id` that is also linked to another open incident (then
/// `$id` cannot reopen), with that incident, in `$tx`.
macro_rules! linked_elsewhere {
    ($tx:expr, $id:expr) => {{
        let found: Option<(String, i64)> = sqlx::query_as(concat!(
            "SELECT a.fingerprint, i.id FROM incident_alerts a \
             JOIN incident_alerts b ON b.fingerprint = a.fingerprint \
                 AND b.incident_id <> a.incident_id \
             JOIN incidents i ON i.id = b.incident_id \
             WHERE a.incident_id = $1 AND ",
            open_sql!(),
            " ORDER BY i.id LIMIT 1"
        ))
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        found
    }};
}

/// The `channel`s of `notified` event details (JSON objects).
fn channels_of(details: &[String]) -> BTreeSet<String> {
    details
        .iter()
        .filter_map(|detail| serde_json::from_str::<serde_json::Value>(detail).ok())
        .filter_map(|detail| Some(detail.get("channel")?.as_str()?.to_string()))
        .collect()
}

fn components_json(components: &[String]) -> Result<String, IncidentError> {
    serde_json::to_string(components).map_err(|e| IncidentError::Invalid {
        field: "components",
        reason: e.to_string(),
    })
}

fn actor_name(actor: &str) -> Result<String, IncidentError> {
    checked_text("actor", actor, MAX_NAME_CHARS, false)
}

/// A new incident's checked values: the title, components and playbook name.
fn checked_new(new: &NewIncident) -> Result<NewIncident, IncidentError> {
    Ok(NewIncident {
        title: checked_text("title", &new.title, MAX_TITLE_CHARS, false)?,
        severity: new.severity,
        components: checked_components(&new.components)?,
        playbook: new
            .playbook
            .as_deref()
            .map(|name| checked_text("playbook", name, MAX_NAME_CHARS, false))
            .transpose()?,
        actor: actor_name(&new.actor)?,
        detected_ms: new.detected_ms,
    })
}

fn created_detail(new: &NewIncident) -> serde_json::Value {
    json!({
        "title": new.title,
        "severity": new.severity.as_str(),
        "components": new.components,
        "playbook": new.playbook,
    })
}

/// The incidents repository. Cheap to clone; get one with [`Store::incidents`].
#[derive(Debug, Clone)]
pub struct Incidents {
    store: Store,
}

impl Incidents {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Opens an incident (state detected), with its `created` event at `now_ms`.
    pub async fn create(&self, new: &NewIncident, now_ms: i64) -> Result<Incident, IncidentError> {
        let new = checked_new(new)?;
        let components = components_json(&new.components)?;
        let id = with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let id = insert_incident!(tx, &new, &components, now_ms);
            insert_event!(tx, id, now_ms, &new.actor, timeline::CREATED, created_detail(&new));
            tx.commit().await?;
            id
        });
        self.require(id).await
    }

    /// Opens an incident for the alert `fingerprint` of `rule` and links it, in one
    /// transaction; refused when the alert is linked to an open incident already.
    pub async fn create_for_alert(
        &self,
        new: &NewIncident,
        fingerprint: &str,
        rule: &str,
        now_ms: i64,
    ) -> Result<Incident, IncidentError> {
        let new = checked_new(new)?;
        let components = components_json(&new.components)?;
        let id = with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(incident_id) = open_incident_of!(tx, fingerprint, 0_i64) {
                return Err(IncidentError::AlertLinkedElsewhere {
                    fingerprint: fingerprint.to_string(),
                    incident_id,
                });
            }
            let id = insert_incident!(tx, &new, &components, now_ms);
            let mut detail = created_detail(&new);
            detail["fingerprint"] = json!(fingerprint);
            detail["rule"] = json!(rule);
            insert_event!(tx, id, now_ms, &new.actor, timeline::CREATED, detail);
            let _newly_linked = insert_link!(tx, id, fingerprint, rule, now_ms);
            insert_event!(
                tx,
                id,
                now_ms,
                &new.actor,
                timeline::ALERT_LINKED,
                json!({"fingerprint": fingerprint, "rule": rule})
            );
            tx.commit().await?;
            id
        });
        self.require(id).await
    }

    /// The incident with `id`, if there is one.
    pub async fn get(&self, id: i64) -> Result<Option<Incident>, IncidentError> {
        let row: Option<IncidentRow> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT ", incident_columns!(), " FROM incidents WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await?);
        row.map(IncidentRow::into_incident).transpose()
    }

    /// The incident with `id`, or [`IncidentError::NotFound`].
    pub async fn require(&self, id: i64) -> Result<Incident, IncidentError> {
        self.get(id).await?.ok_or(IncidentError::NotFound { id })
    }

    /// The incidents that match `filter`, the most recently detected first.
    pub async fn list(&self, filter: &IncidentFilter) -> Result<Vec<Incident>, IncidentError> {
        macro_rules! list_sql {
            ($contains:literal) => {
                concat!(
                    "SELECT ",
                    incident_columns!(),
                    " FROM incidents i WHERE ($1 IS NULL OR i.state = $1) \
                     AND ($2 IS NULL OR i.severity = $2) \
                     AND ($3 IS NULL OR ",
                    $contains,
                    "(i.components, $3) > 0) \
                     AND ($4 = 0 OR ",
                    open_sql!(),
                    ") ORDER BY i.detected_ms DESC, i.id DESC LIMIT $5"
                )
            };
        }
        // A component is matched as the JSON string it is stored as, so "api" does not match
        // "api-gateway".
        let needle = filter
            .component
            .as_deref()
            .map(|c| serde_json::Value::from(c).to_string());
        let state = filter.state.map(State::as_str);
        let severity = filter.severity.map(Severity::as_str);
        let open_only = i64::from(filter.open_only);
        let rows: Vec<IncidentRow> = match &self.store {
            Store::Sqlite(pool) => {
                sqlx::query_as(list_sql!("instr"))
                    .bind(state)
                    .bind(severity)
                    .bind(needle)
                    .bind(open_only)
                    .bind(filter.limit)
                    .fetch_all(pool)
                    .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as(list_sql!("strpos"))
                    .bind(state)
                    .bind(severity)
                    .bind(needle)
                    .bind(open_only)
                    .bind(filter.limit)
                    .fetch_all(pool)
                    .await?
            }
        };
        rows.into_iter().map(IncidentRow::into_incident).collect()
    }

    /// Moves incident `id` to `to` (forward, or resolved → diagnosing: a reopen); see
    /// [`crate::incidents::lifecycle`].
    pub async fn transition(
        &self,
        id: i64,
        to: State,
        actor: &str,
        now_ms: i64,
    ) -> Result<Incident, IncidentError> {
        let actor = actor_name(actor)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            let (lifecycle, step) = incident.lifecycle.transition(id, to, now_ms)?;
            let detail = match step {
                Move::Forward { from, to } => json!({"from": from.as_str(), "to": to.as_str()}),
                Move::Reopen => {
                    if let Some((fingerprint, other)) = linked_elsewhere!(tx, id) {
                        return Err(IncidentError::AlertLinkedElsewhere { fingerprint, incident_id: other });
                    }
                    json!({
                        "from": State::Resolved.as_str(),
                        "to": State::Diagnosing.as_str(),
                        "reopened_count": lifecycle.reopened_count,
                    })
                }
            };
            let kind = match step {
                Move::Forward { .. } => timeline::STATE_CHANGED,
                Move::Reopen => timeline::REOPENED,
            };
            incident.lifecycle = lifecycle;
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            insert_event!(tx, id, now_ms, &actor, kind, detail);
            tx.commit().await?;
            Ok(incident)
        })
    }

    /// Reopens the resolved incident `id` because its alert `fingerprint` fires again (the
    /// auto-open task), re-linking the alert; one transaction.
    pub async fn reopen_for_alert(
        &self,
        id: i64,
        fingerprint: &str,
        rule: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<Incident, IncidentError> {
        let actor = actor_name(actor)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            let (lifecycle, step) = incident.lifecycle.transition(id, State::Diagnosing, now_ms)?;
            if step != Move::Reopen {
                return Err(crate::incidents::LifecycleError::Unchanged { id, state: incident.state() }.into());
            }
            if let Some(other) = open_incident_of!(tx, fingerprint, id) {
                return Err(IncidentError::AlertLinkedElsewhere {
                    fingerprint: fingerprint.to_string(),
                    incident_id: other,
                });
            }
            incident.lifecycle = lifecycle;
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            let _newly_linked = insert_link!(tx, id, fingerprint, rule, now_ms);
            sqlx::query(
                "UPDATE incident_alerts SET alert_resolved_ms = NULL \
                 WHERE incident_id = $1 AND fingerprint = $2",
            )
            .bind(id)
            .bind(fingerprint)
            .execute(&mut *tx)
            .await?;
            insert_event!(
                tx,
                id,
                now_ms,
                &actor,
                timeline::REOPENED,
                json!({
                    "from": State::Resolved.as_str(),
                    "to": State::Diagnosing.as_str(),
                    "reopened_count": incident.lifecycle.reopened_count,
                    "fingerprint": fingerprint,
                    "rule": rule,
                })
            );
            tx.commit().await?;
            Ok(incident)
        })
    }

    /// Someone takes the incident (once; MTTA stops here). Not a state: see the lifecycle.
    pub async fn acknowledge(
        &self,
        id: i64,
        actor: &str,
        now_ms: i64,
    ) -> Result<Incident, IncidentError> {
        let actor = actor_name(actor)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            IncidentError::refuse_if_closed(id, incident.state(), "acknowledged")?;
            if let Some(ack) = &incident.acknowledged {
                return Err(IncidentError::AlreadyAcknowledged { id, by: ack.by.clone() });
            }
            incident.acknowledged = Some(Acknowledgement { by: actor.clone(), at_ms: now_ms });
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            insert_event!(tx, id, now_ms, &actor, timeline::ACKNOWLEDGED, json!({}));
            tx.commit().await?;
            Ok(incident)
        })
    }

    /// Changes the severity (triage often does).
    pub async fn change_severity(
        &self,
        id: i64,
        severity: Severity,
        actor: &str,
        now_ms: i64,
    ) -> Result<Incident, IncidentError> {
        let actor = actor_name(actor)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            IncidentError::refuse_if_closed(id, incident.state(), "changed")?;
            if incident.severity == severity {
                return Err(IncidentError::SameSeverity { id, severity });
            }
            let from = incident.severity;
            incident.severity = severity;
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            insert_event!(
                tx,
                id,
                now_ms,
                &actor,
                timeline::SEVERITY_CHANGED,
                json!({"from": from.as_str(), "to": severity.as_str()})
            );
            tx.commit().await?;
            Ok(incident)
        })
    }

    /// Gives `person` the `role`. The on-call and commander roles have one holder: the previous
    /// one is unassigned in the same transaction (the event names them as `replaced`).
    pub async fn assign_role(
        &self,
        id: i64,
        role: Role,
        person: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<RoleAssignment, IncidentError> {
        let actor = actor_name(actor)?;
        let person = checked_text("person", person, MAX_NAME_CHARS, false)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            IncidentError::refuse_if_closed(id, incident.state(), "assigned")?;
            let holders: Vec<String> = sqlx::query_scalar(
                "SELECT person FROM incident_roles \
                 WHERE incident_id = $1 AND role = $2 AND unassigned_ms IS NULL ORDER BY id",
            )
            .bind(id)
            .bind(role.as_str())
            .fetch_all(&mut *tx)
            .await?;
            if holders.contains(&person) {
                return Err(IncidentError::AlreadyAssigned { id, role, person });
            }
            let replaced: Vec<String> = if role.is_single_holder() { holders } else { Vec::new() };
            if !replaced.is_empty() {
                sqlx::query(
                    "UPDATE incident_roles SET unassigned_ms = $3 \
                     WHERE incident_id = $1 AND role = $2 AND unassigned_ms IS NULL",
                )
                .bind(id)
                .bind(role.as_str())
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
            let assignment_id: i64 = sqlx::query_scalar(
                "INSERT INTO incident_roles (incident_id, role, person, assigned_ms, assigned_by) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(id)
            .bind(role.as_str())
            .bind(&person)
            .bind(now_ms)
            .bind(&actor)
            .fetch_one(&mut *tx)
            .await?;
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            let mut detail = json!({"role": role.as_str(), "person": person});
            if let Some(previous) = replaced.first() {
                detail["replaced"] = json!(previous);
            }
            insert_event!(tx, id, now_ms, &actor, timeline::ROLE_ASSIGNED, detail);
            tx.commit().await?;
            Ok(RoleAssignment {
                id: assignment_id,
                incident_id: id,
                role,
                person,
                assigned_ms: now_ms,
                assigned_by: actor,
                unassigned_ms: None,
            })
        })
    }

    /// Takes the `role` from `person`.
    pub async fn unassign_role(
        &self,
        id: i64,
        role: Role,
        person: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<(), IncidentError> {
        let actor = actor_name(actor)?;
        let person = person.trim().to_string();
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            IncidentError::refuse_if_closed(id, incident.state(), "unassigned")?;
            let done = sqlx::query(
                "UPDATE incident_roles SET unassigned_ms = $4 \
                 WHERE incident_id = $1 AND role = $2 AND person = $3 AND unassigned_ms IS NULL",
            )
            .bind(id)
            .bind(role.as_str())
            .bind(&person)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(IncidentError::NotAssigned { id, role, person });
            }
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            insert_event!(
                tx,
                id,
                now_ms,
                &actor,
                timeline::ROLE_UNASSIGNED,
                json!({"role": role.as_str(), "person": person})
            );
            tx.commit().await?;
            Ok(())
        })
    }

    /// The roles of incident `id`, in order of assignment: the current ones, or every one
    /// ever held (`with_past`).
    pub async fn roles(
        &self,
        id: i64,
        with_past: bool,
    ) -> Result<Vec<RoleAssignment>, IncidentError> {
        let rows: Vec<RoleRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, incident_id, role, person, assigned_ms, assigned_by, unassigned_ms \
             FROM incident_roles WHERE incident_id = $1 AND ($2 = 1 OR unassigned_ms IS NULL) \
             ORDER BY assigned_ms, id",
        )
        .bind(id)
        .bind(i64::from(with_past))
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(RoleRow::into_assignment).collect()
    }

    /// A free note on the timeline (allowed on closed incidents too, e.g. for the post-mortem).
    pub async fn add_note(
        &self,
        id: i64,
        text: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<TimelineEvent, IncidentError> {
        let actor = actor_name(actor)?;
        let text = checked_text("note", text, MAX_TEXT_CHARS, true)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            let event = insert_event!(tx, id, now_ms, &actor, timeline::NOTE, json!({"text": text}));
            tx.commit().await?;
            Ok(event)
        })
    }

    /// Posts a status update (public ones appear on the status page); allowed on closed
    /// incidents too (the final "service restored").
    pub async fn add_status_update(
        &self,
        id: i64,
        visibility: Visibility,
        body: &str,
        author: &str,
        now_ms: i64,
    ) -> Result<StatusUpdate, IncidentError> {
        let author = actor_name(author)?;
        let body = checked_text("body", body, MAX_TEXT_CHARS, true)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            let update_id: i64 = sqlx::query_scalar(
                "INSERT INTO status_updates (incident_id, at_ms, author, visibility, body) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(id)
            .bind(now_ms)
            .bind(&author)
            .bind(visibility.as_str())
            .bind(&body)
            .fetch_one(&mut *tx)
            .await?;
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            insert_event!(
                tx,
                id,
                now_ms,
                &author,
                timeline::STATUS_UPDATE,
                json!({"update_id": update_id, "visibility": visibility.as_str()})
            );
            tx.commit().await?;
            Ok(StatusUpdate { id: update_id, incident_id: id, at_ms: now_ms, author, visibility, body })
        })
    }

    /// The status updates of incident `id`, oldest first.
    pub async fn status_updates(&self, id: i64) -> Result<Vec<StatusUpdate>, IncidentError> {
        let rows: Vec<UpdateRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, incident_id, at_ms, author, visibility, body FROM status_updates \
             WHERE incident_id = $1 ORDER BY at_ms, id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(UpdateRow::into_update).collect()
    }

    /// The public status updates posted at or after `since_ms`, newest first, at most `limit`,
    /// with their incident: what the status page and its feed show.
    pub async fn public_updates(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<PublicUpdate>, IncidentError> {
        let rows: Vec<PublicUpdateRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT u.id AS update_id, u.incident_id, i.title, i.severity, i.state, i.components, \
                 u.at_ms, u.body \
             FROM status_updates u JOIN incidents i ON i.id = u.incident_id \
             WHERE u.visibility = 'public' AND u.at_ms >= $1 \
             ORDER BY u.at_ms DESC, u.id DESC LIMIT $2",
        )
        .bind(since_ms)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(PublicUpdateRow::into_public).collect()
    }

    /// Ticks (`checked`) or unticks a step of the incident's playbook (an event
    /// `playbook_step`); the step must exist in the playbook.
    pub async fn tick_playbook_step(
        &self,
        id: i64,
        step: &str,
        checked: bool,
        actor: &str,
        now_ms: i64,
    ) -> Result<TimelineEvent, IncidentError> {
        let actor = actor_name(actor)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            IncidentError::refuse_if_closed(id, incident.state(), "changed")?;
            let name = incident.playbook.clone().ok_or(IncidentError::NoPlaybook { id })?;
            let playbook = playbooks::find(&name).ok_or(IncidentError::NoPlaybook { id })?;
            if playbook.step(step).is_none() {
                return Err(IncidentError::UnknownStep { id, playbook: name, step: step.to_string() });
            }
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            let event = insert_event!(
                tx,
                id,
                now_ms,
                &actor,
                timeline::PLAYBOOK_STEP,
                json!({"step": step, "checked": checked})
            );
            tx.commit().await?;
            Ok(event)
        })
    }

    /// The current state of each ticked playbook step of incident `id` (see
    /// [`playbooks::ticks`]).
    pub async fn playbook_ticks(&self, id: i64) -> Result<BTreeMap<String, bool>, IncidentError> {
        let events = self.timeline(id).await?;
        Ok(playbooks::ticks(
            events
                .iter()
                .filter(|event| event.kind == timeline::PLAYBOOK_STEP)
                .filter_map(|event| {
                    Some((
                        event.detail.get("step")?.as_str()?,
                        event.detail.get("checked")?.as_bool()?,
                    ))
                }),
        ))
    }

    /// Links the alert `fingerprint` to incident `id` (a person doing it by hand); false when
    /// it was linked already. Refused when the alert belongs to another open incident.
    pub async fn link_alert(
        &self,
        id: i64,
        fingerprint: &str,
        rule: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<bool, IncidentError> {
        let actor = actor_name(actor)?;
        let fingerprint = checked_text("fingerprint", fingerprint, MAX_NAME_CHARS, false)?;
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            IncidentError::refuse_if_closed(id, incident.state(), "linked to an alert")?;
            if incident.is_open()
                && let Some(other) = open_incident_of!(tx, &fingerprint, id)
            {
                return Err(IncidentError::AlertLinkedElsewhere { fingerprint, incident_id: other });
            }
            if !insert_link!(tx, id, &fingerprint, rule, now_ms) {
                return Ok(false);
            }
            incident.updated_ms = now_ms;
            save_incident!(tx, &incident);
            insert_event!(
                tx,
                id,
                now_ms,
                &actor,
                timeline::ALERT_LINKED,
                json!({"fingerprint": fingerprint, "rule": rule})
            );
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The alerts linked to incident `id`, in order of linking.
    pub async fn linked_alerts(&self, id: i64) -> Result<Vec<LinkedAlert>, IncidentError> {
        let rows: Vec<LinkedAlert> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT incident_id, fingerprint, rule, linked_ms, alert_resolved_ms \
             FROM incident_alerts WHERE incident_id = $1 ORDER BY linked_ms, fingerprint",
        )
        .bind(id)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The links of every open incident.
    pub async fn open_links(&self) -> Result<Vec<LinkedAlert>, IncidentError> {
        let rows: Vec<LinkedAlert> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT a.incident_id, a.fingerprint, a.rule, a.linked_ms, a.alert_resolved_ms \
             FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id WHERE ",
            open_sql!(),
            " ORDER BY a.incident_id, a.fingerprint"
        ))
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The open incident the alert `fingerprint` is linked to, if any.
    pub async fn open_for_fingerprint(
        &self,
        fingerprint: &str,
    ) -> Result<Option<Incident>, IncidentError> {
        let row: Option<IncidentRow> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT ", incident_columns!(), " FROM incidents i WHERE ", open_sql!(),
            " AND i.id IN (SELECT incident_id FROM incident_alerts WHERE fingerprint = $1) \
             ORDER BY i.id DESC LIMIT 1"
        ))
        .bind(fingerprint)
        .fetch_optional(pool)
        .await?);
        row.map(IncidentRow::into_incident).transpose()
    }

    /// The newest incident (open or not) the alert `fingerprint` was ever linked to.
    pub async fn latest_for_fingerprint(
        &self,
        fingerprint: &str,
    ) -> Result<Option<Incident>, IncidentError> {
        let row: Option<IncidentRow> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT ", incident_columns!(), " FROM incidents i \
             WHERE i.id IN (SELECT incident_id FROM incident_alerts WHERE fingerprint = $1) \
             ORDER BY i.id DESC LIMIT 1"
        ))
        .bind(fingerprint)
        .fetch_optional(pool)
        .await?);
        row.map(IncidentRow::into_incident).transpose()
    }

    /// Notes on the timeline that the linked alert resolved at `resolved_ms` ("alert
    /// resolved"), once per resolution; false when already noted (or not linked).
    pub async fn note_alert_resolved(
        &self,
        id: i64,
        fingerprint: &str,
        rule: &str,
        resolved_ms: i64,
        actor: &str,
    ) -> Result<bool, IncidentError> {
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            let changed = sqlx::query(
                "UPDATE incident_alerts SET alert_resolved_ms = $3 WHERE incident_id = $1 \
                 AND fingerprint = $2 AND (alert_resolved_ms IS NULL OR alert_resolved_ms <> $3)",
            )
            .bind(id)
            .bind(fingerprint)
            .bind(resolved_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            incident.updated_ms = incident.updated_ms.max(resolved_ms);
            save_incident!(tx, &incident);
            insert_event!(
                tx,
                id,
                resolved_ms,
                actor,
                timeline::ALERT_RESOLVED,
                json!({"fingerprint": fingerprint, "rule": rule, "resolved_ms": resolved_ms})
            );
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Notes that a linked alert whose resolution was noted fires again at `fired_ms`; false
    /// when it was not noted as resolved.
    pub async fn note_alert_refired(
        &self,
        id: i64,
        fingerprint: &str,
        rule: &str,
        fired_ms: i64,
        actor: &str,
    ) -> Result<bool, IncidentError> {
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            let changed = sqlx::query(
                "UPDATE incident_alerts SET alert_resolved_ms = NULL WHERE incident_id = $1 \
                 AND fingerprint = $2 AND alert_resolved_ms IS NOT NULL",
            )
            .bind(id)
            .bind(fingerprint)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            incident.updated_ms = incident.updated_ms.max(fired_ms);
            save_incident!(tx, &incident);
            insert_event!(
                tx,
                id,
                fired_ms,
                actor,
                timeline::ALERT_REFIRED,
                json!({"fingerprint": fingerprint, "rule": rule})
            );
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Notes a delivered notification about the incident: the first one sets `notified_ms`
    /// (and moves a detected incident to notified), and each channel gets one "notified via
    /// <channel>" event. False when that channel was noted already.
    pub async fn record_notification(
        &self,
        id: i64,
        channel: &str,
        notification_id: &str,
        sent_ms: i64,
        actor: &str,
    ) -> Result<bool, IncidentError> {
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut incident = lock_incident!(tx, id);
            let noted: Vec<String> = sqlx::query_scalar(
                "SELECT detail FROM incident_events WHERE incident_id = $1 AND kind = $2",
            )
            .bind(id)
            .bind(timeline::NOTIFIED)
            .fetch_all(&mut *tx)
            .await?;
            if channels_of(&noted).contains(channel) {
                return Ok(false);
            }
            incident.lifecycle.notify(sent_ms);
            incident.updated_ms = incident.updated_ms.max(sent_ms);
            save_incident!(tx, &incident);
            insert_event!(
                tx,
                id,
                sent_ms,
                actor,
                timeline::NOTIFIED,
                json!({"channel": channel, "notification_id": notification_id})
            );
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The channels already noted as "notified via <channel>" on incident `id`.
    pub async fn notified_channels(&self, id: i64) -> Result<BTreeSet<String>, IncidentError> {
        let noted: Vec<String> = with_pool!(&self.store, pool => sqlx::query_scalar(
            "SELECT detail FROM incident_events WHERE incident_id = $1 AND kind = $2",
        )
        .bind(id)
        .bind(timeline::NOTIFIED)
        .fetch_all(pool)
        .await?);
        Ok(channels_of(&noted))
    }

    /// The timeline of incident `id`, oldest first (by instant, then by order of writing).
    pub async fn timeline(&self, id: i64) -> Result<Vec<TimelineEvent>, IncidentError> {
        let rows: Vec<EventRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, incident_id, at_ms, actor, kind, detail FROM incident_events \
             WHERE incident_id = $1 ORDER BY at_ms, id",
        )
        .bind(id)
        .fetch_all(pool)
        .await?);
        rows.into_iter().map(EventRow::into_event).collect()
    }

    /// The notifications the outbox delivered at or after `since_ms`, oldest first.
    pub async fn delivered_notifications_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<DeliveredNotification>, IncidentError> {
        let rows: Vec<DeliveredNotification> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, channel, payload, sent_ms FROM notification_outbox \
             WHERE state = 'sent' AND sent_ms IS NOT NULL AND sent_ms >= $1 \
             ORDER BY sent_ms, id",
        )
        .bind(since_ms)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// MTTA and MTTR per severity over the incidents detected in `[from_ms, to_ms)`.
    pub async fn response_figures(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ResponseFigures>, IncidentError> {
        type Row = (i64, String, i64, Option<i64>, Option<i64>);
        let rows: Vec<Row> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, severity, detected_ms, acknowledged_ms, resolved_ms FROM incidents \
             WHERE detected_ms >= $1 AND detected_ms < $2",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(pool)
        .await?);
        let mut times = Vec::with_capacity(rows.len());
        for (id, severity, detected_ms, acknowledged_ms, resolved_ms) in rows {
            let severity: Severity =
                severity
                    .parse()
                    .map_err(|e: crate::incidents::severity::UnknownSeverity| {
                        IncidentError::Corrupt {
                            id,
                            column: "severity",
                            reason: e.to_string(),
                        }
                    })?;
            times.push(ResponseTimes {
                severity,
                detected_ms,
                acknowledged_ms,
                resolved_ms,
            });
        }
        Ok(response_figures(&times))
    }

    /// How many incidents are open, per severity (every severity, SEV1 first).
    pub async fn open_counts(&self) -> Result<Vec<(Severity, i64)>, IncidentError> {
        let rows: Vec<(String, i64)> = with_pool!(&self.store, pool => sqlx::query_as(concat!(
            "SELECT i.severity, COUNT(*) FROM incidents i WHERE ", open_sql!(),
            " GROUP BY i.severity"
        ))
        .fetch_all(pool)
        .await?);
        let counts: BTreeMap<String, i64> = rows.into_iter().collect();
        Ok(ALL_SEVERITIES
            .into_iter()
            .map(|severity| {
                (
                    severity,
                    counts.get(severity.as_str()).copied().unwrap_or(0),
                )
            })
            .collect())
    }

    /// How many incidents detected in `[from_ms, to_ms)` affected each component, the most
    /// affected first (then by name). Incidents with no component are not counted.
    pub async fn per_component(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(String, u64)>, IncidentError> {
        let rows: Vec<(i64, String)> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, components FROM incidents WHERE detected_ms >= $1 AND detected_ms < $2",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(pool)
        .await?);
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for (id, components) in rows {
            let components: Vec<String> =
                serde_json::from_str(&components).map_err(|e| IncidentError::Corrupt {
                    id,
                    column: "components",
                    reason: e.to_string(),
                })?;
            for component in components {
                *counts.entry(component).or_default() += 1;
            }
        }
        let mut out: Vec<(String, u64)> = counts.into_iter().collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}
