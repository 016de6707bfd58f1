//! Real local targets for the probes, on 127.0.0.1:0: an HTTP server whose routes succeed,
//! fail, hang, redirect, answer JSON or check a secret header; a TLS server whose certificate
//! expires when the test says (and can be replaced); a closed port.
//! (`#[path = "../support/targets.rs"] mod targets;`)

#![allow(dead_code)] // each test binary uses a subset

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{any, get};

/// The secret the `/auth` route wants in `Authorization`.
pub const SECRET_HEADER: &str = "Bearer s3cret-probe-header";

/// An HTTP target and what it saw.
pub struct HttpTarget {
    pub base: String,
    /// When each request to `/tick` arrived.
    pub ticks: Arc<Mutex<Vec<Instant>>>,
}

impl HttpTarget {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn tick_times(&self) -> Vec<Instant> {
        self.ticks.lock().expect("ticks").clone()
    }
}

/// Starts the HTTP target in the background.
///
/// | route | answer |
/// |---|---|
/// | `/ok` | 200 `hello from the probe target` |
/// | `/tick` | 200, its arrival time recorded |
/// | `/fail` | 500 `boom` |
/// | `/hang` | never answers |
/// | `/redirect` | 302 to `/ok` |
/// | `/json` | 200 `{"status":"ok","build":{"version":"1.2.3"},"items":[{"id":7}]}` |
/// | `/auth` | 200 when `Authorization` is [`SECRET_HEADER`], else 401 |
/// | `/slow` | 200 after 300 ms |
pub async fn spawn_http_target() -> HttpTarget {
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let recorded = ticks.clone();
    let router = Router::new()
        .route("/ok", get(|| async { "hello from the probe target" }))
        .route(
            "/tick",
            get(move || {
                let recorded = recorded.clone();
                async move {
                    recorded.lock().expect("ticks").push(Instant::now());
                    "tick"
                }
            }),
        )
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route(
            "/hang",
            any(|| async {
                std::future::pending::<()>().await;
                "never"
            }),
        )
        .route(
            "/redirect",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")]).into_response() }),
        )
        .route(
            "/json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"status":"ok","build":{"version":"1.2.3"},"items":[{"id":7}]}"#,
                )
            }),
        )
        .route(
            "/auth",
            any(|headers: HeaderMap| async move {
                let ok = headers
                    .get(header::AUTHORIZATION)
                    .is_some_and(|v| v.as_bytes() == SECRET_HEADER.as_bytes());
                if ok {
                    (StatusCode::OK, "welcome")
                } else {
                    (StatusCode::UNAUTHORIZED, "who are you")
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                "slow"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr: SocketAddr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    HttpTarget {
        base: format!("http://{addr}"),
        ticks,
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    port
}

/// An HTTPS target on 127.0.0.1:0 (any path: 200 `secure`) with a self-signed certificate for
/// `localhost` that expires at midnight UTC of the day `days` days from now. Returns its base
/// URL (`https://localhost:PORT`).
pub async fn spawn_tls_target(days: i64) -> String {
    let midnight = (unix_now_s() + days * 86_400).div_euclid(86_400) * 86_400;
    spawn_tls_target_until(midnight).await.base
}

/// An HTTPS target whose certificate the test can replace (each connection gets the one
/// presented at the time it is accepted).
pub struct TlsTarget {
    /// `https://localhost:PORT`.
    pub base: String,
    acceptor: Arc<Mutex<tokio_rustls::TlsAcceptor>>,
}

impl TlsTarget {
    /// From now on, presents a new self-signed certificate for `localhost` whose `notAfter` is
    /// `not_after` (Unix seconds, exact: X.509 times have whole seconds).
    pub fn present(&self, not_after: i64) {
        *self.acceptor.lock().expect("acceptor") = acceptor_until(not_after);
    }
}

fn unix_now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// A TLS acceptor with a fresh self-signed certificate for `localhost` valid from 2020 to
/// `not_after` (Unix seconds).
fn acceptor_until(not_after: i64) -> tokio_rustls::TlsAcceptor {
    use rcgen::{CertificateParams, KeyPair};
    use tokio_rustls::rustls;

    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(1970, 1, 1)
        + std::time::Duration::from_secs(u64::try_from(not_after).expect("after 1970"));
    let key = KeyPair::generate().expect("a key");
    let cert = params.self_signed(&key).expect("a certificate");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .expect("a server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// An HTTPS target on 127.0.0.1:0 (any path: 200 `secure`) presenting a self-signed
/// certificate for `localhost` that expires at `not_after` (Unix seconds), until
/// [`TlsTarget::present`] replaces it.
pub async fn spawn_tls_target_until(not_after: i64) -> TlsTarget {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let acceptor = Arc::new(Mutex::new(acceptor_until(not_after)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let port = listener.local_addr().expect("address").port();
    let current = acceptor.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = current.lock().expect("acceptor").clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                // One request (its head is enough here), one answer, then close.
                let mut seen = Vec::new();
                let mut buffer = [0u8; 1024];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buffer[..n]),
                    }
                }
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\nsecure",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    TlsTarget {
        base: format!("https://localhost:{port}"),
        acceptor,
    }
}
