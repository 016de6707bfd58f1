//! From alert state to notifications: routing, grouping, inhibition, and the outbox.
//!
//! [`Dispatcher::step`] looks at the stored alerts (the engine's and those received from an
//! Alertmanager) at an instant:
//!
//! 1. **Held alerts are left out**: silenced, under a maintenance window, or inhibited — an
//!    inhibit rule's source alert fires (with the same values of the `equal` labels), so the
//!    outage alert holds the symptoms it explains.
//! 2. **Routing**: each firing or resolved alert goes to the channel of the first route whose
//!    matchers all match (and on to the next ones while a route says `continue`).
//! 3. **Grouping** by channel, `alertname` and `severity`: a new group is notified after
//!    `group_wait`; a changed one (an alert firing or resolved since the last notification)
//!    after `group_interval` since the last; an unchanged firing one every `repeat_interval`.
//!    A resolution is notified once, then the group is over.
//! 4. **The outbox**: the notification is stored in `notification_outbox`, in the same
//!    transaction as the group's new state, before anything is sent.
//!
//! [`Dispatcher::deliver`] sends what is due, with the outbox row's id as the idempotency key:
//! a success marks it sent; a retryable failure (no answer, 5xx, 429) tries again after 1 s,
//! 2 s, 4 s… (at most 5 minutes, or the receiver's `Retry-After`) for a day; a permanent one
//! marks it failed. A server that stops after sending and before marking sends it once more,
//! with the same key — at least once, at most one duplicate.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use super::engine::{Alert, Engine, alert_of_row};
use super::notify::{AlertStatus, ChannelSpec, Notifier, WebhookAlert, WebhookMessage};
use super::silence::{CompiledMatcher, Matcher, all_match};
use super::state::Phase;
use crate::storage::{GroupRow, OutboxRow, StorageError, Store};

/// Where alerts go: the channel of the first route whose matchers all match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// A channel's name (`[[alerting.channels]]`).
    pub channel: String,
    /// Label matchers, `name="value"` (also `!=`, `=~`, `!~`); none: every alert.
    #[serde(default)]
    pub matchers: Vec<String>,
    /// Go on to the next routes after this one matched.
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
}

/// While an alert matching `source_matchers` fires, the alerts matching `target_matchers` with
/// the same values of the `equal` labels are not notified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InhibitRule {
    pub source_matchers: Vec<String>,
    pub target_matchers: Vec<String>,
    #[serde(default)]
    pub equal: Vec<String>,
}

/// The inhibit rules used when the configuration gives none: an application answering 5xx, or
/// a probe failing from several places, explains slowness, traffic changes and client errors.
pub fn default_inhibit_rules() -> Vec<InhibitRule> {
    vec![InhibitRule {
        source_matchers: vec!["alertname=~\"HighErrorRate|ProbeFailing\"".to_string()],
        target_matchers: vec![
            "alertname=~\"HighLatency|TrafficAnomaly|JsErrorSpike|WebVitalsPoor\"".to_string(),
        ],
        equal: Vec::new(),
    }]
}

/// How often groups are notified, milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub group_wait_ms: i64,
    pub group_interval_ms: i64,
    pub repeat_interval_ms: i64,
}

#[derive(Debug)]
struct Route {
    channel: String,
    matchers: Vec<CompiledMatcher>,
    continue_matching: bool,
}

#[derive(Debug)]
struct Inhibition {
    source: Vec<CompiledMatcher>,
    target: Vec<CompiledMatcher>,
    equal: Vec<String>,
}

/// Longest a notification is retried.
const GIVE_UP_AFTER_MS: i64 = 24 * 60 * 60 * 1000;
/// Longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 5 * 60 * 1000;
/// Notifications sent per delivery round.
const DELIVERY_BATCH: i64 = 100;

/// Routes, groups and sends. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    engine: Engine,
    channels: BTreeMap<String, Arc<dyn Notifier>>,
    routes: Vec<Route>,
    inhibitions: Vec<Inhibition>,
    timing: Timing,
    external_url: String,
}

