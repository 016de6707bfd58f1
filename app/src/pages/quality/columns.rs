//! The column pickers' logic: what is known of each file's columns, the first guess of the
//! label and prediction columns, and what keeps the evaluation from starting.

use crate::worker::client::AnalysisError;
use crate::worker::protocol::ColumnsInfo;

/// Names that usually hold the true label, best first (compared lower-cased, with spaces and
/// hyphens read as underscores).
const LABEL_NAMES: [&str; 11] = [
    "label",
    "y_true",
    "target",
    "actual",
    "y",
    "true",
    "truth",
    "ground_truth",
    "true_label",
    "expected",
    "class",
];

/// Names that usually hold the prediction, best first.
const PREDICTION_NAMES: [&str; 10] = [
    "prediction",
    "y_pred",
    "predicted",
    "pred",
    "predictions",
    "predicted_label",
    "pred_label",
    "yhat",
    "y_hat",
    "output",
];

/// What is known of one file's columns.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Peek {
    /// No file.
    None,
    /// The worker is reading the header.
    Loading,
    Ready(ColumnsInfo),
    /// An exported quality result (`.json`): it has figures, not columns.
    Result,
    Failed(AnalysisError),
}

impl Peek {
    pub(super) fn columns(&self) -> &[String] {
        match self {
            Peek::Ready(info) => &info.columns,
            _ => &[],
        }
    }
}

impl From<Result<ColumnsInfo, AnalysisError>> for Peek {
    fn from(result: Result<ColumnsInfo, AnalysisError>) -> Self {
        match result {
            Ok(info) => Peek::Ready(info),
            Err(error) => Peek::Failed(error),
        }
    }
}

/// Whether a baseline of this name is an exported result rather than a CSV (as the worker
/// decides: by the `.json` extension).
pub(super) fn is_result_file(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, extension)| extension.eq_ignore_ascii_case("json"))
}

fn normalise(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The first column whose name is one of `names`, by the order of `names`.
fn guess(columns: &[String], names: &[&str], avoid: &str) -> Option<String> {
    let normalised: Vec<String> = columns.iter().map(|c| normalise(c)).collect();
    names.iter().find_map(|name| {
        normalised
            .iter()
            .position(|c| c == name)
            .map(|i| columns[i].clone())
            .filter(|column| column != avoid)
    })
}

/// The label and prediction columns once `columns` are known: the current choices when the
/// file still has them, else a guess from the names, else none (empty).
pub(super) fn choose(columns: &[String], label: &str, prediction: &str) -> (String, String) {
    let keep = |current: &str| {
        (!current.is_empty() && columns.iter().any(|c| c == current)).then(|| current.to_owned())
    };
    let label = keep(label)
        .or_else(|| guess(columns, &LABEL_NAMES, prediction))
        .unwrap_or_default();
    let prediction = keep(prediction)
        .or_else(|| guess(columns, &PREDICTION_NAMES, &label))
        .unwrap_or_default();
    (label, prediction)
}

/// Why the evaluation cannot start yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Blocker {
    NoFile,
    /// A file's header is being read.
    Reading,
    /// A file's columns could not be read (its error is shown).
    Unreadable,
    NotChosen,
    SameColumn,
    /// The baseline CSV lacks a chosen column.
    MissingInBaseline {
        column: String,
    },
}

impl Blocker {
    /// Whether this is a mistake to point out (as opposed to a step not done yet).
    pub(super) fn is_problem(&self) -> bool {
        matches!(
            self,
            Blocker::SameColumn | Blocker::MissingInBaseline { .. }
        )
    }
}

