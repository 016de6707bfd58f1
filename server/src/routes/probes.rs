//! Synthetic probes over HTTP. Reads are public; changes need an API token
//! (`Authorization: Bearer …`, see [`crate::auth::tokens`]).
//!
//! | route | answers |
//! |---|---|
//! | `GET /api/probes` | every probe: definition (secrets `***`), source, state, latest results, uptime 24 h / 7 d / 30 d / 90 d |
//! | `GET /api/probes/{id}` | one probe, the same way; 404 |
//! | `GET /api/probes/{id}/results?since=RFC3339&limit=N` | its results since then (default: 24 h), oldest first; 400 on a bad `since`/`limit`, 404 |
//! | `POST /api/probes` | defines a probe: 201; 400 invalid, 401 no token, 409 name taken |
//! | `PUT /api/probes/{id}` | replaces an API probe (`***` keeps a secret): 200; 400, 401, 404, 409 for a configuration probe |
//! | `DELETE /api/probes/{id}` | deletes an API probe and its results: 204; 401, 404, 409 for a configuration probe |
//! | `GET /api/agent/probes?location=L` | the definitions a probe agent at `L` runs, unredacted (token): 200; 400, 401 |
//! | `POST /api/agent/results` | a batch of an agent's results, stored once per result id (token): 200; 400, 401 |
//!
//! A probe's id is its name.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::audit;
use crate::auth::{ReadAccess, Responder};
use crate::http::ApiError;
use crate::probes::agent::{
    AssignedProbes, BatchReceipt, MAX_BATCH, MAX_FAILURE_CHARS, ResultBatch,
};
use crate::probes::{ProbeError, ProbeSpec, Source, StepTiming};
use crate::storage::{ProbeResultRow, StorageError};

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Results answered when `limit` is not given.
pub const DEFAULT_RESULTS_LIMIT: i64 = 1_000;
/// The largest `limit`.
pub const MAX_RESULTS_LIMIT: i64 = 10_000;

/// Every probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeList {
    pub probes: Vec<ProbeView>,
}

/// A probe as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeView {
    /// The id of the probe in this API (its name).
    #[schema(example = "app-home")]
    pub id: String,
    /// The definition, with header values, the body and URL passwords as `***`.
    pub definition: ProbeSpec,
    pub source: Source,
    /// `up` (the latest run succeeded at every location), `down` (failed at every location),
    /// `degraded` (some of each), `unavailable` (no location could run it: a browser probe
    /// without Chromium) or `unknown` (no run yet). Locations that could not run it are left
    /// out of the others.
    #[schema(example = "up")]
    pub state: &'static str,
    /// The latest result at each location that has one.
    pub latest: Vec<ProbeResultView>,
    /// Share of successful runs (0 to 1) over each window; `null` without runs.
    pub uptime: Uptime,
}

/// Share of successful runs, all locations together.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uptime {
    #[serde(rename = "24h")]
    pub h24: Option<f64>,
    #[serde(rename = "7d")]
    pub d7: Option<f64>,
    #[serde(rename = "30d")]
    pub d30: Option<f64>,
    #[serde(rename = "90d")]
    pub d90: Option<f64>,
}

/// One run of a probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeResultView {
    #[schema(example = "local")]
    pub location: String,
    /// RFC 3339, UTC, milliseconds.
    #[schema(example = "2026-11-26T12:00:00.000Z")]
    pub started_at: String,
    pub success: bool,
    pub duration_ms: f64,
    pub timings: Vec<StepTiming>,
    /// Why it failed; `null` on success.
    pub failure: Option<String>,
    /// When the TLS certificate the run read expires (its `notAfter`), RFC 3339, UTC; `null`
    /// when it read none (plain `http://`, another kind, a failure before the handshake).
    #[schema(example = "2027-01-25T08:00:00.000Z")]
    pub certificate_expires_at: Option<String>,
}

/// A probe's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeResults {
    pub id: String,
    pub results: Vec<ProbeResultView>,
}

/// The query of `GET /api/probes/{id}/results`. Read as text and checked by the handler, so
/// a bad value is a 400 JSON answer that says why.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// RFC 3339 instant (e.g. `2026-11-26T00:00:00Z`); default: 24 hours ago.
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// At most this many results (1 to 10,000; default 1,000).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    pub limit: Option<String>,
}

