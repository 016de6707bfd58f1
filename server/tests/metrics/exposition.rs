//! `/metrics` parses, passes promtool, and moves by exactly the traffic sent.

use std::sync::Arc;
use std::time::Duration;

use server::telemetry::metrics::{
    DATA_DIR_DISK_USAGE_RATIO, HOST_CPU_USAGE_RATIO, HOST_MEMORY_USAGE_RATIO,
    HTTP_REQUEST_DURATION_SECONDS_COUNT, HTTP_REQUEST_ERRORS_TOTAL, HTTP_REQUESTS_IN_FLIGHT,
    HTTP_REQUESTS_TOTAL, HTTP_SATURATION_RATIO, Metrics, PROCESS_CPU_SECONDS_TOTAL,
    PROCESS_OPEN_FDS, PROCESS_RESIDENT_MEMORY_BYTES, PROCESS_START_TIME_SECONDS,
};
use tokio::sync::Semaphore;

use crate::{Line, fake_dist, parse, promtool_check, scrape, spawn, test_app, value};

const LIMIT: usize = 8;

#[tokio::test]
async fn counters_and_histograms_move_by_exactly_the_traffic_sent() {
    let data = tempfile::tempdir().expect("data dir");
    let dist = fake_dist();
    let metrics = Arc::new(Metrics::new(LIMIT).with_data_dir(data.path()));
    // Host CPU use is a difference between two readings at least 200 ms apart.
    tokio::time::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL + Duration::from_millis(50)).await;
    let base = spawn(test_app(
        metrics.clone(),
        Some(dist.path()),
        Arc::new(Semaphore::new(0)),
    ))
    .await;
    let client = reqwest::Client::new();

    let before_text = scrape(&client, &base).await;
    promtool_check(&before_text);
    let before = parse(&before_text);

    for id in 1..=5 {
        let r = client
            .get(format!("{base}/items/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    for _ in 0..3 {
        let r = client.get(format!("{base}/boom")).send().await.unwrap();
        assert_eq!(r.status(), 500);
    }
    for _ in 0..2 {
        let r = client
            .post(format!("{base}/items/42"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405);
    }
    for path in ["/index.html", "/app.js", "/nowhere.css"] {
        client.get(format!("{base}{path}")).send().await.unwrap();
    }

    let text = scrape(&client, &base).await;
    promtool_check(&text);
    let after = parse(&text);

    let delta = |name: &str, labels: &[(&str, &str)]| {
        let now =
            value(&after, name, labels).unwrap_or_else(|| panic!("{name} {labels:?}\n{text}"));
        now - value(&before, name, labels).unwrap_or(0.0)
    };
    let series = |route, method, class| {
        [
            ("route", route),
            ("method", method),
            ("status_class", class),
        ]
    };

    let items_ok = series("/items/{id}", "GET", "2xx");
    assert_eq!(delta(HTTP_REQUESTS_TOTAL, &items_ok), 5.0);
    assert_eq!(delta(HTTP_REQUEST_DURATION_SECONDS_COUNT, &items_ok), 5.0);
    let mut inf = items_ok.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(delta("http_request_duration_seconds_bucket", &inf), 5.0);

    let boom = series("/boom", "GET", "5xx");
    assert_eq!(delta(HTTP_REQUESTS_TOTAL, &boom), 3.0);
    assert_eq!(delta(HTTP_REQUEST_DURATION_SECONDS_COUNT, &boom), 3.0);
    assert_eq!(
        delta(
            HTTP_REQUEST_ERRORS_TOTAL,
            &[("route", "/boom"), ("method", "GET")]
        ),
        3.0
    );
    // Routes that did not fail show an explicit 0, so a rate sees their first error.
    let items_errors = [("route", "/items/{id}"), ("method", "GET")];
    assert_eq!(
        value(&after, HTTP_REQUEST_ERRORS_TOTAL, &items_errors),
        Some(0.0)
    );

    let wrong_method = series("/items/{id}", "POST", "4xx");
    assert_eq!(delta(HTTP_REQUESTS_TOTAL, &wrong_method), 2.0);
    assert_eq!(
        delta(HTTP_REQUESTS_TOTAL, &series("static", "GET", "2xx")),
        2.0
    );
    assert_eq!(
        delta(HTTP_REQUESTS_TOTAL, &series("static", "GET", "4xx")),
        1.0
    );
    // The first scrape is counted once it has answered.
    assert_eq!(
        delta(HTTP_REQUESTS_TOTAL, &series("/metrics", "GET", "2xx")),
        1.0
    );

    // The sum of the 2xx item requests is one histogram over le bounds that include 0.2 and 0.5.
    for le in ["0.2", "0.5"] {
        let mut bucket = items_ok.to_vec();
        bucket.push(("le", le));
        assert!(
            value(&after, "http_request_duration_seconds_bucket", &bucket).is_some(),
            "le={le}"
        );
    }

    // Route labels are templates or fixed names, never raw paths.
    let routes: std::collections::BTreeSet<&str> = after
        .iter()
        .filter_map(|l| l.labels.get("route").map(String::as_str))
        .collect();
    assert_eq!(
        routes.into_iter().collect::<Vec<_>>(),
        ["/boom", "/items/{id}", "/metrics", "static"],
        "{text}"
    );

    // The scrape itself is the one request in flight while the exposition is written.
    assert_eq!(value(&after, HTTP_REQUESTS_IN_FLIGHT, &[]), Some(1.0));
    assert_eq!(
        value(&after, HTTP_SATURATION_RATIO, &[]),
        Some(1.0 / LIMIT as f64)
    );
    assert_eq!(metrics.in_flight(), 0, "back to 0 once answered");

    check_process_and_host(&after, &text);
}

fn check_process_and_host(lines: &[Line], text: &str) {
    // prometheus-client ends registered help texts with a period of its own.
    let doubled: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("# HELP") && l.ends_with(".."))
        .collect();
    assert!(doubled.is_empty(), "help texts ending in '..': {doubled:?}");
    let get = |name| value(lines, name, &[]).unwrap_or_else(|| panic!("{name} missing\n{text}"));
    for ratio in [
        HOST_CPU_USAGE_RATIO,
        HOST_MEMORY_USAGE_RATIO,
        DATA_DIR_DISK_USAGE_RATIO,
    ] {
        let v = get(ratio);
        assert!((0.0..=1.0).contains(&v), "{ratio} = {v}");
    }
    assert!(get(HOST_MEMORY_USAGE_RATIO) > 0.0);
    assert!(get(DATA_DIR_DISK_USAGE_RATIO) > 0.0);
    assert!(get(PROCESS_CPU_SECONDS_TOTAL) >= 0.0);
    let rss = get(PROCESS_RESIDENT_MEMORY_BYTES);
    assert!(rss > 1e6 && rss < 1e11, "rss {rss}");
    let fds = get(PROCESS_OPEN_FDS);
    assert!((3.0..100_000.0).contains(&fds), "fds {fds}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let start = get(PROCESS_START_TIME_SECONDS);
    assert!(
        start > now - 24.0 * 3600.0 && start <= now + 1.0,
        "start {start}, now {now}"
    );
}

#[tokio::test]
async fn unmatched_requests_are_labelled_other_without_their_path() {
    let metrics = Arc::new(Metrics::new(LIMIT));
    let base = spawn(test_app(metrics.clone(), None, Arc::new(Semaphore::new(0)))).await;
    let client = reqwest::Client::new();
    for path in ["/nope/123", "/wp-login.php", "/items"] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }
    let text = scrape(&client, &base).await;
    promtool_check(&text);
    let lines = parse(&text);
    let other = [
        ("route", "other"),
        ("method", "GET"),
        ("status_class", "4xx"),
    ];
    assert_eq!(value(&lines, HTTP_REQUESTS_TOTAL, &other), Some(3.0));
    for raw in ["nope", "wp-login", "\"/items\""] {
        assert!(!text.contains(raw), "{raw} leaked into labels:\n{text}");
    }
    // No data dir given: no disk figure, rather than a made-up one.
    assert_eq!(value(&lines, DATA_DIR_DISK_USAGE_RATIO, &[]), None);
}
