//! The report in words: numbers as the view writes them, the verdict against the baseline, the
//! charts' descriptions for screen readers, and the plain-text summary to copy. Everything is
//! read from the engine's report; nothing is computed here but the wording.

use shared::api::FileRole;
use shared::quality::{BaselineComparison, ConfusionMatrix, QualityReport};

use super::text::text;
use crate::format;
use crate::i18n::{Lang, fill};
use crate::worker::client::QualityOutcome;
use crate::worker::protocol::QualityParameters;

/// A metric in 0..=1, with three decimals (`—` when undefined).
pub(super) fn metric(lang: Lang, value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format::fixed(lang, v, 3))
}

/// A relative change as a signed percentage: `+2.5%`, `−18.7%` (`—` when undefined).
pub(super) fn change(lang: Lang, relative_drop: Option<f64>) -> String {
    let Some(drop) = relative_drop.filter(|d| d.is_finite()) else {
        return "—".to_owned();
    };
    let written = format::share(lang, drop.abs());
    if written == format::share(lang, 0.0) {
        return written;
    }
    // A drop is a fall of the metric.
    let sign = if drop > 0.0 { '−' } else { '+' };
    format!("{sign}{written}")
}

/// A threshold such as 0.1 as `10%` (`10 %` in French), without needless decimals.
pub(super) fn threshold(lang: Lang, fraction: f64) -> String {
    let number = format::stat(lang, fraction * 100.0);
    match lang {
        Lang::En => format!("{number}%"),
        Lang::Fr => format!("{number}\u{a0}%"),
    }
}

/// Whether a relative drop is beyond the allowed one (as the engine's `degraded`).
pub(super) fn is_drop(drop: Option<f64>, max: f64) -> bool {
    drop.is_some_and(|d| d > max)
}

/// The baseline comparison in one sentence: whether quality dropped, and by how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Verdict {
    pub degraded: bool,
    /// Nothing could be compared (no baseline figure above zero).
    pub compared: bool,
    pub headline: String,
    pub detail: String,
}

pub(super) fn verdict(lang: Lang, baseline: &BaselineComparison) -> Verdict {
    let t = text(lang);
    let max = threshold(lang, baseline.max_relative_drop);
    let drops = [
        (t.accuracy, baseline.accuracy_relative_drop),
        (t.f1_macro, baseline.f1_macro_relative_drop),
    ];
    let compared = drops.iter().any(|(_, drop)| drop.is_some());
    if baseline.degraded {
        let items: Vec<String> = drops
            .iter()
            .filter(|(_, drop)| is_drop(*drop, baseline.max_relative_drop))
            .map(|(name, drop)| format!("{name} {}", change(lang, *drop)))
            .collect();
        Verdict {
            degraded: true,
            compared,
            headline: t.degraded.to_owned(),
            detail: fill(t.degraded_detail, &[&max, &items.join(", ")]),
        }
    } else if compared {
        Verdict {
            degraded: false,
            compared,
            headline: fill(t.not_degraded, &[&max]),
            detail: String::new(),
        }
    } else {
        Verdict {
            degraded: false,
            compared,
            headline: t.no_comparison.to_owned(),
            detail: String::new(),
        }
    }
}

/// The name of the evaluated file and of the baseline, from the provenance.
pub(super) fn file_names(outcome: &QualityOutcome) -> (String, Option<String>) {
    let name = |role: FileRole| {
        outcome
            .provenance
            .files
            .iter()
            .find(|f| f.role == role)
            .map(|f| f.name.clone())
    };
    (
        name(FileRole::Input).unwrap_or_default(),
        name(FileRole::Baseline),
    )
}

/// The class limit the evaluation ran with (for the note when classes are left out).
pub(super) fn max_classes(outcome: &QualityOutcome) -> Option<usize> {
    serde_json::from_value::<QualityParameters>(outcome.provenance.parameters.clone())
        .ok()
        .map(|p| p.quality.max_classes)
}

/// The per-class chart for screen readers: how many classes, the best and worst F1.
pub(super) fn classes_description(lang: Lang, report: &QualityReport) -> String {
    let t = text(lang);
    let best = report.classes.iter().max_by(|a, b| a.f1.total_cmp(&b.f1));
    let worst = report.classes.iter().min_by(|a, b| a.f1.total_cmp(&b.f1));
    match (best, worst) {
        (Some(best), Some(worst)) => fill(
            t.classes_description,
            &[
                &format::count(lang, report.classes.len() as u64),
                &best.label,
                &metric(lang, Some(best.f1)),
                &worst.label,
                &metric(lang, Some(worst.f1)),
            ],
        ),
        _ => t.classes_chart.to_owned(),
    }
}

