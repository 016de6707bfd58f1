//! What people do to an incident, in one place for the JSON API and the pages' forms: each
//! [`Change`] names the least [`crate::auth::Role`] it needs, and [`apply`] checks it, makes
//! the change (the repository writes its timeline event in the same transaction) and appends
//! it to the audit trail.
//!
//! | change | least role |
//! |---|---|
//! | open, acknowledge, move (not to closed), severity, note, internal update, tick a step, link an alert | responder |
//! | close, assign or unassign a role, public status update | commander |

use serde_json::json;

use super::{IncidentError, Role, Severity, State, Visibility};
use crate::audit;
use crate::auth::{self, Principal};
use crate::http::ApiError;
use crate::storage::Store;
use crate::storage::incidents::{Incident, NewIncident};

/// One change to an existing incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Acknowledge,
    Move(State),
    Severity(Severity),
    Assign {
        role: Role,
        person: String,
    },
    Unassign {
        role: Role,
        person: String,
    },
    Note(String),
    Update {
        visibility: Visibility,
        body: String,
    },
    Tick {
        step: String,
        checked: bool,
    },
}

impl Change {
    /// The least role allowed to make this change.
    pub fn least_role(&self) -> auth::Role {
        match self {
            Change::Move(State::Closed)
            | Change::Assign { .. }
            | Change::Unassign { .. }
            | Change::Update {
                visibility: Visibility::Public,
                ..
            } => auth::Role::Commander,
            _ => auth::Role::Responder,
        }
    }

    /// The audit trail's action name.
    pub fn action(&self) -> &'static str {
        match self {
            Change::Acknowledge => "incident.acknowledge",
            Change::Move(_) => "incident.transition",
            Change::Severity(_) => "incident.severity",
            Change::Assign { .. } => "incident.role_assign",
            Change::Unassign { .. } => "incident.role_unassign",
            Change::Note(_) => "incident.note",
            Change::Update { .. } => "incident.status_update",
            Change::Tick { .. } => "incident.playbook_step",
        }
    }

    fn detail(&self) -> serde_json::Value {
        match self {
            Change::Acknowledge => json!({}),
            Change::Move(state) => json!({ "to": state.as_str() }),
            Change::Severity(severity) => json!({ "severity": severity.as_str() }),
            Change::Assign { role, person } | Change::Unassign { role, person } => {
                json!({ "role": role.as_str(), "person": person })
            }
            // The text is in the timeline; the trail records that it was written.
            Change::Note(text) => json!({ "chars": text.chars().count() }),
            Change::Update { visibility, body } => {
                json!({ "visibility": visibility.as_str(), "chars": body.chars().count() })
            }
            Change::Tick { step, checked } => json!({ "step": step, "checked": checked }),
        }
    }
}

/// An [`IncidentError`] as an HTTP answer.
pub fn api_error(error: IncidentError) -> ApiError {
    match error {
        IncidentError::NotFound { .. } => ApiError::NotFound(error.to_string()),
        IncidentError::Storage(storage) => {
            tracing::warn!(error = %storage, "the incidents store failed");
            ApiError::Unavailable {
                reason: "the database did not answer".to_string(),
            }
        }
        IncidentError::Corrupt { .. } => ApiError::internal(error.to_string()),
        other if other.is_conflict() => ApiError::Conflict(other.to_string()),
        other => ApiError::BadRequest(other.to_string()),
    }
}

fn refuse(who: &Principal, needed: auth::Role, what: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "{what} needs the {needed} role; {} is a {}",
        who.name, who.role
    ))
}

/// Opens an incident by hand (responder).
pub async fn open(
    store: &Store,
    who: &Principal,
    title: &str,
    severity: Severity,
    components: Vec<String>,
    playbook: Option<String>,
    now_ms: i64,
) -> Result<Incident, ApiError> {
    if !who.role.allows(auth::Role::Responder) {
        return Err(refuse(who, auth::Role::Responder, "opening an incident"));
    }
    if let Some(name) = &playbook
        && super::playbooks::find(name).is_none()
    {
        return Err(ApiError::BadRequest(format!(
            "there is no playbook `{name}`: one of {}",
            super::playbooks::names().collect::<Vec<_>>().join(", ")
        )));
    }
    let incident = store
        .incidents()
        .create(
            &NewIncident {
                title: title.to_string(),
                severity,
                components,
                playbook,
                actor: who.name.clone(),
                detected_ms: now_ms,
            },
            now_ms,
        )
        .await
        .map_err(api_error)?;
    audit::record_or_unavailable(
        store,
        &who.name,
        "incident.open",
        &incident.id.to_string(),
        json!({ "title": incident.title, "severity": incident.severity.as_str(),
                "components": incident.components }),
    )
    .await?;
    Ok(incident)
}

/// Checks `who` may make `change`, makes it, and records it in the audit trail.
pub async fn apply(
    store: &Store,
    who: &Principal,
    id: i64,
    change: Change,
    now_ms: i64,
) -> Result<(), ApiError> {
    let needed = change.least_role();
    if !who.role.allows(needed) {
        return Err(refuse(who, needed, "this change"));
    }
    let incidents = store.incidents();
    let actor = who.name.as_str();
    let result = match &change {
        Change::Acknowledge => incidents.acknowledge(id, actor, now_ms).await.map(drop),
        Change::Move(state) => incidents
            .transition(id, *state, actor, now_ms)
            .await
            .map(drop),
        Change::Severity(severity) => incidents
            .change_severity(id, *severity, actor, now_ms)
            .await
            .map(drop),
        Change::Assign { role, person } => incidents
            .assign_role(id, *role, person, actor, now_ms)
            .await
            .map(drop),
        Change::Unassign { role, person } => {
            incidents
                .unassign_role(id, *role, person, actor, now_ms)
                .await
        }
        Change::Note(text) => incidents.add_note(id, text, actor, now_ms).await.map(drop),
        Change::Update { visibility, body } => incidents
            .add_status_update(id, *visibility, body, actor, now_ms)
            .await
            .map(drop),
        Change::Tick { step, checked } => incidents
            .tick_playbook_step(id, step, *checked, actor, now_ms)
            .await
            .map(drop),
    };
    result.map_err(api_error)?;
    audit::record_or_unavailable(
        store,
        actor,
        change.action(),
        &id.to_string(),
        change.detail(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_changes_need_a_commander() {
        assert_eq!(
            Change::Move(State::Closed).least_role(),
            auth::Role::Commander
        );
        assert_eq!(
            Change::Move(State::Resolved).least_role(),
            auth::Role::Responder
        );
        assert_eq!(
            Change::Update {
                visibility: Visibility::Public,
                body: "x".into()
            }
            .least_role(),
            auth::Role::Commander
        );
        assert_eq!(
            Change::Update {
                visibility: Visibility::Internal,
                body: "x".into()
            }
            .least_role(),
            auth::Role::Responder
        );
        assert_eq!(
            Change::Assign {
                role: Role::Sme,
                person: "x".into()
            }
            .least_role(),
            auth::Role::Commander
        );
        assert_eq!(Change::Acknowledge.least_role(), auth::Role::Responder);
    }
}
