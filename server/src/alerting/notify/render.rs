//! What a person reads: the title line and the lines of each alert, shared by Slack, Teams,
//! Google Chat and the e-mail so that they say the same thing. Each of them differs only in its
//! [`Markup`]: how text is escaped, what bold and a link look like.
//!
//! ```text
//! [FIRING:2] HighErrorRate (critical)
//!
//! HighErrorRate (critical) — firing
//! 5.2% of requests fail
//! The error ratio of /api has been above 5% for 10 minutes.
//! Started 2026-11-26 14:58:00 UTC
//! Labels: instance=web-1, job=csv-analyzer
//! Playbook · Source
//! ```
//!
//! Label and annotation values are the alert's, so they may hold anything: every markup
//! escapes them, and links are made only of `http://` and `https://` URLs (a
//! `javascript:` playbook stays text).

use chrono::{DateTime, Utc};

use super::payload::{AlertStatus, WebhookAlert, WebhookMessage};

/// Alerts described one by one in a message; the rest are counted ("and 3 more"). Slack
/// allows 50 blocks, and nobody reads 50 alerts in a chat.
pub const MAX_LISTED: usize = 20;
/// The labels a reader already sees in the alert's first line.
const SHOWN_LABELS: [&str; 2] = ["alertname", "severity"];
/// The annotation of the playbook's URL (Prometheus's usual name).
pub const RUNBOOK_ANNOTATION: &str = "runbook_url";

/// How a channel writes text.
pub trait Markup {
    /// Text from the alert (labels, annotations), escaped for the channel.
    fn text(&self, text: &str) -> String;
    /// `escaped`, already escaped, in bold.
    fn bold(&self, escaped: &str) -> String;
    /// A link to `url` (`http://` or `https://`, checked) labelled `escaped`.
    fn link(&self, url: &str, escaped: &str) -> String;
}

/// Plain text (e-mail subjects and text parts): nothing to escape, no bold, `label <url>`.
#[derive(Debug, Clone, Copy)]
pub struct Plain;

impl Markup for Plain {
    fn text(&self, text: &str) -> String {
        text.to_string()
    }
    fn bold(&self, escaped: &str) -> String {
        escaped.to_string()
    }
    fn link(&self, url: &str, escaped: &str) -> String {
        format!("{escaped}: {url}")
    }
}

/// HTML (the e-mail's HTML part).
#[derive(Debug, Clone, Copy)]
pub struct Html;

impl Markup for Html {
    fn text(&self, text: &str) -> String {
        escape_html(text)
    }
    fn bold(&self, escaped: &str) -> String {
        format!("<strong>{escaped}</strong>")
    }
    fn link(&self, url: &str, escaped: &str) -> String {
        format!("<a href=\"{}\">{escaped}</a>", escape_html(url))
    }
}

/// `&`, `<`, `>`, `"`, `'` as HTML entities: safe in text and in quoted attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An alert, ready to be written.
#[derive(Debug, Clone)]
pub struct AlertView<'a> {
    pub status: AlertStatus,
    /// `alertname`, or `(unnamed alert)`.
    pub name: &'a str,
    /// `severity`, or empty.
    pub severity: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// The other labels, `name=value`.
    pub labels: Vec<(&'a str, &'a str)>,
    /// The playbook (`runbook_url`), if it is an http(s) URL.
    pub runbook_url: Option<&'a str>,
    /// The alert's source (`generatorURL`), if it is an http(s) URL.
    pub generator_url: Option<&'a str>,
}

