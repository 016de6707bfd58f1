//! The figures of the incident pages, computed from stored incidents with no I/O:
//!
//! - **MTTA** (mean time to acknowledge) = `acknowledged_ms − detected_ms`, over the incidents
//!   that were acknowledged;
//! - **MTTR** (mean time to resolve) = `resolved_ms − detected_ms`, over the incidents that are
//!   resolved (or closed). A reopened incident counts with its latest resolution.
//!
//! Each is given per severity as a count, a mean and a median, in seconds.

use std::collections::BTreeMap;

use super::severity::{ALL_SEVERITIES, Severity};

/// Count, mean and median of some durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationSummary {
    pub count: u64,
    /// `None` when `count` is 0.
    pub mean_seconds: Option<f64>,
    /// The middle value (the mean of the two middle values for an even count).
    pub median_seconds: Option<f64>,
}

impl DurationSummary {
    /// The summary of `durations_ms` (negative durations, from clocks set back, count as 0).
    pub fn of(durations_ms: &[i64]) -> Self {
        let mut sorted: Vec<i64> = durations_ms.iter().map(|d| (*d).max(0)).collect();
        sorted.sort_unstable();
        let count = sorted.len();
        if count == 0 {
            return DurationSummary {
                count: 0,
                mean_seconds: None,
                median_seconds: None,
            };
        }
        let seconds = |ms: f64| ms / 1000.0;
        let total: f64 = sorted.iter().map(|d| *d as f64).sum();
        let middle = count / 2;
        let median = if count % 2 == 1 {
            sorted[middle] as f64
        } else {
            (sorted[middle - 1] as f64 + sorted[middle] as f64) / 2.0
        };
        DurationSummary {
            count: count as u64,
            mean_seconds: Some(seconds(total / count as f64)),
            median_seconds: Some(seconds(median)),
        }
    }
}

/// MTTA and MTTR of one severity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseFigures {
    pub severity: Severity,
    /// How many incidents of this severity were detected in the range.
    pub incidents: u64,
    pub time_to_acknowledge: DurationSummary,
    pub time_to_resolve: DurationSummary,
}

/// The instants MTTA and MTTR are computed from, for one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTimes {
    pub severity: Severity,
    pub detected_ms: i64,
    pub acknowledged_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
}

/// MTTA and MTTR per severity (every severity, SEV1 first, even those with no incident).
pub fn response_figures(incidents: &[ResponseTimes]) -> Vec<ResponseFigures> {
    let mut per_severity: BTreeMap<Severity, (u64, Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for incident in incidents {
        let entry = per_severity.entry(incident.severity).or_default();
        entry.0 += 1;
        if let Some(acknowledged) = incident.acknowledged_ms {
            entry.1.push(acknowledged - incident.detected_ms);
        }
        if let Some(resolved) = incident.resolved_ms {
            entry.2.push(resolved - incident.detected_ms);
        }
    }
    ALL_SEVERITIES
        .into_iter()
        .map(|severity| {
            let (count, acknowledge, resolve) = per_severity.remove(&severity).unwrap_or_default();
            ResponseFigures {
                severity,
                incidents: count,
                time_to_acknowledge: DurationSummary::of(&acknowledge),
                time_to_resolve: DurationSummary::of(&resolve),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_have_mean_and_median() {
        let summary = DurationSummary::of(&[4_000, 1_000, 10_000]);
        assert_eq!(summary.count, 3);
        assert_eq!(summary.mean_seconds, Some(5.0));
        assert_eq!(summary.median_seconds, Some(4.0));
        let even = DurationSummary::of(&[1_000, 2_000, 3_000, 10_000]);
        assert_eq!(even.median_seconds, Some(2.5));
        assert_eq!(DurationSummary::of(&[]).mean_seconds, None);
    }

    #[test]
    fn figures_are_per_severity() {
        let figures = response_figures(&[
            ResponseTimes {
                severity: Severity::Sev2,
                detected_ms: 0,
                acknowledged_ms: Some(60_000),
                resolved_ms: Some(600_000),
            },
            ResponseTimes {
                severity: Severity::Sev2,
                detected_ms: 0,
                acknowledged_ms: None,
                resolved_ms: None,
            },
        ]);
        assert_eq!(figures.len(), 4);
        let sev2 = figures[1];
        assert_eq!(sev2.incidents, 2);
        assert_eq!(sev2.time_to_acknowledge.count, 1);
        assert_eq!(sev2.time_to_acknowledge.mean_seconds, Some(60.0));
        assert_eq!(sev2.time_to_resolve.median_seconds, Some(600.0));
        assert_eq!(figures[0].incidents, 0);
    }
}
