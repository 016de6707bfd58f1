//! `GET /api/rum/summary`, computed from stored events.
//!
//! Percentiles are not portable SQL (PostgreSQL has `percentile_disc`, SQLite nothing), so the
//! server reads the last 24 hours of events (newest first, at most
//! [`crate::storage::rum::WINDOW_READ_LIMIT`]) and computes every window from that one read:
//! the events are newest first, so each shorter window is a prefix. Values are sorted per group
//! and read at nearest rank ([`shared::api::rum_summary::percentile`]). Reading from the
//! database rather than keeping in-memory windows means every replica sharing a PostgreSQL
//! database answers the same summary, and a restart loses nothing; the cost is a read that
//! grows with the traffic of the last day, which is fine up to about a million events a day
//! (the read limit; beyond it `truncated` says the figures cover the newest million only).
//!
//! Lists whose length browsers decide (routes, app versions) are cut to the largest groups:
//! [`MAX_ROUTE_GROUPS`], [`MAX_VERSIONS`], [`MAX_SLOWEST_ROUTES`].

use std::collections::{BTreeMap, HashMap, HashSet};

use shared::api::rum::{DeviceClass, ErrorKind, TimingName, VitalName};
use shared::api::rum_summary::{
    ErrorGroup, RatingBand, RouteSpeed, RumSummary, TimingStats, TrendPoint, VersionSummary,
    VitalStats, Window, WindowSummary, percentile,
};

use super::rows::{parse_device, parse_error_kind, parse_timing, parse_vital};
use crate::storage::rum::{ErrorGroupRow, WindowEvent};

/// Most (route, device) entries per list of a window.
pub const MAX_ROUTE_GROUPS: usize = 200;
/// Most app versions per window.
pub const MAX_VERSIONS: usize = 20;
/// Most routes in `slowest_routes`.
pub const MAX_SLOWEST_ROUTES: usize = 10;
/// Most error groups in a summary.
pub const MAX_ERROR_GROUPS: i64 = 50;

const HOUR_MS: i64 = 3_600_000;

/// The summary at `now_ms` of `events` (the last 24 hours, newest first) and `groups`.
pub fn summarize(
    now_ms: i64,
    events: &[WindowEvent],
    truncated: bool,
    groups: Vec<ErrorGroupRow>,
) -> RumSummary {
    let windows = Window::ALL
        .iter()
        .map(|&window| {
            let from_ms = now_ms - window.seconds() * 1000;
            let end = events.partition_point(|e| e.received_ms >= from_ms);
            window_summary(window, from_ms, &events[..end])
        })
        .collect();
    let day_from = now_ms - Window::OneDay.seconds() * 1000;
    let end = events.partition_point(|e| e.received_ms >= day_from);
    RumSummary {
        generated_at_ms: now_ms,
        windows,
        trend: trend(&events[..end]),
        error_groups: groups.into_iter().map(error_group).collect(),
        rating_bands: RatingBand::all(),
        events_read: events.len() as u64,
        truncated,
    }
}

/// Values collected per key, then sorted.
struct Values<K: Ord>(BTreeMap<K, Vec<f64>>);

impl<K: Ord> Default for Values<K> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<K: Ord> Values<K> {
    fn add(&mut self, key: K, value: f64) {
        self.0.entry(key).or_default().push(value);
    }

    fn sorted(self) -> impl Iterator<Item = (K, Vec<f64>)> {
        self.0.into_iter().map(|(key, mut values)| {
            values.sort_unstable_by(f64::total_cmp);
            (key, values)
        })
    }
}

/// (route, device class as stored, name).
type RouteKey<'a, N> = (&'a str, &'a str, N);

#[derive(Default)]
struct VersionAcc<'a> {
    sessions: HashSet<&'a str>,
    errors: u64,
    vitals: Values<VitalName>,
    timings: Values<TimingName>,
}

