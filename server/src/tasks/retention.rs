//! Retention: deletes stored data past its configured age, in bounded batches, so that a large
//! clean-up never holds the database (SQLite's single writer) for long.
//!
//! It covers metric samples ([`step`]), real-user-monitoring events and error groups
//! ([`rum_step`]), probe results ([`probe_results_step`]) and the status page's history of
//! changes ([`status_changes_step`], with the probe results' age), each with its own maximum age;
//! each is one call of the shared batched loop, and later aggregates add their own step and a
//! [`Kind`] variant.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::storage::{StorageError, Store};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The instant before which data older than `max_age_days` at `now_ms` is deleted.
pub fn cutoff_ms(now_ms: i64, max_age_days: u64) -> i64 {
    let age_ms = i64::try_from(max_age_days)
        .unwrap_or(i64::MAX)
        .saturating_mul(DAY_MS);
    now_ms.saturating_sub(age_ms)
}

/// Calls `delete_batch(cutoff, batch)` until it deletes fewer than `batch` rows (nothing older
/// is left), yielding to other tasks between statements. Returns how many rows it deleted.
async fn delete_in_batches<F, Fut>(batch: u32, mut delete_batch: F) -> Result<u64, StorageError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<u64, StorageError>>,
{
    let batch = batch.max(1);
    let mut total = 0;
    loop {
        let deleted = delete_batch(batch).await?;
        total += deleted;
        if deleted < u64::from(batch) {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Deletes the metric samples older than `max_age_days` at `now_ms`, `batch` rows per
/// statement, yielding to other tasks between statements, until none older is left. Returns
/// how many rows it deleted.
pub async fn step(
    store: &Store,
    now_ms: i64,
    max_age_days: u64,
    batch: u32,
) -> Result<u64, StorageError> {
    let cutoff = cutoff_ms(now_ms, max_age_days);
    let samples = store.metric_samples();
    delete_in_batches(batch, |batch| samples.delete_older_than(cutoff, batch)).await
}

/// Deletes the RUM events received more than `max_age_days` before `now_ms`, then the error
/// groups (and their session rows) last seen before then, `batch` rows per statement, until
/// none older is left. Returns how many rows it deleted.
pub async fn rum_step(
    store: &Store,
    now_ms: i64,
    max_age_days: u64,
    batch: u32,
) -> Result<u64, StorageError> {
    let cutoff = cutoff_ms(now_ms, max_age_days);
    let rum = store.rum();
    delete_in_batches(batch, |batch| rum.delete_older_than(cutoff, batch)).await
}

/// Deletes the probe results started more than `max_age_days` before `now_ms`, `batch` rows
/// per statement, until none older is left. Returns how many rows it deleted.
pub async fn probe_results_step(
    store: &Store,
    now_ms: i64,
    max_age_days: u64,
    batch: u32,
) -> Result<u64, StorageError> {
    let cutoff = cutoff_ms(now_ms, max_age_days);
    let results = store.probe_results();
    delete_in_batches(batch, |batch| results.delete_older_than(cutoff, batch)).await
}

/// Deletes the status changes made more than `max_age_days` before `now_ms` (except each
/// component's latest: its current state), `batch` rows per statement, until none older is
/// left. Returns how many rows it deleted.
pub async fn status_changes_step(
    store: &Store,
    now_ms: i64,
    max_age_days: u64,
    batch: u32,
) -> Result<u64, StorageError> {
    let cutoff = cutoff_ms(now_ms, max_age_days);
    let status = store.status();
    delete_in_batches(batch, |batch| status.delete_older_than(cutoff, batch)).await
}

/// Deletes the alerts' changes of phase and the finished notifications older than
/// `max_age_days`, and the model reports older than that except each name's latest, `batch`
/// rows per statement, until none older is left. Returns how many rows it deleted.
pub async fn alerting_step(
    store: &Store,
    now_ms: i64,
    max_age_days: u64,
    batch: u32,
) -> Result<u64, StorageError> {
    let cutoff = cutoff_ms(now_ms, max_age_days);
    let alerts = store.alerts();
    let reports = store.model_reports();
    Ok(
        delete_in_batches(batch, |batch| alerts.delete_older_than(cutoff, batch)).await?
            + delete_in_batches(batch, |batch| reports.delete_older_than(cutoff, batch)).await?,
    )
}

/// How long each kind of data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAges {
    pub metric_samples_days: u64,
    pub rum_days: u64,
    pub probe_results_days: u64,
    /// Alert history, finished notifications, model reports.
    pub alerting_days: u64,
}

/// The data retention covers: the table named in logs, and its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    MetricSamples,
    RumEvents,
    ProbeResults,
    StatusChanges,
    Alerting,
    /// Sessions past their absolute expiry (they no longer sign anyone in; this only frees
    /// the rows).
    Sessions,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::MetricSamples,
        Kind::RumEvents,
        Kind::ProbeResults,
        Kind::StatusChanges,
        Kind::Alerting,
        Kind::Sessions,
    ];

    fn table(self) -> &'static str {
        match self {
            Kind::MetricSamples => "metric_samples",
            Kind::RumEvents => "rum_events",
            Kind::ProbeResults => "probe_results",
            Kind::StatusChanges => "status_changes",
            Kind::Alerting => "alert_history, notification_outbox, model_reports",
            Kind::Sessions => "sessions",
        }
    }

    fn max_age_days(self, ages: &MaxAges) -> u64 {
        match self {
            Kind::MetricSamples => ages.metric_samples_days,
            Kind::RumEvents => ages.rum_days,
            // The status page's history goes back as far as its uptime bars.
            Kind::ProbeResults | Kind::StatusChanges => ages.probe_results_days,
            Kind::Alerting => ages.alerting_days,
            Kind::Sessions => 0,
        }
    }

    async fn step(
        self,
        store: &Store,
        now: i64,
        days: u64,
        batch: u32,
    ) -> Result<u64, StorageError> {
        match self {
            Kind::MetricSamples => step(store, now, days, batch).await,
            Kind::RumEvents => rum_step(store, now, days, batch).await,
            Kind::ProbeResults => probe_results_step(store, now, days, batch).await,
            Kind::StatusChanges => status_changes_step(store, now, days, batch).await,
            Kind::Alerting => alerting_step(store, now, days, batch).await,
            Kind::Sessions => store.users().delete_expired_sessions(now, i64::MAX).await,
        }
    }
}

