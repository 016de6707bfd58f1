//! Metric samples on SQLite.

use std::collections::HashSet;

use sqlx::SqlitePool;

use super::{MetricSample, Row};
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

pub(super) async fn series(
    pool: &SqlitePool,
    name: &str,
    labels: Option<&str>,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Row>, StorageError> {
    let rows = match labels {
        None => {
            sqlx::query_as(
                "SELECT s.ts_ms, m.labels, s.value \
                 FROM metric_series m JOIN metric_samples s ON s.series_id = m.id \
                 WHERE m.name = $1 AND s.ts_ms >= $2 AND s.ts_ms <= $3 \
                 ORDER BY s.ts_ms, m.labels",
            )
            .bind(name)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(pool)
            .await?
        }
        Some(labels) => {
            sqlx::query_as(
                "SELECT s.ts_ms, m.labels, s.value \
                 FROM metric_series m JOIN metric_samples s ON s.series_id = m.id \
                 WHERE m.name = $1 AND m.labels = $2 AND s.ts_ms >= $3 AND s.ts_ms <= $4 \
                 ORDER BY s.ts_ms",
            )
            .bind(name)
            .bind(labels)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(rows)
}

pub(super) async fn latest(
    pool: &SqlitePool,
    name: &str,
    at_ms: i64,
) -> Result<Vec<Row>, StorageError> {
    // Per series, MAX(ts_ms) under a bound is one seek in the (series_id, ts_ms) primary key.
    let rows = sqlx::query_as(
        "SELECT s.ts_ms, m.labels, s.value \
         FROM metric_series m JOIN metric_samples s ON s.series_id = m.id AND s.ts_ms = ( \
             SELECT MAX(x.ts_ms) FROM metric_samples x WHERE x.series_id = m.id AND x.ts_ms <= $2) \
         WHERE m.name = $1 \
         ORDER BY m.labels",
    )
    .bind(name)
    .bind(at_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

pub(super) async fn delete_older_than(
    pool: &SqlitePool,
    cutoff_ms: i64,
    batch: u32,
) -> Result<u64, StorageError> {
    let done = sqlx::query(
        "DELETE FROM metric_samples WHERE (series_id, ts_ms) IN ( \
             SELECT series_id, ts_ms FROM metric_samples WHERE ts_ms < $1 ORDER BY ts_ms LIMIT $2)",
    )
    .bind(cutoff_ms)
    .bind(i64::from(batch))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
