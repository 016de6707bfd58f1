//! Forwarding the engine's alerts to external Alertmanagers (`[[alerting.alertmanagers]]`), as
//! Prometheus's notifier does: every firing alert is posted to `/api/v2/alerts` with an
//! `endsAt` a few resend intervals ahead, again after every evaluation that changed something
//! and at least every `forward_resend_seconds`, so that Alertmanager keeps it firing while the
//! engine does and resolves it on its own if this server stops sending. A resolved alert is
//! posted with its resolution time as `endsAt` for 15 minutes, so that an Alertmanager that
//! missed one post still learns of it.
//!
//! Alertmanager then groups, silences and routes them to its own receivers. Not forwarded:
//! pending alerts (Prometheus does not send them either), alerts held by a maintenance window
//! (they are not incidents), and alerts that came from an Alertmanager (`alertmanager/` rules),
//! so that an Alertmanager whose webhook points back here makes no loop.
//!
//! Each post carries the whole current set, so a failed post loses nothing: the next one
//! repeats it. Failures are logged and counted per Alertmanager.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::engine::{Alert, EXTERNAL_RULE_PREFIX, Engine};
use super::notify::spec::{Schemes, check_url};
use super::state::Phase;

/// How long a resolved alert is still posted.
const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;
/// `endsAt` of a firing alert: this many resend intervals ahead (Prometheus's choice).
const ENDS_AT_INTERVALS: i64 = 4;

/// One `[[alerting.alertmanagers]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerTarget {
    /// Alertmanager's base URL (`http://alertmanager:9093`); alerts go to `<url>/api/v2/alerts`.
    pub url: String,
    /// Seconds one post may take.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// Sent as `Authorization: Bearer …` when set (an Alertmanager behind a proxy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
}

fn default_timeout_seconds() -> u64 {
    10
}

impl AlertmanagerTarget {
    /// Checks the URL and timeout; the reason names the key.
    pub fn validate(&self) -> Result<(), String> {
        self.endpoint().map(|_| ())?;
        if !(1..=300).contains(&self.timeout_seconds) {
            return Err(format!(
                "alertmanager {}: `timeout_seconds` must be 1 to 300, not {}",
                self.url, self.timeout_seconds
            ));
        }
        Ok(())
    }

    /// `<url>/api/v2/alerts`.
    fn endpoint(&self) -> Result<reqwest::Url, String> {
        let base = check_url(
            "alerting.alertmanagers.url",
            &self.url,
            Schemes::HttpOrHttps,
        )?;
        if base.query().is_some() || base.fragment().is_some() {
            return Err(
                "`alerting.alertmanagers.url` is Alertmanager's base URL, without a query or fragment"
                    .to_string(),
            );
        }
        let path = format!("{}/api/v2/alerts", base.path().trim_end_matches('/'));
        let mut endpoint = base;
        endpoint.set_path(&path);
        Ok(endpoint)
    }
}

/// One alert as Alertmanager's `POST /api/v2/alerts` takes it (`postableAlert`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(rename = "generatorURL")]
    pub generator_url: String,
}

/// The alerts to post at `now_ms`: firing ones ending `ends_in_ms` from now, and those
/// resolved in the last 15 minutes ending when they were resolved. `held` says which
/// fingerprints a maintenance window holds (left out).
pub fn postable(
    alerts: &[Alert],
    held: &dyn Fn(&Alert) -> bool,
    now_ms: i64,
    ends_in_ms: i64,
    external_url: &str,
) -> Vec<PostableAlert> {
    let mut out: Vec<PostableAlert> = alerts
        .iter()
        .filter(|alert| !alert.rule.starts_with(EXTERNAL_RULE_PREFIX))
        .filter_map(|alert| {
            let state = alert.state;
            let ends_at_ms = match state.phase {
                Phase::Firing => now_ms.saturating_add(ends_in_ms),
                Phase::Resolved => {
                    let resolved = state.resolved_at_ms?;
                    if now_ms.saturating_sub(resolved) > RESOLVED_RETENTION_MS {
                        return None;
                    }
                    resolved
                }
                Phase::Inactive | Phase::Pending => return None,
            };
            if held(alert) {
                return None;
            }
            let starts_at_ms = state
                .fired_at_ms
                .or(state.active_since_ms)
                .unwrap_or(alert.evaluated_ms);
            Some(PostableAlert {
                labels: alert.labels.clone(),
                annotations: alert.annotations.clone(),
                starts_at: rfc3339(starts_at_ms),
                ends_at: rfc3339(ends_at_ms),
                generator_url: format!(
                    "{}/alerts#{}",
                    external_url.trim_end_matches('/'),
                    alert.fingerprint
                ),
            })
        })
        .collect();
    out.sort_by(|a, b| a.labels.cmp(&b.labels));
    out
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The outcome of the latest post to one Alertmanager.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TargetHealth {
    /// Unix ms of the latest successful post.
    pub last_success_ms: Option<i64>,
    /// The latest failure, cleared by a success.
    pub last_error: Option<String>,
    /// Posts that failed since start.
    pub failures: u64,
}

/// Posts the engine's alerts to the configured Alertmanagers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Forwarder {
    inner: Arc<ForwarderInner>,
}

