//! Real-user monitoring over HTTP: `POST /api/rum` (beacons in), `GET /api/rum/config` (what
//! the app should collect), `GET /api/rum/summary` (the aggregates). See [`crate::rum`].
//!
//! `POST /api/rum` answers, in the order the checks run:
//!
//! | status | when |
//! |---|---|
//! | 404 `not_found` | `rum.enabled = false` (the app reads `GET /api/rum/config` and does not send) |
//! | 403 `forbidden` | an `Origin` header that `rum.allowed_origins` does not allow |
//! | 429 `rate_limited` + `Retry-After` | the client's network sent more than `rum.rate_limit_per_minute` |
//! | 413 `payload_too_large` | a body over 64 KiB (`MAX_BEACON_BYTES`) |
//! | 400 `bad_request` | not JSON, not a beacon, or refused by `Beacon::validate` (the reason is in `detail`) |
//! | 422 `unprocessable` | fields that are each well-formed but contradict each other (an `ms_per_10k_rows` that its timing's `duration_ms` and `rows` do not allow; `detail` names it): what the JSON Schema cannot say |
//! | 503 `overloaded` + `Retry-After` | the write queue has no room for the beacon's rows |
//! | 202 | accepted: queued for the batch writer, counted in `/metrics` |
//!
//! Any content type is read as JSON: `navigator.sendBeacon` with a string sends `text/plain`
//! (no CORS preflight), `fetch` may send `application/json`.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use shared::api::rum::{Beacon, BeaconError, MAX_BEACON_BYTES};
use shared::api::rum_summary::{RumClientConfig, RumSummary};

use crate::AppState;
use crate::http::ApiError;
use crate::rum::{client, rows, summary};
use crate::storage::rum::WINDOW_READ_LIMIT;

/// `Retry-After` when the write queue is full.
const QUEUE_FULL_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Receives one beacon.
#[utoipa::path(
    post,
    path = "/api/rum",
    tag = "rum",
    request_body(
        content = inline(crate::routes::openapi::BeaconSchema),
        content_type = "application/json",
        description = "One beacon (`shared::api::rum::Beacon`), at most 64 KiB and 100 events. \
                       `text/plain` bodies (what `navigator.sendBeacon` sends) are read the same way."
    ),
    responses(
        (status = 202, description = "Accepted: the beacon's events will be stored"),
        (status = 400, description = "Not JSON, not a beacon, or refused by validation; `detail` says why", body = crate::http::ErrorBody),
        (status = 422, description = "Fields that contradict each other (an `ms_per_10k_rows` that its timing's `duration_ms` and `rows` do not allow); `detail` names the field", body = crate::http::ErrorBody),
        (status = 403, description = "The page's Origin may not send beacons here", body = crate::http::ErrorBody),
        (status = 404, description = "Real-user monitoring is disabled on this server", body = crate::http::ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = crate::http::ErrorBody),
        (status = 429, description = "This client sent too many beacons", body = crate::http::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before sending again"))),
        (status = 503, description = "The write queue is full, or the server is overloaded; retry later", body = crate::http::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    )
)]
pub async fn ingest(
    State(state): State<AppState>,
    request: Request,
) -> Result<StatusCode, ApiError> {
    let rum = state.rum();
    let outcome = accept(&state, request).await;
    rum.metrics().rum().beacon(match &outcome {
        Ok(()) => "accepted",
        Err(ApiError::NotFound(_)) => "disabled",
        Err(ApiError::Forbidden(_)) => "forbidden",
        Err(ApiError::RateLimited { .. }) => "rate_limited",
        Err(ApiError::PayloadTooLarge { .. }) => "too_large",
        Err(ApiError::Overloaded { .. }) => "overloaded",
        Err(_) => "bad_request",
    });
    outcome.map(|()| StatusCode::ACCEPTED)
}

async fn accept(state: &AppState, request: Request) -> Result<(), ApiError> {
    let rum = state.rum();
    let config = rum.config();
    if !config.enabled {
        return Err(ApiError::NotFound(
            "real-user monitoring is disabled on this server".to_string(),
        ));
    }
    let (parts, body) = request.into_parts();
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !client::origin_allowed(
            origin,
            &config.allowed_origins,
            &parts.headers,
            config.trust_forwarded_for,
        ) {
            return Err(ApiError::Forbidden(
                "beacons from this page's origin are not accepted".to_string(),
            ));
        }
    }
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    let ip = client::client_ip(&parts.headers, peer, config.trust_forwarded_for);
    rum.check_rate(ip)
        .map_err(|wait| ApiError::RateLimited { retry_after: wait })?;
    let too_large = || ApiError::PayloadTooLarge {
        limit_bytes: MAX_BEACON_BYTES,
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BEACON_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = read_body(body).await.map_err(|error| match error {
        BodyError::TooLarge => too_large(),
        BodyError::Unreadable(why) => ApiError::BadRequest(format!("cannot read the body: {why}")),
    })?;
    let mut beacon: Beacon = serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::BadRequest(format!("not a beacon: {error}")))?;
    beacon.validate().map_err(|error| {
        let detail = format!("invalid beacon: {error}");
        match error {
            BeaconError::Inconsistent { .. } => ApiError::Unprocessable(detail),
            _ => ApiError::BadRequest(detail),
        }
    })?;
    let network = ip.map(client::network_text);
    let rows = rows::rows(&beacon, unix_now_ms(), network.as_deref());
    rum.queue().push(rows).map_err(|_| ApiError::Overloaded {
        retry_after: QUEUE_FULL_RETRY_AFTER,
    })?;
    observe(state, &beacon);
    Ok(())
}

