//! Escalation of unacknowledged incidents (seed §3.2: the on-call engineer is the first contact;
//! when they do not answer, someone else must). See docs/incidents.md, "On call, escalation,
//! ticketing".
//!
//! An incident is *due* when it is open, not acknowledged, and either notified or detected by
//! the alerting (auto-opened). With `N = escalate_after_minutes`:
//!
//! - `N` minutes after detection: **level 1**, the next person in the rotation after whoever
//!   is on call then (when the on-call person is an override outside the rotation: the person
//!   the rotation schedules);
//! - `2 × N` minutes after detection: **level 2**, the incident commander.
//!
//! Each level is an `escalated` event `{to, level, from?, after_minutes}` on the incident's
//! timeline, written once per incident and level (the write checks the timeline under the
//! incident's row lock, so restarts and replicas do not repeat it). A level without anybody to
//! reach (no rotation, no commander) is skipped. Each escalation is also sent, once, as a
//! firing `IncidentEscalated` alert after the event is written, to the shared channel
//! (`incidents.oncall.channel`) and to the person's own (`incidents.oncall.contacts`), both
//! `[[alerting.channels]]` names, when they are set: a failed send is logged, not retried (the
//! timeline still shows the escalation).
//!
//! [`step`] does one pass at a given instant (tests call it with explicit instants); [`run`]
//! calls it every 30 s.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::DateTime;
use serde_json::json;

use super::oncall::{Rotation, RotationSettings};
use super::{IncidentError, State};
use crate::alerting::notify::payload::VERSION;
use crate::alerting::notify::{AlertStatus, ChannelSpec, Notifier, WebhookAlert, WebhookMessage};
use crate::storage::Store;
use crate::storage::incidents::{Incident, IncidentFilter};
use crate::storage::oncall::EscalationOutcome;

/// The timeline kind: `{to, level, from?, after_minutes}`.
pub const ESCALATED: &str = "escalated";
/// The actor of `escalated` events.
pub const ACTOR: &str = "escalation";
/// How often [`run`] steps.
pub const INTERVAL: Duration = Duration::from_secs(30);
/// At most this many open incidents are looked at per step (the most recently detected).
const MAX_OPEN: i64 = 1_000;

/// Where escalations are sent: a compiled alerting channel.
#[derive(Debug, Clone)]
pub struct EscalationChannel {
    pub name: String,
    pub notifier: Arc<dyn Notifier>,
    /// The server's public address, for the link to the incident.
    pub external_url: String,
}

impl EscalationChannel {
    /// The channel named `name` among `channels` (the `[[alerting.channels]]`), compiled; the
    /// error names `key`, the setting that named it.
    fn compile(
        key: &str,
        name: &str,
        channels: &[ChannelSpec],
        external_url: &str,
    ) -> Result<EscalationChannel, String> {
        let name = name.trim();
        let spec = channels
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("`{key}`: there is no [[alerting.channels]] named `{name}`"))?;
        let notifier = spec
            .compile()
            .map_err(|e| format!("`{key}` `{name}`: {e}"))?;
        Ok(EscalationChannel {
            name: name.to_string(),
            notifier,
            external_url: external_url.trim_end_matches('/').to_string(),
        })
    }
}

/// Where escalations are sent: the on-call team's shared channel and each person's own.
#[derive(Debug, Clone, Default)]
pub struct EscalationChannels {
    /// `incidents.oncall.channel`: every escalation.
    pub shared: Option<EscalationChannel>,
    /// `incidents.oncall.contacts`: the escalations to that person (by trimmed name).
    pub personal: BTreeMap<String, EscalationChannel>,
}

