//! Alerts, rules and silences over HTTP.
//!
//! | Route | What |
//! |---|---|
//! | `GET /alerts` | the page: firing, pending, silenced, recent changes, rules (HTML) |
//! | `GET /alerts/alerts.css` | its stylesheet |
//! | `GET /api/alerts` | the firing alerts in the shape of Alertmanager's `GET /api/v2/alerts` (`?pending=true` adds the pending ones; `filter=name="value"` matchers) |
//! | `GET /api/alerts/rules` | every rule with its latest evaluation (ok, no data, error) |
//! | `GET /api/alerts/history` | the latest changes of phase, newest first |
//! | `POST /api/alerts/{fingerprint}/ack` | acknowledges an alert (API token) |
//! | `GET /api/silences` | silences not yet ended (`?expired=true`: all) |
//! | `POST /api/silences` | makes a silence, Alertmanager's `postableSilence` (API token) |
//! | `DELETE /api/silences/{id}` | ends a silence now (API token) |

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::alerting::engine::{Alert, RuleStatus, alert_of_row};
use crate::alerting::rules::Rule;
use crate::alerting::silence::{CompiledMatcher, Matcher, all_match};
use crate::alerting::state::Phase;
use crate::audit;
use crate::auth::{ReadAccess, Responder, Viewer};
use crate::http::ApiError;
use crate::storage::{SilenceRow, StorageError};

/// Longest silence comment and author.
const MAX_TEXT: usize = 1_000;

/// An alert in Alertmanager's `gettableAlert` shape, with the acknowledgement and phase added.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// When it fired (pending: when the condition started holding), RFC 3339.
    pub starts_at: String,
    /// Firing: four evaluation intervals after the latest (as Prometheus sends); resolved: when
    /// it was resolved.
    pub ends_at: String,
    /// The latest evaluation.
    pub updated_at: String,
    #[schema(example = "3f9c2a1d0b7e4c55")]
    pub fingerprint: String,
    pub status: AlertStatusView,
    pub receivers: Vec<Receiver>,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
    /// `pending`, `firing` or `resolved` (not in Alertmanager's shape).
    pub phase: Phase,
    /// The signal's latest value (not in Alertmanager's shape).
    pub value: Option<f64>,
    /// Who acknowledged it, and when (not in Alertmanager's shape).
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
}

/// Alertmanager's `alertStatus`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatusView {
    /// `active`, or `suppressed` when a silence or a maintenance window covers it.
    #[schema(example = "active")]
    pub state: &'static str,
    /// The silences' ids, and `maintenance:<probe or component>` for a maintenance window.
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Receiver {
    pub name: String,
}

/// The query of `GET /api/alerts`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Include active (not silenced) alerts (default true).
    pub active: Option<bool>,
    /// Include silenced alerts (default true).
    pub silenced: Option<bool>,
    /// Include pending alerts too (default false).
    pub pending: Option<bool>,
    /// Label matchers, `name="value"` (also `!=`, `=~`, `!~`), comma-separated and and-ed.
    /// Values are quoted and made of letters, digits, `_`, `.`, `|` and `-`.
    #[param(
        example = "severity=\"critical\"",
        pattern = r#"^[A-Za-z_][A-Za-z0-9_]*(=|!=|=~|!~)"[A-Za-z0-9_.|-]*"(,[A-Za-z_][A-Za-z0-9_]*(=|!=|=~|!~)"[A-Za-z0-9_.|-]*")*$"#
    )]
    pub filter: Option<String>,
}

