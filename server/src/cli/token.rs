//! `csv-analyzer token create --name N | list | revoke NAME`: the API tokens that may change
//! probes through the API. The token is printed once, by `create`; only its SHA-256 is stored.
//!
//! The database is the server's (see [`super::database`]). Each token has a role
//! (`--role`, default responder); creations and revocations are in the audit trail.

use chrono::{DateTime, SecondsFormat};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::database::{DatabaseArgs, database_error};
use super::output::{emit, emit_json, new_table};
use super::{CliError, Outcome};
use crate::audit::{self, actions};
use crate::auth::{Role, tokens};
use crate::storage::Store;

/// The actor the audit trail names for changes made on the command line (with access to the
/// database itself).
pub const CLI_ACTOR: &str = "cli";

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print it (once: it cannot be shown again).
    Create {
        /// A unique name: 1 to 64 letters, digits, `.`, `_`, `-`.
        #[arg(long)]
        name: String,
        /// What the token may do: viewer, responder (the default), commander or admin.
        #[arg(long, default_value = "responder")]
        role: String,
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
    role: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

pub fn run(args: TokenArgs) -> Result<Outcome, CliError> {
    if let TokenCommand::Create { name, role } = &args.command {
        tokens::validate_name(name).map_err(CliError::BadInput)?;
        role.parse::<Role>().map_err(CliError::BadInput)?;
    }
    let command = args.command;
    args.database
        .with_store(|store| async move { self::command(&store, command).await })
}

async fn command(store: &Store, command: TokenCommand) -> Result<Outcome, CliError> {
    let database = database_error;
    let repo = store.api_tokens();
    let now = crate::probes::unix_now_ms();
    match command {
        TokenCommand::Create { name, role } => {
            let role = role.parse::<Role>().map_err(CliError::BadInput)?;
            let token = tokens::generate().map_err(CliError::Server)?;
            if !repo
                .create(&name, &tokens::hash(&token), role.as_str(), now)
                .await
                .map_err(database)?
            {
                return Err(CliError::BadInput(format!(
                    "a token named `{name}` exists already (revoked ones keep their name)"
                )));
            }
            audit::record(
                store,
                CLI_ACTOR,
                actions::TOKEN_CREATE,
                &name,
                serde_json::json!({ "role": role }),
            )
            .await
            .map_err(database)?;
            emit(&format!("{token}\n"))?;
            eprintln!("token `{name}` ({role}) created: keep it now, it is not shown again");
        }
        TokenCommand::List { json } => {
            let rows = repo.list().await.map_err(database)?;
            let listed: Vec<Listed> = rows
                .into_iter()
                .map(|row| Listed {
                    name: row.name,
                    role: row.role,
                    created_at: rfc3339(row.created_ms),
                    last_used_at: row.last_used_ms.map(rfc3339),
                    revoked_at: row.revoked_ms.map(rfc3339),
                })
                .collect();
            if json {
                emit_json(&listed)?;
            } else {
                let mut table = new_table(&["name", "role", "created", "last used", "revoked"]);
                for row in &listed {
                    let dash = || "-".to_string();
                    table.add_row(vec![
                        row.name.clone(),
                        row.role.clone(),
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
            audit::record(
                store,
                CLI_ACTOR,
                actions::TOKEN_REVOKE,
                &name,
                serde_json::json!({}),
            )
            .await
            .map_err(database)?;
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
