//! The application shell: header (views, the server's pages, language), one route per view.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::run::provide_worker;
use crate::i18n::{Lang, provide_lang};
use crate::pages::drift::DriftPage;
use crate::pages::not_found::NotFound;
use crate::pages::profile::ProfilePage;
use crate::pages::quality::QualityPage;
use crate::pages::rum::RumPage;
use crate::rum::ConsentToggle;

struct Text {
    tagline: &'static str,
    views: &'static str,
    profile: &'static str,
    drift: &'static str,
    quality: &'static str,
    service: &'static str,
    status: &'static str,
    rum: &'static str,
    alerts: &'static str,
    incidents: &'static str,
    language: &'static str,
    privacy: &'static str,
}

const EN: Text = Text {
    tagline: "Analyse CSV files in your browser. Your files are never uploaded.",
    views: "Views",
    profile: "Profile",
    drift: "Drift",
    quality: "Model quality",
    service: "Service",
    status: "Status",
    rum: "Real users",
    alerts: "Alerts",
    incidents: "Incidents",
    language: "Language",
    privacy: "Your files are read by this page only: no cell of them is sent anywhere. The page reports anonymous timings and errors to its own server.",
};

const FR: Text = Text {
    tagline: "Analysez vos fichiers CSV dans le navigateur. Vos fichiers ne sont jamais envoyés.",
    views: "Vues",
    profile: "Profil",
    drift: "Dérive",
    quality: "Qualité du modèle",
    service: "Service",
    status: "État",
    rum: "Utilisateurs réels",
    alerts: "Alertes",
    incidents: "Incidents",
    language: "Langue",
    privacy: "Vos fichiers sont lus par cette page uniquement : aucune de leurs cellules n'est envoyée. La page transmet à son propre serveur des mesures de temps et des erreurs anonymes.",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

#[component]
pub fn App() -> impl IntoView {
    let lang = provide_lang();
    provide_worker();
    crate::rum::start();
    let t = move || text(lang.get());
    remove_static_shell();

    view! {
        <Router>
            <header class="site-header">
                <div class="site-header__brand">
                    <a href="/" class="site-header__title">
                        "CSV Analyzer"
                    </a>
                    <p class="tagline">{move || t().tagline}</p>
                </div>
                <nav class="site-nav" aria-label=move || t().views>
                    <A href="/" exact=true>
                        {move || t().profile}
                    </A>
                    <A href="/drift">{move || t().drift}</A>
                    <A href="/quality">{move || t().quality}</A>
                </nav>
                <nav class="site-nav site-nav--service" aria-label=move || t().service>
                    <a href="/status" rel="external">
                        {move || t().status}
                    </a>
                    <a href="/alerts" rel="external">
                        {move || t().alerts}
                    </a>
                    <a href="/incidents" rel="external">
                        {move || t().incidents}
                    </a>
                    <A href="/rum">{move || t().rum}</A>
                </nav>
                <label class="language">
                    <span class="visually-hidden">{move || t().language}</span>
                    <select
                        aria-label=move || t().language
                        prop:value=move || lang.get().code()
                        on:change=move |event| {
                            if let Some(choice) = Lang::from_tag(&event_target_value(&event)) {
                                lang.set(choice);
                            }
                        }
                    >
                        {Lang::ALL
                            .iter()
                            .map(|l| view! { <option value=l.code()>{l.name()}</option> })
                            .collect_view()}
                    </select>
                </label>
            </header>
            <main class="content" id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=ProfilePage />
                    <Route path=path!("/drift") view=DriftPage />
                    <Route path=path!("/quality") view=QualityPage />
                    <Route path=path!("/rum") view=RumPage />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{move || t().privacy}</p>
                <ConsentToggle />
            </footer>
        </Router>
    }
}

/// Removes the static HTML shell of `index.html` (painted before the wasm loads) once the app
/// draws its own.
fn remove_static_shell() {
    if let Some(shell) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("static-shell"))
    {
        shell.remove();
    }
}
