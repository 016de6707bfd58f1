//! The `csv-analyzer` server and CLI.
//!
//! - [`cli`]: the subcommands (`profile`, `drift`, `quality`, `serve`, `config`).
//! - [`config`]: one typed configuration (file, environment, flags).
//! - [`app`]: the HTTP router, built the same way by `serve` and by the tests.
//! - [`storage`]: SQLite (default) or PostgreSQL behind one repository layer.
//! - [`telemetry`]: logs, traces and the Prometheus metrics registry.
//! - [`http`]: middleware (security headers, limits).
//! - [`tasks`]: background loops (metric sampling, retention).

pub mod cli;
pub mod config;
pub mod http;
pub mod routes;
pub mod storage;
pub mod tasks;
pub mod telemetry;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

/// What every request handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

#[derive(Debug)]
struct StateInner {
    dist_dir: PathBuf,
}

impl AppState {
    pub fn new(dist_dir: PathBuf) -> Self {
        Self {
            inner: Arc::new(StateInner { dist_dir }),
        }
    }

    pub fn dist_dir(&self) -> &std::path::Path {
        &self.inner.dist_dir
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}
