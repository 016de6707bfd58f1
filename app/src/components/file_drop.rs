//! A labelled file input inside a zone that also accepts a dropped file.

use leptos::prelude::*;
use web_sys::{DragEvent, Event, File, HtmlInputElement};

/// Calls `on_file` with the file the user chose or dropped. While `disabled`, both the input
/// and the drop zone ignore the user.
#[component]
pub fn FileDrop(
    #[prop(into)] on_file: Callback<File>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let (dragging, set_dragging) = signal(false);

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

    view! {
        <section
            class="drop-zone"
            class:drop-zone--active=dragging
            class:drop-zone--disabled=disabled
            aria-label="CSV file drop zone"
            on:dragover=on_dragover
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=on_drop
        >
            <input
                id="csv-file"
                class="visually-hidden"
                type="file"
                accept=".csv,.tsv,.tab,.txt,text/csv,text/tab-separated-values,text/plain"
                prop:disabled=disabled
                on:change=on_change
            />
            <label for="csv-file" class="button button--primary">
                "Choose a CSV file"
            </label>
            <p class="drop-zone__hint">"or drop it here"</p>
        </section>
    }
}
