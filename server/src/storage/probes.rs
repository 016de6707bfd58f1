//! Synthetic probes: the definitions made through the API, and every probe run's result.
//!
//! # Schema (`server/migrations/*/0003_probes.sql`)
//!
//! - `probes (name PRIMARY KEY, definition, created_ms, updated_ms)`: probes defined through
//!   the API, the definition as JSON (`crate::probes::ProbeSpec`). Probes of the configuration
//!   file are not stored: the file is their source of truth.
//! - `probe_results (id, probe, location, started_ms, success, duration_ms, timings, failure)`:
//!   one row per run, whichever location ran it; `timings` is the JSON array of per-step
//!   durations. Indexed on `(probe, started_ms)` (windows, latest state) and on `started_ms`
//!   (retention). `cert_expiry_ms` (`0008_probe_cert_expiry`) is when the TLS certificate the
//!   run read expires, Unix ms, `NULL` without one; a partial index on `(probe, location,
//!   started_ms)` over the rows that have one finds a location's last certificate at once.
//! - `probe_hourly (probe, location, hour_ms, runs, successes, duration_ms_sum)`: the results
//!   counted per hour, updated in the transaction that inserts them. Uptime reads these (at most
//!   2,160 rows per probe and location for 90 days), not the results; the status page's daily
//!   bars will too. Windows are whole hours: "since `from`" starts at the hour holding `from`.
//!
//! The SQL is the same text in both dialects, so this aggregate has no `sqlite.rs`/`postgres.rs`.
//! Sums are cast to `BIGINT` (PostgreSQL's `SUM(bigint)` is `numeric`).

use super::{StorageError, Store, with_pool};
use crate::storage::WritePool;

/// A probe defined through the API, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredProbe {
    pub name: String,
    /// The definition as JSON.
    pub definition: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// One run of one probe at one location.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ProbeResultRow {
    pub probe: String,
    pub location: String,
    /// When the run started, Unix milliseconds.
    pub started_ms: i64,
    /// 1 for a success, 0 for a failure.
    pub success: i64,
    pub duration_ms: f64,
    /// JSON array of `{"step": name, "ms": duration}`.
    pub timings: String,
    /// Why the run failed; `None` on success.
    pub failure: Option<String>,
    /// When the TLS certificate the run read expires (`notAfter`), Unix milliseconds; `None`
    /// when it read none. (`0008_probe_cert_expiry`)
    pub cert_expiry_ms: Option<i64>,
}

/// Runs and successes of one probe since some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub runs: i64,
    pub successes: i64,
}

impl Tally {
    /// Successes over runs, `None` without runs.
    pub fn ratio(&self) -> Option<f64> {
        (self.runs > 0).then(|| self.successes as f64 / self.runs as f64)
    }
}

/// The probe definitions repository. Cheap to clone; get one with [`Store::probe_definitions`].
#[derive(Debug, Clone)]
pub struct ProbeDefinitions {
    store: Store,
}

