//! Every metric the server exposes — name, labels, unit, help — is defined in this module, and
//! only here. Units are part of the names (`_seconds`, `_bytes`, `_total`, `_ratio`); ratios are
//! fractions in `[0, 1]` so the seed's thresholds (§2.2: 80 % CPU, 85 % memory, 90 % disk, 80 %
//! saturation, 2 % errors) read directly.
//!
//! - [`Metrics`] holds the prometheus-client [`Registry`] and the figures behind it; share it as
//!   an `Arc<Metrics>`.
//! - [`layer`] is the HTTP middleware (golden signals per route template, method and status
//!   class); [`metrics_handler`] answers `GET /metrics` in the Prometheus text format 0.0.4,
//!   written by prometheus-client's encoder.
//! - [`Metrics::samples`] gives the same figures as plain values for the sampler, which keeps
//!   their history in the server's own store (`tasks::sampler`).
//!
//! # Wiring
//!
//! ```text
//! let metrics = Arc::new(Metrics::new(config.limits.concurrency).with_data_dir(&config.data_dir));
//! let router = Router::new()
//!     .route("/metrics", get(metrics_handler))            // State<Arc<Metrics>>: FromRef
//!     .fallback_service(static_app.layer(axum::middleware::map_response(mark_static)))
//!     .layer(telemetry::metrics::layer(metrics.clone())); // after the routes and the fallback
//! ```
//!
//! The layer must be added with `Router::layer` (not around the finished `Router` as a
//! service): the router puts [`MatchedPath`] in the request before its layers run, and that
//! template — never the raw path — is the `route` label, so the number of series stays bounded.
//! A request that no route matched is labelled [`ROUTE_OTHER`], unless the service that
//! answered it names itself with a [`RouteLabel`] in its response (the static app does, with
//! [`mark_static`]). Add it after the concurrency-limit and timeout layers so the 503s they
//! answer are counted too.
//!
//! Latency is the time until the response head is ready (body streaming is not included), the
//! usual definition for the golden signals.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet, prometheus_text};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

use super::system::{SystemProbe, SystemSnapshot};

// ---------------------------------------------------------------------------------------------
// Names, labels and label values: the one place they are spelled.

/// Counter `{route, method, status_class}`: HTTP requests answered.
pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";
/// Histogram `{route, method, status_class}`: time to the response head, in seconds.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "http_request_duration_seconds";
/// The histogram's `_sum` series (as sampled into the store).
pub const HTTP_REQUEST_DURATION_SECONDS_SUM: &str = "http_request_duration_seconds_sum";
/// The histogram's `_count` series (as sampled into the store).
pub const HTTP_REQUEST_DURATION_SECONDS_COUNT: &str = "http_request_duration_seconds_count";
/// Counter `{route, method}`: requests answered with a 5xx status.
pub const HTTP_REQUEST_ERRORS_TOTAL: &str = "http_request_errors_total";
/// Gauge: requests being handled now.
pub const HTTP_REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";
/// Gauge: in-flight requests / the configured concurrency limit.
pub const HTTP_SATURATION_RATIO: &str = "http_saturation_ratio";
/// Counter: user + system CPU time of the server process, in seconds.
pub const PROCESS_CPU_SECONDS_TOTAL: &str = "process_cpu_seconds_total";
/// Gauge: resident set size of the server process.
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";
/// Gauge: open file descriptors of the server process.
pub const PROCESS_OPEN_FDS: &str = "process_open_fds";
/// Gauge: Unix time the server process started, in seconds.
pub const PROCESS_START_TIME_SECONDS: &str = "process_start_time_seconds";
/// Gauge: busy share of the host's CPU time since the previous reading.
pub const HOST_CPU_USAGE_RATIO: &str = "host_cpu_usage_ratio";
/// Gauge: used share of the host's memory (`1 - available / total`).
pub const HOST_MEMORY_USAGE_RATIO: &str = "host_memory_usage_ratio";
/// Gauge: used share of the filesystem holding the data directory (`1 - available / total`).
pub const DATA_DIR_DISK_USAGE_RATIO: &str = "data_dir_disk_usage_ratio";

/// Counter `{outcome}`: `POST /api/rum` answers, by [`RUM_OUTCOMES`].
pub const RUM_BEACONS_TOTAL: &str = "rum_beacons_total";
/// Counter `{type}`: events of accepted beacons (`vital`, `navigation`, `timing`, `error`).
pub const RUM_EVENTS_ACCEPTED_TOTAL: &str = "rum_events_accepted_total";
/// Counter: stored rows (one per event) written by the batch writer.
pub const RUM_ROWS_WRITTEN_TOTAL: &str = "rum_rows_written_total";
/// Counter: rows accepted (answered 202) but never written: the database kept failing past the
/// writer's retries. Should stay 0; alert on any increase.
pub const RUM_ROWS_DROPPED_TOTAL: &str = "rum_rows_dropped_total";
/// Gauge: rows accepted and waiting for the batch writer.
pub const RUM_QUEUE_ROWS: &str = "rum_queue_rows";
/// Histogram: time to write one batch (one transaction) to the database, seconds.
pub const RUM_WRITE_DURATION_SECONDS: &str = "rum_write_duration_seconds";
/// Histogram `{vital, route, device}`: LCP, FCP, INP and TTFB as browsers measured them, seconds.
pub const RUM_WEB_VITAL_SECONDS: &str = "rum_web_vital_seconds";
/// Histogram `{route, device}`: cumulative layout shift (unitless).
pub const RUM_CUMULATIVE_LAYOUT_SHIFT: &str = "rum_cumulative_layout_shift";
/// Histogram `{step, route, device}`: analysis steps (read, parse, profile, drift, quality) as
/// users waited for them, seconds.
pub const RUM_ANALYSIS_DURATION_SECONDS: &str = "rum_analysis_duration_seconds";
/// Histogram `{step, route, device}`: whole analyses (profile, drift, quality) of 10,000 rows
/// or more, seconds per 10,000 rows (the PredictionLatencyHigh rule's figure).
pub const RUM_ANALYSIS_SECONDS_PER_10K_ROWS: &str = "rum_analysis_seconds_per_10k_rows";
/// Counter `{kind}`: JavaScript errors, panics and failed requests reported by browsers.
pub const RUM_ERRORS_TOTAL: &str = "rum_errors_total";

/// Counter `{outcome}`: sign-in attempts (`POST /login`, `POST /api/session`), one of
/// [`LOGIN_OUTCOMES`]. Every outcome but `success` is a `login.failure` row of the audit trail,
/// which the RepeatedLoginFailures rule counts; its Prometheus form counts this series.
pub const LOGIN_ATTEMPTS_TOTAL: &str = "login_attempts_total";
const HELP_LOGIN_ATTEMPTS: &str = "Sign-in attempts by outcome: success, failure (wrong name or password, or no valid role), rate_limited";
/// The `outcome` values of [`LOGIN_ATTEMPTS_TOTAL`].
pub const LOGIN_OUTCOMES: [&str; 3] = ["success", "failure", "rate_limited"];

