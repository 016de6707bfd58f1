//! An incident's life, with no I/O (seed §3.1): detected → notified → triaged → diagnosing →
//! resolved → closed.
//!
//! - **Forward moves may skip states** (detected → triaged when the on-call engineer sees the
//!   alert before any notification went out), **never backwards**.
//! - **One way back, the reopen**: resolved → diagnosing (the problem came back). It clears
//!   `resolved_ms` and counts the reopen. A closed incident never reopens: open a new one.
//! - **Each state's timestamp is set on first entry** and kept afterwards (a reopened incident
//!   keeps its first `diagnosing_ms`); states skipped over keep no timestamp, except that closing
//!   an incident that was never marked resolved sets `resolved_ms` too (closure means the service
//!   is back, seed §3.1 step 7), so that it counts in MTTR.
//! - **Acknowledgement is not a state**: it is a separate event with its time and person
//!   (MTTA = acknowledged − detected); the on-call engineer triages explicitly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where an incident is in its life.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[schema(as = IncidentState)]
pub enum State {
    Detected,
    Notified,
    Triaged,
    Diagnosing,
    Resolved,
    Closed,
}

/// Every state, in the order of the lifecycle.
pub const ALL_STATES: [State; 6] = [
    State::Detected,
    State::Notified,
    State::Triaged,
    State::Diagnosing,
    State::Resolved,
    State::Closed,
];

impl State {
    /// The lowercase name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Detected => "detected",
            Self::Notified => "notified",
            Self::Triaged => "triaged",
            Self::Diagnosing => "diagnosing",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Whether people still work on it: neither resolved nor closed. An alert links to at most
    /// one open incident.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of the lifecycle's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown incident state `{0}`: expected detected, notified, triaged, diagnosing, resolved or closed"
)]
pub struct UnknownState(pub String);

impl FromStr for State {
    type Err = UnknownState;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ALL_STATES
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownState(text.to_string()))
    }
}

/// An incident's state and the instants (Unix ms) it entered each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    pub state: State,
    pub detected_ms: i64,
    pub notified_ms: Option<i64>,
    pub triaged_ms: Option<i64>,
    pub diagnosing_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    /// How many times it went from resolved back to diagnosing.
    pub reopened_count: i64,
}

/// What a move did, for the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// A forward move (possibly over skipped states).
    Forward { from: State, to: State },
    /// resolved → diagnosing.
    Reopen,
}

/// A move the lifecycle refuses; the message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("incident {id} is closed; it cannot move to {to} (open a new incident instead)")]
    Closed { id: i64, to: State },
    #[error("incident {id} is already {state}")]
    Unchanged { id: i64, state: State },
    #[error(
        "incident {id} is {from}; it cannot go back to {to} (only a resolved incident may reopen, to diagnosing)"
    )]
    Backwards { id: i64, from: State, to: State },
}

impl Lifecycle {
    /// A new incident, detected at `detected_ms`.
    pub fn detected(detected_ms: i64) -> Self {
        Lifecycle {
            state: State::Detected,
            detected_ms,
            notified_ms: None,
            triaged_ms: None,
            diagnosing_ms: None,
            resolved_ms: None,
            closed_ms: None,
            reopened_count: 0,
        }
    }

    /// The lifecycle of incident `id` after moving to `to` at `now_ms`, or why it cannot.
    pub fn transition(
        &self,
        id: i64,
        to: State,
        now_ms: i64,
    ) -> Result<(Lifecycle, Move), LifecycleError> {
        let from = self.state;
        if from == State::Closed {
            return Err(LifecycleError::Closed { id, to });
        }
        if to == from {
            return Err(LifecycleError::Unchanged { id, state: from });
        }
        let mut next = *self;
        next.state = to;
        if from == State::Resolved && to == State::Diagnosing {
            next.resolved_ms = None;
            next.reopened_count += 1;
            next.diagnosing_ms.get_or_insert(now_ms);
            return Ok((next, Move::Reopen));
        }
        if to < from {
            return Err(LifecycleError::Backwards { id, from, to });
        }
        let entered = match to {
            State::Detected => None,
            State::Notified => Some(&mut next.notified_ms),
            State::Triaged => Some(&mut next.triaged_ms),
            State::Diagnosing => Some(&mut next.diagnosing_ms),
            State::Resolved => Some(&mut next.resolved_ms),
            State::Closed => Some(&mut next.closed_ms),
        };
        if let Some(slot) = entered {
            slot.get_or_insert(now_ms);
        }
        if to == State::Closed {
            next.resolved_ms.get_or_insert(now_ms);
        }
        Ok((next, Move::Forward { from, to }))
    }

