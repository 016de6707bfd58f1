//! Golden signals and infrastructure metrics over a real socket: the metrics middleware and
//! `GET /metrics` on a small router (an item route with a path parameter, a failing route, a
//! slow one, the static app as fallback), traffic sent with reqwest, the exposition parsed —
//! and checked by `promtool check metrics` when Prometheus' `promtool` is on PATH.

mod exposition;
mod in_flight;
mod sampler;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use server::telemetry::metrics::{self, Metrics, mark_static, metrics_handler};
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;

/// A router like the server's: routes, `/metrics`, the metrics layer; with the static app as
/// fallback when `dist` is given (else axum's default 404). `/slow` answers when `gate` gets a
/// permit.
pub fn test_app(metrics: Arc<Metrics>, dist: Option<&Path>, gate: Arc<Semaphore>) -> Router {
    let mut router = Router::new()
        .route("/items/{id}", get(|| async { "an item" }))
        .route(
            "/boom",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/slow",
            get(move || async move {
                let permit = gate.acquire().await.expect("gate open");
                permit.forget();
                "slow"
            }),
        )
        .route("/metrics", get(metrics_handler));
    if let Some(dist) = dist {
        router = router.fallback_service(
            ServiceBuilder::new()
                .layer(axum::middleware::map_response(mark_static))
                .service(ServeDir::new(dist)),
        );
    }
    router
        .layer(metrics::layer(metrics.clone()))
        .with_state(metrics)
}

/// Serves `router` on 127.0.0.1:0 in the background; returns the base URL.
pub async fn spawn(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr: SocketAddr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A `dist/` with an index and one asset.
pub fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>x</title>",
    )
    .expect("index");
    std::fs::write(dir.path().join("app.js"), "console.log(1)").expect("asset");
    dir
}

/// One parsed sample line of the exposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The exposition, parsed: sample lines only (comments skipped). Panics on a line that is not
/// `name{k="v",…} value` — the format prometheus-client writes.
pub fn parse(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("`series value`");
            let value: f64 = match value {
                "+Inf" => f64::INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("a number in {line:?}")),
            };
            let (name, labels) = match series.split_once('{') {
                None => (series, BTreeMap::new()),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').expect("closing brace");
                    (name, parse_labels(body))
                }
            };
            Line {
                name: name.to_string(),
                labels,
                value,
            }
        })
        .collect()
}

fn parse_labels(body: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").expect("k=\"v\"");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (_, '\\') => match chars.next().expect("escaped char").1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        labels.insert(key.to_string(), value);
        rest = after[end + 1..].trim_start_matches(',');
    }
    labels
}

/// The value of the series `name` with exactly `labels`, if present.
pub fn value(lines: &[Line], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    lines
        .iter()
        .find(|l| l.name == name && l.labels == wanted)
        .map(|l| l.value)
}

/// GET `{base}/metrics`: checks status and content type, returns the body.
pub async fn scrape(client: &reqwest::Client, base: &str) -> String {
    let response = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_eq!(content_type, metrics::CONTENT_TYPE);
    assert!(content_type.starts_with("text/plain; version=0.0.4"));
    response.text().await.expect("body")
}

/// Runs `promtool check metrics` on `text` when promtool is installed; panics on any problem
/// it reports (including lint findings such as a counter without `_total`).
pub fn promtool_check(text: &str) {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("promtool not found on PATH: the promtool check was skipped");
            return;
        }
        Err(error) => panic!("cannot run promtool: {error}"),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write to promtool");
    let output = child.wait_with_output().expect("promtool output");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && report.trim().is_empty(),
        "promtool check metrics: {:?}\n{report}\n--- exposition ---\n{text}",
        output.status
    );
    eprintln!("promtool check metrics: OK");
}
