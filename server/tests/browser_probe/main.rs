//! `browser` probes in the Debian Chromium: the real app served by the real server (the
//! journey's four steps, then the probe's state in the API), pages that fail each way (no file
//! input, an alert instead of the profile, console errors, a hang past the timeout), and a
//! machine without Chromium (`unavailable`, never a success, left out of the uptime).
//!
//! Needs `/usr/bin/chromium` (or `CHROMIUM`) and, for the real app, `dist/` built by
//! `scripts/build-app.sh`; both are installed/built by the README's commands. When one is
//! missing the test fails saying which.
//!
//! A test binary of its own, so that the Chromium instances do not load the machine while the
//! timing comparisons of `tests/probes` run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use serde_json::json;
use server::AppState;
use server::config::Config;

use server::probes::{CompiledProbe, Outcome, ProbeSpec};

/// A definition from JSON (the API's form), validated.
fn spec(value: serde_json::Value) -> ProbeSpec {
    let spec: ProbeSpec = serde_json::from_value(value).expect("a probe definition");
    spec.validate().expect("a valid probe");
    spec
}

/// One run of `spec` with its hard timeout.
async fn run(spec: &ProbeSpec) -> Outcome {
    CompiledProbe::compile(spec)
        .expect("compiles")
        .run_with_timeout()
        .await
}

/// The Chromium the tests drive.
fn chromium() -> String {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    assert!(
        std::path::Path::new(&path).exists(),
        "these tests need Chromium at {path} (set CHROMIUM, or run scripts/setup.sh)"
    );
    path
}

/// The built app (`dist/` at the workspace root).
fn dist() -> PathBuf {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(
        dist.join("index.html").exists(),
        "this test needs the built app in {}: run scripts/build-app.sh",
        dist.display()
    );
    dist
}

fn browser_probe(url: &str, extra: serde_json::Value) -> ProbeSpec {
    let mut target = json!({"url": url, "chromium": chromium()});
    if let (Some(target), Some(extra)) = (target.as_object_mut(), extra.as_object()) {
        target.extend(extra.clone());
    }
    spec(json!({
        "name": "journey",
        "kind": "browser",
        "interval_seconds": 60,
        "timeout_ms": 30_000,
        "browser": target,
    }))
}

fn step_names(outcome: &Outcome) -> Vec<&str> {
    outcome.steps.iter().map(|(s, _)| s.as_ref()).collect()
}

/// A page that behaves like an app as the probe sees it, misbehaving as asked: `?error` logs
/// a console error, `?alert` shows an alert instead of column cards, `?throw` throws.
const FAKE_APP: &str = r#"<!doctype html><html><head><title>probe target</title></head><body>
<main><input type="file" aria-label="Choose a CSV file"><div id="out"></div></main>
<script>
const q = new URLSearchParams(location.search);
if (q.has('error')) console.error('boom from the page');
if (q.has('throw')) setTimeout(() => { throw new Error('thrown by the page'); }, 0);
document.querySelector('input').addEventListener('change', async (event) => {
  const text = await event.target.files[0].text();
  const out = document.getElementById('out');
  if (q.has('alert')) {
    out.innerHTML = '<p role="alert">This file has no rows.</p>';
    return;
  }
  for (const name of text.split('\n')[0].split(',')) {
    const card = document.createElement('article');
    card.className = 'column-card';
    card.textContent = name;
    out.append(card);
  }
});
</script></body></html>"#;

