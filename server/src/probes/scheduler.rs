//! The scheduler of the local probes (those whose locations include `local`).
//!
//! - **Cadence and jitter.** A probe runs every `interval_seconds`, at a phase of its own: an
//!   offset in `[0, interval)` taken from the SHA-256 of its name ([`jitter`]), stable across
//!   runs and restarts, so probes with the same interval do not all start at once. Missed turns
//!   are skipped, not made up. A probe defined or changed through the API runs at once, then on
//!   its interval.
//! - **No probe delays another.** [`Probes::step`] never waits for a run: each due run is its own
//!   task, bounded by the probe's hard timeout (`tokio::time::timeout`), so a target that never
//!   answers costs one task until its timeout and nothing else. A run still in flight when its
//!   probe is due again makes that turn skipped.
//! - **A global concurrency limit** (`synthetic.max_concurrency`): a run waits for a permit
//!   before it starts; the timeout counts from the start, not from the wait.
//! - **Results** go to the database (`probe_results`, one insert per run) and to `/metrics`
//!   (`probe_success`, `probe_duration_seconds`, `probe_ssl_earliest_cert_expiry`). A failed
//!   write is logged; the metrics still show the run.
//!
//! [`run`] loops over [`Probes::step`]; tests call `step` with the instants they choose.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use super::check::{CompiledProbe, Outcome};
use super::spec::{LOCAL, ProbeSpec};
use super::{Inner, Probes, Sink, unix_now_ms};
use crate::storage::{ProbeResultRow, Store};

/// How long the loop sleeps at most between two looks at the probes.
const MAX_IDLE: Duration = Duration::from_secs(1);

/// The probe's stable offset within its interval, from the SHA-256 of its name.
pub fn jitter(name: &str, interval: Duration) -> Duration {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let interval_ms = u64::try_from(interval.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    Duration::from_millis(u64::from_be_bytes(first) % interval_ms)
}

/// The first instant at or after `now` on the probe's phase: `anchor + jitter + k × interval`.
pub fn first_due(anchor: Instant, now: Instant, spec: &ProbeSpec) -> Instant {
    let interval = Duration::from_secs(spec.interval_seconds.max(1));
    let mut due = anchor + jitter(&spec.name, interval);
    if due < now {
        let behind = now.duration_since(due).as_nanos();
        let turns = behind.div_ceil(interval.as_nanos());
        due += interval * u32::try_from(turns).unwrap_or(u32::MAX);
    }
    due
}

/// What one run gave, as the scheduler recorded it.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub probe: String,
    pub location: String,
    /// When the run started (after its concurrency permit), Unix milliseconds.
    pub started_ms: i64,
    pub outcome: Outcome,
    /// Whether the result was recorded (not when the probe was changed or deleted meanwhile).
    pub recorded: bool,
}

/// Clears a probe's "running" mark when its run ends, even when the task is aborted.
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Probes {
    /// Starts the runs due at `now` (each in its own task) and moves their probes to their
    /// next turn. Returns the started runs.
    pub fn step(&self, now: Instant) -> Vec<JoinHandle<RunReport>> {
        let mut started = Vec::new();
        let mut entries = self.lock();
        for (name, entry) in entries.iter_mut() {
            let (Some(due), Some(compiled)) = (entry.next_due, entry.compiled.as_ref()) else {
                continue;
            };
            if due > now {
                continue;
            }
            let interval = Duration::from_secs(entry.spec.interval_seconds.max(1));
            let mut next = due + interval;
            while next <= now {
                next += interval;
            }
            entry.next_due = Some(next);
            if entry.running.swap(true, Ordering::AcqRel) {
                tracing::warn!(probe = %name, "the previous run is still in flight; this turn is skipped");
                continue;
            }
            started.push(tokio::spawn(run_once(
                self.inner.clone(),
                due,
                name.clone(),
                entry.generation,
                compiled.clone(),
                Running(entry.running.clone()),
            )));
        }
        started
    }

    /// The earliest instant a probe is due, if any probe runs here.
    pub fn next_due(&self) -> Option<Instant> {
        self.lock().values().filter_map(|e| e.next_due).min()
    }

    /// Whether the probe's definition is still the one of `generation`.
    fn is_current(&self, name: &str, generation: u64) -> bool {
        self.lock()
            .get(name)
            .is_some_and(|e| e.generation == generation)
    }
}

