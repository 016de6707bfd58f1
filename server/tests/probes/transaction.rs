//! `transaction` probes against a real local target: the cookie jar carried from step to step, a
//! value extracted (regex, JSON pointer) and used in a later URL and header, a relative URL, a
//! failing middle step named in the reason with the later steps not run, per-step durations.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::json;

use super::{run, spec};

/// The journey's target: `/page` sets a session cookie and links its wasm; the wasm and
/// `/token` need the cookie; `/api/me` needs the cookie and the token from `/token`; `/fail`
/// answers 500; `/after` counts its hits.
async fn spawn_journey() -> (String, Arc<AtomicUsize>) {
    fn has_session(headers: &HeaderMap) -> bool {
        headers
            .get(header::COOKIE)
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.split(';').any(|p| p.trim() == "session=s-1"))
    }
    let after = Arc::new(AtomicUsize::new(0));
    let counted = after.clone();
    let router = Router::new()
        .route(
            "/page",
            get(|| async {
                (
                    [(header::SET_COOKIE, "session=s-1; Path=/; HttpOnly")],
                    r#"<html><link rel="preload" href="/pkg/app_bg.wasm" as="fetch"></html>"#,
                )
            }),
        )
        .route(
            "/pkg/app_bg.wasm",
            get(|headers: HeaderMap| async move {
                if has_session(&headers) {
                    (StatusCode::OK, "\0asm").into_response()
                } else {
                    StatusCode::UNAUTHORIZED.into_response()
                }
            }),
        )
        .route(
            "/token",
            post(|headers: HeaderMap| async move {
                if has_session(&headers) {
                    axum::Json(json!({"token": "t-42"})).into_response()
                } else {
                    StatusCode::UNAUTHORIZED.into_response()
                }
            }),
        )
        .route(
            "/api/me",
            get(|headers: HeaderMap| async move {
                let token = headers.get("x-token").and_then(|t| t.to_str().ok());
                if has_session(&headers) && token == Some("t-42") {
                    axum::Json(json!({"user": "probe"})).into_response()
                } else {
                    StatusCode::FORBIDDEN.into_response()
                }
            }),
        )
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/after",
            get(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async { "after" }
            }),
        );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, after)
}

fn journey(base: &str) -> serde_json::Value {
    json!({
        "name": "journey",
        "kind": "transaction",
        "timeout_ms": 5000,
        "transaction": {"steps": [
            {"name": "page", "url": format!("{base}/page"),
             "assertions": {"body_contains": "<html>"},
             "extract": [{"name": "wasm", "regex": "href=\"([^\"]+\\.wasm)\""}]},
            {"name": "wasm", "url": "{{wasm}}"},
            {"name": "token", "method": "POST", "url": format!("{base}/token"),
             "body": "{}", "headers": {"Content-Type": "application/json"},
             "extract": [{"name": "token", "pointer": "/token"}]},
            {"name": "me", "url": format!("{base}/api/me"), "headers": {"X-Token": "{{token}}"},
             "assertions": {"status": [200], "json": [{"pointer": "/user", "equals": "probe"}]}}
        ]}
    })
}

#[tokio::test]
async fn a_journey_carries_cookies_and_extracted_values() {
    let (base, _) = spawn_journey().await;
    let outcome = run(&spec(journey(&base))).await;
    assert!(outcome.success, "{outcome:?}");
    let steps: Vec<&str> = outcome.steps.iter().map(|(s, _)| s.as_ref()).collect();
    assert_eq!(steps, ["page", "wasm", "token", "me"]);
    let sum: std::time::Duration = outcome.steps.iter().map(|(_, d)| *d).sum();
    assert!(sum <= outcome.duration);
}

