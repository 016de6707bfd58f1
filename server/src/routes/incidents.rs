//! Incidents over HTTP (JSON). The pages' forms are [`super::incident_pages`]; both go through
//! [`crate::incidents::changes`] (roles, audit).
//!
//! | route | least role | answers |
//! |---|---|---|
//! | `GET /api/incidents` | viewer | newest first; `state`, `severity`, `component`, `open`, `limit` filters |
//! | `POST /api/incidents` | responder | 201 the incident; 400 bad input |
//! | `GET /api/incidents/figures` | viewer | MTTA/MTTR per severity, open per severity, per component (`from`, `to`) |
//! | `GET /api/incidents/{id}` | viewer | the incident with roles, timeline, status updates, alerts, playbook and ticks |
//! | `POST /api/incidents/{id}/ack` | responder | acknowledges (MTTA) |
//! | `POST /api/incidents/{id}/state` | responder (closed: commander) | `{state}` |
//! | `POST /api/incidents/{id}/severity` | responder | `{severity}` |
//! | `POST /api/incidents/{id}/roles` | commander | `{role, person}`; `DELETE …/roles/{role}/{person}` |
//! | `POST /api/incidents/{id}/notes` | responder | `{text}` |
//! | `POST /api/incidents/{id}/updates` | responder (public: commander) | `{visibility, body}` |
//! | `POST /api/incidents/{id}/steps/{step}` | responder | `{checked}` |
//!
//! Changes answer 204; 404 no such incident, 409 a move the lifecycle refuses (or a closed
//! incident), 400 bad input, 403 a role too low.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Viewer;
use crate::http::ApiError;
use crate::incidents::changes::{self, Change, api_error};
use crate::incidents::{Role, Severity, State as IncidentState, Visibility, playbooks};
use crate::pages::rfc3339;
use crate::storage::incidents::{Incident, IncidentFilter};

/// Most incidents per list.
pub const MAX_LIMIT: i64 = 500;

/// One incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    /// SEV1 (most severe) to SEV4.
    #[schema(value_type = crate::incidents::Severity)]
    pub severity: String,
    /// detected, notified, triaged, diagnosing, resolved or closed.
    #[schema(value_type = crate::incidents::State)]
    pub state: String,
    pub components: Vec<String>,
    pub playbook: Option<String>,
    pub created_by: String,
    pub detected_at: String,
    pub notified_at: Option<String>,
    pub triaged_at: Option<String>,
    pub diagnosing_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub reopened_count: i64,
    /// Acknowledged − detected, seconds.
    pub time_to_acknowledge_seconds: Option<f64>,
    /// Resolved − detected, seconds.
    pub time_to_resolve_seconds: Option<f64>,
    pub updated_at: String,
}

