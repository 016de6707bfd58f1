//! Where a result came from, so that an exported JSON can be traced back and reproduced.
//!
//! An exported result is the CLI's `--json` output for the same analysis plus one key,
//! `provenance`:
//!
//! ```
//! use shared::api::{FileProvenance, FileRole, Provenance, WithProvenance};
//! use shared::profile::{Profiler, ProfileOptions};
//!
//! let mut profiler = Profiler::new(ProfileOptions::default());
//! profiler.push(b"x\n1\n2\n");
//! let profile = profiler.finish().into_profile();
//! let exported = WithProvenance {
//!     result: profile.clone(),
//!     provenance: Provenance {
//!         app_version: "0.1.0".into(),
//!         generated_at: "2026-11-26T08:00:00.000Z".into(),
//!         files: vec![FileProvenance {
//!             role: FileRole::Input,
//!             name: "x.csv".into(),
//!             bytes: 6,
//!             sha256: "…".into(),
//!         }],
//!         parameters: serde_json::to_value(ProfileOptions::default()).unwrap(),
//!     },
//! };
//! let json = serde_json::to_value(&exported).unwrap();
//! assert_eq!(json["rows"], 2); // the CLI's keys, at the top level
//! assert_eq!(json["provenance"]["files"][0]["role"], "input");
//! ```

use serde::{Deserialize, Serialize};

/// How a result was produced. `shared` reads no clock: the caller passes `generated_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Version of the program that produced the result (the app's or the CLI's).
    pub app_version: String,
    /// When the result was produced, ISO 8601 in UTC (`2026-11-26T08:00:00.000Z`).
    pub generated_at: String,
    /// Every file the result was computed from, in the order they were given.
    pub files: Vec<FileProvenance>,
    /// The options of the analysis, as given to the engine (defaults filled in).
    pub parameters: serde_json::Value,
}

/// One input file: what it was used for, its name, its size and its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProvenance {
    pub role: FileRole,
    /// The file's name as the user's system gave it (no directory).
    pub name: String,
    pub bytes: u64,
    /// SHA-256 of the whole file, lower-case hex.
    pub sha256: String,
}

/// What a file was used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileRole {
    /// The one file of a profile or a quality evaluation.
    Input,
    /// The reference side of a drift comparison.
    Reference,
    /// The current side of a drift comparison.
    Current,
    /// The baseline of a quality evaluation (a CSV, or an earlier result as JSON).
    Baseline,
}

impl FileRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Input => "input",
            FileRole::Reference => "reference",
            FileRole::Current => "current",
            FileRole::Baseline => "baseline",
        }
    }
}

/// A result with its provenance: the result's own keys, then `provenance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithProvenance<T> {
    #[serde(flatten)]
    pub result: T,
    pub provenance: Provenance,
}

