//! Probes: `GET /healthz` (the process is up) and `GET /readyz` (the database answers and
//! migrations are applied).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// The body of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the process answers.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The server's version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
}

/// Liveness: answers as long as the process serves HTTP; checks no dependency.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "probes",
    responses((status = 200, description = "The process is up", body = Health))
)]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The body of `GET /readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, or `not_ready` with the reason in `detail`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The database engine: `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub database: &'static str,
    /// Why the server is not ready (null when it is).
    pub detail: Option<String>,
}

/// Readiness: the database answers and every migration is applied. A load balancer should send
/// traffic only to a ready replica.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "probes",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Not ready: database unreachable or migrations pending", body = Readiness)
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let store = state.store();
    let problem = match store.ping().await {
        Err(error) => Some(format!("database unreachable: {error}")),
        Ok(()) => match store.migrations_pending().await {
            Ok(false) => None,
            Ok(true) => Some("database migrations are not applied".to_string()),
            Err(error) => Some(format!("cannot read the migration state: {error}")),
        },
    };
    let status = if problem.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    if let Some(detail) = &problem {
        tracing::warn!(detail = %detail, "not ready");
    }
    (
        status,
        Json(Readiness {
            status: if problem.is_some() {
                "not_ready"
            } else {
                "ready"
            },
            database: store.engine(),
            detail: problem,
        }),
    )
}

/// `GET /metrics` is served by `telemetry::metrics::metrics_handler`; this stub only documents
/// it in the OpenAPI description.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "probes",
    responses(
        (status = 200, description = "Prometheus text exposition format (version 0.0.4)", content_type = "text/plain", body = String)
    )
)]
#[allow(dead_code)]
pub(crate) async fn metrics_doc() {}