async fn serve_fake_app() -> String {
    let router = Router::new()
        .route("/", get(|| async { Html(FAKE_APP) }))
        .route(
            "/blank",
            get(|| async { Html("<!doctype html><title>nothing</title><p>no app here</p>") }),
        )
        .route("/favicon.ico", get(|| async { "" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_real_app_is_loaded_given_a_csv_and_profiled() {
    let dist = dist();
    let mut config = Config {
        dist_dir: dist,
        ..Config::default()
    };
    config.synthetic.enabled = false;
    let state = AppState::in_memory_with(config).await.expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("address");
    let router = server::app(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    let outcome = run(&browser_probe(&format!("http://{addr}/"), json!({}))).await;
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(
        step_names(&outcome),
        ["launch", "load", "upload", "profile"]
    );
    let sum: Duration = outcome.steps.iter().map(|(_, d)| *d).sum();
    assert!(sum <= outcome.duration, "steps within the run: {outcome:?}");
}

#[tokio::test]
async fn a_page_without_the_app_fails_at_load_before_the_hard_timeout() {
    let base = serve_fake_app().await;
    let mut probe = browser_probe(&format!("{base}/blank"), json!({}));
    probe.timeout_ms = 8_000;
    let started = Instant::now();
    let outcome = run(&probe).await;
    assert!(!outcome.success);
    let reason = outcome.failure.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("step \"load\": the app did not render its file input"),
        "{reason}"
    );
    assert_eq!(step_names(&outcome), ["launch"]);
    assert!(
        started.elapsed() < Duration::from_millis(8_000),
        "gave up first"
    );
}

#[tokio::test]
async fn an_alert_instead_of_the_profile_fails_with_its_text() {
    let base = serve_fake_app().await;
    let outcome = run(&browser_probe(&format!("{base}/?alert"), json!({}))).await;
    assert!(!outcome.success);
    assert_eq!(
        outcome.failure.as_deref(),
        Some("step \"profile\": the app shows an alert: This file has no rows.")
    );
    assert_eq!(step_names(&outcome), ["launch", "load", "upload"]);
}

#[tokio::test]
async fn console_errors_and_exceptions_fail_the_run_unless_allowed() {
    let base = serve_fake_app().await;
    let clean = run(&browser_probe(&format!("{base}/"), json!({}))).await;
    assert!(clean.success, "the same page without errors: {clean:?}");

    let outcome = run(&browser_probe(&format!("{base}/?error&throw"), json!({}))).await;
    assert!(!outcome.success);
    let reason = outcome.failure.as_deref().unwrap_or_default();
    assert!(reason.starts_with("2 console errors: "), "{reason}");
    assert!(
        reason.contains("console.error: boom from the page"),
        "{reason}"
    );
    assert!(reason.contains("thrown by the page"), "{reason}");
    assert_eq!(
        step_names(&outcome),
        ["launch", "load", "upload", "profile"],
        "the journey itself completed"
    );

    let allowed = run(&browser_probe(
        &format!("{base}/?error"),
        json!({"allow_console_errors": true}),
    ))
    .await;
    assert!(allowed.success, "{allowed:?}");
}

#[tokio::test]
async fn a_custom_sample_sets_the_expected_columns() {
    let base = serve_fake_app().await;
    let dir = tempfile::tempdir().expect("dir");
    let sample = dir.path().join("six.csv");
    std::fs::write(&sample, "a,b,c,d,e,f\n1,2,3,4,5,6\n").expect("sample");
    let outcome = run(&browser_probe(
        &format!("{base}/"),
        json!({"sample_csv": sample.display().to_string()}),
    ))
    .await;
    assert!(outcome.success, "{outcome:?}");

    let missing = run(&browser_probe(
        &format!("{base}/"),
        json!({"sample_csv": dir.path().join("gone.csv").display().to_string()}),
    ))
    .await;
    assert!(!missing.success);
    assert!(
        missing
            .failure
            .as_deref()
            .is_some_and(|r| r.starts_with("unavailable: the sample CSV")),
        "{missing:?}"
    );
}

#[tokio::test]
async fn without_chromium_the_probe_is_unavailable_never_up_and_out_of_the_uptime() {
    let probe = json!({
        "name": "journey",
        "kind": "browser",
        "interval_seconds": 1,
        "timeout_ms": 1_000,
        "browser": {"url": "http://127.0.0.1:9/", "chromium": "/nonexistent/chromium"},
    });
    let outcome = run(&spec(probe.clone())).await;
    assert!(!outcome.success);
    assert!(outcome.is_unavailable());
    assert_eq!(
        outcome.failure.as_deref(),
        Some("unavailable: Chromium is not at /nonexistent/chromium")
    );

    // Through the scheduler, the store and the API.
    let dist = tempfile::tempdir().expect("dist");
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .expect("index");
    let mut config = Config {
        dist_dir: dist.path().to_path_buf(),
        ..Config::default()
    };
    config.probes = vec![serde_json::from_value(probe).expect("a probe")];
    let state = AppState::in_memory_with(config).await.expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("address");
    let router = server::app(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let view = loop {
        let view: serde_json::Value = client
            .get(format!("http://{addr}/api/probes/journey"))
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("json");
        if view["state"] != "unknown" || Instant::now() > deadline {
            break view;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(view["state"], "unavailable", "{view}");
    assert_eq!(view["latest"][0]["success"], false, "{view}");
    assert_eq!(view["uptime"]["24h"], serde_json::Value::Null, "{view}");
}
