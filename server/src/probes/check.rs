//! A probe ready to run: its definition compiled once (HTTP client, regex, status ranges) into
//! a [`Check`], and what one run gives, an [`Outcome`].
//!
//! [`Check`] is an enum over the kinds rather than a trait object: the set of kinds is closed
//! and known here (like the storage engines), each `match` shows them all, and no future needs
//! boxing. Adding a kind is one variant, one module, one arm.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::browser::BrowserCheck;
use super::dns::DnsCheck;
use super::http::HttpCheck;
use super::spec::{ProbeKind, ProbeSpec};
use super::tcp::TcpCheck;
use super::transaction::TransactionCheck;

/// How long one step of a run took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepTiming {
    /// `response` (to the response head: resolution, connection, TLS, server time) and
    /// `transfer` (the body) for http; `resolve` and `connect` for tcp; `resolve` for dns.
    #[schema(example = "response")]
    pub step: String,
    /// Milliseconds.
    #[schema(example = 12.5)]
    pub ms: f64,
}

/// How the failure reason of a run that could not measure anything starts (a `browser` probe
/// on a machine without Chromium): such a run is neither a success nor the target's failure —
/// the status page and the uptime leave it out, the API shows the probe `unavailable`.
pub const UNAVAILABLE_PREFIX: &str = "unavailable: ";

/// Whether a stored failure reason is that of an [unavailable](Outcome::unavailable) run.
pub fn is_unavailable(failure: Option<&str>) -> bool {
    failure.is_some_and(|reason| reason.starts_with(UNAVAILABLE_PREFIX))
}

/// What one run of a probe found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub success: bool,
    /// The whole run.
    pub duration: Duration,
    /// The steps that completed, in order.
    pub steps: Vec<(Cow<'static, str>, Duration)>,
    /// Why the run failed (free of secrets: no URL, header or body). `None` on success.
    pub failure: Option<String>,
    /// When the TLS certificate the target presented expires (its `notAfter`), Unix
    /// milliseconds: the earliest of the run's connections (a transaction's steps), whether the
    /// run succeeded or not. `None` when no certificate was read (plain `http://`, another kind,
    /// a run that failed before the handshake). An instant rather than days left, so a stored
    /// result never goes stale.
    pub cert_expiry_ms: Option<i64>,
}

