//! `csv-analyzer quality FILE --label COL --prediction COL [--baseline FILE] [--json]`.

use std::path::PathBuf;

use clap::Args;
use shared::quality::{BaselineFigures, DEFAULT_MAX_RELATIVE_DROP, QualityOptions, QualityReport};

use super::input::{InputPath, read_quality};
use super::output::{emit, emit_json, new_table, number};
use super::{CliError, Outcome, ReadArgs, input_path};

#[derive(Debug, Args)]
pub struct QualityArgs {
    /// The CSV with the true labels and the model's predictions, or `-` for standard input.
    file: PathBuf,
    /// Column holding the true label.
    #[arg(long)]
    label: String,
    /// Column holding the model's prediction.
    #[arg(long)]
    prediction: String,
    /// Baseline to compare with: a CSV with the same columns, or a JSON file with
    /// `accuracy` and `f1_macro` (e.g. an earlier `quality --json` output).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Baseline accuracy, instead of a baseline file.
    #[arg(long, conflicts_with = "baseline")]
    baseline_accuracy: Option<f64>,
    /// Baseline macro F1, instead of a baseline file.
    #[arg(long, conflicts_with = "baseline")]
    baseline_f1: Option<f64>,
    /// Relative drop against the baseline that counts as a degradation.
    #[arg(long, default_value_t = DEFAULT_MAX_RELATIVE_DROP)]
    max_drop: f64,
    /// Exit with status 1 when quality dropped more than --max-drop against the baseline.
    #[arg(long)]
    fail_on_degradation: bool,
    /// Print the report as JSON (the shared `QualityReport` type).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: QualityArgs) -> Result<Outcome, CliError> {
    let options = QualityOptions {
        read: args.read.read_options(),
        ..QualityOptions::new(&args.label, &args.prediction)
    };
    let mut report = evaluate(&input_path(&args.file), options.clone())?;
    let baseline = match (&args.baseline, args.baseline_accuracy, args.baseline_f1) {
        (Some(path), _, _) => Some(baseline_from_file(path, options)?),
        (None, None, None) => None,
        (None, accuracy, f1_macro) => Some(BaselineFigures { accuracy, f1_macro }),
    };
    if let Some(baseline) = baseline {
        report.compare_with(baseline, args.max_drop);
    }
    if args.json {
        emit_json(&report)?;
    } else {
        emit(&render(&report))?;
    }
    let degraded = report.baseline.is_some_and(|b| b.degraded);
    Ok(if args.fail_on_degradation && degraded {
        Outcome::GateTripped
    } else {
        Outcome::Success
    })
}

fn evaluate(input: &InputPath, options: QualityOptions) -> Result<QualityReport, CliError> {
    let path = input.display();
    read_quality(input, options)?.map_err(|e| CliError::BadInput(format!("{path}: {e}")))
}

fn baseline_from_file(
    path: &PathBuf,
    options: QualityOptions,
) -> Result<BaselineFigures, CliError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if !is_json {
        return Ok(evaluate(&input_path(path), options)?.figures());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
    let figures: BaselineFigures = serde_json::from_str(&text).map_err(|e| {
        CliError::BadInput(format!(
            "{}: not a baseline (JSON with \"accuracy\" and \"f1_macro\"): {e}",
            path.display()
        ))
    })?;
    if figures.accuracy.is_none() && figures.f1_macro.is_none() {
        return Err(CliError::BadInput(format!(
            "{}: the baseline has neither \"accuracy\" nor \"f1_macro\"",
            path.display()
        )));
    }
    Ok(figures)
}

fn render(report: &QualityReport) -> String {
    let mut text = format!(
        "{} rows evaluated ({} skipped: label or prediction missing)\n",
        report.rows, report.skipped_rows
    );
    let mut summary = new_table(&["metric", "value"]);
    summary.add_row(vec!["accuracy".to_string(), number(report.accuracy)]);
    summary.add_row(vec!["F1 (macro)".to_string(), number(report.f1_macro)]);
    summary.add_row(vec![
        "F1 (weighted)".to_string(),
        number(report.f1_weighted),
    ]);
    summary.add_row(vec![
        "precision (macro)".to_string(),
        number(report.precision_macro),
    ]);
    summary.add_row(vec![
        "recall (macro)".to_string(),
        number(report.recall_macro),
    ]);
    if let Some(r) = report.regression {
        summary.add_row(vec!["MAE".to_string(), number(Some(r.mae))]);
        summary.add_row(vec!["RMSE".to_string(), number(Some(r.rmse))]);
        summary.add_row(vec!["R²".to_string(), number(Some(r.r2))]);
    }
    text.push_str(&summary.to_string());
    text.push('\n');
    if !report.classes.is_empty() {
        let mut classes = new_table(&["class", "precision", "recall", "F1", "support"]);
        for c in &report.classes {
            classes.add_row(vec![
                c.label.clone(),
                number(Some(c.precision)),
                number(Some(c.recall)),
                number(Some(c.f1)),
                c.support.to_string(),
            ]);
        }
        text.push_str(&classes.to_string());
        text.push('\n');
    }
    if let Some(cm) = &report.confusion_matrix {
        let mut header = vec!["true \\ predicted".to_string()];
        header.extend(cm.labels.iter().cloned());
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut matrix = new_table(&header);
        for (label, row) in cm.labels.iter().zip(&cm.matrix) {
            let mut cells = vec![label.clone()];
            cells.extend(row.iter().map(u64::to_string));
            matrix.add_row(cells);
        }
        text.push_str(&matrix.to_string());
        text.push('\n');
    }
    if let Some(note) = &report.note {
        text.push_str(&format!("note: {note}\n"));
    }
    if let Some(b) = report.baseline {
        let pct = |d: Option<f64>| d.map_or("—".to_string(), |d| format!("{:+.1}%", -d * 100.0));
        text.push_str(&format!(
            "against the baseline: accuracy {} (baseline {}), F1 macro {} (baseline {}): {}\n",
            pct(b.accuracy_relative_drop),
            number(b.accuracy),
            pct(b.f1_macro_relative_drop),
            number(b.f1_macro),
            if b.degraded {
                format!(
                    "DEGRADED (more than {:.0}% below)",
                    b.max_relative_drop * 100.0
                )
            } else {
                "within tolerance".to_string()
            }
        ));
    }
    text
}
