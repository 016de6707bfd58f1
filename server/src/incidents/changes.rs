//! What people do to an incident, in one place for the JSON API and the pages' forms: each
//! [`Change`] names the least [`crate::auth::Role`] it needs, and [`apply`] checks it, makes
//! the change (the repository writes its timeline event in the same transaction) and appends
//! it to the audit trail.
//!
//! | change | least role |
//! |---|---|
//! | open, acknowledge, move (not to closed), severity, note, internal update, tick a step, update a corrective action | responder |
//! | close, assign or unassign a role, public status update, start, edit or publish a post-mortem, add a corrective action | commander |
//!
//! Moving an incident to resolved (or closed) also drafts its post-mortem when its severity is
//! one of `[incidents.postmortem] severities` (SEV1 and SEV2 by default).

use serde_json::json;

use super::actions::{ActionChange, NewAction};
use super::postmortem::{PostmortemChange, PostmortemError, PostmortemSettings};
use super::ticketing::TicketEvent;
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
    StartPostmortem,
    EditPostmortem(PostmortemChange),
    PublishPostmortem,
    AddAction(NewAction),
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
            }
            | Change::StartPostmortem
            | Change::EditPostmortem(_)
            | Change::PublishPostmortem
            | Change::AddAction(_) => auth::Role::Commander,
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
            Change::StartPostmortem => "postmortem.create",
            Change::EditPostmortem(_) => "postmortem.update",
            Change::PublishPostmortem => "postmortem.publish",
            Change::AddAction(_) => "action.create",
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
            Change::StartPostmortem | Change::PublishPostmortem => json!({}),
            Change::EditPostmortem(change) => json!({
                "summary": change.summary.is_some(),
                "impact": change.impact.is_some(),
                "whys": change.whys.as_ref().map(Vec::len),
            }),
            Change::AddAction(new) => json!({
                "title": new.title, "owner": new.owner, "due_date": new.due_date,
            }),
        }
    }
}

/// A ticket request a change causes.
enum Ticket {
    Incident(TicketEvent),
    Action(super::actions::CorrectiveAction),
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

/// A [`PostmortemError`] as an HTTP answer.
pub fn postmortem_error(error: PostmortemError) -> ApiError {
    if error.is_not_found() {
        ApiError::NotFound(error.to_string())
    } else if error.is_conflict() {
        ApiError::Conflict(error.to_string())
    } else if error.is_invalid() {
        ApiError::BadRequest(error.to_string())
    } else if let PostmortemError::Storage(storage) = error {
        tracing::warn!(error = %storage, "the post-mortems store failed");
        ApiError::Unavailable {
            reason: "the database did not answer".to_string(),
        }
    } else {
        ApiError::internal(error.to_string())
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
    state: &crate::AppState,
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
    let store = state.store();
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
    state
        .tickets()
        .incident(TicketEvent::Opened, incident.clone());
    Ok(incident)
}

/// Checks `who` may make `change`, makes it, and records it in the audit trail.
pub async fn apply(
    state: &crate::AppState,
    who: &Principal,
    id: i64,
    change: Change,
    now_ms: i64,
) -> Result<(), ApiError> {
    let store = state.store();
    let postmortems: &PostmortemSettings = &state.config().incidents.postmortem;
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
        Change::StartPostmortem
        | Change::EditPostmortem(_)
        | Change::PublishPostmortem
        | Change::AddAction(_) => Ok(()),
    };
    result.map_err(api_error)?;
    let repo = store.postmortems();
    let mut tickets = Vec::new();
    if let Change::Move(State::Resolved) = change {
        tickets.push(Ticket::Incident(TicketEvent::Resolved));
    }
    let written = match &change {
        Change::StartPostmortem => repo.create_draft(id, actor, now_ms).await.map(drop),
        Change::EditPostmortem(edit) => repo.update(id, edit, actor, now_ms).await.map(drop),
        Change::PublishPostmortem => repo.publish(id, actor, now_ms).await.map(drop),
        Change::AddAction(new) => repo.add_action(id, new, actor, now_ms).await.map(|action| {
            tickets.push(Ticket::Action(action));
        }),
        Change::Move(State::Resolved | State::Closed) => repo
            .draft_on_resolution(id, postmortems, now_ms)
            .await
            .map(drop),
        _ => Ok(()),
    };
    written.map_err(postmortem_error)?;
    if !tickets.is_empty()
        && let Ok(Some(incident)) = incidents.get(id).await
    {
        for ticket in tickets {
            match ticket {
                Ticket::Incident(event) => state.tickets().incident(event, incident.clone()),
                Ticket::Action(action) => state.tickets().action(incident.clone(), action),
            }
        }
    }
    audit::record_or_unavailable(
        store,
        actor,
        change.action(),
        &id.to_string(),
        change.detail(),
    )
    .await
}

/// Changes a corrective action (a responder: owners mark their own actions done).
pub async fn update_action(
    store: &Store,
    who: &Principal,
    action_id: i64,
    change: ActionChange,
    now_ms: i64,
) -> Result<(), ApiError> {
    if !who.role.allows(auth::Role::Responder) {
        return Err(refuse(
            who,
            auth::Role::Responder,
            "changing a corrective action",
        ));
    }
    let action = store
        .postmortems()
        .update_action(action_id, &change, &who.name, now_ms)
        .await
        .map_err(postmortem_error)?;
    audit::record_or_unavailable(
        store,
        &who.name,
        "action.update",
        &action_id.to_string(),
        json!({
            "incident": action.incident_id,
            "title": change.title, "owner": change.owner, "due_date": change.due_date,
            "status": change.status.map(|s| s.as_str()),
        }),
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