/// Gauge `{probe, location}`: 1 when the probe's latest run succeeded, else 0 (as
/// blackbox_exporter's `probe_success`).
pub const PROBE_SUCCESS: &str = "probe_success";
/// Gauge `{probe, location, step}`: how long the probe's latest run took, seconds: the whole run
/// as step [`PROBE_STEP_TOTAL`], and each of its steps (`response`, `transfer`, `resolve`,
/// `connect`).
pub const PROBE_DURATION_SECONDS: &str = "probe_duration_seconds";
/// Gauge `{probe, location}`: when the TLS certificate the probe's latest run read expires, Unix
/// seconds (as blackbox_exporter's, though only the leaf certificate is read). A failed run that
/// read none (down, the handshake refused) keeps the last value; a successful one (plain
/// `http://`) removes the series.
pub const PROBE_SSL_EARLIEST_CERT_EXPIRY: &str = "probe_ssl_earliest_cert_expiry";
/// Histogram: how late each probe run started against its schedule (after its concurrency
/// permit), seconds — the scheduler's accuracy (bench/probes.py).
pub const PROBE_SCHEDULE_DELAY_SECONDS: &str = "probe_schedule_delay_seconds";
const HELP_PROBE_SCHEDULE_DELAY: &str =
    "How late probe runs started against their schedule (after the concurrency permit), seconds";
/// Bounds of [`PROBE_SCHEDULE_DELAY_SECONDS`]: 1 ms to 10 s.
const PROBE_SCHEDULE_DELAY_BUCKETS_SECONDS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Label of probe series: the probe's name.
pub const LABEL_PROBE: &str = "probe";
/// Label of probe series: where the probe ran (`local` is the server).
pub const LABEL_LOCATION: &str = "location";
/// The `step` of [`PROBE_DURATION_SECONDS`] for a whole run.
pub const PROBE_STEP_TOTAL: &str = "total";

/// Label: the route template (`/items/{id}`), [`ROUTE_STATIC`] or [`ROUTE_OTHER`].
pub const LABEL_ROUTE: &str = "route";
/// Label: the request method; methods outside [`METHODS`] are [`METHOD_OTHER`].
pub const LABEL_METHOD: &str = "method";
/// Label: `1xx` … `5xx`.
pub const LABEL_STATUS_CLASS: &str = "status_class";
/// Label added to every stored sample (not to the exposition, where Prometheus adds its own)
/// when several servers share one database, see [`Metrics::with_instance`].
pub const LABEL_INSTANCE: &str = "instance";

/// Label of RUM series: why `POST /api/rum` answered as it did, one of [`RUM_OUTCOMES`].
pub const LABEL_OUTCOME: &str = "outcome";
/// Label of RUM series: the event type.
pub const LABEL_EVENT_TYPE: &str = "type";
/// Label of RUM series: the web vital (`LCP`, `FCP`, `INP`, `TTFB`).
pub const LABEL_VITAL: &str = "vital";
/// Label of RUM series: `mobile` or `desktop`.
pub const LABEL_DEVICE: &str = "device";
/// Label of RUM series: the analysis step.
pub const LABEL_STEP: &str = "step";
/// Label of RUM series: the error kind.
pub const LABEL_KIND: &str = "kind";
/// The `outcome` values of [`RUM_BEACONS_TOTAL`].
pub const RUM_OUTCOMES: [&str; 7] = [
    "accepted",
    "bad_request",
    "too_large",
    "forbidden",
    "rate_limited",
    "overloaded",
    "disabled",
];
/// At most this many distinct page routes get their own `route` label in the RUM series; the
/// routes after them (and anything that does not look like a route template) are
/// [`ROUTE_OTHER`]. Browsers choose what they send: the bound keeps a hostile client from
/// creating series without end.
pub const RUM_MAX_ROUTE_LABELS: usize = 32;
/// Buckets of [`RUM_WEB_VITAL_SECONDS`]: every web-vitals threshold is a bound (INP 0.2/0.5,
/// TTFB 0.8/1.8, FCP 1.8/3, LCP 2.5/4 s), so each rating band is read exactly.
pub const RUM_VITAL_BUCKETS_SECONDS: [f64; 14] = [
    0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.8, 2.5, 3.0, 4.0, 6.0, 10.0, 20.0,
];
/// Buckets of [`RUM_CUMULATIVE_LAYOUT_SHIFT`] (0.1 and 0.25 are the thresholds).
pub const RUM_CLS_BUCKETS: [f64; 7] = [0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0];
/// Buckets of [`RUM_ANALYSIS_DURATION_SECONDS`] (0.2 s is the seed's prediction-latency target).
pub const RUM_ANALYSIS_BUCKETS_SECONDS: [f64; 13] = [
    0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
/// Buckets of [`RUM_WRITE_DURATION_SECONDS`].
pub const RUM_WRITE_BUCKETS_SECONDS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// `route` of a request that no route matched and no service named.
pub const ROUTE_OTHER: &str = "other";
/// `route` of the static app (the router's fallback), see [`mark_static`].
pub const ROUTE_STATIC: &str = "static";
/// `method` of a request whose method is not one of [`METHODS`].
pub const METHOD_OTHER: &str = "other";
/// The `method` label values, [`METHOD_OTHER`] last.
pub const METHODS: [&str; 10] = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    METHOD_OTHER,
];
/// The `status_class` label values.
pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Upper bounds (`le`) of the latency histogram, in seconds. 0.2 and 0.5 are bounds, so the
/// seed's 200 ms (prediction latency) and 500 ms (request latency) thresholds are resolved
/// exactly; `+Inf` is implicit.
pub const LATENCY_BUCKETS_SECONDS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0,
];

/// Process and host figures are read from the OS at most this often; reads in between reuse
/// the last snapshot.
pub const SYSTEM_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

const HELP_REQUESTS: &str = "HTTP requests answered, by route template, method and status class.";
const HELP_DURATION: &str = "Time from receiving an HTTP request to its response head, seconds.";
const HELP_ERRORS: &str = "HTTP requests answered with a 5xx status, by route template and method.";
const HELP_IN_FLIGHT: &str = "HTTP requests being handled now.";
const HELP_SATURATION: &str =
    "HTTP requests in flight divided by the configured concurrency limit.";
const HELP_PROCESS_CPU: &str = "User and system CPU time consumed by the process, seconds.";
const HELP_PROCESS_RSS: &str = "Resident memory size of the process, bytes.";
const HELP_PROCESS_FDS: &str = "Open file descriptors of the process.";
const HELP_PROCESS_START: &str = "Start time of the process since the Unix epoch, seconds.";
const HELP_HOST_CPU: &str = "Busy share of the host CPU time since the previous reading (0 to 1).";
const HELP_HOST_MEMORY: &str = "Used share of the host memory, 1 - available/total (0 to 1).";
const HELP_DISK: &str =
    "Used share of the filesystem holding the data directory, 1 - available/total (0 to 1).";
// The help texts given to `Registry::register` have no final period: prometheus-client adds it.
const HELP_RUM_BEACONS: &str = "POST /api/rum answers, by outcome";
const HELP_RUM_EVENTS: &str = "Events of accepted RUM beacons, by type";
const HELP_RUM_WRITTEN: &str = "RUM rows written to the database";
const HELP_RUM_DROPPED: &str =
    "RUM rows accepted but not written (the database kept failing); should stay 0";
const HELP_RUM_QUEUE: &str = "RUM rows accepted and waiting for the batch writer";
const HELP_RUM_WRITE: &str = "Time to write one batch of RUM rows, seconds";
const HELP_RUM_VITAL: &str =
    "Web vitals (LCP, FCP, INP, TTFB) measured by browsers, by route and device class, seconds";
