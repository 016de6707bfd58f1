//! Where a file comes in: a labelled file input inside a zone that also accepts a dropped file,
//! and a "paste CSV text" box that turns pasted text into a file.

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::{DragEvent, Event, File, HtmlInputElement};

use crate::i18n::{Lang, use_lang};

struct Text {
    choose: &'static str,
    drop_hint: &'static str,
    zone: &'static str,
    paste_summary: &'static str,
    paste_label: &'static str,
    paste_button: &'static str,
    chosen: &'static str,
}

const EN: Text = Text {
    choose: "Choose a CSV file",
    drop_hint: "or drop it here",
    zone: "drop zone",
    paste_summary: "…or paste CSV text",
    paste_label: "CSV text",
    paste_button: "Analyse the pasted text",
    chosen: "Chosen:",
};

const FR: Text = Text {
    choose: "Choisir un fichier CSV",
    drop_hint: "ou le déposer ici",
    zone: "zone de dépôt",
    paste_summary: "…ou coller du texte CSV",
    paste_label: "Texte CSV",
    paste_button: "Analyser le texte collé",
    chosen: "Choisi :",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// Calls `on_file` with the file the user chose, dropped or pasted. While `disabled`, the zone
/// ignores the user. `id` must be unique on the page; `title` names the zone (e.g. "Reference
/// file"), `chosen` shows the name of the file already picked.
#[component]
pub fn FileDrop(
    #[prop(into)] on_file: Callback<File>,
    #[prop(into)] disabled: Signal<bool>,
    #[prop(into)] id: String,
    #[prop(into, optional)] title: Option<Signal<String>>,
    #[prop(into, optional)] chosen: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    let (dragging, set_dragging) = signal(false);
    let pasted = RwSignal::new(String::new());
    let input_id = format!("{id}-file");
    let paste_id = format!("{id}-paste");

    let on_change = move |event: Event| {
        let input: HtmlInputElement = event_target(&event);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            on_file.run(file);
        }
        // Choosing the same file again must fire `change` again.
        input.set_value("");
    };
    let on_dragover = move |event: DragEvent| {
        // Without this the browser opens the dropped file instead of giving it to us.
        event.prevent_default();
        set_dragging.set(!disabled.get_untracked());
    };
    let on_drop = move |event: DragEvent| {
        event.prevent_default();
        set_dragging.set(false);
        if disabled.get_untracked() {
            return;
        }
        let file = event
            .data_transfer()
            .and_then(|transfer| transfer.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            on_file.run(file);
        }
    };
    let on_paste = move |_| {
        let content = pasted.get_untracked();
        if content.trim().is_empty() || disabled.get_untracked() {
            return;
        }
        if let Some(file) = text_file(&content, "pasted.csv") {
            on_file.run(file);
        }
    };
    let zone_label = move || match title {
        Some(title) => format!("{} — {}", title.get(), t().zone),
        None => format!("CSV — {}", t().zone),
    };

    view! {
        <section
            class="drop-zone"
            class:drop-zone--active=dragging
            class:drop-zone--disabled=disabled
            aria-label=zone_label
            on:dragover=on_dragover
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=on_drop
        >
            {title.map(|title| view! { <h3 class="drop-zone__title">{title}</h3> })}
            <input
                id=input_id.clone()
                class="visually-hidden"
                type="file"
                accept=".csv,.tsv,.tab,.txt,.json,text/csv,text/tab-separated-values,text/plain,application/json"
                prop:disabled=disabled
                on:change=on_change
            />
            <label for=input_id class="button button--primary">
                {move || t().choose}
            </label>
            <p class="drop-zone__hint">{move || t().drop_hint}</p>
            {chosen
                .map(|chosen| {
                    view! {
                        <Show when=move || chosen.get().is_some()>
                            <p class="drop-zone__chosen">
                                {move || t().chosen} " " <strong>{move || chosen.get()}</strong>
                            </p>
                        </Show>
                    }
                })}
            <details class="paste">
                <summary>{move || t().paste_summary}</summary>
                <label for=paste_id.clone()>{move || t().paste_label}</label>
                <textarea
                    id=paste_id
                    rows="5"
                    spellcheck="false"
                    prop:value=move || pasted.get()
                    on:input=move |event| pasted.set(event_target_value(&event))
                ></textarea>
                <button type="button" class="button" on:click=on_paste prop:disabled=disabled>
                    {move || t().paste_button}
                </button>
            </details>
        </section>
    }
}

/// A `File` holding `content`, as if the user had chosen it.
fn text_file(content: &str, name: &str) -> Option<File> {
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    let options = web_sys::FilePropertyBag::new();
    options.set_type("text/csv");
    File::new_with_str_sequence_and_options(&parts, name, &options).ok()
}
