//! The real-user-monitoring beacon (seed §7.1): what the app sends to `POST /api/rum` and the
//! server validates. Both sides compile this module, so they cannot disagree on a field.
//!
//! A beacon is one JSON object sent with `navigator.sendBeacon` as `text/plain` (no CORS
//! preflight): the tab's context once, then up to [`MAX_EVENTS`] events. It never carries file
//! contents, file names, query strings or anything that identifies a person: the session id is
//! random and lives as long as the tab.
//!
//! ```
//! use shared::api::rum::{Beacon, Event, Vital, VitalName};
//! let json = r#"{"session":"k3f9a0c2d4e6f8a1","app_version":"0.1.0",
//!   "context":{"route":"/drift","device":"mobile","viewport":"360-767","browser":"chromium"},
//!   "events":[{"type":"vital","name":"LCP","value":812.5,"at_ms":900.0}]}"#;
//! let mut beacon: Beacon = serde_json::from_str(json).unwrap();
//! beacon.validate().unwrap();
//! let Event::Vital(Vital { name, .. }) = &beacon.events[0] else { unreachable!() };
//! assert_eq!(*name, VitalName::Lcp);
//! ```

use serde::{Deserialize, Serialize};

/// Largest body `POST /api/rum` reads (bigger: 413).
pub const MAX_BEACON_BYTES: usize = 64 * 1024;
/// Most events in one beacon (more: 400).
pub const MAX_EVENTS: usize = 100;

/// Longest strings kept, in characters; longer ones are cut (not refused).
pub mod max_len {
    pub const SESSION: usize = 64;
    pub const APP_VERSION: usize = 32;
    pub const ROUTE: usize = 200;
    pub const CONNECTION: usize = 16;
    pub const MESSAGE: usize = 1_000;
    pub const SOURCE: usize = 500;
    pub const STACK: usize = 8_000;
    pub const FINGERPRINT: usize = 64;
}

/// One beacon: the tab's context and its events since the last beacon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Beacon {
    /// Random id of the tab (letters, digits, `-`), not persisted beyond it.
    pub session: String,
    pub app_version: String,
    pub context: Context,
    pub events: Vec<Event>,
}