/// The firing alerts (Alertmanager's `GET /api/v2/alerts` shape).
#[utoipa::path(
    get,
    path = "/api/alerts",
    tag = "alerting",
    params(AlertQuery),
    responses(
        (status = 200, description = "The alerts", body = Vec<AlertView>),
        (status = 400, description = "A filter is not a matcher", body = crate::http::ErrorBody),
    )
)]
pub async fn list(
    _read: ReadAccess,
    State(state): State<AppState>,
    query: Result<Query<AlertQuery>, QueryRejection>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    static FILTER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"^[A-Za-z_][A-Za-z0-9_]*(=|!=|=~|!~)"[A-Za-z0-9_.|-]*"(,[A-Za-z_][A-Za-z0-9_]*(=|!=|=~|!~)"[A-Za-z0-9_.|-]*")*$"#,
        )
        .expect("the filter pattern")
    });
    if let Some(text) = &query.filter
        && !FILTER.is_match(text)
    {
        return Err(ApiError::BadRequest(format!(
            "`{text}` is not a matcher list: name=\"value\" (also !=, =~, !~), values quoted, comma-separated"
        )));
    }
    let filter: Vec<CompiledMatcher> = match &query.filter {
        None => Vec::new(),
        Some(text) => text
            .split(',')
            .filter(|t| !t.trim().is_empty())
            .map(|t| Matcher::parse(t).and_then(|m| m.compile()))
            .collect::<Result<_, _>>()
            .map_err(ApiError::BadRequest)?,
    };
    let include_pending = query.pending.unwrap_or(false);
    let views = current(&state, unix_now_ms())
        .await?
        .into_iter()
        .filter(|v| v.phase == Phase::Firing || include_pending)
        .filter(|v| all_match(&filter, &v.labels))
        .filter(|v| {
            if v.status.silenced_by.is_empty() {
                query.active.unwrap_or(true)
            } else {
                query.silenced.unwrap_or(true)
            }
        })
        .collect();
    Ok(Json(views))
}

/// The firing and pending alerts at `now`, with what silences or holds them.
pub async fn current(state: &AppState, now: i64) -> Result<Vec<AlertView>, ApiError> {
    let silences = active_silences(state, now).await?;
    let stored = state.store().alerts().all().await.map_err(unavailable)?;
    let interval_ms = i64::try_from(state.alerts().interval().as_millis()).unwrap_or(15_000);
    let mut views = Vec::new();
    for row in &stored {
        let Some(alert) = alert_of_row(row) else {
            continue;
        };
        if !matches!(alert.state.phase, Phase::Firing | Phase::Pending) {
            continue;
        }
        let mut silenced_by: Vec<String> = silences
            .iter()
            .filter(|(_, matchers)| all_match(matchers, &alert.labels))
            .map(|(id, _)| id.clone())
            .collect();
        if let Some(window) = state
            .alerts()
            .maintenance_hold(&alert.labels, now)
            .await
            .map_err(unavailable)?
        {
            silenced_by.push(window);
        }
        views.push(view(
            &alert,
            silenced_by,
            interval_ms,
            row.acknowledged_by.clone(),
            row.acknowledged_ms,
        ));
    }
    Ok(views)
}

fn view(
    alert: &Alert,
    silenced_by: Vec<String>,
    interval_ms: i64,
    acknowledged_by: Option<String>,
    acknowledged_ms: Option<i64>,
) -> AlertView {
    let starts = alert
        .state
        .fired_at_ms
        .or(alert.state.active_since_ms)
        .unwrap_or(alert.evaluated_ms);
    let ends = alert
        .state
        .resolved_at_ms
        .unwrap_or(alert.evaluated_ms + 4 * interval_ms);
    AlertView {
        labels: alert.labels.clone(),
        annotations: alert.annotations.clone(),
        starts_at: rfc3339(starts),
        ends_at: rfc3339(ends),
        updated_at: rfc3339(alert.evaluated_ms),
        fingerprint: alert.fingerprint.clone(),
        status: AlertStatusView {
            state: if silenced_by.is_empty() {
                "active"
            } else {
                "suppressed"
            },
            silenced_by,
            inhibited_by: Vec::new(),
        },
        receivers: Vec::new(),
        generator_url: format!("/alerts#{}", alert.fingerprint),
        phase: alert.state.phase,
        value: alert.value,
        acknowledged_by,
        acknowledged_at: acknowledged_ms.map(rfc3339),
    }
}