enum BodyError {
    TooLarge,
    Unreadable(String),
}

/// The body, refused as soon as it passes [`MAX_BEACON_BYTES`] (whatever its `Content-Length`
/// said, or without one).
async fn read_body(body: Body) -> Result<axum::body::Bytes, BodyError> {
    axum::body::to_bytes(body, MAX_BEACON_BYTES)
        .await
        .map_err(|error| {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
            while let Some(cause) = source {
                if cause.is::<http_body_util::LengthLimitError>() {
                    return BodyError::TooLarge;
                }
                source = cause.source();
            }
            BodyError::Unreadable(error.to_string())
        })
}

/// Adds an accepted beacon to the `/metrics` series.
fn observe(state: &AppState, beacon: &Beacon) {
    use shared::api::rum::Event;
    let metrics = state.rum().metrics().rum();
    let route = &beacon.context.route;
    let device = rows::device(beacon.context.device);
    let mut counts = [0u64; 4];
    for event in &beacon.events {
        match event {
            Event::Vital(v) => {
                counts[0] += 1;
                metrics.vital(v.name.as_str(), route, device, v.value);
            }
            Event::Navigation(_) => counts[1] += 1,
            Event::Timing(t) => {
                counts[2] += 1;
                metrics.analysis(t.name.as_str(), route, device, t.duration_ms);
                if let Some(ms) = t.ms_per_10k_rows
                    && t.name.is_analysis()
                    && t.rows >= crate::rum::PER_10K_ROWS_MIN_ROWS
                {
                    metrics.analysis_per_10k_rows(t.name.as_str(), route, device, ms);
                }
            }
            Event::Error(e) => {
                counts[3] += 1;
                metrics.error(e.kind.as_str());
            }
        }
    }
    for (event_type, n) in ["vital", "navigation", "timing", "error"]
        .into_iter()
        .zip(counts)
    {
        if n > 0 {
            metrics.events_accepted(event_type, n);
        }
    }
}

/// What the app should collect.
#[utoipa::path(
    get,
    path = "/api/rum/config",
    tag = "rum",
    responses(
        (status = 200, description = "The RUM settings the app follows", body = inline(crate::routes::openapi::RumClientConfigSchema))
    )
)]
pub async fn client_config(State(state): State<AppState>) -> Json<RumClientConfig> {
    let config = state.rum().config();
    Json(RumClientConfig {
        enabled: config.enabled,
        sample_rate: config.sample_rate,
        flush_interval_ms: config.flush_interval_ms,
    })
}

/// Web vitals and analysis timings (p50/p75/p95) over 5 minutes, 1 hour and 24 hours, per
/// route, device class and app version, with the slowest routes, an hourly trend and the
/// error groups.
#[utoipa::path(
    get,
    path = "/api/rum/summary",
    tag = "rum",
    responses(
        (status = 200, description = "The RUM aggregates", body = inline(crate::routes::openapi::RumSummarySchema)),
    )
)]
pub async fn summary(State(state): State<AppState>) -> Result<Json<RumSummary>, ApiError> {
    let now = unix_now_ms();
    let store = state.store().rum();
    let day_ms = shared::api::rum_summary::Window::OneDay.seconds() * 1000;
    let events = store
        .window(now - day_ms, WINDOW_READ_LIMIT)
        .await
        .map_err(unavailable)?;
    let groups = store
        .error_groups(summary::MAX_ERROR_GROUPS)
        .await
        .map_err(unavailable)?;
    let truncated = events.len() as i64 >= WINDOW_READ_LIMIT;
    // Sorting and percentiles of up to a million values: off the async workers.
    let summary =
        tokio::task::spawn_blocking(move || summary::summarize(now, &events, truncated, groups))
            .await
            .map_err(ApiError::internal)?;
    Ok(Json(summary))
}

fn unavailable(error: crate::storage::StorageError) -> ApiError {
    tracing::warn!(error = %error, "reading RUM data failed");
    ApiError::Unavailable {
        reason: "the database did not answer".to_string(),
    }
}

fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}
