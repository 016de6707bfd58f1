//! From probe runs to a component's state, with no I/O: each run is a [`Level`] (passed, slow,
//! failed), each probe's level moves only after `failure_threshold` runs in a row say it is worse
//! or `success_threshold` runs in a row say it is better ([`probe_level`]), and a component's
//! state combines its probes' levels ([`combine`]).

use super::ComponentState;

/// What one run says about its probe, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Every assertion passed.
    Up,
    /// Every assertion passed but the latency ceiling (`assertions.max_latency_ms`): the target
    /// answered correctly, more slowly than the probe allows.
    Slow,
    /// Some other assertion failed, or the run timed out.
    Down,
}

/// The start of the failure reason `probes::check` writes when only the latency ceiling failed
/// ("took 912 ms, more than the ceiling of 800 ms"); a test in `tests/status` pins it.
const LATENCY_FAILURE_PREFIX: &str = "took ";
const LATENCY_FAILURE_MARK: &str = "more than the ceiling of";

/// The level of a stored run.
pub fn level_of(success: bool, failure: Option<&str>) -> Level {
    if success {
        return Level::Up;
    }
    match failure {
        Some(reason)
            if reason.starts_with(LATENCY_FAILURE_PREFIX)
                && reason.contains(LATENCY_FAILURE_MARK) =>
        {
            Level::Slow
        }
        _ => Level::Down,
    }
}

/// How many runs in a row move a probe's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Runs in a row at a worse level to move down to it.
    pub failure: u32,
    /// Runs in a row at a better level to move up to it.
    pub success: u32,
}

/// A probe's level after `runs` (oldest first: start time in Unix ms and level), and the start
/// time of the run that set it. `None` without runs.
///
/// The level moves down to `L` when the last `failure` runs are all at `L` or worse (to the best
/// of them), and up to `L` when the last `success` runs are all at `L` or better (to the worst of
/// them). Before the first such streak the latest run's level counts, so a new probe shows what
/// it saw rather than nothing.
pub fn probe_level(runs: &[(i64, Level)], thresholds: Thresholds) -> Option<(Level, i64)> {
    let failure = thresholds.failure.max(1) as usize;
    let success = thresholds.success.max(1) as usize;
    let mut current: Option<(Level, i64)> = None;
    for i in 0..runs.len() {
        let (at, _) = runs[i];
        let worse = (i + 1 >= failure).then(|| {
            runs[i + 1 - failure..=i]
                .iter()
                .map(|(_, l)| *l)
                .min()
                .unwrap_or(Level::Up)
        });
        let better = (i + 1 >= success).then(|| {
            runs[i + 1 - success..=i]
                .iter()
                .map(|(_, l)| *l)
                .max()
                .unwrap_or(Level::Down)
        });
        current = match current {
            None => match (worse, better) {
                (Some(w), _) if w > Level::Up => Some((w, at)),
                (_, Some(b)) if b < Level::Down => Some((b, at)),
                _ => None,
            },
            Some((level, since)) => match (worse, better) {
                (Some(w), _) if w > level => Some((w, at)),
                (_, Some(b)) if b < level => Some((b, at)),
                _ => Some((level, since)),
            },
        };
    }
    match (current, runs.last()) {
        (Some(found), _) => Some(found),
        (None, Some((at, level))) => Some((*level, *at)),
        (None, None) => None,
    }
}

/// A component's state from its probes' levels (`None`: a probe without runs): every probe with
/// runs down → major outage; some down → partial outage; some slow → degraded performance; all
/// up → operational; no probe with runs → no data.
pub fn combine(levels: &[Option<Level>]) -> ComponentState {
    let known: Vec<Level> = levels.iter().flatten().copied().collect();
    if known.is_empty() {
        return ComponentState::NoData;
    }
    let down = known.iter().filter(|l| **l == Level::Down).count();
    if down == known.len() {
        ComponentState::MajorOutage
    } else if down > 0 {
        ComponentState::PartialOutage
    } else if known.contains(&Level::Slow) {
        ComponentState::DegradedPerformance
    } else {
        ComponentState::Operational
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Thresholds = Thresholds {
        failure: 3,
        success: 2,
    };

    fn runs(levels: &[Level]) -> Vec<(i64, Level)> {
        levels
            .iter()
            .enumerate()
            .map(|(i, l)| (i as i64 * 1000, *l))
            .collect()
    }

    use Level::{Down as D, Slow as S, Up as U};

    #[test]
    fn one_blip_does_not_flip_the_level() {
        assert_eq!(probe_level(&runs(&[U, U, D]), T), Some((U, 1000)));
        assert_eq!(probe_level(&runs(&[U, U, D, D]), T), Some((U, 1000)));
        assert_eq!(probe_level(&runs(&[U, U, D, D, D]), T), Some((D, 4000)));
        assert_eq!(probe_level(&runs(&[U, U, D, D, D, U]), T), Some((D, 4000)));
        assert_eq!(
            probe_level(&runs(&[U, U, D, D, D, U, U]), T),
            Some((U, 6000))
        );
    }

    #[test]
    fn slow_runs_degrade_and_failures_count_as_slow_or_worse() {
        assert_eq!(probe_level(&runs(&[U, U, S, D, S]), T), Some((S, 4000)));
        assert_eq!(probe_level(&runs(&[S, S, S, U]), T), Some((S, 1000)));
        assert_eq!(probe_level(&runs(&[S, S, S, U, U]), T), Some((U, 4000)));
    }

    #[test]
    fn without_a_streak_the_latest_run_counts() {
        assert_eq!(probe_level(&[], T), None);
        assert_eq!(probe_level(&runs(&[D]), T), Some((D, 0)));
        assert_eq!(probe_level(&runs(&[D, U]), T), Some((U, 1000)));
        assert_eq!(probe_level(&runs(&[U, D]), T), Some((D, 1000)));
    }

    #[test]
    fn components_combine_their_probes() {
        assert_eq!(combine(&[]), ComponentState::NoData);
        assert_eq!(combine(&[None, None]), ComponentState::NoData);
        assert_eq!(combine(&[Some(U), None]), ComponentState::Operational);
        assert_eq!(
            combine(&[Some(U), Some(S)]),
            ComponentState::DegradedPerformance
        );
        assert_eq!(combine(&[Some(U), Some(D)]), ComponentState::PartialOutage);
        assert_eq!(
            combine(&[Some(D), Some(D), None]),
            ComponentState::MajorOutage
        );
    }

    #[test]
    fn only_the_latency_ceiling_makes_a_run_slow() {
        assert_eq!(level_of(true, None), U);
        assert_eq!(
            level_of(false, Some("took 912 ms, more than the ceiling of 800 ms")),
            S
        );
        assert_eq!(level_of(false, Some("status 500, expected 2xx")), D);
        assert_eq!(level_of(false, None), D);
    }
}
