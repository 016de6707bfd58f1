//! The RUM repository on both engines: batch writes, error groups with affected sessions,
//! windows, the analyses' time per 10,000 rows, retention; and the two dialects' tables have
//! the same columns.

use server::storage::rum::{NavigationDetail, WINDOW_READ_LIMIT};
use server::storage::{ErrorDetail, RumEventRow};
use server::tasks::retention;
use shared::api::rum::RowsBucket;
use shared::api::rum_summary::percentile;

use crate::columns::columns;
use crate::on_both_engines;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn vital(session: &str, at: i64, value: f64) -> RumEventRow {
    RumEventRow {
        received_ms: at,
        session: session.into(),
        app_version: "0.1.0".into(),
        route: "/drift".into(),
        device: "mobile",
        browser: "chromium",
        viewport: "360-767",
        connection: Some("4g".into()),
        client_net: Some("203.0.113.0/24".into()),
        event_type: "vital",
        name: "LCP",
        value: Some(value),
        rating: Some("good"),
        at_ms: 812.5,
        size_bucket: None,
        rows_bucket: None,
        thread: None,
        ms_per_10k_rows: None,
        error: None,
        navigation: None,
    }
}

fn error(session: &str, at: i64, fingerprint: &str, stack: Option<&str>) -> RumEventRow {
    RumEventRow {
        event_type: "error",
        name: "panic",
        value: None,
        rating: None,
        error: Some(ErrorDetail {
            message: format!("row {at} failed"),
            source: "https://h/app.js".to_string(),
            line: 3,
            column: 9,
            fingerprint: fingerprint.to_string(),
            stack: stack.map(str::to_string),
        }),
        ..vital(session, at, 0.0)
    }
}

on_both_engines! {
    /// A large batch is written whole (every chunk size), and reads give it back.
    async fn a_batch_is_written_whole(store) {
        store.migrate().await.expect("migrate");
        let rum = store.rum();
        let mut rows: Vec<RumEventRow> =
            (0..1_537).map(|i| vital("sessionaa", 1_000 + i, i as f64)).collect();
        rows[1].event_type = "navigation";
        rows[1].name = "navigation";
        rows[1].navigation = Some(NavigationDetail {
            dns_ms: 1.0,
            connect_ms: 2.0,
            ttfb_ms: 3.0,
            dom_content_loaded_ms: 4.0,
            transfer_bytes: 5.0,
        });
        rum.insert(&rows).await.expect("insert");
        rum.insert(&[]).await.expect("nothing to insert");
        assert_eq!(rum.count().await.expect("count"), 1_537);
        let stored = rum.events(0, 10).await.expect("events");
        assert_eq!(stored[0].received_ms, 1_000);
        assert_eq!(stored[0].client_net.as_deref(), Some("203.0.113.0/24"));
        assert_eq!(stored[0].connection.as_deref(), Some("4g"));
        assert_eq!(stored[0].rating.as_deref(), Some("good"));
        assert_eq!(stored[0].at_ms, 812.5);
        assert_eq!(stored[0].message, None);
        assert_eq!(stored[0].ttfb_ms, None);
        let navigation = &stored[1];
        assert_eq!(
            (navigation.dns_ms, navigation.ttfb_ms, navigation.transfer_bytes),
            (Some(1.0), Some(3.0), Some(5.0))
        );
        let window = rum.window(2_000, WINDOW_READ_LIMIT).await.expect("window");
        assert_eq!(window.len(), 537);
        assert_eq!(window[0].received_ms, 2_536, "newest first");
        assert_eq!(window[0].value, Some(1_536.0));
        assert_eq!(rum.window(0, 5).await.expect("limited").len(), 5);
    }
}

/// A timing `name` over `bucket` rows received at `at`, with its time per 10,000 rows.
fn timing(at: i64, name: &'static str, bucket: &'static str, per_10k: Option<f64>) -> RumEventRow {
    RumEventRow {
        event_type: "timing",
        name,
        value: Some(812.5),
        rating: None,
        size_bucket: Some("1-10MB"),
        rows_bucket: Some(bucket),
        thread: Some("worker"),
        ms_per_10k_rows: per_10k,
        ..vital("sessioncc", at, 0.0)
    }
}