/// Where the events happened, without personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The route template (`/`, `/drift`, `/quality`): no query string, no fragment.
    pub route: String,
    pub device: DeviceClass,
    /// `navigator.connection.effectiveType` (`4g`, `3g`…) when the browser tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The viewport width bucket: `0-359`, `360-767`, `768-1279`, `1280+`.
    pub viewport: ViewportBucket,
    pub browser: BrowserFamily,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceClass {
    Mobile,
    Desktop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ViewportBucket {
    #[serde(rename = "0-359")]
    Narrow,
    #[serde(rename = "360-767")]
    Phone,
    #[serde(rename = "768-1279")]
    Tablet,
    #[serde(rename = "1280+")]
    Wide,
}

impl ViewportBucket {
    pub fn of_width(css_pixels: f64) -> Self {
        match css_pixels {
            w if w < 360.0 => ViewportBucket::Narrow,
            w if w < 768.0 => ViewportBucket::Phone,
            w if w < 1280.0 => ViewportBucket::Tablet,
            _ => ViewportBucket::Wide,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BrowserFamily {
    Chromium,
    Firefox,
    Safari,
    Other,
}

impl BrowserFamily {
    /// The family of a `User-Agent` string (Edge, Opera… are Chromium).
    pub fn of_user_agent(user_agent: &str) -> Self {
        if user_agent.contains("Firefox/") {
            BrowserFamily::Firefox
        } else if user_agent.contains("Chrome/") || user_agent.contains("Chromium/") {
            BrowserFamily::Chromium
        } else if user_agent.contains("Safari/") {
            BrowserFamily::Safari
        } else {
            BrowserFamily::Other
        }
    }
}

/// One observation. `at_ms` is the time since the page's navigation start
/// (`performance.now()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Vital(Vital),
    Navigation(Navigation),
    Timing(Timing),
    Error(ErrorEvent),
}

/// A web vital, as Google's `web-vitals` library defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vital {
    pub name: VitalName,
    /// Milliseconds, except CLS (unitless).
    pub value: f64,
    pub at_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VitalName {
    Lcp,
    Cls,
    Inp,
    Fcp,
    Ttfb,
}

impl VitalName {
    pub const ALL: [VitalName; 5] = [
        VitalName::Lcp,
        VitalName::Cls,
        VitalName::Inp,
        VitalName::Fcp,
        VitalName::Ttfb,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VitalName::Lcp => "LCP",
            VitalName::Cls => "CLS",
            VitalName::Inp => "INP",
            VitalName::Fcp => "FCP",
            VitalName::Ttfb => "TTFB",
        }
    }

    /// The `web-vitals` thresholds: at or below the first is good, above the second poor.
    pub fn thresholds(self) -> (f64, f64) {
        match self {
            VitalName::Lcp => (2500.0, 4000.0),
            VitalName::Cls => (0.1, 0.25),
            VitalName::Inp => (200.0, 500.0),
            VitalName::Fcp => (1800.0, 3000.0),
            VitalName::Ttfb => (800.0, 1800.0),
        }
    }

    pub fn rate(self, value: f64) -> Rating {
        let (good, poor) = self.thresholds();
        if value <= good {
            Rating::Good
        } else if value <= poor {
            Rating::NeedsImprovement
        } else {
            Rating::Poor
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rating {
    Good,
    NeedsImprovement,
    Poor,
}

/// The page load's navigation timing (milliseconds from navigation start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Navigation {
    pub dns_ms: f64,
    pub connect_ms: f64,
    pub ttfb_ms: f64,
    pub dom_content_loaded_ms: f64,
    pub load_ms: f64,
    /// Bytes over the network for the document (0 from the cache).
    pub transfer_bytes: f64,
    pub at_ms: f64,
}

/// How long an analysis step took, as the user saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub name: TimingName,
    pub duration_ms: f64,
    pub size: SizeBucket,
    pub rows: RowsBucket,
    pub thread: Thread,
    pub at_ms: f64,
    /// The analysis time per 10,000 rows, `duration_ms × 10,000 / rows` from the exact row
    /// count, rounded to [`MS_PER_10K_ROWS_DIGITS`] significant digits ([`ms_per_10k_rows`]):
    /// the row count stays out of the beacon (see the privacy note there). Only whole analyses
    /// ([`TimingName::is_analysis`]) of at least one row carry it; older apps never send it.
    /// JSON `null` (what `JSON.stringify` and serde write for NaN or ±Infinity) is refused:
    /// without a figure, the field is left out.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_if_present"
    )]
    pub ms_per_10k_rows: Option<f64>,
}

/// Significant digits kept of [`Timing::ms_per_10k_rows`].
pub const MS_PER_10K_ROWS_DIGITS: i32 = 2;

/// The figure [`Timing::ms_per_10k_rows`] carries for an analysis of `rows` rows that took
/// `duration_ms`: `duration_ms × 10,000 / rows`, rounded to [`MS_PER_10K_ROWS_DIGITS`]
/// significant digits; `None` without rows or without a finite, non-negative duration.
///
/// Privacy: the beacon also carries `duration_ms`, so `rows ≈ duration_ms × 10,000 /
/// ms_per_10k_rows`. Rounded to two significant digits, the figure is off by at most half a
/// unit of its second digit: between 0.5 % (a figure of 99…) and 5 % (a figure of 10…) of
/// itself, and the row count comes back only as an interval that wide (±150 to ±1,500 rows
/// for 30,000), never exactly. Only the analysis's own timing carries it, not its `read` and
/// `parse` phases: each pair of (duration, rounded figure) of the same rows would be another
/// interval, and their intersection would be narrower.
///
/// ```
/// use shared::api::rum::ms_per_10k_rows;
/// // 30,000 rows in 812.5 ms: 270.83… ms per 10,000 rows, sent as 270.
/// assert_eq!(ms_per_10k_rows(812.5, 30_000), Some(270.0));
/// assert_eq!(ms_per_10k_rows(812.5, 0), None);
/// ```
pub fn ms_per_10k_rows(duration_ms: f64, rows: u64) -> Option<f64> {
    if rows == 0 || !duration_ms.is_finite() || duration_ms < 0.0 {
        return None;
    }
    let exact = duration_ms * 10_000.0 / rows as f64;
    exact
        .is_finite()
        .then(|| round_significant(exact, MS_PER_10K_ROWS_DIGITS))
}

/// `value` rounded to `digits` (≥ 1) significant digits, half away from zero; zero and
/// non-finite values are returned as they are. The result is the `f64` nearest to the decimal
/// (`0.27`, not `0.27000000000000002`), so rounding it again changes nothing.
pub fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let shift = digits.max(1) - 1 - magnitude;
    // Dividing or multiplying by an exact power of ten (not by its inverse, which is not
    // exact) keeps the result the double nearest to the rounded decimal.
    let rounded = if shift >= 0 {
        let scale = 10f64.powi(shift);
        (value * scale).round() / scale
    } else {
        let scale = 10f64.powi(-shift);
        (value / scale).round() * scale
    };
    if rounded.is_finite() { rounded } else { value }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimingName {
    /// Reading the file's bytes.
    Read,
    /// Parsing and classifying cells.
    Parse,
    /// A whole profile, from the click to the result.
    Profile,
    Drift,
    Quality,
}

impl TimingName {
    /// The whole analyses, from the click to the result (not their `read` and `parse` phases).
    pub const ANALYSES: [TimingName; 3] =
        [TimingName::Profile, TimingName::Drift, TimingName::Quality];

    /// Whether this is a whole analysis (profile, drift, quality) rather than a phase of one.
    pub fn is_analysis(self) -> bool {
        Self::ANALYSES.contains(&self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TimingName::Read => "read",
            TimingName::Parse => "parse",
            TimingName::Profile => "profile",
            TimingName::Drift => "drift",
            TimingName::Quality => "quality",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Thread {
    Worker,
    Main,
}

/// The input size, bucketed so a beacon cannot identify a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SizeBucket {
    #[serde(rename = "<1MB")]
    UnderOneMb,
    #[serde(rename = "1-10MB")]
    UpToTenMb,
    #[serde(rename = "10-100MB")]
    UpToHundredMb,
    #[serde(rename = "100MB-1GB")]
    UpToOneGb,
    #[serde(rename = ">1GB")]
    OverOneGb,
}

impl SizeBucket {
    pub fn of_bytes(bytes: u64) -> Self {
        const MB: u64 = 1_000_000;
        match bytes {
            b if b < MB => SizeBucket::UnderOneMb,
            b if b < 10 * MB => SizeBucket::UpToTenMb,
            b if b < 100 * MB => SizeBucket::UpToHundredMb,
            b if b < 1000 * MB => SizeBucket::UpToOneGb,
            _ => SizeBucket::OverOneGb,
        }
    }
}

/// The row count, bucketed by powers of ten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RowsBucket {
    #[serde(rename = "<1k")]
    UnderThousand,
    #[serde(rename = "1k-10k")]
    Thousands,
    #[serde(rename = "10k-100k")]
    TensOfThousands,
    #[serde(rename = "100k-1M")]
    HundredsOfThousands,
    #[serde(rename = ">1M")]
    Millions,
}

impl RowsBucket {
    pub const ALL: [RowsBucket; 5] = [
        RowsBucket::UnderThousand,
        RowsBucket::Thousands,
        RowsBucket::TensOfThousands,
        RowsBucket::HundredsOfThousands,
        RowsBucket::Millions,
    ];

    /// The bucket's row counts: from the first figure, up to (not including) the second.
    pub fn bounds(self) -> (u64, Option<u64>) {
        match self {
            RowsBucket::UnderThousand => (0, Some(1_000)),
            RowsBucket::Thousands => (1_000, Some(10_000)),
            RowsBucket::TensOfThousands => (10_000, Some(100_000)),
            RowsBucket::HundredsOfThousands => (100_000, Some(1_000_000)),
            RowsBucket::Millions => (1_000_000, None),
        }
    }

    pub fn of_rows(rows: u64) -> Self {
        match rows {
            r if r < 1_000 => RowsBucket::UnderThousand,
            r if r < 10_000 => RowsBucket::Thousands,
            r if r < 100_000 => RowsBucket::TensOfThousands,
            r if r < 1_000_000 => RowsBucket::HundredsOfThousands,
            _ => RowsBucket::Millions,
        }
    }
}

/// A JavaScript error, a Rust panic or a failed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub kind: ErrorKind,
    pub message: String,
    /// Script URL (no query string) or request URL path.
    #[serde(default)]
    pub source: String,
    #[serde(default, deserialize_with = "whole_number")]
    pub line: u32,
    #[serde(default, deserialize_with = "whole_number")]
    pub column: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// Groups the same error: see [`fingerprint`]. The server recomputes it.
    #[serde(default)]
    pub fingerprint: String,
    pub at_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// `window.onerror`.
    Error,
    /// `unhandledrejection`.
    UnhandledRejection,
    /// A Rust panic (the panic hook, in the page or the worker).
    Panic,
    /// A `fetch` that failed or answered 5xx.
    Fetch,
    /// A script, style or image that did not load.
    Resource,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Error => "error",
            ErrorKind::UnhandledRejection => "unhandled_rejection",
            ErrorKind::Panic => "panic",
            ErrorKind::Fetch => "fetch",
            ErrorKind::Resource => "resource",
        }
    }
}

