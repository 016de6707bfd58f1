//! Model reports: the summary figures of quality and drift analyses that users publish from the
//! app (`POST /api/model-reports`), read by the alert rules (`ModelQualityDrop`, `DataDrift`).
//!
//! # Schema (`server/migrations/*/0007_model_reports.sql`)
//!
//! `model_reports (id, kind, name, received_ms, app_version, report)`: one row per published
//! report; `report` is the whole validated [`ModelReport`] as JSON (figures and column names
//! only, never a cell). Indexed on `(kind, name, received_ms)` for the rules and on
//! `received_ms` for listing and retention.
//!
//! The SQL is the same text in both dialects, so this aggregate has no `sqlite.rs`/`postgres.rs`.

use shared::api::model_report::{ModelReport, ReportKind};

use super::{StorageError, Store, with_pool};

/// One stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelReportRecord {
    pub id: i64,
    /// When the server received it, Unix milliseconds (the server's clock).
    pub received_ms: i64,
    pub report: ModelReport,
}

/// What [`ModelReports::list`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFilter<'a> {
    /// Only this model or dataset name.
    pub name: Option<&'a str>,
    pub kind: Option<ReportKind>,
    /// Only reports received at or after this instant, Unix ms.
    pub since_ms: Option<i64>,
    /// At most this many (the newest).
    pub limit: i64,
}

type Row = (i64, i64, String);

fn record((id, received_ms, report): Row) -> Result<ModelReportRecord, StorageError> {
    let report = serde_json::from_str(&report)
        .map_err(|error| StorageError::Database(sqlx::Error::Decode(Box::new(error))))?;
    Ok(ModelReportRecord {
        id,
        received_ms,
        report,
    })
}

fn records(rows: Vec<Row>) -> Result<Vec<ModelReportRecord>, StorageError> {
    rows.into_iter().map(record).collect()
}

/// The model reports repository. Cheap to clone; get one with [`Store::model_reports`].
#[derive(Debug, Clone)]
pub struct ModelReports {
    store: Store,
}

impl ModelReports {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Stores a report (validate it first) received at `received_ms`; returns it with its id.
    pub async fn insert(
        &self,
        report: &ModelReport,
        received_ms: i64,
    ) -> Result<ModelReportRecord, StorageError> {
        let json = serde_json::to_string(report)
            .map_err(|error| StorageError::Database(sqlx::Error::Encode(Box::new(error))))?;
        let id: i64 = with_pool!(&self.store, pool => sqlx::query_scalar(
            "INSERT INTO model_reports (kind, name, received_ms, app_version, report) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(report.kind().as_str())
        .bind(&report.name)
        .bind(received_ms)
        .bind(&report.app_version)
        .bind(json)
        .fetch_one(pool)
        .await?);
        Ok(ModelReportRecord {
            id,
            received_ms,
            report: report.clone(),
        })
    }

    /// The reports that match `filter`, newest first (by reception, then id).
    pub async fn list(
        &self,
        filter: ReportFilter<'_>,
    ) -> Result<Vec<ModelReportRecord>, StorageError> {
        let rows: Vec<Row> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, received_ms, report FROM model_reports \
             WHERE ($1 IS NULL OR name = $1) AND ($2 IS NULL OR kind = $2) AND received_ms >= $3 \
             ORDER BY received_ms DESC, id DESC LIMIT $4",
        )
        .bind(filter.name)
        .bind(filter.kind.map(ReportKind::as_str))
        .bind(filter.since_ms.unwrap_or(i64::MIN))
        .bind(filter.limit)
        .fetch_all(pool)
        .await?);
        records(rows)
    }

    /// The latest report of `kind` for `name`, if any.
    pub async fn latest(
        &self,
        kind: ReportKind,
        name: &str,
    ) -> Result<Option<ModelReportRecord>, StorageError> {
        let row: Option<Row> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, received_ms, report FROM model_reports WHERE kind = $1 AND name = $2 \
             ORDER BY received_ms DESC, id DESC LIMIT 1",
        )
        .bind(kind.as_str())
        .bind(name)
        .fetch_optional(pool)
        .await?);
        row.map(record).transpose()
    }

    /// The latest report of `kind` of every name, by name: what the alert rules evaluate.
    pub async fn latest_per_name(
        &self,
        kind: ReportKind,
    ) -> Result<Vec<ModelReportRecord>, StorageError> {
        let rows: Vec<Row> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, received_ms, report FROM model_reports m WHERE kind = $1 \
             AND id = (SELECT id FROM model_reports d WHERE d.kind = m.kind AND d.name = m.name \
                       ORDER BY received_ms DESC, id DESC LIMIT 1) \
             ORDER BY name",
        )
        .bind(kind.as_str())
        .fetch_all(pool)
        .await?);
        records(rows)
    }

    /// How many reports are stored.
    pub async fn count(&self) -> Result<i64, StorageError> {
        let n: i64 = with_pool!(&self.store, pool =>
            sqlx::query_scalar("SELECT COUNT(*) FROM model_reports").fetch_one(pool).await?);
        Ok(n)
    }

    /// Deletes at most `batch` reports received before `cutoff_ms`, oldest first, but never the
    /// latest report of a kind and name (the rules' current input). Returns how many it deleted.
    pub async fn delete_older_than(&self, cutoff_ms: i64, batch: u32) -> Result<u64, StorageError> {
        if batch == 0 {
            return Ok(0);
        }
        let deleted = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM model_reports WHERE id IN ( \
                 SELECT id FROM model_reports m WHERE received_ms < $1 \
                 AND id <> (SELECT id FROM model_reports d WHERE d.kind = m.kind \
                            AND d.name = m.name ORDER BY received_ms DESC, id DESC LIMIT 1) \
                 ORDER BY received_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(i64::from(batch))
        .execute(pool)
        .await?
        .rows_affected());
        Ok(deleted)
    }
}
