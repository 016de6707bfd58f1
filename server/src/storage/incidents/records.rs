//! What the incidents repository returns, and the rows it reads them from.

use crate::incidents::{IncidentError, Lifecycle, Role, Severity, State, Visibility};

/// Who acknowledged an incident, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    pub by: String,
    pub at_ms: i64,
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    /// The affected components (status page components, probes, models, datasets).
    pub components: Vec<String>,
    /// The playbook (`server/playbooks/<name>.md`) of the alert rule that opened it, if any.
    pub playbook: Option<String>,
    /// Who opened it (`alerting` for the auto-open task).
    pub created_by: String,
    /// The state and the instant of each state.
    pub lifecycle: Lifecycle,
    pub acknowledged: Option<Acknowledgement>,
    /// The last change, Unix ms.
    pub updated_ms: i64,
}

impl Incident {
    pub fn state(&self) -> State {
        self.lifecycle.state
    }

    /// Neither resolved nor closed.
    pub fn is_open(&self) -> bool {
        self.lifecycle.state.is_open()
    }

    /// acknowledged − detected (what MTTA averages), once acknowledged.
    pub fn time_to_acknowledge_ms(&self) -> Option<i64> {
        self.acknowledged
            .as_ref()
            .map(|ack| ack.at_ms - self.lifecycle.detected_ms)
    }

    /// resolved − detected (what MTTR averages), once resolved.
    pub fn time_to_resolve_ms(&self) -> Option<i64> {
        self.lifecycle
            .resolved_ms
            .map(|resolved| resolved - self.lifecycle.detected_ms)
    }
}

/// An incident to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub title: String,
    pub severity: Severity,
    pub components: Vec<String>,
    pub playbook: Option<String>,
    /// Who opens it.
    pub actor: String,
    /// When the problem was detected (the alert's firing time, or now), Unix ms.
    pub detected_ms: i64,
}

/// Which incidents [`super::Incidents::list`] returns (every condition given must hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFilter {
    pub state: Option<State>,
    pub severity: Option<Severity>,
    /// Only incidents affecting this component (exact name).
    pub component: Option<String>,
    /// Only incidents neither resolved nor closed.
    pub open_only: bool,
    /// At most this many, the most recently detected first.
    pub limit: i64,
}

impl Default for IncidentFilter {
    fn default() -> Self {
        IncidentFilter {
            state: None,
            severity: None,
            component: None,
            open_only: false,
            limit: 100,
        }
    }
}

/// One event of an incident's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    pub id: i64,
    pub incident_id: i64,
    pub at_ms: i64,
    /// Who did it (a person, or `alerting`).
    pub actor: String,
    /// One of the constants of [`crate::incidents::timeline`].
    pub kind: String,
    /// A JSON object whose keys depend on `kind`.
    pub detail: serde_json::Value,
}

impl TimelineEvent {
    /// One line for people ("notified via oncall-slack").
    pub fn describe(&self) -> String {
        crate::incidents::timeline::describe(&self.kind, &self.detail)
    }
}

/// Someone holding (or having held) a role on an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAssignment {
    pub id: i64,
    pub incident_id: i64,
    pub role: Role,
    pub person: String,
    pub assigned_ms: i64,
    pub assigned_by: String,
    /// `None` while they hold it.
    pub unassigned_ms: Option<i64>,
}

/// A status update of an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    pub id: i64,
    pub incident_id: i64,
    pub at_ms: i64,
    pub author: String,
    pub visibility: Visibility,
    pub body: String,
}

/// A public status update with what the status page shows of its incident (no author, no
/// internal detail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUpdate {
    pub update_id: i64,
    pub incident_id: i64,
    pub title: String,
    pub severity: Severity,
    pub state: State,
    pub components: Vec<String>,
    pub at_ms: i64,
    pub body: String,
}

/// An alert linked to an incident.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedAlert {
    pub incident_id: i64,
    pub fingerprint: String,
    /// The rule (`alertmanager/<name>` for alerts received from an Alertmanager).
    pub rule: String,
    pub linked_ms: i64,
    /// The alert's resolution last noted on the timeline; `None` while it fires.
    pub alert_resolved_ms: Option<i64>,
}

/// A notification the outbox delivered (read from `notification_outbox`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveredNotification {
    pub id: String,
    pub channel: String,
    /// Alertmanager's webhook payload (JSON).
    pub payload: String,
    pub sent_ms: i64,
}

/// The columns of `incidents`, in [`IncidentRow`]'s order.
macro_rules! incident_columns {
    () => {
        "id, title, severity, state, components, playbook, created_by, detected_ms, \
         notified_ms, triaged_ms, diagnosing_ms, resolved_ms, closed_ms, acknowledged_ms, \
         acknowledged_by, reopened_count, updated_ms"
    };
}
pub(super) use incident_columns;