#[derive(Debug)]
struct ForwarderInner {
    targets: Vec<(AlertmanagerTarget, reqwest::Url, reqwest::Client)>,
    engine: Engine,
    resend: Duration,
    external_url: String,
    health: Mutex<Vec<TargetHealth>>,
}

impl Forwarder {
    /// A forwarder to `targets` (validated here; the error names the bad one), resending at
    /// least every `resend`.
    pub fn new(
        targets: &[AlertmanagerTarget],
        engine: Engine,
        resend: Duration,
        external_url: &str,
    ) -> Result<Forwarder, String> {
        let mut compiled = Vec::with_capacity(targets.len());
        for target in targets {
            target.validate()?;
            let endpoint = target.endpoint()?;
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(target.timeout_seconds))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("csv-analyzer/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
            compiled.push((target.clone(), endpoint, client));
        }
        Ok(Forwarder {
            inner: Arc::new(ForwarderInner {
                health: Mutex::new(vec![TargetHealth::default(); compiled.len()]),
                targets: compiled,
                engine,
                resend: resend.max(Duration::from_secs(1)),
                external_url: external_url.to_string(),
            }),
        })
    }

    /// Whether there is somewhere to forward to.
    pub fn is_enabled(&self) -> bool {
        !self.inner.targets.is_empty()
    }

    /// Each Alertmanager's latest outcome, in configuration order.
    pub fn health(&self) -> Vec<(String, TargetHealth)> {
        let health = self
            .inner
            .health
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.inner
            .targets
            .iter()
            .zip(health.iter())
            .map(|((target, ..), health)| (target.url.clone(), health.clone()))
            .collect()
    }

