//! `csv-analyzer config check FILE` and `csv-analyzer config show [--config FILE]`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::output::emit;
use super::{CliError, Outcome};
use crate::config::{Config, check_text};

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file: names the bad key and its line.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
    /// Print the effective configuration (defaults, file, environment) as TOML.
    Show {
        /// The TOML file (optional).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub fn run(args: ConfigArgs) -> Result<Outcome, CliError> {
    match args.command {
        ConfigCommand::Check { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::BadInput(format!("{}: {e}", file.display())))?;
            check_text(&text, &file.display().to_string())
                .map_err(|e| CliError::BadInput(e.to_string()))?;
            emit(&format!("{}: OK\n", file.display()))?;
        }
        ConfigCommand::Show { config } => {
            let effective =
                Config::load(config.as_deref()).map_err(|e| CliError::BadInput(e.to_string()))?;
            // No password or probe secret on the screen.
            let shown = effective.redacted();
            let text = toml::to_string_pretty(&shown)
                .map_err(|e| CliError::Server(format!("cannot print the configuration: {e}")))?;
            emit(&text)?;
        }
    }
    Ok(Outcome::Success)
}
