//! HTTP routes, one file per resource, and the order of the layers around them.

mod admin;
mod alerts;
mod health;
mod incident_pages;
pub mod incidents;
mod model_reports;
pub mod oncall;
pub mod openapi;
pub mod postmortems;
mod probes;
mod rum;
pub mod session;
mod static_files;
mod status;

use axum::Router;
use axum::routing::{delete, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

use crate::AppState;
use crate::telemetry::metrics::{mark_static, metrics_handler};
use crate::telemetry::request::request_context;

/// Layers, from the outside in: security headers (on every answer) → request context (request
/// id, trace, one log line, and the golden-signal metrics: everything counted, 503s included)
/// → panic → 500 JSON → limits (503 / 413) → compression → authentication (token or session,
/// CSRF; see [`crate::auth::principal`]) → the routes. The probes and
/// `/metrics` are outside the limits, so they answer under overload.
pub fn router(state: AppState) -> Router {
    let inner = &state.inner;
    let app_routes = Router::new()
        .merge(openapi::router())
        .route("/alerts", get(alerts::page))
        .route("/alerts/alerts.css", get(alerts::stylesheet))
        .route("/api/alerts", get(alerts::list))
        .route("/api/alerts/rules", get(alerts::rules))
        .route("/api/alerts/history", get(alerts::history))
        .route("/api/alerts/{fingerprint}/ack", post(alerts::acknowledge))
        .route(
            "/api/silences",
            get(alerts::list_silences).post(alerts::create_silence),
        )
        .route("/api/silences/{id}", delete(alerts::delete_silence))
        .route(
            "/api/alertmanager/webhook",
            post(alerts::alertmanager_webhook),
        )
        .route("/api/notifications", get(alerts::notifications))
        .route(
            "/api/alerts/channels/{name}/test",
            post(alerts::test_channel),
        )
        .route("/api/rum", post(rum::ingest))
        .route("/api/rum/config", get(rum::client_config))
        .route("/api/rum/summary", get(rum::summary))
        .route("/api/model-reports", model_reports::routes())
        .route("/api/probes", get(probes::list).post(probes::create))
        .route(
            "/api/probes/{id}",
            get(probes::one).put(probes::replace).delete(probes::delete),
        )
        .route("/api/probes/{id}/results", get(probes::results))
        .route("/api/agent/probes", get(probes::agent_probes))
        .route("/api/agent/results", post(probes::agent_results))
        .route("/status", get(status::page))
        .route("/status/status.css", get(status::stylesheet))
        .route("/status/feed.atom", get(status::atom))
        .route("/api/status", get(status::summary))
        .route(
            "/api/maintenance",
            get(status::list_maintenance).post(status::create_maintenance),
        )
        .route("/api/maintenance/{id}", delete(status::delete_maintenance))
        .route("/login", get(session::login_page).post(session::login_form))
        .route("/logout", post(session::logout_form))
        .route(
            "/api/session",
            get(session::current)
                .post(session::sign_in_json)
                .delete(session::sign_out_json),
        )
        .route(
            "/api/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route("/api/users/{name}", delete(admin::disable_user))
        .route("/api/users/{name}/role", put(admin::set_role))
        .route(
            "/api/tokens",
            get(admin::list_tokens).post(admin::create_token),
        )
        .route("/api/tokens/{name}", delete(admin::revoke_token))
        .route("/api/audit", get(admin::audit_list))
        .route("/admin/audit", get(admin::audit_page))
        .route("/pages/pages.css", get(admin::stylesheet))
        .route(
            "/api/incidents",
            get(incidents::list).post(incidents::create),
        )
        .route("/api/incidents/figures", get(incidents::figures))
        .route("/api/incidents/{id}", get(incidents::one))
        .route("/api/incidents/{id}/ack", post(incidents::acknowledge))
        .route("/api/incidents/{id}/state", post(incidents::transition))
        .route("/api/incidents/{id}/severity", post(incidents::severity))
        .route("/api/incidents/{id}/roles", post(incidents::assign))
        .route(
            "/api/incidents/{id}/roles/{role}/{person}",
            delete(incidents::unassign),
        )
        .route("/api/incidents/{id}/notes", post(incidents::note))
        .route("/api/incidents/{id}/updates", post(incidents::update))
        .route("/api/incidents/{id}/steps/{step}", post(incidents::tick))
        .route(
            "/api/incidents/{id}/postmortem",
            get(postmortems::one)
                .post(postmortems::start)
                .put(postmortems::edit),
        )
        .route(
            "/api/incidents/{id}/postmortem/publish",
            post(postmortems::publish),
        )
        .route(
            "/api/incidents/{id}/postmortem.md",
            get(postmortems::markdown),
        )
        .route("/api/incidents/{id}/actions", post(postmortems::add_action))
        .route("/api/actions", get(postmortems::list_actions))
        .route("/api/oncall", get(oncall::now))
        .route("/api/oncall/overrides", post(oncall::add_override))
        .route(
            "/api/oncall/overrides/{id}",
            delete(oncall::delete_override),
        )
        .route("/api/actions/{id}", put(postmortems::update_action))
        .route("/actions", get(incident_pages::actions_page))
        .route("/actions/{id}", post(incident_pages::update_action))
        .route(
            "/incidents/{id}/postmortem",
            post(incident_pages::start_postmortem),
        )
        .route(
            "/incidents/{id}/postmortem/edit",
            post(incident_pages::edit_postmortem),
        )
        .route(
            "/incidents/{id}/postmortem/publish",
            post(incident_pages::publish_postmortem),
        )
        .route("/incidents/{id}/actions", post(incident_pages::add_action))
        .route(
            "/incidents",
            get(incident_pages::list_page).post(incident_pages::open),
        )
        .route("/incidents/{id}", get(incident_pages::detail_page))
        .route("/incidents/{id}/ack", post(incident_pages::acknowledge))
        .route("/incidents/{id}/state", post(incident_pages::transition))
        .route("/incidents/{id}/severity", post(incident_pages::severity))
        .route("/incidents/{id}/roles", post(incident_pages::assign))
        .route(
            "/incidents/{id}/roles/remove",
            post(incident_pages::unassign),
        )
        .route("/incidents/{id}/notes", post(incident_pages::note))
        .route("/incidents/{id}/updates", post(incident_pages::update))
        .route("/incidents/{id}/steps", post(incident_pages::tick))
        .merge(crate::http::api_fallback())
        .fallback_service(
            static_files::service(state.dist_dir())
                .layer(axum::middleware::map_response(mark_static)),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::principal::authenticate,
        ))
        .layer(CompressionLayer::new())
        .layer(inner.limits.clone())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/metrics",
            get(metrics_handler).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::auth::principal::metrics_guard,
            )),
        )
        .layer(CatchPanicLayer::custom(crate::http::error::panic_response));
    let metrics = inner.config.metrics.enabled.then(|| inner.metrics.clone());
    app_routes
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            request_context,
        ))
        .layer(inner.security.clone())
        .with_state(state)
}

/// A list's `limit` parameter: `default` when absent, else 1 to `max` (a 400 naming the range).
pub(crate) fn checked_limit(
    limit: Option<i64>,
    default: i64,
    max: i64,
) -> Result<i64, crate::http::ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(crate::http::ApiError::BadRequest(format!(
            "`limit` is 1 to {max}, got {limit}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::checked_limit;

    #[test]
    fn a_limit_is_its_default_or_within_its_range() {
        assert_eq!(checked_limit(None, 100, 500).ok(), Some(100));
        assert_eq!(checked_limit(Some(1), 100, 500).ok(), Some(1));
        assert_eq!(checked_limit(Some(500), 100, 500).ok(), Some(500));
        for bad in [0, -1, 501] {
            let error = checked_limit(Some(bad), 100, 500).expect_err("out of range");
            assert!(
                matches!(&error, crate::http::ApiError::BadRequest(m) if m == &format!("`limit` is 1 to 500, got {bad}")),
                "{error:?}"
            );
        }
    }
}
