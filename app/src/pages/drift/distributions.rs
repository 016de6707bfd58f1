//! The selected column's two distributions, from the worker's chart data: overlaid histograms
//! and both ECDFs with the KS distance for numbers and date-times, grouped bars of the two
//! shares for categories.

use std::sync::Arc;

use charts::{ChartLabels, Comparison};
use leptos::prelude::*;
use shared::drift::{
    CategoricalDistribution, ColumnDistribution, DistributionChart, NumericDistribution,
};
use shared::profile::ColumnKind;

use super::text::{Text, text};
use crate::components::chart::Chart;
use crate::components::export::export_name;
use crate::format;
use crate::i18n::{Lang, fill, use_lang};
use crate::worker::client::DriftOutcome;

/// The id of the charts' container (the table's buttons control it).
pub(super) const CHARTS_ID: &str = "drift-distributions";

/// Categories named in a bar chart's description (the chart shows up to the engine's 20).
const DESCRIBED_CATEGORIES: usize = 5;

/// The charts of `outcome.result.columns[selected]`, redrawn when the selection or the
/// language changes.
#[component]
pub(super) fn Distributions(
    outcome: Arc<DriftOutcome>,
    selected: RwSignal<Option<usize>>,
    #[prop(into)] reference_name: String,
) -> impl IntoView {
    let lang = use_lang();
    let charts = move || {
        let lang = lang.get();
        let t = text(lang);
        let column = selected
            .get()
            .and_then(|index| outcome.result.columns.get(index))?;
        let chart = outcome.distributions.iter().find(|d| d.name == column.name);
        let approximate = chart.is_some_and(|c| match &c.chart {
            DistributionChart::Numeric(n) => n.approximate,
            DistributionChart::Categorical(c) => c.approximate,
        });
        let body = match chart {
            None => view! { <p class="status">{t.no_chart}</p> }.into_any(),
            Some(chart) => {
                let context = Context {
                    lang,
                    t,
                    chart,
                    reference_name: &reference_name,
                    width: chart_width(),
                    span: span(chart),
                };
                match &chart.chart {
                    DistributionChart::Numeric(numeric) => context.numeric(numeric),
                    DistributionChart::Categorical(shares) => context.categorical(shares),
                }
            }
        };
        Some(view! {
            <section class="drift-distributions" aria-labelledby="drift-distributions-heading">
                <h3 id="drift-distributions-heading">
                    {fill(t.distributions_of, &[&column.name])}
                </h3>
                {approximate.then(|| view! { <p class="status">{t.approximate_note}</p> })}
                <div class="drift-charts">{body}</div>
            </section>
        })
    };
    view! { <div id=CHARTS_ID>{charts}</div> }
}

/// What every chart of one column needs.
struct Context<'a> {
    lang: Lang,
    t: &'static Text,
    chart: &'a ColumnDistribution,
    reference_name: &'a str,
    width: u32,
    /// The horizontal range of the numeric charts (how precisely instants are written).
    span: f64,
}

impl Context<'_> {
    fn names(&self) -> Comparison {
        Comparison {
            reference: self.t.reference.to_owned(),
            current: self.t.current.to_owned(),
            ks_distance: self.t.ks_distance.to_owned(),
        }
    }

    /// The download name: `reference.drift.<column>.<chart>.svg`.
    fn file_name(&self, chart: &str) -> String {
        let column: String = self
            .chart
            .name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        export_name(self.reference_name, &format!("drift.{column}.{chart}.svg"))
    }

    fn value(&self, v: f64) -> String {
        axis_value(self.lang, self.chart.kind, self.span, v)
    }

    fn numeric(&self, numeric: &NumericDistribution) -> AnyView {
        let (lang, t, name) = (self.lang, self.t, self.chart.name.as_str());
        let names = self.names();
        let format = |v: f64| self.value(v);
        let histogram = (numeric.edges.len() >= 2).then(|| {
            let bins = numeric.edges.len() - 1;
            let description = fill(
                t.histogram_description,
                &[
                    name,
                    &format::count(lang, numeric.reference_counts.iter().sum()),
                    &format::count(lang, numeric.current_counts.iter().sum()),
                    &format::count(lang, bins as u64),
                    &self.value(numeric.edges[0]),
                    &self.value(numeric.edges[bins]),
                ],
            );
            let labels = ChartLabels::new(fill(t.histogram_title, &[name]), description, &format)
                .axes(name, t.share_axis)
                .with_width(self.width);
            charts::overlay_histogram_svg(
                &numeric.edges,
                &numeric.reference_counts,
                &numeric.current_counts,
                &names,
                &labels,
            )
        });
        let points: Vec<(f64, f64, f64)> = numeric
            .ecdf
            .x
            .iter()
            .zip(&numeric.ecdf.reference)
            .zip(&numeric.ecdf.current)
            .map(|((&x, &r), &c)| (x, r, c))
            .collect();
        let description = match numeric.ks {
            Some(ks) => fill(
                t.ecdf_description,
                &[
                    name,
                    &format::stat(lang, ks.distance),
                    &self.value(ks.x),
                    &format::share(lang, ks.reference),
                    &format::share(lang, ks.current),
                ],
            ),
            None => fill(t.ecdf_equal_description, &[name]),
        };
        let labels = ChartLabels::new(fill(t.ecdf_title, &[name]), description, &format)
            .axes(name, t.cumulative_axis)
            .with_width(self.width);
        let ecdf = charts::ecdf_svg(
            &points,
            numeric.ks.map(|k| (k.x, k.reference, k.current)),
            &names,
            &labels,
        );
        let histogram = match histogram {
            Some(svg) => view! { <Chart svg file_name=self.file_name("histogram") /> }.into_any(),
            None => view! { <p class="status">{t.no_histogram}</p> }.into_any(),
        };
        view! {
            {histogram}
            <Chart svg=ecdf file_name=self.file_name("ecdf") />
        }
        .into_any()
    }

    fn categorical(&self, shares: &CategoricalDistribution) -> AnyView {
        let (lang, t, name) = (self.lang, self.t, self.chart.name.as_str());
        let mut categories: Vec<String> =
            shares.categories.iter().map(|c| c.value.clone()).collect();
        let mut reference: Vec<f64> = shares.categories.iter().map(|c| c.reference).collect();
        let mut current: Vec<f64> = shares.categories.iter().map(|c| c.current).collect();
        if let Some(other) = shares.other {
            categories.push(t.other.to_owned());
            reference.push(other.reference);
            current.push(other.current);
        }
        let described: Vec<String> = shares
            .categories
            .iter()
            .take(DESCRIBED_CATEGORIES)
            .map(|c| {
                fill(
                    t.bars_item,
                    &[
                        &c.value,
                        &format::share(lang, c.reference),
                        &format::share(lang, c.current),
                    ],
                )
            })
            .collect();
        let mut list = described.join("; ");
        if shares.categories.len() > DESCRIBED_CATEGORIES || shares.other.is_some() {
            list.push_str("; …");
        }
        let description = fill(t.bars_description, &[name, &list]);
        let format = |v: f64| format::share(lang, v);
        let labels = ChartLabels::new(fill(t.bars_title, &[name]), description, &format)
            .axes(t.share_axis, "")
            .with_width(self.width);
        let svg = charts::grouped_bar_chart_svg(
            &categories,
            &[
                (t.reference.to_owned(), reference),
                (t.current.to_owned(), current),
            ],
            &labels,
        );
        view! { <Chart svg file_name=self.file_name("shares") /> }.into_any()
    }
}

