//! Each kind against real targets: success and the failure reasons users read.

use std::time::{Duration, Instant};

use serde_json::json;

use super::targets::{SECRET_HEADER, closed_port, spawn_http_target, spawn_tls_target};
use super::{http, run, spec};

fn failure(outcome: &server::probes::Outcome) -> &str {
    outcome.failure.as_deref().unwrap_or("")
}

#[tokio::test]
async fn http_success_records_response_and_transfer_steps() {
    let target = spawn_http_target().await;
    let outcome = run(&http(
        &target.url("/ok"),
        json!({"status": [200], "body_contains": "probe target", "body_regex": "^hello\\s+from"}),
    ))
    .await;
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.failure, None);
    let steps: Vec<&str> = outcome.steps.iter().map(|(s, _)| s.as_ref()).collect();
    assert_eq!(steps, ["response", "transfer"]);
    let sum: Duration = outcome.steps.iter().map(|(_, d)| *d).sum();
    assert!(sum <= outcome.duration, "steps within the run");
}

#[tokio::test]
async fn http_failures_say_why() {
    let target = spawn_http_target().await;
    let outcome = run(&http(&target.url("/fail"), json!({}))).await;
    assert!(!outcome.success);
    assert_eq!(failure(&outcome), "status 500, expected 2xx");

    let outcome = run(&http(&target.url("/fail"), json!({"status": ["5xx"]}))).await;
    assert!(
        outcome.success,
        "a 500 may be what is expected: {outcome:?}"
    );

    let outcome = run(&http(&target.url("/ok"), json!({"body_contains": "nope"}))).await;
    assert_eq!(failure(&outcome), "the body does not contain \"nope\"");

    let outcome = run(&http(&target.url("/ok"), json!({"body_regex": "^bye"}))).await;
    assert_eq!(failure(&outcome), "the body does not match /^bye/");

    let outcome = run(&http(&target.url("/slow"), json!({"max_latency_ms": 100}))).await;
    assert!(!outcome.success);
    assert!(
        failure(&outcome).contains("more than the ceiling of 100 ms"),
        "{outcome:?}"
    );
    let outcome = run(&http(&target.url("/slow"), json!({"max_latency_ms": 1500}))).await;
    assert!(outcome.success, "{outcome:?}");

    let port = closed_port().await;
    let outcome = run(&http(&format!("http://127.0.0.1:{port}/"), json!({}))).await;
    assert!(!outcome.success);
    assert!(
        failure(&outcome).starts_with("connection failed"),
        "{outcome:?}"
    );
    assert!(outcome.steps.is_empty());
}

#[tokio::test]
async fn a_hanging_target_times_out_within_the_timeout() {
    let target = spawn_http_target().await;
    let mut spec = http(&target.url("/hang"), json!({}));
    spec.timeout_ms = 300;
    let started = Instant::now();
    let outcome = run(&spec).await;
    let took = started.elapsed();
    assert!(!outcome.success);
    assert_eq!(failure(&outcome), "timed out after 300 ms");
    assert_eq!(outcome.duration, Duration::from_millis(300));
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(800),
        "reported at its timeout, not later: {took:?}"
    );
}

#[tokio::test]
async fn redirects_are_followed_or_not() {
    let target = spawn_http_target().await;
    let followed = run(&http(
        &target.url("/redirect"),
        json!({"body_contains": "hello"}),
    ))
    .await;
    assert!(followed.success, "{followed:?}");

    let mut not_followed = http(&target.url("/redirect"), json!({}));
    not_followed.http.as_mut().expect("http").follow_redirects = false;
    let outcome = run(&not_followed).await;
    assert_eq!(failure(&outcome), "status 302, expected 2xx");
    not_followed.assertions.status = vec![server::probes::spec::StatusPattern::Text(
        "301-308".to_string(),
    )];
    let outcome = run(&not_followed).await;
    assert!(
        outcome.success,
        "the redirect itself is the answer: {outcome:?}"
    );
}

