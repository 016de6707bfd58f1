//! Any other address.

use leptos::prelude::*;

use crate::i18n::{Lang, use_lang};

#[component]
pub fn NotFound() -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="not-found">
            <h1>
                {move || match lang.get() {
                    Lang::En => "Page not found",
                    Lang::Fr => "Page introuvable",
                }}
            </h1>
            <p>
                <a href="/">
                    {move || match lang.get() {
                        Lang::En => "Back to the profile view",
                        Lang::Fr => "Retour à la vue Profil",
                    }}
                </a>
            </p>
        </section>
    }
}
