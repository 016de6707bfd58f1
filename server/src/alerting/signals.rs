//! The figures rules watch, computed from the server's own store at an instant `now_ms`
//! (tests choose it; the engine passes the wall clock).
//!
//! Counters are stored as cumulative values every sampling interval (`tasks::sampler`); their
//! increase over a window is the sum of the differences between consecutive samples, a drop
//! meaning a restart (the new value is the increase since), as Prometheus's `increase` does.
//!
//! Each signal gives one [`Observation`] per subject (one for the service; one per probe for
//! probe signals). An observation without a value is "no data" — distinct from OK: too little
//! traffic for a ratio, no sample in the window, no baseline to compare with.

use std::collections::BTreeMap;

use super::rules::{Aggregation, Rule, Signal};
use crate::probes::ProbeSpec;
use crate::storage::{MetricSample, StorageError, Store};
use crate::telemetry::metrics as names;
use shared::api::model_report::ReportKind;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Most RUM events read for one window.
const MAX_RUM_EVENTS: i64 = 100_000;
/// A probe's latest result older than this many intervals says nothing of now.
const STALE_INTERVALS: i64 = 3;

/// What the signal is for one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Labels naming the subject (`probe="app"`), empty for the service.
    pub subject: BTreeMap<String, String>,
    /// The figure; `None` is "no data".
    pub value: Option<f64>,
    /// Why there is no value, or why the condition cannot hold although the value crosses the
    /// threshold (a baseline not exceeded).
    pub note: Option<String>,
}

impl Observation {
    fn of(value: f64) -> Observation {
        Observation {
            subject: BTreeMap::new(),
            value: Some(value),
            note: None,
        }
    }

    fn no_data(why: impl Into<String>) -> Observation {
        Observation {
            subject: BTreeMap::new(),
            value: None,
            note: Some(why.into()),
        }
    }

    /// Whether the rule's condition holds for this observation.
    pub fn holds(&self, rule: &Rule) -> bool {
        self.note.is_none()
            && self
                .value
                .is_some_and(|value| rule.op.holds(value, rule.threshold))
    }
}

/// What the signals read besides the store.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The defined probes (for probe signals).
    pub probes: Vec<ProbeSpec>,
}

