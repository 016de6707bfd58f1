//! Metric samples on SQLite.

use std::collections::HashSet;

use sqlx::SqlitePool;

use super::MetricSample;
use crate::storage::StorageError;

/// One upsert per sample inside one `BEGIN IMMEDIATE` transaction: SQLite runs in-process, so
/// per-row statements (prepared once, cached) cost microseconds, and taking the write lock up
/// front makes a concurrent writer wait (busy timeout) instead of failing on lock upgrade.
pub(super) async fn insert(
    pool: &SqlitePool,
    samples: &[MetricSample],
) -> Result<(), StorageError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut known: HashSet<(&str, &str)> = HashSet::new();
    for sample in samples {
        if known.insert((sample.name.as_str(), sample.labels.as_str())) {
            sqlx::query(
                "INSERT INTO metric_series (name, labels) VALUES ($1, $2) \
                 ON CONFLICT (name, labels) DO NOTHING",
            )
            .bind(sample.name.as_str())
            .bind(sample.labels.as_str())
            .execute(&mut *tx)
            .await?;
        }
        // The WHERE clause also keeps SQLite's parser from reading `ON CONFLICT` as a join's ON.
        sqlx::query(
            "INSERT INTO metric_samples (series_id, ts_ms, value) \
             SELECT id, $3, $4 FROM metric_series WHERE name = $1 AND labels = $2 \
             ON CONFLICT (series_id, ts_ms) DO UPDATE SET value = excluded.value",
        )
        .bind(sample.name.as_str())
        .bind(sample.labels.as_str())
        .bind(sample.ts_ms)
        .bind(sample.value)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