impl From<&Incident> for IncidentView {
    fn from(incident: &Incident) -> Self {
        let life = &incident.lifecycle;
        IncidentView {
            id: incident.id,
            title: incident.title.clone(),
            severity: incident.severity.as_str().to_string(),
            state: incident.state().as_str().to_string(),
            components: incident.components.clone(),
            playbook: incident.playbook.clone(),
            created_by: incident.created_by.clone(),
            detected_at: rfc3339(life.detected_ms),
            notified_at: life.notified_ms.map(rfc3339),
            triaged_at: life.triaged_ms.map(rfc3339),
            diagnosing_at: life.diagnosing_ms.map(rfc3339),
            resolved_at: life.resolved_ms.map(rfc3339),
            closed_at: life.closed_ms.map(rfc3339),
            acknowledged_by: incident.acknowledged.as_ref().map(|a| a.by.clone()),
            acknowledged_at: incident.acknowledged.as_ref().map(|a| rfc3339(a.at_ms)),
            reopened_count: life.reopened_count,
            time_to_acknowledge_seconds: incident
                .time_to_acknowledge_ms()
                .map(|ms| ms as f64 / 1000.0),
            time_to_resolve_seconds: incident.time_to_resolve_ms().map(|ms| ms as f64 / 1000.0),
            updated_at: rfc3339(incident.updated_ms),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// on_call, commander or sme.
    #[schema(value_type = crate::incidents::Role)]
    pub role: String,
    pub person: String,
    pub assigned_at: String,
    pub assigned_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub kind: String,
    /// One line for people.
    pub text: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateView {
    pub at: String,
    pub author: String,
    /// public or internal.
    #[schema(value_type = crate::incidents::Visibility)]
    pub visibility: String,
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertLinkView {
    pub fingerprint: String,
    pub rule: String,
    pub linked_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub id: String,
    pub text: String,
    pub checked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaybookView {
    pub name: String,
    pub title: String,
    pub symptoms: Vec<String>,
    pub diagnosis: Vec<StepView>,
    pub resolution: Vec<StepView>,
    pub escalation: Vec<String>,
}

/// An incident with everything about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDetail {
    pub incident: IncidentView,
    pub roles: Vec<RoleView>,
    pub timeline: Vec<EventView>,
    pub updates: Vec<UpdateView>,
    pub alerts: Vec<AlertLinkView>,
    pub playbook: Option<PlaybookView>,
    /// Drafted on resolution for SEV1 and SEV2 (configurable), or started by a commander.
    pub postmortem: Option<super::postmortems::PostmortemView>,
    pub actions: Vec<super::postmortems::ActionView>,
}

/// Everything the detail page and `GET /api/incidents/{id}` show.
pub async fn detail(state: &AppState, id: i64) -> Result<IncidentDetail, ApiError> {
    let incidents = state.store().incidents();
    let incident = incidents.require(id).await.map_err(api_error)?;
    let roles = incidents.roles(id, false).await.map_err(api_error)?;
    let timeline = incidents.timeline(id).await.map_err(api_error)?;
    let updates = incidents.status_updates(id).await.map_err(api_error)?;
    let alerts = incidents.linked_alerts(id).await.map_err(api_error)?;
    let ticks = incidents.playbook_ticks(id).await.map_err(api_error)?;
    let postmortems = state.store().postmortems();
    let postmortem = postmortems
        .get(id)
        .await
        .map_err(changes::postmortem_error)?;
    let today = super::postmortems::today();
    let actions = postmortems
        .actions(id)
        .await
        .map_err(changes::postmortem_error)?;
    let playbook = incident
        .playbook
        .as_deref()
        .and_then(playbooks::find)
        .map(|playbook| {
            let steps = |steps: &[playbooks::Step]| {
                steps
                    .iter()
                    .map(|step| StepView {
                        id: step.id.clone(),
                        text: step.text.clone(),
                        checked: ticks.get(&step.id).copied().unwrap_or(false),
                    })
                    .collect()
            };
            PlaybookView {
                diagnosis: steps(&playbook.diagnosis),
                resolution: steps(&playbook.resolution),
                name: playbook.name,
                title: playbook.title,
                symptoms: playbook.symptoms,
                escalation: playbook.escalation,
            }
        });
    Ok(IncidentDetail {
        incident: IncidentView::from(&incident),
        roles: roles
            .into_iter()
            .map(|r| RoleView {
                role: r.role.as_str().to_string(),
                person: r.person,
                assigned_at: rfc3339(r.assigned_ms),
                assigned_by: r.assigned_by,
            })
            .collect(),
        timeline: timeline
            .iter()
            .map(|event| EventView {
                at: rfc3339(event.at_ms),
                actor: event.actor.clone(),
                kind: event.kind.clone(),
                text: event.describe(),
                detail: event.detail.clone(),
            })
            .collect(),
        updates: updates
            .into_iter()
            .map(|u| UpdateView {
                at: rfc3339(u.at_ms),
                author: u.author,
                visibility: u.visibility.as_str().to_string(),
                body: u.body,
            })
            .collect(),
        alerts: alerts
            .into_iter()
            .map(|a| AlertLinkView {
                fingerprint: a.fingerprint,
                rule: a.rule,
                linked_at: rfc3339(a.linked_ms),
                resolved_at: a.alert_resolved_ms.map(rfc3339),
            })
            .collect(),
        playbook,
        postmortem: postmortem
            .as_ref()
            .map(super::postmortems::PostmortemView::from),
        actions: actions
            .iter()
            .map(|a| super::postmortems::ActionView::of(a, today))
            .collect(),
    })
}

/// The filters of the list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// detected, notified, triaged, diagnosing, resolved or closed.
    #[param(value_type = Option<crate::incidents::State>)]
    pub state: Option<String>,
    /// SEV1 to SEV4.
    #[param(value_type = Option<crate::incidents::Severity>)]
    pub severity: Option<String>,
    /// An affected component (exact name).
    pub component: Option<String>,
    /// `true`: only incidents neither resolved nor closed.
    pub open: Option<bool>,
    /// At most this many (1 to 500; default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

fn blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The repository filter of a query.
pub fn filter(query: &ListQuery) -> Result<IncidentFilter, ApiError> {
    let limit = super::checked_limit(query.limit, 100, MAX_LIMIT)?;
    Ok(IncidentFilter {
        state: blank(&query.state)
            .map(|s| s.parse::<IncidentState>())
            .transpose()
            .map_err(|e| ApiError::BadRequest(format!("`state`: {e}")))?,
        severity: blank(&query.severity)
            .map(|s| s.parse::<Severity>())
            .transpose()
            .map_err(|e| ApiError::BadRequest(format!("`severity`: {e}")))?,
        component: blank(&query.component).map(str::to_string),
        open_only: query.open.unwrap_or(false),
        limit,
    })
}

/// The incidents, newest first.
#[utoipa::path(
    get, path = "/api/incidents", tag = "incidents", params(ListQuery),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The incidents", body = [IncidentView]),
        (status = 400, description = "A bad filter", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
    )
)]
pub async fn list(
    _who: Viewer,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<IncidentView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let rows = state
        .store()
        .incidents()
        .list(&filter(&query)?)
        .await
        .map_err(api_error)?;
    Ok(Json(rows.iter().map(IncidentView::from).collect()))
}

/// The body of `POST /api/incidents`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncidentBody {
    #[schema(min_length = 1)]
    pub title: String,
    /// SEV1 to SEV4.
    #[schema(value_type = crate::incidents::Severity)]
    pub severity: String,
    #[serde(default)]
    pub components: Vec<String>,
    /// A playbook's name (`server/playbooks/<name>.md`).
    pub playbook: Option<String>,
}

/// Opens an incident by hand.
#[utoipa::path(
    post, path = "/api/incidents", tag = "incidents",
    request_body(content = NewIncidentBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 201, description = "Opened", body = IncidentView),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a responder", body = crate::http::ErrorBody),
    )
)]
pub async fn create(
    who: Viewer,
    State(state): State<AppState>,
    body: Result<Json<NewIncidentBody>, JsonRejection>,
) -> Result<(StatusCode, Json<IncidentView>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let severity = body
        .severity
        .parse::<Severity>()
        .map_err(|e| ApiError::BadRequest(format!("`severity`: {e}")))?;
    let incident = changes::open(
        &state,
        &who,
        &body.title,
        severity,
        body.components,
        body.playbook.filter(|p| !p.trim().is_empty()),
        crate::probes::unix_now_ms(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(IncidentView::from(&incident))))
}

