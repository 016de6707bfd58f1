//! People, tokens and the audit trail (admins only).
//!
//! | route | what |
//! |---|---|
//! | `GET /api/users` | the users (never their hashes) |
//! | `POST /api/users` | adds a user `{name, role, password}`: 201; 400, 409 name taken |
//! | `PUT /api/users/{name}/role` | changes a user's role `{role}` |
//! | `DELETE /api/users/{name}` | disables a user (ends their sessions; the name stays taken) |
//! | `GET /api/tokens` | the API tokens (never the tokens) |
//! | `POST /api/tokens` | makes a token `{name, role}`, shown once: 201 |
//! | `DELETE /api/tokens/{name}` | revokes a token |
//! | `GET /api/audit` | the audit trail, newest first (`actor`, `action`, `from`, `to`, `before`, `limit`) |
//! | `GET /admin/audit` | the same as a page |
//!
//! Every change is in the audit trail.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::audit::{self, actions};
use crate::auth::principal::SignedIn;
use crate::auth::{Admin, Role, passwords, tokens};
use crate::http::ApiError;
use crate::pages;
use crate::storage::{AuditFilter, AuditRow, StorageError};

/// Rows of the trail per page at most.
pub const MAX_AUDIT_LIMIT: i64 = 500;

fn unavailable(error: StorageError) -> ApiError {
    tracing::warn!(%error, "the database failed");
    ApiError::Unavailable {
        reason: "the database did not answer".to_string(),
    }
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    text.parse::<Role>().map_err(ApiError::BadRequest)
}

/// One user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub name: String,
    #[schema(value_type = crate::auth::Role)]
    pub role: String,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

/// The users, by name.
#[utoipa::path(
    get, path = "/api/users", tag = "access",
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The users", body = [UserView]),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
    )
)]
pub async fn list_users(
    _who: Admin,
    State(state): State<AppState>,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let rows = state.store().users().list().await.map_err(unavailable)?;
    Ok(Json(
        rows.into_iter()
            .map(|row| UserView {
                name: row.name,
                role: row.role,
                created_at: pages::rfc3339(row.created_ms),
                disabled_at: row.disabled_ms.map(pages::rfc3339),
            })
            .collect(),
    ))
}

/// The body of `POST /api/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1 to 64 letters, digits, `.`, `_`, `-`.
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub name: String,
    /// viewer, responder, commander or admin.
    #[schema(value_type = crate::auth::Role)]
    pub role: String,
    /// 12 to 256 characters.
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
}

/// Adds a user.
#[utoipa::path(
    post, path = "/api/users", tag = "access",
    request_body(content = NewUser, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 201, description = "Added", body = UserView),
        (status = 400, description = "A bad name, role or password", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
        (status = 409, description = "The name is taken", body = crate::http::ErrorBody),
    )
)]
pub async fn create_user(
    who: Admin,
    State(state): State<AppState>,
    body: Result<Json<NewUser>, JsonRejection>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    tokens::validate_name(&body.name)
        .map_err(|e| ApiError::BadRequest(e.replace("token name", "user name")))?;
    let role = parse_role(&body.role)?;
    passwords::check_strength(&body.password).map_err(ApiError::BadRequest)?;
    let hash = passwords::hash_blocking(body.password)
        .await
        .map_err(ApiError::internal)?;
    let now = crate::probes::unix_now_ms();
    if !state
        .store()
        .users()
        .create(&body.name, &hash, role.as_str(), now)
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::Conflict(format!(
            "a user named `{}` exists already (disabled ones keep their name)",
            body.name
        )));
    }
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        actions::USER_CREATE,
        &body.name,
        serde_json::json!({ "role": role }),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(UserView {
            name: body.name,
            role: role.to_string(),
            created_at: pages::rfc3339(now),
            disabled_at: None,
        }),
    ))
}

/// The body of `PUT /api/users/{name}/role`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRoleBody {
    #[schema(value_type = crate::auth::Role)]
    pub role: String,
}

/// Changes a user's role.
#[utoipa::path(
    put, path = "/api/users/{name}/role", tag = "access",
    params(("name" = String, Path, description = "The user's name")),
    request_body(content = UserRoleBody, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A bad role", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
        (status = 404, description = "No such user", body = crate::http::ErrorBody),
    )
)]
pub async fn set_role(
    who: Admin,
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    body: Result<Json<UserRoleBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(name) = name.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let role = parse_role(&body.role)?;
    if !state
        .store()
        .users()
        .set_role(&name, role.as_str())
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::NotFound(format!("no user named `{name}`")));
    }
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        actions::USER_ROLE,
        &name,
        serde_json::json!({ "role": role }),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables a user: their sessions end; the name stays taken.
#[utoipa::path(
    delete, path = "/api/users/{name}", tag = "access",
    params(("name" = String, Path, description = "The user's name")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Disabled"),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
        (status = 404, description = "No such enabled user", body = crate::http::ErrorBody),
    )
)]
pub async fn disable_user(
    who: Admin,
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(name) = name.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if !state
        .store()
        .users()
        .disable(&name, crate::probes::unix_now_ms())
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::NotFound(format!(
            "no enabled user named `{name}`"
        )));
    }
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        actions::USER_DISABLE,
        &name,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One API token (never the token itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub name: String,
    #[schema(value_type = crate::auth::Role)]
    pub role: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// The API tokens, by name.
#[utoipa::path(
    get, path = "/api/tokens", tag = "access",
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The tokens", body = [TokenView]),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
    )
)]
pub async fn list_tokens(
    _who: Admin,
    State(state): State<AppState>,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let rows = state
        .store()
        .api_tokens()
        .list()
        .await
        .map_err(unavailable)?;
    Ok(Json(
        rows.into_iter()
            .map(|row| TokenView {
                name: row.name,
                role: row.role,
                created_at: pages::rfc3339(row.created_ms),
                last_used_at: row.last_used_ms.map(pages::rfc3339),
                revoked_at: row.revoked_ms.map(pages::rfc3339),
            })
            .collect(),
    ))
}

