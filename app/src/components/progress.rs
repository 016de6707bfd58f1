//! A labelled progress bar with "read / total" underneath.

use leptos::prelude::*;

use crate::format;

#[component]
pub fn Progress(
    /// Accessible name of the bar.
    #[prop(into)]
    label: String,
    /// Bytes done.
    #[prop(into)]
    done: Signal<u64>,
    /// Bytes in all.
    #[prop(into)]
    total: Signal<u64>,
) -> impl IntoView {
    view! {
        <div class="progress">
            <progress
                aria-label=label
                max=move || total.get().max(1).to_string()
                value=move || done.get().min(total.get()).to_string()
            ></progress>
            <span class="progress__text">
                {move || {
                    let (done, total) = (done.get(), total.get());
                    format!(
                        "{} of {} ({}%)",
                        format::bytes(done),
                        format::bytes(total),
                        format::percent(done, total),
                    )
                }}
            </span>
        </div>
    }
}
