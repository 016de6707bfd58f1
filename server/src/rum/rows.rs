//! A validated beacon as stored rows (one per event), and the names the rows and labels use: the
//! same strings as the beacon's JSON (a test holds them to serde's), without going through serde
//! on the hot path.

use std::sync::Arc;

use shared::api::rum::{
    Beacon, BrowserFamily, DeviceClass, ErrorKind, Event, Rating, RowsBucket, SizeBucket, Thread,
    TimingName, ViewportBucket, VitalName,
};

use crate::storage::rum::NavigationDetail;
use crate::storage::{ErrorDetail, RumEventRow};

/// The rows of `beacon` (already validated), received at `received_ms` from `client_net`: one
/// per event, a navigation timing's load time as its value.
pub fn rows(beacon: &Beacon, received_ms: i64, client_net: Option<&str>) -> Vec<RumEventRow> {
    let context = &beacon.context;
    let base = RumEventRow {
        received_ms,
        session: Arc::from(beacon.session.as_str()),
        app_version: Arc::from(beacon.app_version.as_str()),
        route: Arc::from(context.route.as_str()),
        device: device(context.device),
        browser: browser(context.browser),
        viewport: viewport(context.viewport),
        connection: context.connection.as_deref().map(Arc::from),
        client_net: client_net.map(Arc::from),
        event_type: "",
        name: "",
        value: None,
        rating: None,
        at_ms: 0.0,
        size_bucket: None,
        rows_bucket: None,
        thread: None,
        ms_per_10k_rows: None,
        error: None,
        navigation: None,
    };
    let mut out = Vec::with_capacity(beacon.events.len());
    for event in &beacon.events {
        match event {
            Event::Vital(v) => out.push(RumEventRow {
                event_type: "vital",
                name: v.name.as_str(),
                value: Some(v.value),
                rating: Some(rating(v.name.rate(v.value))),
                at_ms: v.at_ms,
                ..base.clone()
            }),
            Event::Navigation(n) => out.push(RumEventRow {
                event_type: "navigation",
                name: "navigation",
                value: Some(n.load_ms),
                at_ms: n.at_ms,
                navigation: Some(NavigationDetail {
                    dns_ms: n.dns_ms,
                    connect_ms: n.connect_ms,
                    ttfb_ms: n.ttfb_ms,
                    dom_content_loaded_ms: n.dom_content_loaded_ms,
                    transfer_bytes: n.transfer_bytes,
                }),
                ..base.clone()
            }),
            Event::Timing(t) => out.push(RumEventRow {
                event_type: "timing",
                name: t.name.as_str(),
                value: Some(t.duration_ms),
                at_ms: t.at_ms,
                size_bucket: Some(size(t.size)),
                rows_bucket: Some(rows_bucket(t.rows)),
                thread: Some(thread(t.thread)),
                ms_per_10k_rows: t.ms_per_10k_rows,
                ..base.clone()
            }),
            Event::Error(e) => out.push(RumEventRow {
                event_type: "error",
                name: e.kind.as_str(),
                at_ms: e.at_ms,
                error: Some(ErrorDetail {
                    message: e.message.clone(),
                    source: e.source.clone(),
                    line: e.line,
                    column: e.column,
                    fingerprint: e.fingerprint.clone(),
                    stack: e.stack.clone(),
                }),
                ..base.clone()
            }),
        }
    }
    out
}

/// The type of an event, as stored and as the `type` label.
pub fn event_type(event: &Event) -> &'static str {
    match event {
        Event::Vital(_) => "vital",
        Event::Navigation(_) => "navigation",
        Event::Timing(_) => "timing",
        Event::Error(_) => "error",
    }
}

pub fn device(d: DeviceClass) -> &'static str {
    match d {
        DeviceClass::Mobile => "mobile",
        DeviceClass::Desktop => "desktop",
    }
}

pub fn browser(b: BrowserFamily) -> &'static str {
    match b {
        BrowserFamily::Chromium => "chromium",
        BrowserFamily::Firefox => "firefox",
        BrowserFamily::Safari => "safari",
        BrowserFamily::Other => "other",
    }
}

pub fn viewport(v: ViewportBucket) -> &'static str {
    match v {
        ViewportBucket::Narrow => "0-359",
        ViewportBucket::Phone => "360-767",
        ViewportBucket::Tablet => "768-1279",
        ViewportBucket::Wide => "1280+",
    }
}

pub fn rating(r: Rating) -> &'static str {
    match r {
        Rating::Good => "good",
        Rating::NeedsImprovement => "needs-improvement",
        Rating::Poor => "poor",
    }
}

pub fn size(s: SizeBucket) -> &'static str {
    match s {
        SizeBucket::UnderOneMb => "<1MB",
        SizeBucket::UpToTenMb => "1-10MB",
        SizeBucket::UpToHundredMb => "10-100MB",
        SizeBucket::UpToOneGb => "100MB-1GB",
        SizeBucket::OverOneGb => ">1GB",
    }
}

/// The row bucket as stored and in the beacon's JSON (`10k-100k`…).
pub fn rows_bucket(r: RowsBucket) -> &'static str {
    match r {
        RowsBucket::UnderThousand => "<1k",
        RowsBucket::Thousands => "1k-10k",
        RowsBucket::TensOfThousands => "10k-100k",
        RowsBucket::HundredsOfThousands => "100k-1M",
        RowsBucket::Millions => ">1M",
    }
}

pub fn thread(t: Thread) -> &'static str {
    match t {
        Thread::Worker => "worker",
        Thread::Main => "main",
    }
}

