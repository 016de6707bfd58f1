//! `csv-analyzer serve`: the browser app and the API over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::output::emit;
use super::{CliError, Outcome};
use crate::{AppState, app};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "CSV_ANALYZER_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory for the server's data (created if missing).
    #[arg(long, env = "CSV_ANALYZER_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// The built browser app (`trunk build --release` output).
    #[arg(long, env = "CSV_ANALYZER_DIST_DIR", default_value = "./dist")]
    dist_dir: PathBuf,
    /// Log format on standard error.
    #[arg(long, env = "CSV_ANALYZER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// One JSON object per line (Loki/Promtail-ready).
    Json,
    /// Human-readable.
    Pretty,
}

pub fn run(args: ServeArgs) -> Result<Outcome, CliError> {
    if !args.dist_dir.join("index.html").is_file() {
        return Err(CliError::BadInput(format!(
            "no built app at {}: run scripts/build-app.sh first, or pass --dist-dir",
            args.dist_dir.join("index.html").display()
        )));
    }
    std::fs::create_dir_all(&args.data_dir).map_err(|e| {
        CliError::BadInput(format!(
            "cannot create the data directory {}: {e}",
            args.data_dir.display()
        ))
    })?;
    init_logging(args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Server(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<Outcome, CliError> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| CliError::BadInput(format!("cannot listen on {}: {e}", args.addr)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Server(format!("no local address: {e}")))?;
    // The first stdout line tells scripts and tests where the server is.
    emit(&format!("csv-analyzer listening on http://{local}\n"))?;
    tracing::info!(addr = %local, dist = %args.dist_dir.display(), data = %args.data_dir.display(), "listening");
    let router = app(AppState::new(args.dist_dir.clone()));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| CliError::Server(format!("server error: {e}")))?;
    tracing::info!("stopped");
    Ok(Outcome::Success)
}

async fn shutdown_signal() {
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
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("CSV_ANALYZER_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