/// One incident with its roles, timeline, status updates, alerts and playbook.
#[utoipa::path(
    get, path = "/api/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The incident", body = IncidentDetail),
        (status = 400, description = "A bad id", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
    )
)]
pub async fn one(
    _who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<IncidentDetail>, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(detail(&state, id).await?))
}

async fn change(
    state: &AppState,
    who: &Viewer,
    id: Result<Path<i64>, PathRejection>,
    make: impl FnOnce() -> Result<Change, ApiError>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let change = make()?;
    changes::apply(state, who, id, change, crate::probes::unix_now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// Acknowledges: someone is on it (MTTA stops).
#[utoipa::path(
    post, path = "/api/incidents/{id}/ack", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Acknowledged"),
        (status = 400, description = "A bad id or body", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a responder", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
        (status = 409, description = "Already acknowledged, or closed", body = crate::http::ErrorBody),
    )
)]
pub async fn acknowledge(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    change(&state, &who, id, || Ok(Change::Acknowledge)).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    /// notified, triaged, diagnosing, resolved or closed (resolved → diagnosing reopens).
    #[schema(value_type = crate::incidents::State)]
    pub state: String,
}

/// Moves the incident along its lifecycle.
#[utoipa::path(
    post, path = "/api/incidents/{id}/state", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = StateBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Moved"),
        (status = 400, description = "Not a state", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "A role too low (closing needs a commander)", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
        (status = 409, description = "The lifecycle refuses this move", body = crate::http::ErrorBody),
    )
)]
pub async fn transition(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<StateBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    change(&state, &who, id, || {
        let to = body(payload)?
            .state
            .parse::<IncidentState>()
            .map_err(|e| ApiError::BadRequest(format!("`state`: {e}")))?;
        Ok(Change::Move(to))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityBody {
    #[schema(value_type = crate::incidents::Severity)]
    pub severity: String,
}

/// Changes the severity.
#[utoipa::path(
    post, path = "/api/incidents/{id}/severity", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = SeverityBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Not a severity", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a responder", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
        (status = 409, description = "Already that severity, or closed", body = crate::http::ErrorBody),
    )
)]
pub async fn severity(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<SeverityBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    change(&state, &who, id, || {
        let severity = body(payload)?
            .severity
            .parse::<Severity>()
            .map_err(|e| ApiError::BadRequest(format!("`severity`: {e}")))?;
        Ok(Change::Severity(severity))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRoleBody {
    /// on_call, commander or sme.
    #[schema(value_type = crate::incidents::Role)]
    pub role: String,
    #[schema(min_length = 1)]
    pub person: String,
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    text.parse::<Role>()
        .map_err(|e| ApiError::BadRequest(format!("`role`: {e}")))
}

/// Gives someone a role on the incident (on-call and commander have one holder each).
#[utoipa::path(
    post, path = "/api/incidents/{id}/roles", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = AssignRoleBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Assigned"),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
        (status = 409, description = "Already assigned, or closed", body = crate::http::ErrorBody),
    )
)]
pub async fn assign(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<AssignRoleBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    change(&state, &who, id, || {
        let payload = body(payload)?;
        Ok(Change::Assign {
            role: parse_role(&payload.role)?,
            person: payload.person,
        })
    })
    .await
}

