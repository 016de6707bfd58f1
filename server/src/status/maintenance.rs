//! Maintenance windows: from the configuration file (`[[maintenance]]`, read-only through the
//! API) and from `POST /api/maintenance` (stored). A component is `under_maintenance` while a
//! window that names it (by id or name) or one of its probes is active: `start <= t < end`.
//!
//! [`Windows::covers`] is what the alerting engine (issue 8) will ask before notifying: an alert
//! of a component or probe under maintenance is held, not sent.

use chrono::{DateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest window name and comment.
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_COMMENT_LEN: usize = 2000;

/// A maintenance window as users write it: a `[[maintenance]]` table or the body of
/// `POST /api/maintenance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSpec {
    /// What is done, e.g. "PostgreSQL upgrade".
    #[schema(example = "PostgreSQL upgrade")]
    pub name: String,
    /// Component ids, component names or probe names.
    #[schema(example = json!(["api"]))]
    pub components: Vec<String>,
    /// RFC 3339 instant.
    #[schema(example = "2026-11-28T22:00:00Z")]
    pub start: String,
    /// RFC 3339 instant, after `start`.
    #[schema(example = "2026-11-28T23:00:00Z")]
    pub end: String,
    /// Shown on the status page.
    #[serde(default)]
    pub comment: String,
}

/// A checked window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub id: String,
    pub name: String,
    pub components: Vec<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub comment: String,
    /// Defined in the configuration file (read-only through the API).
    pub from_config: bool,
}

impl MaintenanceSpec {
    /// Checks the window; the message names it and says why.
    pub fn check(&self, id: String, from_config: bool) -> Result<Window, String> {
        let name = self.name.trim();
        let named = |why: &str| format!("maintenance `{name}`: {why}");
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(format!(
                "a maintenance window needs a name of 1 to {MAX_NAME_LEN} characters"
            ));
        }
        if self.comment.chars().count() > MAX_COMMENT_LEN {
            return Err(named(&format!(
                "the comment is longer than {MAX_COMMENT_LEN} characters"
            )));
        }
        if self.components.is_empty() || self.components.iter().any(|c| c.trim().is_empty()) {
            return Err(named(
                "`components` must list at least one component or probe name",
            ));
        }
        let instant = |key: &str, text: &str| {
            DateTime::parse_from_rfc3339(text.trim())
                .map(|t| t.timestamp_millis())
                .map_err(|e| {
                    named(&format!(
                        "`{key}` must be an RFC 3339 instant such as 2026-11-28T22:00:00Z: {e}"
                    ))
                })
        };
        let start_ms = instant("start", &self.start)?;
        let end_ms = instant("end", &self.end)?;
        if end_ms <= start_ms {
            return Err(named("`end` must be after `start`"));
        }
        Ok(Window {
            id,
            name: name.to_string(),
            components: self
                .components
                .iter()
                .map(|c| c.trim().to_string())
                .collect(),
            start_ms,
            end_ms,
            comment: self.comment.clone(),
            from_config,
        })
    }
}

impl Window {
    /// Whether the window is active at `at_ms`.
    pub fn active_at(&self, at_ms: i64) -> bool {
        self.start_ms <= at_ms && at_ms < self.end_ms
    }

    /// Whether the window names one of `names` (a component's id and name, or a probe's name).
    pub fn names_any(&self, names: &[&str]) -> bool {
        self.components.iter().any(|c| names.contains(&c.as_str()))
    }

    /// `scheduled`, `in_progress` or `completed` at `at_ms` (Statuspage's words).
    pub fn status_at(&self, at_ms: i64) -> &'static str {
        if at_ms < self.start_ms {
            "scheduled"
        } else if at_ms < self.end_ms {
            "in_progress"
        } else {
            "completed"
        }
    }
}

/// The windows known at one moment (configuration and database).
#[derive(Debug, Clone, Default)]
pub struct Windows(pub Vec<Window>);

impl Windows {
    /// The active windows that name one of `names`.
    pub fn covering<'a>(
        &'a self,
        names: &'a [&'a str],
        at_ms: i64,
    ) -> impl Iterator<Item = &'a Window> {
        self.0
            .iter()
            .filter(move |w| w.active_at(at_ms) && w.names_any(names))
    }

    /// Whether something named `names` is under maintenance at `at_ms`.
    pub fn covers(&self, names: &[&str], at_ms: i64) -> bool {
        self.covering(names, at_ms).next().is_some()
    }
}

/// Unix ms → RFC 3339, UTC, seconds.
pub fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(start: &str, end: &str) -> MaintenanceSpec {
        MaintenanceSpec {
            name: "upgrade".into(),
            components: vec!["api".into()],
            start: start.into(),
            end: end.into(),
            comment: String::new(),
        }
    }

    #[test]
    fn windows_are_checked_and_active_between_start_and_end() {
        let w = spec("2026-11-28T22:00:00Z", "2026-11-28T23:00:00+00:00")
            .check("x".into(), false)
            .expect("valid");
        assert!(!w.active_at(w.start_ms - 1));
        assert!(w.active_at(w.start_ms));
        assert!(!w.active_at(w.end_ms));
        assert_eq!(w.status_at(w.end_ms), "completed");
        let error = spec("2026-11-28T23:00:00Z", "2026-11-28T22:00:00Z")
            .check("x".into(), false)
            .expect_err("end before start");
        assert!(error.contains("after"), "{error}");
        let error = spec("tomorrow", "2026-11-28T22:00:00Z")
            .check("x".into(), false)
            .expect_err("not a date");
        assert!(error.contains("`start`"), "{error}");
    }
}
