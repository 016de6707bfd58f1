//! `csv-analyzer drift REFERENCE CURRENT [--json] [--fail-on-drift]`.

use std::path::PathBuf;

use clap::Args;
use shared::drift::{DriftOptions, DriftReport, DriftTest, compare};

use super::output::{emit, emit_json, new_table, number, p_value};
use super::{CliError, Outcome, ReadArgs, input_path, read_table};

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The reference CSV (what the model was trained on).
    reference: PathBuf,
    /// The current CSV (what it sees now).
    current: PathBuf,
    /// Print the report as JSON (the shared `DriftReport` type).
    #[arg(long)]
    json: bool,
    /// Exit with status 1 when the dataset drifted, to gate a data pipeline.
    #[arg(long)]
    fail_on_drift: bool,
    /// A column drifts when its test's p-value is below this.
    #[arg(long, default_value_t = 0.05, value_parser = parse_probability)]
    p_value_threshold: f64,
    /// The dataset drifts when at least this share of tested columns drift.
    #[arg(long, default_value_t = 0.5, value_parser = parse_probability)]
    drift_share_threshold: f64,
    #[command(flatten)]
    read: ReadArgs,
}

fn parse_probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a number between 0 and 1")),
    }
}

pub fn run(args: DriftArgs) -> Result<Outcome, CliError> {
    if args.reference.as_os_str() == "-" && args.current.as_os_str() == "-" {
        return Err(CliError::BadInput(
            "only one of REFERENCE and CURRENT can be standard input (-)".to_string(),
        ));
    }
    let options = args.read.profile_options();
    let threads = args.read.threads();
    let reference = read_table(&input_path(&args.reference), &options, threads)?;
    let current = read_table(&input_path(&args.current), &options, threads)?;
    let drift_options = DriftOptions {
        p_value_threshold: args.p_value_threshold,
        drift_share_threshold: args.drift_share_threshold,
        ..DriftOptions::default()
    };
    let report = compare(&reference, &current, &drift_options);
    if args.json {
        emit_json(&report)?;
    } else {
        emit(&render(&report))?;
    }
    Ok(if args.fail_on_drift && report.dataset_drift {
        Outcome::GateTripped
    } else {
        Outcome::Success
    })
}

fn render(report: &DriftReport) -> String {
    let mut text = String::new();
    if report.columns.is_empty() {
        text.push_str("No column could be tested.\n");
    } else {
        let mut table = new_table(&[
            "column",
            "test",
            "statistic",
            "p-value",
            "PSI",
            "Wasserstein",
            "drifted",
        ]);
        for c in &report.columns {
            let approx = if c.approximate { "≈" } else { "" };
            table.add_row(vec![
                c.name.clone(),
                match c.test {
                    DriftTest::Ks => "KS".to_string(),
                    DriftTest::Chi2 => format!("χ² ({} dof)", c.dof.unwrap_or(0)),
                },
                format!("{approx}{}", number(Some(c.statistic))),
                p_value(c.p_value),
                number(c.psi),
                number(c.wasserstein),
                if c.drifted { "YES" } else { "no" }.to_string(),
            ]);
        }
        text.push_str(&table.to_string());
        text.push('\n');
    }
    for skipped in &report.skipped {
        text.push_str(&format!("skipped {}: {}\n", skipped.name, skipped.reason));
    }
    if !report.only_in_reference.is_empty() {
        text.push_str(&format!(
            "only in the reference: {}\n",
            report.only_in_reference.join(", ")
        ));
    }
    if !report.only_in_current.is_empty() {
        text.push_str(&format!(
            "only in the current file: {}\n",
            report.only_in_current.join(", ")
        ));
    }
    let drifted = report.columns.iter().filter(|c| c.drifted).count();
    text.push_str(&format!(
        "{} of {} tested columns drifted ({:.0}%, threshold {:.0}% at p < {}): {}\n",
        drifted,
        report.columns.len(),
        report.drifted_share * 100.0,
        report.options.drift_share_threshold * 100.0,
        report.options.p_value_threshold,
        if report.dataset_drift {
            "DATASET DRIFT"
        } else {
            "no dataset drift"
        }
    ));
    text
}