/// Every probe with its state and uptime.
#[utoipa::path(
    get,
    path = "/api/probes",
    tag = "synthetic",
    responses((status = 200, description = "Every probe", body = ProbeList))
)]
pub async fn list(
    _read: ReadAccess,
    State(state): State<AppState>,
) -> Result<Json<ProbeList>, ApiError> {
    let now = crate::probes::unix_now_ms();
    let mut probes = Vec::new();
    for (spec, source) in state.probes().list() {
        probes.push(view(&state, spec, source, now).await?);
    }
    Ok(Json(ProbeList { probes }))
}

/// One probe with its state and uptime.
#[utoipa::path(
    get,
    path = "/api/probes/{id}",
    tag = "synthetic",
    params(("id" = String, Path, description = "The probe's name")),
    responses(
        (status = 200, description = "The probe", body = ProbeView),
        (status = 400, description = "The id is not valid UTF-8 once decoded", body = crate::http::ErrorBody),
        (status = 404, description = "No such probe", body = crate::http::ErrorBody),
    )
)]
pub async fn one(
    _read: ReadAccess,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ProbeView>, ApiError> {
    let id = path_id(id)?;
    let (spec, source) = state.probes().get(&id).ok_or_else(|| not_found(&id))?;
    Ok(Json(
        view(&state, spec, source, crate::probes::unix_now_ms()).await?,
    ))
}

/// A probe's results since an instant, oldest first.
#[utoipa::path(
    get,
    path = "/api/probes/{id}/results",
    tag = "synthetic",
    params(("id" = String, Path, description = "The probe's name"), ResultsQuery),
    responses(
        (status = 200, description = "The results", body = ProbeResults),
        (status = 400, description = "`since` is not RFC 3339, or `limit` is not 1 to 10,000", body = crate::http::ErrorBody),
        (status = 404, description = "No such probe", body = crate::http::ErrorBody),
    )
)]
pub async fn results(
    _read: ReadAccess,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<ResultsQuery>, QueryRejection>,
) -> Result<Json<ProbeResults>, ApiError> {
    let id = path_id(id)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let since_ms = match query.since.as_deref() {
        None => crate::probes::unix_now_ms() - DAY_MS,
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| {
                ApiError::BadRequest(format!(
                    "`since` must be an RFC 3339 instant such as 2026-11-26T00:00:00Z: {e}"
                ))
            })?
            .timestamp_millis(),
    };
    let limit = match query.limit.as_deref() {
        None => DEFAULT_RESULTS_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_RESULTS_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`limit` must be a whole number from 1 to {MAX_RESULTS_LIMIT}"
                ))
            })?,
    };
    if state.probes().get(&id).is_none() {
        return Err(not_found(&id));
    }
    let rows = state
        .store()
        .probe_results()
        .since(&id, since_ms, limit)
        .await
        .map_err(unavailable)?;
    Ok(Json(ProbeResults {
        id,
        results: rows.into_iter().map(result_view).collect(),
    }))
}

/// Defines a probe (token needed). It runs at once, then on its interval.
#[utoipa::path(
    post,
    path = "/api/probes",
    tag = "synthetic",
    request_body(content = ProbeSpec, content_type = "application/json"),
    security(("api_token" = [])),
    responses(
        (status = 201, description = "Defined", body = ProbeView),
        (status = 400, description = "Not a valid probe; `detail` says why", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
        (status = 409, description = "A probe of that name exists", body = crate::http::ErrorBody),
    )
)]
pub async fn create(
    who: Responder,
    State(state): State<AppState>,
    body: Result<Json<ProbeSpec>, JsonRejection>,
) -> Result<(StatusCode, Json<ProbeView>), ApiError> {
    let Json(spec) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    state
        .probes()
        .create(spec.clone())
        .await
        .map_err(probe_error)?;
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::PROBE_CREATE,
        &spec.name,
        serde_json::json!({ "spec": spec.redacted() }),
    )
    .await?;
    let view = view(&state, spec, Source::Api, crate::probes::unix_now_ms()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Replaces a probe defined through the API (token needed). Secrets sent back as `***` keep
/// their value.
#[utoipa::path(
    put,
    path = "/api/probes/{id}",
    tag = "synthetic",
    params(("id" = String, Path, description = "The probe's name")),
    request_body(content = ProbeSpec, content_type = "application/json"),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "Replaced", body = ProbeView),
        (status = 400, description = "Not a valid probe, or another name", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
        (status = 404, description = "No such probe", body = crate::http::ErrorBody),
        (status = 409, description = "The probe is defined in the configuration file", body = crate::http::ErrorBody),
    )
)]
pub async fn replace(
    who: Responder,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<ProbeSpec>, JsonRejection>,
) -> Result<Json<ProbeView>, ApiError> {
    let id = path_id(id)?;
    let Json(spec) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let spec = state
        .probes()
        .replace(&id, spec)
        .await
        .map_err(probe_error)?;
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::PROBE_REPLACE,
        &id,
        serde_json::json!({ "spec": spec.redacted() }),
    )
    .await?;
    Ok(Json(
        view(&state, spec, Source::Api, crate::probes::unix_now_ms()).await?,
    ))
}

