//! Model quality from a label column and a prediction column (seed §2.2.3).
//!
//! Cells are compared after trimming spaces, numbers by value (`1` and `1.0` are the same
//! class). Rows where either cell is missing are skipped and counted.

mod classification;
mod regression;

pub use classification::{ClassMetrics, ConfusionMatrix};
pub use regression::RegressionMetrics;

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use crate::csv_input::{
    CellValue, CsvSource, ReadOptions, SourceEvent, TableHeader, classify_cell, decode_text,
    format_timestamp_micros,
};
use crate::profile::format_number;
use regression::RegressionAccumulator;

/// A relative drop larger than this against the baseline is flagged (seed §2.2.3: 10%).
pub const DEFAULT_MAX_RELATIVE_DROP: f64 = 0.10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityOptions {
    pub label: String,
    pub prediction: String,
    #[serde(default)]
    pub read: ReadOptions,
    /// Above this many distinct labels, per-class metrics and the confusion matrix are left out.
    #[serde(default = "default_max_classes")]
    pub max_classes: usize,
}

fn default_max_classes() -> usize {
    100
}

impl QualityOptions {
    pub fn new(label: impl Into<String>, prediction: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            prediction: prediction.into(),
            read: ReadOptions::default(),
            max_classes: default_max_classes(),
        }
    }
}

/// What `csv-analyzer quality --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    pub label: String,
    pub prediction: String,
    /// Rows evaluated (both cells present).
    pub rows: u64,
    /// Rows skipped because the label or the prediction was missing.
    pub skipped_rows: u64,
    pub accuracy: Option<f64>,
    pub f1_macro: Option<f64>,
    pub f1_weighted: Option<f64>,
    pub precision_macro: Option<f64>,
    pub recall_macro: Option<f64>,
    pub classes: Vec<ClassMetrics>,
    pub confusion_matrix: Option<ConfusionMatrix>,
    /// When both columns hold only numbers.
    pub regression: Option<RegressionMetrics>,
    /// Why per-class metrics are absent, when they are.
    pub note: Option<String>,
    pub baseline: Option<BaselineComparison>,
}

/// Reference figures to compare against: another file's report, or stored numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BaselineFigures {
    pub accuracy: Option<f64>,
    pub f1_macro: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BaselineComparison {
    pub accuracy: Option<f64>,
    pub f1_macro: Option<f64>,
    /// (baseline − current) / baseline; positive is worse.
    pub accuracy_relative_drop: Option<f64>,
    pub f1_macro_relative_drop: Option<f64>,
    pub max_relative_drop: f64,
    /// True when accuracy or macro F1 dropped by more than `max_relative_drop`.
    pub degraded: bool,
}

impl QualityReport {
    pub fn figures(&self) -> BaselineFigures {
        BaselineFigures {
            accuracy: self.accuracy,
            f1_macro: self.f1_macro,
        }
    }

