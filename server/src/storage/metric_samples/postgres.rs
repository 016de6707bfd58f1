//! Metric samples on PostgreSQL.

use std::collections::HashMap;

use sqlx::PgPool;

use super::MetricSample;
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
