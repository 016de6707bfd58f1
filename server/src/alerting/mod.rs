//! Alerting (issue 8): rules over the server's own series, alert state, notifications.
//!
//! - [`rules`]: the seed's thresholds as built-in rules; what the configuration changes.
//! - [`signals`]: the figures rules watch, computed from the store at an instant.
//! - [`state`]: one alert's phases (inactive → pending → firing → resolved), no I/O.
//! - [`engine`]: evaluates the rules on an interval, keeps and stores the alerts' state.
//! - [`export`]: the rules as a Prometheus rule file over `/metrics`.
//! - [`silence`]: label matchers over a time range (Alertmanager's).
//! - [`page`]: the `/alerts` page (HTML, no JavaScript).
//! - [`dispatch`]: routing, grouping, inhibition, the outbox and its deliveries.
//! - [`forward`]: the alerts posted to external Alertmanagers (`/api/v2/alerts`).
//! - [`notify`]: the channels a notification goes out on (webhook in Alertmanager's format,
//!   Slack, Microsoft Teams, Google Chat, e-mail over SMTP).

pub mod dispatch;
pub mod engine;
pub mod export;
pub mod forward;
pub mod notify;
pub mod page;
pub mod rules;
pub mod signals;
pub mod silence;
pub mod state;

use serde::{Deserialize, Serialize};

/// `[alerting]` of the configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertingConfig {
    /// Evaluate the rules and send notifications. Off: the API still shows the stored alerts.
    pub enabled: bool,
    /// Seconds between two evaluations of every rule.
    pub evaluation_interval_seconds: u64,
    /// Changes to the built-in rules, and rules of one's own (see [`rules`]).
    pub rules: Vec<rules::RuleConfig>,
    /// Where notifications can go (`[[alerting.channels]]`, see [`notify`]).
    pub channels: Vec<notify::ChannelSpec>,
    /// Which alerts go to which channel (`[[alerting.routes]]`); none: no notification.
    pub routes: Vec<dispatch::RouteConfig>,
    /// Alerts that hold others (`[[alerting.inhibit_rules]]`); absent: the defaults of
    /// [`dispatch::default_inhibit_rules`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inhibit_rules: Option<Vec<dispatch::InhibitRule>>,
    /// Seconds a new group waits before its first notification (more alerts may join it).
    pub group_wait_seconds: u64,
    /// Seconds between two notifications of a group that changed.
    pub group_interval_seconds: u64,
    /// Seconds between two notifications of a group still firing unchanged.
    pub repeat_interval_seconds: u64,
    /// This server's public address, for the links in notifications (`https://csv.example.org`).
    pub external_url: String,
    /// External Alertmanagers the firing alerts are posted to (`[[alerting.alertmanagers]]`,
    /// see [`forward`]); none: no forwarding.
    pub alertmanagers: Vec<forward::AlertmanagerTarget>,
    /// Seconds between two posts of the same alerts to the Alertmanagers (a change is posted
    /// at once).
    pub forward_resend_seconds: u64,
    /// Days the alerts' history, finished notifications and model reports are kept (each
    /// model's or dataset's latest report is kept however old).
    pub retention_days: u64,
}

impl Default for AlertingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            evaluation_interval_seconds: 15,
            rules: Vec::new(),
            channels: Vec::new(),
            routes: Vec::new(),
            inhibit_rules: None,
            group_wait_seconds: 30,
            group_interval_seconds: 300,
            repeat_interval_seconds: 4 * 60 * 60,
            external_url: String::new(),
            alertmanagers: Vec::new(),
            forward_resend_seconds: 60,
            retention_days: 90,
        }
    }
}

impl AlertingConfig {
    /// The rules to run, validated (the error names the rule and the reason).
    pub fn resolved_rules(&self) -> Result<Vec<rules::Rule>, String> {
        if self.evaluation_interval_seconds == 0 {
            return Err("alerting.evaluation_interval_seconds must be at least 1".to_string());
        }
        rules::resolve(&self.rules)
    }

    /// The grouping intervals.
    pub fn timing(&self) -> dispatch::Timing {
        let ms = |s: u64| {
            i64::try_from(s)
                .unwrap_or(i64::MAX / 1000)
                .saturating_mul(1000)
        };
        dispatch::Timing {
            group_wait_ms: ms(self.group_wait_seconds),
            group_interval_ms: ms(self.group_interval_seconds),
            repeat_interval_ms: ms(self.repeat_interval_seconds),
        }
    }

    /// The inhibit rules in force.
    pub fn inhibit_rules(&self) -> Vec<dispatch::InhibitRule> {
        self.inhibit_rules
            .clone()
            .unwrap_or_else(dispatch::default_inhibit_rules)
    }

    /// Checks the channels, routes and inhibit rules without the network; the error names the
    /// bad one.
    pub fn validate_notifications(&self) -> Result<(), String> {
        for channel in &self.channels {
            channel.validate()?;
        }
        for (i, route) in self.routes.iter().enumerate() {
            if !self.channels.iter().any(|c| c.name == route.channel) {
                return Err(format!(
                    "route {}: no channel named `{}`",
                    i + 1,
                    route.channel
                ));
            }
            for text in &route.matchers {
                silence::Matcher::parse(text)
                    .and_then(|m| m.compile())
                    .map_err(|reason| format!("route {}: {reason}", i + 1))?;
            }
        }
        for (i, rule) in self.inhibit_rules().iter().enumerate() {
            for text in rule.source_matchers.iter().chain(&rule.target_matchers) {
                silence::Matcher::parse(text)
                    .and_then(|m| m.compile())
                    .map_err(|reason| format!("inhibit rule {}: {reason}", i + 1))?;
            }
        }
        for target in &self.alertmanagers {
            target.validate()?;
        }
        if self.forward_resend_seconds == 0 {
            return Err("alerting.forward_resend_seconds must be at least 1".to_string());
        }
        if self.retention_days == 0 {
            return Err("alerting.retention_days must be at least 1".to_string());
        }
        if self.group_interval_seconds == 0 || self.repeat_interval_seconds == 0 {
            return Err(
                "alerting.group_interval_seconds and repeat_interval_seconds must be at least 1"
                    .to_string(),
            );
        }
        Ok(())
    }
}