/// Takes a role back.
#[utoipa::path(
    delete, path = "/api/incidents/{id}/roles/{role}/{person}", tag = "incidents",
    params(
        ("id" = i64, Path, description = "The incident's id"),
        ("role" = crate::incidents::Role, Path, description = "on_call, commander or sme"),
        ("person" = String, Path, description = "Who holds it"),
    ),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Unassigned"),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
        (status = 409, description = "Not assigned, or closed", body = crate::http::ErrorBody),
    )
)]
pub async fn unassign(
    who: Viewer,
    State(state): State<AppState>,
    path: Result<Path<(i64, String, String)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((id, role, person)) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let change = Change::Unassign {
        role: parse_role(&role)?,
        person,
    };
    changes::apply(&state, &who, id, change, crate::probes::unix_now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    #[schema(min_length = 1)]
    pub text: String,
}

/// Adds a note to the timeline.
#[utoipa::path(
    post, path = "/api/incidents/{id}/notes", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = NoteBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Added"),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a responder", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
    )
)]
pub async fn note(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<NoteBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    change(&state, &who, id, || Ok(Change::Note(body(payload)?.text))).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    /// public (on /status) or internal.
    #[schema(value_type = crate::incidents::Visibility)]
    pub visibility: String,
    #[schema(min_length = 1)]
    pub body: String,
}

