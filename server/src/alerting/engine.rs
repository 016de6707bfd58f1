//! The rule engine: every `evaluation_interval_seconds` (15 s by default) each enabled rule's
//! signal is observed ([`super::signals`]), each subject's alert moves through its phases
//! ([`super::state`]), and the store gets the new states (every evaluation) and the changes of
//! phase (the history).
//!
//! - **Fingerprints** are the first 16 hex digits of the SHA-256 of the alert's sorted labels,
//!   so an alert keeps its identity across evaluations and restarts.
//! - **Restarts**: [`Engine::load`] reads the stored states back, so a firing alert stays
//!   firing (with its original start) instead of starting a new episode.
//! - **Gone subjects and rules**: an alert whose subject no longer appears (a deleted probe) or
//!   whose rule was disabled is evaluated as "does not hold", so it resolves rather than fire
//!   forever.
//! - **Maintenance**: [`Engine::maintenance_hold`] says whether an alert's probe or component
//!   is in a maintenance window; such an alert keeps its phase but is held (shown suppressed,
//!   not notified), as a silence would.
//! - **Testable**: [`Engine::step`] takes the instant; [`run`] calls it on the wall clock.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::rules::Rule;
use super::signals::{self, Context, Observation};
use super::state::{AlertState, Phase};
use crate::probes::Probes;
use crate::status::Status;
use crate::storage::{AlertHistoryRow, AlertRow, StorageError, Store};

/// The rule name prefix of alerts received from an Alertmanager (`POST
/// /api/alertmanager/webhook`): the engine neither evaluates nor resolves them.
pub const EXTERNAL_RULE_PREFIX: &str = "alertmanager/";

/// An alert as the engine keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub fingerprint: String,
    pub rule: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub state: AlertState,
    pub value: Option<f64>,
    pub note: Option<String>,
    pub evaluated_ms: i64,
}

/// How a rule's latest evaluation went.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleHealth {
    /// Not evaluated yet.
    Unknown,
    /// Every subject had a value.
    Ok,
    /// Some subject had no data (too little traffic, no sample, no baseline).
    NoData,
    /// The signal could not be read (the reason is logged and shown).
    Error,
}

/// The latest evaluation of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RuleStatus {
    pub health: RuleHealth,
    /// Unix ms of the latest evaluation.
    pub evaluated_ms: Option<i64>,
    /// Why there was no data, or the error.
    pub detail: Option<String>,
}

/// What one evaluation did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StepReport {
    /// The alerts whose phase changed: (fingerprint, from, to).
    pub changes: Vec<(String, Phase, Phase)>,
    /// Rules whose signal could not be read.
    pub errors: usize,
}

/// The rules and their alerts. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    rules: Vec<Rule>,
    store: Store,
    probes: Option<Probes>,
    status: Option<Status>,
    interval: Duration,
    alerts: Mutex<BTreeMap<String, Alert>>,
    health: Mutex<BTreeMap<String, RuleStatus>>,
    /// Woken when an evaluation changed some alert's phase (the dispatcher then queues at once
    /// rather than at its next tick).
    changed: tokio::sync::Notify,
    /// Evaluations that changed some alert's phase so far (the forwarder compares it).
    generation: std::sync::atomic::AtomicU64,
}

/// The fingerprint of a label set.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (name, value) in labels {
        hasher.update(name.as_bytes());
        hasher.update([0xff]);
        hasher.update(value.as_bytes());
        hasher.update([0xfe]);
    }
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

