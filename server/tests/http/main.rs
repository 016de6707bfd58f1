//! The HTTP layers (`server::http`) around the real router, over a real socket on port 0:
//! security headers, overload limits, the JSON error format, path traversal, the OpenAPI
//! document. Each test builds its own router, temp `dist/` and limits.

mod errors;
mod headers;
mod limits;
mod openapi;
mod traversal;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use server::http::error::panic_response;
use server::http::{Hsts, Limits, SecurityHeaders};
use server::{AppState, app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, Semaphore};
use tower_http::catch_panic::CatchPanicLayer;

/// The inline bootstrap script as Trunk writes it (between `<script type="module">` and
/// `</script>`, newlines included).
pub const BOOTSTRAP: &str = "\nimport init, * as bindings from '/app-0123456789abcdef.js';\n\
const wasm = await init({ module_or_path: '/app-0123456789abcdef_bg.wasm' });\n\n\n\
window.wasmBindings = bindings;\n\n\n\
dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));\n\n";

/// SHA-256 of [`BOOTSTRAP`], base64, computed outside Rust (the text piped through
/// `openssl dgst -sha256 -binary | base64`), i.e. what a browser computes for the element.
pub const BOOTSTRAP_HASH: &str = "sha256-YGxYYviWF1O+gHsNFp6ZYDk/PjPqfrv8Qd4njBd24mE=";

/// The test's `index.html`: Trunk's layout with the bootstrap script.
pub fn index_html() -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\" />\
         <title>CSV Analyzer</title>\
         <link rel=\"stylesheet\" href=\"/main-0123456789abcdef.css\"/>\n\
         <script type=\"module\">{BOOTSTRAP}</script>\
         <link rel=\"modulepreload\" href=\"/app-0123456789abcdef.js\"></head>\
         <body></body></html>\n"
    )
}

/// A `dist/` like Trunk's inside `parent`: index.html with the bootstrap, hashed js/wasm/css.
pub fn write_dist(dist: &Path, index: &str) {
    std::fs::create_dir_all(dist).expect("dist dir");
    std::fs::write(dist.join("index.html"), index).expect("index");
    std::fs::write(dist.join("app-0123456789abcdef.js"), "export default 1;\n").expect("js");
    std::fs::write(
        dist.join("app-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .expect("wasm");
    std::fs::write(dist.join("main-0123456789abcdef.css"), "body{margin:0}\n").expect("css");
}

/// A temp `dist/` with [`index_html`].
pub fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write_dist(dir.path(), &index_html());
    dir
}

/// Generous limits that no ordinary test request reaches.
pub fn roomy_limits() -> Limits {
    Limits::new(64, Duration::from_secs(30), 64 * 1024)
}

/// Test-only handlers merged next to the real ones: requests that wait until released, hang
/// forever, read their body, or panic.
#[derive(Clone)]
pub struct Gate {
    /// One permit per request that reached `/test/slow`.
    pub entered: Arc<Semaphore>,
    /// Releases every waiting `/test/slow` request.
    pub release: Arc<Notify>,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            entered: Arc::new(Semaphore::new(0)),
            release: Arc::new(Notify::new()),
        }
    }
}

fn test_routes(gate: Gate) -> Router {
    async fn slow(State(gate): State<Gate>) -> &'static str {
        let released = gate.release.notified();
        gate.entered.add_permits(1);
        released.await;
        "done"
    }
    async fn hang() -> &'static str {
        std::future::pending::<()>().await;
        "never"
    }
    async fn echo(body: Bytes) -> String {
        body.len().to_string()
    }
    async fn panics() -> &'static str {
        panic!("the handler's secret panic message")
    }
    Router::new()
        .route("/test/slow", get(slow))
        .route("/test/hang", get(hang))
        .route("/test/echo", post(echo))
        .route("/test/panic", get(panics))
        .with_state(gate)
}

/// The real app for `dist` plus the test routes, inside the layers as `server::http` documents
/// them (limits, panic handler, security headers outermost).
pub async fn router(dist: &Path, limits: Limits, security: SecurityHeaders, gate: Gate) -> Router {
    let state = AppState::in_memory(dist)
        .await
        .expect("an in-memory app state");
    app(state)
        .merge(test_routes(gate))
        .layer(limits)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(security)
}

/// Only the test routes inside the layers, for behaviour that must not depend on how the app's
/// own router is layered (e.g. HSTS modes, once the app applies its configured headers itself).
pub fn bare_router(limits: Limits, security: SecurityHeaders, gate: Gate) -> Router {
    test_routes(gate)
        .layer(limits)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(security)
}

/// Serves `router` on 127.0.0.1:0 in the background.
pub async fn serve(router: Router) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    TestServer { addr }
}

/// The usual server for `dist`: roomy limits, the CSP of its index.html, no HSTS.
pub async fn serve_dist(dist: &Path) -> TestServer {
    let security = SecurityHeaders::from_dist_dir(dist, Hsts::Never).expect("index.html");
    serve(router(dist, roomy_limits(), security, Gate::default()).await).await
}

pub struct TestServer {
    pub addr: SocketAddr,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends `request` byte for byte (no client-side path normalisation) and reads the whole
    /// answer; the request should say `Connection: close`.
    pub async fn raw(&self, request: &[u8]) -> RawResponse {
        let mut stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("connect");
        stream.write_all(request).await.expect("write");
        let mut bytes = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes))
            .await
            .expect("the server answers within 10 s")
            .expect("read");
        RawResponse::parse(&bytes)
    }

    /// `GET path` sent raw.
    pub async fn raw_get(&self, path: &str) -> RawResponse {
        self.raw(
            format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
    }
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// The header block, lower-cased.
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    fn parse(bytes: &[u8]) -> Self {
        let split = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        Self {
            status,
            head,
            body: bytes[split + 4..].to_vec(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }
}

/// Asserts the headers every response carries.
pub fn assert_security_headers(headers: &reqwest::header::HeaderMap, what: &str) {
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .expect("ASCII");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(
        headers["cross-origin-opener-policy"], "same-origin",
        "{what}"
    );
}

/// Asserts a response is the JSON error `code` and returns its body.
pub async fn assert_json_error(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(body["error"], code, "{body}");
    assert!(body.get("detail").is_some(), "{body}");
    body
}
