//! The probe agent: runs, away from the server, the probes assigned to one location, and
//! pushes their results to the server (`csv-analyzer probe-agent`, see `cli/probe_agent.rs`).
//!
//! - **Definitions** come from `GET /api/agent/probes?location=NAME` (API token; unredacted,
//!   since the agent must send the real headers and bodies), fetched at start and every
//!   `refresh` after. While the server cannot be reached the last definitions keep running.
//! - **Runs** use the server's own scheduler and kinds ([`Probes::for_agent`] +
//!   [`scheduler::run`]): the same jitter, concurrency limit and hard timeouts. Each finished run
//!   arrives here as a [`RunReport`].
//! - **Delivery** is at least once on the agent's side and exactly once on the server's: each
//!   result gets a UUID and is appended to the spool file (`<spool-dir>/results.jsonl`, one JSON
//!   line per result, flushed to disk) before anything is sent; batches of at most
//!   [`MAX_BATCH`] go to `POST /api/agent/results` in spool order; the acknowledged ones are then
//!   removed from the file (rewritten beside it and renamed over it). The server stores a result
//!   id once, so a batch sent again (its answer was lost, the agent restarted) is not doubled.
//!   While the server does not answer, attempts back off exponentially (1 s, 2 s, 4 s… up to
//!   `max_backoff`) and the spool grows; once it answers, the backlog is sent in order. A
//!   restarted agent sends what its spool holds first.
//! - **The spool is bounded** (`--max-spooled`, default [`DEFAULT_MAX_SPOOLED`]): an outage
//!   longer than it holds drops the oldest tenth of the backlog at a time, with an error in the
//!   log naming how many were dropped in all, so the disk never fills and the newest results,
//!   the ones that say how things are now, are kept.
//!
//! Logs say when the server becomes unreachable (once per outage, with the backlog) and when the
//! backlog has drained; they never carry the token or a probe's URL, headers or body.

use std::collections::VecDeque;
use std::future::Future;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode, Url};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use utoipa::ToSchema;

use super::Probes;
use super::check::StepTiming;
use super::scheduler::{self, RunReport};
use super::spec::ProbeSpec;
use crate::telemetry::metrics::Metrics;

/// Where an agent reads its definitions.
pub const ASSIGNED_PATH: &str = "/api/agent/probes";
/// Where an agent pushes its results.
pub const RESULTS_PATH: &str = "/api/agent/results";
/// Most results in one push.
pub const MAX_BATCH: usize = 500;
/// The spool file's name in the spool directory.
pub const SPOOL_FILE: &str = "results.jsonl";
/// Results the spool holds by default before it drops the oldest: with ten probes every 30 s,
/// about a week of outage (a result is about 300 bytes on disk, so some 60 MB).
pub const DEFAULT_MAX_SPOOLED: usize = 200_000;
/// Longest failure reason kept.
pub const MAX_FAILURE_CHARS: usize = 1_000;
/// The latest certificate expiry a result may carry: 9999-12-31T23:59:59Z, the last instant an
/// X.509 validity can name, in Unix milliseconds.
pub const MAX_CERT_EXPIRY_MS: i64 = 253_402_300_799_000;

/// The answer of `GET /api/agent/probes`: the definitions whose `locations` include the
/// agent's, unredacted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssignedProbes {
    #[schema(example = "eu-west")]
    pub location: String,
    pub probes: Vec<ProbeSpec>,
}

/// One run, as an agent pushes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentResult {
    /// Unique per result (a UUID): the server stores an id once.
    #[schema(example = "6f1c1f5e-3f0b-4c59-9b43-3f8f3f0e6a11")]
    pub id: String,
    #[schema(example = "app")]
    pub probe: String,
    /// When the run started, Unix milliseconds.
    pub started_ms: i64,
    pub success: bool,
    pub duration_ms: f64,
    #[serde(default)]
    pub timings: Vec<StepTiming>,
    #[serde(default)]
    pub failure: Option<String>,
    /// When the TLS certificate the run read expires (its `notAfter`), Unix milliseconds;
    /// absent when it read none. Optional: agents older than this field omit it, and it is
    /// left out when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 1800864000000_i64)]
    pub cert_expiry_ms: Option<i64>,
}

/// The body of `POST /api/agent/results`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBatch {
    /// The agent's location (not `local`).
    #[schema(example = "eu-west")]
    pub location: String,
    /// At most 500, oldest first.
    pub results: Vec<AgentResult>,
}

