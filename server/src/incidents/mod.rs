//! Incidents (seed §3, issue 9): the lifecycle, severities, roles, the timeline, status updates,
//! playbooks, MTTA/MTTR, and the task that opens incidents from firing alerts. See
//! docs/incidents.md.
//!
//! - [`severity`]: SEV1 … SEV4 and the alert `severity` label → incident severity table.
//! - [`lifecycle`]: detected → notified → triaged → diagnosing → resolved → closed, as a pure
//!   transition function (forward moves, the reopen resolved → diagnosing).
//! - [`roles`]: on-call engineer, incident commander, subject-matter experts.
//! - [`communication`]: public and internal status updates.
//! - [`timeline`]: the event kinds and their details.
//! - [`figures`]: MTTA and MTTR per severity.
//! - [`playbooks`]: the embedded playbooks of `server/playbooks/`, parsed into steps to tick.
//! - [`auto`]: after each alert evaluation, firing alerts open (or reopen) incidents.
//! - [`changes`]: what people do to an incident, the role each needs, and its audit entry.
//! - [`error`]: [`IncidentError`], in words a user can act on.
//!
//! The storage is [`crate::storage::incidents`] (`Store::incidents()`).

pub mod actions;
pub mod auto;
pub mod changes;
pub mod communication;
pub mod error;
pub mod escalation;
pub mod figures;
pub mod lifecycle;
pub mod oncall;
pub mod playbooks;
pub mod postmortem;
pub mod roles;
pub mod severity;
pub mod ticketing;
pub mod tickets;
pub mod timeline;

use serde::{Deserialize, Serialize};

pub use communication::Visibility;
pub use error::IncidentError;
pub use lifecycle::{Lifecycle, LifecycleError, State};
pub use roles::Role;
pub use severity::Severity;

/// The `[incidents]` settings.
///
/// ```toml
/// [incidents]
/// auto_open = true              # firing alerts open incidents
/// reopen_window_seconds = 3600  # an alert firing again within this after its incident was
///                               # resolved reopens it; later, it opens a new incident
/// ignore_alerts = ["Watchdog"]  # alert names that never open an incident
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentSettings {
    /// Whether firing alerts open and reopen incidents (default true). When false, incidents
    /// are opened by people only; linked alerts still add their events.
    pub auto_open: bool,
    /// How long after an incident's resolution its alert firing again reopens it rather than
    /// opening a new incident, seconds (default 3600).
    pub reopen_window_seconds: u64,
    /// `alertname`s that never open an incident (default `["Watchdog"]`: it fires all the
    /// time on purpose, to show the pipeline works).
    pub ignore_alerts: Vec<String>,
    /// Which resolved incidents get a post-mortem draft (`[incidents.postmortem]`).
    pub postmortem: postmortem::PostmortemSettings,
    /// The weekly on-call rotation and escalation (`[incidents.oncall]`).
    pub oncall: oncall::RotationSettings,
    /// The ticketing webhook (`[incidents.ticketing]`).
    pub ticketing: ticketing::TicketingSettings,
}

impl Default for IncidentSettings {
    fn default() -> Self {
        IncidentSettings {
            auto_open: true,
            reopen_window_seconds: 3600,
            ignore_alerts: vec!["Watchdog".to_string()],
            postmortem: postmortem::PostmortemSettings::default(),
            oncall: oncall::RotationSettings::default(),
            ticketing: ticketing::TicketingSettings::default(),
        }
    }
}

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest component, person or step name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest note or status update, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// `text` trimmed, if it is not empty, at most `max` characters and free of control
/// characters (`multiline` allows line breaks and tabs).
pub(crate) fn checked_text(
    field: &'static str,
    text: &str,
    max: usize,
    multiline: bool,
) -> Result<String, IncidentError> {
    let trimmed = text.trim();
    let invalid = |reason: String| IncidentError::Invalid { field, reason };
    if trimmed.is_empty() {
        return Err(invalid("must not be empty".to_string()));
    }
    let chars = trimmed.chars().count();
    if chars > max {
        return Err(invalid(format!(
            "{chars} characters; at most {max} are allowed"
        )));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(invalid("must not contain control characters".to_string()));
    }
    Ok(trimmed.to_string())
}

/// Component names: each checked, duplicates dropped, order kept.
pub(crate) fn checked_components(components: &[String]) -> Result<Vec<String>, IncidentError> {
    let mut out: Vec<String> = Vec::with_capacity(components.len());
    for component in components {
        let name = checked_text("component", component, MAX_NAME_CHARS, false)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_and_parse() {
        let settings: IncidentSettings =
            toml::from_str("reopen_window_seconds = 60").expect("parses");
        assert!(settings.auto_open);
        assert_eq!(settings.reopen_window_seconds, 60);
        assert_eq!(settings.ignore_alerts, ["Watchdog"]);
        assert!(toml::from_str::<IncidentSettings>("reopen = 1").is_err());
    }

    #[test]
    fn text_is_checked() {
        assert_eq!(checked_text("title", "  Down ", 10, false).unwrap(), "Down");
        assert!(checked_text("title", " ", 10, false).is_err());
        assert!(checked_text("title", "a\u{7}", 10, false).is_err());
        assert!(checked_text("note", "a\nb", 10, true).is_ok());
        let error = checked_text("title", "abcdef", 3, false).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid title: 6 characters; at most 3 are allowed"
        );
        assert_eq!(
            checked_components(&["api".into(), "api".into(), "db".into()]).unwrap(),
            ["api", "db"]
        );
    }
}
