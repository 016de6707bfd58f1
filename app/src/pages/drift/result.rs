//! A finished comparison: the verdict, the export bar, one table row per tested column (each
//! with a button that shows its distributions), the columns not tested, and the charts.

use std::sync::Arc;

use leptos::prelude::*;
use shared::api::FileRole;
use shared::drift::DriftReport;

use super::distributions::{CHARTS_ID, Distributions};
use super::summary::{self, Verdict};
use super::text::{kind_name, skip_reason, test_name, text};
use crate::components::export::{ExportBar, export_name};
use crate::format;
use crate::i18n::{Lang, fill, use_lang};
use crate::worker::client::DriftOutcome;

#[component]
pub(super) fn DriftResult(
    outcome: Arc<DriftOutcome>,
    #[prop(into)] stale: Signal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let name_of = |role: FileRole| {
        outcome
            .provenance
            .files
            .iter()
            .find(|file| file.role == role)
            .map(|file| file.name.clone())
            .unwrap_or_default()
    };
    let (reference, current) = (name_of(FileRole::Reference), name_of(FileRole::Current));
    let selected = RwSignal::new(first_to_show(&outcome.result));

    let summary = {
        let (outcome, reference, current) = (outcome.clone(), reference.clone(), current.clone());
        Signal::derive(move || summary::summary(lang.get(), &outcome.result, &reference, &current))
    };
    let verdict = {
        let (outcome, reference, current) = (outcome.clone(), reference.clone(), current.clone());
        move || {
            let lang = lang.get();
            let report = &outcome.result;
            let (class, symbol) = match summary::verdict(report) {
                Verdict::Drift => ("verdict verdict--drift", "⚠"),
                Verdict::Stable => ("verdict verdict--stable", "✓"),
                Verdict::Untested => ("verdict verdict--untested", "–"),
            };
            view! {
                <section class=class aria-labelledby="drift-verdict-heading">
                    <h3 id="drift-verdict-heading">{text(lang).verdict}</h3>
                    <p class="verdict__headline">
                        <span class="verdict__symbol" aria-hidden="true">
                            {symbol}
                        </span>
                        " "
                        {summary::headline(lang, report)}
                    </p>
                    <p>{summary::detail(lang, report)}</p>
                    <p class="status">{summary::compared(lang, report, &reference, &current)}</p>
                </section>
            }
        }
    };
    let table =
        (!outcome.result.columns.is_empty()).then(|| column_table(outcome.clone(), selected));
    let not_tested = {
        let outcome = outcome.clone();
        move || not_tested(lang.get(), &outcome.result)
    };
    let charts = (!outcome.result.columns.is_empty()).then(|| {
        view! { <Distributions outcome=outcome.clone() selected reference_name=reference.clone() /> }
    });

    view! {
        <section class="drift-result" aria-labelledby="drift-result-heading">
            <h2 id="drift-result-heading">{move || t().result}</h2>
            <Show when=move || stale.get()>
                <p class="notice" role="status">
                    {move || t().stale}
                </p>
            </Show>
            {verdict}
            <ExportBar
                file_name=export_name(&reference, "drift.json")
                json=outcome.json.clone()
                summary
            />
            {table}
            {not_tested}
            {charts}
        </section>
    }
}

/// The column whose charts show first: the first that drifted, else the first tested.
fn first_to_show(report: &DriftReport) -> Option<usize> {
    report
        .columns
        .iter()
        .position(|c| c.drifted)
        .or((!report.columns.is_empty()).then_some(0))
}

/// One row per tested column. Built again when the language changes; the selection only
/// changes the buttons' `aria-pressed`, so a keyboard user's focus stays on the button.
fn column_table(outcome: Arc<DriftOutcome>, selected: RwSignal<Option<usize>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        let lang = lang.get();
        let t = text(lang);
        let rows = outcome
            .result
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let (flag_class, symbol, flag) = if column.drifted {
                    ("drift-flag drift-flag--drifted", "⚠", t.drifted)
                } else {
                    ("drift-flag drift-flag--stable", "✓", t.not_drifted)
                };
                let values = format!(
                    "{} / {}",
                    format::count(lang, column.reference_count),
                    format::count(lang, column.current_count)
                );
                view! {
                    <tr class:drift-table__row--drifted=column.drifted>
                        <th scope="row">{column.name.clone()}</th>
                        <td>{kind_name(lang, column.kind)}</td>
                        <td>
                            {test_name(lang, column.test, column.ks_method, column.dof)}
                            {column
                                .approximate
                                .then(|| {
                                    view! {
                                        <br />
                                        <span class="drift-table__note">{t.estimated}</span>
                                    }
                                })}
                        </td>
                        <td class="num">{format::stat(lang, column.statistic)}</td>
                        <td class="num">{format::p_value(lang, Some(column.p_value))}</td>
                        <td class="num">{format::optional_stat(lang, column.psi)}</td>
                        <td class="num">{format::optional_stat(lang, column.wasserstein)}</td>
                        <td class="num">{values}</td>
                        <td>
                            <span class=flag_class>
                                <span aria-hidden="true">{symbol}</span>
                                " "
                                {flag}
                            </span>
                        </td>
                        <td>
                            <button
                                type="button"
                                class="button button--small"
                                aria-label=fill(t.show_label, &[&column.name])
                                aria-controls=CHARTS_ID
                                aria-pressed=move || (selected.get() == Some(index)).to_string()
                                on:click=move |_| selected.set(Some(index))
                            >
                                {t.show}
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll" role="region" aria-label=t.caption tabindex="0">
                <table class="profile-table drift-table">
                    <caption>{t.caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t.column}</th>
                            <th scope="col">{t.kind}</th>
                            <th scope="col">{t.test}</th>
                            <th scope="col" class="num">{t.statistic}</th>
                            <th scope="col" class="num">{t.p_value}</th>
                            <th scope="col" class="num">{t.psi}</th>
                            <th scope="col" class="num">{t.wasserstein}</th>
                            <th scope="col" class="num">{t.values}</th>
                            <th scope="col">{t.drift}</th>
                            <th scope="col">{t.chart}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    }
}

/// The columns of both files that were not tested, with the engine's reason, and those of
/// one file only.
fn not_tested(lang: Lang, report: &DriftReport) -> Option<impl IntoView + use<>> {
    if report.skipped.is_empty()
        && report.only_in_reference.is_empty()
        && report.only_in_current.is_empty()
    {
        return None;
    }
    let t = text(lang);
    let item = |name: &str, why: String| {
        view! {
            <li>
                <strong>{name.to_owned()}</strong>
                " — "
                {why}
            </li>
        }
    };
    let skipped = report
        .skipped
        .iter()
        .map(|s| item(&s.name, skip_reason(lang, &s.reason)))
        .collect_view();
    let only_reference = report
        .only_in_reference
        .iter()
        .map(|name| item(name, t.only_reference.to_owned()))
        .collect_view();
    let only_current = report
        .only_in_current
        .iter()
        .map(|name| item(name, t.only_current.to_owned()))
        .collect_view();
    Some(view! {
        <section class="drift-skipped" aria-labelledby="drift-skipped-heading">
            <h3 id="drift-skipped-heading">{t.not_tested}</h3>
            <ul>{skipped} {only_reference} {only_current}</ul>
        </section>
    })
}