impl Outcome {
    /// A run that ended with `failure` after the `steps` it completed.
    pub fn failed(
        started: Instant,
        steps: Vec<(Cow<'static, str>, Duration)>,
        failure: impl Into<String>,
    ) -> Self {
        Self {
            success: false,
            duration: started.elapsed(),
            steps,
            failure: Some(failure.into()),
            cert_expiry_ms: None,
        }
    }

    /// A run that passed every check.
    pub fn succeeded(started: Instant, steps: Vec<(Cow<'static, str>, Duration)>) -> Self {
        Self {
            success: true,
            duration: started.elapsed(),
            steps,
            failure: None,
            cert_expiry_ms: None,
        }
    }

    /// This outcome with the certificate expiry the run read.
    pub fn with_cert_expiry(mut self, cert_expiry_ms: Option<i64>) -> Self {
        self.cert_expiry_ms = cert_expiry_ms;
        self
    }

    /// A run that could not measure the target (the probing machine lacks what it needs):
    /// not a success, and not held against the target either.
    pub fn unavailable(started: Instant, reason: impl std::fmt::Display) -> Self {
        Self::failed(started, Vec::new(), format!("{UNAVAILABLE_PREFIX}{reason}"))
    }

    /// Whether this run could not measure the target.
    pub fn is_unavailable(&self) -> bool {
        is_unavailable(self.failure.as_deref())
    }

    /// A run cut by the probe's hard timeout.
    pub fn timed_out(timeout: Duration) -> Self {
        Self {
            success: false,
            duration: timeout,
            steps: Vec::new(),
            failure: Some(format!("timed out after {} ms", timeout.as_millis())),
            cert_expiry_ms: None,
        }
    }

    /// The steps as stored and answered.
    pub fn step_timings(&self) -> Vec<StepTiming> {
        self.steps
            .iter()
            .map(|(step, took)| StepTiming {
                step: step.to_string(),
                ms: took.as_secs_f64() * 1000.0,
            })
            .collect()
    }
}

/// A compiled probe.
#[derive(Debug)]
pub enum Check {
    /// Boxed: an HTTP check (client, headers, regex) is much larger than the others.
    Http(Box<HttpCheck>),
    Tcp(TcpCheck),
    Dns(DnsCheck),
    /// Boxed like http: it holds every step's request and assertions.
    Transaction(Box<TransactionCheck>),
    Browser(Box<BrowserCheck>),
}

/// A compiled probe with the checks every kind shares.
#[derive(Debug)]
pub struct CompiledProbe {
    pub check: Check,
    pub timeout: Duration,
    pub max_latency: Option<Duration>,
}

impl CompiledProbe {
    /// Compiles a [validated](ProbeSpec::validate) definition (builds its HTTP client).
    pub fn compile(spec: &ProbeSpec) -> Result<CompiledProbe, String> {
        spec.validate()?;
        let named = |reason: String| format!("probe `{}`: {reason}", spec.name);
        let check = match spec.kind {
            ProbeKind::Http => {
                let target = spec
                    .http
                    .as_ref()
                    .ok_or_else(|| named("no http table".into()))?;
                Check::Http(Box::new(
                    HttpCheck::new(target, &spec.assertions).map_err(named)?,
                ))
            }
            ProbeKind::Tcp => {
                let target = spec
                    .tcp
                    .as_ref()
                    .ok_or_else(|| named("no tcp table".into()))?;
                Check::Tcp(TcpCheck::new(target).map_err(named)?)
            }
            ProbeKind::Dns => {
                let target = spec
                    .dns
                    .as_ref()
                    .ok_or_else(|| named("no dns table".into()))?;
                Check::Dns(DnsCheck::new(target).map_err(named)?)
            }
            ProbeKind::Transaction => {
                let target = spec
                    .transaction
                    .as_ref()
                    .ok_or_else(|| named("no transaction table".into()))?;
                Check::Transaction(Box::new(TransactionCheck::new(target).map_err(named)?))
            }
            ProbeKind::Browser => {
                let target = spec
                    .browser
                    .as_ref()
                    .ok_or_else(|| named("no browser table".into()))?;
                Check::Browser(Box::new(BrowserCheck::new(
                    target,
                    Duration::from_millis(spec.timeout_ms),
                )))
            }
        };
        Ok(CompiledProbe {
            check,
            timeout: Duration::from_millis(spec.timeout_ms),
            max_latency: spec.assertions.max_latency_ms.map(Duration::from_millis),
        })
    }

    /// One run, without the hard timeout (the scheduler adds it), with the latency ceiling.
    pub async fn run(&self) -> Outcome {
        let mut outcome = match &self.check {
            Check::Http(check) => check.run().await,
            Check::Tcp(check) => check.run().await,
            Check::Dns(check) => check.run().await,
            Check::Transaction(check) => check.run().await,
            Check::Browser(check) => check.run().await,
        };
        if let Some(ceiling) = self.max_latency
            && outcome.success
            && outcome.duration > ceiling
        {
            outcome.success = false;
            outcome.failure = Some(format!(
                "took {} ms, more than the ceiling of {} ms",
                outcome.duration.as_millis(),
                ceiling.as_millis()
            ));
        }
        outcome
    }

    /// One run with the hard timeout: a target that does not answer in time is a failure
    /// reported at the timeout.
    pub async fn run_with_timeout(&self) -> Outcome {
        match tokio::time::timeout(self.timeout, self.run()).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::timed_out(self.timeout),
        }
    }
}