const HOUR_MICROS: f64 = 3_600_000_000.0;
const DAY_MICROS: f64 = 24.0 * HOUR_MICROS;

/// The width of what a numeric chart draws horizontally (0 for categories).
fn span(chart: &ColumnDistribution) -> f64 {
    match &chart.chart {
        DistributionChart::Numeric(numeric) => {
            let xs = numeric.edges.iter().chain(&numeric.ecdf.x).copied();
            let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            });
            if lo <= hi { hi - lo } else { 0.0 }
        }
        DistributionChart::Categorical(_) => 0.0,
    }
}

/// A number on a chart of a column of `kind` whose horizontal axis spans `span`. One
/// formatter writes both axes (and the KS label), so for date-times it tells the shares on the
/// vertical axis (0 to about 1) from the horizontal axis' instants (microseconds since 1970:
/// any instant after 00:00:00.000002 on 1 January 1970 is above 1.5). Instants are in UTC, as
/// the engine reads them: a date over two days or more (in the user's language), else the
/// ISO date and time to the minute, or to the second under two hours.
fn axis_value(lang: Lang, kind: ColumnKind, span: f64, v: f64) -> String {
    if kind == ColumnKind::DateTime
        && v.abs() > 1.5
        && let Some(iso) = iso_from_micros(v)
    {
        let (date, minutes, seconds) = (iso.get(..10), iso.get(..16), iso.get(..19));
        return match (date, minutes, seconds) {
            (Some(date), _, _) if span >= 2.0 * DAY_MICROS => format::datetime(lang, date),
            (_, Some(minutes), _) if span >= 2.0 * HOUR_MICROS => minutes.replace('T', " "),
            (_, _, Some(seconds)) => seconds.replace('T', " "),
            _ => iso,
        };
    }
    format::stat(lang, v)
}

/// An instant in microseconds since 1970 as ISO 8601 in UTC (`2024-01-30T00:00:00.000Z`).
#[cfg(target_arch = "wasm32")]
fn iso_from_micros(micros: f64) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(micros / 1000.0));
    if date.get_time().is_nan() {
        return None;
    }
    Some(String::from(date.to_iso_string()))
}

/// Outside a browser there is no `Date`: instants stay numbers.
#[cfg(not(target_arch = "wasm32"))]
fn iso_from_micros(_micros: f64) -> Option<String> {
    None
}

/// The layout width of a chart: the viewport less the page's margins, within what reads well.
fn chart_width() -> u32 {
    web_sys::window()
        .and_then(|window| window.inner_width().ok())
        .and_then(|width| width.as_f64())
        .map_or(ChartLabels::DEFAULT_WIDTH, |width| {
            (width - 72.0).clamp(240.0, 880.0) as u32
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_date_times_get_dates() {
        assert_eq!(axis_value(Lang::Fr, ColumnKind::Float, 0.0, 0.25), "0,25");
        assert_eq!(
            axis_value(Lang::En, ColumnKind::DateTime, DAY_MICROS, 0.5),
            "0.5"
        );
        assert_eq!(
            axis_value(Lang::En, ColumnKind::Integer, 1e6, 1e6),
            "1,000,000"
        );
    }
}
