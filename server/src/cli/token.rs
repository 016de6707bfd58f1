//! `csv-analyzer token create --name N | list | revoke NAME`: the API tokens that may change
//! probes through the API. The token is printed once, by `create`; only its SHA-256 is stored.
//!
//! The database is the server's: `--config FILE`, `CSV_ANALYZER_…` variables, `--database-url`
//! and `--data-dir` choose it as for `serve` (migrations are applied if needed).

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{emit, emit_json, new_table};
use super::{CliError, Outcome};
use crate::auth::tokens;
use crate::config::Config;
use crate::storage::Store;

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
    /// A TOML configuration file: its database is used (see docs/config.example.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…` [config: database_url].
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Directory of the default SQLite database [config: data_dir].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print it (once: it cannot be shown again).
    Create {
        /// A unique name: 1 to 64 letters, digits, `.`, `_`, `-`.
        #[arg(long)]
        name: String,
    },
    /// List the tokens (names and dates, never the tokens).
    List {
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: requests with it are answered 401 from now on.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// One token as `token list --json` prints it.
#[derive(Debug, Serialize)]
struct Listed {
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

pub fn run(args: TokenArgs) -> Result<Outcome, CliError> {
    if let TokenCommand::Create { name } = &args.command {
        tokens::validate_name(name).map_err(CliError::BadInput)?;
    }
    let mut config =
        Config::load(args.config.as_deref()).map_err(|e| CliError::BadInput(e.to_string()))?;
    if let Some(url) = args.database_url {
        config.database_url = url;
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    config.validate().map_err(|(key, message)| {
        CliError::BadInput(format!("configuration key `{key}`: {message}"))
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Server(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let store = Store::connect(&config.effective_database_url())
            .await
            .map_err(|e| CliError::BadInput(e.to_string()))?;
        let result = command(&store, args.command).await;
        store.close().await;
        result
    })
}

async fn command(store: &Store, command: TokenCommand) -> Result<Outcome, CliError> {
    let database = |e: crate::storage::StorageError| CliError::BadInput(e.to_string());
    store.migrate().await.map_err(database)?;
    let repo = store.api_tokens();
    let now = crate::probes::unix_now_ms();
    match command {
        TokenCommand::Create { name } => {
            let token = tokens::generate().map_err(CliError::Server)?;
            if !repo
                .create(&name, &tokens::hash(&token), now)
                .await
                .map_err(database)?
            {
                return Err(CliError::BadInput(format!(
                    "a token named `{name}` exists already (revoked ones keep their name)"
                )));
            }
            emit(&format!("{token}\n"))?;
            eprintln!("token `{name}` created: keep it now, it is not shown again");
        }
        TokenCommand::List { json } => {
            let rows = repo.list().await.map_err(database)?;
            let listed: Vec<Listed> = rows
                .into_iter()
                .map(|row| Listed {
                    name: row.name,
                    created_at: rfc3339(row.created_ms),
                    last_used_at: row.last_used_ms.map(rfc3339),
                    revoked_at: row.revoked_ms.map(rfc3339),
                })
                .collect();
            if json {
                emit_json(&listed)?;
            } else {
                let mut table = new_table(&["name", "created", "last used", "revoked"]);
                for row in &listed {
                    let dash = || "-".to_string();
                    table.add_row(vec![
                        row.name.clone(),
                        row.created_at.clone(),
                        row.last_used_at.clone().unwrap_or_else(dash),
                        row.revoked_at.clone().unwrap_or_else(dash),
                    ]);
                }
                emit(&format!("{table}\n"))?;
            }
        }
        TokenCommand::Revoke { name } => {
            if !repo.revoke(&name, now).await.map_err(database)? {
                return Err(CliError::BadInput(format!(
                    "no active token named `{name}`"
                )));
            }
            eprintln!("token `{name}` revoked");
        }
    }
    Ok(Outcome::Success)
}

fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}
