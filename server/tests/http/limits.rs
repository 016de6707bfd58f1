//! Overload: 503 + Retry-After past the concurrency limit and the timeout, 413 past the body
//! limit, always as JSON.

use std::time::{Duration, Instant};

use server::http::{Hsts, Limits, SecurityHeaders};

use super::{Gate, TestServer, assert_json_error, fake_dist, router, serve};

async fn serve_with(limits: Limits, gate: Gate) -> (TestServer, tempfile::TempDir) {
    let dist = fake_dist();
    let security = SecurityHeaders::from_dist_dir(dist.path(), Hsts::Never).expect("index");
    let server = serve(router(dist.path(), limits, security, gate).await).await;
    (server, dist)
}

#[tokio::test]
async fn one_request_past_the_concurrency_limit_gets_503_with_retry_after() {
    const LIMIT: usize = 3;
    let gate = Gate::default();
    let limits =
        Limits::new(LIMIT, Duration::from_secs(30), 1024).with_retry_after(Duration::from_secs(2));
    let (server, _dist) = serve_with(limits.clone(), gate.clone()).await;

    // Hold LIMIT requests inside the handler.
    let mut held = Vec::new();
    for _ in 0..LIMIT {
        let url = server.url("/test/slow");
        held.push(tokio::spawn(async move { reqwest::get(url).await }));
    }
    let _inside = tokio::time::timeout(
        Duration::from_secs(10),
        gate.entered.acquire_many(LIMIT as u32),
    )
    .await
    .expect("the held requests reach the handler")
    .expect("semaphore open");
    assert_eq!(limits.in_flight(), LIMIT);

    // One more, on another route: refused at once, not queued.
    let started = Instant::now();
    let response = reqwest::get(server.url("/healthz")).await.expect("answer");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(response.headers()["retry-after"], "2");
    let body = assert_json_error(response, 503, "overloaded").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("capacity"))
    );

    // Released, the held ones finish normally and the slots are free again.
    gate.release.notify_waiters();
    for request in held {
        let response = request.await.expect("task").expect("answer");
        assert_eq!(response.status(), 200);
    }
    assert_eq!(limits.in_flight(), 0);
    let response = reqwest::get(server.url("/healthz")).await.expect("answer");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_request_past_the_timeout_gets_503_json_and_frees_its_slot() {
    let limits = Limits::new(1, Duration::from_millis(300), 1024);
    let (server, _dist) = serve_with(limits.clone(), Gate::default()).await;
    let started = Instant::now();
    let response = reqwest::get(server.url("/test/hang"))
        .await
        .expect("answer");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(response.headers()["retry-after"], "1");
    let body = assert_json_error(response, 503, "timeout").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("300 ms"))
    );
    // The only slot was released when the handler was dropped.
    assert_eq!(limits.in_flight(), 0);
    let response = reqwest::get(server.url("/healthz")).await.expect("answer");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_json() {
    let limits = Limits::new(8, Duration::from_secs(30), 1000);
    let (server, _dist) = serve_with(limits, Gate::default()).await;
    let client = reqwest::Client::new();

    // Declared by Content-Length: refused before routing, whatever the route.
    for path in ["/test/echo", "/healthz", "/api/anything"] {
        let response = client
            .post(server.url(path))
            .body(vec![b'x'; 1001])
            .send()
            .await
            .expect("answer");
        let body = assert_json_error(response, 413, "payload_too_large").await;
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("1000 bytes")),
            "{path}"
        );
    }

    // At the limit: accepted.
    let response = client
        .post(server.url("/test/echo"))
        .body(vec![b'x'; 1000])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "1000");

    // Chunked, no Content-Length: cut off while read, the same JSON answer.
    let chunk = "x".repeat(600);
    let request = format!(
        "POST /test/echo HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
         Transfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n"
    );
    let response = server.raw(request.as_bytes()).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    assert_eq!(body["error"], "payload_too_large");
}

#[tokio::test]
async fn the_body_limit_replaces_the_extractors_2_mb_default() {
    let limits = Limits::new(8, Duration::from_secs(30), 4 << 20);
    let (server, _dist) = serve_with(limits, Gate::default()).await;
    let response = reqwest::Client::new()
        .post(server.url("/test/echo"))
        .body(vec![b'x'; 3 << 20])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), (3 << 20).to_string());
}
