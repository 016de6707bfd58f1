//! A labelled progress bar with "read / total" underneath.

use leptos::prelude::*;

use crate::format;
use crate::i18n::{Lang, use_lang};

#[component]
pub fn Progress(
    /// Accessible name of the bar.
    #[prop(into)]
    label: Signal<String>,
    /// Bytes done.
    #[prop(into)]
    done: Signal<u64>,
    /// Bytes in all.
    #[prop(into)]
    total: Signal<u64>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="progress">
            <progress
                aria-label=label
                max=move || total.get().max(1).to_string()
                value=move || done.get().min(total.get()).to_string()
            ></progress>
            <span class="progress__text">
                {move || {
                    let (done, total, lang) = (done.get(), total.get(), lang.get());
                    let of = match lang {
                        Lang::En => "of",
                        Lang::Fr => "sur",
                    };
                    format!(
                        "{} {of} {} ({}{})",
                        format::bytes(lang, done),
                        format::bytes(lang, total),
                        format::percent(done, total),
                        if lang == Lang::Fr { "\u{a0}%" } else { "%" },
                    )
                }}
            </span>
        </div>
    }
}