#[tokio::test]
async fn a_failing_middle_step_is_named_and_ends_the_run() {
    let (base, after) = spawn_journey().await;
    let outcome = run(&spec(json!({
        "name": "journey",
        "kind": "transaction",
        "timeout_ms": 5000,
        "transaction": {"steps": [
            {"name": "page", "url": format!("{base}/page")},
            {"name": "checkout", "url": "/fail"},
            {"name": "after", "url": format!("{base}/after")}
        ]}
    })))
    .await;
    assert!(!outcome.success);
    assert_eq!(
        outcome.failure.as_deref(),
        Some("step \"checkout\": status 500, expected 2xx")
    );
    let steps: Vec<&str> = outcome.steps.iter().map(|(s, _)| s.as_ref()).collect();
    assert_eq!(steps, ["page"], "only the completed steps have a duration");
    assert_eq!(after.load(Ordering::SeqCst), 0, "no step after the failure");

    // Without the cookie of the first step, the wasm is refused: the jar is per run.
    let outcome = run(&spec(json!({
        "name": "journey",
        "kind": "transaction",
        "transaction": {"steps": [{"name": "wasm", "url": format!("{base}/pkg/app_bg.wasm")}]}
    })))
    .await;
    assert_eq!(
        outcome.failure.as_deref(),
        Some("step \"wasm\": status 401, expected 2xx")
    );

    // An extraction that finds nothing fails its step.
    let outcome = run(&spec(json!({
        "name": "journey",
        "kind": "transaction",
        "transaction": {"steps": [
            {"name": "page", "url": format!("{base}/page"),
             "extract": [{"name": "csrf", "regex": "csrf=(\\w+)"}]},
            {"name": "next", "url": "/after?c={{csrf}}"}
        ]}
    })))
    .await;
    assert_eq!(
        outcome.failure.as_deref(),
        Some("step \"page\": nothing to extract into `csrf`")
    );
}

#[test]
fn definitions_are_checked_and_secrets_redacted() {
    let invalid = |value: serde_json::Value| {
        serde_json::from_value::<server::probes::ProbeSpec>(value)
            .expect("parses")
            .validate()
            .expect_err("invalid")
    };
    let base = json!({"name": "t", "kind": "transaction"});
    let with = |steps: serde_json::Value| {
        let mut v = base.clone();
        v["transaction"] = json!({ "steps": steps });
        v
    };
    assert!(invalid(with(json!([]))).contains("1 to 32 steps"));
    assert!(
        invalid(with(
            json!([{"name": "a", "url": "http://x/"}, {"name": "b", "url": "/{{nope}}"}])
        ))
        .contains("step `b`: `{{nope}}` is not extracted by an earlier step")
    );
    assert!(invalid(with(json!([{"name": "a", "url": "/relative"}]))).contains("step `a`"));
    assert!(
        invalid(with(
            json!([{"name": "a", "url": "http://x/"}, {"name": "a", "url": "http://x/"}])
        ))
        .contains("two steps are named `a`")
    );
    assert!(invalid(with(json!([{"name": "total", "url": "http://x/"}]))).contains("`total`"));
    assert!(
        invalid(with(json!([{"name": "a", "url": "http://x/",
                              "extract": [{"name": "v", "pointer": "/a", "regex": "a"}]}])))
        .contains("exactly one of")
    );
    assert!(invalid(base.clone()).contains("needs a `transaction` table"));

    let probe = spec(with(
        json!([{"name": "login", "url": "https://u:pw@x.example/login",
        "method": "POST", "headers": {"Authorization": "Bearer s3cret"}, "body": "password=hunter2"}]),
    ));
    let shown = serde_json::to_string(&probe.redacted()).expect("json");
    assert!(
        !shown.contains("s3cret") && !shown.contains("hunter2") && !shown.contains(":pw@"),
        "{shown}"
    );
    let mut back = probe.redacted();
    back.interval_seconds = 30;
    back.restore_secrets(&probe);
    assert_eq!(back.transaction, probe.transaction);
}