/// The vital named `name` as stored (`LCP`…).
pub fn parse_vital(name: &str) -> Option<VitalName> {
    VitalName::ALL.into_iter().find(|v| v.as_str() == name)
}

pub const TIMINGS: [TimingName; 5] = [
    TimingName::Read,
    TimingName::Parse,
    TimingName::Profile,
    TimingName::Drift,
    TimingName::Quality,
];

/// The analysis step named `name` as stored (`parse`…).
pub fn parse_timing(name: &str) -> Option<TimingName> {
    TIMINGS.into_iter().find(|t| t.as_str() == name)
}

pub fn parse_device(name: &str) -> Option<DeviceClass> {
    [DeviceClass::Mobile, DeviceClass::Desktop]
        .into_iter()
        .find(|d| device(*d) == name)
}

pub fn parse_error_kind(name: &str) -> Option<ErrorKind> {
    [
        ErrorKind::Error,
        ErrorKind::UnhandledRejection,
        ErrorKind::Panic,
        ErrorKind::Fetch,
        ErrorKind::Resource,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_name<T: serde::Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn names_are_the_beacons_json_names() {
        for d in [DeviceClass::Mobile, DeviceClass::Desktop] {
            assert_eq!(device(d), serde_name(d));
            assert_eq!(parse_device(device(d)), Some(d));
        }
        for b in [
            BrowserFamily::Chromium,
            BrowserFamily::Firefox,
            BrowserFamily::Safari,
            BrowserFamily::Other,
        ] {
            assert_eq!(browser(b), serde_name(b));
        }
        for v in [
            ViewportBucket::Narrow,
            ViewportBucket::Phone,
            ViewportBucket::Tablet,
            ViewportBucket::Wide,
        ] {
            assert_eq!(viewport(v), serde_name(v));
        }
        for r in [Rating::Good, Rating::NeedsImprovement, Rating::Poor] {
            assert_eq!(rating(r), serde_name(r));
        }
        for s in [
            SizeBucket::UnderOneMb,
            SizeBucket::UpToTenMb,
            SizeBucket::UpToHundredMb,
            SizeBucket::UpToOneGb,
            SizeBucket::OverOneGb,
        ] {
            assert_eq!(size(s), serde_name(s));
        }
        for r in [
            RowsBucket::UnderThousand,
            RowsBucket::Thousands,
            RowsBucket::TensOfThousands,
            RowsBucket::HundredsOfThousands,
            RowsBucket::Millions,
        ] {
            assert_eq!(rows_bucket(r), serde_name(r));
        }
        for t in [Thread::Worker, Thread::Main] {
            assert_eq!(thread(t), serde_name(t));
        }
        for v in VitalName::ALL {
            assert_eq!(v.as_str(), serde_name(v));
            assert_eq!(parse_vital(v.as_str()), Some(v));
        }
        for t in TIMINGS {
            assert_eq!(t.as_str(), serde_name(t));
            assert_eq!(parse_timing(t.as_str()), Some(t));
        }
        for k in ["error", "unhandled_rejection", "panic", "fetch", "resource"] {
            let kind = parse_error_kind(k).expect(k);
            assert_eq!(serde_name(kind), k);
        }
    }

    #[test]
    fn a_beacon_becomes_rows() {
        let json = r#"{"session":"k3f9a0c2d4e6f8a1","app_version":"0.1.0",
          "context":{"route":"/drift","device":"mobile","viewport":"360-767","browser":"chromium"},
          "events":[{"type":"vital","name":"LCP","value":4100.0,"at_ms":900.0},
            {"type":"navigation","dns_ms":1,"connect_ms":2,"ttfb_ms":3,"dom_content_loaded_ms":4,
             "load_ms":5,"transfer_bytes":6,"at_ms":7},
            {"type":"timing","name":"parse","duration_ms":12.5,"size":"1-10MB","rows":"10k-100k",
             "thread":"worker","at_ms":20},
            {"type":"timing","name":"profile","duration_ms":812.5,"size":"1-10MB",
             "rows":"10k-100k","thread":"worker","at_ms":21,"ms_per_10k_rows":270.8},
            {"type":"error","kind":"panic","message":"boom","at_ms":30}]}"#;
        let mut beacon: Beacon = serde_json::from_str(json).unwrap();
        beacon.validate().unwrap();
        let rows = rows(&beacon, 42, Some("10.1.2.0/24"));
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].rating, Some("poor"));
        assert_eq!((rows[1].name, rows[1].value), ("navigation", Some(5.0)));
        assert_eq!(rows[1].navigation.map(|n| n.ttfb_ms), Some(3.0));
        assert_eq!(rows[2].thread, Some("worker"));
        assert_eq!(rows[2].rows_bucket, Some("10k-100k"));
        assert_eq!(rows[2].ms_per_10k_rows, None);
        assert_eq!(
            (rows[3].name, rows[3].value, rows[3].ms_per_10k_rows),
            ("profile", Some(812.5), Some(270.0)),
            "validation keeps two significant digits"
        );
        let error = rows[4].error.as_ref().unwrap();
        assert_eq!(rows[4].name, "panic");
        assert_eq!(error.fingerprint.len(), 16);
        assert!(
            rows.iter()
                .all(|r| r.received_ms == 42 && &*r.route == "/drift")
        );
        assert!(
            rows.iter()
                .all(|r| r.client_net.as_deref() == Some("10.1.2.0/24"))
        );
    }
}
