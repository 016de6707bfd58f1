//! Tickets in an external system (seed §13.2: Jira, ServiceNow): a JSON body, rendered from a
//! template, POSTed to a URL when an incident is opened, resolved, or gets an action. See
//! docs/incidents.md, "On call, escalation, ticketing".
//!
//! - [`TicketingSettings`]: the `[incidents.ticketing]` table (disabled by default), checked at
//!   start-up by [`TicketingSettings::compile`], which also renders the template once with a
//!   sample incident so that a template that does not give JSON is refused before it is used.
//! - [`Ticketing::send`]: one ticket request, three attempts with backoff on 5xx, 429 and
//!   network failures or time-outs; returns the ticket's key when the answer names one (Jira's
//!   `key`, ServiceNow's `result.number`).
//! - [`JIRA_TEMPLATE`] and [`SERVICENOW_TEMPLATE`]: two examples to start from.
//!
//! # Templates
//!
//! A template is JSON text with `{{name}}` placeholders *inside string literals*. Each is
//! replaced by its value escaped for a JSON string (quotes, backslashes, line breaks), so a
//! title cannot break the JSON. A placeholder without a value (e.g. `action.title` for
//! `opened`) is replaced by an empty string. The names are [`PLACEHOLDERS`].

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::DateTime;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Client, StatusCode, Url};
use serde::Deserialize;

use super::{Lifecycle, Severity, State};
use crate::alerting::notify::spec::{REDACTED, Schemes, check_url};
use crate::storage::incidents::Incident;

/// What a ticket request is sent for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TicketEvent {
    /// An incident was opened.
    Opened,
    /// An incident was resolved.
    Resolved,
    /// An action item was added (by the post-mortem).
    ActionAdded,
}

impl TicketEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Resolved => "resolved",
            Self::ActionAdded => "action_added",
        }
    }
}

/// The placeholders a template may use. `incident.urgency` and `incident.impact` are
/// ServiceNow's scale from the severity (SEV1 and SEV2 → `1`, SEV3 → `2`, SEV4 → `3`);
/// `incident.url` and the `action.*` values come from the caller's `extra` values.
pub const PLACEHOLDERS: [&str; 14] = [
    "event",
    "incident.id",
    "incident.title",
    "incident.severity",
    "incident.state",
    "incident.url",
    "incident.components",
    "incident.playbook",
    "incident.detected_at",
    "incident.urgency",
    "incident.impact",
    "action.title",
    "action.owner",
    "action.due",
];

/// Jira: `url = "https://jira.example.org/rest/api/2/issue"` (Jira Server / Data Center, or
/// Jira Cloud's `/rest/api/2/issue` with `basic_user` = the account's e-mail and
/// `basic_password` = an API token). Change the project key and the issue type to yours.
pub const JIRA_TEMPLATE: &str = r#"{
  "fields": {
    "project": {"key": "OPS"},
    "summary": "[{{incident.severity}}] {{incident.title}}",
    "description": "CSV Analyzer incident {{incident.id}} was {{event}} ({{incident.state}}).\nComponents: {{incident.components}}\n{{action.title}}\n{{incident.url}}",
    "issuetype": {"name": "Incident"},
    "labels": ["csv-analyzer", "incident-{{incident.id}}"]
  }
}"#;

/// ServiceNow: `url = "https://INSTANCE.service-now.com/api/now/table/incident"` with
/// `basic_user`/`basic_password` (or an OAuth `bearer_token`).
pub const SERVICENOW_TEMPLATE: &str = r#"{
  "short_description": "[{{incident.severity}}] {{incident.title}}",
  "description": "CSV Analyzer incident {{incident.id}} was {{event}} ({{incident.state}}). {{action.title}} {{incident.url}}",
  "urgency": "{{incident.urgency}}",
  "impact": "{{incident.impact}}",
  "correlation_id": "csv-analyzer-{{incident.id}}"
}"#;

/// How many times a request is tried.
pub const ATTEMPTS: u32 = 3;
/// The wait before the second attempt; doubled before the third.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// How much of an error answer is kept in the error.
const MAX_ERROR_BODY_CHARS: usize = 300;
const USER_AGENT: &str = concat!("csv-analyzer-ticketing/", env!("CARGO_PKG_VERSION"));

