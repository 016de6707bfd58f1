//! The columns of a profile: filter by name and kind, sort, then the table and one card per
//! column (key statistics, a histogram or a bar chart of the most frequent values, the top
//! values).

use leptos::prelude::*;
use shared::profile::{ColumnKind, ColumnProfile};

use super::table::{ProfileTable, range};
use super::text::{kind_name, text};
use crate::components::chart::Chart;
use crate::components::export::export_name;
use crate::format;
use crate::i18n::{Lang, fill, use_lang};

/// How the columns are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    File,
    Name,
    Missing,
    Distinct,
}

impl SortBy {
    const ALL: [SortBy; 4] = [
        SortBy::File,
        SortBy::Name,
        SortBy::Missing,
        SortBy::Distinct,
    ];

    fn key(self) -> &'static str {
        match self {
            SortBy::File => "file",
            SortBy::Name => "name",
            SortBy::Missing => "missing",
            SortBy::Distinct => "distinct",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        let t = text(lang);
        match self {
            SortBy::File => t.sort_file,
            SortBy::Name => t.sort_name,
            SortBy::Missing => t.sort_missing,
            SortBy::Distinct => t.sort_distinct,
        }
    }
}

const KINDS: [ColumnKind; 6] = [
    ColumnKind::Integer,
    ColumnKind::Float,
    ColumnKind::Boolean,
    ColumnKind::DateTime,
    ColumnKind::Categorical,
    ColumnKind::Text,
];

/// The columns whose name contains `filter` (case-insensitive) and whose kind is `kind` (any
/// when `None`), in `sort` order (ties keep file order), each with its position in the file
/// (names may repeat; positions do not).
pub fn select(
    columns: &[ColumnProfile],
    filter: &str,
    kind: Option<ColumnKind>,
    sort: SortBy,
) -> Vec<(usize, ColumnProfile)> {
    let needle = filter.trim().to_lowercase();
    let mut shown: Vec<(usize, ColumnProfile)> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| needle.is_empty() || c.name.to_lowercase().contains(&needle))
        .filter(|(_, c)| kind.is_none_or(|k| c.kind == k))
        .map(|(i, c)| (i, c.clone()))
        .collect();
    match sort {
        SortBy::File => {}
        SortBy::Name => shown.sort_by_key(|(_, c)| c.name.to_lowercase()),
        SortBy::Missing => shown.sort_by_key(|(_, c)| std::cmp::Reverse(c.missing)),
        SortBy::Distinct => shown.sort_by_key(|(_, c)| std::cmp::Reverse(c.distinct)),
    }
    shown
}

