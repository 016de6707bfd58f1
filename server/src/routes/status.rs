//! The status page and maintenance windows over HTTP. Reads are public; changes to maintenance
//! windows need an API token.
//!
//! | route | answers |
//! |---|---|
//! | `GET /status` | the page (HTML, no JavaScript) |
//! | `GET /status/status.css` | its stylesheet |
//! | `GET /status/feed.atom` | the components' state changes, Atom 1.0, newest first |
//! | `GET /api/status` | the page as JSON, with Statuspage's field names |
//! | `GET /api/maintenance` | every maintenance window (configuration and API) |
//! | `POST /api/maintenance` | makes a window: 201; 400 invalid, 401 no token |
//! | `DELETE /api/maintenance/{id}` | deletes an API window: 204; 401, 404, 409 for a configuration window |

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::audit;
use crate::auth::Responder;
use crate::http::ApiError;
use crate::probes::unix_now_ms;
use crate::status::maintenance::rfc3339;
use crate::status::{ComponentState, MaintenanceSpec, Snapshot, Window, feed, history, page};
use crate::storage::{MaintenanceRow, StorageError};

/// The page as JSON (Statuspage's `summary.json` field names).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusSummary {
    pub page: PageInfo,
    pub status: PageStatus,
    pub components: Vec<ComponentView>,
    /// Incidents with a public status update in the last 7 days, active ones first.
    pub incidents: Vec<crate::status::incidents::StatusIncident>,
    /// Windows in progress or scheduled, by start.
    pub scheduled_maintenances: Vec<MaintenanceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PageInfo {
    #[schema(example = "CSV Analyzer")]
    pub name: String,
    /// The page's public address; `null` when `status.page_url` is not set.
    pub url: Option<String>,
    /// When the states were computed, RFC 3339.
    #[schema(example = "2026-11-26T12:00:00Z")]
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PageStatus {
    /// `none`, `minor`, `major`, `critical` or `maintenance` (the worst component).
    #[schema(example = "none")]
    pub indicator: &'static str,
    #[schema(example = "All Systems Operational")]
    pub description: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentView {
    #[schema(example = "api")]
    pub id: String,
    #[schema(example = "API")]
    pub name: String,
    pub status: ComponentState,
    pub description: String,
    /// When its state last changed, RFC 3339; `null` before any change was noted.
    pub updated_at: Option<String>,
    /// The probes whose results make its state (not a Statuspage field).
    pub probes: Vec<String>,
}

/// A maintenance window.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaintenanceView {
    /// `config-N` for the configuration file's, a UUID for the API's.
    pub id: String,
    pub name: String,
    /// `scheduled`, `in_progress` or `completed`.
    #[schema(example = "scheduled")]
    pub status: &'static str,
    /// Start, RFC 3339.
    pub scheduled_for: String,
    /// End, RFC 3339.
    pub scheduled_until: String,
    /// Component ids, component names or probe names, as given.
    pub components: Vec<String>,
    pub comment: String,
    /// `config` (read-only) or `api`.
    #[schema(example = "api")]
    pub source: &'static str,
}

/// Every maintenance window.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaintenanceList {
    pub maintenances: Vec<MaintenanceView>,
}

async fn snapshot(state: &AppState) -> Result<Snapshot, ApiError> {
    state
        .status()
        .refresh(state.store(), state.probes(), unix_now_ms())
        .await
        .map_err(unavailable)
}

/// The status page.
pub async fn page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let snapshot = snapshot(&state).await?;
    let mut histories = Vec::with_capacity(snapshot.components.len());
    for c in &snapshot.components {
        histories.push(
            history(state.store(), &c.component, snapshot.at_ms)
                .await
                .map_err(unavailable)?,
        );
    }
    let incidents = public_incidents(&state, snapshot.at_ms).await?;
    let html = page::render(
        &state.status().config().page_name,
        &snapshot,
        &histories,
        &incidents,
    );
    Ok(no_cache(Html(html).into_response()))
}

async fn public_incidents(
    state: &AppState,
    now_ms: i64,
) -> Result<Vec<crate::status::incidents::StatusIncident>, ApiError> {
    crate::status::incidents::public_incidents(state.store(), now_ms)
        .await
        .map_err(crate::incidents::changes::api_error)
}

/// The page's stylesheet.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        page::STYLESHEET,
    )
        .into_response()
}

/// The Atom feed of state changes.
pub async fn atom(State(state): State<AppState>) -> Result<Response, ApiError> {
    let now = unix_now_ms();
    // Notes a change that happened since the last background refresh.
    snapshot(&state).await?;
    let changes = state
        .store()
        .status()
        .recent_changes(feed::FEED_ENTRIES)
        .await
        .map_err(unavailable)?;
    let config = state.status().config();
    let xml = feed::render(&config.page_name, &config.page_url, &changes, now);
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(no_cache(response))
}

