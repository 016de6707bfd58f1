//! Start-up and shutdown of `serve`: data directory, database (connect, migrate), metrics,
//! the probes (configuration file and database), background tasks (sampler, retention, RUM
//! writer, probe scheduler), the listener, graceful shutdown on SIGTERM/Ctrl-C (in-flight
//! requests drain, then tasks stop — the RUM writer after writing every accepted beacon, the
//! probe scheduler dropping its runs in flight — then the database closes).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::sync::watch;

use crate::config::{Config, ConfigError};
use crate::storage::{StorageError, Store, redact_url};
use crate::telemetry::metrics::Metrics;
use crate::{AppState, app, tasks};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// Runs the server until `shutdown` completes. `on_listening` gets the bound address (port 0
/// becomes the real port) once the server accepts connections.
pub async fn run(
    config: Config,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    let index = config.dist_dir.join("index.html");
    if !index.is_file() {
        return Err(StartupError::Other(format!(
            "no built app at {}: run scripts/build-app.sh first, or set dist_dir",
            index.display()
        )));
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        StartupError::Other(format!(
            "cannot create the data directory {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let url = config.effective_database_url();
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    tracing::info!(engine = store.engine(), url = %redact_url(&url), "database ready");

    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| StartupError::Other(format!("cannot listen on {}: {e}", config.addr)))?;
    let local = listener.local_addr()?;
    let instance = format!(
        "{}:{}",
        sysinfo::System::host_name().unwrap_or_else(|_| "localhost".to_string()),
        local.port()
    );
    let metrics = Arc::new(
        Metrics::new(config.limits.concurrency)
            .with_data_dir(&config.data_dir)
            .with_instance(instance),
    );
    let state = AppState::new(config.clone(), store.clone(), metrics.clone())?;
    let stored_probes = state.probes().load_stored().await?;
    tracing::info!(
        configured = config.probes.len(),
        stored = stored_probes,
        "probes defined"
    );

    // Background tasks stop when `stop` turns true.
    let (stop, stopped) = watch::channel(false);
    let until_stopped = |mut receiver: watch::Receiver<bool>| async move {
        let _ = receiver.wait_for(|stop| *stop).await;
    };
    let sampler = tokio::spawn(tasks::sampler::run(
        metrics,
        store.clone(),
        Duration::from_secs(config.metrics.sample_interval_seconds),
        until_stopped(stopped.clone()),
    ));
    let retention = tokio::spawn(tasks::retention::run(
        store.clone(),
        Duration::from_secs(config.retention.interval_seconds),
        tasks::retention::MaxAges {
            metric_samples_days: config.retention.metric_samples_days,
            rum_days: config.rum.retention_days,
            probe_results_days: config.synthetic.retention_days,
            alerting_days: config.alerting.retention_days,
        },
        config.retention.batch_size,
        until_stopped(stopped.clone()),
    ));

    let rum_writer = state.rum().take_receiver().map(|receiver| {
        tokio::spawn(tasks::rum_writer::run(
            receiver,
            store.clone(),
            state.metrics().clone(),
            until_stopped(stopped.clone()),
        ))
    });

    let scheduler = config.synthetic.enabled.then(|| {
        tokio::spawn(crate::probes::scheduler::run(
            state.probes().clone(),
            until_stopped(stopped.clone()),
        ))
    });

    let alert_engine = config.alerting.enabled.then(|| {
        tokio::spawn(crate::alerting::engine::run(
            state.alerts().clone(),
            until_stopped(stopped.clone()),
        ))
    });
    let dispatcher = config.alerting.enabled.then(|| {
        tokio::spawn(crate::alerting::dispatch::run(
            state.dispatcher().clone(),
            until_stopped(stopped.clone()),
        ))
    });

    let forwarder = if config.alerting.enabled && !config.alerting.alertmanagers.is_empty() {
        let forwarder = crate::alerting::forward::Forwarder::new(
            &config.alerting.alertmanagers,
            state.alerts().clone(),
            Duration::from_secs(config.alerting.forward_resend_seconds),
            &config.alerting.external_url,
        )
        .map_err(StartupError::Other)?;
        Some(tokio::spawn(crate::alerting::forward::run(
            forwarder,
            until_stopped(stopped.clone()),
        )))
    } else {
        None
    };

    // Opens and reopens incidents from firing alerts, notes their resolutions and notifications.
    let incidents_task = config.alerting.enabled.then(|| {
        tokio::spawn(crate::incidents::auto::run(
            store.clone(),
            state.alerts().clone(),
            config.incidents.clone(),
            Some(state.tickets().clone()),
            until_stopped(stopped.clone()),
        ))
    });
    // Escalates incidents nobody acknowledged (a no-op without a rotation or a commander).
    let escalation_channels = crate::incidents::escalation::EscalationChannels::from_settings(
        &config.incidents.oncall,
        &config.alerting.channels,
        &config.alerting.external_url,
    )
    .map_err(|reason| StartupError::Other(format!("incidents.oncall: {reason}")))?;
    let escalation_task = tokio::spawn(crate::incidents::escalation::run(
        store.clone(),
        config.incidents.oncall.clone(),
        escalation_channels,
        until_stopped(stopped.clone()),
    ));

    // Notes the components' state changes (the status feed) as they happen.
    let status_task = tokio::spawn(crate::status::run(
        state.status().clone(),
        store.clone(),
        state.probes().clone(),
        until_stopped(stopped.clone()),
    ));

    tracing::info!(addr = %local, dist = %config.dist_dir.display(), "listening");
    on_listening(local);
    // No Nagle delay: a file's body written after its headers must not wait for an ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // The peer address is what RUM's rate limit and stored network are made from.
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    tracing::info!("draining done, stopping background tasks");
    let _ = stop.send(true);
    let _ = tokio::join!(sampler, retention);
    let _ = status_task.await;
    if let Some(scheduler) = scheduler {
        let _ = scheduler.await;
    }
    if let Some(engine) = alert_engine {
        let _ = engine.await;
    }
    if let Some(dispatcher) = dispatcher {
        let _ = dispatcher.await;
    }
    if let Some(forwarder) = forwarder {
        let _ = forwarder.await;
    }
    if let Some(task) = incidents_task {
        let _ = task.await;
    }
    let _ = escalation_task.await;
    if let Some(writer) = rum_writer {
        let _ = writer.await;
    }
    store.close().await;
    served.map_err(|e| StartupError::Other(format!("server error: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received: draining in-flight requests");
}