/// The rule's signal at `now_ms`, one observation per subject.
pub async fn observe(
    rule: &Rule,
    store: &Store,
    context: &Context,
    now_ms: i64,
) -> Result<Vec<Observation>, StorageError> {
    let window_ms = i64::try_from(rule.window_seconds)
        .unwrap_or(i64::MAX / 4)
        .saturating_mul(1000);
    let from_ms = now_ms - window_ms;
    Ok(match rule.signal {
        Signal::Constant => vec![Observation::of(1.0)],
        Signal::HttpLatencyMeanSeconds => {
            let sum = increase(
                store,
                names::HTTP_REQUEST_DURATION_SECONDS_SUM,
                from_ms,
                now_ms,
            )
            .await?;
            let count = increase(
                store,
                names::HTTP_REQUEST_DURATION_SECONDS_COUNT,
                from_ms,
                now_ms,
            )
            .await?;
            let total: f64 = count.values().sum();
            vec![guarded(rule, total, || total_of(&sum) / total)]
        }
        Signal::HttpErrorRatio => {
            let requests = increase(store, names::HTTP_REQUESTS_TOTAL, from_ms, now_ms).await?;
            let total: f64 = requests.values().sum();
            let errors: f64 = requests
                .iter()
                .filter(|(labels, _)| labels.contains("status_class=\"5xx\""))
                .map(|(_, v)| v)
                .sum();
            vec![guarded(rule, total, || errors / total)]
        }
        Signal::HttpTrafficChangeRatio => {
            let now_total =
                total_of(&increase(store, names::HTTP_REQUESTS_TOTAL, from_ms, now_ms).await?);
            let mut baselines = Vec::new();
            for back in [DAY_MS, 7 * DAY_MS] {
                let earlier = increase(
                    store,
                    names::HTTP_REQUESTS_TOTAL,
                    from_ms - back,
                    now_ms - back,
                )
                .await?;
                if !earlier.is_empty() {
                    baselines.push(total_of(&earlier));
                }
            }
            if baselines.is_empty() {
                vec![Observation::no_data(
                    "no samples one day or one week ago to compare with",
                )]
            } else {
                let baseline = baselines.iter().sum::<f64>() / baselines.len() as f64;
                if baseline < rule.min_requests as f64 {
                    vec![Observation::no_data(format!(
                        "{baseline:.0} requests in the baseline window, fewer than {}",
                        rule.min_requests
                    ))]
                } else {
                    vec![Observation::of((now_total / baseline - 1.0).abs())]
                }
            }
        }
        Signal::HttpSaturationRatio => {
            gauge(rule, store, names::HTTP_SATURATION_RATIO, from_ms, now_ms).await?
        }
        Signal::HostCpuUsageRatio => {
            gauge(rule, store, names::HOST_CPU_USAGE_RATIO, from_ms, now_ms).await?
        }
        Signal::HostMemoryUsageRatio => {
            gauge(rule, store, names::HOST_MEMORY_USAGE_RATIO, from_ms, now_ms).await?
        }
        Signal::DataDirDiskUsageRatio => {
            gauge(
                rule,
                store,
                names::DATA_DIR_DISK_USAGE_RATIO,
                from_ms,
                now_ms,
            )
            .await?
        }
        Signal::ProbeFailingLocations => probe_failures(store, context, now_ms).await?,
        Signal::ProbeCertificateDaysLeft => certificate_days(store, context, now_ms).await?,
        Signal::ModelQualityDropRatio => {
            model_reports(
                store,
                ReportKind::Quality,
                "model",
                now_ms,
                |report| match report.quality().and_then(|q| q.max_relative_drop()) {
                    Some(drop) => Ok(drop),
                    None => Err("the latest report has no baseline to compare with".to_string()),
                },
            )
            .await?
        }
        Signal::DataDriftDetected => {
            model_reports(store, ReportKind::Drift, "dataset", now_ms, |report| {
                report
                    .drift()
                    .map(|d| if d.dataset_drift { 1.0 } else { 0.0 })
                    .ok_or_else(|| "not a drift report".to_string())
            })
            .await?
        }
        Signal::LoginFailures => {
            let failures = store
                .audit()
                .count_since(crate::audit::actions::LOGIN_FAILURE, from_ms)
                .await?;
            vec![Observation::of(failures as f64)]
        }
        Signal::RumAnalysisP75MsPer10kRows => {
            let values = store
                .rum()
                .analysis_ms_per_10k_rows(from_ms, now_ms, crate::rum::PER_10K_ROWS_MIN_ROWS)
                .await?;
            match shared::api::rum_summary::percentile(&values, 0.75) {
                Some(p75) => vec![Observation::of(p75)],
                None => vec![Observation::no_data(
                    "no analysis of 10,000 rows or more reported in the window",
                )],
            }
        }
        Signal::RumLcpP75Seconds => {
            let events = store.rum().window(from_ms, MAX_RUM_EVENTS).await?;
            let mut lcp: Vec<f64> = events
                .iter()
                .filter(|e| e.event_type == "vital" && e.name == "LCP" && e.received_ms <= now_ms)
                .filter_map(|e| e.value)
                .filter(|v| v.is_finite())
                .collect();
            match percentile(&mut lcp, 0.75) {
                Some(p75_ms) => vec![Observation::of(p75_ms / 1000.0)],
                None => vec![Observation::no_data("no LCP reported in the window")],
            }
        }
        Signal::RumErrorsPerMinute => {
            let baseline_from = from_ms - HOUR_MS;
            let events = store.rum().window(baseline_from, MAX_RUM_EVENTS).await?;
            let errors = |from: i64, to: i64| {
                events
                    .iter()
                    .filter(|e| {
                        e.event_type == "error" && e.received_ms > from && e.received_ms <= to
                    })
                    .count() as f64
            };
            let minutes = (window_ms as f64 / MINUTE_MS as f64).max(1.0 / 60.0);
            let rate = errors(from_ms, now_ms) / minutes;
            let baseline = errors(baseline_from, from_ms) / 60.0;
            let mut observation = Observation::of(rate);
            if let Some(factor) = rule.baseline_factor
                && rate < factor * baseline
            {
                observation.note = Some(format!(
                    "{rate:.1}/min is under {factor}× the hour before ({baseline:.1}/min)"
                ));
            }
            vec![observation]
        }
    })
}

