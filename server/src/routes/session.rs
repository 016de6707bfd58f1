//! Signing in and out.
//!
//! | route | what |
//! |---|---|
//! | `GET /login` | the sign-in form (`?next=/path` where to go after) |
//! | `POST /login` | signs in from the form: 303 to `next` with the session cookie; 401 the form again; 429 too many failures |
//! | `POST /logout` | signs out (the form in every page's header; CSRF field) |
//! | `POST /api/session` | signs in with JSON `{name, password}`: the cookie, and the CSRF token to send as `X-CSRF-Token` |
//! | `GET /api/session` | who is signed in (or which token is used) |
//! | `DELETE /api/session` | signs out (`X-CSRF-Token`) |
//!
//! Every attempt is in the audit trail (`login.success`, `login.failure`, `logout`); failures
//! are counted per name and client network ([`crate::auth::login_limit`]).

use std::net::SocketAddr;

use axum::Extension;
use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::audit::{self, actions};
use crate::auth::principal::{SignedIn, Via};
use crate::auth::{Role, Viewer, passwords, sessions, tokens};
use crate::http::ApiError;
use crate::pages;

/// Where to go after signing in when `next` is absent or not a local path.
pub const DEFAULT_NEXT: &str = "/incidents";

/// A local path to redirect to: starts with one `/`, no scheme, no backslash.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_string()
        }
        _ => DEFAULT_NEXT.to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let next = safe_next(query.as_ref().ok().and_then(|q| q.next.as_deref()));
    form_response(&state, &headers, StatusCode::OK, &next, "", None)
}

fn form_response(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    name: &str,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let csrf = sessions::random_token().map_err(ApiError::internal)?;
    let cookie = sessions::set_cookie(
        sessions::LOGIN_COOKIE,
        &csrf,
        3_600,
        state.config().auth.secure_cookies,
        headers,
    );
    Ok((
        status,
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        axum::response::Html(pages::login::render(&csrf, next, name, error)),
    )
        .into_response())
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn login_form(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<axum::Form<LoginForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let axum::Form(form) = form.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let next = safe_next(form.next.as_deref());
    let cookie = sessions::cookie(&headers, sessions::LOGIN_COOKIE).unwrap_or_default();
    if form.csrf.is_empty() || !sessions::same_secret(cookie, &form.csrf) {
        return form_response(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            &next,
            &form.name,
            Some("The sign-in form expired or came from another site: try again."),
        );
    }
    match sign_in(
        &state,
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        &form.name,
        &form.password,
    )
    .await
    {
        Ok(session) => Ok((
            StatusCode::SEE_OTHER,
            // Two Set-Cookie headers: appended, not replaced.
            axum::response::AppendHeaders([
                (header::LOCATION, header_value(&next)),
                (header::SET_COOKIE, session.cookie),
                (
                    header::SET_COOKIE,
                    sessions::set_cookie(
                        sessions::LOGIN_COOKIE,
                        "",
                        0,
                        state.config().auth.secure_cookies,
                        &headers,
                    ),
                ),
            ]),
        )
            .into_response()),
        Err(ApiError::RateLimited { retry_after }) => {
            let mut response = form_response(
                &state,
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &form.name,
                Some(&format!(
                    "Too many failed sign-ins: try again in {} s.",
                    retry_after.as_secs().max(1)
                )),
            )?;
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header_value(&retry_after.as_secs().max(1).to_string()),
            );
            Ok(response)
        }
        Err(ApiError::Unauthorized(reason)) => form_response(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            &next,
            &form.name,
            Some(&reason),
        ),
        Err(other) => Err(other),
    }
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("/"))
}

/// A new session.
struct NewSession {
    name: String,
    role: Role,
    csrf_token: String,
    expires_ms: i64,
    cookie: HeaderValue,
}

/// Checks the name and password (rate-limited, audited) and starts a session.
async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    name: &str,
    password: &str,
) -> Result<NewSession, ApiError> {
    let now = crate::probes::unix_now_ms();
    let client =
        crate::rum::client::client_ip(headers, peer, state.config().rum.trust_forwarded_for)
            .map(crate::rum::client::network_text)
            .unwrap_or_else(|| "unknown".to_string());
    let name = name.trim();
    let shown_name: String = name.chars().take(64).collect();
    let limiter = state.login_limiter();
    // Audits a failed attempt and counts it (`outcome`: failure or rate_limited).
    let failure = |reason: &'static str, outcome: &'static str| {
        state.metrics().login_attempt(outcome);
        let store = state.store().clone();
        let client = client.clone();
        let shown = shown_name.clone();
        async move {
            audit::record_or_unavailable(
                &store,
                &shown,
                actions::LOGIN_FAILURE,
                &shown,
                serde_json::json!({ "client": client, "reason": reason }),
            )
            .await
        }
    };
    if let Err(wait) = limiter.check(name, &client, now) {
        failure("rate limited", "rate_limited").await?;
        return Err(ApiError::RateLimited { retry_after: wait });
    }
    let found = if name.is_empty() || name.chars().count() > 64 {
        None
    } else {
        state
            .store()
            .users()
            .credentials(name)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "reading a user failed");
                ApiError::Unavailable {
                    reason: "the database did not answer".to_string(),
                }
            })?
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let matches = passwords::verify_blocking(password.to_string(), hash).await;
    let (Some(user), true) = (user, matches) else {
        limiter.failed(name, &client, now);
        failure("wrong name or password", "failure").await?;
        return Err(ApiError::Unauthorized("wrong name or password".to_string()));
    };
    let Ok(role) = user.role.parse::<Role>() else {
        failure("no valid role", "failure").await?;
        return Err(ApiError::Unauthorized(
            "this account has no valid role".to_string(),
        ));
    };
    limiter.succeeded(name);
    let secret = sessions::random_token().map_err(ApiError::internal)?;
    let csrf_token = sessions::random_token().map_err(ApiError::internal)?;
    let config = &state.config().auth;
    let lifetime_ms =
        i64::try_from(config.session_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
    let expires_ms = now.saturating_add(lifetime_ms);
    state
        .store()
        .users()
        .create_session(
            &tokens::hash(&secret),
            user.id,
            &csrf_token,
            now,
            expires_ms,
        )
        .await
        .map_err(|error| {
            tracing::warn!(%error, "storing a session failed");
            ApiError::Unavailable {
                reason: "the database did not answer".to_string(),
            }
        })?;
    audit::record_or_unavailable(
        state.store(),
        &user.name,
        actions::LOGIN_SUCCESS,
        &user.name,
        serde_json::json!({ "client": client }),
    )
    .await?;
    state.metrics().login_attempt("success");
    let cookie = sessions::set_cookie(
        sessions::COOKIE,
        &secret,
        config.session_hours.saturating_mul(3_600),
        config.secure_cookies,
        headers,
    );
    Ok(NewSession {
        name: user.name,
        role,
        csrf_token,
        expires_ms,
        cookie,
    })
}