/// A rule with its latest evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    #[serde(flatten)]
    pub rule: Rule,
    pub status: RuleStatus,
}

/// Every rule (built-in and configured) with its latest evaluation.
#[utoipa::path(
    get,
    path = "/api/alerts/rules",
    tag = "alerting",
    responses((status = 200, description = "The rules", body = Vec<RuleView>))
)]
pub async fn rules(_read: ReadAccess, State(state): State<AppState>) -> Json<Vec<RuleView>> {
    let engine = state.alerts();
    Json(
        engine
            .rules()
            .iter()
            .map(|rule| RuleView {
                rule: rule.clone(),
                status: engine.rule_status(&rule.name),
            })
            .collect(),
    )
}

/// One change of phase.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub fingerprint: String,
    pub rule: String,
    pub labels: BTreeMap<String, String>,
    pub phase: String,
    pub previous: String,
    pub value: Option<f64>,
    pub at: String,
}

/// The query of `GET /api/alerts/history`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// At most this many changes (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The latest changes of phase, newest first.
#[utoipa::path(
    get,
    path = "/api/alerts/history",
    tag = "alerting",
    params(HistoryQuery),
    responses(
        (status = 200, description = "The changes", body = Vec<HistoryView>),
        (status = 400, description = "A bad limit", body = crate::http::ErrorBody),
    )
)]
pub async fn history(
    _read: ReadAccess,
    State(state): State<AppState>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<Vec<HistoryView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = super::checked_limit(query.limit, 100, 1000)?;
    let rows = state
        .store()
        .alerts()
        .history(limit)
        .await
        .map_err(unavailable)?;
    Ok(Json(
        rows.into_iter()
            .map(|row| HistoryView {
                labels: serde_json::from_str(&row.labels).unwrap_or_default(),
                fingerprint: row.fingerprint,
                rule: row.rule,
                phase: row.phase,
                previous: row.previous,
                value: row.value,
                at: rfc3339(row.at_ms),
            })
            .collect(),
    ))
}

/// The body of `POST /api/alerts/{fingerprint}/ack` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    /// Who acknowledges; default: the API token's name.
    pub by: Option<String>,
}

/// Acknowledges an alert (token needed): someone is on it.
#[utoipa::path(
    post,
    path = "/api/alerts/{fingerprint}/ack",
    tag = "alerting",
    params(("fingerprint" = String, Path, description = "The alert's fingerprint")),
    request_body(content = AckBody, content_type = "application/json"),
    security(("api_token" = [])),
    responses(
        (status = 204, description = "Acknowledged"),
        (status = 400, description = "A bad body", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
        (status = 404, description = "No such alert", body = crate::http::ErrorBody),
    )
)]
pub async fn acknowledge(
    who: Responder,
    State(state): State<AppState>,
    fingerprint: Result<Path<String>, PathRejection>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let Path(fingerprint) = fingerprint.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    // The body is optional: none, or `{"by": …}` (a JSON error otherwise, never axum's text).
    let body: Option<AckBody> =
        if body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(serde_json::from_slice(&body).map_err(|e| {
                ApiError::BadRequest(format!("the body is not {{\"by\": \"…\"}}: {e}"))
            })?)
        };
    let by = body
        .and_then(|b| b.by)
        .map(|b| b.trim().to_string())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| who.name.clone());
    if by.chars().count() > MAX_TEXT {
        return Err(ApiError::BadRequest(format!(
            "`by` is longer than {MAX_TEXT} characters"
        )));
    }
    let found = state
        .store()
        .alerts()
        .acknowledge(&fingerprint, &by, unix_now_ms())
        .await
        .map_err(unavailable)?;
    if !found {
        return Err(ApiError::NotFound(format!(
            "no alert with fingerprint `{fingerprint}`"
        )));
    }
    tracing::info!(fingerprint = %fingerprint, by = %by, "alert acknowledged");
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::ALERT_ACK,
        &fingerprint,
        serde_json::json!({ "by": by }),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Alertmanager's `postableSilence`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SilenceBody {
    pub matchers: Vec<Matcher>,
    /// RFC 3339.
    #[schema(example = "2026-11-26T15:00:00Z")]
    pub starts_at: String,
    /// RFC 3339, after `startsAt`.
    #[schema(example = "2026-11-26T17:00:00Z")]
    pub ends_at: String,
    #[schema(example = "alice")]
    pub created_by: String,
    #[schema(example = "Planned database upgrade")]
    pub comment: String,
    /// Not accepted: a silence is changed by ending it and making another.
    #[serde(default)]
    pub id: Option<String>,
}

