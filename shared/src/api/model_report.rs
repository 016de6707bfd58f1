//! Model reports (issue 8, alerting): the summary figures of a model-quality or a drift
//! analysis that the user chooses to publish to `POST /api/model-reports`, for the server's
//! alert rules (`ModelQualityDrop`, `DataDrift`). Both sides compile this module: the app
//! validates a report before sending it, the server validates it again before storing it.
//!
//! A report carries **figures only**: counts, ratios, p-values, the drift verdict and, for
//! drift, column *names* with their test statistics. Never a cell value, never a file name
//! (the `name` is the model or dataset name the user types).
//!
//! ```
//! use shared::api::model_report::ModelReport;
//! let json = r#"{"kind":"quality","name":"churn-model","app_version":"0.1.0",
//!   "rows":1000,"accuracy":0.91,"f1_macro":0.88,"f1_weighted":0.9,
//!   "baseline":{"accuracy":0.95,"f1_macro":0.9}}"#;
//! let report: ModelReport = serde_json::from_str(json).unwrap();
//! report.validate().unwrap();
//! let quality = report.quality().unwrap();
//! assert!((quality.max_relative_drop().unwrap() - 0.04 / 0.95).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};

use crate::drift::{DriftReport, DriftTest};
use crate::quality::{BaselineFigures, QualityReport};

/// Largest body `POST /api/model-reports` reads (bigger: 413).
pub const MAX_REPORT_BYTES: usize = 256 * 1024;
/// Most per-column entries in a drift report.
pub const MAX_COLUMNS: usize = 1_000;
/// Longest model or dataset name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest column name kept in a drift report, in characters.
pub const MAX_COLUMN_NAME_CHARS: usize = 256;
/// Longest app version, in characters.
pub const MAX_APP_VERSION_CHARS: usize = 32;

/// One published report: who (the model or dataset name), which app, and the figures.
///
/// Read from one flat JSON object (the fields of its kind, no other: an unknown field, or a
/// field of the other kind, is refused), so that every error names its field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireReport")]
pub struct ModelReport {
    /// The model or dataset name: 1 to 64 letters, digits, `.`, `_` or `-`.
    pub name: String,
    /// The version of the app that computed the figures.
    pub app_version: String,
    /// `"kind": "quality"` or `"kind": "drift"` and that kind's figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// The figures of a report, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Figures {
    Quality(QualityFigures),
    Drift(DriftFigures),
}

/// Which kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    Quality,
    Drift,
}

impl ReportKind {
    pub const ALL: [ReportKind; 2] = [ReportKind::Quality, ReportKind::Drift];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Quality => "quality",
            ReportKind::Drift => "drift",
        }
    }

    /// `quality` or `drift`; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A classification model's figures on one labelled file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityFigures {
    /// Rows evaluated (label and prediction both present).
    #[serde(deserialize_with = "whole_count")]
    pub rows: u64,
    pub accuracy: f64,
    pub f1_macro: f64,
    pub f1_weighted: f64,
    /// The baseline the user compared with, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineFigures>,
}

impl QualityFigures {
    /// The larger relative drop of accuracy and macro F1 below the baseline
    /// (`(baseline − current) / baseline`, positive is worse), or `None` without a baseline
    /// figure above 0. `ModelQualityDrop` fires when it is above 0.10.
    pub fn max_relative_drop(&self) -> Option<f64> {
        let baseline = self.baseline?;
        let drop =
            |current: f64, base: Option<f64>| base.filter(|b| *b > 0.0).map(|b| (b - current) / b);
        [
            drop(self.accuracy, baseline.accuracy),
            drop(self.f1_macro, baseline.f1_macro),
        ]
        .into_iter()
        .flatten()
        .reduce(f64::max)
    }
}

/// A drift comparison's figures: the verdict, its thresholds and, optionally, each tested
/// column's name and statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftFigures {
    #[serde(deserialize_with = "whole_count")]
    pub rows_reference: u64,
    #[serde(deserialize_with = "whole_count")]
    pub rows_current: u64,
    #[serde(deserialize_with = "whole_count")]
    pub columns_tested: u64,
    #[serde(deserialize_with = "whole_count")]
    pub columns_drifted: u64,
    /// The engine's dataset verdict: at least `thresholds.drift_share` of the tested columns
    /// drifted (each column: p < `thresholds.p_value`).
    pub dataset_drift: bool,
    pub thresholds: DriftThresholds,
    /// One entry per tested column (names and statistics only), or empty.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub columns: Vec<ColumnFigures>,
}

