//! From credentials to a [`Principal`], and the extractors that require a role.
//!
//! [`authenticate`] runs before every route inside the limits (not before `/healthz`,
//! `/readyz`, `/metrics`). It reads, in this order:
//!
//! 1. `Authorization: Bearer <token>`: an API token (its role is the token's);
//! 2. the session cookie: a signed-in user (their role is the user's). For a state-changing
//!    method (not GET, HEAD, OPTIONS) the session's CSRF token must come with the request, as
//!    the `X-CSRF-Token` header or — for form posts — the `csrf` field of the body (read here,
//!    within the body limit, and handed on unchanged); an `Origin` header naming another host
//!    fails the check too.
//!
//! and leaves an [`Authentication`] in the request's extensions. Nothing is refused here: a
//! public route ignores credentials it does not need. The extractors refuse: no credentials or
//! bad ones → 401 JSON; a cookie without its CSRF token on a state-changing request, or a role
//! too low → 403 JSON.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::roles::Role;
use super::sessions::{self, CSRF_FIELD, CSRF_HEADER};
use super::tokens;
use crate::AppState;
use crate::http::ApiError;

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's name, or the API token's name.
    pub name: String,
    pub role: Role,
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// An API token (no CSRF: a bearer token is never sent by a browser on its own).
    Token,
    /// A session cookie.
    Session {
        /// The SHA-256 of the cookie (to end the session).
        id_sha256: String,
        /// The session's CSRF token (the pages put it in their forms).
        csrf_token: String,
        /// Whether this request carried it (always true for safe methods).
        csrf_ok: bool,
    },
}

impl Principal {
    /// The session's CSRF token, for forms (`None` for an API token).
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::Token => None,
        }
    }
}

/// What [`authenticate`] found; in every request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// No credentials.
    Anonymous,
    Authenticated(Principal),
    /// Credentials that do not hold (unknown or revoked token, expired session): the reason.
    Refused(String),
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware: see the module's documentation.
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let (found, body) = match resolve(&state, &parts, body).await {
        Ok(resolved) => resolved,
        Err(error) => return error.into_response(),
    };
    parts.extensions.insert(found);
    next.run(Request::from_parts(parts, body)).await
}

async fn resolve(
    state: &AppState,
    parts: &Parts,
    body: Body,
) -> Result<(Authentication, Body), ApiError> {
    let now = crate::probes::unix_now_ms();
    let unavailable = |error: crate::storage::StorageError| {
        tracing::warn!(%error, "checking credentials failed");
        ApiError::Unavailable {
            reason: "the database did not answer".to_string(),
        }
    };
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let Some(token) = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
        else {
            return Ok((
                Authentication::Refused(
                    "the Authorization header is not `Bearer <token>`".to_string(),
                ),
                body,
            ));
        };
        let found = state
            .store()
            .api_tokens()
            .authenticate(&tokens::hash(token), now)
            .await
            .map_err(unavailable)?;
        let authentication = match found {
            Some((name, role)) => match role.parse::<Role>() {
                Ok(role) => Authentication::Authenticated(Principal {
                    name,
                    role,
                    via: Via::Token,
                }),
                Err(_) => Authentication::Refused("the API token has no valid role".to_string()),
            },
            None => Authentication::Refused("the API token is unknown or revoked".to_string()),
        };
        return Ok((authentication, body));
    }
    let Some(cookie) = sessions::cookie(&parts.headers, sessions::COOKIE) else {
        return Ok((Authentication::Anonymous, body));
    };
    let config = &state.config().auth;
    let id_sha256 = tokens::hash(cookie);
    let idle_ms =
        i64::try_from(config.session_idle_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX);
    let Some(session) = state
        .store()
        .users()
        .session(&id_sha256, now, idle_ms)
        .await
        .map_err(unavailable)?
    else {
        return Ok((
            Authentication::Refused("your session has expired: sign in again".to_string()),
            body,
        ));
    };
    let Ok(role) = session.role.parse::<Role>() else {
        return Ok((
            Authentication::Refused("your account has no valid role".to_string()),
            body,
        ));
    };
    let (csrf_ok, body) = if is_safe(&parts.method) {
        (true, body)
    } else {
        check_csrf(state, &parts.headers, body, &session.csrf_token).await?
    };
    Ok((
        Authentication::Authenticated(Principal {
            name: session.name,
            role,
            via: Via::Session {
                id_sha256,
                csrf_token: session.csrf_token,
                csrf_ok,
            },
        }),
        body,
    ))
}

/// Whether a state-changing request made with a session carries its CSRF token (header or form
/// field) and no foreign `Origin`; the body is read only for form posts, and handed back.
async fn check_csrf(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    expected: &str,
) -> Result<(bool, Body), ApiError> {
    if !same_origin(headers) {
        return Ok((false, body));
    }
    if let Some(sent) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return Ok((sessions::same_secret(sent.trim(), expected), body));
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Ok((false, body));
    }
    let limit = state.config().limits.body_limit_bytes;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit_bytes: limit })?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let ok = fields
        .iter()
        .find(|(name, _)| name == CSRF_FIELD)
        .is_some_and(|(_, value)| sessions::same_secret(value, expected));
    Ok((ok, Body::from(bytes)))
}