/// Alertmanager's `gettableSilence`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SilenceView {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
    pub updated_at: String,
    pub status: SilenceStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SilenceStatus {
    /// `pending` (not started), `active` or `expired`.
    #[schema(example = "active")]
    pub state: &'static str,
}

/// The answer of `POST /api/silences`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SilenceCreated {
    #[serde(rename = "silenceID")]
    pub silence_id: String,
}

/// The query of `GET /api/silences`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SilenceQuery {
    /// Include the silences that have ended (default false).
    pub expired: Option<bool>,
}

/// The silences (Alertmanager's shape).
#[utoipa::path(
    get,
    path = "/api/silences",
    tag = "alerting",
    params(SilenceQuery),
    responses(
        (status = 200, description = "The silences", body = Vec<SilenceView>),
        (status = 400, description = "A bad parameter", body = crate::http::ErrorBody),
    )
)]
pub async fn list_silences(
    _read: ReadAccess,
    State(state): State<AppState>,
    query: Result<Query<SilenceQuery>, QueryRejection>,
) -> Result<Json<Vec<SilenceView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let now = unix_now_ms();
    let since = if query.expired.unwrap_or(false) {
        i64::MIN
    } else {
        now
    };
    let rows = state
        .store()
        .alerts()
        .silences(since)
        .await
        .map_err(unavailable)?;
    Ok(Json(
        rows.into_iter().map(|row| silence_view(row, now)).collect(),
    ))
}

/// Makes a silence (token needed).
#[utoipa::path(
    post,
    path = "/api/silences",
    tag = "alerting",
    request_body(content = SilenceBody, content_type = "application/json"),
    security(("api_token" = [])),
    responses(
        (status = 201, description = "Made", body = SilenceCreated),
        (status = 400, description = "Not a valid silence; `detail` says why", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
    )
)]
pub async fn create_silence(
    who: Responder,
    State(state): State<AppState>,
    body: Result<Json<SilenceBody>, JsonRejection>,
) -> Result<(StatusCode, Json<SilenceCreated>), ApiError> {
    let Json(body) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if body.id.is_some() {
        return Err(ApiError::BadRequest(
            "`id` cannot be given: end the silence and make another".to_string(),
        ));
    }
    if body.matchers.is_empty() {
        return Err(ApiError::BadRequest(
            "a silence needs at least one matcher".to_string(),
        ));
    }
    for matcher in &body.matchers {
        matcher.compile().map_err(ApiError::BadRequest)?;
    }
    let parse = |field: &str, text: &str| {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .map_err(|_| ApiError::BadRequest(format!("`{field}` is not an RFC 3339 time")))
    };
    let starts_ms = parse("startsAt", &body.starts_at)?;
    let ends_ms = parse("endsAt", &body.ends_at)?;
    if ends_ms <= starts_ms {
        return Err(ApiError::BadRequest(
            "`endsAt` must be after `startsAt`".to_string(),
        ));
    }
    for (field, text) in [("createdBy", &body.created_by), ("comment", &body.comment)] {
        if text.trim().is_empty() {
            return Err(ApiError::BadRequest(format!("`{field}` must not be empty")));
        }
        if text.chars().count() > MAX_TEXT {
            return Err(ApiError::BadRequest(format!(
                "`{field}` is longer than {MAX_TEXT} characters"
            )));
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    let row = SilenceRow {
        id: id.clone(),
        matchers: serde_json::to_string(&body.matchers)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?,
        starts_ms,
        ends_ms,
        created_by: body.created_by.trim().to_string(),
        comment: body.comment.trim().to_string(),
        created_ms: unix_now_ms(),
    };
    state
        .store()
        .alerts()
        .insert_silence(&row)
        .await
        .map_err(unavailable)?;
    tracing::info!(silence = %id, created_by = %row.created_by, "silence made");
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::SILENCE_CREATE,
        &id,
        serde_json::json!({
            "matchers": body.matchers,
            "starts_ms": starts_ms,
            "ends_ms": ends_ms,
            "created_by": row.created_by,
            "comment": row.comment,
        }),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(SilenceCreated { silence_id: id })))
}