impl Engine {
    /// An engine over `rules` (validated), reading probes from `probes` and maintenance
    /// windows from `status` when given.
    pub fn new(
        rules: Vec<Rule>,
        store: Store,
        probes: Option<Probes>,
        status: Option<Status>,
        interval: Duration,
    ) -> Self {
        Engine {
            inner: Arc::new(Inner {
                rules,
                store,
                probes,
                status,
                interval,
                alerts: Mutex::new(BTreeMap::new()),
                health: Mutex::new(BTreeMap::new()),
                changed: tokio::sync::Notify::new(),
                generation: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.inner.rules
    }

    pub fn interval(&self) -> Duration {
        self.inner.interval
    }

    /// Reads the stored alerts back (at start-up). Rows that do not parse are skipped with a
    /// warning. Returns how many were loaded.
    pub async fn load(&self) -> Result<usize, StorageError> {
        let rows = self.inner.store.alerts().all().await?;
        let mut alerts = self.lock();
        for row in rows {
            match alert_of_row(&row) {
                Some(alert) => {
                    alerts.insert(alert.fingerprint.clone(), alert);
                }
                None => {
                    tracing::warn!(fingerprint = %row.fingerprint, "a stored alert does not parse; skipped")
                }
            }
        }
        Ok(alerts.len())
    }

    /// Every alert the engine knows, by fingerprint.
    pub fn alerts(&self) -> Vec<Alert> {
        self.lock().values().cloned().collect()
    }

    /// Each rule's latest evaluation.
    pub fn rule_status(&self, rule: &str) -> RuleStatus {
        self.inner
            .health
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(rule)
            .cloned()
            .unwrap_or(RuleStatus {
                health: RuleHealth::Unknown,
                evaluated_ms: None,
                detail: None,
            })
    }

    /// The maintenance window holding an alert with `labels` at `now_ms` (its `probe` or
    /// `component` label is under maintenance), by name; `None` when nothing holds it.
    pub async fn maintenance_hold(
        &self,
        labels: &BTreeMap<String, String>,
        now_ms: i64,
    ) -> Result<Option<String>, StorageError> {
        let (Some(status), Some(probes)) = (&self.inner.status, &self.inner.probes) else {
            return Ok(None);
        };
        for key in ["probe", "component"] {
            if let Some(name) = labels.get(key)
                && status
                    .is_under_maintenance(&self.inner.store, probes, name, now_ms)
                    .await?
            {
                return Ok(Some(format!("maintenance:{name}")));
            }
        }
        Ok(None)
    }

    /// One evaluation of every rule at `now_ms`.
    pub async fn step(&self, now_ms: i64) -> Result<StepReport, StorageError> {
        let context = Context {
            probes: self
                .inner
                .probes
                .as_ref()
                .map(|p| p.list().into_iter().map(|(spec, _)| spec).collect())
                .unwrap_or_default(),
        };
        let mut report = StepReport::default();
        let mut observed: Vec<(&Rule, Observation)> = Vec::new();
        let mut evaluated_rules = BTreeSet::new();
        // Rules that watch the same figure (signal, aggregation, window, guard) share one
        // computation per evaluation: a thousand thresholds over a few signals cost a few reads.
        let mut computed: BTreeMap<String, Vec<Observation>> = BTreeMap::new();
        for rule in self.inner.rules.iter().filter(|r| r.enabled) {
            let figure = format!(
                "{}/{}/{}/{}/{:?}",
                rule.signal.as_str(),
                rule.aggregation.as_str(),
                rule.window_seconds,
                rule.min_requests,
                rule.baseline_factor.map(f64::to_bits)
            );
            let result = match computed.get(&figure) {
                Some(observations) => Ok(observations.clone()),
                None => signals::observe(rule, &self.inner.store, &context, now_ms)
                    .await
                    .inspect(|observations| {
                        computed.insert(figure, observations.clone());
                    }),
            };
            match result {
                Ok(observations) => {
                    evaluated_rules.insert(rule.name.as_str());
                    let no_data = observations.iter().find(|o| o.value.is_none());
                    self.set_health(
                        &rule.name,
                        RuleStatus {
                            health: if no_data.is_some() {
                                RuleHealth::NoData
                            } else {
                                RuleHealth::Ok
                            },
                            evaluated_ms: Some(now_ms),
                            detail: no_data.and_then(|o| o.note.clone()),
                        },
                    );
                    observed.extend(observations.into_iter().map(|o| (rule, o)));
                }
                Err(error) => {
                    report.errors += 1;
                    tracing::warn!(rule = %rule.name, error = %error, "an alert rule's signal cannot be read; its alerts keep their state");
                    self.set_health(
                        &rule.name,
                        RuleStatus {
                            health: RuleHealth::Error,
                            evaluated_ms: Some(now_ms),
                            detail: Some(error.to_string()),
                        },
                    );
                }
            }
        }

        let mut upserts = Vec::new();
        let mut history = Vec::new();
        let mut new_episodes = Vec::new();
        {
            let mut alerts = self.lock();
            let mut seen = BTreeSet::new();
            for (rule, observation) in &observed {
                let labels = rule.alert_labels(&observation.subject);
                let fingerprint = fingerprint(&labels);
                seen.insert(fingerprint.clone());
                let previous = alerts
                    .get(&fingerprint)
                    .map_or(AlertState::INACTIVE, |a| a.state);
                let (state, changed) = previous.next(
                    observation.holds(rule),
                    now_ms,
                    millis(rule.for_seconds),
                    millis(rule.keep_firing_for_seconds),
                );
                let alert = Alert {
                    fingerprint: fingerprint.clone(),
                    rule: rule.name.clone(),
                    annotations: annotations(rule, observation),
                    labels,
                    state,
                    value: observation.value,
                    note: observation.note.clone(),
                    evaluated_ms: now_ms,
                };
                if changed {
                    if matches!(previous.phase, Phase::Inactive | Phase::Resolved) {
                        new_episodes.push(fingerprint.clone());
                    }
                    history.push(history_row(&alert, previous.phase));
                    report
                        .changes
                        .push((fingerprint.clone(), previous.phase, state.phase));
                }
                upserts.push(row_of(&alert));
                alerts.insert(fingerprint, alert);
            }
            // Alerts not observed this time: their subject or rule is gone (or disabled).
            // Those of a rule whose signal failed keep their state.
            for alert in alerts.values_mut() {
                if seen.contains(&alert.fingerprint)
                    || alert.rule.starts_with(EXTERNAL_RULE_PREFIX)
                    || (!evaluated_rules.contains(alert.rule.as_str())
                        && self
                            .inner
                            .rules
                            .iter()
                            .any(|r| r.enabled && r.name == alert.rule))
                {
                    continue;
                }
                let previous = alert.state;
                let (state, changed) = previous.next(false, now_ms, 0, 0);
                if !changed {
                    continue;
                }
                alert.state = state;
                alert.evaluated_ms = now_ms;
                alert.note = Some("no longer observed (subject or rule gone)".to_string());
                history.push(history_row(alert, previous.phase));
                report
                    .changes
                    .push((alert.fingerprint.clone(), previous.phase, state.phase));
                upserts.push(row_of(alert));
            }
        }
        let store = self.inner.store.alerts();
        store.upsert(&upserts).await?;
        for fingerprint in &new_episodes {
            store.clear_acknowledgement(fingerprint).await?;
        }
        if !history.is_empty() {
            store.record_changes(&history).await?;
            self.inner.changed.notify_one();
            self.inner
                .generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            for (fingerprint, from, to) in &report.changes {
                tracing::info!(fingerprint = %fingerprint, from = from.as_str(), to = to.as_str(), "alert changed");
            }
        }
        Ok(report)
    }

    /// How many evaluations have changed some alert's phase: a reader that saw another
    /// figure before has changes to pass on.
    pub fn generation(&self) -> u64 {
        self.inner
            .generation
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Completes after an evaluation that changed some alert's phase.
    pub async fn changed(&self) {
        self.inner.changed.notified().await;
    }

    fn set_health(&self, rule: &str, status: RuleStatus) {
        self.inner
            .health
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(rule.to_string(), status);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Alert>> {
        self.inner
            .alerts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn millis(seconds: u64) -> i64 {
    i64::try_from(seconds)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000)
}

/// The alert's annotations: the rule's summary, what was seen, the playbook.
fn annotations(rule: &Rule, observation: &Observation) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::new();
    annotations.insert("summary".to_string(), rule.summary.clone());
    let seen = match (observation.value, &observation.note) {
        (Some(value), None) => format!(
            "{} ({}) is {} — threshold {} {}",
            rule.signal.as_str(),
            rule.aggregation.as_str(),
            format_value(value),
            rule.op.as_str(),
            format_value(rule.threshold)
        ),
        (Some(value), Some(note)) => format!(
            "{} is {}, but {note}",
            rule.signal.as_str(),
            format_value(value)
        ),
        (None, note) => format!(
            "no data: {}",
            note.as_deref().unwrap_or("nothing to compute it from")
        ),
    };
    annotations.insert("description".to_string(), seen);
    if let Some(playbook) = &rule.playbook {
        annotations.insert("playbook".to_string(), playbook.clone());
        annotations.insert("runbook_url".to_string(), format!("/playbooks/{playbook}"));
    }
    annotations
}

fn format_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.4}")
    }
}

fn row_of(alert: &Alert) -> AlertRow {
    AlertRow {
        fingerprint: alert.fingerprint.clone(),
        rule: alert.rule.clone(),
        labels: serde_json::to_string(&alert.labels).unwrap_or_else(|_| "{}".into()),
        annotations: serde_json::to_string(&alert.annotations).unwrap_or_else(|_| "{}".into()),
        phase: alert.state.phase.as_str().to_string(),
        value: alert.value.filter(|v| v.is_finite()),
        note: alert.note.clone(),
        active_since_ms: alert.state.active_since_ms,
        fired_at_ms: alert.state.fired_at_ms,
        resolved_at_ms: alert.state.resolved_at_ms,
        last_held_ms: alert.state.last_held_ms,
        evaluated_ms: alert.evaluated_ms,
        acknowledged_by: None,
        acknowledged_ms: None,
    }
}

fn history_row(alert: &Alert, previous: Phase) -> AlertHistoryRow {
    AlertHistoryRow {
        id: 0,
        fingerprint: alert.fingerprint.clone(),
        rule: alert.rule.clone(),
        labels: serde_json::to_string(&alert.labels).unwrap_or_else(|_| "{}".into()),
        phase: alert.state.phase.as_str().to_string(),
        previous: previous.as_str().to_string(),
        value: alert.value.filter(|v| v.is_finite()),
        at_ms: alert.evaluated_ms,
    }
}

/// A stored row back as an alert.
pub fn alert_of_row(row: &AlertRow) -> Option<Alert> {
    Some(Alert {
        fingerprint: row.fingerprint.clone(),
        rule: row.rule.clone(),
        labels: serde_json::from_str(&row.labels).ok()?,
        annotations: serde_json::from_str(&row.annotations).ok()?,
        state: AlertState {
            phase: Phase::parse(&row.phase)?,
            active_since_ms: row.active_since_ms,
            fired_at_ms: row.fired_at_ms,
            resolved_at_ms: row.resolved_at_ms,
            last_held_ms: row.last_held_ms,
        },
        value: row.value,
        note: row.note.clone(),
        evaluated_ms: row.evaluated_ms,
    })
}

/// Loads the stored alerts, then evaluates every interval until `shutdown` completes. A failed
/// evaluation is logged and the next one tries again.
pub async fn run(engine: Engine, shutdown: impl Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    match engine.load().await {
        Ok(loaded) => tracing::info!(
            rules = engine.rules().iter().filter(|r| r.enabled).count(),
            loaded,
            interval_seconds = engine.interval().as_secs_f64(),
            "alert engine started"
        ),
        Err(error) => {
            tracing::error!(error = %error, "the stored alerts cannot be read; starting from none");
        }
    }
    let mut ticks = tokio::time::interval(engine.interval().max(Duration::from_millis(10)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
        }
        if let Err(error) = engine.step(unix_now_ms()).await {
            tracing::warn!(error = %error, "alert evaluation failed; retrying at the next interval");
        }
    }
    tracing::info!("alert engine stopped");
}

fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_depend_on_every_label() {
        let a = BTreeMap::from([
            ("alertname".to_string(), "X".to_string()),
            ("probe".to_string(), "app".to_string()),
        ]);
        let mut b = a.clone();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 16);
        b.insert("probe".to_string(), "api".to_string());
        assert_ne!(fingerprint(&a), fingerprint(&b));
        // No ambiguity between names and values.
        let c = BTreeMap::from([("ab".to_string(), "c".to_string())]);
        let d = BTreeMap::from([("a".to_string(), "bc".to_string())]);
        assert_ne!(fingerprint(&c), fingerprint(&d));
    }
}