    /// Compares with a baseline and records the result in `self.baseline`.
    pub fn compare_with(&mut self, baseline: BaselineFigures, max_relative_drop: f64) {
        let drop = |current: Option<f64>, base: Option<f64>| match (current, base) {
            (Some(c), Some(b)) if b > 0.0 => Some((b - c) / b),
            _ => None,
        };
        let accuracy_relative_drop = drop(self.accuracy, baseline.accuracy);
        let f1_macro_relative_drop = drop(self.f1_macro, baseline.f1_macro);
        let degraded = [accuracy_relative_drop, f1_macro_relative_drop]
            .iter()
            .flatten()
            .any(|&d| d > max_relative_drop);
        self.baseline = Some(BaselineComparison {
            accuracy: baseline.accuracy,
            f1_macro: baseline.f1_macro,
            accuracy_relative_drop,
            f1_macro_relative_drop,
            max_relative_drop,
            degraded,
        });
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QualityError {
    #[error("no column named {name:?}; columns are: {available}")]
    UnknownColumn { name: String, available: String },
    #[error("the file has no rows where both {label:?} and {prediction:?} have a value")]
    NoRows { label: String, prediction: String },
}

/// Streams a CSV and accumulates label/prediction pairs.
pub struct QualityEvaluator {
    source: CsvSource,
    state: EvalState,
}

struct EvalState {
    options: QualityOptions,
    header: Option<TableHeader>,
    columns: Option<(usize, usize)>,
    error: Option<QualityError>,
    rows: u64,
    skipped: u64,
    correct: u64,
    /// (true, predicted) → count, while there are few enough labels.
    pairs: Option<HashMap<(String, String), u64>>,
    labels: hashbrown::HashSet<String>,
    regression: RegressionAccumulator,
    all_numeric: bool,
}

impl QualityEvaluator {
    pub fn new(options: QualityOptions) -> Self {
        Self {
            source: CsvSource::new(options.read.clone()),
            state: EvalState {
                options,
                header: None,
                columns: None,
                error: None,
                rows: 0,
                skipped: 0,
                correct: 0,
                pairs: Some(HashMap::new()),
                labels: hashbrown::HashSet::new(),
                regression: RegressionAccumulator::default(),
                all_numeric: true,
            },
        }
    }

    pub fn bytes_seen(&self) -> u64 {
        self.source.bytes_seen()
    }

    /// The column error, as soon as the header is known.
    pub fn error(&self) -> Option<&QualityError> {
        self.state.error.as_ref()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let state = &mut self.state;
        self.source.push(bytes, &mut |event| state.on_event(event));
    }

    pub fn finish(mut self) -> Result<QualityReport, QualityError> {
        let state = &mut self.state;
        self.source.finish(&mut |event| state.on_event(event));
        self.state.report()
    }
}

impl EvalState {
    fn on_event(&mut self, event: SourceEvent<'_>) {
        match event {
            SourceEvent::Header(header) => {
                let find = |name: &str| header.names.iter().position(|n| n == name);
                let available = || {
                    header
                        .names
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match (find(&self.options.label), find(&self.options.prediction)) {
                    (Some(l), Some(p)) => self.columns = Some((l, p)),
                    (None, _) => {
                        self.error = Some(QualityError::UnknownColumn {
                            name: self.options.label.clone(),
                            available: available(),
                        })
                    }
                    (_, None) => {
                        self.error = Some(QualityError::UnknownColumn {
                            name: self.options.prediction.clone(),
                            available: available(),
                        })
                    }
                }
                self.header = Some(header.clone());
            }
            SourceEvent::Batch(batch) => {
                let (Some((l, p)), Some(header)) = (self.columns, self.header.as_ref()) else {
                    return;
                };
                let forced = header.dialect.forced_encoding;
                for record in batch.records() {
                    let mut label = None;
                    let mut prediction = None;
                    for (i, field) in record.fields().enumerate() {
                        if i == l {
                            label = Some(classify_cell(field, &header.cells));
                        }
                        if i == p {
                            prediction = Some(classify_cell(field, &header.cells));
                        }
                    }
                    let (Some(label), Some(prediction)) = (label, prediction) else {
                        self.skipped += 1;
                        continue;
                    };
                    if matches!(label, CellValue::Missing)
                        || matches!(prediction, CellValue::Missing)
                    {
                        self.skipped += 1;
                        continue;
                    }
                    self.rows += 1;
                    match (number(label), number(prediction)) {
                        (Some(y), Some(yhat)) => self.regression.add(y, yhat),
                        _ => self.all_numeric = false,
                    }
                    let (t, q) = (class_key(label, forced), class_key(prediction, forced));
                    if t == q {
                        self.correct += 1;
                    }
                    if let Some(pairs) = self.pairs.as_mut() {
                        self.labels.insert(t.clone());
                        self.labels.insert(q.clone());
                        if self.labels.len() > self.options.max_classes {
                            self.pairs = None;
                            self.labels.clear();
                        } else {
                            *pairs.entry((t, q)).or_insert(0) += 1;
                        }
                    }
                }
            }
        }
    }

    fn report(&mut self) -> Result<QualityReport, QualityError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if self.rows == 0 {
            return Err(QualityError::NoRows {
                label: self.options.label.clone(),
                prediction: self.options.prediction.clone(),
            });
        }
        let accuracy = self.correct as f64 / self.rows as f64;
        let regression = if self.all_numeric {
            self.regression.finish()
        } else {
            None
        };
        let mut report = QualityReport {
            label: self.options.label.clone(),
            prediction: self.options.prediction.clone(),
            rows: self.rows,
            skipped_rows: self.skipped,
            accuracy: Some(accuracy),
            f1_macro: None,
            f1_weighted: None,
            precision_macro: None,
            recall_macro: None,
            classes: Vec::new(),
            confusion_matrix: None,
            regression,
            note: None,
            baseline: None,
        };
        match self.pairs.take() {
            Some(pairs) => {
                let mut labels: Vec<String> = self.labels.drain().collect();
                classification::sort_labels(&mut labels);
                let index: HashMap<String, usize> = labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.clone(), i))
                    .collect();
                let mut matrix = vec![vec![0u64; labels.len()]; labels.len()];
                for ((t, q), count) in &pairs {
                    if let (Some(&i), Some(&j)) = (index.get(t), index.get(q)) {
                        matrix[i][j] += count;
                    }
                }
                let cm = ConfusionMatrix { labels, matrix };
                let m = classification::metrics(&cm);
                report.accuracy = Some(m.accuracy);
                report.f1_macro = Some(m.f1_macro);
                report.f1_weighted = Some(m.f1_weighted);
                report.precision_macro = Some(m.precision_macro);
                report.recall_macro = Some(m.recall_macro);
                report.classes = m.classes;
                report.confusion_matrix = Some(cm);
            }
            None => {
                report.note = Some(format!(
                    "more than {} distinct labels: per-class metrics and the confusion matrix \
                     are left out (accuracy counts exact matches)",
                    self.options.max_classes
                ));
            }
        }
        Ok(report)
    }
}