/// The answer of `POST /api/agent/results`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchReceipt {
    /// Results in the batch.
    pub received: usize,
    /// Results stored now (the others were stored before, or are ignored).
    pub stored: usize,
    /// Results of a probe that no longer exists or no longer runs at this location: dropped.
    pub ignored: usize,
}

impl AgentResult {
    /// Why this result cannot be stored, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.id.is_empty()
            || self.id.len() > 64
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(format!(
                "result id `{}` must have 1 to 64 letters, digits or `-`",
                self.id
            ));
        }
        if !(self.duration_ms.is_finite() && self.duration_ms >= 0.0) {
            return Err(format!(
                "result `{}`: duration_ms must be a finite number ≥ 0",
                self.id
            ));
        }
        if self.started_ms <= 0 {
            return Err(format!(
                "result `{}`: started_ms must be a Unix time in ms",
                self.id
            ));
        }
        if self
            .cert_expiry_ms
            .is_some_and(|ms| !(0..=MAX_CERT_EXPIRY_MS).contains(&ms))
        {
            return Err(format!(
                "result `{}`: cert_expiry_ms must be a Unix time in ms (up to the year 9999)",
                self.id
            ));
        }
        if self
            .timings
            .iter()
            .any(|t| !(t.ms.is_finite() && t.ms >= 0.0) || t.step.len() > 64)
        {
            return Err(format!(
                "result `{}`: a timing is not a step name and a finite number ≥ 0",
                self.id
            ));
        }
        Ok(())
    }

    fn from_report(report: &RunReport) -> AgentResult {
        AgentResult {
            id: uuid::Uuid::new_v4().to_string(),
            probe: report.probe.clone(),
            started_ms: report.started_ms,
            success: report.outcome.success,
            duration_ms: report.outcome.duration.as_secs_f64() * 1000.0,
            timings: report.outcome.step_timings(),
            failure: report
                .outcome
                .failure
                .as_ref()
                .map(|f| f.chars().take(MAX_FAILURE_CHARS).collect()),
            cert_expiry_ms: report.outcome.cert_expiry_ms,
        }
    }
}

/// How an agent runs.
#[derive(Debug, Clone)]
pub struct AgentSettings {
    /// The server's base URL (`http://host:port`).
    pub server: Url,
    /// An API token (`csva_…`).
    pub token: String,
    /// This agent's location.
    pub location: String,
    /// Where unsent results are kept.
    pub spool_dir: PathBuf,
    /// Between two fetches of the definitions.
    pub refresh: Duration,
    /// The longest wait between two attempts while the server does not answer.
    pub max_backoff: Duration,
    /// Runs in flight at once.
    pub max_concurrency: usize,
    /// Results the spool holds at most (the oldest go first).
    pub max_spooled: usize,
}

/// The spool: unsent results, in memory and in one append-only file.
#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
    file: std::fs::File,
    pending: VecDeque<AgentResult>,
    /// Most results held.
    max: usize,
    /// Results dropped so far because the spool was full.
    dropped: u64,
}

impl Spool {
    /// Opens (creates) `dir/results.jsonl` and reads what it holds, keeping at most `max`
    /// results (the newest). A line that does not parse (a write cut by a crash) is skipped
    /// with a warning.
    pub fn open(dir: &Path, max: usize) -> Result<Spool, String> {
        let max = max.max(1);
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the spool directory {}: {e}", dir.display()))?;
        let path = dir.join(SPOOL_FILE);
        let mut pending = VecDeque::new();
        if path.exists() {
            let file = std::fs::File::open(&path)
                .map_err(|e| format!("cannot read the spool {}: {e}", path.display()))?;
            for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
                let line =
                    line.map_err(|e| format!("cannot read the spool {}: {e}", path.display()))?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<AgentResult>(&line) {
                    Ok(result) => pending.push_back(result),
                    Err(error) => tracing::warn!(
                        line = number + 1,
                        error = %error,
                        "a spool line does not parse (cut by a crash?); skipped"
                    ),
                }
            }
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot write the spool {}: {e}", path.display()))?;
        let mut spool = Spool {
            path,
            file,
            pending,
            max,
            dropped: 0,
        };
        if spool.pending.len() > max {
            let excess = spool.pending.len() - max;
            spool
                .drop_oldest(excess)
                .map_err(|e| format!("cannot write the spool {}: {e}", spool.path.display()))?;
        }
        Ok(spool)
    }

