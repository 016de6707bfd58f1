//! Where an event happened, without personal data: the route *template* (never the URL typed),
//! the app version, the tab's random session id, and coarse buckets of the device.

use shared::api::rum::{BrowserFamily, Context, DeviceClass, ViewportBucket};
use wasm_bindgen::JsValue;

/// `app_version` of every beacon (the same as the exports' provenance).
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `sessionStorage` key of the session id: it lives as long as the tab (a reload keeps it,
/// closing the tab forgets it). Never `localStorage`.
const SESSION_KEY: &str = "csv-analyzer.rum-session";

/// The route template of a path: one of the app's routes, or `/*` for any other path (a
/// mistyped URL is not sent as typed).
pub fn route_template(path: &str) -> &'static str {
    match path {
        "/" | "" => "/",
        "/drift" => "/drift",
        "/quality" => "/quality",
        _ => "/*",
    }
}

/// Mobile when the primary pointer is coarse (a finger) or the browser says it is a phone or
/// tablet; desktop otherwise.
pub fn device_class(coarse_pointer: bool, user_agent: &str) -> DeviceClass {
    if coarse_pointer || user_agent.contains("Mobi") || user_agent.contains("Android") {
        DeviceClass::Mobile
    } else {
        DeviceClass::Desktop
    }
}

/// A session id from random bytes: lowercase hex, 32 characters.
pub fn session_id_from(bytes: &[u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `id` could be a session id this module made (so a value planted in the tab's
/// storage is not sent).
fn is_session_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

thread_local! {
    static SESSION: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The tab's session id: read from `sessionStorage`, or drawn with `crypto.getRandomValues`
/// and kept there (in memory only when storage is refused).
pub fn session_id() -> String {
    if let Some(id) = SESSION.with_borrow(Clone::clone) {
        return id;
    }
    let window = web_sys::window();
    let storage = window
        .as_ref()
        .and_then(|w| w.session_storage().ok().flatten());
    let stored = storage
        .as_ref()
        .and_then(|s| s.get_item(SESSION_KEY).ok().flatten())
        .filter(|id| is_session_id(id));
    let id = stored.unwrap_or_else(|| {
        let mut bytes = [0u8; 16];
        if let Some(crypto) = window.as_ref().and_then(|w| w.crypto().ok()) {
            // Best effort: on failure the bytes stay zero and the id is still valid.
            let _ = crypto.get_random_values_with_u8_array(&mut bytes);
        }
        let id = session_id_from(&bytes);
        if let Some(storage) = &storage {
            let _ = storage.set_item(SESSION_KEY, &id);
        }
        id
    });
    SESSION.set(Some(id.clone()));
    id
}

/// The context now: the current route, the device, the connection, the viewport.
pub fn current() -> Context {
    let Some(window) = web_sys::window() else {
        return Context {
            route: "/".to_owned(),
            device: DeviceClass::Desktop,
            connection: None,
            viewport: ViewportBucket::Wide,
            browser: BrowserFamily::Other,
        };
    };
    let path = window.location().pathname().unwrap_or_default();
    let navigator = window.navigator();
    let user_agent = navigator.user_agent().unwrap_or_default();
    let coarse = window
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    let connection = js_sys::Reflect::get(&navigator, &JsValue::from_str("connection"))
        .ok()
        .filter(|c| c.is_object())
        .and_then(|c| js_sys::Reflect::get(&c, &JsValue::from_str("effectiveType")).ok())
        .and_then(|t| t.as_string())
        .map(|t| t.chars().take(16).collect());
    let width = window
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .unwrap_or(0.0);
    Context {
        route: route_template(&path).to_owned(),
        device: device_class(coarse, &user_agent),
        connection,
        viewport: ViewportBucket::of_width(width),
        browser: BrowserFamily::of_user_agent(&user_agent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_templates() {
        assert_eq!(route_template("/"), "/");
        assert_eq!(route_template("/drift"), "/drift");
        assert_eq!(route_template("/quality"), "/quality");
        assert_eq!(route_template("/sales-2026.csv"), "/*");
        assert_eq!(route_template("/drift/x"), "/*");
    }

    #[test]
    fn devices() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/156.0 Mobile Safari/537.36";
        let linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36";
        assert_eq!(device_class(false, android), DeviceClass::Mobile);
        assert_eq!(device_class(false, linux), DeviceClass::Desktop);
        assert_eq!(device_class(true, linux), DeviceClass::Mobile);
    }

    #[test]
    fn session_ids_are_hex_and_checked() {
        let id = session_id_from(&[0xab; 16]);
        assert_eq!(id.len(), 32);
        assert!(is_session_id(&id));
        assert!(!is_session_id("PRIVACY-MARKER"));
    }
}