fn window_summary(window: Window, from_ms: i64, events: &[WindowEvent]) -> WindowSummary {
    let mut sessions: HashSet<&str> = HashSet::new();
    let mut errors = 0;
    let mut vitals: Values<VitalName> = Values::default();
    let mut vitals_by_route: Values<RouteKey<'_, VitalName>> = Values::default();
    let mut timings: Values<TimingName> = Values::default();
    let mut timings_by_route: Values<RouteKey<'_, TimingName>> = Values::default();
    let mut route_vitals: Values<(&str, VitalName)> = Values::default();
    let mut versions: HashMap<&str, VersionAcc<'_>> = HashMap::new();
    for event in events {
        sessions.insert(&event.session);
        let version = versions.entry(&event.app_version).or_default();
        version.sessions.insert(&event.session);
        let device = parse_device(&event.device).map(|_| event.device.as_str());
        match (event.event_type.as_str(), event.value, device) {
            ("error", _, _) => {
                errors += 1;
                version.errors += 1;
            }
            ("vital", Some(value), Some(device)) => {
                if let Some(name) = parse_vital(&event.name) {
                    vitals.add(name, value);
                    vitals_by_route.add((&event.route, device, name), value);
                    route_vitals.add((&event.route, name), value);
                    version.vitals.add(name, value);
                }
            }
            ("timing", Some(value), Some(device)) => {
                if let Some(name) = parse_timing(&event.name) {
                    timings.add(name, value);
                    timings_by_route.add((&event.route, device, name), value);
                    version.timings.add(name, value);
                }
            }
            _ => {}
        }
    }
    let mut by_route: Vec<VitalStats> = vitals_by_route
        .sorted()
        .filter_map(|((route, device, name), values)| {
            vital_stats(name, Some(route), parse_device(device), &values)
        })
        .collect();
    keep_largest(&mut by_route, |s| s.count);
    let mut timing_by_route: Vec<TimingStats> = timings_by_route
        .sorted()
        .filter_map(|((route, device, name), values)| {
            timing_stats(name, Some(route), parse_device(device), &values)
        })
        .collect();
    keep_largest(&mut timing_by_route, |s| s.count);
    let mut versions: Vec<VersionSummary> = versions
        .into_iter()
        .map(|(app_version, acc)| VersionSummary {
            app_version: app_version.to_string(),
            sessions: acc.sessions.len() as u64,
            errors: acc.errors,
            vitals: acc
                .vitals
                .sorted()
                .filter_map(|(name, values)| vital_stats(name, None, None, &values))
                .collect(),
            timings: acc
                .timings
                .sorted()
                .filter_map(|(name, values)| timing_stats(name, None, None, &values))
                .collect(),
        })
        .collect();
    versions.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then_with(|| b.app_version.cmp(&a.app_version))
    });
    versions.truncate(MAX_VERSIONS);
    WindowSummary {
        window,
        from_ms,
        events: events.len() as u64,
        sessions: sessions.len() as u64,
        errors,
        vitals: vitals
            .sorted()
            .filter_map(|(name, values)| vital_stats(name, None, None, &values))
            .collect(),
        vitals_by_route: by_route,
        timings: timings
            .sorted()
            .filter_map(|(name, values)| timing_stats(name, None, None, &values))
            .collect(),
        timings_by_route: timing_by_route,
        versions,
        slowest_routes: slowest_routes(route_vitals),
    }
}

/// Keeps the [`MAX_ROUTE_GROUPS`] entries with the largest `count`, in their order.
fn keep_largest<T>(list: &mut Vec<T>, count: impl Fn(&T) -> u64) {
    if list.len() <= MAX_ROUTE_GROUPS {
        return;
    }
    let mut counts: Vec<u64> = list.iter().map(&count).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let threshold = counts[MAX_ROUTE_GROUPS - 1];
    let mut at_threshold = counts[..MAX_ROUTE_GROUPS]
        .iter()
        .filter(|&&c| c == threshold)
        .count();
    list.retain(|item| {
        let c = count(item);
        if c > threshold {
            true
        } else if c == threshold && at_threshold > 0 {
            at_threshold -= 1;
            true
        } else {
            false
        }
    });
}

