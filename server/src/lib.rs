//! The `csv-analyzer` server and CLI.
//!
//! - [`cli`]: the subcommands (`profile`, `drift`, `quality`, `serve`, `config`).
//! - [`config`]: one typed configuration (file, environment, flags).
//! - [`app`]: the HTTP router, built the same way by `serve` and by the tests.
//! - [`startup`]: connect, migrate, bind, background tasks, graceful shutdown.
//! - [`storage`]: SQLite (default) or PostgreSQL behind one repository layer.
//! - [`telemetry`]: logs, traces and the Prometheus metrics registry.
//! - [`http`]: middleware (security headers, limits) and the JSON error format.
//! - [`tasks`]: background loops (metric sampling, retention, the RUM batch writer).
//! - [`rum`]: real-user monitoring: beacon checks, rate limit, the write queue, the summary.
//! - [`probes`]: synthetic monitoring: probe definitions, the kinds, the scheduler.
//! - [`auth`]: users, sessions, API tokens, roles and the extractors that require them.
//! - [`audit`]: the hash-chained audit trail.
//! - [`status`]: the public status page: components, states, maintenance windows, the feed.

pub mod alerting;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod http;
pub mod incidents;
pub mod pages;
pub mod probes;
pub mod routes;
pub mod rum;
pub mod startup;
pub mod status;
pub mod storage;
pub mod tasks;
pub mod telemetry;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;

use config::Config;
use http::{Hsts, Limits, SecurityHeaders};
use storage::Store;
use telemetry::metrics::Metrics;

/// What every request handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

#[derive(Debug)]
struct StateInner {
    config: Config,
    store: Store,
    metrics: Arc<Metrics>,
    limits: Limits,
    security: SecurityHeaders,
    rum: rum::Rum,
    probes: probes::Probes,
    status: status::Status,
    alerts: alerting::engine::Engine,
    dispatcher: alerting::dispatch::Dispatcher,
    login_limiter: auth::login_limit::LoginLimiter,
    tickets: incidents::tickets::Tickets,
}

impl AppState {
    /// The state of a server: the CSP is computed here from `dist_dir/index.html`.
    pub fn new(config: Config, store: Store, metrics: Arc<Metrics>) -> std::io::Result<Self> {
        let security = SecurityHeaders::from_dist_dir(&config.dist_dir, Hsts::IfForwardedHttps)?;
        let limits = Limits::new(
            config.limits.concurrency,
            Duration::from_secs(config.limits.request_timeout_seconds),
            config.limits.body_limit_bytes,
        );
        let rum = rum::Rum::new(config.rum.clone(), metrics.clone());
        let probes = probes::Probes::new(
            &config.synthetic,
            &config.probes,
            store.clone(),
            metrics.clone(),
        )
        .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidInput, reason))?;
        let status = status::Status::new(&config.status, &config.maintenance)
            .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidInput, reason))?;
        let alerts = alerting::engine::Engine::new(
            config
                .alerting
                .resolved_rules()
                .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidInput, reason))?,
            store.clone(),
            Some(probes.clone()),
            Some(status.clone()),
            Duration::from_secs(config.alerting.evaluation_interval_seconds.max(1)),
        );
        let dispatcher = alerting::dispatch::Dispatcher::new(
            &config.alerting.channels,
            &config.alerting.routes,
            &config.alerting.inhibit_rules(),
            config.alerting.timing(),
            &config.alerting.external_url,
            store.clone(),
            alerts.clone(),
        )
        .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidInput, reason))?;
        let login_limiter = auth::login_limit::LoginLimiter::new(
            config.auth.login_failures_per_name,
            config.auth.login_failures_per_client,
            Duration::from_secs(config.auth.login_window_seconds),
        );
        let tickets = incidents::tickets::Tickets::new(
            &config.incidents.ticketing,
            &config.alerting.external_url,
            store.clone(),
        )
        .map_err(|reason| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("incidents.ticketing: {reason}"),
            )
        })?;
        Ok(Self {
            inner: Arc::new(StateInner {
                login_limiter,
                tickets,
                config,
                store,
                metrics,
                limits,
                security,
                rum,
                probes,
                status,
                alerts,
                dispatcher,
            }),
        })
    }

    /// Defaults with `dist_dir`, an in-memory SQLite database, fresh metrics: for tests and
    /// tools that need a working app without a data directory. The RUM batch writer runs in a
    /// task of its own until the state (every clone of it) is dropped; so does the probe
    /// scheduler, for probes defined through the API.
    pub async fn in_memory(dist_dir: impl AsRef<Path>) -> Result<Self, startup::StartupError> {
        Self::in_memory_with(Config {
            dist_dir: dist_dir.as_ref().to_path_buf(),
            ..Config::default()
        })
        .await
    }

    /// [`AppState::in_memory`] with a configuration of one's own (its database settings are
    /// not used: the database is in memory).
    pub async fn in_memory_with(config: Config) -> Result<Self, startup::StartupError> {
        let store = Store::connect("sqlite::memory:").await?;
        store.migrate().await?;
        let metrics = Arc::new(Metrics::new(config.limits.concurrency));
        let state = Self::new(config, store.clone(), metrics.clone())?;
        if let Some(receiver) = state.rum().take_receiver() {
            tokio::spawn(tasks::rum_writer::run(
                receiver,
                store,
                metrics,
                std::future::pending::<()>(),
            ));
        }
        state.probes().load_stored().await?;
        if state.config().synthetic.enabled {
            tokio::spawn(probes::scheduler::run(
                state.probes().clone(),
                std::future::pending::<()>(),
            ));
        }
        if state.config().alerting.enabled {
            tokio::spawn(alerting::engine::run(
                state.alerts().clone(),
                std::future::pending::<()>(),
            ));
            tokio::spawn(alerting::dispatch::run(
                state.dispatcher().clone(),
                std::future::pending::<()>(),
            ));
            tokio::spawn(incidents::auto::run(
                state.store().clone(),
                state.alerts().clone(),
                state.config().incidents.clone(),
                Some(state.tickets().clone()),
                std::future::pending::<()>(),
            ));
        }
        Ok(state)
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// Real-user-monitoring ingestion (rate limiter, write queue).
    pub fn rum(&self) -> &rum::Rum {
        &self.inner.rum
    }

    /// The defined synthetic probes (and their scheduler).
    pub fn probes(&self) -> &probes::Probes {
        &self.inner.probes
    }

    /// The status page's components and maintenance windows.
    pub fn status(&self) -> &status::Status {
        &self.inner.status
    }

    /// The alert rules and their alerts.
    pub fn alerts(&self) -> &alerting::engine::Engine {
        &self.inner.alerts
    }

    /// Routing, grouping and delivery of notifications.
    pub fn dispatcher(&self) -> &alerting::dispatch::Dispatcher {
        &self.inner.dispatcher
    }

    /// Failed sign-ins per name and per client network.
    pub fn login_limiter(&self) -> &auth::login_limit::LoginLimiter {
        &self.inner.login_limiter
    }

    /// The ticket requests of incident changes.
    pub fn tickets(&self) -> &incidents::tickets::Tickets {
        &self.inner.tickets
    }

    pub fn dist_dir(&self) -> &Path {
        &self.inner.config.dist_dir
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.inner.metrics)
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}