const HELP_RUM_CLS: &str = "Cumulative layout shift measured by browsers, by route and device";
const HELP_RUM_ANALYSIS: &str =
    "Analysis steps as users waited for them, by step, route and device class, seconds";
const HELP_RUM_PER_10K_ROWS: &str = "Whole analyses of 10,000 rows or more as users waited for \
     them, seconds per 10,000 rows, by step, route and device class";
const HELP_RUM_ERRORS: &str = "Errors reported by browsers, by kind";
const HELP_PROBE_SUCCESS: &str =
    "1 when the probe's latest run succeeded, else 0, by probe and location";
const HELP_PROBE_DURATION: &str =
    "Duration of the probe's latest run (step=total) and of each of its steps, seconds";
const HELP_PROBE_SSL_EXPIRY: &str =
    "When the TLS certificate the probe's latest run read expires, Unix seconds";

// ---------------------------------------------------------------------------------------------
// The registry and its figures.

/// The server's metrics. `Send + Sync`; share one as `Arc<Metrics>` between the middleware,
/// `/metrics` and the sampler.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    shared: Arc<Shared>,
    instance: Option<String>,
    rum: RumMetrics,
    probes: ProbeMetrics,
    logins: Family<Single, Counter>,
}

/// What the registry's collectors and the middleware share.
#[derive(Debug)]
struct Shared {
    http: HttpSeries,
    concurrency_limit: usize,
    system: Mutex<SystemState>,
}

#[derive(Debug)]
struct SystemState {
    probe: SystemProbe,
    last: Option<(Instant, SystemSnapshot)>,
}

/// One figure as a plain value: what the sampler stores. Counters are cumulative (as in the
/// exposition); the histogram contributes its `_sum` and `_count` series.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

impl Metrics {
    /// Metrics for a server admitting at most `concurrency_limit` requests at once (the
    /// denominator of [`HTTP_SATURATION_RATIO`]; 0 is read as 1). No disk figure until
    /// [`with_data_dir`](Self::with_data_dir).
    pub fn new(concurrency_limit: usize) -> Self {
        let shared = Arc::new(Shared {
            http: HttpSeries::default(),
            concurrency_limit: concurrency_limit.max(1),
            system: Mutex::new(SystemState {
                probe: SystemProbe::new(None),
                last: None,
            }),
        });
        let mut registry = Registry::default();
        registry.register_collector(Box::new(HttpCollector(shared.clone())));
        registry.register_collector(Box::new(SystemCollector(shared.clone())));
        let rum = RumMetrics::new(&mut registry);
        let probes = ProbeMetrics::new(&mut registry);
        let logins = Family::<Single, Counter>::default();
        // Every outcome from the start, so `increase()` sees the first failure.
        for outcome in LOGIN_OUTCOMES {
            let _ = logins.get_or_create(&[(LABEL_OUTCOME, outcome)]);
        }
        registry.register(
            counter_base(LOGIN_ATTEMPTS_TOTAL),
            HELP_LOGIN_ATTEMPTS,
            logins.clone(),
        );
        Self {
            registry,
            shared,
            instance: None,
            rum,
            probes,
            logins,
        }
    }

    /// Reports [`DATA_DIR_DISK_USAGE_RATIO`] for the filesystem holding `data_dir` (which may
    /// not exist yet).
    pub fn with_data_dir(self, data_dir: impl AsRef<Path>) -> Self {
        *self.shared.lock_system() = SystemState {
            probe: SystemProbe::new(Some(data_dir.as_ref())),
            last: None,
        };
        self
    }

    /// Labels every [`sample`](Self::samples) with [`LABEL_INSTANCE`]` = instance`. Needed when
    /// several servers sample into one (PostgreSQL) database: without it their series would be
    /// the same rows and overwrite each other.
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// The registry, for metrics that other modules define (before sharing the `Metrics`).
    /// Their names belong in this module too.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Counts one sign-in attempt in [`LOGIN_ATTEMPTS_TOTAL`]; `outcome` is one of
    /// [`LOGIN_OUTCOMES`].
    pub fn login_attempt(&self, outcome: &'static str) {
        debug_assert!(LOGIN_OUTCOMES.contains(&outcome), "{outcome}");
        self.logins.get_or_create(&[(LABEL_OUTCOME, outcome)]).inc();
    }

    /// The real-user-monitoring series.
    pub fn rum(&self) -> &RumMetrics {
        &self.rum
    }

    /// The synthetic probes' series.
    pub fn probes(&self) -> &ProbeMetrics {
        &self.probes
    }

    /// The concurrency limit saturation is measured against.
    pub fn concurrency_limit(&self) -> usize {
        self.shared.concurrency_limit
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> i64 {
        self.shared.in_flight()
    }

    /// [`in_flight`](Self::in_flight) / [`concurrency_limit`](Self::concurrency_limit). Not
    /// capped: above 1 means requests are handled outside the limit (a layer-order mistake).
    pub fn saturation_ratio(&self) -> f64 {
        self.shared.saturation_ratio()
    }

    /// Records one answered request. The middleware calls this; `route` must be a template or
    /// one of the fixed route labels, never a raw path.
    pub fn observe_request(
        &self,
        route: &str,
        method: &Method,
        status: StatusCode,
        elapsed: Duration,
    ) {
        self.shared.http.observe(
            route,
            method_index(method),
            status_class_index(status),
            elapsed,
        );
    }

    /// The process and host figures, read from the OS when the last reading is older than
    /// [`SYSTEM_REFRESH_INTERVAL`].
    pub fn system_snapshot(&self) -> SystemSnapshot {
        self.shared.system_snapshot()
    }

    /// The exposition in the Prometheus text format 0.0.4 ([`CONTENT_TYPE`]), refreshing the
    /// process and host figures first (at most once per [`SYSTEM_REFRESH_INTERVAL`]).
    pub fn encode(&self) -> String {
        let mut text = String::with_capacity(16 * 1024);
        if let Err(error) = prometheus_text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "encoding the metrics failed");
        }
        text
    }

    /// Every figure of the exposition as plain values (histogram: `_sum` and `_count` only),
    /// for the sampler; with [`LABEL_INSTANCE`] when [`with_instance`](Self::with_instance)
    /// was set.
    pub fn samples(&self) -> Vec<Sample> {
        let mut samples = Vec::new();
        let rows = self.shared.http.rows();
        for row in &rows {
            let labels = || {
                vec![
                    (LABEL_ROUTE, row.route.to_string()),
                    (LABEL_METHOD, METHODS[row.method].to_string()),
                    (LABEL_STATUS_CLASS, STATUS_CLASSES[row.class].to_string()),
                ]
            };
            let count = row.count as f64;
            samples.push(sample(HTTP_REQUESTS_TOTAL, labels(), count));
            samples.push(sample(
                HTTP_REQUEST_DURATION_SECONDS_SUM,
                labels(),
                row.sum_seconds,
            ));
            samples.push(sample(HTTP_REQUEST_DURATION_SECONDS_COUNT, labels(), count));
        }
        for ((route, method), errors) in error_counts(&rows) {
            let labels = vec![
                (LABEL_ROUTE, route.to_string()),
                (LABEL_METHOD, METHODS[method].to_string()),
            ];
            samples.push(sample(HTTP_REQUEST_ERRORS_TOTAL, labels, errors as f64));
        }
        let in_flight = self.in_flight();
        let saturation = saturation_ratio(in_flight, self.shared.concurrency_limit);
        samples.push(sample(
            HTTP_REQUESTS_IN_FLIGHT,
            Vec::new(),
            in_flight as f64,
        ));
        samples.push(sample(HTTP_SATURATION_RATIO, Vec::new(), saturation));
        for (name, _, value) in system_figures(&self.system_snapshot()) {
            samples.push(sample(name, Vec::new(), value));
        }
        if let Some(instance) = &self.instance {
            for sample in &mut samples {
                sample.labels.push((LABEL_INSTANCE, instance.clone()));
            }
        }
        samples
    }
}