/// The journey of docs/probes.md against the real app: the page, its wasm (URL taken from the
/// page), a RUM beacon, the RUM configuration.
#[tokio::test]
async fn the_documented_journey_passes_against_the_app() {
    let dist = tempfile::tempdir().expect("dist");
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><html><head><title>CSV Analyzer</title>\
         <script type=\"module\">import init from '/app-0123456789abcdef.js';\
         const wasm = await init({ module_or_path: '/app-0123456789abcdef_bg.wasm' });</script>\
         </head><body></body></html>",
    )
    .expect("index");
    std::fs::write(
        dist.path().join("app-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .expect("wasm");
    let state = server::AppState::in_memory(dist.path())
        .await
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = server::app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let probe = spec(json!({
        "name": "journey",
        "kind": "transaction",
        "interval_seconds": 300,
        "timeout_ms": 10000,
        "transaction": {"steps": [
            {"name": "page", "url": format!("{base}/"),
             "assertions": {"body_contains": "CSV Analyzer"},
             "extract": [{"name": "wasm", "regex": "module_or_path: '([^']+_bg\\.wasm)'"}]},
            {"name": "wasm", "url": "{{wasm}}"},
            {"name": "beacon", "method": "POST", "url": "/api/rum",
             "headers": {"Content-Type": "text/plain;charset=UTF-8"},
             "body": "{\"session\":\"synthetic-probe\",\"app_version\":\"probe\",\"context\":{\"route\":\"/\",\"device\":\"desktop\",\"viewport\":\"1280+\",\"browser\":\"other\",\"connection\":\"unknown\"},\"events\":[{\"type\":\"vital\",\"name\":\"LCP\",\"value\":1.0,\"at_ms\":1.0}]}",
             "assertions": {"status": [202]}},
            {"name": "rum-config", "url": "/api/rum/config",
             "assertions": {"json": [{"pointer": "/enabled", "equals": true}]}}
        ]}
    }));
    let outcome = run(&probe).await;
    assert!(outcome.success, "{outcome:?}");
    let steps: Vec<&str> = outcome.steps.iter().map(|(s, _)| s.as_ref()).collect();
    assert_eq!(steps, ["page", "wasm", "beacon", "rum-config"]);

    // Run by the server's scheduler: per-step durations stored and on /metrics.
    state.probes().create(probe).await.expect("defined");
    let client = reqwest::Client::new();
    let mut found = None;
    for _ in 0..50 {
        let results: serde_json::Value = client
            .get(format!("{base}/api/probes/journey/results"))
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        if let Some(first) = results["results"].get(0) {
            found = Some(first.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let result = found.expect("a stored result");
    assert_eq!(result["success"], true, "{result}");
    let timed: Vec<&str> = result["timings"]
        .as_array()
        .expect("timings")
        .iter()
        .filter_map(|t| t["step"].as_str())
        .collect();
    assert_eq!(timed, ["page", "wasm", "beacon", "rum-config"]);
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("text");
    for step in ["total", "page", "wasm", "beacon", "rum-config"] {
        assert!(
            metrics
                .lines()
                .any(|l| l.starts_with("probe_duration_seconds{")
                    && l.contains("probe=\"journey\"")
                    && l.contains(&format!("step=\"{step}\""))),
            "step {step} on /metrics:\n{metrics}"
        );
    }
    drop(dist);
}

/// The run's certificate expiry is the earliest of its https steps', a failing step's included;
/// a journey over plain http has none.
#[tokio::test]
async fn the_earliest_certificate_of_the_steps_is_recorded() {
    use super::targets::spawn_tls_target_until;
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let (later, sooner) = (now_s + 40 * 86_400, now_s + 12 * 86_400);
    let (a, b) = (
        spawn_tls_target_until(later).await,
        spawn_tls_target_until(sooner).await,
    );
    let transaction = |second: serde_json::Value| {
        spec(json!({
            "name": "tls-journey",
            "kind": "transaction",
            "timeout_ms": 5000,
            "transaction": {"insecure_skip_verify": true, "steps": [
                {"name": "first", "url": format!("{}/", a.base)},
                second,
            ]}
        }))
    };
    let outcome = run(&transaction(
        json!({"name": "second", "url": format!("{}/", b.base)}),
    ))
    .await;
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.cert_expiry_ms, Some(sooner * 1000));
    let failing = json!({"name": "second", "url": format!("{}/", b.base),
                         "assertions": {"body_contains": "nope"}});
    let outcome = run(&transaction(failing)).await;
    assert!(!outcome.success);
    assert_eq!(
        outcome.cert_expiry_ms,
        Some(sooner * 1000),
        "the failing step's certificate was read"
    );

    let (base, _) = spawn_journey().await;
    let outcome = run(&spec(journey(&base))).await;
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.cert_expiry_ms, None);
}