/// Runs [`step`], [`rum_step`], [`probe_results_step`] and [`status_changes_step`] now and then every `interval` until
/// `shutdown` completes, logging what they deleted. An error is logged and retried at the next
/// interval. Shutdown interrupts a running step between (or during) statements; each statement
/// is atomic, so nothing is half-deleted.
pub async fn run(
    store: Store,
    interval: Duration,
    max_ages: MaxAges,
    batch: u32,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(interval.max(Duration::from_millis(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(
        interval_seconds = interval.as_secs(),
        metric_samples_days = max_ages.metric_samples_days,
        rum_days = max_ages.rum_days,
        probe_results_days = max_ages.probe_results_days,
        alerting_days = max_ages.alerting_days,
        batch,
        "retention task started"
    );
    'run: loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
        }
        for kind in Kind::ALL {
            let table = kind.table();
            let started = tokio::time::Instant::now();
            let max_age_days = kind.max_age_days(&max_ages);
            let result = tokio::select! {
                () = &mut shutdown => break 'run,
                result = kind.step(&store, unix_now_ms(), max_age_days, batch) => result,
            };
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match result {
                Ok(0) => tracing::debug!(table, "retention: nothing to delete"),
                Ok(deleted) => tracing::info!(
                    table,
                    deleted,
                    max_age_days,
                    elapsed_ms,
                    "retention deleted old rows"
                ),
                Err(error) => tracing::warn!(
                    table,
                    error = %error,
                    "retention failed; retrying at the next interval"
                ),
            }
        }
    }
    tracing::info!("retention task stopped");
}

/// The wall clock in unix milliseconds.
fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_whole_days_before_now_and_saturates() {
        assert_eq!(cutoff_ms(10 * DAY_MS, 3), 7 * DAY_MS);
        assert_eq!(cutoff_ms(0, 0), 0);
        assert_eq!(cutoff_ms(0, u64::MAX), -i64::MAX);
        assert_eq!(cutoff_ms(i64::MIN, 1), i64::MIN);
    }
}
