//! Errors of the page: uncaught JS errors (`error` on the window, in the capture phase so that
//! scripts, styles and images that fail to load are seen too), unhandled promise rejections,
//! Rust panics (the panic hook, [`crate::panic`]), the analysis worker's crashes (reported by the
//! page when it learns of them, [`crate::worker::client`]), and `fetch`es that fail or answer
//! 5xx (`window.fetch` is wrapped; the caller gets the very same promise).
//!
//! Each has a message, a source (a script URL without query or fragment, a request path, or the
//! Rust file), line and column, a stack when there is one, and the contract's fingerprint.
//!
//! Privacy: messages and stacks go through [`scrub`], which blanks every quoted value — the
//! engine quotes file names (`The file “a.csv” is empty`) and Rust's `Debug` quotes strings —
//! and an analysis's input errors (a bad file: the user's, not the app's) are never reported.
//! An analysis error that is a bug is reported by its code only.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::PanicHookInfo;

use js_sys::Reflect;
use shared::api::rum::{ErrorEvent, ErrorKind, Event, fingerprint, max_len, without_query};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::{context, now, sender};
use crate::worker::client::AnalysisError;
use crate::worker::protocol::ErrorCode;

/// Reports of one fingerprint per page load; more are dropped (an error in a loop).
pub const MAX_PER_FINGERPRINT: u32 = 10;
/// Error reports per page load.
pub const MAX_PER_PAGE: u32 = 100;

/// `text` with the inside of every quoted value replaced by `…`: `"…"`, `“…”`, `«…»`, `` `…` ``
/// and `'…'` (an apostrophe inside a word, as in `can't`, is not a quote). An unclosed quote
/// blanks the rest.
pub fn scrub(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut closing: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        match closing {
            Some(end) => {
                let closes = c == end && (end != '\'' || !word(after));
                if closes {
                    out.push('…');
                    out.push(c);
                    closing = None;
                }
            }
            None => {
                out.push(c);
                closing = match c {
                    '"' | '`' => Some(c),
                    '“' => Some('”'),
                    '«' => Some('»'),
                    '\'' if !word(before) => Some('\''),
                    _ => None,
                };
            }
        }
    }
    if closing.is_some() {
        out.push('…');
    }
    out
}

/// A URL as a source: without query and fragment; `data:` and `blob:` URLs (which hold
/// content) as their scheme only.
pub fn source_of_url(url: &str) -> String {
    let lower = url.trim_start().to_ascii_lowercase();
    for scheme in ["data:", "blob:", "javascript:"] {
        if lower.starts_with(scheme) {
            return scheme.to_owned();
        }
    }
    without_query(url)
}

/// `panicked at src/x.rs:12:5:\nmessage` (the worker's panic text) → (message, file, line,
/// column); other text is all message.
pub fn split_panic(text: &str) -> (&str, &str, u32, u32) {
    let parsed = text.strip_prefix("panicked at ").and_then(|rest| {
        let (location, message) = rest.split_once(":\n")?;
        let mut parts = location.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        let file = parts.next()?;
        Some((message, file, line, column))
    });
    parsed.unwrap_or((text, "", 0, 0))
}

/// The contract's error event: scrubbed, cut to the contract's lengths, fingerprinted.
pub fn error_event(
    kind: ErrorKind,
    message: &str,
    source: &str,
    line: u32,
    column: u32,
    stack: Option<&str>,
    at_ms: f64,
) -> ErrorEvent {
    let cut = |text: String, max: usize| -> String { text.chars().take(max).collect() };
    let message = cut(scrub(message), max_len::MESSAGE);
    let source = cut(source_of_url(source), max_len::SOURCE);
    let stack = stack
        .filter(|s| !s.is_empty())
        .map(|s| cut(scrub(s), max_len::STACK));
    ErrorEvent {
        kind,
        fingerprint: fingerprint(kind, &message, &source),
        message,
        source,
        line,
        column,
        stack,
        at_ms: at_ms.max(0.0),
    }
}

thread_local! {
    /// Reports so far, by fingerprint.
    static SEEN: RefCell<(u32, HashMap<String, u32>)> = RefCell::new((0, HashMap::new()));
}

/// Queues `event` unless its fingerprint (or the page) reported too often.
fn record(event: ErrorEvent) {
    let allowed = SEEN.with(|seen| {
        let Ok(mut seen) = seen.try_borrow_mut() else {
            return false;
        };
        let (total, by_fingerprint) = &mut *seen;
        let count = by_fingerprint.entry(event.fingerprint.clone()).or_insert(0);
        if *total >= MAX_PER_PAGE || *count >= MAX_PER_FINGERPRINT {
            return false;
        }
        *total += 1;
        *count += 1;
        true
    });
    if allowed {
        sender::push(context::current(), Event::Error(event));
    }
}