/// Deletes a probe defined through the API, and its results (token needed).
#[utoipa::path(
    delete,
    path = "/api/probes/{id}",
    tag = "synthetic",
    params(("id" = String, Path, description = "The probe's name")),
    security(("api_token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not valid UTF-8 once decoded", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
        (status = 404, description = "No such probe", body = crate::http::ErrorBody),
        (status = 409, description = "The probe is defined in the configuration file", body = crate::http::ErrorBody),
    )
)]
pub async fn delete(
    who: Responder,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(id)?;
    state.probes().delete(&id).await.map_err(probe_error)?;
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::PROBE_DELETE,
        &id,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn view(
    state: &AppState,
    spec: ProbeSpec,
    source: Source,
    now_ms: i64,
) -> Result<ProbeView, ApiError> {
    let results = state.store().probe_results();
    let mut latest = Vec::new();
    for location in &spec.locations {
        if let Some(row) = results
            .latest(&spec.name, location)
            .await
            .map_err(unavailable)?
        {
            latest.push(result_view(row));
        }
    }
    let [h24, d7, d30, d90] = results
        .tallies(
            &spec.name,
            [
                now_ms - DAY_MS,
                now_ms - 7 * DAY_MS,
                now_ms - 30 * DAY_MS,
                now_ms - 90 * DAY_MS,
            ],
        )
        .await
        .map_err(unavailable)?;
    let measured: Vec<&ProbeResultView> = latest
        .iter()
        .filter(|r| !crate::probes::check::is_unavailable(r.failure.as_deref()))
        .collect();
    let up = measured.iter().filter(|r| r.success).count();
    let state_name = match (up, measured.len()) {
        (_, 0) if latest.is_empty() => "unknown",
        (_, 0) => "unavailable",
        (up, n) if up == n => "up",
        (0, _) => "down",
        _ => "degraded",
    };
    Ok(ProbeView {
        id: spec.name.clone(),
        definition: spec.redacted(),
        source,
        state: state_name,
        latest,
        uptime: Uptime {
            h24: h24.ratio(),
            d7: d7.ratio(),
            d30: d30.ratio(),
            d90: d90.ratio(),
        },
    })
}

fn result_view(row: ProbeResultRow) -> ProbeResultView {
    let rfc3339 = |ms: i64| {
        DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
    };
    let started_at = rfc3339(row.started_ms).unwrap_or_default();
    ProbeResultView {
        location: row.location,
        started_at,
        success: row.success != 0,
        duration_ms: row.duration_ms,
        timings: serde_json::from_str(&row.timings).unwrap_or_default(),
        failure: row.failure,
        certificate_expires_at: row.cert_expiry_ms.and_then(rfc3339),
    }
}

/// The `{id}` of the path, or 400 JSON (e.g. percent-encoded bytes that are not UTF-8).
fn path_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    id.map(|Path(id)| id)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("no probe named `{id}`"))
}

fn probe_error(error: ProbeError) -> ApiError {
    match error {
        ProbeError::Invalid(reason) => ApiError::BadRequest(reason),
        ProbeError::NotFound(name) => not_found(&name),
        ProbeError::Exists(_) | ProbeError::ReadOnly(_) => ApiError::Conflict(error.to_string()),
        ProbeError::Storage(error) => unavailable(error),
    }
}

fn unavailable(error: StorageError) -> ApiError {
    tracing::warn!(error = %error, "reading or writing probes failed");
    ApiError::Unavailable {
        reason: "the database did not answer".to_string(),
    }
}

/// The query of `GET /api/agent/probes`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentQuery {
    /// The agent's location (not `local`): 1 to 64 letters, digits, `.`, `_`, `-`.
    #[param(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub location: Option<String>,
}

