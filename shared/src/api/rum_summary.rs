//! What the server answers about real-user monitoring: `GET /api/rum/config` (whether and how
//! much the app collects) and `GET /api/rum/summary` (the aggregates the RUM page shows).
//!
//! Percentiles are nearest-rank over the raw events of the window (the value below which at
//! least that share of the events fall), never interpolated: a p75 is a value some user saw.
//! Windows are in the server's clock (when beacons arrived), never the browser's.

use serde::{Deserialize, Serialize};

use super::rum::{DeviceClass, ErrorKind, Rating, TimingName, VitalName};

/// `GET /api/rum/config`: the server's RUM settings the app follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RumClientConfig {
    /// Whether to collect and send at all (`POST /api/rum` answers 404 when not).
    pub enabled: bool,
    /// Share of sessions that report, from 0 to 1: a tab draws once and keeps its draw.
    pub sample_rate: f64,
    /// How often to send what was collected (and always on page hide), milliseconds.
    pub flush_interval_ms: u64,
}

/// `GET /api/rum/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RumSummary {
    /// When the summary was computed, Unix milliseconds.
    pub generated_at_ms: i64,
    /// 5 minutes, 1 hour and 24 hours, in that order.
    pub windows: Vec<WindowSummary>,
    /// The p75 of each vital per hour over the last 24 hours, oldest first (hours without
    /// data are absent).
    pub trend: Vec<TrendPoint>,
    /// The most frequent error groups (within the retention), most events first.
    pub error_groups: Vec<ErrorGroup>,
    /// The web-vitals thresholds the ratings use.
    pub rating_bands: Vec<RatingBand>,
    /// Events read to compute the windows.
    pub events_read: u64,
    /// True when the 24-hour window held more events than the server reads at once: the
    /// figures then cover only the newest `events_read` events.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Window {
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "24h")]
    OneDay,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::FiveMinutes, Window::OneHour, Window::OneDay];

    pub fn seconds(self) -> i64 {
        match self {
            Window::FiveMinutes => 300,
            Window::OneHour => 3_600,
            Window::OneDay => 86_400,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Window::FiveMinutes => "5m",
            Window::OneHour => "1h",
            Window::OneDay => "24h",
        }
    }
}

/// The figures of one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSummary {
    pub window: Window,
    /// Start of the window, Unix milliseconds (it ends at `generated_at_ms`).
    pub from_ms: i64,
    /// Events received.
    pub events: u64,
    /// Distinct sessions.
    pub sessions: u64,
    /// Error events.
    pub errors: u64,
    /// Each vital over every route and device.
    pub vitals: Vec<VitalStats>,
    /// Each vital per route and device class.
    pub vitals_by_route: Vec<VitalStats>,
    /// Each analysis step over every route and device.
    pub timings: Vec<TimingStats>,
    /// Each analysis step per route and device class.
    pub timings_by_route: Vec<TimingStats>,
    /// Per app version (release), most sessions first.
    pub versions: Vec<VersionSummary>,
    /// Routes by LCP p75, slowest first (routes without LCP are absent).
    pub slowest_routes: Vec<RouteSpeed>,
}

/// One vital's distribution. Milliseconds, except CLS (unitless).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalStats {
    pub name: VitalName,
    /// `None` when over every route.
    pub route: Option<String>,
    /// `None` when over both device classes.
    pub device: Option<DeviceClass>,
    pub count: u64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    /// The rating of the p75 (how web-vitals rates a page).
    pub rating: Rating,
    /// Events in each band.
    pub good: u64,
    pub needs_improvement: u64,
    pub poor: u64,
}

/// One analysis step's distribution, milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingStats {
    pub name: TimingName,
    pub route: Option<String>,
    pub device: Option<DeviceClass>,
    pub count: u64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// The figures of one release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub app_version: String,
    pub sessions: u64,
    pub errors: u64,
    /// Each vital over every route and device, for this version.
    pub vitals: Vec<VitalStats>,
    /// Each analysis step over every route and device, for this version.
    pub timings: Vec<TimingStats>,
}

/// How fast a route loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteSpeed {
    pub route: String,
    /// LCP events (about one per page load).
    pub page_loads: u64,
    pub lcp_p75_ms: f64,
    pub rating: Rating,
    pub inp_p75_ms: Option<f64>,
    pub ttfb_p75_ms: Option<f64>,
}

/// The p75 of one vital over one hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Start of the hour, Unix milliseconds.
    pub start_ms: i64,
    pub name: VitalName,
    pub count: u64,
    pub p75: f64,
    pub rating: Rating,
}

/// The same error, however often and by however many sessions it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorGroup {
    /// See [`super::rum::fingerprint`].
    pub fingerprint: String,
    pub kind: ErrorKind,
    /// The latest message, source and position seen.
    pub message: String,
    pub source: String,
    pub line: u32,
    pub column: u32,
    /// The latest stack seen, if any.
    pub stack: Option<String>,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    /// Events since it was first seen.
    pub count: u64,
    /// Distinct sessions that saw it within the retention.
    pub affected_sessions: u64,
}

/// A vital's web-vitals thresholds: good up to `good_max`, poor above `poor_above`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingBand {
    pub name: VitalName,
    /// `ms`, or empty for CLS.
    pub unit: String,
    pub good_max: f64,
    pub poor_above: f64,
}

impl RatingBand {
    /// The bands of every vital, from [`VitalName::thresholds`].
    pub fn all() -> Vec<RatingBand> {
        VitalName::ALL
            .iter()
            .map(|&name| {
                let (good_max, poor_above) = name.thresholds();
                RatingBand {
                    name,
                    unit: if name == VitalName::Cls { "" } else { "ms" }.to_string(),
                    good_max,
                    poor_above,
                }
            })
            .collect()
    }
}

/// The nearest-rank percentile `p` (0 < p ≤ 1) of `sorted` (ascending); `None` when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.5), Some(50.0));
        assert_eq!(percentile(&values, 0.75), Some(75.0));
        assert_eq!(percentile(&values, 0.95), Some(95.0));
        assert_eq!(percentile(&[3.0], 0.75), Some(3.0));
        assert_eq!(percentile(&[1.0, 2.0], 0.5), Some(1.0));
        assert_eq!(percentile(&[1.0, 2.0], 0.75), Some(2.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn bands_follow_the_thresholds() {
        let bands = RatingBand::all();
        assert_eq!(bands.len(), 5);
        assert_eq!(bands[0].name, VitalName::Lcp);
        assert_eq!((bands[0].good_max, bands[0].poor_above), (2500.0, 4000.0));
        assert_eq!(bands[1].unit, "");
        assert_eq!(serde_json::to_value(Window::OneDay).unwrap(), "24h");
    }
}