on_both_engines! {
    /// The time per 10,000 rows is stored and read back; the alerting read takes the analyses
    /// (not their phases, not other events, not older apps' timings without it) of its window,
    /// both ends included, over at least the rows asked for, in ascending order.
    async fn analysis_ms_per_10k_rows_of_a_window(store) {
        store.migrate().await.expect("migrate");
        let rum = store.rum();
        rum.insert(&[
            timing(999, "profile", "10k-100k", Some(1.0)),
            timing(1_000, "profile", "10k-100k", Some(270.0)),
            timing(1_100, "parse", "10k-100k", Some(5.0)),
            timing(1_200, "profile", "10k-100k", None),
            vital("sessioncc", 1_300, 2_000.0),
            timing(1_400, "drift", "100k-1M", Some(31.0)),
            timing(1_500, "quality", "1k-10k", Some(900.0)),
            timing(1_600, "profile", "<1k", Some(45_000.0)),
            timing(1_700, "quality", ">1M", Some(0.42)),
            timing(2_000, "drift", "10k-100k", Some(120.0)),
            timing(2_001, "profile", "10k-100k", Some(2.0)),
        ])
        .await
        .expect("insert");
        let stored = rum.events(1_000, 3).await.expect("events");
        assert_eq!(
            stored.iter().map(|e| e.ms_per_10k_rows).collect::<Vec<_>>(),
            [Some(270.0), Some(5.0), None]
        );
        let window = rum.window(1_000, WINDOW_READ_LIMIT).await.expect("window");
        assert_eq!(window.len(), 10);
        assert_eq!(window[1].ms_per_10k_rows, Some(120.0), "newest first");
        assert_eq!(window[9].ms_per_10k_rows, Some(270.0));

        let all = rum
            .analysis_ms_per_10k_rows(1_000, 2_000, RowsBucket::UnderThousand)
            .await
            .expect("every analysis");
        assert_eq!(all, [0.42, 31.0, 120.0, 270.0, 900.0, 45_000.0]);
        assert_eq!(percentile(&all, 0.75), Some(900.0));
        let large = rum
            .analysis_ms_per_10k_rows(1_000, 2_000, RowsBucket::TensOfThousands)
            .await
            .expect("10,000 rows or more");
        assert_eq!(large, [0.42, 31.0, 120.0, 270.0]);
        assert_eq!(percentile(&large, 0.75), Some(120.0));
        let millions = rum
            .analysis_ms_per_10k_rows(0, i64::MAX, RowsBucket::Millions)
            .await
            .expect("a million rows or more");
        assert_eq!(millions, [0.42]);
        let none = rum
            .analysis_ms_per_10k_rows(1_201, 1_399, RowsBucket::UnderThousand)
            .await
            .expect("nothing in the window");
        assert!(none.is_empty(), "{none:?}");
    }
}

on_both_engines! {
    /// Errors are grouped by fingerprint across batches: counts, first/last seen, the latest
    /// message and stack, and the number of distinct sessions.
    async fn errors_group_by_fingerprint_with_affected_sessions(store) {
        store.migrate().await.expect("migrate");
        let rum = store.rum();
        rum.insert(&[
            error("session-a", 10, "f1", Some("at a")),
            error("session-a", 20, "f1", None),
            error("session-b", 30, "f2", None),
        ])
        .await
        .expect("first batch");
        rum.insert(&[error("session-c", 40, "f1", None), error("session-a", 5, "f1", None)])
            .await
            .expect("second batch");
        let groups = rum.error_groups(10).await.expect("groups");
        assert_eq!(groups.len(), 2);
        let f1 = &groups[0];
        assert_eq!(f1.fingerprint, "f1");
        assert_eq!(f1.kind, "panic");
        assert_eq!((f1.first_seen_ms, f1.last_seen_ms), (5, 40));
        assert_eq!(f1.event_count, 4);
        assert_eq!(f1.affected_sessions, 2, "session-a and session-c");
        assert_eq!(f1.message, "row 40 failed");
        assert_eq!(f1.stack.as_deref(), Some("at a"), "a stack is kept until a new one");
        assert_eq!((f1.line, f1.column_no), (3, 9));
        let f2 = &groups[1];
        assert_eq!((f2.event_count, f2.affected_sessions), (1, 1));
        assert_eq!(rum.count().await.expect("count"), 5);
    }
}