/// The confusion matrix for screen readers: rows on the diagonal, the most frequent error.
pub(super) fn confusion_description(lang: Lang, matrix: &ConfusionMatrix) -> String {
    let t = text(lang);
    let total: u64 = matrix.matrix.iter().flatten().sum();
    let correct: u64 = matrix
        .matrix
        .iter()
        .enumerate()
        .filter_map(|(i, row)| row.get(i))
        .sum();
    let mut out = fill(
        t.confusion_description,
        &[
            &format::count(lang, matrix.labels.len() as u64),
            &format::count(lang, correct),
            &format::count(lang, total),
        ],
    );
    let worst = matrix
        .matrix
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.iter().enumerate().map(move |(j, &n)| (i, j, n)))
        .filter(|&(i, j, n)| i != j && n > 0)
        .max_by_key(|&(i, j, n)| (n, std::cmp::Reverse((i, j))));
    out.push(' ');
    match worst {
        Some((i, j, n)) => out.push_str(&fill(
            t.confusion_worst,
            &[
                matrix.labels.get(i).map_or("", String::as_str),
                matrix.labels.get(j).map_or("", String::as_str),
                &format::count(lang, n),
            ],
        )),
        None => out.push_str(t.confusion_perfect),
    }
    out
}

/// A few lines of plain text for the clipboard, in `lang`.
pub(super) fn summary(lang: Lang, outcome: &QualityOutcome) -> String {
    let t = text(lang);
    let report = &outcome.result;
    let (file, baseline_file) = file_names(outcome);
    let colon = match lang {
        Lang::En => ": ",
        Lang::Fr => "\u{a0}: ",
    };
    let line = |name: &str, value: String| format!("{name}{colon}{value}");
    let mut lines = vec![
        fill(t.summary_title, &[&file]),
        fill(t.summary_columns, &[&report.label, &report.prediction]),
        line(t.rows, format::count(lang, report.rows)),
        line(t.skipped_rows, format::count(lang, report.skipped_rows)),
        line(t.accuracy, metric(lang, report.accuracy)),
        line(t.f1_macro, metric(lang, report.f1_macro)),
        line(t.f1_weighted, metric(lang, report.f1_weighted)),
        line(t.precision_macro, metric(lang, report.precision_macro)),
        line(t.recall_macro, metric(lang, report.recall_macro)),
    ];
    if let Some(regression) = &report.regression {
        lines.push(line("MAE", format::stat(lang, regression.mae)));
        lines.push(line("RMSE", format::stat(lang, regression.rmse)));
        lines.push(line("R²", format::stat(lang, regression.r2)));
    }
    if let Some(baseline) = &report.baseline {
        lines.push(fill(
            t.summary_baseline,
            &[baseline_file.as_deref().unwrap_or("")],
        ));
        for (name, value, drop) in [
            (
                t.accuracy,
                baseline.accuracy,
                baseline.accuracy_relative_drop,
            ),
            (
                t.f1_macro,
                baseline.f1_macro,
                baseline.f1_macro_relative_drop,
            ),
        ] {
            lines.push(format!(
                "- {} ({})",
                line(name, metric(lang, value)),
                change(lang, drop)
            ));
        }
        let verdict = verdict(lang, baseline);
        let mut sentence = verdict.headline;
        if !verdict.detail.is_empty() {
            sentence = format!("{sentence} {}", verdict.detail);
        }
        lines.push(sentence);
    }
    if !report.classes.is_empty() {
        lines.push(t.summary_classes.to_owned());
        for class in &report.classes {
            lines.push(format!(
                "- {}{colon}{} / {} / {} / {}",
                class.label,
                metric(lang, Some(class.precision)),
                metric(lang, Some(class.recall)),
                metric(lang, Some(class.f1)),
                format::count(lang, class.support),
            ));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use shared::api::{FileProvenance, Provenance};
    use shared::quality::{ClassMetrics, DEFAULT_MAX_RELATIVE_DROP};

    use super::*;

    fn comparison(accuracy_drop: Option<f64>, f1_drop: Option<f64>) -> BaselineComparison {
        let max = DEFAULT_MAX_RELATIVE_DROP;
        BaselineComparison {
            accuracy: Some(0.9),
            f1_macro: Some(0.8),
            accuracy_relative_drop: accuracy_drop,
            f1_macro_relative_drop: f1_drop,
            max_relative_drop: max,
            degraded: [accuracy_drop, f1_drop].iter().any(|d| is_drop(*d, max)),
        }
    }

    fn outcome() -> QualityOutcome {
        let matrix = ConfusionMatrix {
            labels: vec!["a".into(), "b".into(), "c".into()],
            matrix: vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]],
        };
        let class = |label: &str, precision, recall, f1, support| ClassMetrics {
            label: label.into(),
            precision,
            recall,
            f1,
            support,
        };
        let mut report = QualityReport {
            label: "y".into(),
            prediction: "p".into(),
            rows: 6,
            skipped_rows: 1,
            accuracy: Some(4.0 / 6.0),
            f1_macro: Some((0.8 + 0.5 + 2.0 / 3.0) / 3.0),
            f1_weighted: Some(0.7),
            precision_macro: Some(0.7),
            recall_macro: Some(0.7),
            classes: vec![
                class("a", 1.0, 2.0 / 3.0, 0.8, 3),
                class("b", 0.5, 0.5, 0.5, 2),
                class("c", 0.5, 1.0, 2.0 / 3.0, 1),
            ],
            confusion_matrix: Some(matrix),
            regression: None,
            note: None,
            baseline: None,
        };
        report.compare_with(report.figures(), DEFAULT_MAX_RELATIVE_DROP);
        let file = |role, name: &str| FileProvenance {
            role,
            name: name.into(),
            bytes: 10,
            sha256: String::new(),
        };
        QualityOutcome {
            result: report,
            provenance: Provenance {
                app_version: "0.1.0".into(),
                generated_at: "2026-01-01T00:00:00.000Z".into(),
                files: vec![
                    file(FileRole::Input, "model.csv"),
                    file(FileRole::Baseline, "old.json"),
                ],
                parameters: serde_json::to_value(QualityParameters::new(
                    shared::quality::QualityOptions::new("y", "p"),
                ))
                .unwrap(),
            },
            json: String::new(),
            phases: Default::default(),
        }
    }

    #[test]
    fn changes_are_signed() {
        assert_eq!(change(Lang::En, Some(0.187)), "−18.7%");
        assert_eq!(change(Lang::En, Some(-0.025)), "+2.5%");
        assert_eq!(change(Lang::Fr, Some(0.187)), "−18,7\u{a0}%");
        assert_eq!(change(Lang::En, Some(0.0)), "0.0%");
        assert_eq!(change(Lang::En, Some(0.00001)), "0.0%");
        assert_eq!(change(Lang::En, None), "—");
        assert_eq!(threshold(Lang::En, 0.1), "10%");
        assert_eq!(threshold(Lang::Fr, 0.125), "12,5\u{a0}%");
        assert_eq!(metric(Lang::Fr, Some(2.0 / 3.0)), "0,667");
    }

    #[test]
    fn a_drop_names_the_metrics_beyond_the_threshold() {
        let verdict = verdict(Lang::En, &comparison(Some(0.187), Some(0.05)));
        assert!(verdict.degraded);
        assert_eq!(verdict.headline, "Quality dropped.");
        assert_eq!(
            verdict.detail,
            "More than 10% below the baseline: Accuracy −18.7%."
        );
        let fine = super::verdict(Lang::Fr, &comparison(Some(0.05), Some(-0.1)));
        assert!(!fine.degraded && fine.compared);
        assert_eq!(
            fine.headline,
            "Aucune baisse de plus de 10\u{a0}% par rapport à la référence."
        );
        let nothing = super::verdict(Lang::En, &comparison(None, None));
        assert!(!nothing.compared);
    }

    #[test]
    fn descriptions_name_the_extremes() {
        let outcome = outcome();
        let report = &outcome.result;
        assert_eq!(
            classes_description(Lang::En, report),
            "Precision, recall and F1 for each of the 3 classes. Highest F1: a (0.800); \
             lowest F1: b (0.500)."
        );
        let matrix = report.confusion_matrix.as_ref().unwrap();
        assert!(
            confusion_description(Lang::En, matrix).ends_with(
                "4 of 6 rows are on the diagonal (correctly predicted). The most frequent \
                 error: a predicted as b (1 rows)."
            ),
            "{}",
            confusion_description(Lang::En, matrix)
        );
    }

    #[test]
    fn the_summary_reads_the_report() {
        let outcome = outcome();
        assert_eq!(
            file_names(&outcome),
            ("model.csv".into(), Some("old.json".into()))
        );
        assert_eq!(max_classes(&outcome), Some(100));
        let english = summary(Lang::En, &outcome);
        assert!(
            english.starts_with("Model quality — model.csv\n"),
            "{english}"
        );
        assert!(english.contains("\nAccuracy: 0.667\n"), "{english}");
        assert!(english.contains("\nBaseline: old.json\n"), "{english}");
        assert!(english.contains("No drop of more than 10%"), "{english}");
        assert!(
            english.contains("\n- b: 0.500 / 0.500 / 0.500 / 2"),
            "{english}"
        );
        let french = summary(Lang::Fr, &outcome);
        assert!(french.contains("\nExactitude\u{a0}: 0,667\n"), "{french}");
    }
}
