//! Post-mortems and corrective actions over HTTP (JSON); the pages' forms are in
//! [`super::incident_pages`]. Changes go through [`crate::incidents::changes`] (roles, audit).
//!
//! | route | least role | what |
//! |---|---|---|
//! | `GET /api/incidents/{id}/postmortem` | viewer | the post-mortem with its corrective actions |
//! | `POST /api/incidents/{id}/postmortem` | commander | starts a draft (any severity) |
//! | `PUT /api/incidents/{id}/postmortem` | commander | `{summary?, impact?, whys?}` |
//! | `POST /api/incidents/{id}/postmortem/publish` | commander | once resolved, with a root cause |
//! | `GET /api/incidents/{id}/postmortem.md` | viewer | the post-mortem as Markdown |
//! | `POST /api/incidents/{id}/actions` | commander | `{title, owner, due_date}` |
//! | `GET /api/actions` | viewer | every incident's actions, overdue first (`status`, `owner`, `overdue`) |
//! | `PUT /api/actions/{id}` | responder | `{title?, owner?, due_date?, status?}` |

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Viewer;
use crate::http::ApiError;
use crate::incidents::actions::{
    ActionChange, ActionFilter, ActionStatus, CorrectiveAction, ListedAction, NewAction,
};
use crate::incidents::changes::{self, Change, postmortem_error};
use crate::incidents::postmortem::{Postmortem, PostmortemChange, Why};
use crate::pages::rfc3339;

/// Today's date in UTC (what "overdue" is measured against).
pub fn today() -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(crate::probes::unix_now_ms())
        .map_or(chrono::NaiveDate::MIN, |t| t.date_naive())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhyView {
    pub why: String,
    pub answer: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    pub id: i64,
    pub incident_id: i64,
    pub title: String,
    pub owner: String,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub due_date: String,
    /// open, in_progress, done or cancelled.
    #[schema(value_type = crate::incidents::actions::ActionStatus)]
    pub status: String,
    /// Open or in progress, and due before today (UTC).
    pub overdue: bool,
    pub ticket_ref: Option<String>,
    pub created_by: String,
    pub updated_at: String,
}

impl ActionView {
    pub fn of(action: &CorrectiveAction, today: chrono::NaiveDate) -> Self {
        ActionView {
            id: action.id,
            incident_id: action.incident_id,
            title: action.title.clone(),
            owner: action.owner.clone(),
            due_date: action.due_date.format("%Y-%m-%d").to_string(),
            status: action.status.as_str().to_string(),
            overdue: action.is_overdue(today),
            ticket_ref: action.ticket_ref.clone(),
            created_by: action.created_by.clone(),
            updated_at: rfc3339(action.updated_ms),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostmortemView {
    pub incident_id: i64,
    pub summary: String,
    pub impact: String,
    /// The "5 whys", in order.
    pub whys: Vec<WhyView>,
    /// The last answer.
    pub root_cause: Option<String>,
    /// draft or published.
    #[schema(value_type = crate::incidents::postmortem::PostmortemStatus)]
    pub status: String,
    pub author: String,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
}

impl From<&Postmortem> for PostmortemView {
    fn from(p: &Postmortem) -> Self {
        PostmortemView {
            incident_id: p.incident_id,
            summary: p.summary.clone(),
            impact: p.impact.clone(),
            whys: p
                .whys
                .iter()
                .map(|w| WhyView {
                    why: w.why.clone(),
                    answer: w.answer.clone(),
                })
                .collect(),
            root_cause: p.root_cause().map(str::to_string),
            status: p.status.as_str().to_string(),
            author: p.author.clone(),
            created_at: rfc3339(p.created_ms),
            updated_at: rfc3339(p.updated_ms),
            published_at: p.published_ms.map(rfc3339),
        }
    }
}

/// A post-mortem with the incident's corrective actions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostmortemDetail {
    pub postmortem: PostmortemView,
    pub actions: Vec<ActionView>,
}

fn path_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(id)| id)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// The post-mortem of an incident.
#[utoipa::path(
    get, path = "/api/incidents/{id}/postmortem", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The post-mortem", body = PostmortemDetail),
        (status = 400, description = "A bad id or body", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident, or no post-mortem yet", body = crate::http::ErrorBody),
    )
)]
pub async fn one(
    _who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<PostmortemDetail>, ApiError> {
    let id = path_id(id)?;
    let repo = state.store().postmortems();
    let postmortem = repo.require(id).await.map_err(postmortem_error)?;
    let today = today();
    let actions = repo.actions(id).await.map_err(postmortem_error)?;
    Ok(Json(PostmortemDetail {
        postmortem: PostmortemView::from(&postmortem),
        actions: actions.iter().map(|a| ActionView::of(a, today)).collect(),
    }))
}

async fn change(
    state: &AppState,
    who: &Viewer,
    id: i64,
    change: Change,
) -> Result<StatusCode, ApiError> {
    changes::apply(state, who, id, change, crate::probes::unix_now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a post-mortem draft (for any severity; SEV1 and SEV2 get one on resolution).
#[utoipa::path(
    post, path = "/api/incidents/{id}/postmortem", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Drafted"),
        (status = 400, description = "A bad id or body", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
        (status = 409, description = "It has one already", body = crate::http::ErrorBody),
    )
)]
pub async fn start(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id)?;
    change(&state, &who, id, Change::StartPostmortem).await
}

/// The fields of a post-mortem to replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostmortemBody {
    pub summary: Option<String>,
    pub impact: Option<String>,
    /// The whole list, at most 5.
    pub whys: Option<Vec<WhyView>>,
}

