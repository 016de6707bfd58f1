//! Metric samples on PostgreSQL.

use std::collections::HashMap;

use sqlx::PgPool;

use super::{MetricSample, Row};
use crate::storage::StorageError;

/// Two statements whatever the batch size (the samples travel as arrays and are `UNNEST`ed), in
/// one transaction. Rows are inserted in a fixed order (by name and labels, then by series and
/// time) so that concurrent writers, e.g. two replicas, take row locks in the same order and
/// cannot deadlock.
pub(super) async fn insert(pool: &PgPool, samples: &[MetricSample]) -> Result<(), StorageError> {
    // `ON CONFLICT DO UPDATE` may not touch a row twice in one statement: keep the last sample
    // of each (series, instant), as successive single inserts would.
    let mut last: HashMap<(&str, &str, i64), usize> = HashMap::new();
    for (index, sample) in samples.iter().enumerate() {
        last.insert((&sample.name, &sample.labels, sample.ts_ms), index);
    }
    let kept = samples
        .iter()
        .enumerate()
        .filter(|(index, s)| {
            last.get(&(s.name.as_str(), s.labels.as_str(), s.ts_ms)) == Some(index)
        })
        .map(|(_, s)| s);
    let mut names = Vec::with_capacity(last.len());
    let mut labels = Vec::with_capacity(last.len());
    let mut times = Vec::with_capacity(last.len());
    let mut values = Vec::with_capacity(last.len());
    for sample in kept {
        names.push(sample.name.as_str());
        labels.push(sample.labels.as_str());
        times.push(sample.ts_ms);
        values.push(sample.value);
    }

    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO metric_series (name, labels) \
         SELECT DISTINCT u.name, u.labels FROM UNNEST($1::text[], $2::text[]) AS u (name, labels) \
         ORDER BY 1, 2 \
         ON CONFLICT (name, labels) DO NOTHING",
    )
    .bind(&names)
    .bind(&labels)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO metric_samples (series_id, ts_ms, value) \
         SELECT m.id, u.ts_ms, u.value \
         FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::float8[]) AS u (name, labels, ts_ms, value) \
         JOIN metric_series m ON m.name = u.name AND m.labels = u.labels \
         ORDER BY m.id, u.ts_ms \
         ON CONFLICT (series_id, ts_ms) DO UPDATE SET value = EXCLUDED.value",
    )
    .bind(&names)
    .bind(&labels)
    .bind(&times)
    .bind(&values)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn series(
    pool: &PgPool,
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
    pool: &PgPool,
    name: &str,
    at_ms: i64,
) -> Result<Vec<Row>, StorageError> {
    // Per series, MAX(ts_ms) under a bound is one backward seek in the (series_id, ts_ms) key.
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
    pool: &PgPool,
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
