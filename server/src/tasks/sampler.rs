//! The metric sampler: every `interval` (15 s by default, `metrics.sample_interval_seconds`),
//! the figures of `/metrics` are written to the server's own store, so alert rules and pages
//! read recent history without an external Prometheus.
//!
//! What is stored (names and labels from [`crate::telemetry::metrics`]): counters as their
//! cumulative values (`http_requests_total`, `http_request_errors_total`,
//! `process_cpu_seconds_total`), the latency histogram as `http_request_duration_seconds_sum` and
//! `_count` (no buckets: the mean over a window is Δsum / Δcount), and the gauges as read. A
//! reader computes rates from two samples; counters restart from 0 when the server restarts, so
//! a negative difference means a restart (count from 0, as Prometheus' `rate` does).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::storage::{MetricSample, StorageError, Store, canonical_labels};
use crate::telemetry::metrics::Metrics;

/// Writes the current figures of `metrics` to `store`, stamped `now_ms` (Unix milliseconds), in
/// one transaction. Returns how many samples it wrote.
pub async fn step(metrics: &Metrics, store: &Store, now_ms: i64) -> Result<usize, StorageError> {
    let samples: Vec<MetricSample> = metrics
        .samples()
        .into_iter()
        // The store refuses NaN; an unknown figure is left out rather than invented.
        .filter(|sample| !sample.value.is_nan())
        .map(|sample| {
            MetricSample::new(
                now_ms,
                sample.name,
                canonical_labels(sample.labels),
                sample.value,
            )
        })
        .collect();
    store.metric_samples().insert(&samples).await?;
    Ok(samples.len())
}

/// Runs [`step`] every `interval` (the first one an interval after the start, when there is
/// traffic to see) until `shutdown` completes. A failed step is logged and the next one tries
/// again; a missed tick is not made up.
pub async fn run(
    metrics: Arc<Metrics>,
    store: Store,
    interval: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let interval = interval.max(Duration::from_millis(1));
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(
        interval_ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
        "metric sampler started"
    );
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
        }
        let result = tokio::select! {
            () = &mut shutdown => break,
            result = step(&metrics, &store, unix_now_ms()) => result,
        };
        match result {
            Ok(written) => tracing::debug!(written, "metric samples written"),
            Err(error) => tracing::warn!(
                error = %error,
                "writing metric samples failed; retrying at the next interval"
            ),
        }
    }
    tracing::info!("metric sampler stopped");
}

/// The wall clock in Unix milliseconds.
fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}