/// Edits the post-mortem: the fields given replace the stored ones.
#[utoipa::path(
    put, path = "/api/incidents/{id}/postmortem", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = PostmortemBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident or post-mortem", body = crate::http::ErrorBody),
    )
)]
pub async fn edit(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<PostmortemBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id)?;
    let payload = body(payload)?;
    let edit = PostmortemChange {
        summary: payload.summary,
        impact: payload.impact,
        whys: payload.whys.map(|whys| {
            whys.into_iter()
                .map(|w| Why {
                    why: w.why,
                    answer: w.answer,
                })
                .collect()
        }),
    };
    change(&state, &who, id, Change::EditPostmortem(edit)).await
}

/// Publishes the post-mortem (the incident resolved, a root cause written).
#[utoipa::path(
    post, path = "/api/incidents/{id}/postmortem/publish", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Published"),
        (status = 400, description = "A bad id or body", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident or post-mortem", body = crate::http::ErrorBody),
        (status = 409, description = "Still open, no root cause, or already published", body = crate::http::ErrorBody),
    )
)]
pub async fn publish(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id)?;
    change(&state, &who, id, Change::PublishPostmortem).await
}

/// The post-mortem as Markdown (summary, impact, timeline, 5 whys, actions, MTTA/MTTR).
#[utoipa::path(
    get, path = "/api/incidents/{id}/postmortem.md", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The Markdown", body = String, content_type = "text/markdown"),
        (status = 400, description = "A bad id or body", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident or post-mortem", body = crate::http::ErrorBody),
    )
)]
pub async fn markdown(
    _who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(id)?;
    let text = state
        .store()
        .postmortems()
        .export_markdown(id)
        .await
        .map_err(postmortem_error)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"postmortem-{id}.md\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// A corrective action to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActionBody {
    #[schema(min_length = 1)]
    pub title: String,
    #[schema(min_length = 1)]
    pub owner: String,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub due_date: String,
}

/// Adds a corrective action to an incident.
#[utoipa::path(
    post, path = "/api/incidents/{id}/actions", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = NewActionBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Added"),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
        (status = 404, description = "No such incident", body = crate::http::ErrorBody),
    )
)]
pub async fn add_action(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<NewActionBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id)?;
    let payload = body(payload)?;
    let new = NewAction {
        title: payload.title,
        owner: payload.owner,
        due_date: payload.due_date,
    };
    change(&state, &who, id, Change::AddAction(new)).await
}

/// The filters of the actions list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionQuery {
    /// open, in_progress, done or cancelled.
    #[param(value_type = Option<crate::incidents::actions::ActionStatus>)]
    pub status: Option<String>,
    /// Exact owner name.
    pub owner: Option<String>,
    /// `true`: only the overdue ones.
    pub overdue: Option<bool>,
}

/// One action of the list, with its incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedActionView {
    #[serde(flatten)]
    pub action: ActionView,
    pub incident_title: String,
}

/// The repository filter of a query.
pub fn action_filter(query: &ActionQuery) -> Result<ActionFilter, ApiError> {
    let status = query
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<ActionStatus>())
        .transpose()
        .map_err(|e| ApiError::BadRequest(format!("`status`: {e}")))?;
    Ok(ActionFilter {
        status,
        owner: query
            .owner
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string),
        overdue_only: query.overdue.unwrap_or(false),
    })
}

/// The listed actions as views.
pub fn listed_views(rows: &[ListedAction], today: chrono::NaiveDate) -> Vec<ListedActionView> {
    rows.iter()
        .map(|row| ListedActionView {
            action: ActionView::of(&row.action, today),
            incident_title: row.incident_title.clone(),
        })
        .collect()
}

/// Every incident's corrective actions, overdue first, then by due date.
#[utoipa::path(
    get, path = "/api/actions", tag = "incidents", params(ActionQuery),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The actions", body = [ListedActionView]),
        (status = 400, description = "A bad filter", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
    )
)]
pub async fn list_actions(
    _who: Viewer,
    State(state): State<AppState>,
    query: Result<Query<ActionQuery>, QueryRejection>,
) -> Result<Json<Vec<ListedActionView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let today = today();
    let rows = state
        .store()
        .postmortems()
        .list_actions(&action_filter(&query)?, today)
        .await
        .map_err(postmortem_error)?;
    Ok(Json(listed_views(&rows, today)))
}

/// The fields of an action to replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    pub title: Option<String>,
    pub owner: Option<String>,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// open, in_progress, done or cancelled (done and cancelled only go back to open).
    #[schema(value_type = Option<crate::incidents::actions::ActionStatus>)]
    pub status: Option<String>,
}

/// The change an action body asks for.
pub fn action_change(payload: ActionBody) -> Result<ActionChange, ApiError> {
    Ok(ActionChange {
        title: payload.title,
        owner: payload.owner,
        due_date: payload.due_date,
        status: payload
            .status
            .map(|s| s.parse::<ActionStatus>())
            .transpose()
            .map_err(|e| ApiError::BadRequest(format!("`status`: {e}")))?,
    })
}

/// Changes a corrective action.
#[utoipa::path(
    put, path = "/api/actions/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "The action's id")),
    request_body(content = ActionBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a responder", body = crate::http::ErrorBody),
        (status = 404, description = "No such action", body = crate::http::ErrorBody),
        (status = 409, description = "A finished action only goes back to open", body = crate::http::ErrorBody),
    )
)]
pub async fn update_action(
    who: Viewer,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    payload: Result<Json<ActionBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id)?;
    let change = action_change(body(payload)?)?;
    changes::update_action(
        state.store(),
        &who,
        id,
        change,
        crate::probes::unix_now_ms(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
