//! Real-user monitoring through the real server (`startup::run` on port 0, a SQLite file or a
//! PostgreSQL database): every refusal with its documented status and JSON body, what is stored
//! (truncated networks, no query strings), error groups, the summary, `/metrics`, retention,
//! the analyses' time per 10,000 rows as the alert rules read it, and nothing accepted lost at
//! shutdown.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, ORIGIN, RETRY_AFTER};
use serde_json::{Value, json};
use server::config::Config;
use server::storage::Store;
use shared::api::rum::{MAX_BEACON_BYTES, RowsBucket};
use shared::api::rum_summary::RumSummary;

use super::postgres::{TempDatabase, postgres_or_skip};
use super::running::{Running, metrics_text, promtool_check, sample};

fn beacon(session: &str, route: &str, events: Vec<Value>) -> Value {
    json!({
        "session": session,
        "app_version": "0.1.0",
        "context": {"route": route, "device": "mobile", "viewport": "360-767",
                    "browser": "chromium", "connection": "4g"},
        "events": events,
    })
}

fn lcp(ms: f64) -> Value {
    json!({"type": "vital", "name": "LCP", "value": ms, "at_ms": ms})
}

fn error(message: &str) -> Value {
    json!({"type": "error", "kind": "error", "message": message,
           "source": "https://host/app-1.js?v=secret", "line": 10, "column": 4,
           "stack": "Error: x\n at f (app-1.js:10:4)", "at_ms": 99.0})
}

fn full_beacon(session: &str) -> Value {
    beacon(
        session,
        "/drift?file=secret.csv#frag",
        vec![
            lcp(1200.0),
            json!({"type": "vital", "name": "CLS", "value": 0.3, "at_ms": 10.0}),
            json!({"type": "vital", "name": "INP", "value": 180.0, "at_ms": 20.0}),
            json!({"type": "navigation", "dns_ms": 1.0, "connect_ms": 2.0, "ttfb_ms": 30.0,
               "dom_content_loaded_ms": 200.0, "load_ms": 300.0, "transfer_bytes": 5000.0,
               "at_ms": 300.0}),
            json!({"type": "timing", "name": "parse", "duration_ms": 150.0, "size": "1-10MB",
               "rows": "10k-100k", "thread": "worker", "at_ms": 400.0}),
            error("row 12 of 'a.csv' failed"),
        ],
    )
}

async fn post(server: &Running, body: String, content_type: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/api/rum"))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("POST /api/rum")
}

async fn post_beacon(server: &Running, beacon: &Value) -> reqwest::Response {
    post(server, beacon.to_string(), "text/plain;charset=UTF-8").await
}

/// Asserts the JSON error body of a refusal and returns its `detail`.
async fn refused(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["error"], code, "{body}");
    body["detail"].as_str().expect("a detail").to_string()
}

