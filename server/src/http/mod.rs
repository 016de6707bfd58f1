//! HTTP middleware and the error format shared by every route.
//!
//! - [`security`]: security headers (CSP for the Trunk-built app, nosniff, HSTS over TLS, …).
//! - [`limits`]: concurrency limit, per-request timeout, body size limit (503 / 413 JSON).
//! - [`error`]: [`ApiError`] → status + `{"error": …, "detail": …}`; the `/api` 404 fallback.
//!
//! Wiring (each `Router::layer` wraps everything above it, so the last one is the outermost):
//!
//! ```text
//! let security = SecurityHeaders::from_dist_dir(&dist_dir, Hsts::IfForwardedHttps)?;
//! let limits = Limits::new(max_in_flight, request_timeout, max_body_bytes);
//! Router::new()
//!     .route("/healthz", get(health::healthz))
//!     .merge(openapi::router())
//!     .merge(http::api_fallback())          // unknown /api/* → 404 JSON, not index.html
//!     .fallback_service(static_files::service(&dist_dir))
//!     .layer(CompressionLayer::new())
//!     .layer(limits.clone())                // keep `limits` for the saturation gauge
//!     .layer(CatchPanicLayer::custom(http::error::panic_response))
//!     .layer(security)                      // outermost: headers on every answer, 503s included
//! ```
//!
//! `Router::layer` only wraps the routes added before it: routes that must answer under overload
//! (probes, `/metrics`) can be added after `.layer(limits)` so the limit does not apply to them
//! (but before `.layer(security)`). The CSP is computed from `dist/index.html` when
//! `SecurityHeaders` is built: restart after replacing `dist/`.

pub mod error;
pub mod limits;
pub mod security;

pub use error::{ApiError, ErrorBody, ErrorCode, api_fallback, api_not_found};
pub use limits::Limits;
pub use security::{Hsts, SecurityHeaders};