/// `POST /logout`: ends the session, back to the sign-in form.
pub async fn logout_form(
    who: Viewer,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    end_session(&state, &who).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, HeaderValue::from_static("/login")),
            (
                header::SET_COOKIE,
                sessions::set_cookie(
                    sessions::COOKIE,
                    "",
                    0,
                    state.config().auth.secure_cookies,
                    &headers,
                ),
            ),
        ],
    )
        .into_response())
}

async fn end_session(state: &AppState, who: &Viewer) -> Result<(), ApiError> {
    let Via::Session { id_sha256, .. } = &who.via else {
        return Err(ApiError::BadRequest(
            "an API token has no session to end (revoke it instead)".to_string(),
        ));
    };
    state
        .store()
        .users()
        .end_session(id_sha256)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "ending a session failed");
            ApiError::Unavailable {
                reason: "the database did not answer".to_string(),
            }
        })?;
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        actions::LOGOUT,
        &who.name,
        serde_json::json!({}),
    )
    .await
}

/// The body of `POST /api/session`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    pub name: String,
    pub password: String,
}

/// Who is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub name: String,
    /// viewer, responder, commander or admin.
    #[schema(value_type = crate::auth::Role)]
    pub role: String,
    /// `session` or `token`.
    pub via: String,
    /// The value to send as `X-CSRF-Token` with state-changing requests made with the
    /// session cookie (absent for a token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    /// When the session ends at the latest (RFC 3339; sign-in answer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// Signs in: the session cookie, and the CSRF token for the API calls made with it.
#[utoipa::path(
    post,
    path = "/api/session",
    tag = "access",
    request_body(content = SignInBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = SessionView),
        (status = 400, description = "A bad body", body = crate::http::ErrorBody),
        (status = 401, description = "Wrong name or password", body = crate::http::ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this name or network", body = crate::http::ErrorBody),
    )
)]
pub async fn sign_in_json(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Json<SignInBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let session = sign_in(
        &state,
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        &body.name,
        &body.password,
    )
    .await?;
    Ok((
        [(header::SET_COOKIE, session.cookie)],
        Json(SessionView {
            name: session.name,
            role: session.role.to_string(),
            via: "session".to_string(),
            csrf_token: Some(session.csrf_token),
            expires_at: Some(pages::rfc3339(session.expires_ms)),
        }),
    )
        .into_response())
}

/// Who is signed in (or which API token is used).
#[utoipa::path(
    get,
    path = "/api/session",
    tag = "access",
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The principal", body = SessionView),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
    )
)]
pub async fn current(who: Viewer) -> Json<SessionView> {
    Json(SessionView {
        name: who.name.clone(),
        role: who.role.to_string(),
        via: match who.via {
            Via::Token => "token".to_string(),
            Via::Session { .. } => "session".to_string(),
        },
        csrf_token: who.csrf_token().map(str::to_string),
        expires_at: None,
    })
}

/// Signs out (the cookie is cleared).
#[utoipa::path(
    delete,
    path = "/api/session",
    tag = "access",
    security(("session" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "An API token has no session", body = crate::http::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::http::ErrorBody),
        (status = 403, description = "No CSRF token", body = crate::http::ErrorBody),
    )
)]
pub async fn sign_out_json(
    who: Viewer,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    end_session(&state, &who).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            sessions::set_cookie(
                sessions::COOKIE,
                "",
                0,
                state.config().auth.secure_cookies,
                &headers,
            ),
        )],
    )
        .into_response())
}

/// A page's answer to someone not signed in: 303 to the sign-in form, which comes back.
#[derive(Debug)]
pub struct SignInFirst {
    location: String,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, header_value(&self.location))],
        )
            .into_response()
    }
}

/// For pages: the principal, or a redirect to the sign-in form that comes back to `path`.
pub fn require_page(signed: SignedIn, path: &str) -> Result<crate::auth::Principal, SignInFirst> {
    signed.0.ok_or_else(|| SignInFirst {
        location: format!(
            "/login?{}",
            serde_urlencoded::to_string([("next", path)]).unwrap_or_default()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_local_path_only() {
        assert_eq!(safe_next(Some("/incidents/3")), "/incidents/3");
        assert_eq!(safe_next(Some("//evil.example")), DEFAULT_NEXT);
        assert_eq!(safe_next(Some("https://evil.example")), DEFAULT_NEXT);
        assert_eq!(safe_next(Some("/\\evil")), DEFAULT_NEXT);
        assert_eq!(safe_next(None), DEFAULT_NEXT);
    }
}
