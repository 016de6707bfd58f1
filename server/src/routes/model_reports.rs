//! Model reports over HTTP (issue 8): the summary figures of a quality or drift analysis that a
//! user publishes from the app, for the alert rules (`ModelQualityDrop`, `DataDrift`). The type
//! and its validation are `shared::api::model_report`; storage is
//! [`crate::storage::model_reports`].
//!
//! | route | answers |
//! |---|---|
//! | `POST /api/model-reports` | 201 the stored report with its `id` and `received_at`; 400 not JSON; 413 over 256 KiB; 415 not `application/json`; 422 a field missing, unknown, of the wrong type or out of range (`detail` names it) |
//! | `GET /api/model-reports?name=&kind=&since=&limit=` | the matching reports, newest first; 400 on a bad parameter (`detail` names it) |
//!
//! Both are public for now, like `/api/rum` (logins come with issue 9). A report holds figures
//! and column names only: the type refuses any other field.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get};
use chrono::{DateTime, SecondsFormat};
use serde::Deserialize;
use shared::api::model_report::{
    MAX_REPORT_BYTES, ModelReport, ModelReportList, ReportKind, StoredModelReport, check_name,
};
use utoipa::IntoParams;

use crate::AppState;
use crate::http::ApiError;
use crate::storage::StorageError;
use crate::storage::model_reports::{ModelReportRecord, ReportFilter};

/// Reports answered when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 100;
/// The largest `limit`.
pub const MAX_LIMIT: i64 = 1_000;

/// `GET` and `POST /api/model-reports`, with the body limit of a report ([`MAX_REPORT_BYTES`]).
pub fn routes() -> MethodRouter<AppState> {
    get(list)
        .post(create)
        .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
}

/// The query of `GET /api/model-reports`. Read as text and checked by the handler, so a bad
/// value is a 400 JSON answer that names it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this model or dataset name.
    #[param(value_type = Option<String>, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub name: Option<String>,
    /// Only `quality` or only `drift` reports.
    #[param(value_type = Option<String>, pattern = "^(quality|drift)$")]
    pub kind: Option<String>,
    /// Only reports received at or after this RFC 3339 instant (e.g. `2026-11-26T00:00:00Z`).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// At most this many, the newest (1 to 1,000; default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

/// Stores a model report.
#[utoipa::path(
    post,
    path = "/api/model-reports",
    tag = "model-reports",
    request_body(
        content = crate::routes::model_reports::ModelReportSchema,
        content_type = "application/json",
        description = "The summary figures of one quality or drift analysis \
                       (`shared::api::model_report::ModelReport`), at most 256 KiB."
    ),
    responses(
        (status = 201, description = "Stored", body = crate::routes::model_reports::StoredModelReportSchema),
        (status = 400, description = "The body is not JSON", body = crate::http::ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB", body = crate::http::ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = crate::http::ErrorBody),
        (status = 422, description = "A field is missing, unknown, of the wrong type or out of range; `detail` names it", body = crate::http::ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<ModelReport>, JsonRejection>,
) -> Result<(StatusCode, Json<StoredModelReport>), ApiError> {
    let Json(report) = body.map_err(rejection)?;
    report
        .validate()
        .map_err(|error| ApiError::Unprocessable(format!("invalid model report: {error}")))?;
    let record = state
        .store()
        .model_reports()
        .insert(&report, crate::probes::unix_now_ms())
        .await
        .map_err(unavailable)?;
    tracing::info!(
        report.id = record.id,
        report.kind = report.kind().as_str(),
        "model report stored"
    );
    Ok((StatusCode::CREATED, Json(stored(record))))
}

/// The stored model reports, newest first.
#[utoipa::path(
    get,
    path = "/api/model-reports",
    tag = "model-reports",
    params(ListQuery),
    responses(
        (status = 200, description = "The reports, newest first", body = crate::routes::model_reports::ModelReportListSchema),
        (status = 400, description = "A bad `name`, `kind`, `since` or `limit`; `detail` names it", body = crate::http::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ModelReportList>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if let Some(name) = query.name.as_deref() {
        check_name(name).map_err(|reason| ApiError::BadRequest(format!("`name`: {reason}")))?;
    }
    let kind = match query.kind.as_deref() {
        None => None,
        Some(text) => Some(ReportKind::parse(text).ok_or_else(|| {
            ApiError::BadRequest("`kind`: must be `quality` or `drift`".to_string())
        })?),
    };
    let since_ms = match query.since.as_deref() {
        None => None,
        Some(text) => Some(
            DateTime::parse_from_rfc3339(text)
                .map_err(|e| {
                    ApiError::BadRequest(format!(
                        "`since`: must be an RFC 3339 instant such as 2026-11-26T00:00:00Z: {e}"
                    ))
                })?
                .timestamp_millis(),
        ),
    };
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`limit`: must be a whole number from 1 to {MAX_LIMIT}"
                ))
            })?,
    };
    let records = state
        .store()
        .model_reports()
        .list(ReportFilter {
            name: query.name.as_deref(),
            kind,
            since_ms,
            limit,
        })
        .await
        .map_err(unavailable)?;
    Ok(Json(ModelReportList {
        reports: records.into_iter().map(stored).collect(),
    }))
}