/// Ends a silence now (token needed).
#[utoipa::path(
    delete,
    path = "/api/silences/{id}",
    tag = "alerting",
    params(("id" = String, Path, description = "The silence's id")),
    security(("api_token" = [])),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
        (status = 404, description = "No such silence", body = crate::http::ErrorBody),
    )
)]
pub async fn delete_silence(
    who: Responder,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let found = state
        .store()
        .alerts()
        .expire_silence(&id, unix_now_ms())
        .await
        .map_err(unavailable)?;
    if !found {
        return Err(ApiError::NotFound(format!("no silence `{id}`")));
    }
    tracing::info!(silence = %id, "silence ended");
    audit::record_or_unavailable(
        state.store(),
        &who.name,
        audit::actions::SILENCE_EXPIRE,
        &id,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The silences active at `now_ms`, compiled, by id.
async fn active_silences(
    state: &AppState,
    now_ms: i64,
) -> Result<Vec<(String, Vec<CompiledMatcher>)>, ApiError> {
    let rows = state
        .store()
        .alerts()
        .silences(now_ms)
        .await
        .map_err(unavailable)?;
    Ok(rows
        .into_iter()
        .filter(|row| row.starts_ms <= now_ms)
        .filter_map(|row| {
            let matchers: Vec<Matcher> = serde_json::from_str(&row.matchers).ok()?;
            let compiled = matchers
                .iter()
                .map(Matcher::compile)
                .collect::<Result<Vec<_>, _>>()
                .ok()?;
            Some((row.id, compiled))
        })
        .collect())
}

fn silence_view(row: SilenceRow, now_ms: i64) -> SilenceView {
    let state = if row.ends_ms <= now_ms {
        "expired"
    } else if row.starts_ms > now_ms {
        "pending"
    } else {
        "active"
    };
    SilenceView {
        matchers: serde_json::from_str(&row.matchers).unwrap_or_default(),
        starts_at: rfc3339(row.starts_ms),
        ends_at: rfc3339(row.ends_ms),
        updated_at: rfc3339(row.created_ms),
        id: row.id,
        created_by: row.created_by,
        comment: row.comment,
        status: SilenceStatus { state },
    }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn unavailable(error: StorageError) -> ApiError {
    tracing::warn!(error = %error, "reading or writing alerts failed");
    ApiError::Unavailable {
        reason: "the database did not answer".to_string(),
    }
}

fn unix_now_ms() -> i64 {
    crate::probes::unix_now_ms()
}

/// The alerts page (HTML).
pub async fn page(
    _read: ReadAccess,
    State(state): State<AppState>,
) -> Result<axum::response::Response, ApiError> {
    use crate::alerting::page::{AlertLine, ChangeLine, RuleLine, render};
    use axum::response::IntoResponse;
    let now = unix_now_ms();
    let subject_of = |labels: &BTreeMap<String, String>| {
        labels
            .iter()
            .filter(|(k, _)| k.as_str() != "alertname" && k.as_str() != "severity")
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut views = current(&state, now).await?;
    // Critical first, then the oldest.
    views.sort_by(|a, b| {
        severity_rank(&b.labels)
            .cmp(&severity_rank(&a.labels))
            .then_with(|| a.starts_at.cmp(&b.starts_at))
    });
    let alerts: Vec<AlertLine> = views
        .iter()
        .map(|v| AlertLine {
            name: v.labels.get("alertname").cloned().unwrap_or_default(),
            severity: v.labels.get("severity").cloned().unwrap_or_default(),
            subject: subject_of(&v.labels),
            summary: v.annotations.get("summary").cloned().unwrap_or_default(),
            description: v
                .annotations
                .get("description")
                .cloned()
                .unwrap_or_default(),
            playbook: v.annotations.get("playbook").cloned(),
            since: v.starts_at.clone(),
            firing: v.phase == Phase::Firing,
            silenced_by: v.status.silenced_by.clone(),
            acknowledged_by: v.acknowledged_by.clone(),
        })
        .collect();
    let history = state
        .store()
        .alerts()
        .history(50)
        .await
        .map_err(unavailable)?;
    let changes: Vec<ChangeLine> = history
        .into_iter()
        .map(|h| {
            let labels: BTreeMap<String, String> =
                serde_json::from_str(&h.labels).unwrap_or_default();
            ChangeLine {
                at: rfc3339(h.at_ms),
                name: h.rule,
                subject: subject_of(&labels),
                previous: h.previous,
                phase: h.phase,
            }
        })
        .collect();
    let engine = state.alerts();
    let rules: Vec<RuleLine> = engine
        .rules()
        .iter()
        .map(|r| {
            let status = engine.rule_status(&r.name);
            RuleLine {
                name: r.name.clone(),
                condition: format!(
                    "{} ({}, {} s) {} {}{}",
                    r.signal.as_str(),
                    r.aggregation.as_str(),
                    r.window_seconds,
                    r.op.as_str(),
                    r.threshold,
                    if r.for_seconds > 0 {
                        format!(" for {} s", r.for_seconds)
                    } else {
                        String::new()
                    }
                ),
                severity: r.severity.as_str().to_string(),
                enabled: r.enabled,
                health: match status.health {
                    crate::alerting::engine::RuleHealth::Unknown => "not evaluated yet",
                    crate::alerting::engine::RuleHealth::Ok => "ok",
                    crate::alerting::engine::RuleHealth::NoData => "no data",
                    crate::alerting::engine::RuleHealth::Error => "error",
                }
                .to_string(),
                detail: status.detail,
            }
        })
        .collect();
    let mut response = axum::response::Html(render(&alerts, &changes, &rules)).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// The page's stylesheet.
pub async fn stylesheet() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        crate::alerting::page::STYLESHEET,
    )
        .into_response()
}

fn severity_rank(labels: &BTreeMap<String, String>) -> u8 {
    match labels.get("severity").map(String::as_str) {
        Some("critical") => 2,
        Some("warning") => 1,
        _ => 0,
    }
}

/// Where the alerts received from an Alertmanager are kept: their rule is
/// `alertmanager/<alertname>`, so the engine leaves them alone.
pub const EXTERNAL_RULE_PREFIX: &str = crate::alerting::engine::EXTERNAL_RULE_PREFIX;

/// What `POST /api/alertmanager/webhook` did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceipt {
    /// Alerts in the payload.
    pub received: usize,
    /// Alerts whose phase changed (a new firing, a resolution).
    pub changed: usize,
    /// Alerts with the labels of one of this server's own alerts (it forwarded them to that
    /// Alertmanager, which sent them back): not stored twice.
    pub own: usize,
}

/// Receives an Alertmanager webhook (version 4; token needed: Alertmanager's
/// `http_config.authorization.credentials`), so a deployment that runs the real stack feeds
/// the same alert list, page and history. An alert keeps Alertmanager's fingerprint (or one is
/// made from its labels) and is listed with its labels and annotations; `resolved` resolves it.
/// An alert with the very labels of one of this server's own alerts is that alert coming back
/// (forwarded by `[[alerting.alertmanagers]]`) and is not stored twice.
#[utoipa::path(
    post,
    path = "/api/alertmanager/webhook",
    tag = "alerting",
    request_body(content = crate::alerting::notify::WebhookMessage, content_type = "application/json"),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "Taken", body = WebhookReceipt),
        (status = 400, description = "Not Alertmanager's payload; `detail` says why", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
    )
)]
pub async fn alertmanager_webhook(
    _who: Responder,
    State(state): State<AppState>,
    body: Result<Json<crate::alerting::notify::WebhookMessage>, JsonRejection>,
) -> Result<Json<WebhookReceipt>, ApiError> {
    use crate::alerting::notify::AlertStatus;
    use crate::storage::{AlertHistoryRow, AlertRow};
    let Json(message) = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if message.version != crate::alerting::notify::payload::VERSION {
        return Err(ApiError::BadRequest(format!(
            "webhook payload version `{}` is not supported (version 4 is)",
            message.version
        )));
    }
    let now = unix_now_ms();
    let repo = state.store().alerts();
    let mut rows = Vec::with_capacity(message.alerts.len());
    let mut changes = Vec::new();
    let own_alerts: std::collections::BTreeSet<String> = state
        .alerts()
        .alerts()
        .into_iter()
        .filter(|a| !a.rule.starts_with(EXTERNAL_RULE_PREFIX))
        .map(|a| a.fingerprint)
        .collect();
    let mut own = 0;
    for alert in &message.alerts {
        let Some(name) = alert.labels.get("alertname").filter(|n| !n.is_empty()) else {
            return Err(ApiError::BadRequest(
                "every alert needs an `alertname` label".to_string(),
            ));
        };
        if own_alerts.contains(&crate::alerting::engine::fingerprint(&alert.labels)) {
            own += 1;
            continue;
        }
        let fingerprint = if alert.fingerprint.is_empty() {
            crate::alerting::engine::fingerprint(&alert.labels)
        } else {
            alert.fingerprint.clone()
        };
        let previous = repo.get(&fingerprint).await.map_err(unavailable)?;
        let previous_phase = previous.as_ref().map_or("inactive", |p| p.phase.as_str());
        let started = alert.starts_at.timestamp_millis();
        let (phase, resolved_at_ms) = match alert.status {
            AlertStatus::Firing => ("firing", None),
            AlertStatus::Resolved => (
                "resolved",
                Some(alert.ends_at.map_or(now, |t| t.timestamp_millis())),
            ),
        };
        let labels = serde_json::to_string(&alert.labels)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let row = AlertRow {
            fingerprint: fingerprint.clone(),
            rule: format!("{EXTERNAL_RULE_PREFIX}{name}"),
            labels: labels.clone(),
            annotations: serde_json::to_string(&alert.annotations)
                .map_err(|e| ApiError::BadRequest(e.to_string()))?,
            phase: phase.to_string(),
            value: None,
            note: Some(format!(
                "from Alertmanager (receiver `{}`)",
                message.receiver
            )),
            active_since_ms: Some(started),
            fired_at_ms: Some(started),
            resolved_at_ms,
            last_held_ms: Some(now),
            evaluated_ms: now,
            acknowledged_by: None,
            acknowledged_ms: None,
        };
        if previous_phase != phase {
            changes.push(AlertHistoryRow {
                id: 0,
                fingerprint,
                rule: row.rule.clone(),
                labels,
                phase: phase.to_string(),
                previous: previous_phase.to_string(),
                value: None,
                at_ms: now,
            });
        }
        rows.push(row);
    }
    repo.upsert(&rows).await.map_err(unavailable)?;
    repo.record_changes(&changes).await.map_err(unavailable)?;
    tracing::info!(
        received = rows.len(),
        own,
        changed = changes.len(),
        receiver = %message.receiver,
        "alerts received from Alertmanager"
    );
    Ok(Json(WebhookReceipt {
        received: message.alerts.len(),
        changed: changes.len(),
        own,
    }))
}