/// The status page as JSON.
#[utoipa::path(
    get,
    path = "/api/status",
    tag = "status",
    responses((status = 200, description = "Overall state, components, maintenance", body = StatusSummary))
)]
pub async fn summary(State(state): State<AppState>) -> Result<Json<StatusSummary>, ApiError> {
    let snapshot = snapshot(&state).await?;
    let config = state.status().config();
    let url = config.page_url.trim();
    Ok(Json(StatusSummary {
        page: PageInfo {
            name: config.page_name.clone(),
            url: (!url.is_empty()).then(|| url.to_string()),
            updated_at: rfc3339(snapshot.at_ms),
        },
        status: PageStatus {
            indicator: snapshot.overall.indicator(),
            description: snapshot.overall.description(),
        },
        components: snapshot
            .components
            .iter()
            .map(|c| ComponentView {
                id: c.component.id.clone(),
                name: c.component.name.clone(),
                status: c.state,
                description: c.component.description.clone(),
                updated_at: c.updated_ms.map(rfc3339),
                probes: c.component.probes.clone(),
            })
            .collect(),
        incidents: public_incidents(&state, snapshot.at_ms).await?,
        scheduled_maintenances: snapshot
            .windows
            .iter()
            .map(|w| maintenance_view(w, snapshot.at_ms))
            .collect(),
    }))
}

/// Every maintenance window, past ones included, by start.
#[utoipa::path(
    get,
    path = "/api/maintenance",
    tag = "status",
    responses((status = 200, description = "Every window", body = MaintenanceList))
)]
pub async fn list_maintenance(
    State(state): State<AppState>,
) -> Result<Json<MaintenanceList>, ApiError> {
    let now = unix_now_ms();
    let windows = state
        .status()
        .windows(state.store(), i64::MIN)
        .await
        .map_err(unavailable)?;
    Ok(Json(MaintenanceList {
        maintenances: windows.0.iter().map(|w| maintenance_view(w, now)).collect(),
    }))
}

/// Makes a maintenance window (token needed). The components it names (by id or name, or
/// through one of their probes) are `under_maintenance` while it is active.
#[utoipa::path(
    post,
    path = "/api/maintenance",
    tag = "status",
    request_body(content = MaintenanceSpec, content_type = "application/json"),
    security(("api_token" = [])),
    responses(
        (status = 201, description = "Made", body = MaintenanceView),
        (status = 400, description = "Not a valid window, or an unknown component; `detail` says why", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
    )
)]
pub async fn create_maintenance(
    who: Responder,
    State(state): State<AppState>,
    body: Result<Json<MaintenanceSpec>, JsonRejection>,
) -> Result<(StatusCode, Json<MaintenanceView>), ApiError> {
    let Json(spec) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let id = uuid::Uuid::new_v4().to_string();
    let window = spec.check(id, false).map_err(ApiError::BadRequest)?;
    let components = state.status().components(state.probes());
    let probes = state.probes().list();
    let known = |name: &str| {
        components.iter().any(|c| c.id == name || c.name == name)
            || probes.iter().any(|(p, _)| p.name == name)
    };
    if let Some(unknown) = window.components.iter().find(|c| !known(c)) {
        return Err(ApiError::BadRequest(format!(
            "maintenance `{}`: `{unknown}` is neither a component (id or name) nor a probe",
            window.name
        )));
    }
    let row = MaintenanceRow {
        id: window.id.clone(),
        name: window.name.clone(),
        components: serde_json::to_string(&window.components).map_err(ApiError::internal)?,
        start_ms: window.start_ms,
        end_ms: window.end_ms,
        comment: window.comment.clone(),
        created_ms: unix_now_ms(),
    };
    state
        .store()
        .status()
        .insert_maintenance(&row)
        .await
        .map_err(unavailable)?;
    tracing::info!(maintenance = %window.id, "maintenance window made");
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::MAINTENANCE_CREATE,
        &window.id,
        serde_json::json!({
            "name": window.name,
            "components": window.components,
            "start_ms": window.start_ms,
            "end_ms": window.end_ms,
            "comment": window.comment,
        }),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(maintenance_view(&window, unix_now_ms())),
    ))
}

/// Deletes a maintenance window made through the API (token needed).
#[utoipa::path(
    delete,
    path = "/api/maintenance/{id}",
    tag = "status",
    params(("id" = String, Path, description = "The window's id")),
    security(("api_token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
        (status = 404, description = "No such window", body = crate::http::ErrorBody),
        (status = 409, description = "The window is defined in the configuration file", body = crate::http::ErrorBody),
    )
)]
pub async fn delete_maintenance(
    who: Responder,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if state.status().config_windows().iter().any(|w| w.id == id) {
        return Err(ApiError::Conflict(format!(
            "maintenance window `{id}` is defined in the configuration file: change it there"
        )));
    }
    if !state
        .store()
        .status()
        .delete_maintenance(&id)
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::NotFound(format!(
            "no maintenance window with id `{id}`"
        )));
    }
    tracing::info!(maintenance = %id, "maintenance window deleted");
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::MAINTENANCE_DELETE,
        &id,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn maintenance_view(w: &Window, now_ms: i64) -> MaintenanceView {
    MaintenanceView {
        id: w.id.clone(),
        name: w.name.clone(),
        status: w.status_at(now_ms),
        scheduled_for: rfc3339(w.start_ms),
        scheduled_until: rfc3339(w.end_ms),
        components: w.components.clone(),
        comment: w.comment.clone(),
        source: if w.from_config { "config" } else { "api" },
    }
}

fn no_cache(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn unavailable(error: StorageError) -> ApiError {
    tracing::warn!(error = %error, "reading or writing the status failed");
    ApiError::Unavailable {
        reason: "the database did not answer".to_string(),
    }
}
