//! Who is on call, and the overrides of the rotation (`[incidents.oncall]`, docs/incidents.md).
//!
//! | route | least role | what |
//! |---|---|---|
//! | `GET /api/oncall` | viewer | who is on call now, the rotation, the overrides of the next 30 days |
//! | `POST /api/oncall/overrides` | commander | `{person, starts_at, ends_at, reason?}` |
//! | `DELETE /api/oncall/overrides/{id}` | commander | removes an override |

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::AppState;
use crate::audit;
use crate::auth::{Commander, Viewer};
use crate::http::ApiError;
use crate::incidents::changes::api_error;
use crate::incidents::oncall::{OnCall, Override, on_call_at};
use crate::pages::rfc3339;
use crate::storage::oncall::NewOverride;

const DAY_MS: i64 = 24 * 3_600_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallView {
    pub person: String,
    pub from: String,
    pub until: String,
    /// Put there by an override rather than the rotation.
    pub overridden: bool,
}

impl From<&OnCall> for OnCallView {
    fn from(on_call: &OnCall) -> Self {
        OnCallView {
            person: on_call.person.clone(),
            from: rfc3339(on_call.from_ms),
            until: rfc3339(on_call.until_ms),
            overridden: on_call.overridden,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverrideView {
    pub id: i64,
    pub person: String,
    pub starts_at: String,
    pub ends_at: String,
    pub reason: Option<String>,
    pub created_by: String,
}

impl From<&Override> for OverrideView {
    fn from(o: &Override) -> Self {
        OverrideView {
            id: o.id,
            person: o.person.clone(),
            starts_at: rfc3339(o.starts_ms),
            ends_at: rfc3339(o.ends_ms),
            reason: o.reason.clone(),
            created_by: o.created_by.clone(),
        }
    }
}

/// The rotation now.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallNow {
    /// Nobody when no rotation is configured and no override covers now.
    pub now: Option<OnCallView>,
    pub time_zone: String,
    pub people: Vec<String>,
    pub commander: Option<String>,
    pub escalate_after_minutes: u64,
    /// Overrides in progress or starting within 30 days.
    pub overrides: Vec<OverrideView>,
}

/// Who is on call at `now_ms`, and the overrides around it.
pub async fn on_call_now(state: &AppState, now_ms: i64) -> Result<OnCallNow, ApiError> {
    let settings = &state.config().incidents.oncall;
    let overrides = state
        .store()
        .oncall()
        .overrides(now_ms, now_ms + 30 * DAY_MS)
        .await
        .map_err(api_error)?;
    Ok(OnCallNow {
        now: on_call_at(settings, &overrides, now_ms)
            .as_ref()
            .map(OnCallView::from),
        time_zone: settings.time_zone.clone(),
        people: settings.people.clone(),
        commander: settings.commander.clone(),
        escalate_after_minutes: settings.escalate_after_minutes,
        overrides: overrides.iter().map(OverrideView::from).collect(),
    })
}

/// Who is on call now.
#[utoipa::path(
    get, path = "/api/oncall", tag = "incidents",
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The rotation now", body = OnCallNow),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
    )
)]
pub async fn now(_who: Viewer, State(state): State<AppState>) -> Result<Json<OnCallNow>, ApiError> {
    Ok(Json(
        on_call_now(&state, crate::probes::unix_now_ms()).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    #[schema(min_length = 1)]
    pub person: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// RFC 3339, after `starts_at`.
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub reason: Option<String>,
}

/// Puts someone on call for a while, over the rotation.
#[utoipa::path(
    post, path = "/api/oncall/overrides", tag = "incidents",
    request_body(content = OverrideBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 201, description = "Added", body = OverrideView),
        (status = 400, description = "Bad input", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
    )
)]
pub async fn add_override(
    who: Commander,
    State(state): State<AppState>,
    body: Result<Json<OverrideBody>, JsonRejection>,
) -> Result<(StatusCode, Json<OverrideView>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let time = |field: &str, text: &str| {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.timestamp_millis())
            .map_err(|_| ApiError::BadRequest(format!("`{field}` is not an RFC 3339 time")))
    };
    let new = NewOverride {
        person: body.person,
        starts_ms: time("starts_at", &body.starts_at)?,
        ends_ms: time("ends_at", &body.ends_at)?,
        reason: body.reason,
    };
    let made = state
        .store()
        .oncall()
        .add_override(&new, &who.name, crate::probes::unix_now_ms())
        .await
        .map_err(api_error)?;
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        "oncall.override_create",
        &made.id.to_string(),
        json!({ "person": made.person, "starts_ms": made.starts_ms, "ends_ms": made.ends_ms }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(OverrideView::from(&made))))
}

/// Removes an override.
#[utoipa::path(
    delete, path = "/api/oncall/overrides/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "The override's id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A bad id", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not a commander", body = crate::http::ErrorBody),
        (status = 404, description = "No such override", body = crate::http::ErrorBody),
    )
)]
pub async fn delete_override(
    who: Commander,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if !state
        .store()
        .oncall()
        .delete_override(id)
        .await
        .map_err(api_error)?
    {
        return Err(ApiError::NotFound(format!("no override {id}")));
    }
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        "oncall.override_delete",
        &id.to_string(),
        json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