/// The exported JSON of a result — what `serde_json::to_string_pretty` writes for a
/// [`WithProvenance`] — built from the result's own pretty JSON (`result_pretty`, an object),
/// which is kept verbatim: the figures are not parsed and written a second time. The app uses it
/// to add the file hashes, which are computed beside the analysis, to the result.
pub fn export_json(
    result_pretty: &str,
    provenance: &Provenance,
) -> Result<String, serde_json::Error> {
    use serde::ser::Error as _;
    let provenance = serde_json::to_string_pretty(provenance)?.replace('\n', "\n  ");
    let body = result_pretty
        .trim_end()
        .strip_suffix('}')
        .filter(|body| body.starts_with('{'))
        .ok_or_else(|| serde_json::Error::custom("the result is not a JSON object"))?
        .trim_end();
    // Strings in JSON never hold a raw line break, so indenting after each one is safe.
    let separator = if body == "{" { "\n" } else { ",\n" };
    Ok(format!(
        "{body}{separator}  \"provenance\": {provenance}\n}}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{DriftOptions, compare};
    use crate::profile::{Profile, ProfileOptions, Profiler, TableSummary};
    use crate::quality::{QualityEvaluator, QualityOptions, QualityReport};

    fn summary(csv: &str) -> TableSummary {
        let mut profiler = Profiler::new(ProfileOptions::default());
        profiler.push(csv.as_bytes());
        profiler.finish()
    }

    fn provenance() -> Provenance {
        Provenance {
            app_version: "0.1.0".into(),
            generated_at: "2026-11-26T08:00:00.000Z".into(),
            files: vec![FileProvenance {
                role: FileRole::Reference,
                name: "a.csv".into(),
                bytes: 12,
                sha256: "00ff".into(),
            }],
            parameters: serde_json::json!({"p_value_threshold": 0.05}),
        }
    }

    /// The exported JSON minus `provenance` is exactly the CLI's `--json` value.
    fn assert_cli_shape<T: Serialize>(result: T) {
        let plain = serde_json::to_value(&result).unwrap();
        let wrapped = serde_json::to_value(WithProvenance {
            result,
            provenance: provenance(),
        })
        .unwrap();
        let mut without = wrapped.as_object().unwrap().clone();
        let provenance_value = without.remove("provenance").expect("a provenance key");
        assert_eq!(serde_json::Value::Object(without), plain);
        assert_eq!(provenance_value["files"][0]["role"], "reference");
        assert_eq!(provenance_value["files"][0]["sha256"], "00ff");
        assert_eq!(provenance_value["parameters"]["p_value_threshold"], 0.05);
    }

    #[test]
    fn every_result_keeps_the_cli_shape_plus_provenance() {
        let csv = "x,c,y,p\n1,a,1,1\n2,b,0,1\n3,a,1,1\n";
        assert_cli_shape(summary(csv).into_profile());
        let (a, b) = (summary(csv), summary(csv));
        assert_cli_shape(compare(&a, &b, &DriftOptions::default()));
        let mut evaluator = QualityEvaluator::new(QualityOptions::new("y", "p"));
        evaluator.push(csv.as_bytes());
        assert_cli_shape(evaluator.finish().unwrap());
    }

    #[test]
    fn a_result_with_provenance_round_trips() {
        let profile = summary("x\n1\n2\n").into_profile();
        let exported = WithProvenance {
            result: profile,
            provenance: provenance(),
        };
        let text = serde_json::to_string_pretty(&exported).unwrap();
        let back: WithProvenance<Profile> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, exported);
        // A quality result read back as a baseline: unknown keys (provenance) are ignored.
        let mut evaluator = QualityEvaluator::new(QualityOptions::new("y", "p"));
        evaluator.push(b"y,p\na,a\nb,a\n");
        let report = evaluator.finish().unwrap();
        let text = serde_json::to_string(&WithProvenance {
            result: report.clone(),
            provenance: provenance(),
        })
        .unwrap();
        let back: WithProvenance<QualityReport> = serde_json::from_str(&text).unwrap();
        assert_eq!(back.result, report);
    }

    /// Built from the result's own JSON, the export is byte for byte what serde writes for
    /// the whole `WithProvenance`.
    fn assert_export_matches_serde<T: Serialize>(result: T) {
        let expected = serde_json::to_string_pretty(&WithProvenance {
            result: &result,
            provenance: provenance(),
        })
        .unwrap();
        let result_pretty = serde_json::to_string_pretty(&result).unwrap();
        assert_eq!(
            export_json(&result_pretty, &provenance()).unwrap(),
            expected
        );
    }

    #[test]
    fn the_export_is_built_from_the_result_text() {
        // A file name with quotes, a line break and braces stays escaped.
        let csv = "x,\"c\nd}\",y,p\n1,a,1,1\n2,b,0,1\n3,a,1,1\n";
        assert_export_matches_serde(summary(csv).into_profile());
        assert_export_matches_serde(compare(
            &summary(csv),
            &summary(csv),
            &DriftOptions::default(),
        ));
        let mut evaluator = QualityEvaluator::new(QualityOptions::new("y", "p"));
        evaluator.push(csv.as_bytes());
        assert_export_matches_serde(evaluator.finish().unwrap());
        assert_export_matches_serde(serde_json::json!({}));
        assert!(export_json("[1, 2]", &provenance()).is_err());
        assert!(export_json("", &provenance()).is_err());
    }

    #[test]
    fn roles_are_lower_case_words() {
        for role in [
            FileRole::Input,
            FileRole::Reference,
            FileRole::Current,
            FileRole::Baseline,
        ] {
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::Value::from(role.as_str())
            );
        }
    }
}