/// The body of `POST /api/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub name: String,
    /// Default: responder.
    #[schema(value_type = Option<crate::auth::Role>)]
    pub role: Option<String>,
}

/// A new token, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub name: String,
    #[schema(value_type = crate::auth::Role)]
    pub role: String,
    pub token: String,
}

/// Makes an API token.
#[utoipa::path(
    post, path = "/api/tokens", tag = "access",
    request_body(content = NewToken, content_type = "application/json"),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 201, description = "Made; the token is not shown again", body = CreatedToken),
        (status = 400, description = "A bad name or role", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
        (status = 409, description = "The name is taken", body = crate::http::ErrorBody),
    )
)]
pub async fn create_token(
    who: Admin,
    State(state): State<AppState>,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    tokens::validate_name(&body.name).map_err(ApiError::BadRequest)?;
    let role = parse_role(body.role.as_deref().unwrap_or("responder"))?;
    let token = tokens::generate().map_err(ApiError::internal)?;
    if !state
        .store()
        .api_tokens()
        .create(
            &body.name,
            &tokens::hash(&token),
            role.as_str(),
            crate::probes::unix_now_ms(),
        )
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::Conflict(format!(
            "a token named `{}` exists already (revoked ones keep their name)",
            body.name
        )));
    }
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        actions::TOKEN_CREATE,
        &body.name,
        serde_json::json!({ "role": role }),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            name: body.name,
            role: role.to_string(),
            token,
        }),
    ))
}

/// Revokes an API token.
#[utoipa::path(
    delete, path = "/api/tokens/{name}", tag = "access",
    params(("name" = String, Path, description = "The token's name")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
        (status = 404, description = "No such active token", body = crate::http::ErrorBody),
    )
)]
pub async fn revoke_token(
    who: Admin,
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(name) = name.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if !state
        .store()
        .api_tokens()
        .revoke(&name, crate::probes::unix_now_ms())
        .await
        .map_err(unavailable)?
    {
        return Err(ApiError::NotFound(format!(
            "no active token named `{name}`"
        )));
    }
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        actions::TOKEN_REVOKE,
        &name,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The filters of the audit trail.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor's entries.
    pub actor: Option<String>,
    /// An action (`token.create`) or a prefix ending in `.` (`login.`).
    pub action: Option<String>,
    /// From this time (RFC 3339), included.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Until this time (RFC 3339), excluded.
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// Only entries older than this id (the next page).
    pub before: Option<i64>,
    /// At most this many entries (1 to 500; default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// One entry of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
    pub hash: String,
}

fn audit_filter(query: &AuditQuery) -> Result<AuditFilter, ApiError> {
    let time = |field: &str, text: &Option<String>| -> Result<Option<i64>, ApiError> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|t| Some(t.timestamp_millis()))
                .map_err(|_| ApiError::BadRequest(format!("`{field}` is not an RFC 3339 time"))),
        }
    };
    let limit = super::checked_limit(query.limit, 100, MAX_AUDIT_LIMIT)?;
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Ok(AuditFilter {
        actor: text(&query.actor),
        action: text(&query.action),
        from_ms: time("from", &query.from)?,
        to_ms: time("to", &query.to)?,
        before_id: query.before,
        limit,
    })
}

fn entry_view(row: AuditRow) -> AuditEntryView {
    AuditEntryView {
        id: row.id,
        at: pages::rfc3339(row.at_ms),
        actor: row.actor,
        action: row.action,
        target: row.target,
        detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
        hash: row.hash,
    }
}

/// The audit trail, newest first.
#[utoipa::path(
    get, path = "/api/audit", tag = "access",
    params(AuditQuery),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The entries", body = [AuditEntryView]),
        (status = 400, description = "A bad filter", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "Not an admin", body = crate::http::ErrorBody),
    )
)]
pub async fn audit_list(
    _who: Admin,
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEntryView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let filter = audit_filter(&query)?;
    let rows = state
        .store()
        .audit()
        .list(&filter)
        .await
        .map_err(unavailable)?;
    Ok(Json(rows.into_iter().map(entry_view).collect()))
}

/// `GET /admin/audit`: the page (admins; others are sent to sign in, or refused).
pub async fn audit_page(
    signed: SignedIn,
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let who = match super::session::require_page(signed, "/admin/audit") {
        Ok(who) => who,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    if !who.role.allows(Role::Admin) {
        return Err(ApiError::Forbidden(format!(
            "the audit trail is for admins; {} is a {}",
            who.name, who.role
        )));
    }
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let filter = audit_filter(&query)?;
    let mut rows = state
        .store()
        .audit()
        .list(&AuditFilter {
            limit: filter.limit + 1,
            ..filter.clone()
        })
        .await
        .map_err(unavailable)?;
    let more = rows.len() as i64 > filter.limit;
    rows.truncate(usize::try_from(filter.limit).unwrap_or(0));
    let form = pages::audit::FilterForm {
        actor: query.actor.unwrap_or_default(),
        action: query.action.unwrap_or_default(),
        from: query.from.unwrap_or_default(),
        to: query.to.unwrap_or_default(),
    };
    Ok(Html(pages::audit::render(&who, &form, &rows, more)).into_response())
}

/// `GET /pages/pages.css`.
pub async fn stylesheet() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        pages::STYLESHEET,
    )
        .into_response()
}