/// What one delivery round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

fn compile_matchers(texts: &[String], what: &str) -> Result<Vec<CompiledMatcher>, String> {
    texts
        .iter()
        .map(|t| Matcher::parse(t).and_then(|m| m.compile()))
        .collect::<Result<_, _>>()
        .map_err(|reason| format!("{what}: {reason}"))
}

impl Dispatcher {
    /// Compiles the channels, routes and inhibit rules; the error names the bad one.
    pub fn new(
        channels: &[ChannelSpec],
        routes: &[RouteConfig],
        inhibit_rules: &[InhibitRule],
        timing: Timing,
        external_url: &str,
        store: Store,
        engine: Engine,
    ) -> Result<Dispatcher, String> {
        let mut compiled = BTreeMap::new();
        for channel in channels {
            if compiled.contains_key(&channel.name) {
                return Err(format!("channel `{}`: defined twice", channel.name));
            }
            compiled.insert(channel.name.clone(), channel.compile()?);
        }
        let routes = routes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                if !compiled.contains_key(&r.channel) {
                    return Err(format!("route {}: no channel named `{}`", i + 1, r.channel));
                }
                Ok(Route {
                    channel: r.channel.clone(),
                    matchers: compile_matchers(&r.matchers, &format!("route {}", i + 1))?,
                    continue_matching: r.continue_matching,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let inhibitions = inhibit_rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let what = format!("inhibit rule {}", i + 1);
                Ok(Inhibition {
                    source: compile_matchers(&r.source_matchers, &what)?,
                    target: compile_matchers(&r.target_matchers, &what)?,
                    equal: r.equal.clone(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Dispatcher {
            inner: Arc::new(Inner {
                store,
                engine,
                channels: compiled,
                routes,
                inhibitions,
                timing,
                external_url: external_url.to_string(),
            }),
        })
    }

    /// Whether any route exists (without one nothing is ever notified).
    pub fn has_routes(&self) -> bool {
        !self.inner.routes.is_empty()
    }

    /// Queues the notifications due at `now_ms`. Returns how many were queued.
    pub async fn step(&self, now_ms: i64) -> Result<usize, StorageError> {
        let repo = self.inner.store.alerts();
        let alerts: Vec<Alert> = repo
            .all()
            .await?
            .iter()
            .filter_map(alert_of_row)
            .filter(|a| matches!(a.state.phase, Phase::Firing | Phase::Resolved))
            .collect();
        let silences = self.active_silences(now_ms).await?;
        let firing_sources: Vec<&Alert> = alerts
            .iter()
            .filter(|a| a.state.phase == Phase::Firing)
            .collect();

        // (channel, group key) → fingerprint → (status, alert)
        let mut current: BTreeMap<GroupId, Members<'_>> = BTreeMap::new();
        for alert in &alerts {
            if alert.state.phase == Phase::Firing
                && (silences.iter().any(|m| all_match(m, &alert.labels))
                    || self.inhibited(alert, &firing_sources)
                    || self
                        .inner
                        .engine
                        .maintenance_hold(&alert.labels, now_ms)
                        .await?
                        .is_some())
            {
                continue;
            }
            let status = if alert.state.phase == Phase::Firing {
                AlertStatus::Firing
            } else {
                AlertStatus::Resolved
            };
            for channel in self.channels_for(&alert.labels) {
                current
                    .entry((channel, group_key(&alert.labels)))
                    .or_default()
                    .insert(alert.fingerprint.clone(), (status, alert));
            }
        }

        let stored: BTreeMap<(String, String), GroupRow> = repo
            .groups()
            .await?
            .into_iter()
            .map(|g| ((g.channel.clone(), g.group_key.clone()), g))
            .collect();
        let keys: BTreeSet<(String, String)> =
            current.keys().chain(stored.keys()).cloned().collect();
        let mut queued = 0;
        let empty = BTreeMap::new();
        for key in keys {
            let (channel, group) = (&key.0, &key.1);
            let previous = stored.get(&key);
            let sent: BTreeMap<String, String> = previous
                .and_then(|g| serde_json::from_str(&g.sent).ok())
                .unwrap_or_default();
            // What the group holds now: its firing alerts, and the resolved ones that were
            // notified firing (their resolution is due).
            let members: BTreeMap<&String, &(AlertStatus, &Alert)> = current
                .get(&key)
                .unwrap_or(&empty)
                .iter()
                .filter(|(fp, (status, _))| {
                    *status == AlertStatus::Firing || sent.get(*fp).is_some_and(|s| s == "firing")
                })
                .collect();
            if members.is_empty() {
                if previous.is_some() {
                    repo.save_group(channel, group, None, None).await?;
                }
                continue;
            }
            let now_map: BTreeMap<String, String> = members
                .iter()
                .map(|(fp, (status, _))| ((*fp).clone(), status.as_str().to_string()))
                .collect();
            let any_firing = members
                .values()
                .any(|(status, _)| *status == AlertStatus::Firing);
            let timing = self.inner.timing;
            let first_ms = previous.map_or(now_ms, |g| g.first_ms);
            let due = match previous.and_then(|g| g.last_sent_ms) {
                None => now_ms - first_ms >= timing.group_wait_ms,
                Some(last) => {
                    let changed = now_map != sent;
                    (changed && now_ms - last >= timing.group_interval_ms)
                        || (!changed && any_firing && now_ms - last >= timing.repeat_interval_ms)
                }
            };
            if !due {
                if previous.is_none() {
                    let row = GroupRow {
                        channel: channel.clone(),
                        group_key: group.clone(),
                        first_ms,
                        last_sent_ms: None,
                        sent: "{}".to_string(),
                    };
                    repo.save_group(channel, group, Some(&row), None).await?;
                }
                continue;
            }
            let message = self.message(channel, group, &members);
            let payload = serde_json::to_string(&message).unwrap_or_else(|_| "{}".to_string());
            let notification = OutboxRow {
                id: uuid::Uuid::new_v4().to_string(),
                channel: channel.clone(),
                group_key: group.clone(),
                payload,
                created_ms: now_ms,
                state: "pending".to_string(),
                attempts: 0,
                next_attempt_ms: now_ms,
                last_error: None,
                sent_ms: None,
            };
            let still: BTreeMap<String, String> = now_map
                .into_iter()
                .filter(|(_, status)| status == "firing")
                .collect();
            let row = (!still.is_empty()).then(|| GroupRow {
                channel: channel.clone(),
                group_key: group.clone(),
                first_ms,
                last_sent_ms: Some(now_ms),
                sent: serde_json::to_string(&still).unwrap_or_else(|_| "{}".to_string()),
            });
            repo.save_group(channel, group, row.as_ref(), Some(&notification))
                .await?;
            tracing::info!(
                channel = %channel,
                group = %group,
                status = message.status.as_str(),
                alerts = message.alerts.len(),
                notification = %notification.id,
                "notification queued"
            );
            queued += 1;
        }
        Ok(queued)
    }

    /// Sends the notifications due at `now_ms`.
    pub async fn deliver(&self, now_ms: i64) -> Result<DeliveryReport, StorageError> {
        let repo = self.inner.store.alerts();
        let mut report = DeliveryReport::default();
        for mut row in repo.due(now_ms, DELIVERY_BATCH).await? {
            let outcome = match (
                self.inner.channels.get(&row.channel),
                serde_json::from_str::<WebhookMessage>(&row.payload),
            ) {
                (None, _) => Err(super::notify::DeliveryError::permanent(format!(
                    "no channel named `{}` any more",
                    row.channel
                ))),
                (_, Err(error)) => Err(super::notify::DeliveryError::permanent(format!(
                    "the stored notification does not parse: {error}"
                ))),
                (Some(notifier), Ok(message)) => notifier.notify(&message, &row.id).await,
            };
            row.attempts += 1;
            match outcome {
                Ok(()) => {
                    row.state = "sent".to_string();
                    row.sent_ms = Some(now_ms);
                    row.last_error = None;
                    report.sent += 1;
                    tracing::info!(notification = %row.id, channel = %row.channel, attempts = row.attempts, "notification sent");
                }
                Err(error) if error.retryable && now_ms - row.created_ms < GIVE_UP_AFTER_MS => {
                    let backoff = (1_000i64 << (row.attempts - 1).clamp(0, 20)).min(MAX_BACKOFF_MS);
                    let wait = error
                        .retry_after
                        .map_or(backoff, |d| i64::try_from(d.as_millis()).unwrap_or(backoff))
                        .max(backoff);
                    row.next_attempt_ms = now_ms + wait;
                    row.last_error = Some(error.reason.clone());
                    report.retried += 1;
                    tracing::warn!(notification = %row.id, channel = %row.channel, attempts = row.attempts, retry_in_ms = wait, reason = %error.reason, "notification not delivered; retrying");
                }
                Err(error) => {
                    row.state = "failed".to_string();
                    row.last_error = Some(error.reason.clone());
                    report.failed += 1;
                    tracing::error!(notification = %row.id, channel = %row.channel, attempts = row.attempts, reason = %error.reason, "notification failed for good");
                }
            }
            repo.update_delivery(&row).await?;
        }
        Ok(report)
    }

    /// Sends a test notification (one firing `TestNotification` alert) to the channel called
    /// `name` at once, outside the outbox; `None` when there is no such channel.
    pub async fn send_test(
        &self,
        name: &str,
        by: &str,
        now_ms: i64,
    ) -> Option<Result<(), super::notify::DeliveryError>> {
        let notifier = self.inner.channels.get(name)?;
        let labels = BTreeMap::from([
            ("alertname".to_string(), "TestNotification".to_string()),
            ("severity".to_string(), "info".to_string()),
        ]);
        let alert = WebhookAlert {
            status: AlertStatus::Firing,
            annotations: BTreeMap::from([(
                "summary".to_string(),
                format!("A test notification from CSV Analyzer, asked for by {by}"),
            )]),
            starts_at: DateTime::from_timestamp_millis(now_ms).unwrap_or_default(),
            ends_at: None,
            generator_url: format!("{}/alerts", self.inner.external_url),
            fingerprint: super::engine::fingerprint(&labels),
            labels: labels.clone(),
        };
        let message = WebhookMessage {
            version: super::notify::payload::VERSION.to_string(),
            group_key: group_key(&labels),
            truncated_alerts: 0,
            status: AlertStatus::Firing,
            receiver: name.to_string(),
            group_labels: labels.clone(),
            common_labels: labels,
            common_annotations: alert.annotations.clone(),
            external_url: self.inner.external_url.clone(),
            alerts: vec![alert],
        };
        let key = format!("test-{}", uuid::Uuid::new_v4());
        Some(notifier.notify(&message, &key).await)
    }

    /// The channels an alert with `labels` goes to.
    fn channels_for(&self, labels: &BTreeMap<String, String>) -> Vec<String> {
        let mut channels = Vec::new();
        for route in &self.inner.routes {
            if all_match(&route.matchers, labels) {
                if !channels.contains(&route.channel) {
                    channels.push(route.channel.clone());
                }
                if !route.continue_matching {
                    break;
                }
            }
        }
        channels
    }

    /// Whether a firing source alert inhibits `alert`.
    fn inhibited(&self, alert: &Alert, sources: &[&Alert]) -> bool {
        self.inner.inhibitions.iter().any(|rule| {
            all_match(&rule.target, &alert.labels)
                && sources.iter().any(|source| {
                    source.fingerprint != alert.fingerprint
                        && all_match(&rule.source, &source.labels)
                        && rule
                            .equal
                            .iter()
                            .all(|l| source.labels.get(l) == alert.labels.get(l))
                })
        })
    }

    async fn active_silences(
        &self,
        now_ms: i64,
    ) -> Result<Vec<Vec<CompiledMatcher>>, StorageError> {
        Ok(self
            .inner
            .store
            .alerts()
            .silences(now_ms)
            .await?
            .into_iter()
            .filter(|row| row.starts_ms <= now_ms)
            .filter_map(|row| {
                let matchers: Vec<Matcher> = serde_json::from_str(&row.matchers).ok()?;
                matchers
                    .iter()
                    .map(Matcher::compile)
                    .collect::<Result<_, _>>()
                    .ok()
            })
            .collect())
    }

    fn message(
        &self,
        channel: &str,
        group: &str,
        members: &BTreeMap<&String, &(AlertStatus, &Alert)>,
    ) -> WebhookMessage {
        let alerts: Vec<WebhookAlert> = members
            .values()
            .map(|(status, alert)| WebhookAlert {
                status: *status,
                labels: alert.labels.clone(),
                annotations: alert.annotations.clone(),
                starts_at: DateTime::from_timestamp_millis(
                    alert
                        .state
                        .fired_at_ms
                        .or(alert.state.active_since_ms)
                        .unwrap_or(alert.evaluated_ms),
                )
                .unwrap_or_default(),
                ends_at: alert
                    .state
                    .resolved_at_ms
                    .filter(|_| *status == AlertStatus::Resolved)
                    .and_then(DateTime::from_timestamp_millis),
                generator_url: format!("{}/alerts#{}", self.inner.external_url, alert.fingerprint),
                fingerprint: alert.fingerprint.clone(),
            })
            .collect();
        let common = |pick: fn(&WebhookAlert) -> &BTreeMap<String, String>| {
            let mut common = alerts.first().map(|a| pick(a).clone()).unwrap_or_default();
            common.retain(|k, v| alerts.iter().all(|a| pick(a).get(k) == Some(v)));
            common
        };
        let common_labels = common(|a| &a.labels);
        let group_labels = common_labels
            .iter()
            .filter(|(k, _)| k.as_str() == "alertname" || k.as_str() == "severity")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        WebhookMessage {
            version: super::notify::payload::VERSION.to_string(),
            group_key: group.to_string(),
            truncated_alerts: 0,
            status: if alerts.iter().any(|a| a.status == AlertStatus::Firing) {
                AlertStatus::Firing
            } else {
                AlertStatus::Resolved
            },
            receiver: channel.to_string(),
            group_labels,
            common_labels,
            common_annotations: common(|a| &a.annotations),
            external_url: self.inner.external_url.clone(),
            alerts,
        }
    }
}

/// A group: (channel, group key).
type GroupId = (String, String);
/// A group's alerts by fingerprint, with the status to notify.
type Members<'a> = BTreeMap<String, (AlertStatus, &'a Alert)>;

/// The group an alert belongs to: Alertmanager's key over `alertname` and `severity`.
pub fn group_key(labels: &BTreeMap<String, String>) -> String {
    let value = |name: &str| {
        labels
            .get(name)
            .map_or("", String::as_str)
            .replace('"', "\\\"")
    };
    format!(
        "{{}}:{{alertname=\"{}\", severity=\"{}\"}}",
        value("alertname"),
        value("severity")
    )
}

/// Queues and delivers every second, and at once after an evaluation that changed an alert,
/// until `shutdown` completes.
pub async fn run(dispatcher: Dispatcher, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(
        channels = dispatcher.inner.channels.len(),
        routes = dispatcher.inner.routes.len(),
        "notification dispatcher started"
    );
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
            () = dispatcher.inner.engine.changed() => {}
        }
        let now = crate::probes::unix_now_ms();
        if let Err(error) = dispatcher.step(now).await {
            tracing::warn!(error = %error, "queuing notifications failed; retrying in a second");
        }
        if let Err(error) = dispatcher.deliver(now).await {
            tracing::warn!(error = %error, "delivering notifications failed; retrying in a second");
        }
    }
    tracing::info!("notification dispatcher stopped");
}