fn vital_stats(
    name: VitalName,
    route: Option<&str>,
    device: Option<DeviceClass>,
    sorted: &[f64],
) -> Option<VitalStats> {
    let p75 = percentile(sorted, 0.75)?;
    let (good_max, poor_above) = name.thresholds();
    let good = sorted.partition_point(|&v| v <= good_max);
    let not_poor = sorted.partition_point(|&v| v <= poor_above);
    Some(VitalStats {
        name,
        route: route.map(str::to_string),
        device,
        count: sorted.len() as u64,
        p50: percentile(sorted, 0.5)?,
        p75,
        p95: percentile(sorted, 0.95)?,
        rating: name.rate(p75),
        good: good as u64,
        needs_improvement: (not_poor - good) as u64,
        poor: (sorted.len() - not_poor) as u64,
    })
}

fn timing_stats(
    name: TimingName,
    route: Option<&str>,
    device: Option<DeviceClass>,
    sorted: &[f64],
) -> Option<TimingStats> {
    Some(TimingStats {
        name,
        route: route.map(str::to_string),
        device,
        count: sorted.len() as u64,
        p50: percentile(sorted, 0.5)?,
        p75: percentile(sorted, 0.75)?,
        p95: percentile(sorted, 0.95)?,
    })
}

fn slowest_routes(values: Values<(&str, VitalName)>) -> Vec<RouteSpeed> {
    let mut by_route: BTreeMap<&str, HashMap<VitalName, (u64, f64)>> = BTreeMap::new();
    for ((route, name), values) in values.sorted() {
        if let Some(p75) = percentile(&values, 0.75) {
            by_route
                .entry(route)
                .or_default()
                .insert(name, (values.len() as u64, p75));
        }
    }
    let mut routes: Vec<RouteSpeed> = by_route
        .into_iter()
        .filter_map(|(route, vitals)| {
            let &(page_loads, lcp) = vitals.get(&VitalName::Lcp)?;
            Some(RouteSpeed {
                route: route.to_string(),
                page_loads,
                lcp_p75_ms: lcp,
                rating: VitalName::Lcp.rate(lcp),
                inp_p75_ms: vitals.get(&VitalName::Inp).map(|&(_, p)| p),
                ttfb_p75_ms: vitals.get(&VitalName::Ttfb).map(|&(_, p)| p),
            })
        })
        .collect();
    routes.sort_by(|a, b| {
        b.lcp_p75_ms
            .total_cmp(&a.lcp_p75_ms)
            .then_with(|| a.route.cmp(&b.route))
    });
    routes.truncate(MAX_SLOWEST_ROUTES);
    routes
}

/// The p75 of each vital per clock hour, oldest first.
fn trend(events: &[WindowEvent]) -> Vec<TrendPoint> {
    let mut values: Values<(i64, VitalName)> = Values::default();
    for event in events.iter().filter(|e| e.event_type == "vital") {
        if let (Some(name), Some(value)) = (parse_vital(&event.name), event.value) {
            let hour = event.received_ms.div_euclid(HOUR_MS) * HOUR_MS;
            values.add((hour, name), value);
        }
    }
    values
        .sorted()
        .filter_map(|((start_ms, name), values)| {
            let p75 = percentile(&values, 0.75)?;
            Some(TrendPoint {
                start_ms,
                name,
                count: values.len() as u64,
                p75,
                rating: name.rate(p75),
            })
        })
        .collect()
}