fn sample(name: &'static str, labels: Vec<(&'static str, String)>, value: f64) -> Sample {
    Sample {
        name,
        labels,
        value,
    }
}

/// The system figures as `(name, help, value)`, leaving out those the platform did not give.
/// All are gauges but [`PROCESS_CPU_SECONDS_TOTAL`], a counter.
fn system_figures(s: &SystemSnapshot) -> impl Iterator<Item = (&'static str, &'static str, f64)> {
    let as_f64 = |v: Option<u64>| v.map(|v| v as f64);
    [
        (
            PROCESS_CPU_SECONDS_TOTAL,
            HELP_PROCESS_CPU,
            s.process_cpu_seconds,
        ),
        (
            PROCESS_RESIDENT_MEMORY_BYTES,
            HELP_PROCESS_RSS,
            as_f64(s.process_resident_memory_bytes),
        ),
        (
            PROCESS_OPEN_FDS,
            HELP_PROCESS_FDS,
            as_f64(s.process_open_fds),
        ),
        (
            PROCESS_START_TIME_SECONDS,
            HELP_PROCESS_START,
            s.process_start_time_seconds,
        ),
        (HOST_CPU_USAGE_RATIO, HELP_HOST_CPU, s.host_cpu_usage_ratio),
        (
            HOST_MEMORY_USAGE_RATIO,
            HELP_HOST_MEMORY,
            s.host_memory_usage_ratio,
        ),
        (
            DATA_DIR_DISK_USAGE_RATIO,
            HELP_DISK,
            s.data_dir_disk_usage_ratio,
        ),
    ]
    .into_iter()
    .filter_map(|(name, help, value)| value.map(|v| (name, help, v)))
}

/// `in_flight / limit`, the limit being at least 1.
pub fn saturation_ratio(in_flight: i64, concurrency_limit: usize) -> f64 {
    in_flight.max(0) as f64 / concurrency_limit.max(1) as f64
}

impl Shared {
    fn in_flight(&self) -> i64 {
        self.http.in_flight()
    }

    fn saturation_ratio(&self) -> f64 {
        saturation_ratio(self.in_flight(), self.concurrency_limit)
    }