/// The `[incidents.ticketing]` settings.
///
/// ```toml
/// [incidents.ticketing]
/// enabled = true
/// url = "https://jira.example.org/rest/api/2/issue"
/// basic_user = "csv-analyzer@example.org"
/// basic_password = "API-TOKEN"        # or bearer_token = "…"
/// timeout_seconds = 10
/// on = ["opened", "resolved", "action_added"]
/// template = '''{"fields": {"project": {"key": "OPS"}, "summary": "{{incident.title}}", …}}'''
/// ```
#[derive(Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketingSettings {
    /// Off by default.
    pub enabled: bool,
    /// Where the ticket requests are POSTed (`https://`, or `http://` to a loopback address
    /// only when credentials are set).
    pub url: String,
    /// Sent as `Authorization: Bearer …`.
    pub bearer_token: Option<String>,
    /// Sent as `Authorization: Basic …` with `basic_password`.
    pub basic_user: Option<String>,
    pub basic_password: Option<String>,
    /// The longest one attempt may take, seconds (default 10, at most 120).
    pub timeout_seconds: u64,
    /// The events that send a request (default `["opened"]`).
    pub on: Vec<TicketEvent>,
    /// The JSON body template (default [`JIRA_TEMPLATE`]).
    pub template: String,
}

impl Default for TicketingSettings {
    fn default() -> Self {
        TicketingSettings {
            enabled: false,
            url: String::new(),
            bearer_token: None,
            basic_user: None,
            basic_password: None,
            timeout_seconds: 10,
            on: vec![TicketEvent::Opened],
            template: JIRA_TEMPLATE.to_string(),
        }
    }
}

impl std::fmt::Debug for TicketingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &Option<String>| s.as_ref().map(|_| REDACTED);
        f.debug_struct("TicketingSettings")
            .field("enabled", &self.enabled)
            .field(
                "url",
                &crate::alerting::notify::spec::redact_webhook_url(&self.url),
            )
            .field("bearer_token", &secret(&self.bearer_token))
            .field("basic_user", &self.basic_user)
            .field("basic_password", &secret(&self.basic_password))
            .field("timeout_seconds", &self.timeout_seconds)
            .field("on", &self.on)
            .field("template", &self.template)
            .finish()
    }
}

/// Why a ticket request failed. Messages carry neither the URL's path nor a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// The settings or the template are not usable.
    #[error("ticketing: {0}")]
    Invalid(String),
    /// The receiver refused the request (4xx other than 429): retrying will not help.
    #[error("the ticketing system refused the request with {status}: {body}")]
    Rejected { status: u16, body: String },
    /// Every attempt failed with a 5xx, a 429, a time-out or a network error.
    #[error("the ticketing system could not be reached after {attempts} attempts: {reason}")]
    Unreachable { attempts: u32, reason: String },
}

/// Checked settings with their HTTP client: what [`Ticketing::send`] uses.
#[derive(Debug, Clone)]
pub struct Ticketing {
    settings: TicketingSettings,
    url: Url,
    client: Client,
}

impl TicketingSettings {
    /// The ticketing client, `None` when disabled; the error names the key.
    pub fn compile(&self) -> Result<Option<Ticketing>, String> {
        if !self.enabled {
            return Ok(None);
        }
        let has_credentials = self.bearer_token.is_some() || self.basic_user.is_some();
        let schemes = if has_credentials {
            Schemes::HttpsUnlessLoopback
        } else {
            Schemes::HttpOrHttps
        };
        let url = check_url("incidents.ticketing.url", &self.url, schemes)?;
        match (&self.bearer_token, &self.basic_user, &self.basic_password) {
            (Some(_), Some(_), _) => {
                return Err("`incidents.ticketing`: set either `bearer_token` or \
                            `basic_user`/`basic_password`, not both"
                    .into());
            }
            (_, Some(_), None) => {
                return Err(
                    "`incidents.ticketing.basic_password`: required with `basic_user`".into(),
                );
            }
            (_, None, Some(_)) => {
                return Err(
                    "`incidents.ticketing.basic_user`: required with `basic_password`".into(),
                );
            }
            (Some(token), _, _) if token.trim().is_empty() => {
                return Err("`incidents.ticketing.bearer_token`: must not be empty".into());
            }
            _ => {}
        }
        if self.timeout_seconds == 0 || self.timeout_seconds > 120 {
            return Err(format!(
                "`incidents.ticketing.timeout_seconds`: {} is out of range (1 to 120)",
                self.timeout_seconds
            ));
        }
        if self.on.is_empty() {
            return Err(
                "`incidents.ticketing.on`: empty; list at least one of opened, \
                        resolved, action_added (or set enabled = false)"
                    .into(),
            );
        }
        check_template(&self.template)
            .map_err(|e| format!("`incidents.ticketing.template`: {e}"))?;
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(self.timeout_seconds))
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| format!("ticketing: cannot build the HTTP client: {e}"))?;
        Ok(Some(Ticketing {
            settings: self.clone(),
            url,
            client,
        }))
    }

    /// Checks the settings (see [`TicketingSettings::compile`]).
    pub fn validate(&self) -> Result<(), String> {
        self.compile().map(drop)
    }
}

/// ServiceNow's 1 (high) … 3 (low) scale for a severity.
fn servicenow_scale(severity: Severity) -> &'static str {
    match severity {
        Severity::Sev1 | Severity::Sev2 => "1",
        Severity::Sev3 => "2",
        Severity::Sev4 => "3",
    }
}

