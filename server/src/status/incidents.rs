//! The incidents the public status page shows: those with at least one public status update,
//! still open or resolved within [`RECENT_DAYS`]. Only what was written for the public is
//! shown (the updates' text, the title, the components, a coarse state): never an author,
//! an internal update or the timeline.

use serde::Serialize;
use utoipa::ToSchema;

use crate::incidents::{IncidentError, Severity, State};
use crate::storage::Store;

/// How far back resolved incidents stay on the page.
pub const RECENT_DAYS: i64 = 7;
/// Most public updates read.
const MAX_UPDATES: i64 = 500;

/// One incident on the status page.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatusIncident {
    pub id: i64,
    pub name: String,
    /// Statuspage's words: investigating, identified, resolved.
    pub status: &'static str,
    /// Statuspage's words: critical (SEV1), major (SEV2), minor (SEV3), none (SEV4).
    pub impact: &'static str,
    pub components: Vec<String>,
    /// The latest update's time (RFC 3339).
    pub updated_at: String,
    /// Newest first.
    pub incident_updates: Vec<StatusIncidentUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatusIncidentUpdate {
    pub body: String,
    pub created_at: String,
}

impl StatusIncident {
    /// Neither resolved nor closed.
    pub fn is_active(&self) -> bool {
        self.status != "resolved"
    }
}

fn status_of(state: State) -> &'static str {
    match state {
        State::Detected | State::Notified | State::Triaged => "investigating",
        State::Diagnosing => "identified",
        State::Resolved | State::Closed => "resolved",
    }
}

fn impact_of(severity: Severity) -> &'static str {
    match severity {
        Severity::Sev1 => "critical",
        Severity::Sev2 => "major",
        Severity::Sev3 => "minor",
        Severity::Sev4 => "none",
    }
}

/// The incidents to show at `now_ms`: active ones first, then by latest update, newest first.
pub async fn public_incidents(
    store: &Store,
    now_ms: i64,
) -> Result<Vec<StatusIncident>, IncidentError> {
    let since = now_ms - RECENT_DAYS * 24 * 3_600_000;
    let updates = store.incidents().public_updates(since, MAX_UPDATES).await?;
    let mut incidents: Vec<StatusIncident> = Vec::new();
    for update in updates {
        let entry = StatusIncidentUpdate {
            body: update.body.clone(),
            created_at: crate::pages::rfc3339(update.at_ms),
        };
        match incidents.iter_mut().find(|i| i.id == update.incident_id) {
            Some(incident) => incident.incident_updates.push(entry),
            None => incidents.push(StatusIncident {
                id: update.incident_id,
                name: update.title.clone(),
                status: status_of(update.state),
                impact: impact_of(update.severity),
                components: update.components.clone(),
                updated_at: String::new(),
                incident_updates: vec![entry],
            }),
        }
    }
    for incident in &mut incidents {
        incident
            .incident_updates
            .sort_by(|a, b| b.created_at.cmp(&a.created_at));
        incident.updated_at = incident
            .incident_updates
            .first()
            .map(|u| u.created_at.clone())
            .unwrap_or_default();
    }
    incidents.sort_by(|a, b| {
        b.is_active()
            .cmp(&a.is_active())
            .then_with(|| b.updated_at.cmp(&a.updated_at))
    });
    Ok(incidents)
}
