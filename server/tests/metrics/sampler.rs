//! The sampler writes the figures of `/metrics` to the store; alert rules read them back.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use server::storage::{Store, canonical_labels};
use server::tasks::sampler;
use server::telemetry::metrics::{
    HOST_MEMORY_USAGE_RATIO, HTTP_REQUEST_DURATION_SECONDS_COUNT,
    HTTP_REQUEST_DURATION_SECONDS_SUM, HTTP_REQUEST_ERRORS_TOTAL, HTTP_REQUESTS_TOTAL,
    HTTP_SATURATION_RATIO, LABEL_INSTANCE, Metrics, PROCESS_RESIDENT_MEMORY_BYTES,
};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::test_app;

async fn sqlite_store(dir: &std::path::Path) -> Store {
    let url = format!("sqlite://{}", dir.join("samples.db").display());
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

async fn send(app: &axum::Router, path: &str, n: usize) {
    for _ in 0..n {
        let request = Request::get(path).body(Body::empty()).unwrap();
        app.clone().oneshot(request).await.expect("infallible");
    }
}

#[tokio::test]
async fn a_step_stores_what_an_alert_rule_needs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = sqlite_store(dir.path()).await;
    let metrics = Arc::new(Metrics::new(10).with_data_dir(dir.path()));
    let app = test_app(metrics.clone(), None, Arc::new(Semaphore::new(0)));

    send(&app, "/items/1", 4).await;
    send(&app, "/boom", 1).await;
    let t0 = 1_700_000_000_000;
    let written = sampler::step(&metrics, &store, t0).await.expect("step");
    send(&app, "/items/2", 6).await;
    send(&app, "/boom", 1).await;
    let t1 = t0 + 60_000;
    let again = sampler::step(&metrics, &store, t1).await.expect("step");
    assert!(written >= 7 && again == written, "{written} then {again}");

    let samples = store.metric_samples();
    let items_ok = canonical_labels([
        ("route", "/items/{id}"),
        ("method", "GET"),
        ("status_class", "2xx"),
    ]);
    let series = |name: &'static str, labels: String| {
        let samples = samples.clone();
        async move {
            let rows = samples
                .series(name, Some(&labels), t0, t1)
                .await
                .expect("read");
            assert_eq!(rows.len(), 2, "{name}{{{labels}}}: {rows:?}");
            (rows[0].value, rows[1].value)
        }
    };
    assert_eq!(
        series(HTTP_REQUESTS_TOTAL, items_ok.clone()).await,
        (4.0, 10.0)
    );
    // Mean latency over the minute: Δsum / Δcount.
    let (c0, c1) = series(HTTP_REQUEST_DURATION_SECONDS_COUNT, items_ok.clone()).await;
    let (s0, s1) = series(HTTP_REQUEST_DURATION_SECONDS_SUM, items_ok.clone()).await;
    assert_eq!((c0, c1), (4.0, 10.0));
    let mean = (s1 - s0) / (c1 - c0);
    assert!(mean > 0.0 && mean < 0.5, "mean latency {mean}");
    // 5xx share: Δerrors / Δrequests over every route.
    let boom = canonical_labels([("route", "/boom"), ("method", "GET")]);
    assert_eq!(series(HTTP_REQUEST_ERRORS_TOTAL, boom).await, (1.0, 2.0));

    for name in [
        HTTP_SATURATION_RATIO,
        HOST_MEMORY_USAGE_RATIO,
        PROCESS_RESIDENT_MEMORY_BYTES,
    ] {
        let latest = samples.latest(name, t1).await.expect("read");
        assert_eq!(latest.len(), 1, "{name}");
        assert_eq!(latest[0].labels, "");
        assert_eq!(latest[0].ts_ms, t1);
    }
}

#[tokio::test]
async fn an_instance_label_keeps_replicas_apart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = sqlite_store(dir.path()).await;
    let a = Metrics::new(10).with_instance("a:8080");
    let b = Metrics::new(10).with_instance("b:8080");
    a.observe_request(
        "/x",
        &axum::http::Method::GET,
        axum::http::StatusCode::OK,
        Duration::ZERO,
    );
    sampler::step(&a, &store, 1_000).await.expect("a");
    sampler::step(&b, &store, 1_000).await.expect("b");
    let rows = store
        .metric_samples()
        .latest(HTTP_SATURATION_RATIO, 1_000)
        .await
        .expect("read");
    let labels: Vec<&str> = rows.iter().map(|r| r.labels.as_str()).collect();
    assert_eq!(labels, [r#"instance="a:8080""#, r#"instance="b:8080""#]);
    let requests = store
        .metric_samples()
        .latest(HTTP_REQUESTS_TOTAL, 1_000)
        .await
        .expect("read");
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0]
            .labels
            .contains(&format!("{LABEL_INSTANCE}=\"a:8080\""))
    );
}

#[tokio::test]
async fn run_samples_every_interval_until_shutdown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = sqlite_store(dir.path()).await;
    let metrics = Arc::new(Metrics::new(10));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(sampler::run(
        metrics.clone(),
        store.clone(),
        Duration::from_millis(50),
        async move {
            let _ = stopped.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.send(()).expect("running");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops on shutdown")
        .expect("no panic");
    let rows = store
        .metric_samples()
        .series(HTTP_SATURATION_RATIO, Some(""), 0, i64::MAX)
        .await
        .expect("read");
    assert!(rows.len() >= 3, "{} samples in 400 ms at 50 ms", rows.len());
    assert!(rows.windows(2).all(|w| w[0].ts_ms < w[1].ts_ms));
}
