//! The status page: component state changes (the Atom feed), maintenance windows made through
//! the API, and the reads the page makes of the probes' results and hourly counts.
//!
//! # Schema (`server/migrations/*/0004_status.sql`)
//!
//! - `status_changes (id, component, name, state, previous, changed_ms)`: one row each time a
//!   component's state changes. [`StatusChanges::record_if_changed`] writes a row only when the
//!   component's latest row has another state, in one statement.
//! - `maintenance_windows (id, name, components, start_ms, end_ms, comment, created_ms)`:
//!   windows made with `POST /api/maintenance`; `components` is a JSON array of names.
//!
//! The SQL is the same text in both dialects, so this aggregate has no `sqlite.rs`/`postgres.rs`.

use super::{StorageError, Store, with_pool};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One change of a component's state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusChangeRow {
    pub id: i64,
    /// The component's id.
    pub component: String,
    /// The component's name when it changed.
    pub name: String,
    pub state: String,
    /// `None` for the first state noted.
    pub previous: Option<String>,
    pub changed_ms: i64,
}

/// A maintenance window made through the API.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MaintenanceRow {
    pub id: String,
    pub name: String,
    /// JSON array of component ids, component names or probe names.
    pub components: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub comment: String,
    pub created_ms: i64,
}

/// A run as the status page reads it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RunRow {
    pub started_ms: i64,
    pub success: i64,
    pub duration_ms: f64,
    pub failure: Option<String>,
}

/// Runs, successes and summed duration of some probes over one period (a day, an hour).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PeriodCount {
    /// The period's start, Unix ms.
    pub start_ms: i64,
    pub runs: i64,
    pub successes: i64,
    pub duration_ms_sum: f64,
}

/// The status repository. Cheap to clone; get one with [`Store::status`].
#[derive(Debug, Clone)]
pub struct StatusStore {
    store: Store,
}

impl StatusStore {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The latest change of each component, by component id.
    pub async fn latest_changes(&self) -> Result<Vec<StatusChangeRow>, StorageError> {
        let rows: Vec<StatusChangeRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, component, name, state, previous, changed_ms FROM status_changes c \
             WHERE id = (SELECT id FROM status_changes d WHERE d.component = c.component \
                         ORDER BY changed_ms DESC, id DESC LIMIT 1) \
             ORDER BY component",
        )
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Notes that `component` is in `state` since `changed_ms`, unless its latest change says so
    /// already. Returns whether a row was written.
    pub async fn record_if_changed(
        &self,
        component: &str,
        name: &str,
        state: &str,
        changed_ms: i64,
    ) -> Result<bool, StorageError> {
        let written = with_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO status_changes (component, name, state, previous, changed_ms) \
             SELECT $1, $2, $3, (SELECT state FROM status_changes WHERE component = $1 \
                                 ORDER BY changed_ms DESC, id DESC LIMIT 1), $4 \
             WHERE COALESCE((SELECT state FROM status_changes WHERE component = $1 \
                             ORDER BY changed_ms DESC, id DESC LIMIT 1), '') <> $3",
        )
        .bind(component)
        .bind(name)
        .bind(state)
        .bind(changed_ms)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(written > 0)
    }

    /// Deletes at most `batch` changes made before `cutoff_ms`, oldest first, but never a
    /// component's latest change (its current state). Returns how many it deleted.
    pub async fn delete_older_than(&self, cutoff_ms: i64, batch: u32) -> Result<u64, StorageError> {
        if batch == 0 {
            return Ok(0);
        }
        let deleted = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM status_changes WHERE id IN ( \
                 SELECT id FROM status_changes c WHERE changed_ms < $1 \
                 AND id <> (SELECT id FROM status_changes d WHERE d.component = c.component \
                            ORDER BY changed_ms DESC, id DESC LIMIT 1) \
                 ORDER BY changed_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(i64::from(batch))
        .execute(pool)
        .await?
        .rows_affected());
        Ok(deleted)
    }

    /// The newest `limit` changes, newest first.
    pub async fn recent_changes(&self, limit: i64) -> Result<Vec<StatusChangeRow>, StorageError> {
        let rows: Vec<StatusChangeRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, component, name, state, previous, changed_ms FROM status_changes \
             ORDER BY changed_ms DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The latest `limit` runs of `probe` (every location), newest first.
    pub async fn latest_runs(&self, probe: &str, limit: i64) -> Result<Vec<RunRow>, StorageError> {
        let rows: Vec<RunRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT started_ms, success, duration_ms, failure FROM probe_results \
             WHERE probe = $1 ORDER BY started_ms DESC, id DESC LIMIT $2",
        )
        .bind(probe)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The hourly counts of `probes` (every location) since the hour holding `from_ms`, summed
    /// per period of `period_ms` (a day: UTC days), oldest first; periods without runs are
    /// left out.
    pub async fn counts(
        &self,
        probes: &[String],
        from_ms: i64,
        period_ms: i64,
    ) -> Result<Vec<PeriodCount>, StorageError> {
        if probes.is_empty() || period_ms <= 0 {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..probes.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT CAST((hour_ms / $1) * $1 AS BIGINT) AS period, \
                    CAST(SUM(runs) AS BIGINT), CAST(SUM(successes) AS BIGINT), \
                    CAST(SUM(duration_ms_sum) AS DOUBLE PRECISION) \
             FROM probe_hourly WHERE hour_ms >= $2 AND probe IN ({}) \
             GROUP BY period ORDER BY period",
            placeholders.join(", ")
        );
        let from_hour = super::probes::hour_of(from_ms);
        let rows: Vec<(i64, i64, i64, f64)> = with_pool!(&self.store, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(period_ms).bind(from_hour);
            for probe in probes {
                query = query.bind(probe);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(start_ms, runs, successes, duration_ms_sum)| PeriodCount {
                start_ms,
                runs,
                successes,
                duration_ms_sum,
            })
            .collect())
    }

    /// Every maintenance window made through the API that ends after `after_ms`, by start.
    pub async fn maintenance_windows(
        &self,
        after_ms: i64,
    ) -> Result<Vec<MaintenanceRow>, StorageError> {
        let rows: Vec<MaintenanceRow> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT id, name, components, start_ms, end_ms, comment, created_ms \
             FROM maintenance_windows WHERE end_ms > $1 ORDER BY start_ms, id",
        )
        .bind(after_ms)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Stores a window made through the API.
    pub async fn insert_maintenance(&self, row: &MaintenanceRow) -> Result<(), StorageError> {
        with_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO maintenance_windows \
                 (id, name, components, start_ms, end_ms, comment, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&row.id)
        .bind(&row.name)
        .bind(&row.components)
        .bind(row.start_ms)
        .bind(row.end_ms)
        .bind(&row.comment)
        .bind(row.created_ms)
        .execute(pool)
        .await
        .map(drop)?);
        Ok(())
    }

    /// Deletes a window made through the API. `Ok(false)` when there is none of that id.
    pub async fn delete_maintenance(&self, id: &str) -> Result<bool, StorageError> {
        let deleted = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM maintenance_windows WHERE id = $1",
        )
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(deleted > 0)
    }
}

/// The start of the UTC day holding `ms`.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}
