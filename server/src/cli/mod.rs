//! The command line: one file per subcommand; errors printed once, exit code decided here
//! (0 success, 1 a gate tripped such as `--fail-on-drift`, 2 bad input).

mod audit;
mod config;
mod database;
mod drift;
mod input;
mod output;
mod probe_agent;
mod profile;
mod quality;
mod rules;
mod serve;
mod token;
mod user;

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use shared::csv_input::{DecimalSeparator, ReadOptions, TextEncoding};
use shared::profile::ProfileOptions;

pub use input::{InputError, read_table};

/// Privacy-first CSV analysis: profile, drift and model quality from the command line, and the
/// server of the browser app.
#[derive(Debug, Parser)]
#[command(name = "csv-analyzer", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Profile the columns of a CSV file (`-` reads standard input).
    Profile(profile::ProfileArgs),
    /// Compare a reference and a current file for data drift.
    Drift(drift::DriftArgs),
    /// Measure a model's quality from a label and a prediction column.
    Quality(quality::QualityArgs),
    /// Serve the browser app and the API.
    Serve(serve::ServeArgs),
    /// Check or show the server configuration.
    Config(config::ConfigArgs),
    /// Create, list or revoke the API tokens of probe agents and automation.
    Token(token::TokenArgs),
    /// Run the probes of one location away from the server and push their results to it.
    ProbeAgent(probe_agent::ProbeAgentArgs),
    /// Export the alert rules (e.g. as a Prometheus rule file).
    Rules(rules::RulesArgs),
    /// Add, list, change or disable the people who may sign in (`user add --admin NAME`).
    User(user::UserArgs),
    /// Verify or list the hash-chained audit trail.
    Audit(audit::AuditArgs),
}

/// How to read the CSV files; everything is detected when not given.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Field delimiter (one character, or `tab`); detected among , ; tab | when absent.
    #[arg(long, value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Decimal separator of numbers; detected when absent (comma only with `;` files).
    #[arg(long, value_enum)]
    decimal: Option<DecimalArg>,
    /// Text encoding; by default UTF-8 with a Windows-1252 fallback for invalid fields.
    #[arg(long, value_enum)]
    encoding: Option<EncodingArg>,
    /// The first row is data, not column names.
    #[arg(long)]
    no_header: bool,
    /// Cell values that mean "missing" (comma-separated), replacing the default list
    /// NA,N/A,null,NULL,NaN,nan,- ; empty cells are always missing.
    #[arg(long, value_delimiter = ',')]
    missing: Option<Vec<String>>,
    /// Values per column kept for exact statistics; beyond, sketches with error bounds.
    #[arg(long, default_value_t = 1_000_000)]
    exact_limit: u64,
    /// Worker threads for parsing statistics (default: the number of CPUs).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DecimalArg {
    Dot,
    Comma,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EncodingArg {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "windows-1252", alias = "latin-1")]
    Windows1252,
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        other if other.len() == 1 && other.is_ascii() => Ok(other.as_bytes()[0]),
        other => Err(format!(
            "{other:?} is not a single ASCII character (use `tab` for a tab)"
        )),
    }
}

impl ReadArgs {
    fn read_options(&self) -> ReadOptions {
        let mut options = ReadOptions {
            delimiter: self.delimiter,
            decimal_separator: self.decimal.map(|d| match d {
                DecimalArg::Dot => DecimalSeparator::Dot,
                DecimalArg::Comma => DecimalSeparator::Comma,
            }),
            encoding: self.encoding.map(|e| match e {
                EncodingArg::Utf8 => TextEncoding::Utf8,
                EncodingArg::Windows1252 => TextEncoding::Windows1252,
            }),
            has_header: !self.no_header,
            ..ReadOptions::default()
        };
        if let Some(missing) = &self.missing {
            options.missing_tokens = missing.clone();
        }
        options
    }

    fn profile_options(&self) -> ProfileOptions {
        ProfileOptions {
            read: self.read_options(),
            exact_limit: self.exact_limit.max(1),
            ..ProfileOptions::default()
        }
    }

    fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })
            .max(1)
    }
}

/// What a subcommand can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Server(String),
}

/// Outcome of a successful run.
pub enum Outcome {
    Success,
    /// A gate (`--fail-on-drift`, `--fail-on-degradation`) tripped.
    GateTripped,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints usage errors to stderr with exit code 2, help/version to stdout with 0.
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    let result = match cli.command {
        Command::Profile(args) => profile::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Quality(args) => quality::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Config(args) => config::run(args),
        Command::Token(args) => token::run(args),
        Command::ProbeAgent(args) => probe_agent::run(args),
        Command::Rules(args) => rules::run(args),
        Command::User(args) => user::run(args),
        Command::Audit(args) => audit::run(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::GateTripped) => ExitCode::from(1),
        Err(error) => {
            eprintln!("csv-analyzer: {error}");
            ExitCode::from(2)
        }
    }
}

/// A path argument: a file, or `-` for standard input.
fn input_path(path: &Path) -> input::InputPath {
    if path.as_os_str() == "-" {
        input::InputPath::Stdin
    } else {
        input::InputPath::File(path.to_path_buf())
    }
}
