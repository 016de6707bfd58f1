//! Real-user monitoring in the page (issue 6): what users experience, sent to the app's own
//! server as beacons of the shared contract ([`shared::api::rum`]).
//!
//! - [`vitals`]: LCP, CLS, INP, FCP, TTFB as Google's `web-vitals` defines them, and the load's
//!   navigation timing;
//! - [`errors`]: uncaught errors, rejections, resource and fetch failures, Rust panics, worker
//!   crashes;
//! - [`timings`]: how long analyses take;
//! - [`context`]: route template, app version, tab session id, device buckets;
//! - [`sender`]: queue, batches, `sendBeacon`, the server's on/off and sampling;
//! - [`consent`]: the footer's checkbox.
//!
//! Nothing from the user's files goes into a beacon: no file name, column name or cell. Vitals
//! and timings are numbers and buckets; error texts are scrubbed of quoted values
//! ([`errors::scrub`]) and analysis input errors are not reported.
//!
//! The worker sends nothing itself: its crashes are reported by the page.

pub mod consent;
pub mod context;
pub mod errors;
pub mod sender;
pub mod timings;
pub mod vitals;

use std::cell::Cell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

pub use consent::ConsentToggle;

thread_local! {
    static STARTED: Cell<bool> = const { Cell::new(false) };
}

/// Panics on purpose, to check that a Rust panic of the page reaches the server: from the
/// browser console, `wasmBindings.rumCheckPanic()` (Trunk's loader puts the page's exports in
/// `window.wasmBindings`). The page then stops as after any panic, with its message; a reload
/// brings it back. Used by `end2end/tests/rum.spec.mjs`: the page has no other way to panic.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = rumCheckPanic)]
pub fn check_panic() {
    panic!("RUM check: a panic asked for from the console");
}

/// Milliseconds since the navigation started (`performance.now()`).
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Starts collecting in the page: observers, error listeners, and — with the user's consent —
/// asks the server whether to send. Call once, from the app shell; later calls do nothing.
pub fn start() {
    if STARTED.replace(true) {
        return;
    }
    errors::install();
    vitals::start();
    on_hide();
    if consent::given() {
        sender::resume();
    } else {
        sender::stop();
    }
}

/// When the page is hidden (another tab, the phone locked) or left, vitals are final and what
/// is queued leaves: a hidden page may never run again.
fn on_hide() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hidden = Closure::<dyn FnMut()>::new(|| {
        let is_hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
        if is_hidden {
            vitals::on_hidden(now());
            sender::flush();
        }
    });
    if let Some(document) = window.document() {
        let _ = document
            .add_event_listener_with_callback("visibilitychange", hidden.as_ref().unchecked_ref());
    }
    hidden.forget();
    let left = Closure::<dyn FnMut()>::new(|| {
        vitals::on_hidden(now());
        sender::flush();
    });
    let _ = window.add_event_listener_with_callback("pagehide", left.as_ref().unchecked_ref());
    left.forget();
}