/// The thresholds the verdict used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftThresholds {
    /// A column drifts when its test's p-value is below this (0.05).
    pub p_value: f64,
    /// The dataset drifts when at least this share of the tested columns drift (0.5).
    pub drift_share: f64,
}

/// One tested column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnFigures {
    /// The column's header name.
    pub name: String,
    /// `ks` (numbers, date-times) or `chi2` (categories).
    pub test: DriftTest,
    pub p_value: f64,
    /// Population stability index; `null` when it could not be computed.
    #[serde(default)]
    pub psi: Option<f64>,
    pub drifted: bool,
}

/// Why a report was refused: the field (a JSON path such as `columns[2].p_value`) and the
/// reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {reason}")]
pub struct ReportError {
    pub field: String,
    pub reason: String,
}

fn refuse(field: impl Into<String>, reason: impl Into<String>) -> ReportError {
    ReportError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The largest count a report may carry: JavaScript's `Number.MAX_SAFE_INTEGER` (2^53 − 1),
/// so every client reads it exactly (the JSON Schema says the same).
pub const MAX_COUNT: u64 = (1 << 53) - 1;

/// A count written as a JSON integer or as a number without a fraction (`12.0`): JSON does not
/// tell them apart, and a JSON Schema `integer` allows both.
fn whole_count<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let n = f64::deserialize(deserializer)?;
    if n.fract() == 0.0 && (0.0..=MAX_COUNT as f64).contains(&n) {
        Ok(n as u64)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a whole number from 0 to {MAX_COUNT}"
        )))
    }
}

/// `columns: null` reads as no column (the schema allows it).
fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ColumnFigures>, D::Error> {
    Ok(Option::<Vec<ColumnFigures>>::deserialize(deserializer)?.unwrap_or_default())
}

fn count(field: &str, value: u64) -> Result<(), ReportError> {
    if value > MAX_COUNT {
        return Err(refuse(field, format!("must be at most {MAX_COUNT}")));
    }
    Ok(())
}

/// Checks a model or dataset name: 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("must be at most {MAX_NAME_CHARS} characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err("may hold only letters, digits, '.', '_' and '-'".into());
    }
    Ok(())
}

/// A name made from a file name: its stem with every other character replaced by `-`, cut to
/// 64 characters (the app's default for the name field). Empty when nothing is left.
pub fn name_from_file(file_name: &str) -> String {
    let stem = match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file_name,
    };
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME_CHARS)
        .collect();
    name.trim_matches(['-', '.']).to_owned()
}

fn ratio(field: &str, value: f64) -> Result<(), ReportError> {
    if !value.is_finite() {
        return Err(refuse(field, "must be a finite number"));
    }
    if !(0.0..=1.0).contains(&value) {
        return Err(refuse(field, "must be between 0 and 1"));
    }
    Ok(())
}

impl ModelReport {
    pub fn kind(&self) -> ReportKind {
        match self.figures {
            Figures::Quality(_) => ReportKind::Quality,
            Figures::Drift(_) => ReportKind::Drift,
        }
    }

    pub fn quality(&self) -> Option<&QualityFigures> {
        match &self.figures {
            Figures::Quality(q) => Some(q),
            Figures::Drift(_) => None,
        }
    }

    pub fn drift(&self) -> Option<&DriftFigures> {
        match &self.figures {
            Figures::Drift(d) => Some(d),
            Figures::Quality(_) => None,
        }
    }

    /// The summary of a classification quality report, or `None` when it has no accuracy or
    /// F1 (a regression, or no row evaluated).
    pub fn from_quality(
        name: impl Into<String>,
        app_version: impl Into<String>,
        report: &QualityReport,
    ) -> Option<Self> {
        Some(Self {
            name: name.into(),
            app_version: app_version.into(),
            figures: Figures::Quality(QualityFigures {
                rows: report.rows,
                accuracy: report.accuracy?,
                f1_macro: report.f1_macro?,
                f1_weighted: report.f1_weighted?,
                baseline: report.baseline.map(|b| BaselineFigures {
                    accuracy: b.accuracy,
                    f1_macro: b.f1_macro,
                }),
            }),
        })
    }

