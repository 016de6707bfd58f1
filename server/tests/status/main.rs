//! The status page on a real server (the app on 127.0.0.1:0) over SQLite and PostgreSQL, with
//! probe results injected into the database (the scheduler is off, so only the test writes
//! them): component states through the threshold counts, maintenance windows (configuration and
//! API, token auth), the HTML page (states, escaping, uptime bars), the JSON, the Atom feed
//! parsed as XML; the status repository (same columns in both dialects, changes noted once);
//! and the latency failure `probes::check` writes read as "slow".
//!
//! The PostgreSQL half uses the database at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), one temporary database per test; when it does not
//! answer, a loud line says so and those tests return early (with `CI=true` they fail).

#[path = "../support/columns.rs"]
mod columns;
mod maintenance;
mod page;
#[path = "../support/postgres.rs"]
mod postgres;
mod states;
mod storage;
#[path = "../support/targets.rs"]
mod targets;

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::json;
use server::auth::tokens;
use server::config::Config;
use server::probes::ProbeSpec;
use server::storage::{ProbeResultRow, Store};
use server::telemetry::metrics::Metrics;
use server::{AppState, app};

use postgres::{TempDatabase, postgres_or_skip};

/// Declares `mod $name { async fn sqlite(); async fn postgres() }`: the body with `$engine` the
/// [`Engine`] to start a [`Server`] on.
macro_rules! on_both_engines {
    ($(#[doc = $doc:literal])* async fn $name:ident($engine:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $engine = $crate::Engine::Sqlite;
                $body
            }

            #[tokio::test]
            async fn postgres() {
                let Some(admin) = $crate::postgres_or_skip().await else { return };
                let database = $crate::TempDatabase::create(&admin).await;
                let $engine = $crate::Engine::Postgres(database.url.clone());
                let outcome = tokio::spawn(async move { $body }).await;
                database.drop_now().await;
                if let Err(error) = outcome {
                    std::panic::resume_unwind(error.into_panic());
                }
            }
        }
    };
}
pub(crate) use on_both_engines;

pub enum Engine {
    Sqlite,
    Postgres(String),
}

/// The app on 127.0.0.1:0 over a fresh database, the probe scheduler off.
pub struct Server {
    pub base: String,
    pub state: AppState,
    pub store: Store,
    pub client: reqwest::Client,
    /// When the next injected run starts (Unix ms): a minute after the previous one.
    clock: std::sync::atomic::AtomicI64,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// The wall clock, Unix ms.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A probe that never runs here (the scheduler is off): its results are injected.
pub fn probe(name: &str) -> ProbeSpec {
    serde_json::from_value(json!({
        "name": name, "kind": "tcp", "tcp": {"address": "127.0.0.1:9"},
    }))
    .expect("a probe")
}

impl Server {
    pub async fn start(engine: &Engine, configure: impl FnOnce(&mut Config)) -> Server {
        let dist = tempfile::tempdir().expect("dist");
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><html><head><title>CSV Analyzer</title></head><body></body></html>",
        )
        .expect("index");
        let data = tempfile::tempdir().expect("data");
        let url = match engine {
            Engine::Sqlite => format!("sqlite://{}", data.path().join("status.db").display()),
            Engine::Postgres(url) => url.clone(),
        };
        let mut config = Config {
            dist_dir: dist.path().to_path_buf(),
            database_url: url.clone(),
            ..Config::default()
        };
        config.synthetic.enabled = false;
        configure(&mut config);
        config.validate().expect("a valid configuration");
        let store = Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let metrics = Arc::new(Metrics::new(config.limits.concurrency));
        let state = AppState::new(config, store.clone(), metrics).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let addr: SocketAddr = listener.local_addr().expect("address");
        let router = app(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Server {
            base: format!("http://{addr}"),
            state,
            store,
            client: reqwest::Client::new(),
            clock: std::sync::atomic::AtomicI64::new(now_ms() - 2 * 60 * 60 * 1000),
            _dirs: (dist, data),
        }
    }

    /// Stores runs of `probe`: `levels` oldest first, a minute apart and after every run stored
    /// before (from two hours ago on); `U` up, `S` slow (only the latency ceiling failed), `D` down.
    pub async fn runs(&self, probe: &str, levels: &str) {
        let rows: Vec<ProbeResultRow> = levels
            .chars()
            .map(|level| {
                let started_ms = self
                    .clock
                    .fetch_add(60_000, std::sync::atomic::Ordering::Relaxed);
                let (success, duration_ms, failure) = match level {
                    'U' => (1, 40.0, None),
                    'S' => (
                        0,
                        900.0,
                        Some("took 900 ms, more than the ceiling of 800 ms".to_string()),
                    ),
                    _ => (0, 5.0, Some("status 500, expected 2xx".to_string())),
                };
                ProbeResultRow {
                    probe: probe.to_string(),
                    location: "local".to_string(),
                    started_ms,
                    success,
                    duration_ms,
                    timings: "[]".to_string(),
                    failure,
                    cert_expiry_ms: None,
                }
            })
            .collect();
        self.store
            .probe_results()
            .insert(&rows)
            .await
            .expect("insert runs");
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON")
    }

    /// `GET /api/status`'s state of the component `id`.
    pub async fn component_state(&self, id: &str) -> String {
        let summary = self.json("/api/status").await;
        summary["components"]
            .as_array()
            .expect("components")
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no component {id} in {summary}"))["status"]
            .as_str()
            .expect("a status")
            .to_string()
    }

    /// A token stored straight in the database.
    pub async fn token(&self) -> String {
        let token = tokens::generate().expect("token");
        assert!(
            self.store
                .api_tokens()
                .create("status-test", &tokens::hash(&token), "responder", 1)
                .await
                .expect("create")
        );
        token
    }
}
