//! Incidents from alerts: after each alert evaluation, [`step`] looks at every alert.
//!
//! - **A firing alert not linked to an open incident** opens one (actor `alerting`): title from
//!   its `summary` annotation (else its `alertname`), severity from its `severity` label
//!   ([`super::severity::ALERT_SEVERITY_MAPPING`]), components from its [`COMPONENT_LABELS`],
//!   playbook from its `playbook` annotation (the rule's), detected when the alert fired. Alerts
//!   received from an Alertmanager (rule `alertmanager/<name>`) count the same.
//! - **Unless it comes back soon**: when the newest incident of the same fingerprint was
//!   resolved less than `reopen_window_seconds` before the alert fired again, that incident is
//!   reopened (resolved → diagnosing, event `reopened`) instead. A closed incident never reopens.
//! - **An episode opens at most one incident**: an alert that still fires after people resolved
//!   its incident (it fired before the resolution) opens nothing; it must resolve and fire again.
//! - **A linked alert's resolution** adds an `alert_resolved` event; the incident stays where it
//!   is (people resolve incidents). Firing again while the incident is open adds
//!   `alert_refired`.
//! - **Notified**: a notification the outbox delivered about a linked firing alert sets the
//!   incident's `notified_ms` (a detected incident becomes notified) and adds "notified via
//!   <channel>", once per channel.
//! - Alerts named in `ignore_alerts` (the Watchdog by default) never open an incident.
//!
//! [`run`] calls [`step`] on the wall clock whenever the engine's evaluations changed an alert,
//! and at least once per evaluation interval (alerts received from an Alertmanager and
//! deliveries do not wake the engine).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use super::severity::severity_of_alert;
use super::{IncidentError, IncidentSettings, MAX_NAME_CHARS, MAX_TITLE_CHARS, State};
use crate::alerting::engine::{self, Alert, EXTERNAL_RULE_PREFIX, Engine};
use crate::alerting::notify::{AlertStatus, WebhookMessage};
use crate::alerting::rules::{ALERTNAME, SEVERITY};
use crate::alerting::state::Phase;
use crate::storage::Store;
use crate::storage::incidents::{IncidentFilter, Incidents, LinkedAlert, NewIncident};

/// The actor of everything the task does.
pub const ACTOR: &str = "alerting";

/// The alert labels that name affected components, in this order (every one present is
/// taken): a component of the status page, a probe, a model, a dataset.
pub const COMPONENT_LABELS: [&str; 4] = ["component", "probe", "model", "dataset"];

/// What one [`step`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// Incidents opened, by id.
    pub opened: Vec<i64>,
    /// Incidents reopened, by id.
    pub reopened: Vec<i64>,
    /// `alert_resolved` and `alert_refired` events written.
    pub alert_events: usize,
    /// "notified via <channel>" events written.
    pub notified: usize,
    /// Alerts or notifications that could not be handled (logged; retried next step).
    pub errors: usize,
}

impl StepReport {
    fn is_empty(&self) -> bool {
        self.opened.is_empty()
            && self.reopened.is_empty()
            && self.alert_events == 0
            && self.notified == 0
            && self.errors == 0
    }
}

/// One pass over `alerts` (every alert the engine keeps, and those received from an
/// Alertmanager) and over the delivered notifications, at `now_ms`. A failure on one alert is
/// logged and counted, and the others are still handled; only reading the open incidents'
/// links can fail the whole step.
pub async fn step(
    store: &Store,
    alerts: &[Alert],
    settings: &IncidentSettings,
    now_ms: i64,
) -> Result<StepReport, IncidentError> {
    let incidents = store.incidents();
    let mut report = StepReport::default();
    // Reads first: most steps change nothing, and then write nothing.
    let open_links: BTreeMap<String, LinkedAlert> = incidents
        .open_links()
        .await?
        .into_iter()
        .map(|link| (link.fingerprint.clone(), link))
        .collect();
    for alert in alerts {
        let link = open_links.get(&alert.fingerprint);
        let outcome = match alert.state.phase {
            Phase::Firing => {
                on_firing(&incidents, alert, link, settings, now_ms, &mut report).await
            }
            Phase::Resolved => on_resolved(&incidents, alert, link, &mut report).await,
            Phase::Inactive | Phase::Pending => Ok(()),
        };
        if let Err(error) = outcome {
            report.errors += 1;
            tracing::warn!(fingerprint = %alert.fingerprint, rule = %alert.rule, error = %error, "an alert could not be turned into incident changes; retrying at the next step");
        }
    }
    notify_from_outbox(&incidents, &mut report).await?;
    Ok(report)
}

/// The alert's name: its `alertname` label, else its rule without the Alertmanager prefix.
fn alert_name(alert: &Alert) -> &str {
    alert
        .labels
        .get(ALERTNAME)
        .map(String::as_str)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| {
            alert
                .rule
                .strip_prefix(EXTERNAL_RULE_PREFIX)
                .unwrap_or(&alert.rule)
        })
}