/// Posts a status update; public ones appear on `/status`.
#[utoipa::path(
    post, path = "/api/incidents/{id}/updates", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = UpdateBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Posted"),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "A role too low (public needs a commander)", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
    )
)]
pub async fn update(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<UpdateBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    change(&state, &who, id, || {
        let payload = body(payload)?;
        let visibility = payload
            .visibility
            .parse::<Visibility>()
            .map_err(|e| ApiError::BadRequest(format!("`visibility`: {e}")))?;
        Ok(Change::Update {
            visibility,
            body: payload.body,
        })
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickBody {
    pub checked: bool,
}

/// Ticks (or unticks) a playbook step.
#[utoipa::path(
    post, path = "/api/incidents/{id}/steps/{step}", tag = "incidents",
    params(
        ("id" = i64, Path, description = "The incident's id"),
        ("step" = String, Path, description = "diagnosis-N or resolution-N", pattern = "^(diagnosis|resolution)-[0-9]+$"),
    ),
    request_body(content = TickBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Ticked"),
        (status = 400, description = "Bad input or no such step", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a responder", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
        (status = 409, description = "No playbook, or closed", body = crate::http::ErrorBody),
    )
)]
pub async fn tick(
    who: Viewer,
    State(state): State<AppState>,
    path: Result<Path<(i64, String)>, PathRejection>,
    payload: Result<Json<TickBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Path((id, step)) = path.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let checked = body(payload)?.checked;
    changes::apply(
        &state,
        &who,
        id,
        Change::Tick { step, checked },
        crate::probes::unix_now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The range of the figures.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// From (RFC 3339), included; default 30 days ago.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// To (RFC 3339), excluded; default now.
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// Also the figures per period of this many days over the range, oldest first (1 to 31;
    /// default 7). At most 60 periods.
    #[param(minimum = 1, maximum = 31)]
    pub bucket_days: Option<i64>,
}

/// MTTA and MTTR over one period of the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodFigures {
    pub from: String,
    pub to: String,
    /// Incidents detected in the period, every severity.
    pub incidents: u64,
    /// Over the period's acknowledged incidents, every severity.
    pub mtta_mean_seconds: Option<f64>,
    /// Over the period's resolved incidents, every severity.
    pub mttr_mean_seconds: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DurationFigures {
    pub count: u64,
    pub mean_seconds: Option<f64>,
    pub median_seconds: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeverityFigures {
    #[schema(value_type = crate::incidents::Severity)]
    pub severity: String,
    /// Incidents detected in the range.
    pub incidents: u64,
    /// Open now (neither resolved nor closed), whenever detected.
    pub open_now: i64,
    /// Mean time to acknowledge.
    pub mtta: DurationFigures,
    /// Mean time to resolve.
    pub mttr: DurationFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentFigure {
    pub component: String,
    pub incidents: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Figures {
    pub from: String,
    pub to: String,
    pub per_severity: Vec<SeverityFigures>,
    pub per_component: Vec<ComponentFigure>,
    /// MTTA and MTTR over time: one entry per `bucket_days` period, oldest first.
    pub over_time: Vec<PeriodFigures>,
}

/// MTTA and MTTR per severity, open incidents, incidents per component.
#[utoipa::path(
    get, path = "/api/incidents/figures", tag = "incidents", params(FiguresQuery),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The figures", body = Figures),
        (status = 400, description = "A bad range", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
    )
)]
pub async fn figures(
    _who: Viewer,
    State(state): State<AppState>,
    query: Result<Query<FiguresQuery>, QueryRejection>,
) -> Result<Json<Figures>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let now = crate::probes::unix_now_ms();
    let time = |field: &str, text: &Option<String>, default: i64| -> Result<i64, ApiError> {
        match blank(text) {
            None => Ok(default),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|t| t.timestamp_millis())
                .map_err(|_| ApiError::BadRequest(format!("`{field}` is not an RFC 3339 time"))),
        }
    };
    let to = time("to", &query.to, now)?;
    let from = time("from", &query.from, to - 30 * 24 * 3_600_000)?;
    if from >= to {
        return Err(ApiError::BadRequest(
            "`from` must be before `to`".to_string(),
        ));
    }
    let bucket_days = query.bucket_days.unwrap_or(7);
    if !(1..=31).contains(&bucket_days) {
        return Err(ApiError::BadRequest("`bucket_days` is 1 to 31".to_string()));
    }
    let bucket_ms = bucket_days * 24 * 3_600_000;
    if (to - from) / bucket_ms > 60 {
        return Err(ApiError::BadRequest(
            "the range holds more than 60 periods: widen `bucket_days` or narrow the range"
                .to_string(),
        ));
    }
    Ok(Json(compute_figures(&state, from, to, bucket_ms).await?))
}

/// The mean of `figures`' means weighted by their counts.
fn weighted_mean(parts: impl Iterator<Item = (u64, Option<f64>)>) -> Option<f64> {
    let (count, total) = parts.fold((0u64, 0.0), |(count, total), (n, mean)| match mean {
        Some(mean) if n > 0 => (count + n, total + mean * n as f64),
        _ => (count, total),
    });
    (count > 0).then(|| total / count as f64)
}

/// The figures of incidents detected in `[from, to)`.
pub async fn compute_figures(
    state: &AppState,
    from: i64,
    to: i64,
    bucket_ms: i64,
) -> Result<Figures, ApiError> {
    let incidents = state.store().incidents();
    let mut over_time = Vec::new();
    let mut start = from;
    while start < to && bucket_ms > 0 {
        let end = (start + bucket_ms).min(to);
        let period = incidents
            .response_figures(start, end)
            .await
            .map_err(api_error)?;
        over_time.push(PeriodFigures {
            from: rfc3339(start),
            to: rfc3339(end),
            incidents: period.iter().map(|f| f.incidents).sum(),
            mtta_mean_seconds: weighted_mean(period.iter().map(|f| {
                (
                    f.time_to_acknowledge.count,
                    f.time_to_acknowledge.mean_seconds,
                )
            })),
            mttr_mean_seconds: weighted_mean(
                period
                    .iter()
                    .map(|f| (f.time_to_resolve.count, f.time_to_resolve.mean_seconds)),
            ),
        });
        start = end;
    }
    let response = incidents
        .response_figures(from, to)
        .await
        .map_err(api_error)?;
    let open = incidents.open_counts().await.map_err(api_error)?;
    let components = incidents.per_component(from, to).await.map_err(api_error)?;
    Ok(Figures {
        from: rfc3339(from),
        to: rfc3339(to),
        per_severity: response
            .into_iter()
            .map(|f| SeverityFigures {
                severity: f.severity.as_str().to_string(),
                incidents: f.incidents,
                open_now: open
                    .iter()
                    .find(|(s, _)| *s == f.severity)
                    .map_or(0, |(_, n)| *n),
                mtta: DurationFigures {
                    count: f.time_to_acknowledge.count,
                    mean_seconds: f.time_to_acknowledge.mean_seconds,
                    median_seconds: f.time_to_acknowledge.median_seconds,
                },
                mttr: DurationFigures {
                    count: f.time_to_resolve.count,
                    mean_seconds: f.time_to_resolve.mean_seconds,
                    median_seconds: f.time_to_resolve.median_seconds,
                },
            })
            .collect(),
        per_component: components
            .into_iter()
            .map(|(component, incidents)| ComponentFigure {
                component,
                incidents,
            })
            .collect(),
        over_time,
    })
}
