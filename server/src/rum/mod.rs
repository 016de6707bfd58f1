//! Real-user monitoring (seed §7.1): the beacons the browser app sends, from `POST /api/rum` to
//! the database, `/metrics` and `GET /api/rum/summary`.
//!
//! ```text
//! POST /api/rum ─▶ enabled? ─▶ Origin allowed? ─▶ rate limit (per /24 or /48) ─▶ ≤ 64 KiB?
//!   ─▶ JSON → Beacon → validate() ─▶ rows ─▶ bounded queue ─▶ 202        (else 404/403/429/413/400/503)
//!                                       └─▶ /metrics histograms
//! queue ─▶ batch writer (tasks::rum_writer: many beacons per transaction) ─▶ rum_events, error groups
//! GET /api/rum/summary ─▶ the last 24 h of events ─▶ percentiles per window (summary.rs)
//! alert rules ─▶ RumEvents::window (vitals, errors), RumEvents::analysis_ms_per_10k_rows
//! ```
//!
//! - [`client`]: the client's network (`/24`, `/48`: the only form of an address ever kept) and
//!   the `Origin` check.
//! - [`rows`]: a validated beacon as stored rows; the names of its enums.
//! - [`queue`]: the bounded queue (in rows) between the handlers and the writer.
//! - [`summary`]: percentiles, ratings, versions, slowest routes, trend, from stored events.
//!
//! The beacon itself (fields, limits, validation, fingerprints) is `shared::api::rum`, which the
//! app compiles too; the summary's types are `shared::api::rum_summary`.

pub mod client;
pub mod queue;
pub mod rows;
pub mod summary;

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::Clock;

/// The analyses whose time per 10,000 rows counts (the PredictionLatencyHigh rule, the
/// `rum_analysis_seconds_per_10k_rows` histogram): those of 10,000 rows or more. Below, the
/// fixed costs (starting the worker, reading the header) dominate: 3 rows in 800 ms are 2.7
/// million ms per 10,000 rows, which says nothing of the engine's speed.
pub const PER_10K_ROWS_MIN_ROWS: shared::api::rum::RowsBucket =
    shared::api::rum::RowsBucket::TensOfThousands;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RumConfig;
use crate::telemetry::metrics::Metrics;
use queue::{QueueReceiver, QueueSender};

/// How often idle clients are forgotten by the rate limiter.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// The ingestion side of RUM: settings, the per-client rate limiter, the queue. One per server,
/// in the [`crate::AppState`].
#[derive(Debug)]
pub struct Rum {
    config: RumConfig,
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    last_forget: Mutex<Instant>,
    queue: QueueSender,
    receiver: Mutex<Option<QueueReceiver>>,
    metrics: Arc<Metrics>,
}

impl Rum {
    /// Ingestion with `config`; its queue's receiving end waits in [`Rum::take_receiver`] for the
    /// writer task.
    pub fn new(config: RumConfig, metrics: Arc<Metrics>) -> Self {
        let per_minute = NonZeroU32::new(config.rate_limit_per_minute).unwrap_or(NonZeroU32::MIN);
        let (queue, receiver) = queue::queue(config.queue_capacity, metrics.clone());
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            last_forget: Mutex::new(Instant::now()),
            queue,
            receiver: Mutex::new(Some(receiver)),
            metrics,
            config,
        }
    }

    pub fn config(&self) -> &RumConfig {
        &self.config
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn queue(&self) -> &QueueSender {
        &self.queue
    }

    /// The queue's receiving end, once: the batch writer takes it.
    pub fn take_receiver(&self) -> Option<QueueReceiver> {
        self.receiver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// Takes one beacon's place in the rate of the client of network `client` (`None`: an
    /// unknown address, all such clients share one budget); `Err(wait)` when over the rate.
    /// Beacons of `rum.rate_limit_per_minute` per minute, in bursts of as many.
    pub fn check_rate(&self, client: Option<IpAddr>) -> Result<(), Duration> {
        self.forget_idle_clients();
        let key = client.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ip| {
            client::network(ip).0
        });
        self.limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }

    /// Drops the limiter's state of clients whose budget is full again, at most once per
    /// [`FORGET_EVERY`], so the map does not grow with every address ever seen.
    fn forget_idle_clients(&self) {
        let Ok(mut last) = self.last_forget.try_lock() else {
            return;
        };
        if last.elapsed() >= FORGET_EVERY {
            *last = Instant::now();
            drop(last);
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }
}