async fn on_firing(
    incidents: &Incidents,
    alert: &Alert,
    open_link: Option<&LinkedAlert>,
    settings: &IncidentSettings,
    now_ms: i64,
    report: &mut StepReport,
) -> Result<(), IncidentError> {
    let fired_ms = alert.state.fired_at_ms.unwrap_or(now_ms);
    if let Some(link) = open_link {
        if link.alert_resolved_ms.is_some()
            && incidents
                .note_alert_refired(
                    link.incident_id,
                    &alert.fingerprint,
                    &alert.rule,
                    fired_ms,
                    ACTOR,
                )
                .await?
        {
            report.alert_events += 1;
        }
        return Ok(());
    }
    let name = alert_name(alert);
    if !settings.auto_open || settings.ignore_alerts.iter().any(|n| n == name) {
        return Ok(());
    }
    if let Some(latest) = incidents.latest_for_fingerprint(&alert.fingerprint).await? {
        let resolved_ms = latest.lifecycle.resolved_ms;
        if resolved_ms.is_some_and(|resolved| fired_ms <= resolved) {
            // The episode that opened it still fires: people resolved the incident first.
            return Ok(());
        }
        let window_ms = i64::try_from(settings.reopen_window_seconds)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000);
        if latest.state() == State::Resolved
            && resolved_ms.is_some_and(|resolved| fired_ms - resolved < window_ms)
        {
            let reopened = incidents
                .reopen_for_alert(latest.id, &alert.fingerprint, &alert.rule, ACTOR, now_ms)
                .await?;
            tracing::info!(incident = reopened.id, fingerprint = %alert.fingerprint, "incident reopened: its alert fires again");
            report.reopened.push(reopened.id);
            return Ok(());
        }
    }
    let new = new_incident(alert, fired_ms);
    let opened = incidents
        .create_for_alert(&new, &alert.fingerprint, &alert.rule, now_ms)
        .await?;
    tracing::info!(incident = opened.id, severity = %opened.severity, fingerprint = %alert.fingerprint, "incident opened from a firing alert");
    report.opened.push(opened.id);
    Ok(())
}

async fn on_resolved(
    incidents: &Incidents,
    alert: &Alert,
    open_link: Option<&LinkedAlert>,
    report: &mut StepReport,
) -> Result<(), IncidentError> {
    let (Some(resolved_ms), Some(link)) = (alert.state.resolved_at_ms, open_link) else {
        return Ok(());
    };
    if link.alert_resolved_ms != Some(resolved_ms)
        && incidents
            .note_alert_resolved(
                link.incident_id,
                &alert.fingerprint,
                &alert.rule,
                resolved_ms,
                ACTOR,
            )
            .await?
    {
        report.alert_events += 1;
    }
    Ok(())
}

/// `text` with control characters replaced by spaces, trimmed, cut at `max` characters.
fn clean(text: &str, max: usize) -> String {
    let cleaned: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    cleaned.trim().to_string()
}

/// The incident a firing `alert` opens.
pub fn new_incident(alert: &Alert, detected_ms: i64) -> NewIncident {
    let summary = alert
        .annotations
        .get("summary")
        .map(|s| clean(s, MAX_TITLE_CHARS))
        .filter(|s| !s.is_empty());
    let title = summary.unwrap_or_else(|| clean(alert_name(alert), MAX_TITLE_CHARS));
    let mut components: Vec<String> = Vec::new();
    for label in COMPONENT_LABELS {
        if let Some(value) = alert.labels.get(label) {
            let value = clean(value, MAX_NAME_CHARS);
            if !value.is_empty() && !components.contains(&value) {
                components.push(value);
            }
        }
    }
    let playbook = alert
        .annotations
        .get("playbook")
        .map(|p| clean(p, MAX_NAME_CHARS))
        .filter(|p| !p.is_empty());
    NewIncident {
        title: if title.is_empty() {
            alert.fingerprint.clone()
        } else {
            title
        },
        severity: severity_of_alert(alert.labels.get(SEVERITY).map(String::as_str)),
        components,
        playbook,
        actor: ACTOR.to_string(),
        detected_ms,
    }
}