/// Waits until exactly `n` RUM events are stored.
async fn wait_for_events(store: &Store, n: i64) {
    let mut count = 0;
    for _ in 0..200 {
        count = store.rum().count().await.expect("count");
        if count == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{count} events stored, not {n}");
}

#[tokio::test]
async fn every_bad_beacon_gets_its_status_and_the_server_carries_on() {
    let server = Running::start("").await;
    let too_big = "x".repeat(MAX_BEACON_BYTES + 1);
    let detail = refused(
        post(&server, too_big, "text/plain").await,
        413,
        "payload_too_large",
    )
    .await;
    assert!(detail.contains("65536"), "{detail}");
    let detail = refused(
        post(&server, "{not json".into(), "text/plain").await,
        400,
        "bad_request",
    )
    .await;
    assert!(detail.starts_with("not a beacon"), "{detail}");
    let wrong_shape = json!({"session": "abcdefgh", "events": []}).to_string();
    refused(
        post(&server, wrong_shape, "application/json").await,
        400,
        "bad_request",
    )
    .await;
    let too_many = beacon("abcdefgh-1", "/", vec![lcp(1.0); 101]);
    let detail = refused(post_beacon(&server, &too_many).await, 400, "bad_request").await;
    assert!(detail.contains("at most 100 events"), "{detail}");
    let bad_session = beacon("short", "/", vec![lcp(1.0)]);
    let detail = refused(post_beacon(&server, &bad_session).await, 400, "bad_request").await;
    assert!(detail.contains("session"), "{detail}");
    let negative = beacon("abcdefgh-1", "/", vec![lcp(-5.0)]);
    let detail = refused(post_beacon(&server, &negative).await, 400, "bad_request").await;
    assert!(detail.contains("event 0"), "{detail}");

    // Origin: a foreign page is refused; the server's own origin and no Origin are accepted.
    let client = reqwest::Client::new();
    let send = |origin: Option<String>| {
        let mut request = client
            .post(server.url("/api/rum"))
            .header(CONTENT_TYPE, "text/plain")
            .body(full_beacon("abcdefgh-2").to_string());
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        request.send()
    };
    let foreign = send(Some("https://evil.example".into()))
        .await
        .expect("send");
    refused(foreign, 403, "forbidden").await;
    let null = send(Some("null".into())).await.expect("send");
    refused(null, 403, "forbidden").await;
    assert_eq!(
        send(Some(server.base.clone()))
            .await
            .expect("send")
            .status(),
        202
    );
    assert_eq!(send(None).await.expect("send").status(), 202);
    let json_body = post(
        &server,
        full_beacon("abcdefgh-3").to_string(),
        "application/json",
    )
    .await;
    assert_eq!(json_body.status(), 202);
    // Other methods are not allowed; the probes still answer.
    let get = reqwest::get(server.url("/api/rum")).await.expect("GET");
    assert_eq!(get.status(), 405);
    assert_eq!(
        reqwest::get(server.url("/healthz"))
            .await
            .expect("live")
            .status(),
        200
    );

    let text = metrics_text(&server).await;
    promtool_check(&text);
    for (outcome, n) in [
        ("accepted", 3.0),
        ("too_large", 1.0),
        ("bad_request", 5.0),
        ("forbidden", 2.0),
        ("rate_limited", 0.0),
    ] {
        let series = format!("rum_beacons_total{{outcome=\"{outcome}\"}}");
        assert_eq!(sample(&text, &series), n, "{series}\n{text}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn over_the_rate_a_client_gets_429_with_retry_after() {
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with("", data, |config: &mut Config| {
        config.rum.rate_limit_per_minute = 3;
    })
    .await;
    for i in 0..3 {
        let response = post_beacon(&server, &full_beacon(&format!("session-{i}"))).await;
        assert_eq!(response.status(), 202, "beacon {i}");
    }
    let response = post_beacon(&server, &full_beacon("session-4")).await;
    let retry_after: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    refused(response, 429, "rate_limited").await;
    // The rate is per client: the probes and the summary are not limited.
    assert_eq!(
        reqwest::get(server.url("/api/rum/summary"))
            .await
            .expect("summary")
            .status(),
        200
    );
    let text = metrics_text(&server).await;
    assert_eq!(
        sample(&text, "rum_beacons_total{outcome=\"rate_limited\"}"),
        1.0
    );
    server.shutdown().await;
}

#[tokio::test]
async fn disabled_rum_answers_404_and_tells_the_app() {
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with("", data, |config: &mut Config| {
        config.rum.enabled = false;
        config.rum.sample_rate = 0.5;
    })
    .await;
    let detail = refused(
        post_beacon(&server, &full_beacon("abcdefgh")).await,
        404,
        "not_found",
    )
    .await;
    assert!(detail.contains("disabled"), "{detail}");
    let config: Value = reqwest::get(server.url("/api/rum/config"))
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    assert_eq!(
        config,
        json!({"enabled": false, "sample_rate": 0.5, "flush_interval_ms": 10000})
    );
    server.shutdown().await;
}

/// Beacons from two sessions (one through a trusted proxy, over IPv6), read back from the
/// database, the summary and `/metrics`.
async fn accepted_beacons_are_stored_and_summarised(database_url: &str) {
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with(database_url, data, |config: &mut Config| {
        config.rum.trust_forwarded_for = true;
    })
    .await;
    let store = Store::connect(&server.database_url)
        .await
        .expect("second connection");
    assert_eq!(
        post_beacon(&server, &full_beacon("session-one"))
            .await
            .status(),
        202
    );
    let second = beacon(
        "session-two",
        "/drift",
        vec![
            lcp(3000.0),
            error("row 13 of 'b.csv' failed"),
            error("row 14 of 'c.csv' failed"),
            json!({"type": "error", "kind": "panic", "message": "index out of bounds",
               "source": "app.wasm", "at_ms": 5.0}),
        ],
    );
    let response = reqwest::Client::new()
        .post(server.url("/api/rum"))
        .header(CONTENT_TYPE, "text/plain")
        .header("x-forwarded-for", "2001:db8:1:2::5, 10.0.0.1")
        .body(second.to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 202);
    wait_for_events(&store, 6 + 4).await;

    let events = store.rum().events(0, 100).await.expect("events");
    let nets: std::collections::BTreeSet<_> = events
        .iter()
        .map(|e| e.client_net.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        nets.into_iter().collect::<Vec<_>>(),
        ["127.0.0.0/24", "2001:db8:1::/48"],
        "networks, never whole addresses"
    );
    assert!(
        events.iter().all(|e| e.route == "/drift"),
        "query and fragment stripped"
    );
    let stored = format!("{events:?}");
    assert!(
        !stored.contains("secret") && !stored.contains("frag"),
        "{stored}"
    );
    assert!(!stored.contains("2001:db8:1:2::5") && !stored.contains("127.0.0.1"));
    let navigation: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "navigation")
        .collect();
    assert_eq!(navigation.len(), 1);
    assert_eq!(
        (navigation[0].value, navigation[0].ttfb_ms),
        (Some(300.0), Some(30.0))
    );
    let parse = events
        .iter()
        .find(|e| e.name == "parse")
        .expect("the timing");
    assert_eq!(
        (parse.value, parse.thread.as_deref()),
        (Some(150.0), Some("worker"))
    );
    let error = events
        .iter()
        .find(|e| e.event_type == "error")
        .expect("an error");
    assert_eq!(error.source.as_deref(), Some("https://host/app-1.js"));

    let summary: RumSummary = reqwest::get(server.url("/api/rum/summary"))
        .await
        .expect("summary")
        .json()
        .await
        .expect("a RumSummary");
    let five = &summary.windows[0];
    assert_eq!((five.events, five.sessions, five.errors), (10, 2, 4));
    let lcp_stats = five
        .vitals
        .iter()
        .find(|v| v.name.as_str() == "LCP")
        .expect("LCP");
    assert_eq!(
        (lcp_stats.count, lcp_stats.p50, lcp_stats.p75),
        (2, 1200.0, 3000.0)
    );
    assert_eq!(five.vitals_by_route[0].route.as_deref(), Some("/drift"));
    assert_eq!(five.slowest_routes[0].route, "/drift");
    assert_eq!(five.timings[0].p95, 150.0);
    assert_eq!(five.versions[0].app_version, "0.1.0");
    assert_eq!(summary.rating_bands.len(), 5);
    // "row 12/13/14 of '…'" is one group seen by both sessions; the panic another.
    let groups = &summary.error_groups;
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!((groups[0].count, groups[0].affected_sessions), (3, 2));
    assert_eq!(groups[0].source, "https://host/app-1.js");
    assert!(
        groups[0]
            .stack
            .as_deref()
            .is_some_and(|s| s.contains("at f"))
    );
    assert_eq!((groups[1].count, groups[1].affected_sessions), (1, 1));
    assert_eq!(groups[1].kind.as_str(), "panic");

    let text = metrics_text(&server).await;
    promtool_check(&text);
    let bucket =
        "rum_web_vital_seconds_bucket{vital=\"LCP\",route=\"/drift\",device=\"mobile\",le=\"2.5\"}";
    assert_eq!(sample(&text, bucket), 1.0, "{text}");
    let count = "rum_web_vital_seconds_count{vital=\"LCP\",route=\"/drift\",device=\"mobile\"}";
    assert_eq!(sample(&text, count), 2.0);
    assert_eq!(sample(&text, "rum_errors_total{kind=\"error\"}"), 3.0);
    assert_eq!(sample(&text, "rum_rows_written_total"), 10.0);
    assert_eq!(sample(&text, "rum_rows_dropped_total"), 0.0);
    assert_eq!(sample(&text, "rum_queue_rows"), 0.0);
    store.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn sqlite_stores_and_summarises_accepted_beacons() {
    accepted_beacons_are_stored_and_summarised("").await;
}

#[tokio::test]
async fn postgres_stores_and_summarises_accepted_beacons() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    accepted_beacons_are_stored_and_summarised(&database.url).await;
    database.drop_now().await;
}

fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

/// An analysis step's timing, with `ms_per_10k_rows` when given (`Value::Null` included).
fn analysis(name: &str, duration_ms: f64, rows: &str, per_10k: Option<Value>) -> Value {
    let mut event = json!({"type": "timing", "name": name, "duration_ms": duration_ms,
                           "size": "1-10MB", "rows": rows, "thread": "worker", "at_ms": 500.0});
    if let Some(per_10k) = per_10k {
        event["ms_per_10k_rows"] = per_10k;
    }
    event
}

/// Beacons of a new app (analyses with their time per 10,000 rows) and of an old one
/// (without), through the real server, then the alert rules' read; figures that are not
/// numbers, negative or that disagree with the duration are refused, naming the field.
async fn analysis_times_per_10k_rows_reach_the_alerting_read(database_url: &str) {
    let data = tempfile::tempdir().expect("data dir");
    let server = Running::start_with(database_url, data, |_: &mut Config| {}).await;
    let store = Store::connect(&server.database_url)
        .await
        .expect("second connection");
    let from = unix_now_ms();
    let new_app = beacon(
        "session-new",
        "/",
        vec![
            // 30,000 rows in 812.5 ms, sent with too many digits: kept as 270.
            analysis("profile", 812.5, "10k-100k", Some(json!(270.8333))),
            analysis("read", 100.0, "10k-100k", None),
            // A phase's figure is dropped, not stored.
            analysis("parse", 600.0, "10k-100k", Some(json!(200.0))),
            // 500,000 rows in 2.4 s; 30 rows in 9 ms.
            analysis("drift", 2_400.0, "100k-1M", Some(json!(48.0))),
            analysis("quality", 9.0, "<1k", Some(json!(3_000.0))),
        ],
    );
    assert_eq!(post_beacon(&server, &new_app).await.status(), 202);
    let old_app = beacon(
        "session-old",
        "/",
        vec![analysis("profile", 500.0, "10k-100k", None)],
    );
    assert_eq!(post_beacon(&server, &old_app).await.status(), 202);

    // Negative and null (JSON's NaN and Infinity) are outside the schema: 400. A figure that
    // 10,000 to 99,999 rows in 800 ms cannot give (80 to 800 ms) is within it: 422.
    for (per_10k, status, code, detail_start) in [
        (json!(-1.0), 400, "bad_request", "invalid beacon"),
        (Value::Null, 400, "bad_request", "not a beacon"),
        (json!(8_000.0), 422, "unprocessable", "invalid beacon"),
    ] {
        let bad = beacon(
            "session-bad",
            "/",
            vec![analysis(
                "profile",
                800.0,
                "10k-100k",
                Some(per_10k.clone()),
            )],
        );
        let detail = refused(post_beacon(&server, &bad).await, status, code).await;
        assert!(
            detail.starts_with(detail_start) && detail.contains("ms_per_10k_rows"),
            "{per_10k}: {detail}"
        );
    }
    wait_for_events(&store, 6).await;
    let to = unix_now_ms();

    // /metrics: the analyses of 10,000 rows or more, in seconds per 10,000 rows, for the
    // exported PredictionLatencyHigh rule; not the phases, not the small analysis.
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("body");
    let per_10k: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("rum_analysis_seconds_per_10k_rows_"))
        .collect();
    for expected in [
        "rum_analysis_seconds_per_10k_rows_sum{step=\"profile\",route=\"/\",device=\"mobile\"} 0.27",
        "rum_analysis_seconds_per_10k_rows_count{step=\"profile\",route=\"/\",device=\"mobile\"} 1",
        "rum_analysis_seconds_per_10k_rows_sum{step=\"drift\",route=\"/\",device=\"mobile\"} 0.048",
        "rum_analysis_seconds_per_10k_rows_bucket{step=\"drift\",route=\"/\",device=\"mobile\",le=\"0.05\"} 1",
    ] {
        assert!(per_10k.contains(&expected), "{expected} in {per_10k:#?}");
    }
    assert!(
        !per_10k
            .iter()
            .any(|l| l.contains("step=\"quality\"") || l.contains("step=\"parse\"")),
        "{per_10k:#?}"
    );

    let events = store.rum().events(from, 100).await.expect("events");
    let parse = events
        .iter()
        .find(|e| e.name == "parse")
        .expect("the parse phase");
    assert_eq!((parse.value, parse.ms_per_10k_rows), (Some(600.0), None));
    let rum = store.rum();
    let every = rum
        .analysis_ms_per_10k_rows(from, to, RowsBucket::UnderThousand)
        .await
        .expect("every analysis");
    assert_eq!(every, [48.0, 270.0, 3_000.0]);
    let large = rum
        .analysis_ms_per_10k_rows(from, to, RowsBucket::TensOfThousands)
        .await
        .expect("10,000 rows or more");
    assert_eq!(large, [48.0, 270.0]);
    let earlier = rum
        .analysis_ms_per_10k_rows(from - 60_000, from - 1, RowsBucket::UnderThousand)
        .await
        .expect("an earlier window");
    assert!(earlier.is_empty(), "{earlier:?}");
    store.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn sqlite_reads_the_analysis_times_per_10k_rows() {
    analysis_times_per_10k_rows_reach_the_alerting_read("").await;
}

#[tokio::test]
async fn postgres_reads_the_analysis_times_per_10k_rows() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    analysis_times_per_10k_rows_reach_the_alerting_read(&database.url).await;
    database.drop_now().await;
}

#[tokio::test]
async fn shutdown_writes_every_accepted_beacon() {
    let server = Running::start("").await;
    let client = reqwest::Client::new();
    let sends = (0..50).map(|i| {
        client
            .post(server.url("/api/rum"))
            .header(CONTENT_TYPE, "text/plain")
            .body(full_beacon(&format!("session-{i:03}")).to_string())
            .send()
    });
    let answers = futures_util::future::join_all(sends).await;
    assert!(
        answers
            .iter()
            .all(|r| r.as_ref().expect("sent").status() == 202)
    );
    let url = server.database_url.clone();
    let _data = server.shutdown().await;
    let store = Store::connect(&url).await.expect("reopen");
    assert_eq!(store.rum().count().await.expect("count"), 50 * 6);
    store.close().await;
}

#[tokio::test]
async fn the_retention_task_deletes_old_events() {
    let data = tempfile::tempdir().expect("data dir");
    let url = format!("sqlite://{}", data.path().join("csv-analyzer.db").display());
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let row = |age_days: i64| server::storage::RumEventRow {
        received_ms: now - age_days * 86_400_000,
        session: "old-session".into(),
        app_version: "0.0.1".into(),
        route: "/".into(),
        device: "desktop",
        browser: "firefox",
        viewport: "1280+",
        connection: None,
        client_net: None,
        event_type: "vital",
        name: "LCP",
        value: Some(1.0),
        rating: Some("good"),
        at_ms: 1.0,
        size_bucket: None,
        rows_bucket: None,
        thread: None,
        ms_per_10k_rows: None,
        error: None,
        navigation: None,
    };
    store
        .rum()
        .insert(&[row(40), row(31), row(1)])
        .await
        .expect("insert");
    store.close().await;
    let server = Running::start_with("", data, |config: &mut Config| {
        config.rum.retention_days = 30;
    })
    .await;
    let store = Store::connect(&url).await.expect("reopen");
    wait_for_events(&store, 1).await;
    store.close().await;
    server.shutdown().await;
}