/// A ratio's observation, or no data under the rule's minimum of requests.
fn guarded(rule: &Rule, requests: f64, value: impl FnOnce() -> f64) -> Observation {
    // An empty f64 sum is -0.0; people read "0 requests".
    let requests = requests + 0.0;
    if requests < rule.min_requests.max(1) as f64 {
        Observation::no_data(format!(
            "{requests:.0} requests in the window, fewer than {}",
            rule.min_requests.max(1)
        ))
    } else {
        Observation::of(value())
    }
}

fn total_of(increases: &BTreeMap<String, f64>) -> f64 {
    increases.values().sum()
}

/// The increase of each series (label set) of counter `name` over `(from_ms, to_ms]`: the
/// differences between consecutive samples from the last one at or before `from_ms` on, a
/// drop counting as a restart from 0. A series with no sample at or before `from_ms` was born
/// in the window (counters start at 0 with the process, and a label set appears with its
/// first event), so it counts from 0: the first 5xx of a route are not lost, as they would be
/// if its first sample were only a starting point.
pub async fn increase(
    store: &Store,
    name: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<BTreeMap<String, f64>, StorageError> {
    let samples = store.metric_samples();
    let mut by_series: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for start in samples.latest(name, from_ms).await? {
        by_series
            .entry(start.labels.clone())
            .or_default()
            .push((start.ts_ms, start.value));
    }
    for sample in samples.series(name, None, from_ms + 1, to_ms).await? {
        let MetricSample {
            labels,
            ts_ms,
            value,
            ..
        } = sample;
        by_series
            .entry(labels)
            .or_insert_with(|| vec![(from_ms, 0.0)])
            .push((ts_ms, value));
    }
    Ok(by_series
        .into_iter()
        .filter(|(_, points)| points.len() >= 2)
        .map(|(labels, points)| {
            let rise = points
                .windows(2)
                .map(|pair| {
                    let (before, after) = (pair[0].1, pair[1].1);
                    if after >= before {
                        after - before
                    } else {
                        after
                    }
                })
                .sum();
            (labels, rise)
        })
        .collect())
}

/// A gauge's samples in the window, aggregated as the rule says.
async fn gauge(
    rule: &Rule,
    store: &Store,
    name: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Observation>, StorageError> {
    let values: Vec<f64> = store
        .metric_samples()
        .series(name, None, from_ms, to_ms)
        .await?
        .into_iter()
        .map(|s| s.value)
        .filter(|v| v.is_finite())
        .collect();
    let Some(last) = values.last().copied() else {
        return Ok(vec![Observation::no_data(format!(
            "no `{name}` sample in the window"
        ))]);
    };
    let value = match rule.aggregation {
        Aggregation::Max => values.iter().copied().fold(f64::MIN, f64::max),
        Aggregation::Min => values.iter().copied().fold(f64::MAX, f64::min),
        Aggregation::Mean => values.iter().sum::<f64>() / values.len() as f64,
        _ => last,
    };
    Ok(vec![Observation::of(value)])
}

/// Per probe: how many of its locations' latest runs failed. Runs that could not measure and
/// results older than three intervals are left out.
async fn probe_failures(
    store: &Store,
    context: &Context,
    now_ms: i64,
) -> Result<Vec<Observation>, StorageError> {
    let results = store.probe_results();
    let mut observations = Vec::new();
    for probe in &context.probes {
        let stale_before = stale_before(probe, now_ms);
        let mut failing = 0;
        let mut measured = 0;
        for location in &probe.locations {
            let Some(row) = results.latest(&probe.name, location).await? else {
                continue;
            };
            if row.started_ms < stale_before
                || row.started_ms > now_ms
                || crate::probes::check::is_unavailable(row.failure.as_deref())
            {
                continue;
            }
            measured += 1;
            if row.success == 0 {
                failing += 1;
            }
        }
        let subject = BTreeMap::from([("probe".to_string(), probe.name.clone())]);
        observations.push(if measured == 0 {
            Observation {
                subject,
                ..Observation::no_data("no recent run at any location")
            }
        } else {
            Observation {
                subject,
                value: Some(f64::from(failing)),
                note: None,
            }
        });
    }
    Ok(observations)
}

/// Per probe that reads a certificate: days left on the earliest of those its locations last
/// saw. A location counts while its latest result is recent (three intervals) and not from
/// after `now_ms`; it gives the certificate that result read, or, when that run failed before
/// reading one (the target down, or refusing the handshake because the certificate has
/// expired), the latest one it read before — the instant is stored, so it does not go stale. A
/// location whose latest run succeeded without a certificate (the target is plain `http://`
/// now) gives none. An `https://` probe without any is "no data"; a probe that is not, and has
/// none, is not observed.
async fn certificate_days(
    store: &Store,
    context: &Context,
    now_ms: i64,
) -> Result<Vec<Observation>, StorageError> {
    let results = store.probe_results();
    let mut observations = Vec::new();
    for probe in &context.probes {
        let stale_before = stale_before(probe, now_ms);
        let mut earliest: Option<i64> = None;
        for location in &probe.locations {
            let Some(row) = results.latest(&probe.name, location).await? else {
                continue;
            };
            if row.started_ms < stale_before || row.started_ms > now_ms {
                continue;
            }
            let expiry = match (row.cert_expiry_ms, row.success != 0) {
                (Some(expiry), _) => Some(expiry),
                (None, true) => None,
                (None, false) => {
                    results
                        .latest_certificate(&probe.name, location, now_ms)
                        .await?
                }
            };
            if let Some(expiry) = expiry {
                earliest = Some(earliest.map_or(expiry, |e| e.min(expiry)));
            }
        }
        let subject = BTreeMap::from([("probe".to_string(), probe.name.clone())]);
        match earliest {
            Some(expiry) => observations.push(Observation {
                subject,
                value: Some(crate::probes::http::days_left(expiry, now_ms)),
                note: None,
            }),
            None if probe.reads_certificate() => observations.push(Observation {
                subject,
                ..Observation::no_data("no recent run at any location read a TLS certificate")
            }),
            None => {}
        }
    }
    Ok(observations)
}

/// Results of `probe` started before this say nothing of `now_ms`.
fn stale_before(probe: &ProbeSpec, now_ms: i64) -> i64 {
    now_ms
        - STALE_INTERVALS
            * i64::try_from(probe.interval_seconds)
                .unwrap_or(i64::MAX / 4_000)
                .saturating_mul(1000)
}

/// One observation per name: the latest report of `kind` received by `now_ms`, as `figure`
/// reads it (an error is "no data" with its reason); the subject label is `label="name"`.
async fn model_reports(
    store: &Store,
    kind: ReportKind,
    label: &str,
    now_ms: i64,
    figure: impl Fn(&shared::api::model_report::ModelReport) -> Result<f64, String>,
) -> Result<Vec<Observation>, StorageError> {
    Ok(store
        .model_reports()
        .latest_per_name(kind)
        .await?
        .into_iter()
        .filter(|record| record.received_ms <= now_ms)
        .map(|record| {
            let subject = BTreeMap::from([(label.to_string(), record.report.name.clone())]);
            match figure(&record.report) {
                Ok(value) => Observation {
                    subject,
                    value: Some(value),
                    note: None,
                },
                Err(why) => Observation {
                    subject,
                    ..Observation::no_data(why)
                },
            }
        })
        .collect())
}

/// The `q` quantile (nearest rank) of `values`, sorted in place.
fn percentile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentile() {
        assert_eq!(percentile(&mut [], 0.75), None);
        assert_eq!(percentile(&mut [3.0, 1.0, 2.0, 4.0], 0.75), Some(3.0));
        assert_eq!(percentile(&mut [5.0], 0.75), Some(5.0));
    }
}