/// One notification of the outbox, as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    /// Also the delivery's idempotency key.
    pub id: String,
    pub channel: String,
    pub group_key: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    /// `firing` or `resolved`.
    pub status: String,
    pub alerts: usize,
    pub attempts: i64,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

/// The query of `GET /api/notifications`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// At most this many (1 to 1000, default 100), newest first.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The latest notifications of the outbox, newest first (token needed: they name channels
/// and carry alert details).
#[utoipa::path(
    get,
    path = "/api/notifications",
    tag = "alerting",
    params(NotificationQuery),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "The notifications", body = Vec<NotificationView>),
        (status = 400, description = "A bad limit", body = crate::http::ErrorBody),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
    )
)]
pub async fn notifications(
    _who: Viewer,
    State(state): State<AppState>,
    query: Result<Query<NotificationQuery>, QueryRejection>,
) -> Result<Json<Vec<NotificationView>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = super::checked_limit(query.limit, 100, 1000)?;
    let rows = state
        .store()
        .alerts()
        .outbox(limit)
        .await
        .map_err(unavailable)?;
    Ok(Json(
        rows.into_iter()
            .map(|row| {
                let message: Option<crate::alerting::notify::WebhookMessage> =
                    serde_json::from_str(&row.payload).ok();
                NotificationView {
                    status: message
                        .as_ref()
                        .map_or("", |m| m.status.as_str())
                        .to_string(),
                    alerts: message.as_ref().map_or(0, |m| m.alerts.len()),
                    next_attempt_at: (row.state == "pending").then(|| rfc3339(row.next_attempt_ms)),
                    sent_at: row.sent_ms.map(rfc3339),
                    created_at: rfc3339(row.created_ms),
                    id: row.id,
                    channel: row.channel,
                    group_key: row.group_key,
                    state: row.state,
                    attempts: row.attempts,
                    last_error: row.last_error,
                }
            })
            .collect(),
    ))
}