impl EscalationChannels {
    /// The channels the settings name among `channels` (the `[[alerting.channels]]`),
    /// compiled. The error names the key.
    pub fn from_settings(
        settings: &RotationSettings,
        channels: &[ChannelSpec],
        external_url: &str,
    ) -> Result<EscalationChannels, String> {
        let shared = settings
            .channel
            .as_deref()
            .map(|name| {
                EscalationChannel::compile("incidents.oncall.channel", name, channels, external_url)
            })
            .transpose()?;
        let mut personal = BTreeMap::new();
        for (person, name) in &settings.contacts {
            let key = format!("incidents.oncall.contacts.{}", person.trim());
            let channel = EscalationChannel::compile(&key, name, channels, external_url)?;
            personal.insert(person.trim().to_string(), channel);
        }
        Ok(EscalationChannels { shared, personal })
    }

    /// The channels an escalation to `person` goes to: the shared one, then theirs (once when
    /// both are the same channel).
    pub fn reaching(&self, person: &str) -> Vec<&EscalationChannel> {
        let mut out: Vec<&EscalationChannel> = self.shared.iter().collect();
        if let Some(own) = self.personal.get(person.trim())
            && out.iter().all(|c| c.name != own.name)
        {
            out.push(own);
        }
        out
    }
}

/// One escalation a step made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub incident_id: i64,
    /// 1: the next in line; 2: the commander.
    pub level: u8,
    pub to: String,
    /// Each channel it was sent to (see [`EscalationChannels::reaching`]) and the outcome (the
    /// reason of a failure); empty without channels.
    pub sent: Vec<(String, Result<(), String>)>,
}

/// Whether escalation watches `incident` at all: open, unacknowledged, and notified (or
/// detected by the alerting).
pub fn is_watched(incident: &Incident) -> bool {
    incident.acknowledged.is_none()
        && match incident.state() {
            State::Notified => true,
            State::Detected => incident.created_by == super::auto::ACTOR,
            _ => false,
        }
}

/// Who level 1 reaches at `now_ms`, and who was on call: the person after the on-call one in
/// the rotation, or the scheduled person when an override outside the rotation is on call.
fn level_one(
    rotation: &Rotation,
    overrides: &[super::oncall::Override],
    now_ms: i64,
) -> Option<(String, Option<String>)> {
    let current = rotation.on_call_at(overrides, now_ms);
    let Some(current) = current else {
        // Nobody on call (before the first handoff, no rotation): the rotation's first person,
        // if there is one.
        return rotation.people.first().map(|p| (p.clone(), None));
    };
    let to = match rotation.next_in_line(&current.person) {
        Some(next) => Some(next),
        None if current.overridden && !rotation.people.contains(&current.person) => rotation
            .scheduled_at(now_ms)
            .map(|s| s.person)
            .filter(|p| *p != current.person),
        None => None,
    }?;
    Some((to, Some(current.person)))
}

