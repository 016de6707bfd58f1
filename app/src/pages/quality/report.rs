//! The result of an evaluation: headline metrics, the verdict against the baseline, per-class
//! metrics (chart and table), the confusion matrix (heat map and table), regression metrics
//! for numeric labels, and the export.

use std::sync::Arc;

use charts::{ChartLabels, HeatScale, grouped_bar_chart_svg, heatmap_svg};
use leptos::prelude::*;
use shared::quality::{BaselineComparison, QualityReport};

use super::summary::{self, change, is_drop, metric, threshold, verdict};
use super::text::{Text, text};
use crate::components::chart::Chart;
use crate::components::export::{ExportBar, export_name};
use crate::format;
use crate::i18n::{Lang, fill, use_lang};
use crate::worker::client::QualityOutcome;

#[component]
pub(super) fn QualityResult(outcome: Arc<QualityOutcome>, seconds: f64) -> impl IntoView {
    let lang = use_lang();
    let section = NodeRef::<leptos::html::Section>::new();
    let width = chart_width(section);
    let (file, baseline_file) = summary::file_names(&outcome);
    let export = export_name(&file, "quality.json");
    let summary_text = {
        let outcome = Arc::clone(&outcome);
        Signal::derive(move || summary::summary(lang.get(), &outcome))
    };
    let json = outcome.json.clone();

    let body = move || {
        let lang = lang.get();
        let t = text(lang);
        let report = &outcome.result;
        let mut status = fill(
            t.evaluated,
            &[
                &format::count(lang, report.rows),
                &format::fixed(lang, seconds, 2),
            ],
        );
        if report.skipped_rows > 0 {
            status.push(' ');
            status.push_str(&fill(
                t.skipped,
                &[&format::count(lang, report.skipped_rows)],
            ));
        }
        if report.baseline.is_some_and(|b| b.degraded) {
            status.push(' ');
            status.push_str(t.status_degraded);
        }
        let note = report.note.as_ref().map(|_| {
            let limit = summary::max_classes(&outcome).unwrap_or(100);
            view! {
                <p class="notice">{fill(t.many_classes, &[&format::count(lang, limit as u64)])}</p>
            }
        });
        view! {
            <h2 id="quality-result-title">{fill(t.results_for, &[&file])}</h2>
            <p class="status" role="status">
                {status}
            </p>
            {report.baseline.map(|b| verdict_view(lang, &b))}
            {metrics_view(lang, report)}
            {report
                .baseline
                .map(|b| baseline_view(lang, report, &b, baseline_file.as_deref().unwrap_or("")))}
            {note}
            {classes_view(lang, &outcome, &file, width)}
            {confusion_view(lang, &outcome, &file, width)}
            {regression_view(lang, report)}
        }
    };

    view! {
        <section class="quality-result" aria-labelledby="quality-result-title" node_ref=section>
            {body}
            <section class="quality-export" aria-labelledby="quality-export-title">
                <h3 id="quality-export-title">{move || text(lang.get()).export}</h3>
                <ExportBar file_name=export json summary=summary_text />
            </section>
        </section>
    }
}

/// The width the charts are laid out for: the width of `section` once mounted, followed on
/// resize, so chart text keeps its nominal size.
fn chart_width(section: NodeRef<leptos::html::Section>) -> RwSignal<u32> {
    let width = RwSignal::new(ChartLabels::DEFAULT_WIDTH);
    let measure = move || {
        let Some(element) = section.get_untracked() else {
            return;
        };
        let now = element.client_width();
        if now > 0 {
            let now = (now as u32).min(960);
            if width.get_untracked().abs_diff(now) > 16 {
                width.set(now);
            }
        }
    };
    Effect::new(move || {
        if section.get().is_some() {
            measure();
        }
    });
    let handle = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || handle.remove());
    width
}

fn verdict_view(lang: Lang, baseline: &BaselineComparison) -> impl IntoView + use<> {
    let verdict = verdict(lang, baseline);
    let (class, icon) = match (verdict.degraded, verdict.compared) {
        (true, _) => ("quality-verdict quality-verdict--degraded", "⚠"),
        (false, true) => ("quality-verdict quality-verdict--ok", "✓"),
        (false, false) => ("quality-verdict", "–"),
    };
    view! {
        <div class=class>
            <span class="quality-verdict__icon" aria-hidden="true">
                {icon}
            </span>
            <p>
                <strong>{verdict.headline}</strong>
                {(!verdict.detail.is_empty()).then(|| format!(" {}", verdict.detail))}
            </p>
        </div>
    }
}