#[component]
pub fn ColumnsSection(
    columns: Vec<ColumnProfile>,
    #[prop(into)] file_name: String,
    width: u32,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let all = columns.len();
    let filter = RwSignal::new(String::new());
    let kind = RwSignal::new(None::<ColumnKind>);
    let sort = RwSignal::new(SortBy::File);
    let shown = Memo::new(move |_| select(&columns, &filter.get(), kind.get(), sort.get()));

    view! {
        <section class="columns" aria-labelledby="columns-heading">
            <h2 id="columns-heading">{move || t().columns}</h2>
            <div class="column-controls">
                <label>
                    <span>{move || t().filter}</span>
                    <input
                        type="search"
                        placeholder=move || t().filter_placeholder
                        prop:value=move || filter.get()
                        on:input=move |e| filter.set(event_target_value(&e))
                    />
                </label>
                <label>
                    <span>{move || t().kind_filter}</span>
                    <select on:change=move |e| {
                        let value = event_target_value(&e);
                        kind.set(KINDS.into_iter().find(|k| k.as_str() == value));
                    }>
                        <option value="">{move || t().all_kinds}</option>
                        {KINDS
                            .into_iter()
                            .map(|k| {
                                view! { <option value=k.as_str()>{move || kind_name(lang.get(), k)}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    <span>{move || t().sort}</span>
                    <select on:change=move |e| {
                        let value = event_target_value(&e);
                        if let Some(choice) = SortBy::ALL.into_iter().find(|s| s.key() == value) {
                            sort.set(choice);
                        }
                    }>
                        {SortBy::ALL
                            .into_iter()
                            .map(|s| view! { <option value=s.key()>{move || s.label(lang.get())}</option> })
                            .collect_view()}
                    </select>
                </label>
                <p class="column-controls__count" role="status">
                    {move || {
                        let lang = lang.get();
                        fill(
                            text(lang).shown,
                            &[&format::count(lang, shown.with(Vec::len) as u64), &format::count(lang, all as u64)],
                        )
                    }}
                </p>
            </div>
            <Show
                when=move || shown.with(|s| !s.is_empty())
                fallback=move || view! { <p class="notice">{move || t().no_column_matches}</p> }
            >
                <ProfileTable columns=Signal::derive(move || {
                    shown.get().into_iter().map(|(_, c)| c).collect::<Vec<_>>()
                }) />
            </Show>
            <h2 class="columns__cards-heading">{move || t().cards}</h2>
            <div class="column-cards">
                <For
                    each=move || shown.get()
                    key=|(position, _)| *position
                    children=move |(position, column)| {
                        let file_name = file_name.clone();
                        view! { <ColumnCard column position file_name width /> }
                    }
                />
            </div>
        </section>
    }
}

#[component]
fn ColumnCard(
    column: ColumnProfile,
    position: usize,
    file_name: String,
    width: u32,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let chart_name = export_name(&file_name, &format!("{}.svg", slug(&column.name)));
    let heading_id = format!("column-{position}");
    let labelled_by = heading_id.clone();
    let facts = {
        let column = column.clone();
        move || {
            let lang = lang.get();
            let t = text(lang);
            let (min, max) = range(lang, &column);
            let mut facts = vec![
                (t.kind, kind_name(lang, column.kind).to_owned()),
                (t.count, format::count(lang, column.count)),
                (t.missing, format::count(lang, column.missing)),
                (t.distinct, format::count(lang, column.distinct)),
            ];
            if column.mean.is_some() {
                facts.push((t.mean, format::optional_stat(lang, column.mean)));
                facts.push((t.std, format::optional_stat(lang, column.std)));
            }
            let (min_label, max_label) = if column.kind == ColumnKind::DateTime {
                (t.first, t.last)
            } else {
                (t.min, t.max)
            };
            if column.min.is_some() || column.datetime_range.is_some() {
                facts.push((min_label, min));
                facts.push((max_label, max));
            }
            if let Some(q) = column.quantiles {
                let list = [q.p1, q.p5, q.p25, q.p50, q.p75, q.p95, q.p99]
                    .map(|v| format::stat(lang, v))
                    .join(" · ");
                facts.push((
                    t.quantiles,
                    format!("p1 · p5 · p25 · p50 · p75 · p95 · p99: {list}"),
                ));
            }
            facts
                .into_iter()
                .map(|(term, value)| view! { <div><dt>{term}</dt><dd>{value}</dd></div> })
                .collect_view()
        }
    };
    let svg = {
        let column = column.clone();
        Signal::derive(move || chart(lang.get(), &column, width))
    };
    let has_chart = column.histogram.is_some() || !column.top.is_empty();
    let top = column.top.clone();
    view! {
        <article class="column-card" data-column=column.name.clone() aria-labelledby=labelled_by>
            <h3 id=heading_id>{column.name.clone()}</h3>
            <dl class="column-card__facts">{facts}</dl>
            {has_chart.then(|| view! { <Chart svg file_name=chart_name /> })}
            {(!top.is_empty())
                .then(|| {
                    view! {
                        <table class="top-values">
                            <caption>{move || t().top_values}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">{move || t().value}</th>
                                    <th scope="col" class="num">{move || t().count}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {top
                                    .into_iter()
                                    .map(|v| {
                                        let empty = v.value.is_empty();
                                        let value = v.value.clone();
                                        view! {
                                            <tr>
                                                <td>{move || if empty { t().empty_value.to_owned() } else { value.clone() }}</td>
                                                <td class="num">{move || format::count(lang.get(), v.count)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })}
        </article>
    }
}

/// The column's chart: its histogram when it has one, else its most frequent values as bars.
fn chart(lang: Lang, column: &ColumnProfile, width: u32) -> String {
    let t = text(lang);
    let number = move |v: f64| format::stat(lang, v);
    if let Some(histogram) = &column.histogram {
        let fullest = histogram
            .counts
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let edge = |i: usize| {
            histogram
                .edges
                .get(i)
                .copied()
                .map_or_else(String::new, number)
        };
        let description = fill(
            t.histogram_description,
            &[
                &format::count(lang, column.count),
                &edge(0),
                &edge(histogram.edges.len().saturating_sub(1)),
                &edge(fullest),
                &edge(fullest + 1),
            ],
        );
        let title = fill(t.histogram_of, &[&column.name]);
        let description = format!("{title}. {description}");
        let labels = charts::ChartLabels::new(title, description, &number)
            .axes(t.values_axis, t.frequency_axis)
            .with_width(width);
        return charts::histogram_svg(&histogram.edges, &histogram.counts, &labels);
    }
    let bars: Vec<(String, f64)> = column
        .top
        .iter()
        .map(|v| {
            let name = if v.value.is_empty() {
                t.empty_value.to_owned()
            } else {
                v.value.clone()
            };
            (name, v.count as f64)
        })
        .collect();
    let description = column.top.first().map_or_else(String::new, |v| {
        fill(
            t.top_description,
            &[&v.value, &format::count(lang, v.count)],
        )
    });
    let title = fill(t.top_of, &[&column.name]);
    let description = format!("{title}. {description}");
    let labels = charts::ChartLabels::new(title, description, &number)
        .axes(t.frequency_axis, "")
        .with_width(width);
    charts::bar_chart_svg(&bars, &labels)
}

/// A column name as an id or file-name part.
fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-').to_owned();
    if slug.is_empty() {
        "column".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, kind: ColumnKind, missing: u64, distinct: u64) -> ColumnProfile {
        ColumnProfile {
            name: name.to_owned(),
            kind,
            count: 10,
            missing,
            distinct,
            mean: None,
            std: None,
            min: None,
            max: None,
            quantiles: None,
            histogram: None,
            top: Vec::new(),
            datetime_range: None,
            approximation: None,
        }
    }

    #[test]
    fn filter_and_sort_keep_file_order_on_ties() {
        let columns = vec![
            column("Price", ColumnKind::Float, 2, 9),
            column("city", ColumnKind::Categorical, 0, 5),
            column("price_eur", ColumnKind::Float, 2, 3),
        ];
        let names =
            |v: Vec<(usize, ColumnProfile)>| v.into_iter().map(|(_, c)| c.name).collect::<Vec<_>>();
        assert_eq!(
            names(select(&columns, "PRICE", None, SortBy::File)),
            ["Price", "price_eur"]
        );
        assert_eq!(
            names(select(
                &columns,
                "",
                Some(ColumnKind::Categorical),
                SortBy::File
            )),
            ["city"]
        );
        assert_eq!(
            names(select(&columns, "", None, SortBy::Name)),
            ["city", "Price", "price_eur"]
        );
        assert_eq!(
            names(select(&columns, "", None, SortBy::Missing)),
            ["Price", "price_eur", "city"]
        );
        assert_eq!(
            names(select(&columns, "", None, SortBy::Distinct)),
            ["Price", "city", "price_eur"]
        );
    }

    #[test]
    fn slugs_are_ids() {
        assert_eq!(slug("Unit price (€)"), "unit-price");
        assert_eq!(slug("—"), "column");
    }
}