/// False when the browser says the request comes from another site: `Sec-Fetch-Site:
/// cross-site`, or an `Origin` naming a host other than the request's `Host`. `Origin: null`
/// (what Chromium sends for a form post from a page served with `Referrer-Policy:
/// no-referrer`, as ours are) says nothing, and is left to the CSRF token.
fn same_origin(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site.trim().eq_ignore_ascii_case("cross-site"))
    {
        return false;
    }
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|origin| *origin != "null")
    else {
        return true;
    };
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim);
    host.is_some_and(|host| host.eq_ignore_ascii_case(origin_host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn foreign_origins_and_cross_site_fetches_are_refused() {
        assert!(same_origin(&headers(&[("host", "a.example:8080")])));
        assert!(same_origin(&headers(&[
            ("host", "a.example:8080"),
            ("origin", "https://a.example:8080"),
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a.example:8080"),
            ("origin", "https://evil.example"),
        ])));
        assert!(same_origin(&headers(&[
            ("host", "a.example"),
            ("origin", "null")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a.example"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
        ])));
        assert!(same_origin(&headers(&[
            ("host", "a.example"),
            ("sec-fetch-site", "same-origin"),
        ])));
    }
}

/// The request's [`Authentication`] (anonymous when the middleware did not run).
pub fn authentication(parts: &Parts) -> Authentication {
    parts
        .extensions
        .get::<Authentication>()
        .cloned()
        .unwrap_or(Authentication::Anonymous)
}

/// The principal of `parts` if it may do what `needed` may; the refusal otherwise.
pub fn require(parts: &Parts, needed: Role) -> Result<Principal, ApiError> {
    let principal = match authentication(parts) {
        Authentication::Anonymous => {
            return Err(ApiError::Unauthorized(
                "sign in, or send an API token as `Authorization: Bearer <token>`".to_string(),
            ));
        }
        Authentication::Refused(reason) => return Err(ApiError::Unauthorized(reason)),
        Authentication::Authenticated(principal) => principal,
    };
    if let Via::Session { csrf_ok: false, .. } = principal.via {
        return Err(ApiError::Forbidden(format!(
            "this request needs the session's CSRF token: send it as the {CSRF_HEADER} header \
             (or the `{CSRF_FIELD}` form field), from this site"
        )));
    }
    if !principal.role.allows(needed) {
        return Err(ApiError::Forbidden(format!(
            "this needs the {needed} role; {} is a {}",
            principal.name, principal.role
        )));
    }
    Ok(principal)
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Principal);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                _state: &AppState,
            ) -> Result<Self, ApiError> {
                require(parts, $role).map($name)
            }
        }

        impl std::ops::Deref for $name {
            type Target = Principal;

            fn deref(&self) -> &Principal {
                &self.0
            }
        }
    };
}

role_extractor!(
    /// Requires a viewer (or higher).
    Viewer,
    Role::Viewer
);
role_extractor!(
    /// Requires a responder (or higher).
    Responder,
    Role::Responder
);
role_extractor!(
    /// Requires a commander (or higher).
    Commander,
    Role::Commander
);
role_extractor!(
    /// Requires an admin.
    Admin,
    Role::Admin
);

/// Read access to what `public_read` opens: anyone when it is on (the default), a viewer
/// otherwise. Holds the principal when there is one.
#[derive(Debug, Clone)]
pub struct ReadAccess(pub Option<Principal>);

impl FromRequestParts<AppState> for ReadAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.config().auth.public_read {
            return Ok(ReadAccess(match authentication(parts) {
                Authentication::Authenticated(principal) => Some(principal),
                _ => None,
            }));
        }
        require(parts, Role::Viewer).map(|principal| ReadAccess(Some(principal)))
    }
}

/// The signed-in principal, if any, never refused: for pages, which redirect to `/login`
/// themselves.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Option<Principal>);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(SignedIn(match authentication(parts) {
            Authentication::Authenticated(principal) => Some(principal),
            _ => None,
        }))
    }
}

/// `/metrics` behind `metrics_public = false`: a valid bearer token (any role) is needed.
pub async fn metrics_guard(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if state.config().auth.metrics_public {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match resolve(&state, &parts, Body::empty()).await {
        Ok((Authentication::Authenticated(_), _)) => {
            next.run(Request::from_parts(parts, body)).await
        }
        Ok((Authentication::Refused(reason), _)) => ApiError::Unauthorized(reason).into_response(),
        Ok((Authentication::Anonymous, _)) => ApiError::Unauthorized(
            "/metrics needs an API token here: send `Authorization: Bearer <token>`".to_string(),
        )
        .into_response(),
        Err(error) => error.into_response(),
    }
}