/// A row of `incidents`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct IncidentRow {
    id: i64,
    title: String,
    severity: String,
    state: String,
    components: String,
    playbook: Option<String>,
    created_by: String,
    detected_ms: i64,
    notified_ms: Option<i64>,
    triaged_ms: Option<i64>,
    diagnosing_ms: Option<i64>,
    resolved_ms: Option<i64>,
    closed_ms: Option<i64>,
    acknowledged_ms: Option<i64>,
    acknowledged_by: Option<String>,
    reopened_count: i64,
    updated_ms: i64,
}

fn corrupt(id: i64, column: &'static str, reason: impl ToString) -> IncidentError {
    IncidentError::Corrupt {
        id,
        column,
        reason: reason.to_string(),
    }
}

impl IncidentRow {
    pub(super) fn into_incident(self) -> Result<Incident, IncidentError> {
        let id = self.id;
        let severity = self
            .severity
            .parse()
            .map_err(|e| corrupt(id, "severity", e))?;
        let state = self.state.parse().map_err(|e| corrupt(id, "state", e))?;
        let components =
            serde_json::from_str(&self.components).map_err(|e| corrupt(id, "components", e))?;
        let acknowledged = match (self.acknowledged_by, self.acknowledged_ms) {
            (Some(by), Some(at_ms)) => Some(Acknowledgement { by, at_ms }),
            _ => None,
        };
        Ok(Incident {
            id,
            title: self.title,
            severity,
            components,
            playbook: self.playbook,
            created_by: self.created_by,
            lifecycle: Lifecycle {
                state,
                detected_ms: self.detected_ms,
                notified_ms: self.notified_ms,
                triaged_ms: self.triaged_ms,
                diagnosing_ms: self.diagnosing_ms,
                resolved_ms: self.resolved_ms,
                closed_ms: self.closed_ms,
                reopened_count: self.reopened_count,
            },
            acknowledged,
            updated_ms: self.updated_ms,
        })
    }
}

/// A row of `incident_events`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    incident_id: i64,
    at_ms: i64,
    actor: String,
    kind: String,
    detail: String,
}

impl EventRow {
    pub(super) fn into_event(self) -> Result<TimelineEvent, IncidentError> {
        let detail = serde_json::from_str(&self.detail)
            .map_err(|e| corrupt(self.incident_id, "event detail", e))?;
        Ok(TimelineEvent {
            id: self.id,
            incident_id: self.incident_id,
            at_ms: self.at_ms,
            actor: self.actor,
            kind: self.kind,
            detail,
        })
    }
}

/// A row of `incident_roles`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct RoleRow {
    id: i64,
    incident_id: i64,
    role: String,
    person: String,
    assigned_ms: i64,
    assigned_by: String,
    unassigned_ms: Option<i64>,
}

impl RoleRow {
    pub(super) fn into_assignment(self) -> Result<RoleAssignment, IncidentError> {
        Ok(RoleAssignment {
            id: self.id,
            incident_id: self.incident_id,
            role: self
                .role
                .parse()
                .map_err(|e| corrupt(self.incident_id, "role", e))?,
            person: self.person,
            assigned_ms: self.assigned_ms,
            assigned_by: self.assigned_by,
            unassigned_ms: self.unassigned_ms,
        })
    }
}

/// A row of `status_updates`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct UpdateRow {
    id: i64,
    incident_id: i64,
    at_ms: i64,
    author: String,
    visibility: String,
    body: String,
}

impl UpdateRow {
    pub(super) fn into_update(self) -> Result<StatusUpdate, IncidentError> {
        Ok(StatusUpdate {
            id: self.id,
            incident_id: self.incident_id,
            at_ms: self.at_ms,
            author: self.author,
            visibility: self
                .visibility
                .parse()
                .map_err(|e| corrupt(self.incident_id, "visibility", e))?,
            body: self.body,
        })
    }
}

/// A public update joined with its incident.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct PublicUpdateRow {
    update_id: i64,
    incident_id: i64,
    title: String,
    severity: String,
    state: String,
    components: String,
    at_ms: i64,
    body: String,
}

impl PublicUpdateRow {
    pub(super) fn into_public(self) -> Result<PublicUpdate, IncidentError> {
        let id = self.incident_id;
        Ok(PublicUpdate {
            update_id: self.update_id,
            incident_id: id,
            title: self.title,
            severity: self
                .severity
                .parse()
                .map_err(|e| corrupt(id, "severity", e))?,
            state: self.state.parse().map_err(|e| corrupt(id, "state", e))?,
            components: serde_json::from_str(&self.components)
                .map_err(|e| corrupt(id, "components", e))?,
            at_ms: self.at_ms,
            body: self.body,
        })
    }
}
