//! What can go wrong with an incident, in words a user can act on. `http/error.rs` (or the
//! incident routes) map these to statuses: [`IncidentError::NotFound`] → 404, a storage error
//! → 503, the rest → 409 or 400 ([`IncidentError::is_conflict`]).

use super::lifecycle::{LifecycleError, State};
use super::roles::Role;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    #[error("there is no incident {id}")]
    NotFound { id: i64 },
    /// A move the lifecycle refuses.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A change other than a note on a closed incident.
    #[error(
        "incident {id} is closed; it can no longer be {action} (add a note, or open a new incident)"
    )]
    Closed { id: i64, action: &'static str },
    #[error("incident {id} was already acknowledged by {by}")]
    AlreadyAcknowledged { id: i64, by: String },
    #[error("incident {id} is already {severity}")]
    SameSeverity { id: i64, severity: super::Severity },
    /// A value refused before anything is written.
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The alert already belongs to another open incident.
    #[error(
        "alert {fingerprint} is already linked to open incident {incident_id}; resolve that one first or work on it"
    )]
    AlertLinkedElsewhere {
        fingerprint: String,
        incident_id: i64,
    },
    #[error("{person} is not {role} of incident {id}")]
    NotAssigned { id: i64, role: Role, person: String },
    #[error("{person} is already {role} of incident {id}")]
    AlreadyAssigned { id: i64, role: Role, person: String },
    #[error("incident {id} has no playbook, so it has no steps to tick")]
    NoPlaybook { id: i64 },
    #[error("playbook `{playbook}` of incident {id} has no step `{step}`")]
    UnknownStep {
        id: i64,
        playbook: String,
        step: String,
    },
    /// A stored value that does not parse (a bug or a hand-edited database).
    #[error("incident {id} is stored with an unreadable {column}: {reason}")]
    Corrupt {
        id: i64,
        column: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for IncidentError {
    fn from(error: sqlx::Error) -> Self {
        IncidentError::Storage(StorageError::Database(error))
    }
}

impl IncidentError {
    /// Whether the request was fine but the incident's current state forbids it (HTTP 409);
    /// `Invalid` is a 400, `NotFound` a 404, `Storage` and `Corrupt` are the server's fault.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::Lifecycle(_)
                | Self::Closed { .. }
                | Self::AlreadyAcknowledged { .. }
                | Self::SameSeverity { .. }
                | Self::AlertLinkedElsewhere { .. }
                | Self::NotAssigned { .. }
                | Self::AlreadyAssigned { .. }
                | Self::NoPlaybook { .. }
        )
    }

    /// `incident {id} is closed` for `action`, when `state` is closed.
    pub(crate) fn refuse_if_closed(
        id: i64,
        state: State,
        action: &'static str,
    ) -> Result<(), IncidentError> {
        if state == State::Closed {
            Err(IncidentError::Closed { id, action })
        } else {
            Ok(())
        }
    }
}