impl ProbeDefinitions {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Every stored definition, by name.
    pub async fn list(&self) -> Result<Vec<StoredProbe>, StorageError> {
        let rows: Vec<StoredProbe> = with_pool!(&self.store, pool => sqlx::query_as(
            "SELECT name, definition, created_ms, updated_ms FROM probes ORDER BY name",
        )
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// Stores a new definition. `Ok(false)` when a probe of that name is stored already.
    pub async fn insert(
        &self,
        name: &str,
        definition: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let result = with_pool!(&self.store, pool => sqlx::query(
            "INSERT INTO probes (name, definition, created_ms, updated_ms) VALUES ($1, $2, $3, $3)",
        )
        .bind(name)
        .bind(definition)
        .bind(now_ms)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()));
        match result {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Replaces a stored definition. `Ok(false)` when there is none of that name.
    pub async fn update(
        &self,
        name: &str,
        definition: &str,
        now_ms: i64,
    ) -> Result<bool, StorageError> {
        let changed = with_pool!(&self.store, pool => sqlx::query(
            "UPDATE probes SET definition = $1, updated_ms = $2 WHERE name = $3",
        )
        .bind(definition)
        .bind(now_ms)
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed > 0)
    }

    /// Deletes a stored definition and its results (and hourly counts), in one transaction. `Ok(false)` when there
    /// is none of that name.
    pub async fn delete(&self, name: &str) -> Result<bool, StorageError> {
        let deleted = with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let deleted = sqlx::query("DELETE FROM probes WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if deleted > 0 {
                sqlx::query("DELETE FROM probe_results WHERE probe = $1")
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM probe_hourly WHERE probe = $1")
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            deleted
        });
        Ok(deleted > 0)
    }
}

/// The probe results repository. Cheap to clone; get one with [`Store::probe_results`].
#[derive(Debug, Clone)]
pub struct ProbeResults {
    store: Store,
}

const HOUR_MS: i64 = 60 * 60 * 1000;

/// The start of the hour holding `ms` (Unix milliseconds).
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// One hour of one probe at one location, as a batch adds to it.
#[derive(Debug, Default)]
struct HourCount {
    runs: i64,
    successes: i64,
    duration_ms: f64,
}

/// `rows` counted per (probe, location, hour), in key order.
fn hourly(rows: &[ProbeResultRow]) -> std::collections::BTreeMap<(&str, &str, i64), HourCount> {
    let mut hours: std::collections::BTreeMap<(&str, &str, i64), HourCount> =
        std::collections::BTreeMap::new();
    // A run that could not measure the target (no Chromium) counts neither way.
    for row in rows
        .iter()
        .filter(|row| !crate::probes::check::is_unavailable(row.failure.as_deref()))
    {
        let hour = hours
            .entry((&row.probe, &row.location, hour_of(row.started_ms)))
            .or_default();
        hour.runs += 1;
        hour.successes += i64::from(row.success != 0);
        hour.duration_ms += row.duration_ms;
    }
    hours
}

/// Adds a batch's count to an hour's.
const HOURLY_UPSERT: &str = "INSERT INTO probe_hourly \
         (probe, location, hour_ms, runs, successes, duration_ms_sum) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (probe, location, hour_ms) DO UPDATE SET \
         runs = probe_hourly.runs + excluded.runs, \
         successes = probe_hourly.successes + excluded.successes, \
         duration_ms_sum = probe_hourly.duration_ms_sum + excluded.duration_ms_sum";

const RESULT_COLUMNS: &str =
    "probe, location, started_ms, success, duration_ms, timings, failure, cert_expiry_ms";

impl ProbeResults {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Writes the results a probe agent pushed, each with its unique id, and adds the new
    /// ones to their hours' counts, in one transaction: a result whose id is stored already
    /// (a batch sent again) is skipped. Returns how many were new. (`0005_probe_agent`)
    pub async fn insert_once(
        &self,
        rows: &[(String, ProbeResultRow)],
    ) -> Result<usize, StorageError> {
        if let Some((_, bad)) = rows.iter().find(|(_, r)| !r.duration_ms.is_finite()) {
            return Err(StorageError::InvalidSample {
                name: bad.probe.clone(),
                reason: "the duration is not a finite number",
            });
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let inserted: Vec<ProbeResultRow> = with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            let mut inserted = Vec::with_capacity(rows.len());
            for (id, row) in rows {
                let done = sqlx::query(
                    "INSERT INTO probe_results \
                         (probe, location, started_ms, success, duration_ms, timings, failure, \
                          cert_expiry_ms, result_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (result_id) DO NOTHING",
                )
                .bind(&row.probe)
                .bind(&row.location)
                .bind(row.started_ms)
                .bind(row.success)
                .bind(row.duration_ms)
                .bind(&row.timings)
                .bind(row.failure.as_deref())
                .bind(row.cert_expiry_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() > 0 {
                    inserted.push(row.clone());
                }
            }
            for ((probe, location, hour), count) in &hourly(&inserted) {
                sqlx::query(HOURLY_UPSERT)
                    .bind(*probe)
                    .bind(*location)
                    .bind(*hour)
                    .bind(count.runs)
                    .bind(count.successes)
                    .bind(count.duration_ms)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            inserted
        });
        Ok(inserted.len())
    }

    /// Writes `rows`, and adds them to their hours' counts, in one transaction: all or none.
    pub async fn insert(&self, rows: &[ProbeResultRow]) -> Result<(), StorageError> {
        if let Some(bad) = rows.iter().find(|r| !r.duration_ms.is_finite()) {
            return Err(StorageError::InvalidSample {
                name: bad.probe.clone(),
                reason: "the duration is not a finite number",
            });
        }
        if rows.is_empty() {
            return Ok(());
        }
        let hours = hourly(rows);
        with_pool!(&self.store, pool => {
            let mut tx = pool.begin_write().await?;
            for row in rows {
                sqlx::query(
                    "INSERT INTO probe_results \
                         (probe, location, started_ms, success, duration_ms, timings, failure, \
                          cert_expiry_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&row.probe)
                .bind(&row.location)
                .bind(row.started_ms)
                .bind(row.success)
                .bind(row.duration_ms)
                .bind(&row.timings)
                .bind(row.failure.as_deref())
                .bind(row.cert_expiry_ms)
                .execute(&mut *tx)
                .await?;
            }
            // In key order, so concurrent writers (replicas) lock hours in the same order.
            for ((probe, location, hour), count) in &hours {
                sqlx::query(
                    "INSERT INTO probe_hourly \
                         (probe, location, hour_ms, runs, successes, duration_ms_sum) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (probe, location, hour_ms) DO UPDATE SET \
                         runs = probe_hourly.runs + excluded.runs, \
                         successes = probe_hourly.successes + excluded.successes, \
                         duration_ms_sum = probe_hourly.duration_ms_sum + excluded.duration_ms_sum",
                )
                .bind(*probe)
                .bind(*location)
                .bind(*hour)
                .bind(count.runs)
                .bind(count.successes)
                .bind(count.duration_ms)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The results of `probe` started at or after `from_ms`, oldest first, at most `limit`.
    pub async fn since(
        &self,
        probe: &str,
        from_ms: i64,
        limit: i64,
    ) -> Result<Vec<ProbeResultRow>, StorageError> {
        let sql = format!(
            "SELECT {RESULT_COLUMNS} FROM probe_results WHERE probe = $1 AND started_ms >= $2 \
             ORDER BY started_ms, id LIMIT $3"
        );
        let rows: Vec<ProbeResultRow> = with_pool!(&self.store, pool => sqlx::query_as(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(probe)
        .bind(from_ms)
        .bind(limit)
        .fetch_all(pool)
        .await?);
        Ok(rows)
    }

    /// The latest result of `probe` at `location`, if any.
    pub async fn latest(
        &self,
        probe: &str,
        location: &str,
    ) -> Result<Option<ProbeResultRow>, StorageError> {
        let sql = format!(
            "SELECT {RESULT_COLUMNS} FROM probe_results WHERE probe = $1 AND location = $2 \
             ORDER BY started_ms DESC, id DESC LIMIT 1"
        );
        let row: Option<ProbeResultRow> = with_pool!(&self.store, pool => sqlx::query_as(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(probe)
        .bind(location)
        .fetch_optional(pool)
        .await?);
        Ok(row)
    }

    /// The certificate expiry (Unix ms) read by the latest result of `probe` at `location`
    /// started at or before `at_ms` that read one, if any: what the location last knew of the
    /// certificate when its latest run could not read it.
    pub async fn latest_certificate(
        &self,
        probe: &str,
        location: &str,
        at_ms: i64,
    ) -> Result<Option<i64>, StorageError> {
        let expiry: Option<i64> = with_pool!(&self.store, pool => sqlx::query_scalar(
            "SELECT cert_expiry_ms FROM probe_results \
             WHERE probe = $1 AND location = $2 AND started_ms <= $3 \
                 AND cert_expiry_ms IS NOT NULL \
             ORDER BY started_ms DESC, id DESC LIMIT 1",
        )
        .bind(probe)
        .bind(location)
        .bind(at_ms)
        .fetch_optional(pool)
        .await?);
        Ok(expiry)
    }

    /// Runs and successes of `probe` (all locations) since the hour holding each of `froms`
    /// (Unix ms), from the hourly counts, in one query.
    pub async fn tallies<const N: usize>(
        &self,
        probe: &str,
        froms: [i64; N],
    ) -> Result<[Tally; N], StorageError> {
        let mut out = [Tally::default(); N];
        let froms = froms.map(hour_of);
        let Some(earliest) = froms.iter().min().copied() else {
            return Ok(out);
        };
        let mut columns = Vec::with_capacity(2 * N);
        for i in 0..N {
            let p = i + 3;
            columns.push(format!(
                "CAST(COALESCE(SUM(CASE WHEN hour_ms >= ${p} THEN runs ELSE 0 END), 0) AS BIGINT)"
            ));
            columns.push(format!(
                "CAST(COALESCE(SUM(CASE WHEN hour_ms >= ${p} THEN successes ELSE 0 END), 0) \
                 AS BIGINT)"
            ));
        }
        let sql = format!(
            "SELECT {} FROM probe_hourly WHERE probe = $1 AND hour_ms >= $2",
            columns.join(", ")
        );
        let values: Vec<i64> = with_pool!(&self.store, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(probe).bind(earliest);
            for from in froms {
                query = query.bind(from);
            }
            let row = query.fetch_one(pool).await?;
            let mut values = Vec::with_capacity(2 * N);
            for i in 0..2 * N {
                values.push(sqlx::Row::try_get::<i64, _>(&row, i)?);
            }
            values
        });
        for (i, tally) in out.iter_mut().enumerate() {
            tally.runs = values[2 * i];
            tally.successes = values[2 * i + 1];
        }
        Ok(out)
    }

    /// How many results are stored.
    pub async fn count(&self) -> Result<i64, StorageError> {
        let n: i64 = with_pool!(&self.store, pool =>
            sqlx::query_scalar("SELECT COUNT(*) FROM probe_results").fetch_one(pool).await?);
        Ok(n)
    }

    /// Deletes at most `batch` results started before `cutoff_ms` (oldest first), and, when none
    /// older is left, hourly counts of hours that ended by then. Returns how many rows it
    /// deleted; fewer than `batch` means none older is left.
    pub async fn delete_older_than(&self, cutoff_ms: i64, batch: u32) -> Result<u64, StorageError> {
        if batch == 0 {
            return Ok(0);
        }
        let results = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM probe_results WHERE id IN ( \
                 SELECT id FROM probe_results WHERE started_ms < $1 ORDER BY started_ms LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(i64::from(batch))
        .execute(pool)
        .await?
        .rows_affected());
        if results >= u64::from(batch) {
            return Ok(results);
        }
        let left = u64::from(batch) - results;
        let hours = with_pool!(&self.store, pool => sqlx::query(
            "DELETE FROM probe_hourly WHERE (probe, location, hour_ms) IN ( \
                 SELECT probe, location, hour_ms FROM probe_hourly \
                 WHERE hour_ms <= $1 ORDER BY hour_ms LIMIT $2)",
        )
        .bind(cutoff_ms.saturating_sub(HOUR_MS))
        .bind(i64::try_from(left).unwrap_or(i64::MAX))
        .execute(pool)
        .await?
        .rows_affected());
        Ok(results + hours)
    }
}
