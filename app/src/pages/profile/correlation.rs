//! The Pearson correlation matrix of the numeric columns as a heat map.

use leptos::prelude::*;
use shared::profile::CorrelationMatrix;

use super::text::text;
use crate::components::chart::Chart;
use crate::format;
use crate::i18n::{fill, use_lang};

#[component]
pub fn CorrelationSection(
    correlation: CorrelationMatrix,
    #[prop(into)] file_name: String,
    width: u32,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let columns = correlation.columns.len();
    let omitted = correlation.omitted.join(", ");
    let svg = {
        let correlation = correlation.clone();
        Signal::derive(move || {
            let lang = lang.get();
            let t = text(lang);
            let number = move |v: f64| format::fixed(lang, v, 2);
            let labels = charts::ChartLabels::new(
                t.correlation,
                fill(t.correlation_description, &[&columns.to_string()]),
                &number,
            )
            .with_width(width)
            .with_missing(t.no_value)
            .without_title();
            charts::heatmap_svg(
                &correlation.columns,
                &correlation.columns,
                &correlation.matrix,
                charts::HeatScale::Diverging,
                &labels,
            )
        })
    };
    let export = crate::components::export::export_name(&file_name, "correlation.svg");
    view! {
        <section class="correlation" aria-labelledby="correlation-heading">
            <h2 id="correlation-heading">{move || t().correlation}</h2>
            {if columns >= 2 {
                view! { <Chart svg file_name=export /> }.into_any()
            } else {
                view! { <p class="notice">{move || t().correlation_none}</p> }.into_any()
            }}
            {(!omitted.is_empty())
                .then(|| {
                    view! {
                        <p class="notice">{move || fill(t().correlation_omitted, &[&omitted])}</p>
                    }
                })}
        </section>
    }
}
