//! One row per column: the headline statistics of a profile.

use leptos::prelude::*;
use shared::profile::{ColumnKind, ColumnProfile};

use super::text::{kind_name, text};
use crate::format;
use crate::i18n::{Lang, use_lang};

#[component]
pub fn ProfileTable(#[prop(into)] columns: Signal<Vec<ColumnProfile>>) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    view! {
        <div class="table-scroll" role="region" aria-label=move || t().table_region tabindex="0">
            <table class="profile-table">
                <caption>{move || t().table_caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{move || t().column}</th>
                        <th scope="col">{move || t().kind}</th>
                        <th scope="col" class="num">{move || t().count}</th>
                        <th scope="col" class="num">{move || t().missing}</th>
                        <th scope="col" class="num">{move || t().distinct}</th>
                        <th scope="col" class="num">{move || t().mean}</th>
                        <th scope="col" class="num">{move || t().std}</th>
                        <th scope="col" class="num">{move || t().min}</th>
                        <th scope="col" class="num">{move || t().max}</th>
                        <th scope="col" class="num">{move || t().median}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let lang = lang.get();
                        columns.get().into_iter().map(|c| column_row(lang, c)).collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
}

/// The smallest and largest value as shown: dates for date-time columns, numbers otherwise.
pub fn range(lang: Lang, column: &ColumnProfile) -> (String, String) {
    match (&column.datetime_range, column.kind) {
        (Some(range), ColumnKind::DateTime) => (
            format::datetime(lang, &range.min),
            format::datetime(lang, &range.max),
        ),
        _ => (
            format::optional_stat(lang, column.min),
            format::optional_stat(lang, column.max),
        ),
    }
}

fn column_row(lang: Lang, column: ColumnProfile) -> impl IntoView {
    let (min, max) = range(lang, &column);
    let median = format::optional_stat(lang, column.quantiles.map(|q| q.p50));
    view! {
        <tr>
            <th scope="row">{column.name}</th>
            <td>{kind_name(lang, column.kind)}</td>
            <td class="num">{format::count(lang, column.count)}</td>
            <td class="num">{format::count(lang, column.missing)}</td>
            <td class="num">{format::count(lang, column.distinct)}</td>
            <td class="num">{format::optional_stat(lang, column.mean)}</td>
            <td class="num">{format::optional_stat(lang, column.std)}</td>
            <td class="num">{min}</td>
            <td class="num">{max}</td>
            <td class="num">{median}</td>
        </tr>
    }
}
