//! The result in words, in the user's language: the verdict (shown on the page) and the
//! plain-text summary (copied by the export bar). Every figure comes from the engine's report.

use shared::drift::DriftReport;

use super::text::{kind_name, skip_reason, test_name, text};
use crate::format;
use crate::i18n::{Lang, fill};

/// The dataset's verdict, as the report decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Drift,
    Stable,
    /// No column could be tested: the report's `dataset_drift` is false, but saying "no
    /// drift" would claim more than was checked.
    Untested,
}

pub(super) fn verdict(report: &DriftReport) -> Verdict {
    if report.columns.is_empty() {
        Verdict::Untested
    } else if report.dataset_drift {
        Verdict::Drift
    } else {
        Verdict::Stable
    }
}

/// "Dataset drift detected", "No dataset drift" or "No column could be tested".
pub(super) fn headline(lang: Lang, report: &DriftReport) -> &'static str {
    let t = text(lang);
    match verdict(report) {
        Verdict::Drift => t.verdict_drift,
        Verdict::Stable => t.verdict_stable,
        Verdict::Untested => t.verdict_untested,
    }
}

/// How many columns drifted against the threshold.
pub(super) fn detail(lang: Lang, report: &DriftReport) -> String {
    let t = text(lang);
    let drifted = report.columns.iter().filter(|c| c.drifted).count() as u64;
    let tested = report.columns.len() as u64;
    let template = match verdict(report) {
        Verdict::Untested => return t.untested_detail.to_owned(),
        Verdict::Drift => t.share_above,
        Verdict::Stable => t.share_below,
    };
    fill(
        template,
        &[
            &format::count(lang, drifted),
            &format::count(lang, tested),
            &format::share(lang, report.drifted_share),
            &format::share(lang, report.options.drift_share_threshold),
        ],
    )
}

/// Which files, their rows, and the p-value threshold the result was computed with.
pub(super) fn compared(lang: Lang, report: &DriftReport, reference: &str, current: &str) -> String {
    fill(
        text(lang).compared,
        &[
            reference,
            &format::count(lang, report.reference_rows),
            current,
            &format::count(lang, report.current_rows),
            &format::stat(lang, report.options.p_value_threshold),
        ],
    )
}

/// A few lines of plain text: files, verdict, one line per tested column, then what was not
/// tested.
pub(super) fn summary(lang: Lang, report: &DriftReport, reference: &str, current: &str) -> String {
    let t = text(lang);
    let mut lines = vec![
        fill(t.summary_title, &[reference, current]),
        format!("{} — {}", headline(lang, report), detail(lang, report)),
        compared(lang, report, reference, current),
    ];
    for column in &report.columns {
        let mut parts = vec![
            format!("- {}", column.name),
            kind_name(lang, column.kind).to_owned(),
            test_name(lang, column.test, column.ks_method, column.dof),
            format!("{} {}", t.statistic, format::stat(lang, column.statistic)),
            format!(
                "{} {}",
                t.p_value,
                format::p_value(lang, Some(column.p_value))
            ),
            format!("{} {}", t.psi, format::optional_stat(lang, column.psi)),
        ];
        if let Some(distance) = column.wasserstein {
            parts.push(format!(
                "{} {}",
                t.wasserstein,
                format::stat(lang, distance)
            ));
        }
        if column.approximate {
            parts.push(t.estimated.to_owned());
        }
        parts.push(
            if column.drifted {
                t.drifted
            } else {
                t.not_drifted
            }
            .to_owned(),
        );
        lines.push(parts.join(" · "));
    }
    if !report.skipped.is_empty() {
        lines.push(format!("{}:", t.not_tested));
        for skipped in &report.skipped {
            lines.push(format!(
                "- {} · {}",
                skipped.name,
                skip_reason(lang, &skipped.reason)
            ));
        }
    }
    for (label, names) in [
        (t.only_reference, &report.only_in_reference),
        (t.only_current, &report.only_in_current),
    ] {
        if !names.is_empty() {
            lines.push(format!("{label}: {}", names.join(", ")));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use shared::drift::{DriftOptions, compare};
    use shared::profile::{ProfileOptions, Profiler, TableSummary};

    use super::*;

    fn summary_of(csv: &str) -> TableSummary {
        let mut profiler = Profiler::new(ProfileOptions::default());
        profiler.push(csv.as_bytes());
        profiler.finish()
    }

    /// x shifts completely, y keeps its values, note is free text, old and new are one-sided.
    fn report(options: DriftOptions) -> DriftReport {
        let mut reference = String::from("x,y,note,old\n");
        let mut current = String::from("x,y,note,new\n");
        for i in 0..40 {
            reference.push_str(&format!("{i},{},r{i},1\n", i % 5));
            current.push_str(&format!("{},{},c{i},2\n", i + 100, (i * 3) % 5));
        }
        compare(&summary_of(&reference), &summary_of(&current), &options)
    }

    #[test]
    fn the_verdict_follows_the_report() {
        let report = report(DriftOptions::default());
        assert_eq!(report.columns.len(), 2, "{:?}", report.skipped);
        assert_eq!(verdict(&report), Verdict::Drift);
        assert_eq!(
            detail(Lang::En, &report),
            "1 of 2 tested columns drifted (50.0%), at or above the threshold of 50.0%."
        );
        assert_eq!(
            detail(Lang::Fr, &report),
            "1 des 2 colonnes testées ont dérivé (50,0\u{a0}%), soit au moins le seuil de \
             50,0\u{a0}%."
        );
        let strict = report_with_share(0.75);
        assert_eq!(verdict(&strict), Verdict::Stable);
        assert!(detail(Lang::En, &strict).ends_with("below the threshold of 75.0%."));
    }

    fn report_with_share(share: f64) -> DriftReport {
        report(DriftOptions {
            drift_share_threshold: share,
            ..DriftOptions::default()
        })
    }

    #[test]
    fn nothing_tested_is_not_called_stable() {
        let report = compare(
            &summary_of("a\nx1\nx2\n"),
            &summary_of("b\n1\n2\n"),
            &DriftOptions::default(),
        );
        assert_eq!(verdict(&report), Verdict::Untested);
        assert_eq!(headline(Lang::En, &report), "No column could be tested");
    }

    #[test]
    fn the_summary_lists_every_column() {
        let report = report(DriftOptions::default());
        let en = summary(Lang::En, &report, "ref.csv", "cur.csv");
        let lines: Vec<&str> = en.lines().collect();
        assert_eq!(
            lines[0],
            "Data drift: reference “ref.csv”, current “cur.csv”"
        );
        assert!(
            lines[1].starts_with("Dataset drift detected — 1 of 2"),
            "{en}"
        );
        assert!(
            lines.iter().any(
                |l| l.starts_with("- x · integer · KS (exact) · Statistic 1 ·")
                    && l.ends_with("· Drifted")
            ),
            "{en}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("- y ·") && l.ends_with("· No drift")),
            "{en}"
        );
        assert!(lines.contains(&"Columns not tested:"), "{en}");
        assert!(
            lines.iter().any(|l| l.starts_with("- note · free text")),
            "{en}"
        );
        assert!(lines.contains(&"Only in the reference file: old"), "{en}");
        assert!(lines.contains(&"Only in the current file: new"), "{en}");
        let fr = summary(Lang::Fr, &report, "ref.csv", "cur.csv");
        assert!(fr.contains("Dérive du jeu de données détectée"), "{fr}");
        assert!(fr.contains("- note · texte libre"), "{fr}");
        assert!(fr.contains("inférieure à 0,05"), "{fr}");
    }
}
