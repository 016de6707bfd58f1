//! In-flight requests and saturation (in flight / concurrency limit).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use server::telemetry::metrics::{
    HTTP_REQUESTS_IN_FLIGHT, HTTP_REQUESTS_TOTAL, HTTP_SATURATION_RATIO, Metrics,
};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::{parse, promtool_check, scrape, spawn, test_app, value};

/// Waits until `metrics` counts `n` requests in flight.
async fn until_in_flight(metrics: &Metrics, n: i64) {
    let waited = tokio::time::timeout(Duration::from_secs(10), async {
        while metrics.in_flight() != n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "in flight stayed {} (wanted {n})",
        metrics.in_flight()
    );
}

#[tokio::test]
async fn in_flight_and_saturation_follow_requests_being_handled() {
    let metrics = Arc::new(Metrics::new(4));
    let gate = Arc::new(Semaphore::new(0));
    let base = spawn(test_app(metrics.clone(), None, gate.clone())).await;
    let client = reqwest::Client::new();

    let slow: Vec<_> = (0..2)
        .map(|_| tokio::spawn(client.get(format!("{base}/slow")).send()))
        .collect();
    until_in_flight(&metrics, 2).await;
    assert_eq!(metrics.saturation_ratio(), 0.5);

    // Two slow requests and the scrape: 3 of 4.
    let text = scrape(&client, &base).await;
    promtool_check(&text);
    let lines = parse(&text);
    assert_eq!(value(&lines, HTTP_REQUESTS_IN_FLIGHT, &[]), Some(3.0));
    assert_eq!(value(&lines, HTTP_SATURATION_RATIO, &[]), Some(0.75));

    gate.add_permits(2);
    for request in slow {
        let response = request.await.expect("joined").expect("answered");
        assert_eq!(response.status(), 200);
    }
    assert_eq!(metrics.in_flight(), 0);
    assert_eq!(metrics.saturation_ratio(), 0.0);
    let lines = parse(&scrape(&client, &base).await);
    assert_eq!(
        value(&lines, HTTP_REQUESTS_IN_FLIGHT, &[]),
        Some(1.0),
        "the scrape only"
    );
    let slow_ok = [
        ("route", "/slow"),
        ("method", "GET"),
        ("status_class", "2xx"),
    ];
    assert_eq!(value(&lines, HTTP_REQUESTS_TOTAL, &slow_ok), Some(2.0));
}

#[tokio::test]
async fn an_abandoned_request_leaves_nothing_in_flight() {
    let metrics = Arc::new(Metrics::new(4));
    let app = test_app(metrics.clone(), None, Arc::new(Semaphore::new(0)));
    let request = Request::get("/slow").body(Body::empty()).unwrap();
    // The client goes away: the request's future is dropped before it answers.
    let outcome = tokio::time::timeout(Duration::from_millis(100), app.oneshot(request)).await;
    assert!(outcome.is_err(), "the slow route never answers");
    assert_eq!(metrics.in_flight(), 0);
    // Not answered, so not counted as a request (it has no status).
    let text = metrics.encode();
    assert!(!text.contains("/slow"), "{text}");
}