async fn run_once(
    inner: Arc<Inner>,
    due: Instant,
    probe: String,
    generation: u64,
    compiled: Arc<CompiledProbe>,
    running: Running,
) -> RunReport {
    let permit = inner.permits.clone().acquire_owned().await;
    inner
        .metrics
        .probes()
        .observe_schedule_delay(Instant::now().saturating_duration_since(due));
    let started_ms = unix_now_ms();
    let outcome = compiled.run_with_timeout().await;
    drop(permit);
    drop(running);
    let probes = Probes {
        inner: inner.clone(),
    };
    let recorded = probes.is_current(&probe, generation);
    if recorded {
        match &inner.sink {
            Sink::Store(store) => record(&inner, store, &probe, started_ms, &outcome).await,
            Sink::Agent(results) => {
                let _ = results.send(RunReport {
                    probe: probe.clone(),
                    location: inner.location.clone(),
                    started_ms,
                    outcome: outcome.clone(),
                    recorded,
                });
            }
        }
    }
    RunReport {
        probe,
        location: inner.location.clone(),
        started_ms,
        outcome,
        recorded,
    }
}

async fn record(inner: &Inner, store: &Store, probe: &str, started_ms: i64, outcome: &Outcome) {
    inner.metrics.probes().observe(
        probe,
        LOCAL,
        outcome.success,
        outcome.duration,
        &outcome
            .steps
            .iter()
            .map(|(step, took)| (step.as_ref(), *took))
            .collect::<Vec<_>>(),
    );
    inner.metrics.probes().observe_certificate(
        probe,
        LOCAL,
        outcome.success,
        outcome.cert_expiry_ms,
    );
    let duration_ms = outcome.duration.as_secs_f64() * 1000.0;
    match &outcome.failure {
        None => tracing::debug!(probe, location = LOCAL, duration_ms, "probe succeeded"),
        Some(failure) if outcome.is_unavailable() => {
            tracing::warn!(probe, location = LOCAL, failure = %failure, "probe could not run");
        }
        // Failure reasons carry no URL, header or body (see probes::http).
        Some(failure) => {
            tracing::info!(probe, location = LOCAL, duration_ms, failure = %failure, "probe failed");
        }
    }
    let row = ProbeResultRow {
        probe: probe.to_string(),
        location: LOCAL.to_string(),
        started_ms,
        success: i64::from(outcome.success),
        duration_ms,
        timings: serde_json::to_string(&outcome.step_timings()).unwrap_or_else(|_| "[]".into()),
        failure: outcome.failure.clone(),
        cert_expiry_ms: outcome.cert_expiry_ms,
    };
    if let Err(error) = store.probe_results().insert(&[row]).await {
        tracing::warn!(probe, error = %error, "storing a probe result failed");
    }
}

/// Runs the due probes until `shutdown` completes; then aborts the runs in flight (each is
/// bounded by its timeout anyway, but shutdown should not wait for it).
pub async fn run(probes: Probes, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut in_flight: Vec<JoinHandle<RunReport>> = Vec::new();
    tracing::info!(
        probes = probes.list().len(),
        max_concurrency = probes.inner.permits.available_permits(),
        "probe scheduler started"
    );
    loop {
        let now = Instant::now();
        in_flight.retain(|task| !task.is_finished());
        in_flight.extend(probes.step(now));
        let wake = probes
            .next_due()
            .map_or(now + MAX_IDLE, |due| due.min(now + MAX_IDLE));
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep_until(wake.into()) => {}
            () = probes.inner.wake.notified() => {}
        }
    }
    for task in &in_flight {
        task.abort();
    }
    tracing::info!("probe scheduler stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_stable_and_within_the_interval() {
        let interval = Duration::from_secs(30);
        let a = jitter("app", interval);
        assert_eq!(a, jitter("app", interval));
        assert!(a < interval);
        let offsets: std::collections::BTreeSet<Duration> = (0..50)
            .map(|i| jitter(&format!("probe-{i}"), interval))
            .collect();
        assert!(offsets.len() > 40, "names spread over the interval");
    }
}