/// One term and its value in a list of facts.
fn fact(term: &'static str, value: String) -> impl IntoView + use<> {
    view! {
        <div>
            <dt>{term}</dt>
            <dd>{value}</dd>
        </div>
    }
}

fn metrics_view(lang: Lang, report: &QualityReport) -> impl IntoView + use<> {
    let t = text(lang);
    view! {
        <section class="quality-summary" aria-labelledby="quality-summary-title">
            <h3 id="quality-summary-title">{t.summary}</h3>
            <dl class="quality-metrics">
                {fact(t.accuracy, metric(lang, report.accuracy))}
                {fact(t.f1_macro, metric(lang, report.f1_macro))}
                {fact(t.f1_weighted, metric(lang, report.f1_weighted))}
                {fact(t.precision_macro, metric(lang, report.precision_macro))}
                {fact(t.recall_macro, metric(lang, report.recall_macro))}
                {fact(t.rows, format::count(lang, report.rows))}
                {fact(t.skipped_rows, format::count(lang, report.skipped_rows))}
            </dl>
        </section>
    }
}

/// A table in a box that scrolls sideways on narrow screens, named by its caption.
fn scrolling_table(caption: String, class: &'static str, head: AnyView, rows: AnyView) -> AnyView {
    let region = caption.clone();
    view! {
        <div class="table-scroll" role="region" aria-label=region tabindex="0">
            <table class=format!("quality-table {class}")>
                <caption>{caption}</caption>
                <thead>{head}</thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn baseline_view(
    lang: Lang,
    report: &QualityReport,
    baseline: &BaselineComparison,
    file: &str,
) -> impl IntoView + use<> {
    let t = text(lang);
    let max = baseline.max_relative_drop;
    let limit = threshold(lang, max);
    let row = |name: &'static str, base: Option<f64>, drop: Option<f64>, current: Option<f64>| {
        let dropped = is_drop(drop, max);
        let (class, icon, words) = match drop {
            None => ("", "", t.not_compared.to_owned()),
            Some(_) if dropped => (
                "quality-flag quality-flag--drop",
                "⚠ ",
                fill(t.dropped, &[&limit]),
            ),
            Some(_) => (
                "quality-flag quality-flag--ok",
                "✓ ",
                fill(t.within, &[&limit]),
            ),
        };
        view! {
            <tr class:quality-row--drop=dropped>
                <th scope="row">{name}</th>
                <td class="num">{metric(lang, base)}</td>
                <td class="num">{metric(lang, current)}</td>
                <td class="num">{change(lang, drop)}</td>
                <td>
                    <span class=class>
                        <span aria-hidden="true">{icon}</span>
                        {words}
                    </span>
                </td>
            </tr>
        }
    };
    let head = view! {
        <tr>
            <th scope="col">{t.metric}</th>
            <th scope="col" class="num">{t.baseline}</th>
            <th scope="col" class="num">{t.current}</th>
            <th scope="col" class="num">{t.change}</th>
            <th scope="col">{t.verdict}</th>
        </tr>
    }
    .into_any();
    let rows = view! {
        {row(
            t.accuracy,
            baseline.accuracy,
            baseline.accuracy_relative_drop,
            report.accuracy,
        )}
        {row(
            t.f1_macro,
            baseline.f1_macro,
            baseline.f1_macro_relative_drop,
            report.f1_macro,
        )}
    }
    .into_any();
    view! {
        <section class="quality-baseline" aria-labelledby="quality-baseline-title">
            <h3 id="quality-baseline-title">{t.baseline_heading}</h3>
            {scrolling_table(fill(t.baseline_caption, &[file]), "quality-table--baseline", head, rows)}
        </section>
    }
}

fn classes_view(
    lang: Lang,
    outcome: &Arc<QualityOutcome>,
    file: &str,
    width: RwSignal<u32>,
) -> Option<AnyView> {
    let report = &outcome.result;
    if report.classes.is_empty() {
        return None;
    }
    let t = text(lang);
    let svg = {
        let outcome = Arc::clone(outcome);
        Signal::derive(move || classes_chart(lang, &outcome.result, width.get()))
    };
    let head = view! {
        <tr>
            <th scope="col">{t.class}</th>
            <th scope="col" class="num">{t.precision}</th>
            <th scope="col" class="num">{t.recall}</th>
            <th scope="col" class="num">{t.f1}</th>
            <th scope="col" class="num">{t.support}</th>
        </tr>
    }
    .into_any();
    let rows = report
        .classes
        .iter()
        .map(|class| {
            view! {
                <tr>
                    <th scope="row">{class.label.clone()}</th>
                    <td class="num">{metric(lang, Some(class.precision))}</td>
                    <td class="num">{metric(lang, Some(class.recall))}</td>
                    <td class="num">{metric(lang, Some(class.f1))}</td>
                    <td class="num">{format::count(lang, class.support)}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    Some(
        view! {
            <section class="quality-classes" aria-labelledby="quality-classes-title">
                <h3 id="quality-classes-title">{t.per_class}</h3>
                <Chart svg file_name=export_name(file, "quality-classes.svg") />
                {scrolling_table(t.per_class_caption.to_owned(), "quality-table--classes", head, rows)}
            </section>
        }
        .into_any(),
    )
}

fn classes_chart(lang: Lang, report: &QualityReport, width: u32) -> String {
    let t = text(lang);
    let number = move |v: f64| format::stat(lang, v);
    let labels = ChartLabels::new(
        t.classes_chart,
        summary::classes_description(lang, report),
        &number,
    )
    .with_width(width);
    let categories: Vec<String> = report.classes.iter().map(|c| c.label.clone()).collect();
    let series = |name: &str, value: fn(&shared::quality::ClassMetrics) -> f64| {
        (name.to_owned(), report.classes.iter().map(value).collect())
    };
    grouped_bar_chart_svg(
        &categories,
        &[
            series(t.precision, |c| c.precision),
            series(t.recall, |c| c.recall),
            series(t.f1, |c| c.f1),
        ],
        &labels,
    )
}

fn confusion_view(
    lang: Lang,
    outcome: &Arc<QualityOutcome>,
    file: &str,
    width: RwSignal<u32>,
) -> Option<AnyView> {
    let matrix = outcome.result.confusion_matrix.as_ref()?;
    let t = text(lang);
    let svg = {
        let outcome = Arc::clone(outcome);
        Signal::derive(move || {
            outcome
                .result
                .confusion_matrix
                .as_ref()
                .map(|m| confusion_chart(lang, t, m, width.get()))
                .unwrap_or_default()
        })
    };
    let head = view! {
        <tr>
            <th scope="col">{t.true_predicted}</th>
            {matrix
                .labels
                .iter()
                .map(|label| view! { <th scope="col" class="num">{label.clone()}</th> })
                .collect_view()}
        </tr>
    }
    .into_any();
    let rows = matrix
        .labels
        .iter()
        .zip(&matrix.matrix)
        .enumerate()
        .map(|(i, (label, counts))| {
            let cells = counts
                .iter()
                .enumerate()
                .map(|(j, &n)| {
                    view! {
                        <td class="num" class:quality-cell--diagonal=i == j>
                            {format::count(lang, n)}
                        </td>
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{label.clone()}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view()
        .into_any();
    Some(
        view! {
            <section class="quality-confusion" aria-labelledby="quality-confusion-title">
                <h3 id="quality-confusion-title">{t.confusion}</h3>
                <Chart svg file_name=export_name(file, "confusion.svg") />
                {scrolling_table(t.confusion_caption.to_owned(), "quality-table--confusion", head, rows)}
            </section>
        }
        .into_any(),
    )
}

fn confusion_chart(
    lang: Lang,
    t: &Text,
    matrix: &shared::quality::ConfusionMatrix,
    width: u32,
) -> String {
    let number = move |v: f64| format::stat(lang, v);
    let labels = ChartLabels::new(
        t.confusion,
        summary::confusion_description(lang, matrix),
        &number,
    )
    .axes(t.predicted, t.true_label)
    .with_width(width);
    let values: Vec<Vec<Option<f64>>> = matrix
        .matrix
        .iter()
        .map(|row| row.iter().map(|&n| Some(n as f64)).collect())
        .collect();
    heatmap_svg(
        &matrix.labels,
        &matrix.labels,
        &values,
        HeatScale::Sequential { max: f64::NAN },
        &labels,
    )
}

fn regression_view(lang: Lang, report: &QualityReport) -> Option<impl IntoView + use<>> {
    let regression = report.regression?;
    let t = text(lang);
    Some(view! {
        <section class="quality-regression" aria-labelledby="quality-regression-title">
            <h3 id="quality-regression-title">{t.regression}</h3>
            <p class="quality-hint">{t.regression_hint}</p>
            <dl class="quality-metrics">
                {fact(t.mae, format::stat(lang, regression.mae))}
                {fact(t.rmse, format::stat(lang, regression.rmse))}
                {fact(t.r2, format::stat(lang, regression.r2))}
            </dl>
        </section>
    })
}
