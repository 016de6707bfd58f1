//! The timeline: every change of an incident is an event (who, when, what), written in the
//! same transaction as the change. `kind` names what happened; `detail` is a JSON object whose
//! keys depend on the kind (listed here and in docs/incidents.md).

/// `{title, severity, components, playbook}`: the incident was opened (by a person, or by the
/// alerting with `fingerprint` and `rule` too).
pub const CREATED: &str = "created";
/// `{from, to}`: a forward move of the lifecycle.
pub const STATE_CHANGED: &str = "state_changed";
/// `{from: "resolved", to: "diagnosing", reopened_count, fingerprint?}`: the problem came back.
pub const REOPENED: &str = "reopened";
/// `{}`: someone took the incident (MTTA stops here).
pub const ACKNOWLEDGED: &str = "acknowledged";
/// `{from, to}`: the severity changed.
pub const SEVERITY_CHANGED: &str = "severity_changed";
/// `{role, person, replaced?}`.
pub const ROLE_ASSIGNED: &str = "role_assigned";
/// `{role, person}`.
pub const ROLE_UNASSIGNED: &str = "role_unassigned";
/// `{text}`: a free note.
pub const NOTE: &str = "note";
/// `{update_id, visibility}`: a status update was posted (its body is in `status_updates`).
pub const STATUS_UPDATE: &str = "status_update";
/// `{fingerprint, rule}`: an alert was linked to the incident.
pub const ALERT_LINKED: &str = "alert_linked";
/// `{fingerprint, rule, resolved_ms}`: a linked alert stopped firing ("alert resolved"); the
/// incident stays where it is, people resolve it.
pub const ALERT_RESOLVED: &str = "alert_resolved";
/// `{fingerprint, rule}`: a linked alert fires again while the incident is open.
pub const ALERT_REFIRED: &str = "alert_refired";
/// `{channel, notification_id}`: a notification about a linked alert was delivered ("notified
/// via <channel>"), once per channel.
pub const NOTIFIED: &str = "notified";
/// `{step, checked}`: a playbook step was ticked or unticked.
pub const PLAYBOOK_STEP: &str = "playbook_step";

/// One line for people, e.g. "notified via oncall-slack", from an event's kind and detail.
pub fn describe(kind: &str, detail: &serde_json::Value) -> String {
    let text = |key: &str| {
        detail
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("?")
    };
    match kind {
        CREATED => format!("opened: {}", text("title")),
        STATE_CHANGED => format!("{} → {}", text("from"), text("to")),
        REOPENED => "reopened (resolved → diagnosing)".to_string(),
        ACKNOWLEDGED => "acknowledged".to_string(),
        SEVERITY_CHANGED => format!("severity {} → {}", text("from"), text("to")),
        ROLE_ASSIGNED => format!("{} is {}", text("person"), text("role")),
        ROLE_UNASSIGNED => format!("{} is no longer {}", text("person"), text("role")),
        NOTE => text("text").to_string(),
        STATUS_UPDATE => format!("{} status update", text("visibility")),
        ALERT_LINKED => format!("alert {} linked", text("rule")),
        ALERT_RESOLVED => format!("alert {} resolved", text("rule")),
        ALERT_REFIRED => format!("alert {} fires again", text("rule")),
        NOTIFIED => format!("notified via {}", text("channel")),
        PLAYBOOK_STEP => {
            let checked = detail
                .get("checked")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            format!(
                "playbook step {} {}",
                text("step"),
                if checked { "done" } else { "reopened" }
            )
        }
        super::escalation::ESCALATED => super::escalation::describe(detail),
        other => super::postmortem::describe(other, detail).unwrap_or_else(|| other.to_string()),
    }
}