/// One pass at `now_ms`: records (and sends) the escalations that are due. An error recording
/// one escalation does not stop the others (it is logged, and retried at the next step); it is
/// returned when no escalation could be recorded.
pub async fn step(
    store: &Store,
    settings: &RotationSettings,
    channels: &EscalationChannels,
    now_ms: i64,
) -> Result<Vec<Escalated>, IncidentError> {
    let rotation = settings
        .compile()
        .map_err(|reason| IncidentError::Invalid {
            field: "incidents.oncall",
            reason,
        })?;
    let after_ms = settings.escalate_after_ms();
    let open = store
        .incidents()
        .list(&IncidentFilter {
            open_only: true,
            limit: MAX_OPEN,
            ..IncidentFilter::default()
        })
        .await?;
    let due: Vec<&Incident> = open
        .iter()
        .filter(|i| is_watched(i) && now_ms - i.lifecycle.detected_ms >= after_ms)
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let overrides = store.oncall().overrides(now_ms, now_ms + 1).await?;
    let mut done = Vec::new();
    let mut first_error = None;
    for incident in due {
        let elapsed = now_ms - incident.lifecycle.detected_ms;
        let mut levels: Vec<(u8, String, Option<String>)> = Vec::new();
        if let Some((to, from)) = level_one(&rotation, &overrides, now_ms) {
            levels.push((1, to, from));
        }
        if elapsed >= after_ms.saturating_mul(2)
            && let Some(commander) = settings.commander.as_deref()
        {
            levels.push((2, commander.trim().to_string(), None));
        }
        for (level, to, from) in levels {
            let minutes = settings.escalate_after_minutes * u64::from(level);
            let mut detail = json!({"to": to, "after_minutes": minutes});
            if let Some(from) = &from {
                detail["from"] = json!(from);
            }
            let outcome = store
                .oncall()
                .record_escalation(incident.id, level, detail, ACTOR, now_ms)
                .await;
            match outcome {
                Ok(EscalationOutcome::Recorded { .. }) => {}
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(
                        incident = incident.id,
                        level,
                        error = %error,
                        "the escalation could not be recorded; retrying at the next step"
                    );
                    first_error.get_or_insert(error);
                    continue;
                }
            }
            tracing::info!(
                incident = incident.id,
                level,
                to = %to,
                "unacknowledged incident escalated"
            );
            let mut sent = Vec::new();
            for channel in channels.reaching(&to) {
                let message = message(channel, incident, level, &to, minutes, now_ms);
                let key = format!("escalation-{}-{level}", incident.id);
                let result = channel
                    .notifier
                    .notify(&message, &key)
                    .await
                    .map_err(|e| e.reason);
                if let Err(reason) = &result {
                    tracing::warn!(
                        incident = incident.id,
                        level,
                        channel = %channel.name,
                        reason = %reason,
                        "the escalation could not be sent (it is on the timeline)"
                    );
                }
                sent.push((channel.name.clone(), result));
            }
            done.push(Escalated {
                incident_id: incident.id,
                level,
                to,
                sent,
            });
        }
    }
    match first_error {
        Some(error) if done.is_empty() => Err(error),
        _ => Ok(done),
    }
}

/// The notification of one escalation: a firing `IncidentEscalated` alert in Alertmanager's
/// payload, which every channel renders.
pub fn message(
    channel: &EscalationChannel,
    incident: &Incident,
    level: u8,
    to: &str,
    after_minutes: u64,
    now_ms: i64,
) -> WebhookMessage {
    let labels = BTreeMap::from([
        ("alertname".to_string(), "IncidentEscalated".to_string()),
        ("severity".to_string(), "critical".to_string()),
        ("incident".to_string(), incident.id.to_string()),
        ("escalation_level".to_string(), level.to_string()),
        ("escalated_to".to_string(), to.to_string()),
    ]);
    let summary = format!(
        "Incident {} ({}, {}) is not acknowledged after {after_minutes} min: escalated to {to} \
         (level {level})",
        incident.id,
        incident.severity.as_str(),
        incident.title
    );
    let annotations = BTreeMap::from([
        ("summary".to_string(), summary),
        (
            "description".to_string(),
            format!(
                "{to}: please acknowledge incident {} or hand it over.",
                incident.id
            ),
        ),
    ]);
    let alert = WebhookAlert {
        status: AlertStatus::Firing,
        labels: labels.clone(),
        annotations: annotations.clone(),
        starts_at: DateTime::from_timestamp_millis(now_ms).unwrap_or_default(),
        ends_at: None,
        generator_url: format!("{}/incidents/{}", channel.external_url, incident.id),
        fingerprint: format!("incident-{}-escalation-{level}", incident.id),
    };
    WebhookMessage {
        version: VERSION.to_string(),
        group_key: format!("{{}}:{{incident=\"{}\"}}", incident.id),
        truncated_alerts: 0,
        status: AlertStatus::Firing,
        receiver: channel.name.clone(),
        group_labels: BTreeMap::from([("incident".to_string(), incident.id.to_string())]),
        common_labels: labels,
        common_annotations: annotations,
        external_url: channel.external_url.clone(),
        alerts: vec![alert],
    }
}

