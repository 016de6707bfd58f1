//! The user's say: a checkbox in the footer turns the reporting of timings and errors on or off
//! (RGPD, seed §11.1). It is on unless the user turned it off — the footer says what is
//! reported — and the choice is remembered in `localStorage`. Off stops collection at once and
//! drops what was not sent yet.

use leptos::prelude::*;

use super::sender;
use crate::i18n::{Lang, use_lang};

/// The `localStorage` key: `off` when the user turned reporting off, `on` when back on.
pub const STORAGE_KEY: &str = "csv-analyzer.rum-consent";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether reporting is allowed (not turned off).
pub fn given() -> bool {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .is_none_or(|value| value != "off")
}

/// Records the user's choice and applies it now.
pub fn set(on: bool) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, if on { "on" } else { "off" });
    }
    if on {
        sender::resume();
    } else {
        sender::stop();
    }
}

struct Text {
    label: &'static str,
}

const EN: Text = Text {
    label: "Report anonymous timings and errors",
};

const FR: Text = Text {
    label: "Transmettre les mesures de temps et les erreurs anonymes",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// The footer's checkbox.
#[component]
pub fn ConsentToggle() -> impl IntoView {
    let lang = use_lang();
    let checked = RwSignal::new(given());
    view! {
        <label class="consent">
            <input
                type="checkbox"
                prop:checked=move || checked.get()
                on:change=move |event| {
                    let on = event_target_checked(&event);
                    checked.set(on);
                    set(on);
                }
            />
            " "
            {move || text(lang.get()).label}
        </label>
    }
}