    /// Notes a delivered notification at `at_ms`: `notified_ms` is set if it was not, and a
    /// detected incident becomes notified. Returns whether anything changed.
    pub fn notify(&mut self, at_ms: i64) -> bool {
        let mut changed = false;
        if self.notified_ms.is_none() {
            self.notified_ms = Some(at_ms);
            changed = true;
        }
        if self.state == State::Detected {
            self.state = State::Notified;
            changed = true;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_000_000;

    #[test]
    fn forward_moves_may_skip_states_and_keep_first_entry_times() {
        let start = Lifecycle::detected(T);
        let (triaged, step) = start.transition(1, State::Triaged, T + 10).unwrap();
        assert_eq!(
            step,
            Move::Forward {
                from: State::Detected,
                to: State::Triaged
            }
        );
        assert_eq!(triaged.state, State::Triaged);
        assert_eq!(triaged.triaged_ms, Some(T + 10));
        assert_eq!(triaged.notified_ms, None, "skipped states get no time");
        let (diagnosing, _) = triaged.transition(1, State::Diagnosing, T + 20).unwrap();
        let (resolved, _) = diagnosing.transition(1, State::Resolved, T + 30).unwrap();
        assert_eq!(resolved.resolved_ms, Some(T + 30));
        let (closed, _) = resolved.transition(1, State::Closed, T + 40).unwrap();
        assert_eq!(closed.closed_ms, Some(T + 40));
        assert_eq!(
            closed.resolved_ms,
            Some(T + 30),
            "the first resolution is kept"
        );
        assert_eq!(closed.diagnosing_ms, Some(T + 20));
    }

    #[test]
    fn backward_moves_are_refused_with_an_actionable_message() {
        let (diagnosing, _) = Lifecycle::detected(T)
            .transition(7, State::Diagnosing, T + 1)
            .unwrap();
        let error = diagnosing.transition(7, State::Triaged, T + 2).unwrap_err();
        assert_eq!(
            error,
            LifecycleError::Backwards {
                id: 7,
                from: State::Diagnosing,
                to: State::Triaged
            }
        );
        assert!(
            error
                .to_string()
                .contains("only a resolved incident may reopen")
        );
        let error = diagnosing
            .transition(7, State::Diagnosing, T + 2)
            .unwrap_err();
        assert_eq!(error.to_string(), "incident 7 is already diagnosing");
        let (resolved, _) = diagnosing.transition(7, State::Resolved, T + 3).unwrap();
        for to in [State::Detected, State::Notified, State::Triaged] {
            assert!(matches!(
                resolved.transition(7, to, T + 4),
                Err(LifecycleError::Backwards { .. })
            ));
        }
    }

    #[test]
    fn a_resolved_incident_reopens_to_diagnosing_and_a_closed_one_never() {
        let (resolved, _) = Lifecycle::detected(T)
            .transition(3, State::Resolved, T + 5)
            .unwrap();
        let (reopened, step) = resolved.transition(3, State::Diagnosing, T + 9).unwrap();
        assert_eq!(step, Move::Reopen);
        assert_eq!(reopened.state, State::Diagnosing);
        assert_eq!(reopened.resolved_ms, None);
        assert_eq!(reopened.diagnosing_ms, Some(T + 9));
        assert_eq!(reopened.reopened_count, 1);
        let (again, _) = reopened.transition(3, State::Resolved, T + 20).unwrap();
        assert_eq!(again.resolved_ms, Some(T + 20), "the new resolution counts");
        let (closed, _) = again.transition(3, State::Closed, T + 30).unwrap();
        let error = closed.transition(3, State::Diagnosing, T + 40).unwrap_err();
        assert_eq!(
            error.to_string(),
            "incident 3 is closed; it cannot move to diagnosing (open a new incident instead)"
        );
    }

    #[test]
    fn closing_an_unresolved_incident_counts_as_its_resolution() {
        let (closed, _) = Lifecycle::detected(T)
            .transition(4, State::Closed, T + 50)
            .unwrap();
        assert_eq!(closed.resolved_ms, Some(T + 50));
        assert_eq!(closed.closed_ms, Some(T + 50));
    }

    #[test]
    fn a_notification_moves_only_a_detected_incident() {
        let mut detected = Lifecycle::detected(T);
        assert!(detected.notify(T + 1));
        assert_eq!(detected.state, State::Notified);
        assert_eq!(detected.notified_ms, Some(T + 1));
        assert!(
            !detected.notify(T + 2),
            "only the first notification counts"
        );
        let (mut triaged, _) = Lifecycle::detected(T)
            .transition(1, State::Triaged, T + 1)
            .unwrap();
        assert!(triaged.notify(T + 3));
        assert_eq!(triaged.state, State::Triaged);
        assert_eq!(triaged.notified_ms, Some(T + 3));
    }

    #[test]
    fn states_parse_and_print_lowercase() {
        for state in ALL_STATES {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
            assert_eq!(
                serde_json::to_string(&state).unwrap(),
                format!("\"{}\"", state.as_str())
            );
        }
        assert_eq!("Triaged".parse::<State>(), Ok(State::Triaged));
        assert!("open".parse::<State>().is_err());
        assert!(State::Diagnosing.is_open());
        assert!(!State::Resolved.is_open());
    }
}
