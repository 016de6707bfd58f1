//! `csv-analyzer probe-agent --server URL --token TOKEN --location NAME [--spool-dir DIR]`:
//! runs the probes assigned to one location away from the server and pushes their results
//! (see `probes::agent`). Bad arguments exit 2 with one line; an unreachable server is never
//! an error: the agent keeps running and spools.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{CliError, Outcome};
use crate::config::LogFormat;
use crate::probes::agent::{self, AgentSettings};
use crate::probes::spec::check_name;
use crate::startup::shutdown_signal;
use crate::telemetry::logging;

#[derive(Debug, Args)]
pub struct ProbeAgentArgs {
    /// The server's base URL, e.g. `https://csv.example.org`.
    #[arg(long)]
    server: String,
    /// An API token (`csv-analyzer token create`); also read from `CSV_ANALYZER_AGENT_TOKEN`.
    #[arg(long, env = "CSV_ANALYZER_AGENT_TOKEN", hide_env_values = true)]
    token: String,
    /// This agent's location: 1 to 64 letters, digits, `.`, `_`, `-`; not `local`.
    #[arg(long)]
    location: String,
    /// Where unsent results are kept (created if needed).
    #[arg(long, default_value = "csv-analyzer-agent-spool")]
    spool_dir: PathBuf,
    /// Seconds between two fetches of the definitions.
    #[arg(long, default_value_t = 60)]
    refresh_seconds: u64,
    /// The longest wait, in seconds, between two attempts while the server does not answer.
    #[arg(long, default_value_t = 60)]
    max_backoff_seconds: u64,
    /// Runs in flight at once.
    #[arg(long, default_value_t = 64)]
    max_concurrency: usize,
    /// Results kept at most while the server cannot be reached; beyond, the oldest are dropped
    /// (and the log says how many).
    #[arg(long, default_value_t = agent::DEFAULT_MAX_SPOOLED)]
    max_spooled: usize,
    /// Log format on standard error.
    #[arg(long, value_enum, default_value = "pretty")]
    log_format: LogFormat,
}

fn settings(args: ProbeAgentArgs) -> Result<(AgentSettings, LogFormat), String> {
    let server = reqwest::Url::parse(args.server.trim())
        .map_err(|e| format!("--server `{}` is not a URL: {e}", args.server))?;
    if !matches!(server.scheme(), "http" | "https") || server.host_str().is_none() {
        return Err(format!(
            "--server `{}` must be http:// or https:// with a host",
            args.server
        ));
    }
    let token = args.token.trim().to_string();
    if token.is_empty() || token.contains(char::is_whitespace) || !token.is_ascii() {
        return Err("--token must be an API token (csva_…)".to_string());
    }
    check_name("--location", &args.location)?;
    if args.location == crate::probes::LOCAL {
        return Err("--location cannot be `local`: that is the server itself".to_string());
    }
    if args.refresh_seconds == 0 {
        return Err("--refresh-seconds must be at least 1".to_string());
    }
    if args.max_backoff_seconds == 0 {
        return Err("--max-backoff-seconds must be at least 1".to_string());
    }
    if args.max_concurrency == 0 {
        return Err("--max-concurrency must be at least 1".to_string());
    }
    if args.max_spooled == 0 {
        return Err("--max-spooled must be at least 1".to_string());
    }
    Ok((
        AgentSettings {
            server,
            token,
            location: args.location,
            spool_dir: args.spool_dir,
            refresh: Duration::from_secs(args.refresh_seconds),
            max_backoff: Duration::from_secs(args.max_backoff_seconds),
            max_concurrency: args.max_concurrency,
            max_spooled: args.max_spooled,
        },
        args.log_format,
    ))
}

pub fn run(args: ProbeAgentArgs) -> Result<Outcome, CliError> {
    let (settings, log_format) = settings(args).map_err(CliError::BadInput)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Server(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let telemetry =
            logging::init(log_format, "", "csv-analyzer-agent").map_err(CliError::BadInput)?;
        let result = agent::run(settings, shutdown_signal()).await;
        telemetry.flush();
        drop(telemetry);
        result.map_err(CliError::BadInput)
    })?;
    Ok(Outcome::Success)
}
