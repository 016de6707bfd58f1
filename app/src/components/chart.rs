//! A chart on the page: the SVG string drawn by the `charts` crate, in a `<figure>` with a
//! "Download SVG" button.

use leptos::prelude::*;

use crate::components::export::SvgDownload;

/// Shows `svg` (a complete, accessible SVG document from `charts`); `file_name` is the name
/// of its download.
#[component]
pub fn Chart(#[prop(into)] svg: Signal<String>, #[prop(into)] file_name: String) -> impl IntoView {
    view! {
        <figure class="chart">
            <div class="chart__svg" inner_html=move || svg.get()></div>
            <figcaption>
                <SvgDownload file_name svg />
            </figcaption>
        </figure>
    }
}