/// What keeps the evaluation of `input` (against `baseline`) on `label` and `prediction` from
/// starting, if anything.
pub(super) fn blocker(
    input: &Peek,
    baseline: &Peek,
    label: &str,
    prediction: &str,
) -> Option<Blocker> {
    match (input, baseline) {
        (Peek::None, _) => return Some(Blocker::NoFile),
        (Peek::Loading, _) | (_, Peek::Loading) => return Some(Blocker::Reading),
        (Peek::Failed(_), _) | (_, Peek::Failed(_)) => return Some(Blocker::Unreadable),
        _ => {}
    }
    if label.is_empty() || prediction.is_empty() {
        return Some(Blocker::NotChosen);
    }
    if label == prediction {
        return Some(Blocker::SameColumn);
    }
    if let Peek::Ready(info) = baseline {
        let missing = [label, prediction]
            .into_iter()
            .find(|column| !info.columns.iter().any(|c| c == column));
        if let Some(column) = missing {
            return Some(Blocker::MissingInBaseline {
                column: column.to_owned(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use shared::csv_input::DecimalSeparator;

    use super::*;

    fn names(columns: &[&str]) -> Vec<String> {
        columns.iter().map(|c| (*c).to_owned()).collect()
    }

    fn ready(columns: &[&str]) -> Peek {
        Peek::Ready(ColumnsInfo {
            columns: names(columns),
            delimiter: ",".into(),
            decimal_separator: DecimalSeparator::Dot,
            has_header: true,
        })
    }

    #[test]
    fn usual_names_are_guessed() {
        let columns = names(&["id", "Actual", "Predicted", "score"]);
        assert_eq!(
            choose(&columns, "", ""),
            ("Actual".into(), "Predicted".into())
        );
        let columns = names(&["y_pred", "y", "x"]);
        assert_eq!(choose(&columns, "", ""), ("y".into(), "y_pred".into()));
        let columns = names(&["Ground Truth", "pred"]);
        assert_eq!(
            choose(&columns, "", ""),
            ("Ground Truth".into(), "pred".into())
        );
        // Nothing recognisable: nothing chosen.
        assert_eq!(
            choose(&names(&["a", "b"]), "", ""),
            (String::new(), String::new())
        );
    }

    #[test]
    fn choices_survive_when_the_columns_still_have_them() {
        let columns = names(&["label", "prediction", "model_b"]);
        assert_eq!(
            choose(&columns, "label", "model_b"),
            ("label".into(), "model_b".into())
        );
        // A choice the new file lacks is guessed again.
        assert_eq!(
            choose(&columns, "truth", "model_b"),
            ("label".into(), "model_b".into())
        );
    }

    #[test]
    fn evaluation_waits_for_files_and_columns() {
        let input = ready(&["label", "prediction"]);
        assert_eq!(
            blocker(&Peek::None, &Peek::None, "", ""),
            Some(Blocker::NoFile)
        );
        assert_eq!(
            blocker(&Peek::Loading, &Peek::None, "", ""),
            Some(Blocker::Reading)
        );
        assert_eq!(
            blocker(&input, &Peek::Loading, "label", "prediction"),
            Some(Blocker::Reading)
        );
        assert_eq!(
            blocker(
                &input,
                &Peek::Failed(AnalysisError::Busy),
                "label",
                "prediction"
            ),
            Some(Blocker::Unreadable)
        );
        assert_eq!(
            blocker(&input, &Peek::None, "label", ""),
            Some(Blocker::NotChosen)
        );
        assert_eq!(blocker(&input, &Peek::None, "label", "prediction"), None);
        assert_eq!(blocker(&input, &Peek::Result, "label", "prediction"), None);
    }

    #[test]
    fn senseless_choices_are_problems() {
        let input = ready(&["label", "prediction"]);
        let same = blocker(&input, &Peek::None, "label", "label");
        assert_eq!(same, Some(Blocker::SameColumn));
        assert!(same.is_some_and(|b| b.is_problem()));
        assert_eq!(
            blocker(&input, &ready(&["label", "pred"]), "label", "prediction"),
            Some(Blocker::MissingInBaseline {
                column: "prediction".into()
            })
        );
        assert!(!Blocker::NotChosen.is_problem());
    }

    #[test]
    fn json_baselines_are_results() {
        assert!(is_result_file("march.quality.JSON"));
        assert!(!is_result_file("march.csv"));
        assert!(!is_result_file("json"));
    }
}
