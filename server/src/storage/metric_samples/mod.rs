//! Metric samples: the server's own time series (request counts, latencies, saturation, host
//! figures), sampled every 15 s so alert rules and pages can read recent history without an
//! external Prometheus.
//!
//! # Schema (`server/migrations/*/0001_metric_samples.sql`)
//!
//! - `metric_series (id, name, labels)`, unique on `(name, labels)`: one row per series.
//! - `metric_samples (series_id → metric_series.id, ts_ms, value)`, primary key
//!   `(series_id, ts_ms)`, plus an index on `ts_ms`.
//!
//! Series are stored once and samples refer to them by id: a sample row is three numbers instead
//! of repeating a name and a label string (about a third of the size, for millions of rows a
//! month). The primary key serves a series' range reads and "latest at or before" with index
//! seeks; the `ts_ms` index serves retention's oldest-first batched deletes. Series rows are not
//! deleted by retention: their number is bounded by the label sets the server emits.
//!
//! # Semantics, the same on both engines
//!
//! - A series is identified by `(name, labels)`; `labels` is the canonical string made by
//!   [`canonical_labels`] (`k="v",k2="v2"`, sorted by key, empty for none).
//! - One value per series and instant: writing a sample at an existing `(name, labels, ts_ms)`
//!   replaces its value (the last one in a batch wins).
//! - NaN is refused ([`StorageError::InvalidSample`]): SQLite cannot store it (it becomes NULL).
//!   Leave a sample out when its value is unknown. ±infinity is stored.
//! - Results are ordered by time, then by labels compared bytewise.

mod postgres;
mod sqlite;

use super::{StorageError, Store, with_pool};

/// One value of one series at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSample {
    /// Unix time in milliseconds.
    pub ts_ms: i64,
    /// Metric name, e.g. `http_requests_total`.
    pub name: String,
    /// Canonical label set (see [`canonical_labels`]); empty for none.
    pub labels: String,
    pub value: f64,
}

impl MetricSample {
    pub fn new(ts_ms: i64, name: impl Into<String>, labels: impl Into<String>, value: f64) -> Self {
        Self {
            ts_ms,
            name: name.into(),
            labels: labels.into(),
            value,
        }
    }
}

/// The canonical label string of `pairs`: `k="v",k2="v2"`, sorted by key, values escaped as in
/// the Prometheus text format (`\\`, `\"`, `\n`); empty for no pairs. When a key repeats, its
/// last value is kept.
pub fn canonical_labels<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut pairs: Vec<(K, V)> = pairs.into_iter().collect();
    // Stable: equal keys stay in input order, so the last of them is the one kept below.
    pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    let mut out = String::new();
    for (index, (key, value)) in pairs.iter().enumerate() {
        let key = key.as_ref();
        if pairs
            .get(index + 1)
            .is_some_and(|next| next.0.as_ref() == key)
        {
            continue;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(key);
        out.push_str("=\"");
        for c in value.as_ref().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out
}

/// The metric samples repository. Cheap to clone; get one with [`Store::metric_samples`].
#[derive(Debug, Clone)]
pub struct MetricSamples {
    store: Store,
}

impl MetricSamples {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Writes `samples` in one transaction: all of them or none.
    pub async fn insert(&self, samples: &[MetricSample]) -> Result<(), StorageError> {
        if let Some(bad) = samples.iter().find(|s| s.value.is_nan()) {
            return Err(StorageError::InvalidSample {
                name: bad.name.clone(),
                reason: "the value is NaN",
            });
        }
        if let Some(bad) = samples.iter().find(|s| s.name.is_empty()) {
            return Err(StorageError::InvalidSample {
                name: bad.name.clone(),
                reason: "the name is empty",
            });
        }
        if samples.is_empty() {
            return Ok(());
        }
        match &self.store {
            Store::Sqlite(pool) => sqlite::insert(pool, samples).await,
            Store::Postgres(pool) => postgres::insert(pool, samples).await,
        }
    }

    /// The samples of `name` with `from_ms <= ts_ms <= to_ms`, of every label set or only of
    /// `labels`, ordered by time, then labels.
    pub async fn series(
        &self,
        name: &str,
        labels: Option<&str>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<MetricSample>, StorageError> {
        let rows: Vec<Row> = with_pool!(&self.store, pool => match labels {
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
        });
        Ok(into_samples(name, rows))
    }

    /// For each label set of `name`, its latest sample at or before `at_ms` (label sets with no
    /// sample by then are absent), ordered by labels.
    pub async fn latest(&self, name: &str, at_ms: i64) -> Result<Vec<MetricSample>, StorageError> {
        // Per series, MAX(ts_ms) under a bound is one seek in the (series_id, ts_ms) key.
        let rows: Vec<Row> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT s.ts_ms, m.labels, s.value \
             FROM metric_series m JOIN metric_samples s ON s.series_id = m.id AND s.ts_ms = ( \
                 SELECT MAX(x.ts_ms) FROM metric_samples x \
                 WHERE x.series_id = m.id AND x.ts_ms <= $2) \
             WHERE m.name = $1 \
             ORDER BY m.labels",
        )
        .bind(name)
        .bind(at_ms)
        .fetch_all(pool)
        .await?);
        Ok(into_samples(name, rows))
    }

    /// Deletes at most `batch` samples with `ts_ms < cutoff_ms`, oldest first, in one statement;
    /// returns how many it deleted. Fewer than `batch` means none older is left. A `batch` of 0
    /// deletes nothing.
    pub async fn delete_older_than(&self, cutoff_ms: i64, batch: u32) -> Result<u64, StorageError> {
        if batch == 0 {
            return Ok(0);
        }
        let deleted = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM metric_samples WHERE (series_id, ts_ms) IN ( \
                 SELECT series_id, ts_ms FROM metric_samples \
                 WHERE ts_ms < $1 ORDER BY ts_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(i64::from(batch))
        .execute(pool)
        .await?
        .rows_affected());
        Ok(deleted)
    }
}

/// A row of a read: `(ts_ms, labels, value)`.
type Row = (i64, String, f64);

fn into_samples(name: &str, rows: Vec<Row>) -> Vec<MetricSample> {
    rows.into_iter()
        .map(|(ts_ms, labels, value)| MetricSample {
            ts_ms,
            name: name.to_string(),
            labels,
            value,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_labels_are_sorted_by_key_and_escaped() {
        assert_eq!(canonical_labels(Vec::<(&str, &str)>::new()), "");
        assert_eq!(
            canonical_labels([("route", "/api/x"), ("method", "GET"), ("code", "2xx")]),
            r#"code="2xx",method="GET",route="/api/x""#
        );
        assert_eq!(canonical_labels([("k", "a\"b\\c\nd")]), r#"k="a\"b\\c\nd""#);
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        assert_eq!(
            canonical_labels([("b", "1"), ("a", "x"), ("b", "2")]),
            r#"a="x",b="2""#
        );
    }
}
