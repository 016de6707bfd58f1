//! The RUM page's words, in English and French.

use shared::api::rum::{ErrorKind, Rating, TimingName};
use shared::api::rum_summary::Window;

use crate::i18n::Lang;

pub struct Text {
    pub heading: &'static str,
    pub intro: &'static str,
    pub refresh: &'static str,
    pub loading: &'static str,
    /// `Could not read the RUM summary ({}).`
    pub failed: &'static str,
    pub window: &'static str,
    /// `{events} events from {sessions} sessions, {errors} errors, in the last {window}.`
    pub totals: &'static str,
    pub truncated: &'static str,
    pub vitals: &'static str,
    pub vital: &'static str,
    pub p75: &'static str,
    pub p50: &'static str,
    pub p95: &'static str,
    pub rating: &'static str,
    pub samples: &'static str,
    pub bands: &'static str,
    pub good: &'static str,
    pub needs_improvement: &'static str,
    pub poor: &'static str,
    pub no_data: &'static str,
    pub trends: &'static str,
    /// `p75 of {vital} per hour, last 24 hours`
    pub trend_of: &'static str,
    pub hour: &'static str,
    pub releases: &'static str,
    pub release: &'static str,
    pub sessions: &'static str,
    pub errors: &'static str,
    pub routes: &'static str,
    pub route: &'static str,
    pub page_loads: &'static str,
    pub timings: &'static str,
    pub step: &'static str,
    pub error_groups: &'static str,
    pub count: &'static str,
    pub affected: &'static str,
    pub first_seen: &'static str,
    pub last_seen: &'static str,
    pub stack: &'static str,
    pub no_errors: &'static str,
}

pub const EN: Text = Text {
    heading: "Real-user monitoring",
    intro: "How the app performs for its users: web vitals, analysis timings and errors reported by browsers (anonymous: no file content, no personal data).",
    refresh: "Refresh",
    loading: "Loading the summary…",
    failed: "Could not read the RUM summary ({}).",
    window: "Window",
    totals: "{} events from {} sessions, {} errors, in the last {}.",
    truncated: "More events than the server reads at once: the figures cover the newest ones only.",
    vitals: "Web vitals",
    vital: "Vital",
    p75: "p75",
    p50: "p50",
    p95: "p95",
    rating: "Rating",
    samples: "Samples",
    bands: "Good up to {}, poor above {}",
    good: "good",
    needs_improvement: "needs improvement",
    poor: "poor",
    no_data: "No data in this window yet.",
    trends: "Trends",
    trend_of: "p75 of {} per hour, last 24 hours",
    hour: "Hour",
    releases: "By release",
    release: "Release",
    sessions: "Sessions",
    errors: "Errors",
    routes: "Slowest routes",
    route: "Route",
    page_loads: "Page loads",
    timings: "Analysis timings",
    step: "Step",
    error_groups: "Error groups",
    count: "Events",
    affected: "Sessions affected",
    first_seen: "First seen",
    last_seen: "Last seen",
    stack: "Stack",
    no_errors: "No error reported.",
};

pub const FR: Text = Text {
    heading: "Suivi des utilisateurs réels",
    intro: "Comment l'application se comporte chez ses utilisateurs : signaux web essentiels, durées d'analyse et erreurs remontés par les navigateurs (anonymes : aucun contenu de fichier, aucune donnée personnelle).",
    refresh: "Actualiser",
    loading: "Chargement du résumé…",
    failed: "Impossible de lire le résumé RUM ({}).",
    window: "Fenêtre",
    totals: "{} événements de {} sessions, {} erreurs, sur les dernières {}.",
    truncated: "Plus d'événements que le serveur n'en lit d'un coup : les chiffres ne couvrent que les plus récents.",
    vitals: "Signaux web essentiels",
    vital: "Signal",
    p75: "p75",
    p50: "p50",
    p95: "p95",
    rating: "Évaluation",
    samples: "Mesures",
    bands: "Bon jusqu'à {}, mauvais au-delà de {}",
    good: "bon",
    needs_improvement: "à améliorer",
    poor: "mauvais",
    no_data: "Aucune donnée dans cette fenêtre pour l'instant.",
    trends: "Tendances",
    trend_of: "p75 de {} par heure, dernières 24 heures",
    hour: "Heure",
    releases: "Par version",
    release: "Version",
    sessions: "Sessions",
    errors: "Erreurs",
    routes: "Routes les plus lentes",
    route: "Route",
    page_loads: "Chargements",
    timings: "Durées d'analyse",
    step: "Étape",
    error_groups: "Groupes d'erreurs",
    count: "Événements",
    affected: "Sessions touchées",
    first_seen: "Première fois",
    last_seen: "Dernière fois",
    stack: "Pile d'appels",
    no_errors: "Aucune erreur remontée.",
};

pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

pub fn rating(lang: Lang, rating: Rating) -> &'static str {
    let t = text(lang);
    match rating {
        Rating::Good => t.good,
        Rating::NeedsImprovement => t.needs_improvement,
        Rating::Poor => t.poor,
    }
}

/// A symbol that carries the rating without colour.
pub fn rating_symbol(rating: Rating) -> &'static str {
    match rating {
        Rating::Good => "✓",
        Rating::NeedsImprovement => "◐",
        Rating::Poor => "⚠",
    }
}

pub fn window(lang: Lang, window: Window) -> &'static str {
    match (lang, window) {
        (Lang::En, Window::FiveMinutes) => "5 minutes",
        (Lang::En, Window::OneHour) => "hour",
        (Lang::En, Window::OneDay) => "24 hours",
        (Lang::Fr, Window::FiveMinutes) => "5 minutes",
        (Lang::Fr, Window::OneHour) => "heure",
        (Lang::Fr, Window::OneDay) => "24 heures",
    }
}

pub fn timing(lang: Lang, name: TimingName) -> &'static str {
    match (lang, name) {
        (Lang::En, TimingName::Read) => "reading",
        (Lang::En, TimingName::Parse) => "parsing",
        (Lang::En, TimingName::Profile) => "profile",
        (Lang::En, TimingName::Drift) => "drift",
        (Lang::En, TimingName::Quality) => "model quality",
        (Lang::Fr, TimingName::Read) => "lecture",
        (Lang::Fr, TimingName::Parse) => "analyse syntaxique",
        (Lang::Fr, TimingName::Profile) => "profil",
        (Lang::Fr, TimingName::Drift) => "dérive",
        (Lang::Fr, TimingName::Quality) => "qualité du modèle",
    }
}

pub fn error_kind(lang: Lang, kind: ErrorKind) -> &'static str {
    match (lang, kind) {
        (Lang::En, ErrorKind::Error) => "JavaScript error",
        (Lang::En, ErrorKind::UnhandledRejection) => "unhandled rejection",
        (Lang::En, ErrorKind::Panic) => "Rust panic",
        (Lang::En, ErrorKind::Fetch) => "failed request",
        (Lang::En, ErrorKind::Resource) => "resource not loaded",
        (Lang::Fr, ErrorKind::Error) => "erreur JavaScript",
        (Lang::Fr, ErrorKind::UnhandledRejection) => "rejet non géré",
        (Lang::Fr, ErrorKind::Panic) => "panique Rust",
        (Lang::Fr, ErrorKind::Fetch) => "requête en échec",
        (Lang::Fr, ErrorKind::Resource) => "ressource non chargée",
    }
}
