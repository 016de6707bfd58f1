//! `csv-analyzer serve` as a process: the first stdout line, one JSON log object per request
//! (request id, trace id from `traceparent`, route, status, latency; no cookies), spans exported
//! over OTLP/HTTP with the browser's trace as parent, and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";
const SECRET_COOKIE: &str = "session=do-not-log-me";

struct Served {
    child: Child,
    base: String,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn serve(env: &[(&str, &str)]) -> Served {
    let dist = tempfile::tempdir().expect("dist");
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>CSV Analyzer</title>",
    )
    .expect("index");
    let data = tempfile::tempdir().expect("data");
    let mut command = super::binary();
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "json"])
        .arg("--dist-dir")
        .arg(dist.path())
        .arg("--data-dir")
        .arg(data.path())
        .env("CSV_ANALYZER_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the server starts");
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut first)
        .expect("the first stdout line");
    let base = first
        .trim()
        .strip_prefix("csv-analyzer listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    Served {
        child,
        base,
        _dirs: (dist, data),
    }
}

fn get_with_trace(url: &str) -> reqwest::StatusCode {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        reqwest::Client::new()
            .get(url)
            .header("traceparent", format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01"))
            .header("cookie", SECRET_COOKIE)
            .header("x-request-id", "req-42")
            .send()
            .await
            .expect("the server answers")
            .status()
    })
}

/// Sends SIGTERM and returns (exit success, stderr).
fn terminate(mut served: Served) -> (bool, String) {
    let pid = served.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let mut stderr = String::new();
    served
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr is read");
    let status = served.child.wait().expect("the server exits");
    (status.success(), stderr)
}

#[test]
fn logs_are_one_json_object_per_line_with_request_and_trace_ids() {
    let served = serve(&[]);
    let status = get_with_trace(&format!("{}/healthz", served.base));
    assert_eq!(status, 200);
    let (clean_exit, stderr) = terminate(served);
    assert!(clean_exit, "SIGTERM ends the server cleanly:\n{stderr}");
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["message"] == "request" && l["route"] == "/healthz")
        .unwrap_or_else(|| panic!("no request line in:\n{stderr}"));
    for key in ["timestamp", "level", "target", "latency_ms"] {
        assert!(request.get(key).is_some(), "{key} in {request}");
    }
    assert_eq!(request["request_id"], "req-42");
    assert_eq!(request["trace_id"], TRACE_ID);
    assert_eq!(request["status"], 200);
    assert_eq!(request["method"], "GET");
    assert!(!stderr.contains("do-not-log-me"), "no cookie in the logs");
    assert!(lines.iter().any(|l| l["message"] == "stopped"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_as_children_of_the_browser_span() {
    // A local OTLP/HTTP receiver.
    let received: Arc<Mutex<Vec<Bytes>>> = Arc::default();
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().expect("lock").push(body);
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, receiver).await;
    });

    let served = tokio::task::spawn_blocking(move || {
        let served = serve(&[("CSV_ANALYZER_OTLP_ENDPOINT", endpoint.as_str())]);
        let status = get_with_trace(&format!("{}/healthz", served.base));
        assert_eq!(status, 200);
        terminate(served)
    })
    .await
    .expect("the server ran");
    assert!(served.0, "clean exit:\n{}", served.1);

    // The exporter flushes at shutdown; give the receiver a moment.
    let mut spans = Vec::new();
    for _ in 0..50 {
        spans = received
            .lock()
            .expect("lock")
            .iter()
            .filter_map(|body| ExportTraceServiceRequest::decode(body.as_ref()).ok())
            .flat_map(|request| request.resource_spans)
            .flat_map(|resource| resource.scope_spans)
            .flat_map(|scope| scope.spans)
            .collect();
        if !spans.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let span = spans
        .iter()
        .find(|s| hex(&s.trace_id) == TRACE_ID)
        .unwrap_or_else(|| panic!("no span of trace {TRACE_ID} among {} spans", spans.len()));
    assert_eq!(hex(&span.parent_span_id), PARENT_SPAN_ID);
    assert_eq!(span.name, "GET /healthz");
}