/// The placeholder values for `event` on `incident`, with `extra` (`incident.url`,
/// `action.title`, `action.owner`, `action.due`) added.
pub fn values(
    event: TicketEvent,
    incident: &Incident,
    extra: &BTreeMap<String, String>,
) -> BTreeMap<&'static str, String> {
    let mut values = BTreeMap::from([
        ("event", event.as_str().to_string()),
        ("incident.id", incident.id.to_string()),
        ("incident.title", incident.title.clone()),
        ("incident.severity", incident.severity.as_str().to_string()),
        ("incident.state", incident.state().as_str().to_string()),
        ("incident.components", incident.components.join(", ")),
        (
            "incident.playbook",
            incident.playbook.clone().unwrap_or_default(),
        ),
        (
            "incident.detected_at",
            DateTime::from_timestamp_millis(incident.lifecycle.detected_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
        ),
        (
            "incident.urgency",
            servicenow_scale(incident.severity).to_string(),
        ),
        (
            "incident.impact",
            servicenow_scale(incident.severity).to_string(),
        ),
    ]);
    for name in PLACEHOLDERS {
        if let Some(value) = extra.get(name) {
            values.insert(name, value.clone());
        }
    }
    values
}

/// `template` with each `{{name}}` replaced by its value escaped for a JSON string; an unknown
/// name or an unclosed `{{` is an error.
pub fn render(template: &str, values: &BTreeMap<&'static str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "a `{{` is not closed by `}}`".to_string())?;
        let name = after[..close].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder `{{{{{name}}}}}` (known: {})",
                PLACEHOLDERS.join(", ")
            ));
        }
        let value = values.get(name).map_or("", String::as_str);
        let quoted = serde_json::Value::from(value).to_string();
        let inner = quoted
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or(&quoted);
        out.push_str(inner);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A sample incident, to check templates with.
fn sample_incident() -> Incident {
    Incident {
        id: 42,
        title: "Sample \"quoted\" title\\with\nnewline".to_string(),
        severity: Severity::Sev2,
        components: vec!["api".to_string()],
        playbook: Some("application-down".to_string()),
        created_by: "alerting".to_string(),
        lifecycle: Lifecycle {
            state: State::Detected,
            detected_ms: 1_800_000_000_000,
            notified_ms: None,
            triaged_ms: None,
            diagnosing_ms: None,
            resolved_ms: None,
            closed_ms: None,
            reopened_count: 0,
        },
        acknowledged: None,
        updated_ms: 1_800_000_000_000,
    }
}

/// Renders `template` for a sample incident (with awkward characters in its title) and every
/// value set, and checks that the result is a JSON object.
pub fn check_template(template: &str) -> Result<(), String> {
    let extra: BTreeMap<String, String> = PLACEHOLDERS
        .iter()
        .filter(|n| n.starts_with("action.") || **n == "incident.url")
        .map(|n| (n.to_string(), format!("sample {n} \"}}\\")))
        .collect();
    let body = render(
        template,
        &values(TicketEvent::ActionAdded, &sample_incident(), &extra),
    )?;
    match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err("the rendered body is JSON but not an object".to_string()),
        Err(e) => Err(format!(
            "the rendered body is not JSON ({e}); placeholders go inside string quotes, e.g. \
             \"summary\": \"{{{{incident.title}}}}\""
        )),
    }
}

/// The ticket's key in an answer: Jira's `key`, ServiceNow's `result.number`, else a
/// top-level `number` or `id`.
pub fn ticket_key(answer: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(answer).ok()?;
    ["/key", "/result/number", "/number", "/id"]
        .iter()
        .filter_map(|pointer| value.pointer(pointer))
        .find_map(|found| match found {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
}

/// A reqwest error as a reason without the URL.
fn reason_of(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".to_string()
    } else if error.is_connect() {
        "cannot connect".to_string()
    } else {
        "the request failed".to_string()
    }
}

fn short(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_ERROR_BODY_CHARS)
        .collect()
}

impl Ticketing {
    /// Whether `event` sends a request.
    pub fn wants(&self, event: TicketEvent) -> bool {
        self.settings.on.contains(&event)
    }