/// A stored record as the API shows it.
pub fn stored(record: ModelReportRecord) -> StoredModelReport {
    let received_at = DateTime::from_timestamp_millis(record.received_ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default();
    StoredModelReport {
        id: record.id,
        received_at,
        report: record.report,
    }
}

/// A body the JSON extractor refused, with the status its reason deserves.
fn rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "the body must be JSON, sent as `Content-Type: application/json`".to_string(),
        ),
        JsonRejection::JsonDataError(_) => ApiError::Unprocessable(rejection.body_text()),
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge {
                limit_bytes: MAX_REPORT_BYTES,
            }
        }
        other => ApiError::BadRequest(other.body_text()),
    }
}

fn unavailable(error: StorageError) -> ApiError {
    tracing::warn!(error = %error, "reading or writing model reports failed");
    ApiError::Unavailable {
        reason: "the database did not answer".to_string(),
    }
}

/// The JSON Schemas of the model-report types, written in `model_reports_openapi.json`
/// (`shared` does not depend on utoipa); the tests check sample reports against them.
pub const SCHEMAS_JSON: &str = include_str!("model_reports_openapi.json");

fn component(name: &str) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    let schemas: std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    > = serde_json::from_str(SCHEMAS_JSON).expect("model_reports_openapi.json is valid");
    schemas
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("model_reports_openapi.json defines {name}"))
}

/// A component of [`SCHEMAS_JSON`] as a `ToSchema` type, with the components it refers to.
macro_rules! report_schema {
    ($type:ident, $name:literal, [$($referenced:literal),*]) => {
        #[doc = concat!("`#/components/schemas/", $name, "` (see [`SCHEMAS_JSON`]).")]
        pub struct $type;

        impl utoipa::PartialSchema for $type {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                component($name)
            }
        }

        impl utoipa::ToSchema for $type {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }

            fn schemas(
                schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                $(schemas.push(($referenced.to_string(), component($referenced)));)*
            }
        }
    };
}

report_schema!(
    ModelReportSchema,
    "ModelReport",
    [
        "ModelReportColumn",
        "ModelReportBaseline",
        "ModelReportThresholds"
    ]
);
report_schema!(
    StoredModelReportSchema,
    "StoredModelReport",
    [
        "ModelReport",
        "ModelReportColumn",
        "ModelReportBaseline",
        "ModelReportThresholds"
    ]
);
report_schema!(
    ModelReportListSchema,
    "ModelReportList",
    [
        "StoredModelReport",
        "ModelReport",
        "ModelReportColumn",
        "ModelReportBaseline",
        "ModelReportThresholds"
    ]
);