/// Steps every [`INTERVAL`] until `shutdown` completes. Does nothing (and says so once) when
/// neither a rotation nor a commander is configured.
pub async fn run(
    store: Store,
    settings: RotationSettings,
    channels: EscalationChannels,
    shutdown: impl Future<Output = ()>,
) {
    if settings.people.is_empty() && settings.commander.is_none() {
        tracing::info!("no on-call rotation and no commander: incidents are not escalated");
        return;
    }
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(
        escalate_after_minutes = settings.escalate_after_minutes,
        channel = settings.channel.as_deref().unwrap_or(""),
        contacts = settings.contacts.len(),
        "escalation task started"
    );
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {}
        }
        let now_ms = crate::probes::unix_now_ms();
        match step(&store, &settings, &channels, now_ms).await {
            Ok(done) if !done.is_empty() => tracing::debug!(?done, "escalation step"),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error, "the escalation step failed; retrying at the next one")
            }
        }
    }
}

/// One line for people, as [`super::timeline::describe`] gives for the other kinds:
/// "escalated to bob (level 1)".
pub fn describe(detail: &serde_json::Value) -> String {
    let to = detail
        .get("to")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("?");
    let level = detail
        .get("level")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    format!("escalated to {to} (level {level})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channels() -> Vec<ChannelSpec> {
        let spec: ChannelSpec = toml::from_str(
            "name = \"oncall-hook\"\nkind = \"webhook\"\n[webhook]\nurl = \"http://127.0.0.1:9/hook\"",
        )
        .expect("channel");
        vec![spec]
    }

    #[test]
    fn the_channels_are_found_by_name() {
        let mut settings = RotationSettings::default();
        let none = EscalationChannels::from_settings(&settings, &channels(), "https://x")
            .expect("no channel");
        assert!(none.shared.is_none() && none.personal.is_empty());
        settings.channel = Some("oncall-hook".into());
        let found =
            EscalationChannels::from_settings(&settings, &channels(), "https://x/").expect("found");
        let channel = found.shared.expect("some");
        assert_eq!(channel.name, "oncall-hook");
        assert_eq!(channel.external_url, "https://x");
        settings.channel = Some("nope".into());
        let error = EscalationChannels::from_settings(&settings, &channels(), "https://x")
            .expect_err("unknown");
        assert_eq!(
            error,
            "`incidents.oncall.channel`: there is no [[alerting.channels]] named `nope`"
        );
    }

    #[test]
    fn contacts_name_channels_and_reach_their_person_once() {
        let mut settings = RotationSettings {
            channel: Some("oncall-hook".into()),
            contacts: [(" bob ".to_string(), "oncall-hook".to_string())].into(),
            ..RotationSettings::default()
        };
        let channels_of = |settings: &RotationSettings| {
            EscalationChannels::from_settings(settings, &channels(), "https://x")
        };
        let same = channels_of(&settings).expect("known");
        assert_eq!(
            same.reaching("bob").len(),
            1,
            "the shared channel is bob's too"
        );
        settings.channel = None;
        let own = channels_of(&settings).expect("known");
        assert_eq!(own.reaching("bob").len(), 1);
        assert!(own.reaching("alice").is_empty());
        settings.contacts = [("carol".to_string(), "carol-sms".to_string())].into();
        assert_eq!(
            channels_of(&settings).expect_err("unknown"),
            "`incidents.oncall.contacts.carol`: there is no [[alerting.channels]] named `carol-sms`"
        );
        settings.contacts = [("carol".to_string(), " ".to_string())].into();
        let error = settings.compile().expect_err("blank");
        assert!(error.contains("incidents.oncall.contacts.carol"), "{error}");
    }

    #[test]
    fn describe_names_the_person_and_level() {
        assert_eq!(
            describe(&json!({"to": "bob", "level": 1, "after_minutes": 15})),
            "escalated to bob (level 1)"
        );
    }
}
