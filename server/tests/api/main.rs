//! The HTTP server over a real socket on port 0: the built app, SPA fallback, health, caching;
//! and the whole server (`startup::run`) against SQLite and PostgreSQL.

#[path = "../support/postgres.rs"]
mod postgres;
mod probes;
mod rum;
mod running;
mod static_app;
#[path = "../support/targets.rs"]
mod targets;

use std::net::SocketAddr;
use std::path::Path;

use server::{AppState, app};

/// Serves `dist` on 127.0.0.1:0 in the background; returns the base URL.
pub async fn spawn_server(dist: &Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr: SocketAddr = listener.local_addr().expect("bound address");
    let state = AppState::in_memory(dist)
        .await
        .expect("an in-memory app state");
    let router = app(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A `dist/` like Trunk's: index.html, a hashed wasm and js, a favicon.
pub fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let index = "<!doctype html><html><head><title>CSV Analyzer</title></head><body></body></html>";
    std::fs::write(dir.path().join("index.html"), index).expect("index");
    std::fs::write(
        dir.path().join("app-0123456789abcdef_bg.wasm"),
        vec![0u8; 4096],
    )
    .expect("wasm");
    std::fs::write(dir.path().join("app-0123456789abcdef.js"), "x".repeat(4096)).expect("js");
    std::fs::write(dir.path().join("favicon.svg"), "<svg/>").expect("favicon");
    dir
}