/// A stable id for "the same error": its kind, its message with numbers and quoted values
/// blanked (so `row 12` and `row 13` group together), and its source file (no line: a new
/// release moves lines). 16 hex digits of FNV-1a 64.
pub fn fingerprint(kind: ErrorKind, message: &str, source: &str) -> String {
    let mut normalised = String::with_capacity(message.len());
    let mut in_quote = None;
    for c in message.chars() {
        match in_quote {
            Some(q) if c == q => {
                in_quote = None;
                normalised.push(c);
            }
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`' | '“') => {
                in_quote = Some(if c == '“' { '”' } else { c });
                normalised.push(c);
            }
            None if c.is_ascii_digit() => {
                if !normalised.ends_with('#') {
                    normalised.push('#');
                }
            }
            None => normalised.push(c),
        }
    }
    use std::hash::Hasher;
    let file = source.rsplit('/').next().unwrap_or(source);
    let mut hasher = fnv::FnvHasher::default();
    for part in [kind.as_str(), normalised.as_str(), file] {
        hasher.write(part.as_bytes());
        hasher.write_u8(0);
    }
    format!("{:016x}", hasher.finish())
}

/// A `u32` written as a JSON integer or as a number without a fraction (`12.0`): JSON does not
/// tell them apart, and a JSON Schema `integer` allows both.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let n = f64::deserialize(deserializer)?;
    if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
        Ok(n as u32)
    } else {
        Err(serde::de::Error::custom(
            "expected a whole number from 0 to 4294967295",
        ))
    }
}

/// [`Timing::ms_per_10k_rows`]: absent is `None`, a number is kept (validation checks it), and
/// `null` is refused with the field's name.
fn number_if_present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    match Option::<f64>::deserialize(deserializer)? {
        Some(n) => Ok(Some(n)),
        None => Err(serde::de::Error::custom(
            "ms_per_10k_rows must be a finite number, not null (JSON's NaN or Infinity): \
             leave the field out when there is no figure",
        )),
    }
}

/// How far [`Timing::ms_per_10k_rows`] may stray from what `duration_ms` and the row bucket
/// allow, as a factor: the figure's rounding moves it by up to 5 %.
const MS_PER_10K_ROWS_SLACK: f64 = 1.1;

/// Checks an analysis's [`Timing::ms_per_10k_rows`] against the timing's duration and row
/// bucket, and rounds it to [`MS_PER_10K_ROWS_DIGITS`] significant digits (a client that sent
/// more cannot make the server keep the exact row count). `per_10k` is finite and not negative.
fn check_ms_per_10k_rows(timing: &Timing, per_10k: f64) -> Result<f64, String> {
    // duration × 10,000 / rows, for the bucket's fewest (at least one) and most rows.
    let (fewest, most) = timing.rows.bounds();
    let scaled = timing.duration_ms * 10_000.0;
    let max = scaled / fewest.max(1) as f64 * MS_PER_10K_ROWS_SLACK;
    let min = most.map_or(0.0, |most| scaled / most as f64 / MS_PER_10K_ROWS_SLACK);
    if per_10k > max || per_10k < min {
        let most = most.map_or_else(|| "more".to_string(), |m| format!("{}", m - 1));
        return Err(format!(
            "ms_per_10k_rows {per_10k} does not agree with duration_ms {} over {} to {most} \
             rows: it must be between {min:.3} and {max:.3}",
            timing.duration_ms,
            fewest.max(1),
        ));
    }
    Ok(round_significant(per_10k, MS_PER_10K_ROWS_DIGITS))
}

/// Why a beacon was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeaconError {
    #[error("a beacon holds at most {MAX_EVENTS} events, this one {0}")]
    TooManyEvents(usize),
    #[error("the session id must be 8 to 64 letters, digits or '-'")]
    BadSession,
    #[error("event {index}: {reason}")]
    BadEvent { index: usize, reason: String },
    /// Each field is well-formed but they contradict each other (an `ms_per_10k_rows` that
    /// `duration_ms` and the row bucket do not allow): what JSON Schema cannot say, so the
    /// server answers 422 rather than 400.
    #[error("event {index}: {reason}")]
    Inconsistent { index: usize, reason: String },
}

impl Beacon {
    /// Checks what cannot be repaired (too many events, a bad session id, a number that is
    /// not finite or negative, an `ms_per_10k_rows` that disagrees with its timing's duration
    /// and row bucket) and repairs the rest: strings cut to [`max_len`], query strings and
    /// fragments dropped from the route and sources, fingerprints recomputed,
    /// `ms_per_10k_rows` rounded to [`MS_PER_10K_ROWS_DIGITS`] significant digits (and dropped
    /// from `read` and `parse` timings).
    pub fn validate(&mut self) -> Result<(), BeaconError> {
        if self.events.len() > MAX_EVENTS {
            return Err(BeaconError::TooManyEvents(self.events.len()));
        }
        let session_ok = (8..=max_len::SESSION).contains(&self.session.len())
            && self
                .session
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !session_ok {
            return Err(BeaconError::BadSession);
        }
        truncate(&mut self.app_version, max_len::APP_VERSION);
        self.context.route = without_query(&self.context.route);
        truncate(&mut self.context.route, max_len::ROUTE);
        if let Some(connection) = &mut self.context.connection {
            truncate(connection, max_len::CONNECTION);
        }
        for (index, event) in self.events.iter_mut().enumerate() {
            let bad = |reason: &str| BeaconError::BadEvent {
                index,
                reason: reason.to_owned(),
            };
            let numbers: Vec<f64> = match event {
                Event::Vital(v) => vec![v.value, v.at_ms],
                Event::Navigation(n) => vec![
                    n.dns_ms,
                    n.connect_ms,
                    n.ttfb_ms,
                    n.dom_content_loaded_ms,
                    n.load_ms,
                    n.transfer_bytes,
                    n.at_ms,
                ],
                Event::Timing(t) => vec![t.duration_ms, t.at_ms],
                Event::Error(e) => vec![e.at_ms],
            };
            if numbers.iter().any(|n| !n.is_finite() || *n < 0.0) {
                return Err(bad("numbers must be finite and not negative"));
            }
            if let Event::Timing(timing) = event
                && let Some(per_10k) = timing.ms_per_10k_rows
            {
                if !per_10k.is_finite() || per_10k < 0.0 {
                    return Err(bad(&format!(
                        "ms_per_10k_rows must be finite and not negative, not {per_10k}"
                    )));
                }
                // A phase (read, parse) does not carry it: dropped rather than refused.
                timing.ms_per_10k_rows = if timing.name.is_analysis() {
                    let checked = check_ms_per_10k_rows(timing, per_10k)
                        .map_err(|reason| BeaconError::Inconsistent { index, reason })?;
                    Some(checked)
                } else {
                    None
                };
            }
            if let Event::Error(error) = event {
                truncate(&mut error.message, max_len::MESSAGE);
                error.source = without_query(&error.source);
                truncate(&mut error.source, max_len::SOURCE);
                if let Some(stack) = &mut error.stack {
                    truncate(stack, max_len::STACK);
                }
                error.fingerprint = fingerprint(error.kind, &error.message, &error.source);
            }
        }
        Ok(())
    }
}

/// `text` cut to at most `max` characters.
fn truncate(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
}

/// A URL or path without its query string and fragment.
pub fn without_query(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beacon(events: Vec<Event>) -> Beacon {
        Beacon {
            session: "abcd1234-ef".into(),
            app_version: "0.1.0".into(),
            context: Context {
                route: "/drift?file=secret#x".into(),
                device: DeviceClass::Desktop,
                connection: Some("4g".into()),
                viewport: ViewportBucket::Wide,
                browser: BrowserFamily::Chromium,
            },
            events,
        }
    }

    fn error(message: &str, source: &str) -> Event {
        Event::Error(ErrorEvent {
            kind: ErrorKind::Error,
            message: message.into(),
            source: source.into(),
            line: 1,
            column: 2,
            stack: None,
            fingerprint: "client-said".into(),
            at_ms: 10.0,
        })
    }

    #[test]
    fn ratings_follow_web_vitals_thresholds() {
        assert_eq!(VitalName::Lcp.rate(2500.0), Rating::Good);
        assert_eq!(VitalName::Lcp.rate(2500.1), Rating::NeedsImprovement);
        assert_eq!(VitalName::Lcp.rate(4000.1), Rating::Poor);
        assert_eq!(VitalName::Cls.rate(0.1), Rating::Good);
        assert_eq!(VitalName::Cls.rate(0.3), Rating::Poor);
        assert_eq!(VitalName::Inp.rate(350.0), Rating::NeedsImprovement);
        assert_eq!(VitalName::Ttfb.rate(1800.0), Rating::NeedsImprovement);
    }

    #[test]
    fn validation_strips_queries_and_recomputes_fingerprints() {
        let mut b = beacon(vec![error(&"x".repeat(5000), "https://h/app.js?v=1")]);
        b.validate().unwrap();
        assert_eq!(b.context.route, "/drift");
        let Event::Error(e) = &b.events[0] else {
            unreachable!()
        };
        assert_eq!(e.message.chars().count(), max_len::MESSAGE);
        assert_eq!(e.source, "https://h/app.js");
        assert_eq!(
            e.fingerprint,
            fingerprint(ErrorKind::Error, &e.message, &e.source)
        );
    }

    #[test]
    fn validation_refuses_what_cannot_be_repaired() {
        let too_many = vec![error("e", ""); MAX_EVENTS + 1];
        assert_eq!(
            beacon(too_many).validate(),
            Err(BeaconError::TooManyEvents(101))
        );
        let mut bad_session = beacon(vec![]);
        bad_session.session = "short".into();
        assert_eq!(bad_session.validate(), Err(BeaconError::BadSession));
        let negative = Event::Vital(Vital {
            name: VitalName::Lcp,
            value: -1.0,
            at_ms: 0.0,
        });
        assert!(matches!(
            beacon(vec![negative]).validate(),
            Err(BeaconError::BadEvent { index: 0, .. })
        ));
    }

    #[test]
    fn fingerprints_group_errors_that_differ_by_numbers_and_quoted_values() {
        let a = fingerprint(
            ErrorKind::Error,
            "row 12 of 'a.csv' failed",
            "https://h/x/app.js",
        );
        let b = fingerprint(
            ErrorKind::Error,
            "row 13 of 'b.csv' failed",
            "https://h/y/app.js",
        );
        let c = fingerprint(
            ErrorKind::Panic,
            "row 12 of 'a.csv' failed",
            "https://h/x/app.js",
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn line_and_column_are_whole_numbers_however_written() {
        let event = |line: &str| {
            serde_json::from_str::<Event>(&format!(
                r#"{{"type":"error","kind":"error","message":"m","line":{line},"at_ms":0}}"#
            ))
        };
        let Ok(Event::Error(e)) = event("232.0") else {
            panic!("232.0 is a line")
        };
        assert_eq!(e.line, 232);
        assert!(event("232").is_ok());
        assert!(event("1.5").is_err());
        assert!(event("-1").is_err());
        assert!(event("4294967296").is_err());
    }

    fn analysis(name: TimingName, duration_ms: f64, per_10k: Option<f64>) -> Event {
        Event::Timing(Timing {
            name,
            duration_ms,
            size: SizeBucket::UpToTenMb,
            rows: RowsBucket::TensOfThousands,
            thread: Thread::Worker,
            at_ms: 1000.0,
            ms_per_10k_rows: per_10k,
        })
    }

    fn timing_of(event: &Event) -> &Timing {
        let Event::Timing(timing) = event else {
            panic!("not a timing: {event:?}")
        };
        timing
    }

    #[test]
    fn an_old_timing_without_the_per_10k_figure_still_parses_and_stays_the_same() {
        let old = r#"{"type":"timing","name":"profile","duration_ms":812.5,"size":"1-10MB","rows":"10k-100k","thread":"worker","at_ms":1000.0}"#;
        let event: Event = serde_json::from_str(old).unwrap();
        assert_eq!(timing_of(&event).ms_per_10k_rows, None);
        assert_eq!(serde_json::to_string(&event).unwrap(), old);
        let mut b = beacon(vec![event]);
        b.validate().unwrap();
        assert_eq!(timing_of(&b.events[0]).ms_per_10k_rows, None);
    }

    #[test]
    fn a_new_timing_carries_the_per_10k_figure_and_round_trips() {
        let event = analysis(TimingName::Profile, 812.5, Some(270.0));
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"type":"timing","name":"profile","duration_ms":812.5,"size":"1-10MB","rows":"10k-100k","thread":"worker","at_ms":1000.0,"ms_per_10k_rows":270.0}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        let mut b = beacon(vec![event.clone()]);
        b.validate().unwrap();
        assert_eq!(b.events[0], event);
    }

    #[test]
    fn null_per_10k_is_refused_with_the_fields_name() {
        // What JSON.stringify and serde_json write for NaN and ±Infinity.
        let json = r#"{"type":"timing","name":"drift","duration_ms":5,"size":"<1MB","rows":"<1k","thread":"worker","at_ms":1,"ms_per_10k_rows":null}"#;
        let error = serde_json::from_str::<Event>(json).unwrap_err().to_string();
        assert!(error.contains("ms_per_10k_rows"), "{error}");
    }

    #[test]
    fn per_10k_figures_are_rounded_to_two_significant_digits() {
        // 30,000 rows in 812.5 ms: 812.5 × 10,000 / 30,000 = 270.833… → 270.
        assert_eq!(ms_per_10k_rows(812.5, 30_000), Some(270.0));
        // 7 rows in 3 ms: 4,285.7… → 4,300; 3,000 rows in 1 ms: 3.33… → 3.3.
        assert_eq!(ms_per_10k_rows(3.0, 7), Some(4_300.0));
        assert_eq!(ms_per_10k_rows(1.0, 3_000), Some(3.3));
        // 2,000,000 rows in 55 ms: 0.275 → 0.28, the double nearest to 0.28.
        assert_eq!(ms_per_10k_rows(55.0, 2_000_000), Some(0.28));
        assert_eq!(ms_per_10k_rows(0.0, 10), Some(0.0));
        assert_eq!(ms_per_10k_rows(10.0, 0), None);
        assert_eq!(ms_per_10k_rows(f64::NAN, 10), None);
        assert_eq!(ms_per_10k_rows(-1.0, 10), None);
        assert_eq!(round_significant(99.96, 2), 100.0);
        assert_eq!(round_significant(0.27, 2), 0.27);
        assert_eq!(round_significant(round_significant(1234.5, 2), 2), 1200.0);
        assert_eq!(round_significant(-1234.5, 2), -1200.0);
        assert!(round_significant(f64::INFINITY, 2).is_infinite());
    }

    #[test]
    fn the_row_count_comes_back_only_to_within_five_percent() {
        // Every row count of a bucket, recovered from (duration, figure): never further off than
        // half a unit of the figure's second digit, and not exactly for most counts.
        let duration_ms = 812.5;
        let mut exact = 0;
        for rows in (10_000..100_000).step_by(7) {
            let per_10k = ms_per_10k_rows(duration_ms, rows).unwrap();
            let recovered = duration_ms * 10_000.0 / per_10k;
            let off = (recovered - rows as f64).abs() / rows as f64;
            assert!(off <= 0.0501, "{rows} rows came back as {recovered}");
            if recovered.round() as u64 == rows {
                exact += 1;
            }
        }
        assert!(exact < 100, "{exact} row counts came back exactly");
    }

    #[test]
    fn validation_checks_and_rounds_the_per_10k_figure() {
        let refused = |event: Event| match beacon(vec![event]).validate() {
            Err(BeaconError::BadEvent { index: 0, reason }) => reason,
            other => panic!("not refused as bad: {other:?}"),
        };
        let inconsistent = |event: Event| match beacon(vec![event]).validate() {
            Err(BeaconError::Inconsistent { index: 0, reason }) => reason,
            other => panic!("not refused as inconsistent: {other:?}"),
        };
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let reason = refused(analysis(TimingName::Quality, 800.0, Some(bad)));
            assert!(reason.contains("ms_per_10k_rows"), "{reason}");
        }
        // Even on a phase, whose figure is otherwise dropped.
        let reason = refused(analysis(TimingName::Read, 800.0, Some(-1.0)));
        assert!(reason.contains("ms_per_10k_rows"), "{reason}");
        // 10,000 to 99,999 rows in 800 ms: 80 to 800 ms per 10,000 rows (and rounding).
        for far in [8_000.0, 70.0, 1.0] {
            let reason = inconsistent(analysis(TimingName::Quality, 800.0, Some(far)));
            assert!(
                reason.contains("ms_per_10k_rows") && reason.contains("does not agree"),
                "{reason}"
            );
        }
        // A figure sent with more digits is kept to two; a phase's figure is dropped.
        let mut b = beacon(vec![
            analysis(TimingName::Profile, 812.5, Some(270.833)),
            analysis(TimingName::Parse, 800.0, Some(5.0)),
            analysis(TimingName::Drift, 800.0, Some(800.0)),
            analysis(TimingName::Drift, 800.0, Some(80.0)),
        ]);
        b.validate().unwrap();
        let kept: Vec<_> = b
            .events
            .iter()
            .map(|e| timing_of(e).ms_per_10k_rows)
            .collect();
        assert_eq!(kept, [Some(270.0), None, Some(800.0), Some(80.0)]);
        // Under 1,000 rows: at most one row, duration × 10,000.
        let mut tiny = analysis(TimingName::Profile, 3.0, Some(30_000.0));
        if let Event::Timing(t) = &mut tiny {
            t.rows = RowsBucket::UnderThousand;
        }
        assert!(beacon(vec![tiny.clone()]).validate().is_ok());
        if let Event::Timing(t) = &mut tiny {
            t.ms_per_10k_rows = Some(40_000.0);
        }
        assert!(inconsistent(tiny).contains("does not agree"));
    }

    #[test]
    fn buckets() {
        assert_eq!(SizeBucket::of_bytes(100_000_000), SizeBucket::UpToOneGb);
        assert_eq!(RowsBucket::of_rows(999), RowsBucket::UnderThousand);
        for bucket in RowsBucket::ALL {
            let (fewest, most) = bucket.bounds();
            assert_eq!(RowsBucket::of_rows(fewest), bucket);
            if let Some(most) = most {
                assert_eq!(RowsBucket::of_rows(most - 1), bucket);
                assert_ne!(RowsBucket::of_rows(most), bucket);
            }
        }
        assert!(TimingName::Quality.is_analysis() && !TimingName::Read.is_analysis());
        assert_eq!(ViewportBucket::of_width(360.0), ViewportBucket::Phone);
        assert_eq!(
            BrowserFamily::of_user_agent(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
            ),
            BrowserFamily::Chromium
        );
    }
}
