//! `GET /alerts`: the on-call engineer's page, server-rendered like the status page — readable
//! without JavaScript and on a phone, every text escaped, its stylesheet at
//! `/alerts/alerts.css` (the CSP allows styles from `'self'` only).
//!
//! Sections: firing (not silenced), pending, silenced or held by maintenance, the recent
//! changes of phase, and every rule with its latest evaluation.

use std::fmt::Write;

use crate::status::page::escape;

/// What one row of the page shows of an alert.
#[derive(Debug, Clone)]
pub struct AlertLine {
    pub name: String,
    pub severity: String,
    /// Other labels, `name="value"` joined.
    pub subject: String,
    pub summary: String,
    pub description: String,
    pub playbook: Option<String>,
    /// RFC 3339.
    pub since: String,
    pub firing: bool,
    pub silenced_by: Vec<String>,
    pub acknowledged_by: Option<String>,
}

/// One change of phase.
#[derive(Debug, Clone)]
pub struct ChangeLine {
    pub at: String,
    pub name: String,
    pub subject: String,
    pub previous: String,
    pub phase: String,
}

/// One rule.
#[derive(Debug, Clone)]
pub struct RuleLine {
    pub name: String,
    pub condition: String,
    pub severity: String,
    pub enabled: bool,
    pub health: String,
    pub detail: Option<String>,
}

/// The stylesheet.
pub const STYLESHEET: &str = include_str!("alerts.css");

/// The whole page.
pub fn render(alerts: &[AlertLine], changes: &[ChangeLine], rules: &[RuleLine]) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let firing: Vec<&AlertLine> = alerts
        .iter()
        .filter(|a| a.firing && a.silenced_by.is_empty())
        .collect();
    let pending: Vec<&AlertLine> = alerts
        .iter()
        .filter(|a| !a.firing && a.silenced_by.is_empty())
        .collect();
    let silenced: Vec<&AlertLine> = alerts
        .iter()
        .filter(|a| !a.silenced_by.is_empty())
        .collect();
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Alerts</title>\n<link rel=\"stylesheet\" href=\"/alerts/alerts.css\">\n\
         </head>\n<body>\n<main>\n<h1>Alerts</h1>\n\
         <p class=\"summary\" role=\"status\">{} firing, {} pending, {} silenced</p>\n",
        firing.len(),
        pending.len(),
        silenced.len()
    );
    section(
        &mut html,
        "firing",
        "Firing",
        &firing,
        "No alert is firing.",
    );
    section(
        &mut html,
        "pending",
        "Pending",
        &pending,
        "No alert is pending.",
    );
    section(
        &mut html,
        "silenced",
        "Silenced or under maintenance",
        &silenced,
        "No alert is silenced.",
    );

    html.push_str(
        "<section aria-labelledby=\"h-changes\">\n<h2 id=\"h-changes\">Recent changes</h2>\n",
    );
    if changes.is_empty() {
        html.push_str("<p>No change yet.</p>\n");
    } else {
        html.push_str(
            "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">When</th>\
             <th scope=\"col\">Alert</th><th scope=\"col\">Change</th></tr></thead>\n<tbody>\n",
        );
        for c in changes {
            let _ = writeln!(
                html,
                "<tr><td><time datetime=\"{at}\">{at}</time></td><td>{name}{subject}</td>\
                 <td>{previous} → <span class=\"p-{phase}\">{phase}</span></td></tr>",
                at = escape(&c.at),
                name = escape(&c.name),
                subject = subject(&c.subject),
                previous = escape(&c.previous),
                phase = escape(&c.phase),
            );
        }
        html.push_str("</tbody>\n</table></div>\n");
    }
    html.push_str("</section>\n");

    html.push_str("<section aria-labelledby=\"h-rules\">\n<h2 id=\"h-rules\">Rules</h2>\n");
    html.push_str(
        "<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Rule</th>\
         <th scope=\"col\">Condition</th><th scope=\"col\">Severity</th>\
         <th scope=\"col\">Latest evaluation</th></tr></thead>\n<tbody>\n",
    );
    for r in rules {
        let health = if r.enabled {
            match &r.detail {
                Some(detail) => format!("{} — {}", escape(&r.health), escape(detail)),
                None => escape(&r.health),
            }
        } else {
            "disabled".to_string()
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(&r.name),
            escape(&r.condition),
            escape(&r.severity),
            health
        );
    }
    html.push_str("</tbody>\n</table></div>\n</section>\n");
    html.push_str(
        "<p class=\"links\">JSON: <a href=\"/api/alerts?pending=true\">/api/alerts</a>, \
         <a href=\"/api/alerts/rules\">rules</a>, <a href=\"/api/silences\">silences</a>. \
         <a href=\"/status\">Public status page</a>.</p>\n</main>\n</body>\n</html>\n",
    );
    html
}

fn subject(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"subject\">{}</span>", escape(text))
    }
}

fn section(html: &mut String, id: &str, title: &str, alerts: &[&AlertLine], empty: &str) {
    let _ = write!(
        html,
        "<section aria-labelledby=\"h-{id}\">\n<h2 id=\"h-{id}\">{title} ({})</h2>\n",
        alerts.len()
    );
    if alerts.is_empty() {
        let _ = writeln!(html, "<p>{empty}</p>");
    }
    for a in alerts {
        let _ = write!(
            html,
            "<article class=\"alert sev-{severity}\">\n<h3>{name}{subject} \
             <span class=\"severity\">{severity}</span></h3>\n<p>{summary}</p>\n\
             <p class=\"description\">{description}</p>\n<dl>\n\
             <dt>Since</dt><dd><time datetime=\"{since}\">{since}</time></dd>\n",
            severity = escape(&a.severity),
            name = escape(&a.name),
            subject = subject(&a.subject),
            summary = escape(&a.summary),
            description = escape(&a.description),
            since = escape(&a.since),
        );
        if let Some(playbook) = &a.playbook {
            let _ = writeln!(
                html,
                "<dt>Playbook</dt><dd><code>playbooks/{}.md</code></dd>",
                escape(playbook)
            );
        }
        if let Some(by) = &a.acknowledged_by {
            let _ = writeln!(html, "<dt>Acknowledged by</dt><dd>{}</dd>", escape(by));
        }
        if !a.silenced_by.is_empty() {
            let _ = writeln!(
                html,
                "<dt>Silenced by</dt><dd>{}</dd>",
                escape(&a.silenced_by.join(", "))
            );
        }
        html.push_str("</dl>\n</article>\n");
    }
    html.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_escaped() {
        let line = AlertLine {
            name: "<script>alert(1)</script>".into(),
            severity: "critical".into(),
            subject: "probe=\"<b>\"".into(),
            summary: "a & b".into(),
            description: "\"quoted\"".into(),
            playbook: Some("x".into()),
            since: "2026-11-26T15:00:00Z".into(),
            firing: true,
            silenced_by: Vec::new(),
            acknowledged_by: Some("<img src=x>".into()),
        };
        let html = render(&[line], &[], &[]);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("1 firing, 0 pending, 0 silenced"));
    }
}
