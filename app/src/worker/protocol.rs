//! The messages between the page and the analysis worker, and the types both sides parse.
//!
//! Messages are plain JS objects (see [`super`] for the full protocol). `File`s travel as
//! themselves (structured clone: the worker reads them, the page never copies their bytes);
//! everything else that is structured travels as a JSON string.

use serde::{Deserialize, Serialize};
use shared::csv_input::DecimalSeparator;
use shared::drift::DriftOptions;
use shared::profile::ProfileOptions;
use shared::quality::{DEFAULT_MAX_RELATIVE_DROP, QualityOptions};

/// Keys of the message objects.
pub mod key {
    pub const ID: &str = "id";
    pub const KIND: &str = "kind";
    pub const FILES: &str = "files";
    pub const OPTIONS: &str = "options";
    pub const TYPE: &str = "type";
    pub const READ: &str = "read";
    pub const TOTAL: &str = "total";
    pub const RESULT: &str = "result";
    pub const PROVENANCE: &str = "provenance";
    pub const DISTRIBUTIONS: &str = "distributions";
    pub const READ_MS: &str = "read_ms";
    pub const PARSE_MS: &str = "parse_ms";
    pub const CODE: &str = "code";
    pub const MESSAGE: &str = "message";
    pub const FILE: &str = "file";
    pub const VERSION: &str = "version";
}

/// Values of the `type` key of the worker's messages.
pub mod reply {
    /// The worker is listening (sent once, when its wasm has started).
    pub const READY: &str = "ready";
    pub const PROGRESS: &str = "progress";
    pub const DONE: &str = "done";
    pub const ERROR: &str = "error";
    pub const PANIC: &str = "panic";
}

/// What the page asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// One file; options: [`ProfileOptions`]; result: `Profile`, with its provenance.
    Profile,
    /// Reference then current file; options: [`DriftParameters`]; result:
    /// `DriftReport`, with its provenance, plus the charts' `Vec<ColumnDistribution>`.
    Drift,
    /// The file, then optionally a baseline (a CSV, or an earlier result as `.json`); options:
    /// [`QualityParameters`]; result: `QualityReport`, with its provenance.
    Quality,
    /// One file, read only until its header is known; options: `ReadOptions`; result:
    /// [`ColumnsInfo`] (no provenance: the file is not read to the end).
    Columns,
    /// One or two files; no options; result: their SHA-256 as a JSON list of hex strings. The
    /// page runs it in a second worker beside the analysis of the same files, whose
    /// provenance leaves `sha256` empty.
    Hash,
}

impl JobKind {
    pub const ALL: [JobKind; 5] = [
        JobKind::Profile,
        JobKind::Drift,
        JobKind::Quality,
        JobKind::Columns,
        JobKind::Hash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Profile => "profile",
            JobKind::Drift => "drift",
            JobKind::Quality => "quality",
            JobKind::Columns => "columns",
            JobKind::Hash => "hash",
        }
    }

    pub fn parse(kind: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }
}

/// Options of a drift comparison: both files are read with `profile`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DriftParameters {
    pub profile: ProfileOptions,
    pub drift: DriftOptions,
}

/// Options of a quality evaluation; the baseline file, if any, is read with the same options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityParameters {
    pub quality: QualityOptions,
    /// A relative drop of accuracy or macro F1 beyond this, against the baseline, is flagged.
    #[serde(default = "default_max_relative_drop")]
    pub max_relative_drop: f64,
}

fn default_max_relative_drop() -> f64 {
    DEFAULT_MAX_RELATIVE_DROP
}

impl QualityParameters {
    pub fn new(quality: QualityOptions) -> Self {
        Self {
            quality,
            max_relative_drop: DEFAULT_MAX_RELATIVE_DROP,
        }
    }
}

/// A file's columns and how it is read, for the quality view's pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnsInfo {
    pub columns: Vec<String>,
    /// As in a profile's `input.delimiter`: `,` `;` `\t` `|` or another character.
    pub delimiter: String,
    pub decimal_separator: DecimalSeparator,
    pub has_header: bool,
}

/// Why an analysis could not be done, for the page to show (and translate, by `code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file has no bytes.
    EmptyFile,
    /// A file has a NUL byte near its start: binary data or UTF-16 text, not a CSV.
    BinaryFile,
    /// The browser could not read a file (removed, permissions, changed while read).
    ReadFailed,
    /// A chosen column is not in the file.
    UnknownColumn,
    /// No row has both a label and a prediction.
    NoRows,
    /// The baseline is neither a CSV nor a quality result with `accuracy` or `f1_macro`.
    BadBaseline,
    /// The page sent a request the worker does not understand (a bug, not the user's doing).
    BadRequest,
    /// The result could not be written (a bug, not the user's doing).
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::EmptyFile => "empty_file",
            ErrorCode::BinaryFile => "binary_file",
            ErrorCode::ReadFailed => "read_failed",
            ErrorCode::UnknownColumn => "unknown_column",
            ErrorCode::NoRows => "no_rows",
            ErrorCode::BadBaseline => "bad_baseline",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn parse(code: &str) -> Option<ErrorCode> {
        use ErrorCode::*;
        [
            EmptyFile,
            BinaryFile,
            ReadFailed,
            UnknownColumn,
            NoRows,
            BadBaseline,
            BadRequest,
            Internal,
        ]
        .into_iter()
        .find(|c| c.as_str() == code)
    }
}

