//! One alert's life, with no I/O: inactive → pending → firing → resolved, as Prometheus's rule
//! manager runs it.
//!
//! - The condition holds: an inactive or resolved alert becomes pending (firing at once when
//!   `for` is 0); a pending alert fires once it has held for `for`.
//! - The condition does not hold (or there is no data): a pending alert goes back to inactive;
//!   a firing alert is resolved, unless it held less than `keep_firing_for` ago.
//!
//! Each evaluation gives the new [`AlertState`] and whether it changed, so the engine writes
//! the history only on changes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Inactive,
    Pending,
    Firing,
    Resolved,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::Pending => "pending",
            Self::Firing => "firing",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<Phase> {
        Some(match text {
            "inactive" => Self::Inactive,
            "pending" => Self::Pending,
            "firing" => Self::Firing,
            "resolved" => Self::Resolved,
            _ => return None,
        })
    }
}

/// An alert's state between evaluations (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertState {
    pub phase: Phase,
    /// When the condition started holding (pending and firing).
    pub active_since_ms: Option<i64>,
    /// When it fired (firing, and resolved: when the episode began to fire).
    pub fired_at_ms: Option<i64>,
    /// When it was resolved.
    pub resolved_at_ms: Option<i64>,
    /// The last evaluation at which the condition held.
    pub last_held_ms: Option<i64>,
}

impl AlertState {
    pub const INACTIVE: AlertState = AlertState {
        phase: Phase::Inactive,
        active_since_ms: None,
        fired_at_ms: None,
        resolved_at_ms: None,
        last_held_ms: None,
    };

    /// The state after an evaluation at `now_ms` where the condition `holds`; returns it and
    /// whether the phase changed.
    pub fn next(
        self,
        holds: bool,
        now_ms: i64,
        for_ms: i64,
        keep_firing_for_ms: i64,
    ) -> (AlertState, bool) {
        let mut next = self;
        if holds {
            next.last_held_ms = Some(now_ms);
            match self.phase {
                Phase::Inactive | Phase::Resolved => {
                    next.active_since_ms = Some(now_ms);
                    next.resolved_at_ms = None;
                    next.fired_at_ms = None;
                    if for_ms <= 0 {
                        next.phase = Phase::Firing;
                        next.fired_at_ms = Some(now_ms);
                    } else {
                        next.phase = Phase::Pending;
                    }
                }
                Phase::Pending => {
                    let since = self.active_since_ms.unwrap_or(now_ms);
                    if now_ms - since >= for_ms {
                        next.phase = Phase::Firing;
                        next.fired_at_ms = Some(now_ms);
                    }
                }
                Phase::Firing => {}
            }
        } else {
            match self.phase {
                Phase::Pending => {
                    next = AlertState {
                        last_held_ms: self.last_held_ms,
                        ..AlertState::INACTIVE
                    };
                }
                Phase::Firing => {
                    let kept = self
                        .last_held_ms
                        .is_some_and(|held| now_ms - held < keep_firing_for_ms);
                    if !kept {
                        next.phase = Phase::Resolved;
                        next.resolved_at_ms = Some(now_ms);
                        next.active_since_ms = None;
                    }
                }
                Phase::Inactive | Phase::Resolved => {}
            }
        }
        let changed = next.phase != self.phase;
        (next, changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `conditions` (one per 15 s evaluation from t = 0) and gives the phases.
    fn phases(conditions: &str, for_ms: i64, keep_ms: i64) -> Vec<Phase> {
        let mut state = AlertState::INACTIVE;
        conditions
            .chars()
            .enumerate()
            .map(|(i, c)| {
                state = state.next(c == '1', i as i64 * 15_000, for_ms, keep_ms).0;
                state.phase
            })
            .collect()
    }

    use Phase::*;

    #[test]
    fn for_delays_firing_and_a_blip_goes_back_to_inactive() {
        assert_eq!(
            phases("1101111000", 30_000, 0),
            [
                Pending, Pending, Inactive, Pending, Pending, Firing, Firing, Resolved, Resolved,
                Resolved
            ]
        );
    }

    #[test]
    fn without_for_it_fires_at_once_and_fires_again_after_resolving() {
        assert_eq!(phases("1101", 0, 0), [Firing, Firing, Resolved, Firing]);
    }

    #[test]
    fn keep_firing_for_holds_a_flapping_alert() {
        // Kept while the last evaluation that held is less than 30 s old.
        assert_eq!(
            phases("10010001", 0, 30_000),
            [
                Firing, Firing, Resolved, Firing, Firing, Resolved, Resolved, Firing
            ]
        );
    }

    #[test]
    fn timestamps_follow_the_phases() {
        let s = AlertState::INACTIVE;
        let (s, changed) = s.next(true, 1_000, 10_000, 0);
        assert!(changed);
        assert_eq!((s.phase, s.active_since_ms), (Pending, Some(1_000)));
        let (s, changed) = s.next(true, 11_000, 10_000, 0);
        assert!(changed);
        assert_eq!((s.phase, s.fired_at_ms), (Firing, Some(11_000)));
        let (s, changed) = s.next(true, 26_000, 10_000, 0);
        assert!(!changed);
        let (s, _) = s.next(false, 41_000, 10_000, 0);
        assert_eq!(
            (s.phase, s.fired_at_ms, s.resolved_at_ms),
            (Resolved, Some(11_000), Some(41_000))
        );
    }
}