/// A location's name, checked: 400 JSON when it is missing, malformed or `local`.
fn agent_location(location: Option<&str>) -> Result<String, ApiError> {
    let location = location.ok_or_else(|| {
        ApiError::BadRequest("`location` is needed: the agent's location".to_string())
    })?;
    crate::probes::spec::check_name("the location", location).map_err(ApiError::BadRequest)?;
    if location == crate::probes::LOCAL {
        return Err(ApiError::BadRequest(
            "`local` is the server's own location, not an agent's".to_string(),
        ));
    }
    Ok(location.to_string())
}

/// The probes assigned to an agent's location, unredacted (token needed): the agent must send
/// the real headers and bodies, so a token is a credential that reveals probe secrets.
#[utoipa::path(
    get,
    path = "/api/agent/probes",
    tag = "synthetic",
    params(AgentQuery),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The definitions whose locations include this one, secrets included", body = AssignedProbes),
        (status = 400, description = "No or a bad location", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
    )
)]
pub async fn agent_probes(
    _who: Responder,
    State(state): State<AppState>,
    query: Result<Query<AgentQuery>, QueryRejection>,
) -> Result<Json<AssignedProbes>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let location = agent_location(query.location.as_deref())?;
    let probes = state
        .probes()
        .list()
        .into_iter()
        .map(|(spec, _)| spec)
        .filter(|spec| spec.locations.contains(&location))
        .collect();
    Ok(Json(AssignedProbes { location, probes }))
}

/// Stores a batch of an agent's results (token needed). Idempotent: a result whose id is
/// stored already is not stored again; results of a probe that is gone or no longer runs at
/// the location are ignored.
#[utoipa::path(
    post,
    path = "/api/agent/results",
    tag = "synthetic",
    request_body(content = ResultBatch, content_type = "application/json"),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "Stored (or stored before)", body = BatchReceipt),
        (status = 400, description = "Not a valid batch; `detail` says why", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
    )
)]
pub async fn agent_results(
    _who: Responder,
    State(state): State<AppState>,
    body: Result<Json<ResultBatch>, JsonRejection>,
) -> Result<Json<BatchReceipt>, ApiError> {
    let Json(batch) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let location = agent_location(Some(&batch.location))?;
    if batch.results.len() > MAX_BATCH {
        return Err(ApiError::BadRequest(format!(
            "a batch holds at most {MAX_BATCH} results, not {}",
            batch.results.len()
        )));
    }
    for result in &batch.results {
        result.check().map_err(ApiError::BadRequest)?;
    }
    let received = batch.results.len();
    let mut rows = Vec::with_capacity(received);
    for result in batch.results {
        let assigned = state
            .probes()
            .get(&result.probe)
            .is_some_and(|(spec, _)| spec.locations.contains(&location));
        if !assigned {
            continue;
        }
        let timings = serde_json::to_string(&result.timings).unwrap_or_else(|_| "[]".into());
        rows.push((
            result.id,
            ProbeResultRow {
                probe: result.probe,
                location: location.clone(),
                started_ms: result.started_ms,
                success: i64::from(result.success),
                duration_ms: result.duration_ms,
                timings,
                failure: result
                    .failure
                    .map(|f| f.chars().take(MAX_FAILURE_CHARS).collect()),
                cert_expiry_ms: result.cert_expiry_ms,
            },
        ));
    }
    let ignored = received - rows.len();
    let stored = state
        .store()
        .probe_results()
        .insert_once(&rows)
        .await
        .map_err(unavailable)?;
    for (_, row) in &rows {
        let steps: Vec<(String, std::time::Duration)> =
            serde_json::from_str::<Vec<StepTiming>>(&row.timings)
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t.step, std::time::Duration::from_secs_f64(t.ms / 1000.0)))
                .collect();
        let steps: Vec<(&str, std::time::Duration)> =
            steps.iter().map(|(s, d)| (s.as_str(), *d)).collect();
        state.metrics().probes().observe(
            &row.probe,
            &location,
            row.success != 0,
            std::time::Duration::from_secs_f64(row.duration_ms / 1000.0),
            &steps,
        );
        state.metrics().probes().observe_certificate(
            &row.probe,
            &location,
            row.success != 0,
            row.cert_expiry_ms,
        );
    }
    if stored > 0 {
        tracing::debug!(location = %location, stored, "agent results stored");
    }
    Ok(Json(BatchReceipt {
        received,
        stored,
        ignored,
    }))
}