/// A failed analysis: a code, an English sentence for the user, and the file concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    pub code: ErrorCode,
    pub message: String,
    pub file: Option<String>,
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl JobError {
    fn about(code: ErrorCode, file: &str, message: String) -> Self {
        Self {
            code,
            message,
            file: Some(file.to_owned()),
        }
    }

    pub fn empty(file: &str) -> Self {
        Self::about(
            ErrorCode::EmptyFile,
            file,
            format!("The file “{file}” is empty: there is nothing to analyse."),
        )
    }

    pub fn binary(file: &str) -> Self {
        Self::about(
            ErrorCode::BinaryFile,
            file,
            format!(
                "The file “{file}” does not look like a CSV file: it contains NUL bytes, so it \
                 is binary (or UTF-16 text). Save it as UTF-8 or Windows-1252 CSV and try again."
            ),
        )
    }

    pub fn read_failed(file: &str, detail: &str) -> Self {
        Self::about(
            ErrorCode::ReadFailed,
            file,
            format!("The browser could not read the file “{file}”: {detail}"),
        )
    }

    /// `available`: the file's column names, already quoted and joined.
    pub fn unknown_column(file: &str, column: &str, available: &str) -> Self {
        Self::about(
            ErrorCode::UnknownColumn,
            file,
            format!(
                "The file “{file}” has no column named “{column}”. Its columns are: {available}."
            ),
        )
    }

    pub fn no_rows(file: &str, label: &str, prediction: &str) -> Self {
        Self::about(
            ErrorCode::NoRows,
            file,
            format!(
                "The file “{file}” has no row where both “{label}” and “{prediction}” have a \
                 value, so there is nothing to evaluate."
            ),
        )
    }

    pub fn bad_baseline(file: &str, detail: &str) -> Self {
        Self::about(
            ErrorCode::BadBaseline,
            file,
            format!(
                "The baseline “{file}” is not usable: {detail}. Choose a CSV file with the same \
                 label and prediction columns, or a quality result exported as JSON."
            ),
        )
    }

    pub fn bad_request(detail: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::BadRequest,
            message: format!(
                "The analysis could not start: the request was not understood ({detail})."
            ),
            file: None,
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::Internal,
            message: format!(
                "The analysis finished but its result could not be written ({detail})."
            ),
            file: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::csv_input::ReadOptions;

    use super::*;

    #[test]
    fn kinds_and_codes_round_trip_through_their_names() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("upload"), None);
        for code in [
            ErrorCode::EmptyFile,
            ErrorCode::BinaryFile,
            ErrorCode::ReadFailed,
            ErrorCode::UnknownColumn,
            ErrorCode::NoRows,
            ErrorCode::BadBaseline,
            ErrorCode::BadRequest,
            ErrorCode::Internal,
        ] {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    #[test]
    fn options_fill_in_defaults() {
        let drift: DriftParameters =
            serde_json::from_str(r#"{"drift": {"p_value_threshold": 0.01}}"#).unwrap();
        assert_eq!(drift.drift.p_value_threshold, 0.01);
        assert_eq!(drift.drift.drift_share_threshold, 0.5);
        assert_eq!(drift.profile, ProfileOptions::default());
        let quality: QualityParameters =
            serde_json::from_str(r#"{"quality": {"label": "y", "prediction": "p"}}"#).unwrap();
        assert_eq!(
            quality,
            QualityParameters::new(QualityOptions::new("y", "p"))
        );
        let read: ReadOptions = serde_json::from_str(r#"{"delimiter": 59}"#).unwrap();
        assert_eq!(read.delimiter, Some(b';'));
        assert!(read.has_header);
    }

    #[test]
    fn messages_name_the_file() {
        let error = JobError::binary("photo.png");
        assert_eq!(error.code, ErrorCode::BinaryFile);
        assert_eq!(error.file.as_deref(), Some("photo.png"));
        assert!(
            error
                .message
                .contains("“photo.png” does not look like a CSV file")
        );
        let error = JobError::unknown_column("m.csv", "label", r#""y", "p""#);
        assert_eq!(
            error.to_string(),
            r#"The file “m.csv” has no column named “label”. Its columns are: "y", "p"."#
        );
    }
}

/// Where a job's time went, in milliseconds: waiting for the browser to hand over file slices
/// (`read_ms`), and in the engine (`parse_ms`: parsing, classifying and accumulating). The rest
/// of the wall time is finishing and posting the result (hashing runs in another worker).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Phases {
    pub read_ms: f64,
    pub parse_ms: f64,
}
