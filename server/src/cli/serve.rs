//! `csv-analyzer serve`: the browser app and the API over HTTP.
//!
//! Settings come from defaults, `--config FILE`, `CSV_ANALYZER_…` variables, then these flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::output::emit;
use super::{CliError, Outcome};
use crate::config::{Config, LogFormat};
use crate::startup::{self, shutdown_signal};
use crate::telemetry::logging;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML configuration file (see docs/config.example.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free port) [config: addr].
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// Directory for the server's data [config: data_dir].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The built browser app [config: dist_dir].
    #[arg(long)]
    dist_dir: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…`; default SQLite in the data dir [config: database_url].
    #[arg(long)]
    database_url: Option<String>,
    /// Log format on standard error [config: log_format].
    #[arg(long, value_enum)]
    log_format: Option<LogFormat>,
}

pub fn run(args: ServeArgs) -> Result<Outcome, CliError> {
    let mut config =
        Config::load(args.config.as_deref()).map_err(|e| CliError::BadInput(e.to_string()))?;
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if let Some(dir) = args.dist_dir {
        config.dist_dir = dir;
    }
    if let Some(url) = args.database_url {
        config.database_url = url;
    }
    if let Some(format) = args.log_format {
        config.log_format = format;
    }
    config.validate().map_err(|(key, message)| {
        CliError::BadInput(format!("configuration key `{key}`: {message}"))
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Server(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let telemetry = logging::init(
            config.log_format,
            &config.otlp_endpoint,
            &config.service_name,
        )
        .map_err(CliError::BadInput)?;
        let mut announce_error = None;
        let result = startup::run(
            config,
            |addr| {
                // The first stdout line tells scripts and tests where the server is.
                if let Err(e) = emit(&format!("csv-analyzer listening on http://{addr}\n")) {
                    announce_error = Some(e);
                }
            },
            shutdown_signal(),
        )
        .await;
        telemetry.flush();
        drop(telemetry);
        if let Some(error) = announce_error {
            return Err(error);
        }
        result.map_err(|e| CliError::BadInput(e.to_string()))
    })?;
    Ok(Outcome::Success)
}