    /// The body for `event` on `incident` with `extra` values.
    pub fn body(
        &self,
        event: TicketEvent,
        incident: &Incident,
        extra: &BTreeMap<String, String>,
    ) -> Result<Vec<u8>, TicketError> {
        let text = render(&self.settings.template, &values(event, incident, extra))
            .map_err(TicketError::Invalid)?;
        // Parsed and written again: what is sent is JSON, whatever the values.
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| TicketError::Invalid(format!("the rendered body is not JSON: {e}")))?;
        serde_json::to_vec(&json).map_err(|e| TicketError::Invalid(e.to_string()))
    }

    /// POSTs the ticket request for `event` (nothing when `event` is not in `on`: `Ok(None)`);
    /// returns the ticket key the answer names, if any. Three attempts, 250 ms then 500 ms
    /// apart, on 5xx, 429, time-outs and network errors.
    pub async fn send(
        &self,
        event: TicketEvent,
        incident: &Incident,
        extra: &BTreeMap<String, String>,
    ) -> Result<Option<String>, TicketError> {
        if !self.wants(event) {
            return Ok(None);
        }
        let body = self.body(event, incident, extra)?;
        let mut backoff = FIRST_BACKOFF;
        let mut reason = String::new();
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            let mut request = self
                .client
                .post(self.url.clone())
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json")
                .body(body.clone());
            if let Some(token) = &self.settings.bearer_token {
                request = request.bearer_auth(token.trim());
            } else if let Some(user) = &self.settings.basic_user {
                request = request.basic_auth(user, self.settings.basic_password.as_ref());
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    reason = reason_of(&error);
                    continue;
                }
            };
            let status = response.status();
            let answer = match response.bytes().await {
                Ok(bytes) => bytes,
                Err(error) => {
                    reason = reason_of(&error);
                    continue;
                }
            };
            if status.is_success() {
                return Ok(ticket_key(&answer));
            }
            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                reason = format!("answered {status}");
                continue;
            }
            return Err(TicketError::Rejected {
                status: status.as_u16(),
                body: short(&answer),
            });
        }
        Err(TicketError::Unreachable {
            attempts: ATTEMPTS,
            reason,
        })
    }
}

/// Compiles `settings` and sends one request (see [`Ticketing::send`]); `Ok(None)` when
/// ticketing is disabled. A server keeps the compiled [`Ticketing`] instead.
pub async fn send(
    settings: &TicketingSettings,
    event: TicketEvent,
    incident: &Incident,
    extra: &BTreeMap<String, String>,
) -> Result<Option<String>, TicketError> {
    match settings.compile().map_err(TicketError::Invalid)? {
        Some(ticketing) => ticketing.send(event, incident, extra).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_by_default_and_examples_are_valid() {
        let settings = TicketingSettings::default();
        assert!(settings.compile().expect("valid").is_none());
        check_template(JIRA_TEMPLATE).expect("Jira template");
        check_template(SERVICENOW_TEMPLATE).expect("ServiceNow template");
    }

    #[test]
    fn rendering_escapes_values() {
        let incident = sample_incident();
        let body = render(
            "{\"t\": \"[{{ incident.severity }}] {{incident.title}}\", \"a\": \"{{action.title}}\"}",
            &values(TicketEvent::Opened, &incident, &BTreeMap::new()),
        )
        .expect("renders");
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(json["t"], format!("[SEV2] {}", incident.title));
        assert_eq!(json["a"], "");
    }

    #[test]
    fn bad_templates_and_settings_are_refused() {
        assert!(
            check_template("{\"a\": \"{{incident.nope}}\"}")
                .expect_err("unknown")
                .contains("unknown placeholder `{{incident.nope}}`")
        );
        assert!(
            check_template("{\"a\": {{incident.title}}}")
                .expect_err("unquoted")
                .contains("inside string quotes")
        );
        assert!(check_template("{\"a\": \"{{incident.id\"}").is_err());
        let settings = |change: fn(&mut TicketingSettings)| {
            let mut s = TicketingSettings {
                enabled: true,
                url: "https://jira.example.org/rest/api/2/issue".into(),
                ..TicketingSettings::default()
            };
            change(&mut s);
            s.validate()
        };
        settings(|_| {}).expect("valid");
        assert!(settings(|s| s.url = "ftp://x".into()).is_err());
        assert!(
            settings(|s| s.on.clear())
                .expect_err("empty")
                .contains("`incidents.ticketing.on`")
        );
        assert!(settings(|s| s.basic_user = Some("u".into())).is_err());
        assert!(
            settings(|s| {
                s.url = "http://jira.example.org/x".into();
                s.bearer_token = Some("secret-token".into());
            })
            .expect_err("plain http")
            .contains("https")
        );
        let debug = format!(
            "{:?}",
            TicketingSettings {
                bearer_token: Some("secret-token".into()),
                ..TicketingSettings::default()
            }
        );
        assert!(!debug.contains("secret-token"));
    }

    #[test]
    fn keys_from_answers() {
        assert_eq!(
            ticket_key(br#"{"id":"10000","key":"OPS-7","self":"x"}"#).as_deref(),
            Some("OPS-7")
        );
        assert_eq!(
            ticket_key(br#"{"result":{"number":"INC0010001","sys_id":"abc"}}"#).as_deref(),
            Some("INC0010001")
        );
        assert_eq!(ticket_key(b"not json"), None);
    }
}