    /// Results dropped so far because the spool was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Drops the `n` oldest results unsent (the spool is full) and says so.
    fn drop_oldest(&mut self, n: usize) -> std::io::Result<()> {
        let n = n.min(self.pending.len());
        self.pending.drain(..n);
        self.dropped += n as u64;
        tracing::error!(
            dropped_now = n,
            dropped_in_all = self.dropped,
            kept = self.pending.len(),
            max = self.max,
            "the spool is full: its oldest results are dropped unsent"
        );
        self.rewrite()
    }

    /// Appends a result (on disk before this returns). When the spool is full, the oldest
    /// tenth of it is dropped first.
    pub fn push(&mut self, result: AgentResult) -> std::io::Result<()> {
        if self.pending.len() >= self.max {
            self.drop_oldest((self.max / 10).max(1))?;
        }
        let mut line = serde_json::to_vec(&result).map_err(std::io::Error::other)?;
        line.push(b'\n');
        // Kept in memory even when the disk refuses it: sent anyway while the agent runs.
        self.pending.push_back(result);
        self.file.write_all(&line)?;
        self.file.sync_data()
    }

    /// The oldest results, at most `n`.
    pub fn front(&self, n: usize) -> Vec<AgentResult> {
        self.pending.iter().take(n).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Removes the `n` oldest results (acknowledged) and rewrites the file with the rest.
    pub fn acknowledge(&mut self, n: usize) -> std::io::Result<()> {
        let n = n.min(self.pending.len());
        self.pending.drain(..n);
        self.rewrite()
    }

    /// Writes the file anew with what the spool holds (beside it, then renamed over it).
    fn rewrite(&mut self) -> std::io::Result<()> {
        let temporary = self.path.with_extension("jsonl.tmp");
        {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
            for result in &self.pending {
                serde_json::to_writer(&mut out, result).map_err(std::io::Error::other)?;
                out.write_all(b"\n")?;
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        std::fs::rename(&temporary, &self.path)?;
        self.file = std::fs::OpenOptions::new().append(true).open(&self.path)?;
        Ok(())
    }
}

/// Why a push or a fetch did not work.
#[derive(Debug)]
enum Failure {
    /// No answer, or a 5xx/429: try again later.
    Unreachable(String),
    /// 401: the token is unknown or revoked (try again later: it may be fixed).
    Unauthorized,
    /// Another 4xx: the server will never take this batch.
    Refused(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "{why}"),
            Failure::Unauthorized => write!(f, "the server refused the token (401)"),
            Failure::Refused(why) => write!(f, "{why}"),
        }
    }
}

/// The agent's connection to the server.
struct Remote {
    client: Client,
    assigned: Url,
    results: Url,
    authorization: String,
    location: String,
}

impl Remote {
    fn new(settings: &AgentSettings) -> Result<Remote, String> {
        let join = |path: &str| {
            settings
                .server
                .join(path)
                .map_err(|e| format!("--server: {e}"))
        };
        let mut assigned = join(ASSIGNED_PATH)?;
        assigned
            .query_pairs_mut()
            .append_pair("location", &settings.location);
        let client = Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("csv-analyzer-agent/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Remote {
            client,
            assigned,
            results: join(RESULTS_PATH)?,
            authorization: format!("Bearer {}", settings.token),
            location: settings.location.clone(),
        })
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
        let response = request
            .header(reqwest::header::AUTHORIZATION, &self.authorization)
            .send()
            .await
            .map_err(|e| Failure::Unreachable(super::http::describe(e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let detail = response.text().await.unwrap_or_default();
        let detail: String = detail.chars().take(300).collect();
        Err(match status {
            StatusCode::UNAUTHORIZED => Failure::Unauthorized,
            s if s.is_server_error()
                || s == StatusCode::TOO_MANY_REQUESTS
                || s == StatusCode::REQUEST_TIMEOUT =>
            {
                Failure::Unreachable(format!("the server answered {s}"))
            }
            s => Failure::Refused(format!("the server answered {s}: {detail}")),
        })
    }

    async fn fetch(&self) -> Result<Vec<ProbeSpec>, Failure> {
        let response = self.answer(self.client.get(self.assigned.clone())).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Unreachable(super::http::describe(e)))?;
        let assigned: AssignedProbes = serde_json::from_slice(&bytes)
            .map_err(|e| Failure::Refused(format!("the definitions do not parse: {e}")))?;
        Ok(assigned.probes)
    }

    async fn push(&self, results: Vec<AgentResult>) -> Result<BatchReceipt, Failure> {
        let batch = ResultBatch {
            location: self.location.clone(),
            results,
        };
        let body = serde_json::to_vec(&batch).map_err(|e| Failure::Refused(e.to_string()))?;
        let response = self
            .answer(
                self.client
                    .post(self.results.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body),
            )
            .await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Unreachable(super::http::describe(e)))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Failure::Unreachable(format!("the receipt does not parse: {e}")))
    }
}