impl<'a> AlertView<'a> {
    pub fn new(alert: &'a WebhookAlert) -> AlertView<'a> {
        let name = alert.label("alertname");
        AlertView {
            status: alert.status,
            name: if name.is_empty() {
                "(unnamed alert)"
            } else {
                name
            },
            severity: alert.label("severity"),
            summary: alert.annotation("summary"),
            description: alert.annotation("description"),
            starts_at: alert.starts_at,
            ends_at: alert.ends_at,
            labels: alert
                .labels
                .iter()
                .filter(|(k, _)| !SHOWN_LABELS.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            runbook_url: web_url(alert.annotation(RUNBOOK_ANNOTATION)),
            generator_url: web_url(&alert.generator_url),
        }
    }

    /// `HighErrorRate (critical) — firing`, the name in bold.
    pub fn heading(&self, m: &dyn Markup) -> String {
        let mut line = m.bold(&m.text(self.name));
        if !self.severity.is_empty() {
            line.push_str(&format!(" ({})", m.text(self.severity)));
        }
        line.push_str(" — ");
        line.push_str(self.status.as_str());
        line
    }

    /// The lines after the heading: summary, description, times, other labels. Empty ones are
    /// left out.
    pub fn details(&self, m: &dyn Markup) -> Vec<String> {
        let mut lines = Vec::new();
        for text in [self.summary, self.description] {
            if !text.trim().is_empty() {
                lines.push(m.text(text.trim()));
            }
        }
        let mut times = format!("Started {}", time(self.starts_at));
        if let (AlertStatus::Resolved, Some(end)) = (self.status, self.ends_at) {
            times.push_str(&format!(", ended {}", time(end)));
        }
        lines.push(times);
        if !self.labels.is_empty() {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| m.text(&format!("{k}={v}")))
                .collect();
            lines.push(format!("Labels: {}", labels.join(", ")));
        }
        lines
    }

    /// Heading, details and the links on a last line: the whole alert.
    pub fn lines(&self, m: &dyn Markup) -> Vec<String> {
        let mut lines = vec![self.heading(m)];
        lines.extend(self.details(m));
        let links = self.links(m);
        if !links.is_empty() {
            lines.push(links.join(" · "));
        }
        lines
    }

    /// The playbook and source links.
    pub fn links(&self, m: &dyn Markup) -> Vec<String> {
        let mut links = Vec::new();
        if let Some(url) = self.runbook_url {
            links.push(m.link(url, "Playbook"));
        }
        if let Some(url) = self.generator_url {
            links.push(m.link(url, "Source"));
        }
        links
    }
}

/// `url` if it is an absolute `http://` or `https://` URL without spaces.
pub fn web_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let scheme_ok = ["http://", "https://"]
        .iter()
        .any(|s| url.len() > s.len() && url[..s.len()].eq_ignore_ascii_case(s));
    (scheme_ok && !url.contains(char::is_whitespace)).then_some(url)
}

/// `2026-11-26 14:58:00 UTC`.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The title, in plain text (escape it for a markup): `[FIRING:2] HighErrorRate (critical)`
/// or `[RESOLVED] HighErrorRate`. The name is the group's `alertname`, else the alerts' names;
/// the severity is the one all alerts share, if they do. Control characters become spaces (it
/// is also an e-mail subject).
pub fn title(message: &WebhookMessage) -> String {
    let status = match message.status {
        AlertStatus::Firing => format!("[FIRING:{}]", message.firing().count()),
        AlertStatus::Resolved => "[RESOLVED]".to_string(),
    };
    let name = message
        .group_labels
        .get("alertname")
        .or_else(|| message.common_labels.get("alertname"))
        .cloned()
        .unwrap_or_else(|| {
            let mut names: Vec<&str> = Vec::new();
            for alert in &message.alerts {
                let name = alert.label("alertname");
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                }
            }
            match names.len() {
                0 => "alerts".to_string(),
                1..=3 => names.join(", "),
                n => format!("{} and {} more", names[..3].join(", "), n - 3),
            }
        });
    let mut title = format!("{status} {name}");
    if let Some(severity) = message.common_labels.get("severity")
        && !severity.is_empty()
    {
        title.push_str(&format!(" ({severity})"));
    }
    title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The alerts to describe, firing first then resolved, each by start time, at most
/// [`MAX_LISTED`]; and how many more there are (left out here or already by the sender's
/// `truncatedAlerts`).
pub fn listed(message: &WebhookMessage) -> (Vec<AlertView<'_>>, u64) {
    let mut alerts: Vec<&WebhookAlert> = message.alerts.iter().collect();
    alerts.sort_by_key(|a| (a.status != AlertStatus::Firing, a.starts_at));
    let hidden = alerts.len().saturating_sub(MAX_LISTED) as u64 + message.truncated_alerts;
    let views = alerts
        .into_iter()
        .take(MAX_LISTED)
        .map(AlertView::new)
        .collect();
    (views, hidden)
}

/// `and 3 more alerts` (or `None`), then a link back to the sender if there is one.
pub fn footer(message: &WebhookMessage, hidden: u64, m: &dyn Markup) -> Vec<String> {
    let mut lines = Vec::new();
    if hidden > 0 {
        let plural = if hidden == 1 { "alert" } else { "alerts" };
        lines.push(format!("and {hidden} more {plural}"));
    }
    if let Some(url) = web_url(&message.external_url) {
        lines.push(m.link(url, "Open CSV Analyzer"));
    }
    lines
}

