//! The RUM page (`/rum`), for the engineers on call: web vitals p75 against the web-vitals
//! bands, hourly trends, figures per release, the slowest routes, analysis timings and the top
//! error groups with their stacks — all from `GET /api/rum/summary`.

mod text;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::rum::VitalName;
use shared::api::rum_summary::{RumSummary, VitalStats, Window, WindowSummary};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use self::text::{Text, error_kind, rating, rating_symbol, text, timing};
use crate::components::chart::Chart;
use crate::format;
use crate::i18n::{Lang, fill, use_lang};

const SUMMARY_URL: &str = "/api/rum/summary";

/// The summary, as the server answered it.
async fn load_summary() -> Result<RumSummary, String> {
    let describe = |e: wasm_bindgen::JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(SUMMARY_URL))
        .await
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not a response".to_owned())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body = JsFuture::from(response.text().map_err(describe)?)
        .await
        .map_err(describe)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&body).map_err(|e| e.to_string())
}

/// A vital's value: milliseconds, or CLS without unit.
fn vital_value(lang: Lang, name: VitalName, value: f64) -> String {
    if name == VitalName::Cls {
        format::fixed(lang, value, 3)
    } else {
        format!("{}\u{a0}ms", format::fixed(lang, value, 0))
    }
}

fn ms(lang: Lang, value: f64) -> String {
    format!("{}\u{a0}ms", format::fixed(lang, value, 0))
}