    /// Posts the current alerts at `now_ms` to every Alertmanager; returns how many alerts
    /// were posted and how many Alertmanagers failed.
    pub async fn send(&self, now_ms: i64) -> (usize, usize) {
        let alerts = self.inner.engine.alerts();
        let mut held = std::collections::BTreeSet::new();
        for alert in alerts.iter().filter(|a| a.state.phase == Phase::Firing) {
            match self
                .inner
                .engine
                .maintenance_hold(&alert.labels, now_ms)
                .await
            {
                Ok(Some(_)) => {
                    held.insert(alert.fingerprint.clone());
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(
                    error = %error,
                    "maintenance windows cannot be read; forwarding the alert anyway"
                ),
            }
        }
        let resend_ms = i64::try_from(self.inner.resend.as_millis()).unwrap_or(i64::MAX / 8);
        let interval_ms =
            i64::try_from(self.inner.engine.interval().as_millis()).unwrap_or(i64::MAX / 8);
        let body = postable(
            &alerts,
            &|alert| held.contains(&alert.fingerprint),
            now_ms,
            ENDS_AT_INTERVALS.saturating_mul(resend_ms.max(interval_ms)),
            &self.inner.external_url,
        );
        let mut failed = 0;
        for (i, (target, endpoint, client)) in self.inner.targets.iter().enumerate() {
            let outcome = post(client, endpoint, target, &body).await;
            let mut health = self
                .inner
                .health
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let entry = &mut health[i];
            match outcome {
                Ok(()) => {
                    entry.last_success_ms = Some(now_ms);
                    entry.last_error = None;
                }
                Err(reason) => {
                    failed += 1;
                    entry.failures += 1;
                    tracing::warn!(
                        alertmanager = %target.url,
                        alerts = body.len(),
                        reason = %reason,
                        "forwarding alerts to Alertmanager failed; the next post repeats them"
                    );
                    entry.last_error = Some(reason);
                }
            }
        }
        (body.len(), failed)
    }
}

async fn post(
    client: &reqwest::Client,
    endpoint: &reqwest::Url,
    target: &AlertmanagerTarget,
    body: &[PostableAlert],
) -> Result<(), String> {
    // reqwest's `json` feature is not enabled: the body is serialised here.
    let body = serde_json::to_vec(body).map_err(|e| format!("cannot serialise the alerts: {e}"))?;
    let mut request = client
        .post(endpoint.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(token) = &target.bearer_token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| {
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let detail = response.text().await.unwrap_or_default();
    let detail: String = detail.trim().chars().take(200).collect();
    Err(format!("answered {status}: {detail}"))
}

/// Posts after every evaluation that changed something (checked every second) and at least
/// every resend interval, until `shutdown` completes.
pub async fn run(forwarder: Forwarder, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(
        alertmanagers = forwarder.inner.targets.len(),
        resend_seconds = forwarder.inner.resend.as_secs(),
        "alert forwarding started"
    );
    let mut seen_generation = None;
    let mut last_sent: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
        }
        let generation = forwarder.inner.engine.generation();
        let due = last_sent.is_none_or(|at| at.elapsed() >= forwarder.inner.resend);
        if !due && seen_generation == Some(generation) {
            continue;
        }
        seen_generation = Some(generation);
        last_sent = Some(tokio::time::Instant::now());
        forwarder.send(crate::probes::unix_now_ms()).await;
    }
    tracing::info!("alert forwarding stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::state::AlertState;

    fn alert(rule: &str, phase: Phase, fired: Option<i64>, resolved: Option<i64>) -> Alert {
        Alert {
            fingerprint: format!("fp-{rule}"),
            rule: rule.to_string(),
            labels: BTreeMap::from([
                ("alertname".to_string(), rule.to_string()),
                ("severity".to_string(), "critical".to_string()),
            ]),
            annotations: BTreeMap::from([("summary".to_string(), "s".to_string())]),
            state: AlertState {
                phase,
                active_since_ms: fired,
                fired_at_ms: fired,
                resolved_at_ms: resolved,
                last_held_ms: fired,
            },
            value: Some(1.0),
            note: None,
            evaluated_ms: 0,
        }
    }

    #[test]
    fn firing_and_recently_resolved_alerts_are_posted_others_not() {
        let now = 1_800_000_000_000;
        let alerts = [
            alert("Firing", Phase::Firing, Some(now - 60_000), None),
            alert("Pending", Phase::Pending, Some(now - 1_000), None),
            alert("Inactive", Phase::Inactive, None, None),
            alert(
                "JustResolved",
                Phase::Resolved,
                Some(now - 600_000),
                Some(now - 60_000),
            ),
            alert(
                "LongResolved",
                Phase::Resolved,
                Some(now - 7_200_000),
                Some(now - 3_600_000),
            ),
            alert("alertmanager/FromOutside", Phase::Firing, Some(now), None),
            alert("Held", Phase::Firing, Some(now), None),
        ];
        let posted = postable(
            &alerts,
            &|a| a.rule == "Held",
            now,
            240_000,
            "https://csv.example.org/",
        );
        let names: Vec<&str> = posted
            .iter()
            .map(|p| p.labels["alertname"].as_str())
            .collect();
        assert_eq!(names, ["Firing", "JustResolved"]);
        // 2027-01-15T08:00:00Z is `now`.
        assert_eq!(posted[0].starts_at, "2027-01-15T07:59:00.000Z");
        assert_eq!(posted[0].ends_at, "2027-01-15T08:04:00.000Z");
        assert_eq!(
            posted[0].generator_url,
            "https://csv.example.org/alerts#fp-Firing"
        );
        assert_eq!(posted[1].ends_at, "2027-01-15T07:59:00.000Z");
        let json = serde_json::to_value(&posted[0]).expect("json");
        assert!(json.get("generatorURL").is_some(), "{json}");
        assert!(json.get("startsAt").is_some() && json.get("endsAt").is_some());
    }

    #[test]
    fn targets_are_checked() {
        let target = |url: &str, timeout_seconds| AlertmanagerTarget {
            url: url.to_string(),
            timeout_seconds,
            bearer_token: None,
        };
        assert_eq!(
            target("http://am:9093", 10)
                .endpoint()
                .expect("ok")
                .as_str(),
            "http://am:9093/api/v2/alerts"
        );
        assert_eq!(
            target("https://am.example.org/prefix/", 10)
                .endpoint()
                .expect("ok")
                .as_str(),
            "https://am.example.org/prefix/api/v2/alerts"
        );
        assert!(target("ftp://am", 10).validate().is_err());
        assert!(target("not a url", 10).validate().is_err());
        assert!(target("http://am:9093/?x=1", 10).validate().is_err());
        assert!(target("http://am:9093", 0).validate().is_err());
    }
}