#[tokio::test]
async fn json_pointers_compare_values() {
    let target = spawn_http_target().await;
    let ok = run(&http(
        &target.url("/json"),
        json!({"json": [
            {"pointer": "/status", "equals": "ok"},
            {"pointer": "/items/0/id", "equals": 7},
            {"pointer": "/build", "equals": {"version": "1.2.3"}},
        ]}),
    ))
    .await;
    assert!(ok.success, "{ok:?}");
    let wrong = run(&http(
        &target.url("/json"),
        json!({"json": [{"pointer": "/items/0/id", "equals": 8}]}),
    ))
    .await;
    assert_eq!(failure(&wrong), "the JSON at /items/0/id is 7, expected 8");
    let missing = run(&http(
        &target.url("/json"),
        json!({"json": [{"pointer": "/nope", "equals": 1}]}),
    ))
    .await;
    assert_eq!(failure(&missing), "the JSON has nothing at /nope");
    let not_json = run(&http(
        &target.url("/ok"),
        json!({"json": [{"pointer": "/status", "equals": "ok"}]}),
    ))
    .await;
    assert!(
        failure(&not_json).starts_with("the body is not JSON"),
        "{not_json:?}"
    );
}

#[tokio::test]
async fn headers_and_body_are_sent() {
    let target = spawn_http_target().await;
    let probe = spec(json!({
        "name": "auth",
        "kind": "http",
        "http": {
            "url": target.url("/auth"),
            "method": "POST",
            "headers": {"Authorization": SECRET_HEADER},
            "body": "{\"hello\": 1}",
        },
    }));
    assert!(run(&probe).await.success);
    let mut without = probe.clone();
    without.http.as_mut().expect("http").headers.clear();
    assert_eq!(failure(&run(&without).await), "status 401, expected 2xx");
}

#[tokio::test]
async fn tls_certificate_days_left_are_checked() {
    let base = spawn_tls_target(10).await;
    let probe = |min_days: u64, insecure: bool| {
        spec(json!({
            "name": "tls",
            "kind": "http",
            "timeout_ms": 5000,
            "http": {"url": format!("{base}/"), "insecure_skip_verify": insecure},
            "assertions": {"min_cert_days": min_days, "body_contains": "secure"},
        }))
    };
    let outcome = run(&probe(5, true)).await;
    assert!(outcome.success, "{outcome:?}");
    let outcome = run(&probe(30, true)).await;
    let reason = failure(&outcome);
    assert!(
        // 10 days minus the test's own run time: 9.99… days, shown with one decimal.
        (reason.starts_with("the TLS certificate expires in 9.")
            || reason.starts_with("the TLS certificate expires in 10.0 days"))
            && reason.ends_with("fewer than 30"),
        "{reason}"
    );
    // Verified (the default), a self-signed certificate is refused.
    let outcome = run(&probe(5, false)).await;
    assert!(!outcome.success);
    assert!(failure(&outcome).contains("certificate"), "{outcome:?}");
}

#[tokio::test]
async fn tcp_connects_or_says_why() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let open = listener.local_addr().expect("address").port();
    let tcp = |port: u16| {
        spec(json!({"name": "db", "kind": "tcp", "timeout_ms": 2000,
                    "tcp": {"address": format!("127.0.0.1:{port}")}}))
    };
    let outcome = run(&tcp(open)).await;
    assert!(outcome.success, "{outcome:?}");
    let steps: Vec<&str> = outcome.steps.iter().map(|(s, _)| s.as_ref()).collect();
    assert_eq!(steps, ["resolve", "connect"]);

    let closed = closed_port().await;
    let outcome = run(&tcp(closed)).await;
    assert!(!outcome.success);
    assert!(
        failure(&outcome).starts_with(&format!("connection failed: 127.0.0.1:{closed}")),
        "{outcome:?}"
    );
}

/// Only `localhost` (from /etc/hosts): no test sends a query to a name server.
#[tokio::test]
async fn dns_resolves_localhost() {
    let dns = |expect: Option<&str>| {
        spec(json!({"name": "dns", "kind": "dns", "timeout_ms": 3000,
                    "dns": {"name": "localhost", "expect_address": expect}}))
    };
    let outcome = run(&dns(None)).await;
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.steps[0].0, "resolve");
    let outcome = run(&dns(Some("127.0.0.1"))).await;
    assert!(outcome.success, "{outcome:?}");
    let outcome = run(&dns(Some("192.0.2.1"))).await;
    assert!(!outcome.success);
    assert!(
        failure(&outcome).contains("not to 192.0.2.1"),
        "{outcome:?}"
    );
}
