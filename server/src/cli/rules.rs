//! `csv-analyzer rules export --format prometheus [--config FILE] [--output FILE]`: the alert
//! rules (the built-in ones as the configuration changes them) as a Prometheus rule file over
//! the server's `/metrics` (see `alerting::export`). A configuration with an invalid rule exits
//! 2 naming the rule and the reason.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::output::emit;
use super::{CliError, Outcome};
use crate::alerting::export::prometheus_rules;
use crate::config::Config;

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Write the rules in another system's format.
    Export {
        /// The format: `prometheus` (a rule file for `rule_files`; `promtool check rules` accepts it).
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// A TOML configuration file whose `[alerting]` changes the rules.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Prometheus,
}

pub fn run(args: RulesArgs) -> Result<Outcome, CliError> {
    match args.command {
        RulesCommand::Export {
            format: ExportFormat::Prometheus,
            config,
            output,
        } => {
            let config =
                Config::load(config.as_deref()).map_err(|e| CliError::BadInput(e.to_string()))?;
            let rules = config
                .alerting
                .resolved_rules()
                .map_err(CliError::BadInput)?;
            let text = prometheus_rules(&rules, config.alerting.evaluation_interval_seconds);
            match output {
                None => emit(&text)?,
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?,
            }
        }
    }
    Ok(Outcome::Success)
}