/// Delivered notifications about the firing alerts linked to open incidents.
async fn notify_from_outbox(
    incidents: &Incidents,
    report: &mut StepReport,
) -> Result<(), IncidentError> {
    let links = incidents.open_links().await?;
    if links.is_empty() {
        return Ok(());
    }
    let open = incidents
        .list(&IncidentFilter {
            open_only: true,
            limit: i64::MAX,
            ..IncidentFilter::default()
        })
        .await?;
    let detected: BTreeMap<i64, i64> = open
        .iter()
        .map(|incident| (incident.id, incident.lifecycle.detected_ms))
        .collect();
    let mut by_fingerprint: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for link in &links {
        by_fingerprint
            .entry(link.fingerprint.as_str())
            .or_default()
            .insert(link.incident_id);
    }
    let Some(since) = detected.values().min().copied() else {
        return Ok(());
    };
    // The channels already noted per incident, read once per step (a noted channel is skipped
    // without a write).
    let mut noted: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for delivery in incidents.delivered_notifications_since(since).await? {
        let message: WebhookMessage = match serde_json::from_str(&delivery.payload) {
            Ok(message) => message,
            Err(error) => {
                tracing::debug!(notification = %delivery.id, error = %error, "a delivered notification does not parse; skipped");
                continue;
            }
        };
        let mut concerned = BTreeSet::new();
        for alert in message
            .alerts
            .iter()
            .filter(|a| a.status == AlertStatus::Firing)
        {
            let fingerprint = if alert.fingerprint.is_empty() {
                engine::fingerprint(&alert.labels)
            } else {
                alert.fingerprint.clone()
            };
            if let Some(ids) = by_fingerprint.get(fingerprint.as_str()) {
                concerned.extend(ids.iter().copied().filter(|id| {
                    detected
                        .get(id)
                        .is_some_and(|detected_ms| *detected_ms <= delivery.sent_ms)
                }));
            }
        }
        for id in concerned {
            if let std::collections::btree_map::Entry::Vacant(slot) = noted.entry(id) {
                slot.insert(incidents.notified_channels(id).await?);
            }
            if noted
                .get(&id)
                .is_some_and(|channels| channels.contains(&delivery.channel))
            {
                continue;
            }
            match incidents
                .record_notification(id, &delivery.channel, &delivery.id, delivery.sent_ms, ACTOR)
                .await
            {
                Ok(true) => {
                    report.notified += 1;
                    noted
                        .entry(id)
                        .or_default()
                        .insert(delivery.channel.clone());
                }
                Ok(false) => {}
                Err(error) => {
                    report.errors += 1;
                    tracing::warn!(incident = id, notification = %delivery.id, error = %error, "a delivered notification could not be noted on its incident");
                }
            }
        }
    }
    Ok(())
}

/// Runs [`step`] over the stored alerts (the engine's and those received from an
/// Alertmanager) until `shutdown` completes: within a second of an evaluation that changed an
/// alert's phase, and at least once per evaluation interval. It watches the engine's
/// generation rather than waiting on `Engine::changed` (a single-waiter notification the
/// dispatcher uses). A failed step is logged and the next one tries again.
pub async fn run(
    store: Store,
    engine: Engine,
    settings: IncidentSettings,
    tickets: Option<super::tickets::Tickets>,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let every = engine.interval().max(Duration::from_secs(1));
    tracing::info!(
        auto_open = settings.auto_open,
        reopen_window_seconds = settings.reopen_window_seconds,
        "incident task started"
    );
    let mut seen_generation = None;
    let mut last_step: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
        }
        let generation = engine.generation();
        let due = last_step.is_none_or(|at| at.elapsed() >= every);
        if !due && seen_generation == Some(generation) {
            continue;
        }
        seen_generation = Some(generation);
        last_step = Some(tokio::time::Instant::now());
        let alerts: Vec<Alert> = match store.alerts().all().await {
            Ok(rows) => rows.iter().filter_map(engine::alert_of_row).collect(),
            Err(error) => {
                tracing::warn!(error = %error, "the stored alerts cannot be read; incidents are updated at the next step");
                continue;
            }
        };
        match step(&store, &alerts, &settings, crate::probes::unix_now_ms()).await {
            Ok(report) if !report.is_empty() => {
                tracing::debug!(?report, "incident step");
                if let Some(tickets) = &tickets {
                    for id in &report.opened {
                        if let Ok(Some(incident)) = store.incidents().get(*id).await {
                            tickets.incident(super::ticketing::TicketEvent::Opened, incident);
                        }
                    }
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error, "the incident step failed; retrying at the next one")
            }
        }
    }
    tracing::info!("incident task stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::state::AlertState;
    use crate::incidents::Severity;

    fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Alert {
        Alert {
            fingerprint: "fp".to_string(),
            rule: "alertmanager/Ext".to_string(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: annotations
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            state: AlertState::INACTIVE,
            value: None,
            note: None,
            evaluated_ms: 0,
        }
    }

    #[test]
    fn a_new_incident_takes_title_severity_components_and_playbook_from_the_alert() {
        let new = new_incident(
            &alert(
                &[
                    ("alertname", "ProbeFailing"),
                    ("severity", "critical"),
                    ("probe", "app"),
                    ("component", "Web app"),
                ],
                &[
                    ("summary", "A probe fails\n"),
                    ("playbook", "probe-failing"),
                ],
            ),
            42,
        );
        assert_eq!(new.title, "A probe fails");
        assert_eq!(new.severity, Severity::Sev2);
        assert_eq!(new.components, ["Web app", "app"]);
        assert_eq!(new.playbook.as_deref(), Some("probe-failing"));
        assert_eq!(new.actor, "alerting");
        assert_eq!(new.detected_ms, 42);
    }

    #[test]
    fn without_a_summary_the_alert_name_is_the_title() {
        let new = new_incident(&alert(&[("severity", "warning")], &[]), 1);
        assert_eq!(new.title, "Ext", "the rule without `alertmanager/`");
        assert_eq!(new.severity, Severity::Sev3);
        assert!(new.components.is_empty());
        assert_eq!(new.playbook, None);
    }
}