fn number(value: CellValue<'_>) -> Option<f64> {
    match value {
        CellValue::Integer(x) | CellValue::Float(x) => Some(x),
        _ => None,
    }
}

/// The class a cell stands for: numbers by value, the rest by trimmed text.
fn class_key(value: CellValue<'_>, forced: Option<crate::csv_input::TextEncoding>) -> String {
    match value {
        CellValue::Integer(x) | CellValue::Float(x) => format_number(x),
        CellValue::Boolean(b) => b.to_string(),
        CellValue::DateTime(micros) => format_timestamp_micros(micros),
        CellValue::Text(raw) => decode_text(raw.trim_ascii(), forced),
        CellValue::Missing => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluate(csv: &str, label: &str, prediction: &str) -> Result<QualityReport, QualityError> {
        let mut evaluator = QualityEvaluator::new(QualityOptions::new(label, prediction));
        evaluator.push(csv.as_bytes());
        evaluator.finish()
    }

    #[test]
    fn numbers_compare_by_value_and_missing_rows_are_skipped() {
        let report = evaluate("y,p\n1,1.0\n0,1\n1,\n0,0\n", "y", "p").expect("report");
        assert_eq!(report.rows, 3);
        assert_eq!(report.skipped_rows, 1);
        assert!((report.accuracy.unwrap_or_default() - 2.0 / 3.0).abs() < 1e-12);
        let cm = report.confusion_matrix.expect("matrix");
        assert_eq!(cm.labels, vec!["0", "1"]);
        assert_eq!(cm.matrix, vec![vec![1, 1], vec![0, 1]]);
        assert!(report.regression.is_some());
    }

    #[test]
    fn unknown_columns_are_named() {
        let error = evaluate("y,p\n1,1\n", "label", "p").expect_err("error");
        assert!(error.to_string().contains("\"label\""));
        assert!(error.to_string().contains("\"y\", \"p\""));
    }

    #[test]
    fn a_drop_over_ten_percent_is_flagged() {
        let mut report = evaluate("y,p\na,a\na,b\nb,b\nb,b\n", "y", "p").expect("report");
        report.compare_with(
            BaselineFigures {
                accuracy: Some(0.9),
                f1_macro: Some(0.7),
            },
            DEFAULT_MAX_RELATIVE_DROP,
        );
        let baseline = report.baseline.expect("comparison");
        assert!(baseline.degraded);
        assert!(
            (baseline.accuracy_relative_drop.unwrap_or_default() - (0.9 - 0.75) / 0.9).abs()
                < 1e-12
        );
    }
}
