//! The notification itself: Alertmanager's webhook payload, version 4
//! (<https://prometheus.io/docs/alerting/latest/configuration/#webhook_config>).
//!
//! One format for everything: the `webhook` channel sends it as it is, the chat and e-mail
//! channels render it, and the server will later *receive* it from a real Alertmanager — so
//! the JSON names are Alertmanager's exactly (`groupKey`, `externalURL`, `generatorURL`, ...)
//! and reading is tolerant: fields Alertmanager may leave out default to empty, fields it may
//! add later are ignored.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The only payload version this module speaks.
pub const VERSION: &str = "4";

/// One notification: a group of alerts that share their group labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookMessage {
    /// Always `"4"`.
    #[schema(example = "4")]
    pub version: String,
    /// Identifies the group across notifications (a receiver deduplicates and threads by it).
    #[serde(rename = "groupKey")]
    #[schema(example = "{}:{alertname=\"HighErrorRate\"}")]
    pub group_key: String,
    /// How many alerts were left out of `alerts` (a channel's `max_alerts`).
    #[serde(rename = "truncatedAlerts", default)]
    pub truncated_alerts: u64,
    /// `firing` while at least one alert of the group fires, else `resolved`.
    pub status: AlertStatus,
    /// The name of the channel (Alertmanager: receiver) the notification is for.
    #[schema(example = "oncall-slack")]
    pub receiver: String,
    /// The labels the alerts are grouped by.
    #[serde(rename = "groupLabels", default)]
    pub group_labels: BTreeMap<String, String>,
    /// The labels every alert of the group has, with the same value.
    #[serde(rename = "commonLabels", default)]
    pub common_labels: BTreeMap<String, String>,
    /// The annotations every alert of the group has, with the same value.
    #[serde(rename = "commonAnnotations", default)]
    pub common_annotations: BTreeMap<String, String>,
    /// A link back to the sender (Alertmanager's or this server's address).
    #[serde(rename = "externalURL", default)]
    #[schema(example = "https://csv.example.org")]
    pub external_url: String,
    /// The alerts of the group.
    pub alerts: Vec<WebhookAlert>,
}

/// One alert of a notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookAlert {
    pub status: AlertStatus,
    /// Identify the alert: `alertname`, `severity`, and whatever the rule adds.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Describe it: `summary`, `description`, `runbook_url` (the playbook).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it started firing (RFC 3339).
    #[serde(rename = "startsAt")]
    #[schema(value_type = String, format = DateTime, example = "2026-11-26T14:58:00Z")]
    pub starts_at: DateTime<Utc>,
    /// When it ended, if it has; on the wire Alertmanager's "unset", `0001-01-01T00:00:00Z`,
    /// is `None` here.
    #[serde(rename = "endsAt", with = "go_time", default)]
    #[schema(value_type = String, format = DateTime, example = "0001-01-01T00:00:00Z")]
    pub ends_at: Option<DateTime<Utc>>,
    /// A link to what produced the alert (the rule, a graph).
    #[serde(rename = "generatorURL", default)]
    pub generator_url: String,
    /// A stable hash of the labels: the alert's identity across notifications.
    #[serde(default)]
    #[schema(example = "1a30ba71cca2921f")]
    pub fingerprint: String,
}

/// Whether an alert (or a group) fires or is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Resolved => "resolved",
        }
    }
}

impl WebhookMessage {
    /// The alerts that fire.
    pub fn firing(&self) -> impl Iterator<Item = &WebhookAlert> {
        self.alerts
            .iter()
            .filter(|a| a.status == AlertStatus::Firing)
    }

    /// A copy with at most `max` alerts (firing ones first, as Alertmanager keeps them) and
    /// `truncatedAlerts` counting the rest; `max == 0` keeps them all.
    pub fn truncated(&self, max: usize) -> WebhookMessage {
        let mut copy = self.clone();
        if max == 0 || copy.alerts.len() <= max {
            return copy;
        }
        copy.alerts.sort_by_key(|a| a.status != AlertStatus::Firing);
        let dropped = copy.alerts.len() - max;
        copy.alerts.truncate(max);
        copy.truncated_alerts += dropped as u64;
        copy
    }
}

impl WebhookAlert {
    /// A label's value, or `""`.
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map_or("", String::as_str)
    }

    /// An annotation's value, or `""`.
    pub fn annotation(&self, name: &str) -> &str {
        self.annotations.get(name).map_or("", String::as_str)
    }
}

/// `endsAt` as Go writes a zero `time.Time`: Alertmanager's "not ended".
pub const UNSET_TIME: &str = "0001-01-01T00:00:00Z";

/// Serde for `Option<DateTime<Utc>>` as Alertmanager writes it: `None` is Go's zero time.
mod go_time {
    use chrono::{DateTime, Datelike, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    use super::UNSET_TIME;

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(time) => {
                serializer.serialize_str(&time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
            None => serializer.serialize_str(UNSET_TIME),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let time = DateTime::parse_from_rfc3339(&text)
            .map_err(|e| serde::de::Error::custom(format!("`{text}` is not RFC 3339: {e}")))?
            .with_timezone(&Utc);
        // Go's zero time, whatever its spelling (a zone offset, fractions of a second).
        Ok((time.year() > 1).then_some(time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(status: AlertStatus, name: &str) -> WebhookAlert {
        WebhookAlert {
            status,
            labels: BTreeMap::from([("alertname".to_string(), name.to_string())]),
            annotations: BTreeMap::new(),
            starts_at: "2026-11-26T14:58:00Z".parse().unwrap(),
            ends_at: None,
            generator_url: String::new(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn unset_end_is_go_zero_time() {
        let mut a = alert(AlertStatus::Firing, "A");
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["endsAt"], UNSET_TIME);
        assert_eq!(json["startsAt"], "2026-11-26T14:58:00Z");
        assert_eq!(serde_json::from_value::<WebhookAlert>(json).unwrap(), a);
        a.ends_at = Some("2026-11-26T15:00:00.5Z".parse().unwrap());
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["endsAt"], "2026-11-26T15:00:00.500Z");
        assert_eq!(serde_json::from_value::<WebhookAlert>(json).unwrap(), a);
    }

    #[test]
    fn truncation_keeps_firing_alerts_and_counts_the_rest() {
        let message = WebhookMessage {
            version: VERSION.to_string(),
            group_key: "g".to_string(),
            truncated_alerts: 0,
            status: AlertStatus::Firing,
            receiver: "r".to_string(),
            group_labels: BTreeMap::new(),
            common_labels: BTreeMap::new(),
            common_annotations: BTreeMap::new(),
            external_url: String::new(),
            alerts: vec![
                alert(AlertStatus::Resolved, "A"),
                alert(AlertStatus::Firing, "B"),
                alert(AlertStatus::Resolved, "C"),
            ],
        };
        let cut = message.truncated(1);
        assert_eq!(cut.alerts.len(), 1);
        assert_eq!(cut.alerts[0].label("alertname"), "B");
        assert_eq!(cut.truncated_alerts, 2);
        assert_eq!(message.truncated(0), message);
    }
}