/// Runs the agent until `shutdown` completes. Errors are start-up errors (the spool cannot be
/// opened…); an unreachable server is never one.
pub async fn run(
    settings: AgentSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let mut spool = Spool::open(&settings.spool_dir, settings.max_spooled)?;
    let remote = Remote::new(&settings)?;
    let (reports, mut received) = tokio::sync::mpsc::unbounded_channel();
    let probes = Probes::for_agent(
        &settings.location,
        settings.max_concurrency,
        Arc::new(Metrics::new(settings.max_concurrency)),
        reports,
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(scheduler::run(probes.clone(), {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        }
    }));
    tracing::info!(
        location = %settings.location,
        spooled = spool.len(),
        "probe agent started"
    );
    let mut shutdown = std::pin::pin!(shutdown);
    let mut next_refresh = Instant::now();
    let mut next_send = Instant::now();
    let mut backoff = Duration::ZERO;
    let mut outage = false;
    let mut loaded = false;
    let mut fetch_failing = false;
    loop {
        let now = Instant::now();
        if now >= next_refresh {
            next_refresh = match remote.fetch().await {
                Ok(specs) => {
                    let count = specs.len();
                    for why in probes.assign(specs) {
                        tracing::warn!(reason = %why, "a probe definition does not run here; skipped");
                    }
                    if !loaded || fetch_failing {
                        tracing::info!(probes = count, "probe definitions loaded");
                        loaded = true;
                        fetch_failing = false;
                    }
                    now + settings.refresh
                }
                Err(failure) => {
                    if fetch_failing {
                        tracing::debug!(reason = %failure, "still cannot fetch the probe definitions");
                    } else {
                        tracing::warn!(
                            reason = %failure,
                            "cannot fetch the probe definitions; the last ones keep running"
                        );
                        fetch_failing = true;
                    }
                    now + settings
                        .refresh
                        .min(settings.max_backoff.max(Duration::from_secs(1)))
                }
            };
        }
        if !spool.is_empty() && now >= next_send {
            let batch = spool.front(MAX_BATCH);
            let sent = batch.len();
            match remote.push(batch).await {
                Ok(receipt) => {
                    if let Err(error) = spool.acknowledge(sent) {
                        tracing::error!(error = %error, "cannot rewrite the spool; its results will be sent again (the server stores them once)");
                    }
                    tracing::debug!(
                        sent,
                        stored = receipt.stored,
                        ignored = receipt.ignored,
                        "results delivered"
                    );
                    backoff = Duration::ZERO;
                    if spool.is_empty() && outage {
                        tracing::info!("the server is reachable again: the backlog has drained");
                        outage = false;
                    }
                    continue;
                }
                Err(Failure::Refused(why)) => {
                    tracing::error!(reason = %why, dropped = sent, "the server refused a batch of results; dropped");
                    let _ = spool.acknowledge(sent);
                    continue;
                }
                Err(failure) => {
                    backoff = if backoff.is_zero() {
                        Duration::from_secs(1)
                    } else {
                        backoff * 2
                    }
                    .min(settings.max_backoff.max(Duration::from_millis(100)));
                    if !outage {
                        tracing::warn!(
                            reason = %failure,
                            backlog = spool.len(),
                            "the server is unreachable: results are kept in the spool and retried with backoff"
                        );
                        outage = true;
                    } else {
                        tracing::debug!(reason = %failure, backlog = spool.len(), retry_in_ms = backoff.as_millis() as u64, "still unreachable");
                    }
                    next_send = Instant::now() + backoff;
                }
            }
        }
        let mut wake = next_refresh;
        if !spool.is_empty() {
            wake = wake.min(next_send);
        }
        tokio::select! {
            () = &mut shutdown => break,
            report = received.recv() => {
                let Some(report) = report else { break };
                spool_report(&mut spool, &report);
            }
            () = tokio::time::sleep_until(wake) => {}
        }
    }
    let _ = stop.send(true);
    let _ = scheduler.await;
    // Runs that finished before the scheduler stopped are spooled, to be sent by the next start.
    while let Ok(report) = received.try_recv() {
        spool_report(&mut spool, &report);
    }
    tracing::info!(spooled = spool.len(), "probe agent stopped");
    Ok(())
}

