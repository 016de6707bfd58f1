//! `csv-analyzer user add [--admin | --role R] NAME | list | role NAME ROLE | passwd NAME |
//! disable NAME`: the people who may sign in. The first admin is made here
//! (`user add --admin NAME`); later ones can be made by an admin through `/api/users`.
//!
//! Passwords are read without echo from the terminal (asked twice), or as one line from
//! standard input when it is not a terminal (`--generate` makes and prints a random one).
//! Every change is in the audit trail, with `cli` as the actor.

use std::io::IsTerminal;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::database::{DatabaseArgs, database_error};
use super::output::{emit, emit_json, new_table};
use super::token::CLI_ACTOR;
use super::{CliError, Outcome};
use crate::audit::{self, actions};
use crate::auth::{Role, passwords, sessions, tokens};
use crate::storage::Store;

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user (the password is asked for, or read from standard input).
    Add {
        /// 1 to 64 letters, digits, `.`, `_`, `-`.
        name: String,
        /// Make an admin (same as `--role admin`).
        #[arg(long, conflicts_with = "role")]
        admin: bool,
        /// viewer, responder (the default), commander or admin.
        #[arg(long)]
        role: Option<String>,
        /// Generate a random password and print it once, instead of reading one.
        #[arg(long)]
        generate: bool,
    },
    /// List the users (never their passwords).
    List {
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Change a user's role.
    Role { name: String, role: String },
    /// Set a user's password (their sessions end).
    Passwd {
        name: String,
        /// Generate a random password and print it once.
        #[arg(long)]
        generate: bool,
    },
    /// Disable a user: their sessions end, they cannot sign in, the name stays taken.
    Disable { name: String },
}

#[derive(Debug, Serialize)]
struct Listed {
    name: String,
    role: String,
    created_at: String,
    disabled_at: Option<String>,
}

pub fn run(args: UserArgs) -> Result<Outcome, CliError> {
    // Check what can be checked, and read the password, before touching the database.
    let prepared = match args.command {
        UserCommand::Add {
            name,
            admin,
            role,
            generate,
        } => {
            check_name(&name)?;
            let role = if admin {
                Role::Admin
            } else {
                role.as_deref()
                    .unwrap_or("responder")
                    .parse::<Role>()
                    .map_err(CliError::BadInput)?
            };
            let password = obtain_password(generate)?;
            Prepared::Add {
                name,
                role,
                password,
            }
        }
        UserCommand::Passwd { name, generate } => Prepared::Passwd {
            password: obtain_password(generate)?,
            name,
        },
        UserCommand::Role { name, role } => Prepared::Role {
            name,
            role: role.parse::<Role>().map_err(CliError::BadInput)?,
        },
        UserCommand::List { json } => Prepared::List { json },
        UserCommand::Disable { name } => Prepared::Disable { name },
    };
    args.database
        .with_store(|store| async move { command(&store, prepared).await })
}

enum Prepared {
    Add {
        name: String,
        role: Role,
        password: Obtained,
    },
    Passwd {
        name: String,
        password: Obtained,
    },
    Role {
        name: String,
        role: Role,
    },
    List {
        json: bool,
    },
    Disable {
        name: String,
    },
}

/// A password, and whether it was generated (then it is printed).
struct Obtained {
    password: String,
    generated: bool,
}

fn check_name(name: &str) -> Result<(), CliError> {
    tokens::validate_name(name)
        .map_err(|e| CliError::BadInput(e.replace("token name", "user name")))
}

fn obtain_password(generate: bool) -> Result<Obtained, CliError> {
    if generate {
        return Ok(Obtained {
            password: sessions::random_token().map_err(CliError::Server)?,
            generated: true,
        });
    }
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ")
            .map_err(|e| CliError::BadInput(format!("cannot read the password: {e}")))?;
        let second = rpassword::prompt_password("password again: ")
            .map_err(|e| CliError::BadInput(format!("cannot read the password: {e}")))?;
        if first != second {
            return Err(CliError::BadInput("the two passwords differ".to_string()));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| CliError::BadInput(format!("cannot read the password: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    passwords::check_strength(&password).map_err(CliError::BadInput)?;
    Ok(Obtained {
        password,
        generated: false,
    })
}

async fn command(store: &Store, prepared: Prepared) -> Result<Outcome, CliError> {
    let users = store.users();
    let now = crate::probes::unix_now_ms();
    match prepared {
        Prepared::Add {
            name,
            role,
            password,
        } => {
            let hash = passwords::hash_blocking(password.password.clone())
                .await
                .map_err(CliError::Server)?;
            if !users
                .create(&name, &hash, role.as_str(), now)
                .await
                .map_err(database_error)?
            {
                return Err(CliError::BadInput(format!(
                    "a user named `{name}` exists already (disabled ones keep their name)"
                )));
            }
            audit::record(
                store,
                CLI_ACTOR,
                actions::USER_CREATE,
                &name,
                serde_json::json!({ "role": role }),
            )
            .await
            .map_err(database_error)?;
            if password.generated {
                emit(&format!("{}\n", password.password))?;
            }
            eprintln!("user `{name}` ({role}) added");
        }
        Prepared::Passwd { name, password } => {
            let hash = passwords::hash_blocking(password.password.clone())
                .await
                .map_err(CliError::Server)?;
            if !users
                .set_password(&name, &hash)
                .await
                .map_err(database_error)?
            {
                return Err(CliError::BadInput(format!("no user named `{name}`")));
            }
            audit::record(
                store,
                CLI_ACTOR,
                actions::USER_PASSWORD,
                &name,
                serde_json::json!({}),
            )
            .await
            .map_err(database_error)?;
            if password.generated {
                emit(&format!("{}\n", password.password))?;
            }
            eprintln!("password of `{name}` changed; their sessions ended");
        }
        Prepared::Role { name, role } => {
            if !users
                .set_role(&name, role.as_str())
                .await
                .map_err(database_error)?
            {
                return Err(CliError::BadInput(format!("no user named `{name}`")));
            }
            audit::record(
                store,
                CLI_ACTOR,
                actions::USER_ROLE,
                &name,
                serde_json::json!({ "role": role }),
            )
            .await
            .map_err(database_error)?;
            eprintln!("`{name}` is now a {role}");
        }
        Prepared::Disable { name } => {
            if !users.disable(&name, now).await.map_err(database_error)? {
                return Err(CliError::BadInput(format!(
                    "no enabled user named `{name}`"
                )));
            }
            audit::record(
                store,
                CLI_ACTOR,
                actions::USER_DISABLE,
                &name,
                serde_json::json!({}),
            )
            .await
            .map_err(database_error)?;
            eprintln!("user `{name}` disabled; their sessions ended");
        }
        Prepared::List { json } => {
            let listed: Vec<Listed> = users
                .list()
                .await
                .map_err(database_error)?
                .into_iter()
                .map(|row| Listed {
                    name: row.name,
                    role: row.role,
                    created_at: crate::pages::rfc3339(row.created_ms),
                    disabled_at: row.disabled_ms.map(crate::pages::rfc3339),
                })
                .collect();
            if json {
                emit_json(&listed)?;
            } else {
                let mut table = new_table(&["name", "role", "created", "disabled"]);
                for row in &listed {
                    table.add_row(vec![
                        row.name.clone(),
                        row.role.clone(),
                        row.created_at.clone(),
                        row.disabled_at.clone().unwrap_or_else(|| "-".to_string()),
                    ]);
                }
                emit(&format!("{table}\n"))?;
            }
        }
    }
    Ok(Outcome::Success)
}
