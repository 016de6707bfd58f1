//! Every HTTP error the server answers, mapped to a status and one JSON shape in one place:
//! `{"error": "<short code>", "detail": "<human-readable text>" | null}`.
//!
//! Handlers return `Result<_, ApiError>`; middleware (limits, the `/api` fallback, panics) builds
//! the same [`ApiError`]s, so a client sees one error format whatever went wrong. Internal causes
//! are logged with `tracing` and never sent: an [`ApiError::Internal`] answers `"detail": null`.

use std::any::Any;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A boxed error cause, for [`ApiError::Internal`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; the message is shown to the client.
    #[error("{0}")]
    BadRequest(String),
    /// The body's `Content-Type` is not one the route reads (e.g. not `application/json`); the
    /// message is shown to the client.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is well-formed but its content is refused (a field of the wrong type, out of
    /// range); the message, which names the field, is shown to the client.
    #[error("{0}")]
    Unprocessable(String),
    /// No valid API token (missing, malformed, unknown or revoked); answered with
    /// `WWW-Authenticate: Bearer`. The message is shown to the client.
    #[error("{0}")]
    Unauthorized(String),
    /// No such resource or route; the message is shown to the client.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the resource's state (e.g. a name taken, a read-only
    /// resource); the message is shown to the client.
    #[error("{0}")]
    Conflict(String),
    /// The request is understood but refused (e.g. a beacon from a foreign origin); the
    /// message is shown to the client.
    #[error("{0}")]
    Forbidden(String),
    /// This client sent too many requests: try again after `retry_after`.
    #[error("too many requests from this client, retry later")]
    RateLimited { retry_after: Duration },
    /// The request body is larger than the configured limit.
    #[error("the request body is larger than {limit_bytes} bytes")]
    PayloadTooLarge { limit_bytes: usize },
    /// Every concurrency slot is taken: try again after `retry_after`.
    #[error("the server is at capacity, retry later")]
    Overloaded { retry_after: Duration },
    /// The request did not complete within the per-request timeout.
    #[error("the request took longer than {} ms", timeout.as_millis())]
    Timeout {
        timeout: Duration,
        retry_after: Duration,
    },
    /// A dependency (e.g. the database) is not available; the reason is shown to the client, so
    /// keep it free of internal details.
    #[error("{reason}")]
    Unavailable { reason: String },
    /// A bug or an unexpected failure: logged with its cause, answered without it.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

impl ApiError {
    /// An internal error with its cause (logged, not sent).
    pub fn internal(cause: impl Into<BoxError>) -> Self {
        Self::Internal(cause.into())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Overloaded { .. } | Self::Timeout { .. } | Self::Unavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The short, stable code in the body's `error` field.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::Unprocessable(_) => ErrorCode::Unprocessable,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::Overloaded { .. } => ErrorCode::Overloaded,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Unavailable { .. } => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The JSON body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let detail = match self {
            Self::Internal(_) => None,
            other => Some(other.to_string()),
        };
        ErrorBody {
            error: self.code(),
            detail,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Overloaded { retry_after }
            | Self::Timeout { retry_after, .. }
            | Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    fn log(&self) {
        match self {
            Self::Internal(cause) => {
                tracing::error!(error.code = self.code().as_str(), error.cause = %ErrorChain(cause.as_ref()), "internal error");
            }
            Self::Overloaded { .. } | Self::Timeout { .. } | Self::Unavailable { .. } => {
                tracing::warn!(error.code = self.code().as_str(), error.detail = %self, "request refused");
            }
            _ => {
                tracing::debug!(error.code = self.code().as_str(), error.detail = %self, "client error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if matches!(self, Self::Unauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"csv-analyzer\""),
            );
        }
        if let Some(after) = self.retry_after() {
            // Whole seconds, at least 1 (RFC 9110 §10.2.3: delay-seconds).
            let seconds = after.as_secs_f64().ceil().max(1.0) as u64;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What kind of error: a short, stable code.
    pub error: ErrorCode,
    /// What went wrong, for a person; `null` for internal errors.
    #[schema(required = true, example = "no API route for GET /api/x")]
    pub detail: Option<String>,
}

/// The `error` field of an [`ErrorBody`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    UnsupportedMediaType,
    Unprocessable,
    Unauthorized,
    NotFound,
    Conflict,
    Forbidden,
    RateLimited,
    PayloadTooLarge,
    Overloaded,
    Timeout,
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The code as sent, e.g. `not_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unprocessable => "unprocessable",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Forbidden => "forbidden",
            Self::RateLimited => "rate_limited",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Overloaded => "overloaded",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

/// Answers 404 JSON for any method and path it is routed to; see [`api_fallback`].
pub async fn api_not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("no API route for {method} {}", uri.path()))
}

/// Routes `/api` and every `/api/…` path that no other route claims to [`api_not_found`], so an
/// unknown API path gets a 404 JSON answer instead of the SPA's `index.html`. Merge it into the
/// app's router: more specific routes (`/api/openapi.json`, nested `/api/…` routers) still win.
pub fn api_fallback<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*path}", any(api_not_found))
}

/// The response for a panicking handler, for
/// `tower_http::catch_panic::CatchPanicLayer::custom(http::error::panic_response)`: 500 with
/// the usual JSON body; the panic message is logged, not sent.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "a panic with a non-string payload".to_string()
    };
    ApiError::internal(format!("handler panicked: {message}")).into_response()
}

/// Displays an error and its sources as `outer: inner: …`.
struct ErrorChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let error = ApiError::internal("database password is hunter2");
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            error.body(),
            ErrorBody {
                error: ErrorCode::Internal,
                detail: None
            }
        );
    }

    #[test]
    fn overload_answers_503_with_retry_after_in_whole_seconds() {
        let response = ApiError::Overloaded {
            retry_after: Duration::from_millis(1500),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn codes_serialise_as_sent() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::Unprocessable,
            ErrorCode::Unauthorized,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::Forbidden,
            ErrorCode::RateLimited,
            ErrorCode::PayloadTooLarge,
            ErrorCode::Overloaded,
            ErrorCode::Timeout,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
