//! The application shell. One view for now; the router arrives with the second view.

use leptos::prelude::*;

use crate::pages::profile::ProfilePage;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="site-header">
            <h1>"CSV Analyzer"</h1>
            <p class="tagline">"Profile a CSV file in your browser. The file is never uploaded."</p>
        </header>
        <main class="content">
            <ProfilePage />
        </main>
    }
}