/// Appends a run's result to the spool (logged with its id at debug level).
fn spool_report(spool: &mut Spool, report: &RunReport) {
    if let Some(failure) = &report.outcome.failure {
        tracing::info!(probe = %report.probe, failure = %failure, "probe failed");
    }
    let result = AgentResult::from_report(report);
    tracing::debug!(probe = %result.probe, id = %result.id, "result spooled");
    if let Err(error) = spool.push(result) {
        tracing::error!(error = %error, "cannot write the spool: a result is kept in memory only");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(n: usize) -> AgentResult {
        AgentResult {
            id: format!("id-{n}"),
            probe: "p".to_string(),
            started_ms: n as i64,
            success: true,
            duration_ms: 1.0,
            timings: Vec::new(),
            failure: None,
            cert_expiry_ms: None,
        }
    }

    fn ids(spool: &Spool) -> Vec<String> {
        spool.front(usize::MAX).into_iter().map(|r| r.id).collect()
    }

    #[test]
    fn results_without_a_certificate_expiry_read_and_write_as_before() {
        // A result as agents before `cert_expiry_ms` wrote it (spool line or batch entry).
        let old = r#"{"id":"id-1","probe":"p","started_ms":5,"success":true,"duration_ms":1.0,"timings":[],"failure":null}"#;
        let parsed: AgentResult = serde_json::from_str(old).expect("an old agent's result");
        assert_eq!(parsed, result(5).with_id("id-1"));
        assert_eq!(parsed.cert_expiry_ms, None);
        assert!(parsed.check().is_ok());
        // Without an expiry, the field is left out: the payload is the old one.
        let written = serde_json::to_value(&parsed).expect("json");
        assert_eq!(
            written,
            serde_json::from_str::<serde_json::Value>(old).expect("json")
        );
        let batch: ResultBatch =
            serde_json::from_str(&format!(r#"{{"location":"eu-west","results":[{old}]}}"#))
                .expect("an old agent's batch");
        assert_eq!(batch.results[0].cert_expiry_ms, None);

        // With one, it round-trips; out of range, the result is refused.
        let mut with = result(6);
        with.cert_expiry_ms = Some(1_800_864_000_000);
        let text = serde_json::to_string(&with).expect("json");
        assert!(text.contains(r#""cert_expiry_ms":1800864000000"#), "{text}");
        assert_eq!(
            serde_json::from_str::<AgentResult>(&text).expect("parse"),
            with
        );
        with.cert_expiry_ms = Some(-1);
        assert!(with.check().unwrap_err().contains("cert_expiry_ms"));
        with.cert_expiry_ms = Some(MAX_CERT_EXPIRY_MS + 1);
        assert!(with.check().is_err());
        with.cert_expiry_ms = Some(MAX_CERT_EXPIRY_MS);
        assert!(with.check().is_ok());
    }

    impl AgentResult {
        fn with_id(mut self, id: &str) -> Self {
            self.id = id.to_string();
            self
        }
    }

    #[test]
    fn a_full_spool_drops_its_oldest_tenth_and_keeps_the_newest_on_disk() {
        let dir = tempfile::tempdir().expect("dir");
        let mut spool = Spool::open(dir.path(), 20).expect("open");
        for n in 0..25 {
            spool.push(result(n)).expect("push");
        }
        // Full at 20: the 21st push drops 0–1, the 23rd drops 2–3, the 25th drops 4–5.
        assert_eq!(spool.dropped(), 6);
        assert_eq!(
            ids(&spool),
            (6..25).map(|n| format!("id-{n}")).collect::<Vec<_>>()
        );
        let reopened = Spool::open(dir.path(), 20).expect("reopen");
        assert_eq!(
            ids(&reopened),
            ids(&spool),
            "the file holds what memory holds"
        );

        let smaller = Spool::open(dir.path(), 5).expect("reopen smaller");
        assert_eq!(smaller.dropped(), 14);
        assert_eq!(
            ids(&smaller),
            (20..25).map(|n| format!("id-{n}")).collect::<Vec<_>>()
        );
    }
}