#[component]
pub fn RumPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let summary = RwSignal::new(None::<Result<RumSummary, String>>);
    let window = RwSignal::new(Window::OneHour);
    let refresh = move || {
        spawn_local(async move {
            let loaded = load_summary().await;
            summary.try_set(Some(loaded));
        });
    };
    refresh();

    let body = move || match summary.get() {
        None => view! { <p class="status" role="status">{move || t().loading}</p> }.into_any(),
        Some(Err(reason)) => view! {
            <p class="alert" role="alert">{move || fill(t().failed, &[&reason])}</p>
        }
        .into_any(),
        Some(Ok(summary)) => {
            let chosen = window.get();
            let figures = summary.windows.iter().find(|w| w.window == chosen).cloned();
            view! {
                {figures.map(|figures| view! { <WindowFigures figures truncated=summary.truncated /> })}
                <Trends summary=summary.clone() />
                <ErrorGroups summary />
            }
            .into_any()
        }
    };

    view! {
        <section class="view rum-page" aria-labelledby="rum-heading">
            <h1 id="rum-heading">{move || t().heading}</h1>
            <p class="view__intro">{move || t().intro}</p>
            <div class="rum-controls">
                <fieldset class="rum-window">
                    <legend>{move || t().window}</legend>
                    {Window::ALL
                        .into_iter()
                        .map(|w| {
                            view! {
                                <button
                                    type="button"
                                    class="button button--small"
                                    aria-pressed=move || (window.get() == w).to_string()
                                    on:click=move |_| window.set(w)
                                >
                                    {w.as_str()}
                                </button>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <button type="button" class="button" on:click=move |_| refresh()>
                    {move || t().refresh}
                </button>
            </div>
            {body}
        </section>
    }
}

#[component]
fn WindowFigures(figures: WindowSummary, truncated: bool) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let totals = {
        let figures = figures.clone();
        move || {
            let lang = lang.get();
            fill(
                text(lang).totals,
                &[
                    &format::count(lang, figures.events),
                    &format::count(lang, figures.sessions),
                    &format::count(lang, figures.errors),
                    text::window(lang, figures.window),
                ],
            )
        }
    };
    let vitals = figures.vitals.clone();
    let versions = figures.versions;
    let routes = figures.slowest_routes;
    let timings = figures.timings;
    let no_timings = timings.is_empty();
    let p75_of = |name| Column::fixed(name, true);
    view! {
        <p class="status" role="status">{totals}</p>
        {truncated.then(|| view! { <p class="notice">{move || t().truncated}</p> })}
        <section aria-labelledby="rum-vitals">
            <h2 id="rum-vitals">{move || t().vitals}</h2>
            <VitalsTable vitals caption=Signal::derive(move || t().vitals.to_owned()) />
        </section>
        <section aria-labelledby="rum-releases">
            <h2 id="rum-releases">{move || t().releases}</h2>
            <FigureTable
                caption=Signal::derive(move || t().releases.to_owned())
                columns=vec![
                    Column::text(|t| t.release, false),
                    Column::text(|t| t.sessions, true),
                    Column::text(|t| t.errors, true),
                    p75_of("LCP p75"),
                    p75_of("INP p75"),
                ]
                rows=move |lang| {
                    versions
                        .iter()
                        .map(|v| {
                            let p75 = |name| {
                                v.vitals
                                    .iter()
                                    .find(|s| s.name == name)
                                    .map_or("—".to_owned(), |s| vital_value(lang, name, s.p75))
                            };
                            Row::new(v.app_version.clone(), vec![
                                format::count(lang, v.sessions),
                                format::count(lang, v.errors),
                                p75(VitalName::Lcp),
                                p75(VitalName::Inp),
                            ])
                        })
                        .collect()
                }
            />
        </section>
        <section aria-labelledby="rum-routes">
            <h2 id="rum-routes">{move || t().routes}</h2>
            <FigureTable
                caption=Signal::derive(move || t().routes.to_owned())
                columns=vec![
                    Column::text(|t| t.route, false),
                    Column::text(|t| t.page_loads, true),
                    p75_of("LCP p75"),
                    Column::text(|t| t.rating, false),
                    p75_of("INP p75"),
                    p75_of("TTFB p75"),
                ]
                rows=move |lang| {
                    let optional = |v: Option<f64>| v.map_or("—".to_owned(), |v| ms(lang, v));
                    routes
                        .iter()
                        .map(|r| {
                            Row::new(r.route.clone(), vec![
                                format::count(lang, r.page_loads),
                                ms(lang, r.lcp_p75_ms),
                                format!("{} {}", rating_symbol(r.rating), rating(lang, r.rating)),
                                optional(r.inp_p75_ms),
                                optional(r.ttfb_p75_ms),
                            ])
                        })
                        .collect()
                }
            />
        </section>
        <section aria-labelledby="rum-timings">
            <h2 id="rum-timings">{move || t().timings}</h2>
            {no_timings.then(|| view! { <p class="notice">{move || t().no_data}</p> })}
            {(!no_timings).then(|| view! {
                <FigureTable
                    caption=Signal::derive(move || t().timings.to_owned())
                    columns=vec![
                        Column::text(|t| t.step, false),
                        Column::text(|t| t.samples, true),
                        Column::text(|t| t.p50, true),
                        Column::text(|t| t.p75, true),
                        Column::text(|t| t.p95, true),
                    ]
                    rows=move |lang| {
                        timings
                            .iter()
                            .map(|s| {
                                Row::new(timing(lang, s.name).to_owned(), vec![
                                    format::count(lang, s.count),
                                    ms(lang, s.p50),
                                    ms(lang, s.p75),
                                    ms(lang, s.p95),
                                ])
                            })
                            .collect()
                    }
                />
            })}
        </section>
    }
}

/// A column of a [`FigureTable`]: its heading, and whether it holds numbers (right-aligned).
#[derive(Clone, Copy)]
struct Column {
    heading: Heading,
    numeric: bool,
}

#[derive(Clone, Copy)]
enum Heading {
    /// Translated.
    Text(fn(&'static Text) -> &'static str),
    /// The same in every language (a metric's name).
    Fixed(&'static str),
}

impl Column {
    fn text(heading: fn(&'static Text) -> &'static str, numeric: bool) -> Self {
        Self {
            heading: Heading::Text(heading),
            numeric,
        }
    }

    fn fixed(heading: &'static str, numeric: bool) -> Self {
        Self {
            heading: Heading::Fixed(heading),
            numeric,
        }
    }

    fn heading(self, lang: Lang) -> &'static str {
        match self.heading {
            Heading::Text(pick) => pick(text(lang)),
            Heading::Fixed(heading) => heading,
        }
    }

    fn class(self) -> &'static str {
        if self.numeric { "num" } else { "" }
    }
}

/// A row of a [`FigureTable`]: its header cell (the first column) and the other cells' text.
struct Row {
    head: String,
    /// A tooltip on the header cell (`<abbr title>`).
    head_title: Option<String>,
    /// A class on the `<tr>`.
    class: String,
    cells: Vec<String>,
}

impl Row {
    fn new(head: String, cells: Vec<String>) -> Self {
        Self {
            head,
            head_title: None,
            class: String::new(),
            cells,
        }
    }
}

/// A table of figures in its own sideways-scrolling region (for phones): a caption, one
/// heading per column, one row header per row; rows are rebuilt when the language changes.
#[component]
fn FigureTable(
    #[prop(into)] caption: Signal<String>,
    columns: Vec<Column>,
    rows: impl Fn(Lang) -> Vec<Row> + Send + Sync + 'static,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    let headings = columns.clone();
    view! {
        <div class="table-scroll" role="region" aria-label=caption tabindex="0">
            <table class=format!("rum-table {class}")>
                <caption>{move || caption.get()}</caption>
                <thead>
                    <tr>
                        {move || {
                            let lang = lang.get();
                            headings
                                .iter()
                                .map(|c| view! { <th scope="col" class=c.class()>{c.heading(lang)}</th> })
                                .collect_view()
                        }}
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        rows(lang.get())
                            .into_iter()
                            .map(|row| {
                                let cells = row
                                    .cells
                                    .into_iter()
                                    .zip(columns.iter().skip(1))
                                    .map(|(cell, c)| view! { <td class=c.class()>{cell}</td> })
                                    .collect_view();
                                let head = match row.head_title {
                                    Some(title) => view! { <abbr title=title>{row.head}</abbr> }.into_any(),
                                    None => row.head.into_any(),
                                };
                                view! {
                                    <tr class=row.class>
                                        <th scope="row">{head}</th>
                                        {cells}
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn VitalsTable(vitals: Vec<VitalStats>, #[prop(into)] caption: Signal<String>) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    if vitals.is_empty() {
        return view! { <p class="notice">{move || t().no_data}</p> }.into_any();
    }
    view! {
        <FigureTable
            caption
            class="rum-vitals"
            columns=vec![
                Column::text(|t| t.vital, false),
                Column::text(|t| t.p75, true),
                Column::text(|t| t.rating, false),
                Column::text(|t| t.good, true),
                Column::text(|t| t.needs_improvement, true),
                Column::text(|t| t.poor, true),
                Column::text(|t| t.samples, true),
            ]
            rows=move |lang| {
                vitals
                    .iter()
                    .map(|s| {
                        let (good, poor) = s.name.thresholds();
                        let band = fill(
                            text(lang).bands,
                            &[&vital_value(lang, s.name, good), &vital_value(lang, s.name, poor)],
                        );
                        Row {
                            head: s.name.as_str().to_owned(),
                            head_title: Some(band),
                            class: format!("rum-rating--{}", rating(Lang::En, s.rating).replace(' ', "-")),
                            cells: vec![
                                vital_value(lang, s.name, s.p75),
                                format!("{} {}", rating_symbol(s.rating), rating(lang, s.rating)),
                                format::count(lang, s.good),
                                format::count(lang, s.needs_improvement),
                                format::count(lang, s.poor),
                                format::count(lang, s.count),
                            ],
                        }
                    })
                    .collect()
            }
        />
    }
    .into_any()
}

/// One chart per vital: its hourly p75 over the last 24 hours (plotters bars).
#[component]
fn Trends(summary: RumSummary) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let charts = move || {
        let lang = lang.get();
        let t = text(lang);
        VitalName::ALL
            .into_iter()
            .filter_map(|name| {
                let points: Vec<_> = summary.trend.iter().filter(|p| p.name == name).collect();
                if points.is_empty() {
                    return None;
                }
                let bars: Vec<(String, f64)> = points
                    .iter()
                    .map(|p| (hour_label(p.start_ms), p.p75))
                    .collect();
                let number = move |v: f64| {
                    if name == VitalName::Cls {
                        format::fixed(lang, v, 3)
                    } else {
                        format::fixed(lang, v, 0)
                    }
                };
                let title = fill(t.trend_of, &[name.as_str()]);
                let last = points.last().map_or(String::new(), |p| vital_value(lang, name, p.p75));
                let labels = charts::ChartLabels::new(title.clone(), format!("{title}: {last}"), &number)
                    .axes(if name == VitalName::Cls { "" } else { "ms" }, t.hour)
                    .with_width(560);
                let svg = charts::bar_chart_svg(&bars, &labels);
                Some(view! { <Chart svg=Signal::derive(move || svg.clone()) file_name=format!("rum-{}.svg", name.as_str().to_lowercase()) /> })
            })
            .collect_view()
    };
    view! {
        <section aria-labelledby="rum-trends">
            <h2 id="rum-trends">{move || t().trends}</h2>
            <div class="rum-trends">{charts}</div>
        </section>
    }
}

/// `HH:00` in UTC for an hour's start.
fn hour_label(start_ms: i64) -> String {
    let hour = start_ms.div_euclid(3_600_000).rem_euclid(24);
    format!("{hour:02}:00 UTC")
}

#[component]
fn ErrorGroups(summary: RumSummary) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let groups = summary.error_groups;
    let empty = groups.is_empty();
    view! {
        <section aria-labelledby="rum-errors">
            <h2 id="rum-errors">{move || t().error_groups}</h2>
            {empty.then(|| view! { <p class="notice">{move || t().no_errors}</p> })}
            <ul class="rum-errors">
                {move || {
                    let lang = lang.get();
                    let t = text(lang);
                    groups
                        .iter()
                        .map(|g| {
                            let when = |ms: i64| {
                                let iso = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
                                    .to_iso_string()
                                    .as_string()
                                    .unwrap_or_default();
                                format::datetime(lang, &iso)
                            };
                            let location = if g.source.is_empty() {
                                String::new()
                            } else {
                                format!("{}:{}:{}", g.source, g.line, g.column)
                            };
                            view! {
                                <li class="rum-error" data-fingerprint=g.fingerprint.clone()>
                                    <p class="rum-error__head">
                                        <strong>{error_kind(lang, g.kind)}</strong>
                                        " — "
                                        <span class="rum-error__message">{g.message.clone()}</span>
                                    </p>
                                    <dl class="rum-error__facts">
                                        <div><dt>{t.count}</dt><dd>{format::count(lang, g.count)}</dd></div>
                                        <div><dt>{t.affected}</dt><dd>{format::count(lang, g.affected_sessions)}</dd></div>
                                        <div><dt>{t.first_seen}</dt><dd>{when(g.first_seen_ms)}</dd></div>
                                        <div><dt>{t.last_seen}</dt><dd>{when(g.last_seen_ms)}</dd></div>
                                    </dl>
                                    {(!location.is_empty()).then(|| view! { <p class="rum-error__source">{location.clone()}</p> })}
                                    {g.stack.clone().map(|stack| view! {
                                        <details>
                                            <summary>{t.stack}</summary>
                                            <pre>{stack}</pre>
                                        </details>
                                    })}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