    /// The summary of a drift report; with `columns`, each tested column's name and
    /// statistics too.
    pub fn from_drift(
        name: impl Into<String>,
        app_version: impl Into<String>,
        report: &DriftReport,
        columns: bool,
    ) -> Self {
        let drifted = report.columns.iter().filter(|c| c.drifted).count();
        Self {
            name: name.into(),
            app_version: app_version.into(),
            figures: Figures::Drift(DriftFigures {
                rows_reference: report.reference_rows,
                rows_current: report.current_rows,
                columns_tested: report.columns.len() as u64,
                columns_drifted: drifted as u64,
                dataset_drift: report.dataset_drift,
                thresholds: DriftThresholds {
                    p_value: report.options.p_value_threshold,
                    drift_share: report.options.drift_share_threshold,
                },
                columns: if columns {
                    report
                        .columns
                        .iter()
                        .map(|c| ColumnFigures {
                            name: c.name.chars().take(MAX_COLUMN_NAME_CHARS).collect(),
                            test: c.test,
                            p_value: c.p_value,
                            psi: c.psi,
                            drifted: c.drifted,
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            }),
        }
    }

    /// Checks every field; the first problem names its field. Ratios are 0 to 1, numbers
    /// finite, counts consistent, names as [`check_name`] says.
    pub fn validate(&self) -> Result<(), ReportError> {
        check_name(&self.name).map_err(|reason| refuse("name", reason))?;
        let version_ok = (1..=MAX_APP_VERSION_CHARS).contains(&self.app_version.chars().count())
            && self.app_version.chars().all(|c| c.is_ascii_graphic());
        if !version_ok {
            return Err(refuse(
                "app_version",
                format!("must be 1 to {MAX_APP_VERSION_CHARS} printable ASCII characters"),
            ));
        }
        match &self.figures {
            Figures::Quality(q) => {
                count("rows", q.rows)?;
                ratio("accuracy", q.accuracy)?;
                ratio("f1_macro", q.f1_macro)?;
                ratio("f1_weighted", q.f1_weighted)?;
                if let Some(b) = &q.baseline {
                    if let Some(a) = b.accuracy {
                        ratio("baseline.accuracy", a)?;
                    }
                    if let Some(f) = b.f1_macro {
                        ratio("baseline.f1_macro", f)?;
                    }
                }
            }
            Figures::Drift(d) => {
                count("rows_reference", d.rows_reference)?;
                count("rows_current", d.rows_current)?;
                count("columns_tested", d.columns_tested)?;
                count("columns_drifted", d.columns_drifted)?;
                if d.columns_drifted > d.columns_tested {
                    return Err(refuse(
                        "columns_drifted",
                        "must not be more than columns_tested",
                    ));
                }
                ratio("thresholds.p_value", d.thresholds.p_value)?;
                ratio("thresholds.drift_share", d.thresholds.drift_share)?;
                if d.columns.len() > MAX_COLUMNS {
                    return Err(refuse(
                        "columns",
                        format!("holds at most {MAX_COLUMNS} entries"),
                    ));
                }
                for (i, c) in d.columns.iter().enumerate() {
                    let field = |f: &str| format!("columns[{i}].{f}");
                    let chars = c.name.chars().count();
                    if chars == 0 || chars > MAX_COLUMN_NAME_CHARS {
                        return Err(refuse(
                            field("name"),
                            format!("must be 1 to {MAX_COLUMN_NAME_CHARS} characters"),
                        ));
                    }
                    if c.name.chars().any(char::is_control) {
                        return Err(refuse(field("name"), "must not hold control characters"));
                    }
                    ratio(&field("p_value"), c.p_value)?;
                    if let Some(psi) = c.psi
                        && (!psi.is_finite() || psi < 0.0)
                    {
                        return Err(refuse(field("psi"), "must be a finite number, 0 or more"));
                    }
                }
                if !d.columns.is_empty() {
                    if d.columns.len() as u64 != d.columns_tested {
                        return Err(refuse(
                            "columns",
                            format!(
                                "holds {} entries but columns_tested is {}",
                                d.columns.len(),
                                d.columns_tested
                            ),
                        ));
                    }
                    let drifted = d.columns.iter().filter(|c| c.drifted).count() as u64;
                    if drifted != d.columns_drifted {
                        return Err(refuse(
                            "columns_drifted",
                            format!(
                                "is {} but {drifted} entries of columns drifted",
                                d.columns_drifted
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A report as JSON carries it: one flat object, every field optional but `kind`, `name` and
/// `app_version`; [`ModelReport`]'s `TryFrom` checks that the fields of the kind, and only
/// those, are there. (A tagged enum would be read through a buffer that loses the path of a
/// field of the wrong type.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireReport {
    kind: ReportKind,
    name: String,
    app_version: String,
    #[serde(default, deserialize_with = "optional_count")]
    rows: Option<u64>,
    accuracy: Option<f64>,
    f1_macro: Option<f64>,
    f1_weighted: Option<f64>,
    #[serde(default, deserialize_with = "optional_object")]
    baseline: Option<BaselineFigures>,
    #[serde(default, deserialize_with = "optional_count")]
    rows_reference: Option<u64>,
    #[serde(default, deserialize_with = "optional_count")]
    rows_current: Option<u64>,
    #[serde(default, deserialize_with = "optional_count")]
    columns_tested: Option<u64>,
    #[serde(default, deserialize_with = "optional_count")]
    columns_drifted: Option<u64>,
    dataset_drift: Option<bool>,
    #[serde(default, deserialize_with = "optional_object")]
    thresholds: Option<DriftThresholds>,
    columns: Option<Vec<ColumnFigures>>,
}

/// An optional count: a whole number (`12` or `12.0`) from 0 to [`MAX_COUNT`].
fn optional_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && (0.0..=MAX_COUNT as f64).contains(&n) => Ok(Some(n as u64)),
        Some(_) => Err(serde::de::Error::custom(format!(
            "expected a whole number from 0 to {MAX_COUNT}"
        ))),
    }
}

/// An optional JSON object read as `T` (serde would also take an array for a struct; the
/// schema says object).
fn optional_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    match Option::<serde_json::Value>::deserialize(d)? {
        None => Ok(None),
        Some(value @ serde_json::Value::Object(_)) => serde_json::from_value(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
        Some(_) => Err(serde::de::Error::custom("expected an object")),
    }
}

impl TryFrom<WireReport> for ModelReport {
    type Error = ReportError;

    fn try_from(wire: WireReport) -> Result<Self, ReportError> {
        fn required<T>(kind: ReportKind, field: &str, value: Option<T>) -> Result<T, ReportError> {
            value.ok_or_else(|| refuse(field, format!("is required in a {} report", kind.as_str())))
        }
        let kind = wire.kind;
        let foreign = |field: &str, present: bool| {
            if present {
                Err(refuse(
                    field,
                    format!("is not a field of a {} report", kind.as_str()),
                ))
            } else {
                Ok(())
            }
        };
        let figures = match kind {
            ReportKind::Quality => {
                foreign("rows_reference", wire.rows_reference.is_some())?;
                foreign("rows_current", wire.rows_current.is_some())?;
                foreign("columns_tested", wire.columns_tested.is_some())?;
                foreign("columns_drifted", wire.columns_drifted.is_some())?;
                foreign("dataset_drift", wire.dataset_drift.is_some())?;
                foreign("thresholds", wire.thresholds.is_some())?;
                foreign("columns", wire.columns.is_some())?;
                Figures::Quality(QualityFigures {
                    rows: required(kind, "rows", wire.rows)?,
                    accuracy: required(kind, "accuracy", wire.accuracy)?,
                    f1_macro: required(kind, "f1_macro", wire.f1_macro)?,
                    f1_weighted: required(kind, "f1_weighted", wire.f1_weighted)?,
                    baseline: wire.baseline,
                })
            }
            ReportKind::Drift => {
                foreign("rows", wire.rows.is_some())?;
                foreign("accuracy", wire.accuracy.is_some())?;
                foreign("f1_macro", wire.f1_macro.is_some())?;
                foreign("f1_weighted", wire.f1_weighted.is_some())?;
                foreign("baseline", wire.baseline.is_some())?;
                Figures::Drift(DriftFigures {
                    rows_reference: required(kind, "rows_reference", wire.rows_reference)?,
                    rows_current: required(kind, "rows_current", wire.rows_current)?,
                    columns_tested: required(kind, "columns_tested", wire.columns_tested)?,
                    columns_drifted: required(kind, "columns_drifted", wire.columns_drifted)?,
                    dataset_drift: required(kind, "dataset_drift", wire.dataset_drift)?,
                    thresholds: required(kind, "thresholds", wire.thresholds)?,
                    columns: wire.columns.unwrap_or_default(),
                })
            }
        };
        Ok(ModelReport {
            name: wire.name,
            app_version: wire.app_version,
            figures,
        })
    }
}

/// A report as the server stored it: `POST /api/model-reports` answers it (201), `GET` lists
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredModelReport {
    pub id: i64,
    /// When the server received it: RFC 3339, UTC, milliseconds.
    pub received_at: String,
    #[serde(flatten)]
    pub report: ModelReport,
}

/// The answer of `GET /api/model-reports`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelReportList {
    pub reports: Vec<StoredModelReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quality() -> ModelReport {
        ModelReport {
            name: "churn_v2.1-prod".into(),
            app_version: "0.1.0".into(),
            figures: Figures::Quality(QualityFigures {
                rows: 100,
                accuracy: 0.9,
                f1_macro: 0.8,
                f1_weighted: 0.85,
                baseline: Some(BaselineFigures {
                    accuracy: Some(1.0),
                    f1_macro: Some(0.8),
                }),
            }),
        }
    }

    fn drift() -> ModelReport {
        ModelReport {
            name: "sales".into(),
            app_version: "0.1.0".into(),
            figures: Figures::Drift(DriftFigures {
                rows_reference: 10,
                rows_current: 12,
                columns_tested: 2,
                columns_drifted: 1,
                dataset_drift: true,
                thresholds: DriftThresholds {
                    p_value: 0.05,
                    drift_share: 0.5,
                },
                columns: vec![
                    ColumnFigures {
                        name: "price".into(),
                        test: DriftTest::Ks,
                        p_value: 0.01,
                        psi: Some(0.7),
                        drifted: true,
                    },
                    ColumnFigures {
                        name: "region".into(),
                        test: DriftTest::Chi2,
                        p_value: 0.5,
                        psi: None,
                        drifted: false,
                    },
                ],
            }),
        }
    }

    fn field_of(report: &ModelReport) -> String {
        report.validate().expect_err("refused").field
    }

    #[test]
    fn valid_reports_pass_and_round_trip_with_their_kind() {
        for report in [quality(), drift()] {
            report.validate().unwrap();
            let json = serde_json::to_value(&report).unwrap();
            assert_eq!(json["kind"], report.kind().as_str());
            assert_eq!(json["name"], report.name.as_str());
            let back: ModelReport = serde_json::from_value(json).unwrap();
            assert_eq!(back, report);
        }
        let stored = StoredModelReport {
            id: 7,
            received_at: "2026-11-26T12:00:00.000Z".into(),
            report: drift(),
        };
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(json["id"], 7);
        assert_eq!(json["kind"], "drift");
        assert_eq!(json["columns"][0]["test"], "ks");
        assert_eq!(
            serde_json::from_value::<StoredModelReport>(json).unwrap(),
            stored
        );
    }

    #[test]
    fn json_errors_name_their_field() {
        let error = |json: serde_json::Value| {
            serde_json::from_value::<ModelReport>(json)
                .expect_err("refused")
                .to_string()
        };
        let mut json = serde_json::to_value(quality()).unwrap();
        json.as_object_mut().unwrap().remove("accuracy");
        assert!(
            error(json.clone()).contains("`accuracy`"),
            "{}",
            error(json)
        );
        let mut json = serde_json::to_value(quality()).unwrap();
        json["columns_tested"] = 3.into();
        assert!(error(json).contains("`columns_tested`: is not a field of a quality report"));
        let mut json = serde_json::to_value(quality()).unwrap();
        json["cells"] = serde_json::json!(["secret"]);
        assert!(error(json).contains("unknown field `cells`"));
        let mut json = serde_json::to_value(drift()).unwrap();
        json["columns"][0]["values"] = serde_json::json!([1, 2]);
        assert!(error(json).contains("unknown field `values`"));
        let mut json = serde_json::to_value(drift()).unwrap();
        json["kind"] = "regression".into();
        assert!(error(json).contains("unknown variant `regression`"));
    }

    #[test]
    fn names_follow_the_rules() {
        assert!(check_name("a").is_ok());
        assert!(check_name(&"x".repeat(64)).is_ok());
        assert!(check_name("").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
        for bad in ["a b", "a/b", "é", "a;b", "a\nb"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let mut report = quality();
        report.name = "my model".into();
        assert_eq!(field_of(&report), "name");
        report.name = String::new();
        assert_eq!(field_of(&report), "name");
        report.name = "ok".into();
        report.app_version = String::new();
        assert_eq!(field_of(&report), "app_version");
    }

    #[test]
    fn file_names_become_valid_names() {
        assert_eq!(name_from_file("Churn model (v2).csv"), "Churn-model--v2");
        assert_eq!(name_from_file("données.csv"), "donn-es");
        assert_eq!(name_from_file(".csv"), "csv");
        assert_eq!(
            name_from_file(&format!("{}.csv", "a".repeat(100))).len(),
            64
        );
        assert!(check_name(&name_from_file("a b.c.csv")).is_ok());
    }

    #[test]
    fn ratios_must_be_finite_and_between_0_and_1() {
        let set = |f: fn(&mut QualityFigures), field: &str| {
            let mut report = quality();
            let Figures::Quality(q) = &mut report.figures else {
                unreachable!()
            };
            f(q);
            assert_eq!(field_of(&report), field);
        };
        set(|q| q.accuracy = 1.01, "accuracy");
        set(|q| q.accuracy = f64::NAN, "accuracy");
        set(|q| q.f1_macro = -0.1, "f1_macro");
        set(|q| q.f1_weighted = f64::INFINITY, "f1_weighted");
        set(
            |q| q.baseline.as_mut().unwrap().accuracy = Some(2.0),
            "baseline.accuracy",
        );
        set(
            |q| q.baseline.as_mut().unwrap().f1_macro = Some(-1.0),
            "baseline.f1_macro",
        );
    }

    #[test]
    fn drift_counts_and_columns_must_agree() {
        let set = |f: fn(&mut DriftFigures), field: &str| {
            let mut report = drift();
            let Figures::Drift(d) = &mut report.figures else {
                unreachable!()
            };
            f(d);
            assert_eq!(field_of(&report), field);
        };
        set(|d| d.columns_drifted = 3, "columns_drifted");
        set(|d| d.columns_tested = 3, "columns");
        set(|d| d.columns[1].drifted = true, "columns_drifted");
        set(|d| d.columns[1].p_value = 1.5, "columns[1].p_value");
        set(|d| d.columns[0].psi = Some(-1.0), "columns[0].psi");
        set(|d| d.columns[0].name = String::new(), "columns[0].name");
        set(|d| d.thresholds.p_value = 5.0, "thresholds.p_value");
        // Without per-column entries the counts alone are checked.
        let mut report = drift();
        let Figures::Drift(d) = &mut report.figures else {
            unreachable!()
        };
        d.columns.clear();
        report.validate().unwrap();
    }

    #[test]
    fn relative_drop_is_the_worse_of_accuracy_and_f1() {
        let report = quality();
        let drop = report.quality().unwrap().max_relative_drop().unwrap();
        assert!((drop - 0.1).abs() < 1e-12, "{drop}");
        let mut q = report.quality().unwrap().clone();
        q.baseline = None;
        assert_eq!(q.max_relative_drop(), None);
    }

    #[test]
    fn summaries_are_built_from_the_engines_reports() {
        use crate::drift::compare;
        use crate::profile::{ProfileOptions, Profiler};
        let summary = |csv: &str| {
            let mut profiler = Profiler::new(ProfileOptions::default());
            profiler.push(csv.as_bytes());
            profiler.finish()
        };
        let (mut reference, mut current) = (String::from("x,c\n"), String::from("x,c\n"));
        for i in 0..40 {
            reference.push_str(&format!("{i},zq{}\n", i % 3));
            current.push_str(&format!("{},zq{}\n", i + 777_000, i % 2));
        }
        let (reference, current) = (summary(&reference), summary(&current));
        let drift_report = compare(&reference, &current, &Default::default());
        let report = ModelReport::from_drift("d", "0.1.0", &drift_report, true);
        report.validate().unwrap();
        let figures = report.drift().unwrap();
        assert_eq!(figures.columns_tested, 2);
        assert_eq!(figures.rows_reference, 40);
        assert_eq!(figures.dataset_drift, drift_report.dataset_drift);
        assert_eq!(figures.columns[0].name, "x");
        let without = ModelReport::from_drift("d", "0.1.0", &drift_report, false);
        assert!(without.drift().unwrap().columns.is_empty());
        // The JSON holds names and statistics, not cells.
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("77700") && !json.contains("zq"), "{json}");
    }
}