/// What a test notification did.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    pub channel: String,
    pub delivered: bool,
    /// Why it was not delivered.
    pub error: Option<String>,
}

/// Sends a test notification to a channel at once, outside the outbox, and says whether it
/// arrived (token needed).
#[utoipa::path(
    post,
    path = "/api/alerts/channels/{name}/test",
    tag = "alerting",
    params(("name" = String, Path, description = "The channel's name")),
    security(("api_token" = [])),
    responses(
        (status = 200, description = "Tried; `delivered` says how it went", body = TestResult),
        (status = 401, description = "No valid API token", body = crate::http::ErrorBody),
        (status = 404, description = "No such channel", body = crate::http::ErrorBody),
    )
)]
pub async fn test_channel(
    who: Responder,
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> Result<Json<TestResult>, ApiError> {
    let Path(name) = name.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let outcome = state
        .dispatcher()
        .send_test(&name, &who.name, unix_now_ms())
        .await
        .ok_or_else(|| ApiError::NotFound(format!("no channel named `{name}`")))?;
    tracing::info!(channel = %name, by = %who.name, delivered = outcome.is_ok(), "test notification");
    Ok(Json(TestResult {
        channel: name,
        delivered: outcome.is_ok(),
        error: outcome.err().map(|e| e.reason),
    }))
}