/// A Rust panic in the page (from the panic hook): reported and sent at once, as the app may
/// not run again.
pub fn report_panic(info: &PanicHookInfo<'_>) {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned());
    let (file, line, column) = info
        .location()
        .map_or(("", 0, 0), |l| (l.file(), l.line(), l.column()));
    let stack = text_of(&js_sys::Error::new(""), "stack").unwrap_or_default();
    record(error_event(
        ErrorKind::Panic,
        &payload,
        file,
        line,
        column,
        Some(&stack),
        now(),
    ));
    sender::flush();
}

/// The analysis worker died (a panic, or an error that escaped it): `message` is what it said.
pub fn worker_crashed(message: &str) {
    let (message, file, line, column) = split_panic(message);
    record(error_event(
        ErrorKind::Panic,
        &format!("analysis worker: {message}"),
        file,
        line,
        column,
        None,
        now(),
    ));
}

/// An analysis ended in an error: reported only when it is the app's fault, by code (the
/// worker's sentence may name the user's file). Crashes are reported by [`worker_crashed`].
pub fn analysis_failed(error: &AnalysisError) {
    let message = match error {
        AnalysisError::Input(job)
            if matches!(job.code, ErrorCode::Internal | ErrorCode::BadRequest) =>
        {
            format!("analysis error: {}", job.code.as_str())
        }
        AnalysisError::Unavailable(detail) => format!("analysis worker unavailable: {detail}"),
        _ => return,
    };
    record(error_event(
        ErrorKind::Error,
        &message,
        "worker",
        0,
        0,
        None,
        now(),
    ));
}

/// Listens for uncaught errors and rejections, and wraps `fetch`. Call once.
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(on_error);
    let _ = window.add_event_listener_with_callback_and_bool(
        "error",
        on_error.as_ref().unchecked_ref(),
        true,
    );
    on_error.forget();
    let on_rejection = Closure::<dyn FnMut(web_sys::PromiseRejectionEvent)>::new(on_rejection);
    let _ = window.add_event_listener_with_callback(
        "unhandledrejection",
        on_rejection.as_ref().unchecked_ref(),
    );
    on_rejection.forget();
    wrap_fetch(&window);
}

fn text_of(object: &JsValue, name: &str) -> Option<String> {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|s| !s.is_empty())
}

fn on_error(event: web_sys::Event) {
    if let Some(error) = event.dyn_ref::<web_sys::ErrorEvent>() {
        let stack = text_of(&error.error(), "stack");
        record(error_event(
            ErrorKind::Error,
            &error.message(),
            &error.filename(),
            error.lineno(),
            error.colno(),
            stack.as_deref(),
            now(),
        ));
        return;
    }
    // Not an ErrorEvent: an element (script, link, img…) that failed to load.
    let Some(element) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let url = ["currentSrc", "src", "href"]
        .iter()
        .find_map(|name| text_of(&element, name))
        .unwrap_or_default();
    let tag = element.tag_name().to_ascii_lowercase();
    record(error_event(
        ErrorKind::Resource,
        &format!("<{tag}> failed to load"),
        &url,
        0,
        0,
        None,
        now(),
    ));
}

fn on_rejection(event: web_sys::PromiseRejectionEvent) {
    let reason = event.reason();
    let message = reason.as_string().or_else(|| {
        let name = text_of(&reason, "name").unwrap_or_else(|| "Error".to_owned());
        text_of(&reason, "message").map(|m| format!("{name}: {m}"))
    });
    let message = message.unwrap_or_else(|| "a promise was rejected without an error".to_owned());
    let stack = text_of(&reason, "stack");
    record(error_event(
        ErrorKind::UnhandledRejection,
        &message,
        "",
        0,
        0,
        stack.as_deref(),
        now(),
    ));
}

/// The request's target as a source: the path for the page's own origin, else origin and path.
fn request_source(input: &JsValue) -> String {
    let url = input
        .as_string()
        .or_else(|| text_of(input, "url"))
        .or_else(|| text_of(input, "href"))
        .unwrap_or_default();
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return source_of_url(&url);
    };
    let base = location.href().unwrap_or_default();
    match web_sys::Url::new_with_base(&url, &base) {
        Ok(parsed) if Some(parsed.origin()) == location.origin().ok() => parsed.pathname(),
        Ok(parsed) if parsed.protocol().starts_with("http") => {
            format!("{}{}", parsed.origin(), parsed.pathname())
        }
        _ => source_of_url(&url),
    }
}