    fn lock_system(&self) -> std::sync::MutexGuard<'_, SystemState> {
        // A panic while refreshing leaves nothing half-written worth refusing.
        self.system.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn system_snapshot(&self) -> SystemSnapshot {
        let mut state = self.lock_system();
        match state.last {
            Some((at, snapshot)) if at.elapsed() < SYSTEM_REFRESH_INTERVAL => snapshot,
            _ => {
                let snapshot = state.probe.refresh();
                state.last = Some((Instant::now(), snapshot));
                snapshot
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP series: one cell of atomics per (route, method, status class). A route's cells are
// allocated on its first request; later requests only take a read lock and add atomically.

const BUCKETS: usize = LATENCY_BUCKETS_SECONDS.len() + 1;
const CLASS_5XX: usize = 4;

#[derive(Debug, Default)]
struct HttpSeries {
    /// A request is counted in the shard of the thread it started on, so requests served on
    /// different cores (almost) never contend for a cache line. Readers sum the shards.
    shards: [Arc<HttpShard>; SHARDS],
}

#[derive(Debug, Default)]
struct HttpShard {
    /// Requests in flight that started on this shard.
    in_flight: Padded<AtomicI64>,
    routes: Padded<RwLock<BTreeMap<Arc<str>, Arc<RouteCells>>>>,
}

impl HttpShard {
    /// The cells of `route` (created on first use). The last route looked up on this thread
    /// is remembered, so a busy route costs no lock and no map search.
    fn cells(self: &Arc<Self>, route: &str) -> Arc<RouteCells> {
        let cached = LAST_ROUTE.with(|last| {
            let last = last.borrow();
            let (shard, name, cells) = last.as_ref()?;
            (Arc::ptr_eq(shard, self) && **name == *route).then(|| cells.clone())
        });
        if let Some(cells) = cached {
            return cells;
        }
        let (name, cells) = self.lookup(route);
        LAST_ROUTE.with(|last| {
            *last.borrow_mut() = Some((self.clone(), name, cells.clone()));
        });
        cells
    }

    fn lookup(&self, route: &str) -> (Arc<str>, Arc<RouteCells>) {
        let routes = self.routes.0.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((name, cells)) = routes.get_key_value(route) {
            return (name.clone(), cells.clone());
        }
        drop(routes);
        let mut routes = self
            .routes
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let name: Arc<str> = Arc::from(route);
        let cells = routes
            .entry(name.clone())
            .or_insert_with(|| {
                Arc::new(RouteCells(std::array::from_fn(|_| {
                    std::array::from_fn(|_| Cell::default())
                })))
            })
            .clone();
        (name, cells)
    }
}

/// Shards of the per-request counters (a power of two; threads map onto them round-robin).
const SHARDS: usize = 8;

/// A value alone on its cache line.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

std::thread_local! {
    /// This thread's shard of the request counters.
    static SHARD: usize = {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS
    };
}

/// A remembered route lookup: (shard, route, cells).
type LastRoute = Option<(Arc<HttpShard>, Arc<str>, Arc<RouteCells>)>;

std::thread_local! {
    /// This thread's last route lookup.
    static LAST_ROUTE: std::cell::RefCell<LastRoute> = const { std::cell::RefCell::new(None) };
}

fn current_shard() -> usize {
    SHARD.with(|shard| *shard)
}

#[derive(Debug)]
struct RouteCells([[Cell; STATUS_CLASSES.len()]; METHODS.len()]);

#[derive(Debug, Default)]
struct Cell {
    /// Non-cumulative: `buckets[i]` counts latencies in `(bound[i-1], bound[i]]`, the last one
    /// those above every bound. Their total is the request count.
    buckets: [AtomicU64; BUCKETS],
    sum_nanos: AtomicU64,
}

/// One non-empty cell, read.
struct Row {
    route: Arc<str>,
    method: usize,
    class: usize,
    count: u64,
    sum_seconds: f64,
    /// `(upper bound, non-cumulative count)`, as prometheus-client's encoder takes them.
    buckets: [(f64, u64); BUCKETS],
}

impl HttpSeries {
    fn observe(&self, route: &str, method: usize, class: usize, elapsed: Duration) {
        self.shard().cells(route).0[method][class].observe(elapsed);
    }

    /// The calling thread's shard.
    fn shard(&self) -> &Arc<HttpShard> {
        &self.shards[current_shard()]
    }

    fn in_flight(&self) -> i64 {
        self.shards
            .iter()
            .map(|shard| shard.in_flight.0.load(Ordering::Relaxed))
            .sum()
    }

    /// Every cell that has seen a request (summed over the shards), ordered by route, method,
    /// status class.
    fn rows(&self) -> Vec<Row> {
        let mut merged: BTreeMap<(Arc<str>, usize, usize), Row> = BTreeMap::new();
        for shard in &self.shards {
            let routes = shard
                .routes
                .0
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            for (route, cells) in routes.iter() {
                for (method, by_class) in cells.0.iter().enumerate() {
                    for (class, cell) in by_class.iter().enumerate() {
                        let Some(row) = cell.read(route, method, class) else {
                            continue;
                        };
                        match merged.entry((route.clone(), method, class)) {
                            std::collections::btree_map::Entry::Vacant(slot) => {
                                slot.insert(row);
                            }
                            std::collections::btree_map::Entry::Occupied(mut slot) => {
                                let total = slot.get_mut();
                                total.count += row.count;
                                total.sum_seconds += row.sum_seconds;
                                for (sum, add) in total.buckets.iter_mut().zip(row.buckets) {
                                    sum.1 += add.1;
                                }
                            }
                        }
                    }
                }
            }
        }
        merged.into_values().collect()
    }
}

impl Cell {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS_SECONDS.partition_point(|&bound| bound < seconds);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn read(&self, route: &Arc<str>, method: usize, class: usize) -> Option<Row> {
        let buckets: [(f64, u64); BUCKETS] = std::array::from_fn(|i| {
            let bound = LATENCY_BUCKETS_SECONDS
                .get(i)
                .copied()
                .unwrap_or(f64::INFINITY);
            (bound, self.buckets[i].load(Ordering::Relaxed))
        });
        let count: u64 = buckets.iter().map(|&(_, n)| n).sum();
        (count > 0).then(|| Row {
            route: route.clone(),
            method,
            class,
            count,
            sum_seconds: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            buckets,
        })
    }
}

fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::PATCH => 5,
        Method::OPTIONS => 6,
        Method::CONNECT => 7,
        Method::TRACE => 8,
        _ => 9,
    }
}

/// 1xx → 0 … 5xx → 4 (non-standard codes above 599 count as server errors).
fn status_class_index(status: StatusCode) -> usize {
    usize::from(status.as_u16() / 100).clamp(1, 5) - 1
}

// ---------------------------------------------------------------------------------------------
// Collectors: the registry asks them for their figures at each encoding.

#[derive(Debug)]
struct HttpCollector(Arc<Shared>);

impl Collector for HttpCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let rows = self.0.http.rows();
        if !rows.is_empty() {
            let mut family = encoder.encode_descriptor(
                counter_base(HTTP_REQUESTS_TOTAL),
                HELP_REQUESTS,
                None,
                MetricType::Counter,
            )?;
            for row in &rows {
                let labels = row_labels(row);
                ConstCounter::new(row.count).encode(family.encode_family(&labels)?)?;
            }
        }
        if !rows.is_empty() {
            let mut family = encoder.encode_descriptor(
                HTTP_REQUEST_DURATION_SECONDS,
                HELP_DURATION,
                None,
                MetricType::Histogram,
            )?;
            for row in &rows {
                let labels = row_labels(row);
                family
                    .encode_family(&labels)?
                    .encode_histogram::<NoLabelSet>(
                        row.sum_seconds,
                        row.count,
                        &row.buckets,
                        None,
                    )?;
            }
        }
        let errors = error_counts(&rows);
        if !errors.is_empty() {
            let mut family = encoder.encode_descriptor(
                counter_base(HTTP_REQUEST_ERRORS_TOTAL),
                HELP_ERRORS,
                None,
                MetricType::Counter,
            )?;
            for ((route, method), count) in errors {
                let labels = [(LABEL_ROUTE, route), (LABEL_METHOD, METHODS[method])];
                ConstCounter::new(count).encode(family.encode_family(&labels)?)?;
            }
        }
        // One read for both, so they agree.
        let in_flight = self.0.in_flight();
        let family = encoder.encode_descriptor(
            HTTP_REQUESTS_IN_FLIGHT,
            HELP_IN_FLIGHT,
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(in_flight).encode(family)?;
        let family = encoder.encode_descriptor(
            HTTP_SATURATION_RATIO,
            HELP_SATURATION,
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(saturation_ratio(in_flight, self.0.concurrency_limit)).encode(family)?;
        Ok(())
    }
}

/// 5xx answers by (route, method), for every pair that has seen a request: 0 when none
/// failed, so that a rate sees the first error.
fn error_counts(rows: &[Row]) -> BTreeMap<(&str, usize), u64> {
    let mut errors = BTreeMap::new();
    for row in rows {
        *errors.entry((&*row.route, row.method)).or_default() +=
            if row.class == CLASS_5XX { row.count } else { 0 };
    }
    errors
}

fn row_labels(row: &Row) -> [(&'static str, &str); 3] {
    [
        (LABEL_ROUTE, &*row.route),
        (LABEL_METHOD, METHODS[row.method]),
        (LABEL_STATUS_CLASS, STATUS_CLASSES[row.class]),
    ]
}

/// prometheus-client appends `_total` to counter names itself.
fn counter_base(name: &'static str) -> &'static str {
    name.strip_suffix("_total").unwrap_or(name)
}

#[derive(Debug)]
struct SystemCollector(Arc<Shared>);

impl Collector for SystemCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let snapshot = self.0.system_snapshot();
        for (name, help, value) in system_figures(&snapshot) {
            if name == PROCESS_CPU_SECONDS_TOTAL {
                let family = encoder.encode_descriptor(
                    counter_base(name),
                    help,
                    None,
                    MetricType::Counter,
                )?;
                ConstCounter::new(value).encode(family)?;
            } else {
                let family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
                ConstGauge::new(value).encode(family)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Real-user monitoring: what browsers report (`POST /api/rum`) and how ingestion keeps up.

type RouteDevice = [(&'static str, String); 2];
type NamedRouteDevice = [(&'static str, String); 3];
type Single = [(&'static str, &'static str); 1];
type ProbeLocation = [(&'static str, String); 2];
type ProbeLocationStep = [(&'static str, String); 3];

/// The synthetic probes' series, as blackbox_exporter names them; reach them with
/// [`Metrics::probes`]. A probe's series go when it is deleted ([`ProbeMetrics::forget`]).
#[derive(Debug)]
pub struct ProbeMetrics {
    success: Family<ProbeLocation, Gauge>,
    duration: Family<ProbeLocationStep, Gauge<f64, AtomicU64>>,
    cert_expiry: Family<ProbeLocation, Gauge<f64, AtomicU64>>,
    /// The steps each (probe, location) has reported, so a deletion finds its series.
    steps: Mutex<BTreeMap<(String, String), Vec<String>>>,
    schedule_delay: Histogram,
}

impl ProbeMetrics {
    fn new(registry: &mut Registry) -> Self {
        let this = Self {
            success: Family::default(),
            duration: Family::default(),
            cert_expiry: Family::default(),
            steps: Mutex::new(BTreeMap::new()),
            schedule_delay: Histogram::new(PROBE_SCHEDULE_DELAY_BUCKETS_SECONDS),
        };
        registry.register(PROBE_SUCCESS, HELP_PROBE_SUCCESS, this.success.clone());
        registry.register(
            PROBE_SCHEDULE_DELAY_SECONDS,
            HELP_PROBE_SCHEDULE_DELAY,
            this.schedule_delay.clone(),
        );
        registry.register(
            PROBE_DURATION_SECONDS,
            HELP_PROBE_DURATION,
            this.duration.clone(),
        );
        registry.register(
            PROBE_SSL_EARLIEST_CERT_EXPIRY,
            HELP_PROBE_SSL_EXPIRY,
            this.cert_expiry.clone(),
        );
        this
    }

    /// Records when the certificate a finished run read expires (Unix ms). A run that read none
    /// removes the series when it succeeded (the target is plain `http://`), and keeps the
    /// last one when it failed (down, or refusing the handshake: the last certificate seen is
    /// still the one to renew), as the `CertificateExpiring` rule reads the stored results.
    pub fn observe_certificate(
        &self,
        probe: &str,
        location: &str,
        success: bool,
        expiry_ms: Option<i64>,
    ) {
        let key = [
            (LABEL_PROBE, probe.to_string()),
            (LABEL_LOCATION, location.to_string()),
        ];
        match expiry_ms {
            Some(ms) => {
                self.cert_expiry.get_or_create(&key).set(ms as f64 / 1000.0);
            }
            None if success => {
                self.cert_expiry.remove(&key);
            }
            None => {}
        }
    }

    /// Records how late a run started against its schedule.
    pub fn observe_schedule_delay(&self, late: std::time::Duration) {
        self.schedule_delay.observe(late.as_secs_f64());
    }

    /// Records a finished run: success, total duration and each `(step, duration)`.
    pub fn observe(
        &self,
        probe: &str,
        location: &str,
        success: bool,
        total: Duration,
        steps: &[(&str, Duration)],
    ) {
        let key = [
            (LABEL_PROBE, probe.to_string()),
            (LABEL_LOCATION, location.to_string()),
        ];
        self.success.get_or_create(&key).set(i64::from(success));
        let mut known = self.steps.lock().unwrap_or_else(PoisonError::into_inner);
        let names = known
            .entry((probe.to_string(), location.to_string()))
            .or_default();
        for (step, took) in std::iter::once((PROBE_STEP_TOTAL, total)).chain(steps.iter().copied())
        {
            if !names.iter().any(|n| n == step) {
                names.push(step.to_string());
            }
            let labels = [
                (LABEL_PROBE, probe.to_string()),
                (LABEL_LOCATION, location.to_string()),
                (LABEL_STEP, step.to_string()),
            ];
            self.duration.get_or_create(&labels).set(took.as_secs_f64());
        }
    }

    /// Removes every series of `probe` (it was deleted).
    pub fn forget(&self, probe: &str) {
        let mut known = self.steps.lock().unwrap_or_else(PoisonError::into_inner);
        let keys: Vec<(String, String)> =
            known.keys().filter(|(p, _)| p == probe).cloned().collect();
        for key in keys {
            let steps = known.remove(&key).unwrap_or_default();
            let (probe, location) = key;
            self.success.remove(&[
                (LABEL_PROBE, probe.clone()),
                (LABEL_LOCATION, location.clone()),
            ]);
            self.cert_expiry.remove(&[
                (LABEL_PROBE, probe.clone()),
                (LABEL_LOCATION, location.clone()),
            ]);
            for step in steps {
                self.duration.remove(&[
                    (LABEL_PROBE, probe.clone()),
                    (LABEL_LOCATION, location.clone()),
                    (LABEL_STEP, step),
                ]);
            }
        }
    }
}
type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The RUM series, registered in the [`Metrics`] registry; reach them with [`Metrics::rum`].
#[derive(Debug)]
pub struct RumMetrics {
    beacons: Family<Single, Counter>,
    events: Family<Single, Counter>,
    errors: Family<Single, Counter>,
    written: Counter,
    dropped: Counter,
    queue: Gauge,
    write_seconds: Histogram,
    vitals: HistogramFamily<NamedRouteDevice>,
    cls: HistogramFamily<RouteDevice>,
    analysis: HistogramFamily<NamedRouteDevice>,
    per_10k_rows: HistogramFamily<NamedRouteDevice>,
    routes: RwLock<std::collections::HashSet<String>>,
}

impl RumMetrics {
    fn new(registry: &mut Registry) -> Self {
        let this = Self {
            beacons: Family::default(),
            events: Family::default(),
            errors: Family::default(),
            written: Counter::default(),
            dropped: Counter::default(),
            queue: Gauge::default(),
            write_seconds: Histogram::new(RUM_WRITE_BUCKETS_SECONDS),
            vitals: Family::new_with_constructor(|| Histogram::new(RUM_VITAL_BUCKETS_SECONDS)),
            cls: Family::new_with_constructor(|| Histogram::new(RUM_CLS_BUCKETS)),
            analysis: Family::new_with_constructor(|| Histogram::new(RUM_ANALYSIS_BUCKETS_SECONDS)),
            per_10k_rows: Family::new_with_constructor(|| {
                Histogram::new(RUM_ANALYSIS_BUCKETS_SECONDS)
            }),
            routes: RwLock::new(std::collections::HashSet::new()),
        };
        // Every outcome from the start, so a rate sees the first refusal.
        for outcome in RUM_OUTCOMES {
            let _ = this.beacons.get_or_create(&[(LABEL_OUTCOME, outcome)]);
        }
        let _ = this.dropped.get();
        let base = counter_base;
        registry.register(
            base(RUM_BEACONS_TOTAL),
            HELP_RUM_BEACONS,
            this.beacons.clone(),
        );
        registry.register(
            base(RUM_EVENTS_ACCEPTED_TOTAL),
            HELP_RUM_EVENTS,
            this.events.clone(),
        );
        registry.register(
            base(RUM_ROWS_WRITTEN_TOTAL),
            HELP_RUM_WRITTEN,
            this.written.clone(),
        );
        registry.register(
            base(RUM_ROWS_DROPPED_TOTAL),
            HELP_RUM_DROPPED,
            this.dropped.clone(),
        );
        registry.register(RUM_QUEUE_ROWS, HELP_RUM_QUEUE, this.queue.clone());
        registry.register(
            RUM_WRITE_DURATION_SECONDS,
            HELP_RUM_WRITE,
            this.write_seconds.clone(),
        );
        registry.register(RUM_WEB_VITAL_SECONDS, HELP_RUM_VITAL, this.vitals.clone());
        registry.register(RUM_CUMULATIVE_LAYOUT_SHIFT, HELP_RUM_CLS, this.cls.clone());
        registry.register(
            RUM_ANALYSIS_DURATION_SECONDS,
            HELP_RUM_ANALYSIS,
            this.analysis.clone(),
        );
        registry.register(
            RUM_ANALYSIS_SECONDS_PER_10K_ROWS,
            HELP_RUM_PER_10K_ROWS,
            this.per_10k_rows.clone(),
        );
        registry.register(base(RUM_ERRORS_TOTAL), HELP_RUM_ERRORS, this.errors.clone());
        this
    }

    /// Counts one answer of `POST /api/rum`; `outcome` is one of [`RUM_OUTCOMES`].
    pub fn beacon(&self, outcome: &'static str) {
        debug_assert!(RUM_OUTCOMES.contains(&outcome), "{outcome}");
        self.beacons
            .get_or_create(&[(LABEL_OUTCOME, outcome)])
            .inc();
    }

    /// Counts `n` accepted events of type `event_type`.
    pub fn events_accepted(&self, event_type: &'static str, n: u64) {
        self.events
            .get_or_create(&[(LABEL_EVENT_TYPE, event_type)])
            .inc_by(n);
    }

    /// Observes a web vital: `name` is `LCP`, `FCP`, `INP`, `TTFB` (milliseconds) or `CLS`.
    pub fn vital(&self, name: &'static str, route: &str, device: &'static str, value: f64) {
        let route = self.route_label(route);
        if name == "CLS" {
            let labels = [(LABEL_ROUTE, route), (LABEL_DEVICE, device.to_string())];
            self.cls.get_or_create(&labels).observe(value);
        } else {
            let labels = [
                (LABEL_VITAL, name.to_string()),
                (LABEL_ROUTE, route),
                (LABEL_DEVICE, device.to_string()),
            ];
            self.vitals.get_or_create(&labels).observe(value / 1000.0);
        }
    }

    /// Observes an analysis step that took `duration_ms`.
    pub fn analysis(&self, step: &'static str, route: &str, device: &'static str, ms: f64) {
        let labels = [
            (LABEL_STEP, step.to_string()),
            (LABEL_ROUTE, self.route_label(route)),
            (LABEL_DEVICE, device.to_string()),
        ];
        self.analysis.get_or_create(&labels).observe(ms / 1000.0);
    }

    /// Observes a whole analysis's time per 10,000 rows (`ms`), for analyses of 10,000 rows
    /// or more (the caller checks).
    pub fn analysis_per_10k_rows(
        &self,
        step: &'static str,
        route: &str,
        device: &'static str,
        ms: f64,
    ) {
        let labels = [
            (LABEL_STEP, step.to_string()),
            (LABEL_ROUTE, self.route_label(route)),
            (LABEL_DEVICE, device.to_string()),
        ];
        self.per_10k_rows
            .get_or_create(&labels)
            .observe(ms / 1000.0);
    }

    /// Counts an error of `kind` reported by a browser.
    pub fn error(&self, kind: &'static str) {
        self.errors.get_or_create(&[(LABEL_KIND, kind)]).inc();
    }

    /// `n` rows entered (`n > 0`) or left (`n < 0`) the write queue.
    pub fn queue_add(&self, n: i64) {
        self.queue.inc_by(n);
    }

    /// The write queue's length as counted here.
    pub fn queue_rows(&self) -> i64 {
        self.queue.get()
    }

    /// A batch of `rows` was written in `elapsed`.
    pub fn written(&self, rows: u64, elapsed: Duration) {
        self.written.inc_by(rows);
        self.write_seconds.observe(elapsed.as_secs_f64());
    }

    /// `rows` accepted rows could not be written.
    pub fn dropped(&self, rows: u64) {
        self.dropped.inc_by(rows);
    }

    /// Rows written so far.
    pub fn written_total(&self) -> u64 {
        self.written.get()
    }

    /// Rows dropped so far.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.get()
    }

    /// The `route` label of a page route: itself while fewer than [`RUM_MAX_ROUTE_LABELS`]
    /// routes are known and it looks like a route template (`/`, letters, digits, `-_./{}:`,
    /// at most 64 bytes), else [`ROUTE_OTHER`].
    pub fn route_label(&self, route: &str) -> String {
        let plausible = route.starts_with('/')
            && route.len() <= 64
            && route
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-_.{}:".contains(&b));
        if !plausible {
            return ROUTE_OTHER.to_string();
        }
        let known = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        if known.contains(route) {
            return route.to_string();
        }
        let full = known.len() >= RUM_MAX_ROUTE_LABELS;
        drop(known);
        if full {
            return ROUTE_OTHER.to_string();
        }
        let mut known = self.routes.write().unwrap_or_else(PoisonError::into_inner);
        if known.len() < RUM_MAX_ROUTE_LABELS {
            known.insert(route.to_string());
            route.to_string()
        } else {
            ROUTE_OTHER.to_string()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP: the middleware and the `/metrics` handler.

/// The `Content-Type` of [`metrics_handler`]'s answer (Prometheus text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// Names the service that answered an unmatched request, as the `route` label. Insert it in
/// the response's extensions (see [`mark_static`]). Static strings only, so the label set stays
/// bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLabel(pub &'static str);

impl RouteLabel {
    pub const STATIC: Self = Self(ROUTE_STATIC);
}

/// Marks a response as the static app's, for `axum::middleware::map_response(mark_static)` on
/// the router's fallback service (or insert [`RouteLabel::STATIC`] in an existing middleware).
pub async fn mark_static<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    response.extensions_mut().insert(RouteLabel::STATIC);
    response
}

/// `GET /metrics`: the exposition, with [`CONTENT_TYPE`]. The state is any whose `FromRef`
/// gives an `Arc<Metrics>`.
pub async fn metrics_handler(State(metrics): State<Arc<Metrics>>) -> Response {
    // Reading /proc and statvfs may block briefly: off the async workers.
    match tokio::task::spawn_blocking(move || metrics.encode()).await {
        Ok(text) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "encoding the metrics panicked");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The golden-signals middleware for `Router::layer`: counts and times every request and
/// tracks those in flight.
pub fn layer(metrics: Arc<Metrics>) -> MetricsLayer {
    MetricsLayer { metrics }
}

/// See [`layer`].
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
}

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`MetricsLayer`] wraps around each route.
#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, ReqBody, ResBody> Service<axum::http::Request<ReqBody>> for MetricsService<S>
where
    S: Service<axum::http::Request<ReqBody>, Response = axum::http::Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = MetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::http::Request<ReqBody>) -> Self::Future {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let tracker = self.metrics.start_request(route, request.method());
        MetricsFuture {
            inner: self.inner.call(request),
            tracker: Some(tracker),
        }
    }
}

/// One request being measured: started by [`Metrics::start_request`], observed by
/// [`RequestTracker::finish`]. Dropping it unfinished (the client went away) only ends its
/// in-flight count.
pub struct RequestTracker {
    in_flight: InFlight,
    cells: Option<Arc<RouteCells>>,
    method: usize,
    started: Instant,
}

impl Metrics {
    /// Starts measuring a request: it counts as in flight until the tracker is finished or
    /// dropped. `route` is the route template when the router matched one.
    pub fn start_request(&self, route: Option<&str>, method: &Method) -> RequestTracker {
        let in_flight = InFlight::enter(self.shared.http.shard().clone());
        let cells = route.map(|route| in_flight.shard.cells(route));
        RequestTracker {
            in_flight,
            cells,
            method: method_index(method),
            started: Instant::now(),
        }
    }
}

impl RequestTracker {
    /// Records the answer: `label` names requests without a route template (e.g. the static
    /// app, [`RouteLabel::STATIC`]); without either they count as `other`.
    pub fn finish(self, status: StatusCode, label: Option<RouteLabel>) {
        let elapsed = self.started.elapsed();
        let cells = self.cells.unwrap_or_else(|| {
            self.in_flight
                .shard
                .cells(label.map_or(ROUTE_OTHER, |RouteLabel(label)| label))
        });
        cells.0[self.method][status_class_index(status)].observe(elapsed);
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, observed when it completes (no allocation per request).
    pub struct MetricsFuture<F> {
        #[pin]
        inner: F,
        tracker: Option<RequestTracker>,
    }
}

impl<F, ResBody, E> Future for MetricsFuture<F>
where
    F: Future<Output = Result<axum::http::Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        if let Some(tracker) = this.tracker.take() {
            match &result {
                Ok(response) => tracker.finish(
                    response.status(),
                    response.extensions().get::<RouteLabel>().copied(),
                ),
                Err(_) => tracker.finish(StatusCode::INTERNAL_SERVER_ERROR, None),
            }
        }
        Poll::Ready(result)
    }
}

/// Counts a request in flight from its creation until dropped — also when the request's future
/// is dropped unfinished (the client went away).
struct InFlight {
    shard: Arc<HttpShard>,
}

impl InFlight {
    fn enter(shard: Arc<HttpShard>) -> Self {
        shard.in_flight.0.fetch_add(1, Ordering::Relaxed);
        Self { shard }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.shard.in_flight.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_is_in_flight_over_the_limit() {
        assert_eq!(saturation_ratio(0, 8), 0.0);
        assert_eq!(saturation_ratio(2, 8), 0.25);
        assert_eq!(saturation_ratio(8, 8), 1.0);
        assert_eq!(saturation_ratio(3, 0), 3.0, "a limit of 0 reads as 1");
        assert_eq!(saturation_ratio(-1, 8), 0.0);

        let metrics = Arc::new(Metrics::new(4));
        assert_eq!(metrics.saturation_ratio(), 0.0);
        let shard = || metrics.shared.http.shard().clone();
        let a = InFlight::enter(shard());
        let b = InFlight::enter(shard());
        let c = InFlight::enter(shard());
        assert_eq!(metrics.in_flight(), 3);
        assert_eq!(metrics.saturation_ratio(), 0.75);
        let sampled = metrics
            .samples()
            .into_iter()
            .find(|s| s.name == HTTP_SATURATION_RATIO)
            .expect("sampled");
        assert_eq!(sampled.value, 0.75);
        assert!(metrics.encode().contains("\nhttp_saturation_ratio 0.75\n"));
        drop((a, b, c));
        assert_eq!(metrics.in_flight(), 0);
        assert_eq!(metrics.saturation_ratio(), 0.0);
    }

    #[test]
    fn latencies_fall_in_le_buckets() {
        let cell = Cell::default();
        for ms in [1, 5, 6, 200, 201, 500, 20_000] {
            cell.observe(Duration::from_millis(ms));
        }
        let row = cell.read(&Arc::from("/r"), 0, 1).expect("non-empty");
        let counts: Vec<u64> = row.buckets.iter().map(|&(_, n)| n).collect();
        // le: 0.005 0.01 0.025 0.05 0.1 0.2 0.3 0.5 0.75 1 2.5 5 10 +Inf
        assert_eq!(counts, [2, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(row.count, 7);
        assert!(
            (row.sum_seconds - 20.913).abs() < 1e-9,
            "{}",
            row.sum_seconds
        );
        assert!(row.buckets[13].0.is_infinite());
    }

    #[test]
    fn labels_are_bounded() {
        assert_eq!(METHODS[method_index(&Method::GET)], "GET");
        assert_eq!(
            METHODS[method_index(&Method::from_bytes(b"PURGE").unwrap())],
            "other"
        );
        let class = |code| STATUS_CLASSES[status_class_index(StatusCode::from_u16(code).unwrap())];
        assert_eq!(class(101), "1xx");
        assert_eq!(class(204), "2xx");
        assert_eq!(class(304), "3xx");
        assert_eq!(class(404), "4xx");
        assert_eq!(class(503), "5xx");
        assert_eq!(class(999), "5xx");
    }

    #[test]
    fn samples_mirror_the_exposition() {
        let metrics = Metrics::new(10);
        let ok = StatusCode::OK;
        metrics.observe_request("/a", &Method::GET, ok, Duration::from_millis(100));
        metrics.observe_request("/a", &Method::GET, ok, Duration::from_millis(300));
        let err = StatusCode::BAD_GATEWAY;
        metrics.observe_request("/a", &Method::GET, err, Duration::from_millis(1));
        let samples = metrics.samples();
        let find = |name: &str, class: Option<&str>| {
            samples
                .iter()
                .find(|s| {
                    s.name == name
                        && class.is_none_or(|c| s.labels.contains(&(LABEL_STATUS_CLASS, c.into())))
                })
                .map(|s| s.value)
        };
        assert_eq!(find(HTTP_REQUESTS_TOTAL, Some("2xx")), Some(2.0));
        assert_eq!(find(HTTP_REQUESTS_TOTAL, Some("5xx")), Some(1.0));
        assert_eq!(
            find(HTTP_REQUEST_DURATION_SECONDS_COUNT, Some("2xx")),
            Some(2.0)
        );
        let sum = find(HTTP_REQUEST_DURATION_SECONDS_SUM, Some("2xx")).unwrap();
        assert!((sum - 0.4).abs() < 1e-9);
        assert_eq!(find(HTTP_REQUEST_ERRORS_TOTAL, None), Some(1.0));
        assert_eq!(find(HTTP_REQUESTS_IN_FLIGHT, None), Some(0.0));
        let text = metrics.encode();
        assert!(
            text.contains(
                "http_requests_total{route=\"/a\",method=\"GET\",status_class=\"5xx\"} 1\n"
            )
        );
        assert!(text.contains("http_request_errors_total{route=\"/a\",method=\"GET\"} 1\n"));
        assert!(text.contains(
            "http_request_duration_seconds_bucket{route=\"/a\",method=\"GET\",status_class=\"2xx\",le=\"0.2\"} 1\n"
        ), "{text}");
    }

    #[test]
    fn rum_series_are_exposed_with_bounded_routes() {
        let metrics = Metrics::new(4);
        let rum = metrics.rum();
        rum.beacon("accepted");
        rum.vital("LCP", "/drift", "mobile", 2500.0);
        rum.vital("CLS", "/drift", "mobile", 0.3);
        rum.analysis("parse", "/", "desktop", 150.0);
        rum.error("panic");
        for i in 0..RUM_MAX_ROUTE_LABELS + 5 {
            rum.vital("INP", &format!("/r{i}"), "desktop", 100.0);
        }
        assert_eq!(rum.route_label("/drift?x=1"), "other");
        assert_eq!(rum.route_label("/r999"), "other");
        let text = metrics.encode();
        assert!(
            text.contains("rum_beacons_total{outcome=\"accepted\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("rum_beacons_total{outcome=\"rate_limited\"} 0\n"));
        assert!(text.contains(
            "rum_web_vital_seconds_bucket{vital=\"LCP\",route=\"/drift\",device=\"mobile\",le=\"2.5\"} 1\n"
        ), "{text}");
        assert!(text.contains(
            "rum_cumulative_layout_shift_bucket{route=\"/drift\",device=\"mobile\",le=\"0.25\"} 0\n"
        ));
        assert!(text.contains(
            "rum_analysis_duration_seconds_bucket{step=\"parse\",route=\"/\",device=\"desktop\",le=\"0.2\"} 1\n"
        ));
        assert!(text.contains("rum_errors_total{kind=\"panic\"} 1\n"));
        assert!(text.contains("route=\"other\""));
        assert!(text.contains("rum_rows_dropped_total 0\n"));
    }
}