on_both_engines! {
    /// Retention deletes the events, sessions and groups older than the maximum age, in
    /// batches, and keeps the rest.
    async fn retention_deletes_old_events_and_groups(store) {
        store.migrate().await.expect("migrate");
        let rum = store.rum();
        let now = 100 * DAY_MS;
        let cutoff = now - 30 * DAY_MS;
        let mut rows: Vec<RumEventRow> =
            (0..250).map(|i| vital("old-session", cutoff - 1 - i, 1.0)).collect();
        rows.push(error("old-session", cutoff - 5, "old", None));
        rows.push(error("old-session", cutoff - 5, "kept", None));
        rows.push(error("new-session", cutoff + 5, "kept", None));
        rows.push(vital("new-session", cutoff, 2.0));
        rum.insert(&rows).await.expect("insert");

        let deleted = retention::rum_step(&store, now, 30, 100).await.expect("step");
        // 252 events, the old group, its session row and the kept group's old session row.
        assert_eq!(deleted, 252 + 1 + 2);
        assert_eq!(rum.count().await.expect("count"), 2);
        let groups = rum.error_groups(10).await.expect("groups");
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].fingerprint, "kept");
        assert_eq!(groups[0].affected_sessions, 1);
        assert_eq!(groups[0].event_count, 2, "the count is since the first sighting");
        assert_eq!(retention::rum_step(&store, now, 30, 100).await.expect("again"), 0);
        let later = retention::rum_step(&store, now + DAY_MS, 30, 1).await.expect("later");
        assert_eq!(later, 2 + 1 + 1);
        assert_eq!(rum.count().await.expect("count"), 0);
        assert!(rum.error_groups(10).await.expect("groups").is_empty());
    }
}

/// The tables and columns each dialect's migration creates, by name and type.
fn expected_columns(table: &str) -> Vec<(String, String)> {
    let spec: &[(&str, &str)] = match table {
        "rum_events" => &[
            ("id", "integer"),
            ("received_ms", "integer"),
            ("session", "text"),
            ("app_version", "text"),
            ("route", "text"),
            ("device", "text"),
            ("browser", "text"),
            ("viewport", "text"),
            ("connection", "text"),
            ("client_net", "text"),
            ("event_type", "text"),
            ("name", "text"),
            ("value", "real"),
            ("rating", "text"),
            ("at_ms", "real"),
            ("size_bucket", "text"),
            ("rows_bucket", "text"),
            ("thread", "text"),
            ("message", "text"),
            ("source", "text"),
            ("line", "integer"),
            ("column_no", "integer"),
            ("fingerprint", "text"),
            ("dns_ms", "real"),
            ("connect_ms", "real"),
            ("ttfb_ms", "real"),
            ("dom_content_loaded_ms", "real"),
            ("transfer_bytes", "real"),
            ("ms_per_10k_rows", "real"),
        ],
        "rum_error_groups" => &[
            ("fingerprint", "text"),
            ("kind", "text"),
            ("message", "text"),
            ("source", "text"),
            ("line", "integer"),
            ("column_no", "integer"),
            ("stack", "text"),
            ("first_seen_ms", "integer"),
            ("last_seen_ms", "integer"),
            ("event_count", "integer"),
        ],
        _ => &[
            ("fingerprint", "text"),
            ("session", "text"),
            ("last_seen_ms", "integer"),
        ],
    };
    spec.iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

on_both_engines! {
    /// Both dialects create the same RUM tables with the same columns.
    async fn both_dialects_have_the_same_rum_columns(store) {
        store.migrate().await.expect("migrate");
        for table in ["rum_events", "rum_error_groups", "rum_error_sessions"] {
            assert_eq!(columns(&store, table).await, expected_columns(table), "{table}");
        }
    }
}