/// Replaces `window.fetch` by a function that calls it and reports failures and 5xx answers,
/// returning the original promise untouched.
fn wrap_fetch(window: &web_sys::Window) {
    let Ok(original) = Reflect::get(window, &JsValue::from_str("fetch")) else {
        return;
    };
    let Ok(original) = original.dyn_into::<js_sys::Function>() else {
        return;
    };
    let this: JsValue = window.clone().into();
    let wrapper = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(
        move |input: JsValue, init: JsValue| -> JsValue {
            let promise = match original.call2(&this, &input, &init) {
                Ok(promise) => promise,
                Err(error) => return js_sys::Promise::reject(&error).into(),
            };
            let Some(watched) = promise.dyn_ref::<js_sys::Promise>() else {
                return promise;
            };
            let source = request_source(&input);
            let failed_source = source.clone();
            let on_answer = Closure::once_into_js(move |response: JsValue| {
                let status = Reflect::get(&response, &JsValue::from_str("status"))
                    .ok()
                    .and_then(|s| s.as_f64())
                    .unwrap_or(0.0);
                if status >= 500.0 {
                    record(error_event(
                        ErrorKind::Fetch,
                        &format!("HTTP {status}"),
                        &source,
                        0,
                        0,
                        None,
                        now(),
                    ));
                }
            });
            let on_failure = Closure::once_into_js(move |error: JsValue| {
                if text_of(&error, "name").as_deref() == Some("AbortError") {
                    return;
                }
                let message = text_of(&error, "message").unwrap_or_else(|| "failed".to_owned());
                record(error_event(
                    ErrorKind::Fetch,
                    &format!("fetch failed: {message}"),
                    &failed_source,
                    0,
                    0,
                    None,
                    now(),
                ));
            });
            // The branch this creates handles the rejection; the caller's promise is untouched.
            if let Some(then) = Reflect::get(watched, &JsValue::from_str("then"))
                .ok()
                .and_then(|then| then.dyn_into::<js_sys::Function>().ok())
            {
                let _ = then.call2(watched, &on_answer, &on_failure);
            }
            promise
        },
    );
    let _ = Reflect::set(window, &JsValue::from_str("fetch"), wrapper.as_ref());
    wrapper.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_blanked() {
        assert_eq!(
            scrub("The file “sales.csv” is empty"),
            "The file “…” is empty"
        );
        assert_eq!(
            scrub(r#"called `Result::unwrap()` on an `Err` value: Parse("PRIVACY")"#),
            "called `…` on an `…` value: Parse(\"…\")"
        );
        assert_eq!(scrub("can't read 'a.csv' now"), "can't read '…' now");
        assert_eq!(scrub("l'analyse de « x.csv »"), "l'analyse de «…»");
        assert_eq!(scrub("unclosed \"secret"), "unclosed \"…");
        assert_eq!(
            scrub("index out of bounds: the len is 3"),
            "index out of bounds: the len is 3"
        );
    }

    #[test]
    fn sources_carry_no_query_and_no_content() {
        assert_eq!(source_of_url("https://h/app.js?v=1#x"), "https://h/app.js");
        assert_eq!(source_of_url("data:text/csv,PRIVACY"), "data:");
        assert_eq!(source_of_url("blob:https://h/1234"), "blob:");
    }

    #[test]
    fn worker_panics_are_split() {
        assert_eq!(
            split_panic("panicked at shared/src/profile/table.rs:120:9:\nindex out of bounds"),
            ("index out of bounds", "shared/src/profile/table.rs", 120, 9)
        );
        assert_eq!(
            split_panic("simulated crash"),
            ("simulated crash", "", 0, 0)
        );
    }

    #[test]
    fn events_are_scrubbed_cut_and_fingerprinted() {
        let long = format!("bad “{}” {}", "x".repeat(50), "y".repeat(2000));
        let event = error_event(
            ErrorKind::Error,
            &long,
            "https://h/a.js?q=1",
            3,
            4,
            Some(""),
            5.0,
        );
        assert!(event.message.starts_with("bad “…” yyy"));
        assert_eq!(event.message.chars().count(), max_len::MESSAGE);
        assert_eq!(event.source, "https://h/a.js");
        assert_eq!(event.stack, None);
        assert_eq!(
            event.fingerprint,
            fingerprint(ErrorKind::Error, &event.message, &event.source)
        );
    }
}