/// The whole message as text blocks separated by blank lines: title (bold), each alert
/// (heading then details), footer. `newline` joins lines within a block.
pub fn document(message: &WebhookMessage, m: &dyn Markup, newline: &str) -> String {
    let (views, hidden) = listed(message);
    let mut blocks = vec![m.bold(&m.text(&title(message)))];
    for view in &views {
        blocks.push(view.lines(m).join(newline));
    }
    let footer = footer(message, hidden, m);
    if !footer.is_empty() {
        blocks.push(footer.join(newline));
    }
    blocks.join(&format!("{newline}{newline}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::alerting::notify::payload::VERSION;

    fn message(alerts: Vec<WebhookAlert>) -> WebhookMessage {
        WebhookMessage {
            version: VERSION.to_string(),
            group_key: "{}:{alertname=\"HighErrorRate\"}".to_string(),
            truncated_alerts: 0,
            status: if alerts.iter().any(|a| a.status == AlertStatus::Firing) {
                AlertStatus::Firing
            } else {
                AlertStatus::Resolved
            },
            receiver: "r".to_string(),
            group_labels: BTreeMap::new(),
            common_labels: BTreeMap::new(),
            common_annotations: BTreeMap::new(),
            external_url: String::new(),
            alerts,
        }
    }

    fn alert(name: &str, severity: &str, status: AlertStatus) -> WebhookAlert {
        WebhookAlert {
            status,
            labels: BTreeMap::from([
                ("alertname".to_string(), name.to_string()),
                ("severity".to_string(), severity.to_string()),
                ("instance".to_string(), "web-1".to_string()),
            ]),
            annotations: BTreeMap::from([
                ("summary".to_string(), "5% <b>fail</b>".to_string()),
                (
                    RUNBOOK_ANNOTATION.to_string(),
                    "https://wiki/run?a=1&b=2".to_string(),
                ),
            ]),
            starts_at: "2026-11-26T14:58:00Z".parse().unwrap(),
            ends_at: None,
            generator_url: "javascript:alert(1)".to_string(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn titles_count_firing_alerts_and_name_the_group() {
        let mut m = message(vec![
            alert("HighErrorRate", "critical", AlertStatus::Firing),
            alert("HighErrorRate", "critical", AlertStatus::Resolved),
        ]);
        m.common_labels = BTreeMap::from([
            ("alertname".into(), "HighErrorRate".into()),
            ("severity".into(), "critical".into()),
        ]);
        assert_eq!(title(&m), "[FIRING:1] HighErrorRate (critical)");
        m.status = AlertStatus::Resolved;
        m.common_labels.clear();
        assert_eq!(title(&m), "[RESOLVED] HighErrorRate");
        let m = message(vec![
            alert("A", "", AlertStatus::Firing),
            alert("B", "", AlertStatus::Firing),
        ]);
        assert_eq!(title(&m), "[FIRING:2] A, B");
    }

    #[test]
    fn html_escapes_alert_text_and_links_only_web_urls() {
        let m = message(vec![alert("X<script>", "critical", AlertStatus::Firing)]);
        let html = document(&m, &Html, "<br>");
        assert!(html.contains("<strong>X&lt;script&gt;</strong>"), "{html}");
        assert!(html.contains("5% &lt;b&gt;fail&lt;/b&gt;"), "{html}");
        assert!(
            html.contains("<a href=\"https://wiki/run?a=1&amp;b=2\">Playbook</a>"),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
        let text = document(&m, &Plain, "\n");
        assert!(text.contains("Labels: instance=web-1"), "{text}");
        assert!(text.contains("Started 2026-11-26 14:58:00 UTC"), "{text}");
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let alerts = (0..MAX_LISTED + 3)
            .map(|i| alert(&format!("A{i}"), "", AlertStatus::Firing))
            .collect();
        let mut m = message(alerts);
        m.truncated_alerts = 2;
        let (views, hidden) = listed(&m);
        assert_eq!((views.len(), hidden), (MAX_LISTED, 5));
        assert!(document(&m, &Plain, "\n").contains("and 5 more alerts"));
    }
}