fn error_group(row: ErrorGroupRow) -> ErrorGroup {
    let to_u32 = |v: i64| u32::try_from(v).unwrap_or(0);
    let to_u64 = |v: i64| u64::try_from(v).unwrap_or(0);
    ErrorGroup {
        kind: parse_error_kind(&row.kind).unwrap_or(ErrorKind::Error),
        fingerprint: row.fingerprint,
        message: row.message,
        source: row.source,
        line: to_u32(row.line),
        column: to_u32(row.column_no),
        stack: row.stack,
        first_seen_ms: row.first_seen_ms,
        last_seen_ms: row.last_seen_ms,
        count: to_u64(row.event_count),
        affected_sessions: to_u64(row.affected_sessions),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::rum::Rating;

    fn event(
        at: i64,
        session: &str,
        route: &str,
        kind: &str,
        name: &str,
        value: f64,
    ) -> WindowEvent {
        WindowEvent {
            received_ms: at,
            session: session.into(),
            app_version: if session.ends_with('2') { "2.0" } else { "1.0" }.into(),
            route: route.into(),
            device: "desktop".into(),
            event_type: kind.into(),
            name: name.into(),
            value: (kind != "error").then_some(value),
            fingerprint: (kind == "error").then(|| "f".to_string()),
            ms_per_10k_rows: None,
        }
    }

    #[test]
    fn windows_are_prefixes_and_percentiles_are_nearest_rank() {
        let now = 100 * HOUR_MS;
        let mut events = Vec::new();
        // 100 LCPs on /drift in the last minute (1..=100 s), 4 on / two hours ago.
        for i in 1..=100 {
            events.push(event(
                now - 1_000,
                "s1",
                "/drift",
                "vital",
                "LCP",
                f64::from(i) * 100.0,
            ));
        }
        events.push(event(now - 2_000, "s2", "/drift", "timing", "parse", 50.0));
        events.push(event(now - 3_000, "s2", "/drift", "error", "panic", 0.0));
        for v in [1_000.0, 2_000.0, 3_000.0, 9_000.0] {
            events.push(event(now - 2 * HOUR_MS, "s3", "/", "vital", "LCP", v));
        }
        events.push(event(now - 30 * HOUR_MS, "s4", "/", "vital", "LCP", 1.0));
        events.sort_by_key(|e| std::cmp::Reverse(e.received_ms));
        let summary = summarize(now, &events[..events.len() - 1], false, Vec::new());
        let [five, hour, day] = &summary.windows[..] else {
            panic!("three windows")
        };
        assert_eq!((five.events, five.sessions, five.errors), (102, 2, 1));
        let lcp = &five.vitals[0];
        assert_eq!(
            (lcp.count, lcp.p50, lcp.p75, lcp.p95),
            (100, 5_000.0, 7_500.0, 9_500.0)
        );
        assert_eq!(lcp.rating, Rating::Poor);
        assert_eq!((lcp.good, lcp.needs_improvement, lcp.poor), (25, 15, 60));
        assert_eq!(hour.events, 102);
        assert_eq!(day.events, 106);
        assert_eq!(day.vitals[0].count, 104);
        assert_eq!(five.timings[0].p75, 50.0);
        assert_eq!(five.versions.len(), 2);
        let v2 = five
            .versions
            .iter()
            .find(|v| v.app_version == "2.0")
            .unwrap();
        assert_eq!((v2.sessions, v2.errors), (1, 1));
        let slow = &day.slowest_routes;
        assert_eq!(slow[0].route, "/drift");
        assert_eq!(slow[1].route, "/");
        assert_eq!(slow[1].lcp_p75_ms, 3_000.0);
        assert_eq!(slow[1].rating, Rating::NeedsImprovement);
        assert_eq!(summary.trend.len(), 2);
        assert_eq!(summary.trend[0].start_ms, now - 2 * HOUR_MS);
        assert_eq!(summary.rating_bands.len(), 5);
    }

    #[test]
    fn route_lists_keep_the_largest_groups() {
        let mut list: Vec<u64> = (0..500).map(|i| i % 7).collect();
        keep_largest(&mut list, |&c| c);
        assert_eq!(list.len(), MAX_ROUTE_GROUPS);
        assert!(list.iter().all(|&c| c >= 4));
    }
}
