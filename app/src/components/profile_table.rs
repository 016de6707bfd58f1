//! One row per column: the headline statistics of a profile.

use leptos::prelude::*;
use shared::profile::{ColumnKind, ColumnProfile};

use crate::format;

#[component]
pub fn ProfileTable(columns: Vec<ColumnProfile>) -> impl IntoView {
    let rows = columns.into_iter().map(column_row).collect_view();
    view! {
        <div class="table-scroll" role="region" aria-label="Column statistics" tabindex="0">
            <table class="profile-table">
                <caption>"Columns"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Column"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col" class="num">"Count"</th>
                        <th scope="col" class="num">"Missing"</th>
                        <th scope="col" class="num">"Distinct"</th>
                        <th scope="col" class="num">"Mean"</th>
                        <th scope="col" class="num">"Std"</th>
                        <th scope="col" class="num">"Min"</th>
                        <th scope="col" class="num">"Max"</th>
                        <th scope="col" class="num">"Median"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn column_row(column: ColumnProfile) -> impl IntoView {
    let (min, max) = match (&column.datetime_range, column.kind) {
        (Some(range), ColumnKind::DateTime) => (range.min.clone(), range.max.clone()),
        _ => (
            format::optional_stat(column.min),
            format::optional_stat(column.max),
        ),
    };
    let median = format::optional_stat(column.quantiles.map(|q| q.p50));
    view! {
        <tr>
            <th scope="row">{column.name}</th>
            <td>{column.kind.as_str()}</td>
            <td class="num">{format::count(column.count)}</td>
            <td class="num">{format::count(column.missing)}</td>
            <td class="num">{format::count(column.distinct)}</td>
            <td class="num">{format::optional_stat(column.mean)}</td>
            <td class="num">{format::optional_stat(column.std)}</td>
            <td class="num">{min}</td>
            <td class="num">{max}</td>
            <td class="num">{median}</td>
        </tr>
    }
}
