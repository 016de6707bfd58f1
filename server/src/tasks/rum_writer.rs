//! The RUM batch writer: takes accepted beacons from the queue ([`crate::rum::queue`]) and
//! writes them to the database many at a time, one transaction per batch — the beacons that
//! arrived while the previous batch was being written, up to [`MAX_BATCH_ROWS`] rows; one
//! batch at a time on SQLite, two at once on PostgreSQL ([`parallel_writes`]).
//!
//! Nothing accepted is lost quietly: a failed write is retried with back-off (the queue keeps
//! the rows' places meanwhile, so new beacons are refused with 503 rather than accepted) for up
//! to [`RETRY_FOR`]; rows still unwritten after that are counted in `rum_rows_dropped_total`
//! and logged. On shutdown the queue is closed and everything in it is written before the task
//! ends (the server stops serving requests first).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::rum::queue::{QueueReceiver, Queued};
use crate::storage::{RumEventRow, StorageError, Store};
use crate::telemetry::metrics::Metrics;

/// Most rows written in one transaction.
pub const MAX_BATCH_ROWS: usize = 8_192;
/// How long a failing batch is retried before its rows are dropped (and counted).
pub const RETRY_FOR: Duration = Duration::from_secs(60);
/// The first wait between tries; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The beacons waiting in `receiver` right now (after `first`), up to [`MAX_BATCH_ROWS`] rows.
pub fn gather(first: Queued, receiver: &mut QueueReceiver) -> Vec<Queued> {
    let mut rows = first.len();
    let mut batch = vec![first];
    while rows < MAX_BATCH_ROWS {
        let Some(next) = receiver.try_recv() else {
            break;
        };
        rows += next.len();
        batch.push(next);
    }
    batch
}

/// Writes `batch` in one transaction, retrying a failure with back-off for up to `retry_for`.
/// Returns the rows written, or the last error after which they were dropped (counted).
/// The beacons' queue places are given back when this returns.
pub async fn step(
    mut batch: Vec<Queued>,
    store: &Store,
    metrics: &Metrics,
    retry_for: Duration,
) -> Result<u64, StorageError> {
    // The rows move out; each beacon's queue places stay taken until `batch` is dropped.
    let mut rows: Vec<RumEventRow> = Vec::with_capacity(batch.iter().map(Queued::len).sum());
    for queued in &mut batch {
        rows.append(&mut queued.rows);
    }
    let count = rows.len() as u64;
    let started = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    loop {
        let attempt = Instant::now();
        match store.rum().insert(&rows).await {
            Ok(()) => {
                metrics.rum().written(count, attempt.elapsed());
                return Ok(count);
            }
            Err(error) if started.elapsed() + backoff <= retry_for => {
                tracing::warn!(error = %error, rows = count, "writing RUM rows failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(error) => {
                metrics.rum().dropped(count);
                tracing::error!(
                    error = %error,
                    rows = count,
                    "writing RUM rows kept failing; the rows are dropped"
                );
                return Err(error);
            }
        }
    }
}

/// How many batches are written at once: SQLite has one writer at a time (a second
/// transaction would only wait for the lock); PostgreSQL writes two in parallel backends.
pub fn parallel_writes(store: &Store) -> usize {
    match store {
        Store::Sqlite(_) => 1,
        Store::Postgres(_) => 2,
    }
}

/// Writes batches from `receiver` until every sender is gone or `shutdown` completes; then
/// closes the queue and writes what is left in it before returning.
pub async fn run(
    mut receiver: QueueReceiver,
    store: Store,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let parallel = parallel_writes(&store);
    let mut writes = tokio::task::JoinSet::new();
    let write = |writes: &mut tokio::task::JoinSet<()>, batch: Vec<Queued>, retry_for| {
        let (store, metrics) = (store.clone(), metrics.clone());
        writes.spawn(async move {
            let _ = step(batch, &store, &metrics, retry_for).await;
        });
    };
    tracing::info!(
        max_batch_rows = MAX_BATCH_ROWS,
        parallel,
        "RUM writer started"
    );
    loop {
        while writes.len() >= parallel {
            let _ = writes.join_next().await;
        }
        let first = tokio::select! {
            biased;
            next = receiver.recv() => match next {
                Some(first) => first,
                None => break,
            },
            () = &mut shutdown => {
                receiver.close();
                break;
            }
        };
        let batch = gather(first, &mut receiver);
        write(&mut writes, batch, RETRY_FOR);
    }
    // Closed: write what is still queued (each batch tried once more for a short while).
    while let Some(first) = receiver.recv().await {
        while writes.len() >= parallel {
            let _ = writes.join_next().await;
        }
        let batch = gather(first, &mut receiver);
        write(&mut writes, batch, Duration::from_secs(5));
    }
    while writes.join_next().await.is_some() {}
    tracing::info!("RUM writer stopped");
}
