//! The page's language: English or French, chosen from the browser (`navigator.languages`),
//! switchable in the header and remembered in `localStorage`.
//!
//! Each view keeps its own text as two `const`s of one struct (`EN` and `FR`), so the compiler
//! checks that every sentence exists in both languages. Sentences with values use `{}`
//! placeholders, filled in order by [`fill`].

use leptos::prelude::*;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

/// The `localStorage` key that remembers the user's choice.
const STORAGE_KEY: &str = "csv-analyzer.lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag, for `<html lang>` and `Intl`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// The language of a BCP 47 tag (`fr`, `fr-CA`, `en-GB`…), if the app speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The first of the user's preferred languages the app speaks, English otherwise.
    pub fn first_spoken<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
        preferred
            .into_iter()
            .find_map(Lang::from_tag)
            .unwrap_or_default()
    }

    /// The remembered choice, else the browser's preference.
    pub fn detect() -> Lang {
        let Some(window) = web_sys::window() else {
            return Lang::default();
        };
        let stored = window
            .local_storage()
            .ok()
            .flatten()
            .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten());
        if let Some(lang) = stored.as_deref().and_then(Lang::from_tag) {
            return lang;
        }
        let navigator = window.navigator();
        let mut tags: Vec<String> = navigator
            .languages()
            .iter()
            .filter_map(|tag| tag.as_string())
            .collect();
        tags.extend(navigator.language());
        Lang::first_spoken(tags.iter().map(String::as_str))
    }
}

/// Puts the language in the context of the whole app and keeps `<html lang>` and the stored
/// choice in step with it.
pub fn provide_lang() -> RwSignal<Lang> {
    let lang = RwSignal::new(Lang::detect());
    provide_context(lang);
    Effect::new(move || {
        let lang = lang.get();
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", lang.code());
        }
        if let Ok(Some(storage)) = window.local_storage() {
            let _ = storage.set_item(STORAGE_KEY, lang.code());
        }
    });
    lang
}

/// The app's language (English outside the app, e.g. in a test).
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::default()))
}

/// `template` with each `{}` replaced by the next of `values`.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * values.len());
    let mut values = values.iter();
    let mut rest = template;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(values.next().copied().unwrap_or("{}"));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_spoken_languages() {
        assert_eq!(Lang::from_tag("fr-CA"), Some(Lang::Fr));
        assert_eq!(Lang::from_tag("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::from_tag("de"), None);
        assert_eq!(Lang::first_spoken(["de-DE", "fr", "en"]), Lang::Fr);
        assert_eq!(Lang::first_spoken(["de-DE"]), Lang::En);
    }

    #[test]
    fn placeholders_are_filled_in_order() {
        assert_eq!(fill("{} of {} rows", &["3", "10"]), "3 of 10 rows");
        assert_eq!(fill("no value {}", &[]), "no value {}");
        assert_eq!(fill("plain", &["x"]), "plain");
    }
}
