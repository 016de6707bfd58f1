//! The server's database for the administration subcommands (`token`, `user`, `audit`):
//! `--config FILE`, `CSV_ANALYZER_…` variables, `--database-url` and `--data-dir` choose it as
//! for `serve`; migrations are applied if needed.

use std::future::Future;
use std::path::PathBuf;

use clap::Args;

use super::CliError;
use crate::config::Config;
use crate::storage::{StorageError, Store};

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
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

/// A database error as the CLI reports it (bad input: the URL or the database is wrong).
pub fn database_error(error: StorageError) -> CliError {
    CliError::BadInput(error.to_string())
}

impl DatabaseArgs {
    /// Runs `work` on the migrated store, on a runtime of its own, then closes the store.
    pub fn with_store<T, F, Fut>(self, work: F) -> Result<T, CliError>
    where
        F: FnOnce(Store) -> Fut,
        Fut: Future<Output = Result<T, CliError>>,
    {
        let mut config =
            Config::load(self.config.as_deref()).map_err(|e| CliError::BadInput(e.to_string()))?;
        if let Some(url) = self.database_url {
            config.database_url = url;
        }
        if let Some(dir) = self.data_dir {
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
                .map_err(database_error)?;
            store.migrate().await.map_err(database_error)?;
            let result = work(store.clone()).await;
            store.close().await;
            result
        })
    }
}
