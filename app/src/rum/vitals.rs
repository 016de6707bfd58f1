//! Web vitals from `PerformanceObserver`, defined and reported as Google's `web-vitals` library
//! (v6) does, so the figures compare with any other site's:
//!
//! | vital | value | reported |
//! |---|---|---|
//! | TTFB | navigation `responseStart - activationStart`, at least 0 | once, after `load` |
//! | FCP | `first-contentful-paint` paint's `startTime - activationStart`, at least 0 | once, when painted (if before the page was first hidden) |
//! | LCP | the last `largest-contentful-paint` entry before the page was first hidden, `startTime - activationStart`, at least 0 | once, on the first trusted `keydown`/`click` (when idle) or when hidden |
//! | CLS | the largest session window of `layout-shift`s without recent input (a window ends after a 1 s gap or 5 s) | when hidden, if FCP was reported; again on a later hide if it grew |
//! | INP | of the 10 longest interactions (`event` entries, `durationThreshold: 40`, and `first-input`, grouped by `interactionId`), the one after skipping one per 50 interactions | when hidden, if there was an interaction; again if it changed |
//!
//! The navigation timing of the load is sent once with TTFB. Vitals describe the page load, so
//! they carry the context of the route the page was loaded on. Not done: bfcache restores and
//! soft navigations (web-vitals reports new values for those), prerendered pages' activation.

use std::cell::RefCell;

use js_sys::{Array, Reflect};
use shared::api::rum::{Context, Event, Navigation, Vital, VitalName};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{PerformanceObserver, PerformanceObserverEntryList};

use super::{context, now, sender};

/// How many of the longest interactions are kept as INP candidates (as web-vitals).
pub const INP_CANDIDATES: usize = 10;
/// `durationThreshold` of the `event` observer (as web-vitals): shorter events are not seen.
pub const INP_DURATION_THRESHOLD_MS: f64 = 40.0;

/// The INP candidates: the longest interactions, by `interactionId`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interactions {
    /// Longest first, at most [`INP_CANDIDATES`].
    longest: Vec<(u64, f64)>,
}

impl Interactions {
    /// An `event` or `first-input` entry. Entries without an interaction id (0) are not
    /// interactions.
    pub fn add(&mut self, interaction_id: u64, duration: f64) {
        if interaction_id == 0 || !duration.is_finite() {
            return;
        }
        if let Some(known) = self
            .longest
            .iter_mut()
            .find(|(id, _)| *id == interaction_id)
        {
            known.1 = known.1.max(duration);
        } else if self.longest.len() < INP_CANDIDATES
            || self.longest.last().is_some_and(|(_, d)| duration > *d)
        {
            self.longest.push((interaction_id, duration));
        } else {
            return;
        }
        self.longest.sort_by(|a, b| b.1.total_cmp(&a.1));
        self.longest.truncate(INP_CANDIDATES);
    }

    /// INP given the page's `interaction_count`: the longest interaction, skipping one per 50
    /// interactions (an estimate of the 98th percentile); none without interactions seen.
    pub fn inp(&self, interaction_count: u64) -> Option<f64> {
        let last = self.longest.len().checked_sub(1)?;
        let skip = usize::try_from(interaction_count / 50).unwrap_or(usize::MAX);
        Some(self.longest[skip.min(last)].1)
    }
}

/// The interaction count where `performance.interactionCount` is missing (web-vitals's
/// polyfill): interaction ids grow by 7 in Chromium.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InteractionIds {
    min: Option<u64>,
    max: u64,
}

impl InteractionIds {
    pub fn add(&mut self, interaction_id: u64) {
        if interaction_id == 0 {
            return;
        }
        self.min = Some(self.min.map_or(interaction_id, |m| m.min(interaction_id)));
        self.max = self.max.max(interaction_id);
    }

    pub fn count(&self) -> u64 {
        self.min.map_or(0, |min| (self.max - min) / 7 + 1)
    }
}

/// CLS: session windows of layout shifts; the largest window's sum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutShifts {
    session: f64,
    first_ms: f64,
    last_ms: f64,
    largest: f64,
}

impl LayoutShifts {
    /// Shifts within 1 s of the previous one and 5 s of the window's first add to the window;
    /// others start a new one. Shifts right after an input do not count.
    pub fn add(&mut self, value: f64, start_ms: f64, had_recent_input: bool) {
        if had_recent_input || !value.is_finite() || value < 0.0 {
            return;
        }
        if self.session > 0.0
            && start_ms - self.last_ms < 1000.0
            && start_ms - self.first_ms < 5000.0
        {
            self.session += value;
            self.last_ms = start_ms;
        } else {
            self.session = value;
            self.first_ms = start_ms;
            self.last_ms = start_ms;
        }
        self.largest = self.largest.max(self.session);
    }

    pub fn cls(&self) -> f64 {
        self.largest
    }
}

/// What the observers saw.
struct Vitals {
    /// The context of the page load.
    landing: Context,
    activation_start: f64,
    /// When the page was first hidden (infinite while it never was).
    first_hidden: f64,
    lcp: Option<f64>,
    lcp_done: bool,
    fcp_reported: bool,
    shifts: LayoutShifts,
    cls_reported: Option<f64>,
    interactions: Interactions,
    interaction_ids: InteractionIds,
    inp_reported: Option<f64>,
    observers: Vec<PerformanceObserver>,
    lcp_observer: Option<PerformanceObserver>,
}

thread_local! {
    static VITALS: RefCell<Option<Vitals>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut Vitals) -> R) -> Option<R> {
    VITALS.with(|vitals| vitals.try_borrow_mut().ok()?.as_mut().map(f))
}

fn report(landing: &Context, name: VitalName, value: f64) {
    let value = if value.is_finite() {
        value.max(0.0)
    } else {
        return;
    };
    sender::push(
        landing.clone(),
        Event::Vital(Vital {
            name,
            value,
            at_ms: now(),
        }),
    );
}

/// A number property of a JS object (0 when missing).
fn number(object: &JsValue, name: &str) -> f64 {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_f64())
        .filter(|v| v.is_finite())
        .unwrap_or(0.0)
}

fn text(object: &JsValue, name: &str) -> String {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The navigation entry, when its `responseStart` is sane (as web-vitals checks).
fn navigation_entry() -> Option<JsValue> {
    let performance = web_sys::window()?.performance()?;
    let entry = performance.get_entries_by_type("navigation").get(0);
    let response_start = number(&entry, "responseStart");
    (response_start > 0.0 && response_start < performance.now()).then_some(entry)
}

/// Starts the observers. Call once.
pub fn start() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(performance) = window.performance() else {
        return;
    };
    let activation_start = navigation_entry().map_or(0.0, |e| number(&e, "activationStart"));
    let document = window.document();
    let hidden_entry = performance
        .get_entries_by_type("visibility-state")
        .iter()
        .find(|e| text(e, "name") == "hidden" && number(e, "startTime") >= activation_start)
        .map(|e| number(&e, "startTime"));
    let hidden_now = document
        .as_ref()
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
    let first_hidden = hidden_entry.unwrap_or(if hidden_now { 0.0 } else { f64::INFINITY });
    VITALS.set(Some(Vitals {
        landing: context::current(),
        activation_start,
        first_hidden,
        lcp: None,
        lcp_done: false,
        fcp_reported: false,
        shifts: LayoutShifts::default(),
        cls_reported: None,
        interactions: Interactions::default(),
        interaction_ids: InteractionIds::default(),
        inp_reported: None,
        observers: Vec::new(),
        lcp_observer: None,
    }));

    let mut observers = Vec::new();
    observers.extend(observe("paint", &[], on_entries));
    let lcp = observe("largest-contentful-paint", &[], on_entries);
    observers.extend(observe("layout-shift", &[], on_entries));
    let threshold = [(
        "durationThreshold",
        JsValue::from(INP_DURATION_THRESHOLD_MS),
    )];
    observers.extend(observe("event", &threshold, on_entries));
    observers.extend(observe("first-input", &[], on_entries));
    if !Reflect::has(&performance, &JsValue::from_str("interactionCount")).unwrap_or(false) {
        let all = [("durationThreshold", JsValue::from(0))];
        observers.extend(observe("event", &all, count_interactions));
    }
    with(|vitals| {
        vitals.observers = observers;
        vitals.lcp_observer = lcp;
    });

    // LCP is final at the first input.
    let on_input = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        if event.is_trusted() && with(|v| !v.lcp_done).unwrap_or(false) {
            when_idle(finish_lcp);
        }
    });
    for kind in ["keydown", "click"] {
        let _ = window.add_event_listener_with_callback_and_bool(
            kind,
            on_input.as_ref().unchecked_ref(),
            true,
        );
    }
    on_input.forget();

    after_load(navigation_timing);
}

/// Observes entries of `kind` (buffered: those before the app started too), if the browser
/// knows the kind.
fn observe(
    kind: &str,
    options: &[(&str, JsValue)],
    on_entries: fn(Array),
) -> Option<PerformanceObserver> {
    let global = js_sys::global();
    let class = Reflect::get(&global, &JsValue::from_str("PerformanceObserver")).ok()?;
    let supported = Reflect::get(&class, &JsValue::from_str("supportedEntryTypes")).ok()?;
    if !supported
        .dyn_into::<Array>()
        .ok()?
        .includes(&JsValue::from_str(kind), 0)
    {
        return None;
    }
    let callback = Closure::<dyn FnMut(PerformanceObserverEntryList)>::new(
        move |list: PerformanceObserverEntryList| on_entries(list.get_entries()),
    );
    let observer = PerformanceObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    callback.forget();
    let init = js_sys::Object::new();
    let _ = Reflect::set(&init, &JsValue::from_str("type"), &JsValue::from_str(kind));
    let _ = Reflect::set(&init, &JsValue::from_str("buffered"), &JsValue::TRUE);
    for (name, value) in options {
        let _ = Reflect::set(&init, &JsValue::from_str(name), value);
    }
    // Through `Function::call` so that a browser that throws does not stop the app.
    let observe = Reflect::get(&observer, &JsValue::from_str("observe"))
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    observe.call1(&observer, &init).ok()?;
    Some(observer)
}

fn on_entries(entries: Array) {
    let mut fcp = None;
    with(|v| {
        for entry in entries.iter() {
            let start = number(&entry, "startTime");
            match text(&entry, "entryType").as_str() {
                "paint"
                    if text(&entry, "name") == "first-contentful-paint"
                        && !v.fcp_reported
                        && start < v.first_hidden =>
                {
                    v.fcp_reported = true;
                    fcp = Some((v.landing.clone(), (start - v.activation_start).max(0.0)));
                }
                "largest-contentful-paint" if !v.lcp_done && start < v.first_hidden => {
                    v.lcp = Some((start - v.activation_start).max(0.0));
                }
                "layout-shift" => {
                    let recent_input = Reflect::get(&entry, &JsValue::from_str("hadRecentInput"))
                        .ok()
                        .and_then(|b| b.as_bool())
                        .unwrap_or(false);
                    v.shifts.add(number(&entry, "value"), start, recent_input);
                }
                "event" | "first-input" => {
                    let id = number(&entry, "interactionId") as u64;
                    v.interactions.add(id, number(&entry, "duration"));
                }
                _ => {}
            }
        }
    });
    if let Some((landing, value)) = fcp {
        report(&landing, VitalName::Fcp, value);
    }
}

fn count_interactions(entries: Array) {
    with(|v| {
        for entry in entries.iter() {
            v.interaction_ids
                .add(number(&entry, "interactionId") as u64);
        }
    });
}

/// Reads what the observers hold but have not delivered yet.
fn take_records() {
    let observers = with(|v| {
        let mut all = v.observers.clone();
        all.extend(v.lcp_observer.clone());
        all
    })
    .unwrap_or_default();
    for observer in observers {
        let records = observer.take_records();
        if records.length() > 0 {
            on_entries(records);
        }
    }
}

/// Reports LCP (once).
fn finish_lcp() {
    take_records();
    let done = with(|v| {
        if v.lcp_done {
            return None;
        }
        v.lcp_done = true;
        if let Some(observer) = v.lcp_observer.take() {
            observer.disconnect();
        }
        v.lcp.map(|lcp| (v.landing.clone(), lcp))
    })
    .flatten();
    if let Some((landing, lcp)) = done {
        report(&landing, VitalName::Lcp, lcp);
    }
}

/// The page is hidden (or left): LCP is final, CLS and INP are reported (again if they
/// changed since the last hide).
pub fn on_hidden(at_ms: f64) {
    with(|v| v.first_hidden = v.first_hidden.min(at_ms));
    finish_lcp();
    let interaction_count = web_sys::window()
        .and_then(|w| w.performance())
        .and_then(|p| Reflect::get(&p, &JsValue::from_str("interactionCount")).ok())
        .and_then(|c| c.as_f64());
    let due = with(|v| {
        let mut due = Vec::new();
        if v.fcp_reported {
            let cls = v.shifts.cls();
            if v.cls_reported != Some(cls) {
                v.cls_reported = Some(cls);
                due.push((VitalName::Cls, cls));
            }
        }
        let count = interaction_count.map_or_else(|| v.interaction_ids.count(), |c| c as u64);
        if let Some(inp) = v.interactions.inp(count)
            && v.inp_reported != Some(inp)
        {
            v.inp_reported = Some(inp);
            due.push((VitalName::Inp, inp));
        }
        (v.landing.clone(), due)
    });
    if let Some((landing, due)) = due {
        for (name, value) in due {
            report(&landing, name, value);
        }
    }
}

/// TTFB and the navigation timing, once the load is over (`loadEventEnd` is then set).
fn navigation_timing() {
    let Some(entry) = navigation_entry() else {
        return;
    };
    let Some(landing) = with(|v| v.landing.clone()) else {
        return;
    };
    let activation_start = number(&entry, "activationStart");
    let ttfb = (number(&entry, "responseStart") - activation_start).max(0.0);
    report(&landing, VitalName::Ttfb, ttfb);
    let span = |from: &str, to: &str| (number(&entry, to) - number(&entry, from)).max(0.0);
    sender::push(
        landing,
        Event::Navigation(Navigation {
            dns_ms: span("domainLookupStart", "domainLookupEnd"),
            connect_ms: span("connectStart", "connectEnd"),
            ttfb_ms: number(&entry, "responseStart").max(0.0),
            dom_content_loaded_ms: number(&entry, "domContentLoadedEventEnd").max(0.0),
            load_ms: number(&entry, "loadEventEnd").max(0.0),
            transfer_bytes: number(&entry, "transferSize").max(0.0),
            at_ms: now(),
        }),
    );
}

/// Runs `f` in the task after `load` (now if the page has loaded).
fn after_load(f: fn()) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let complete = window
        .document()
        .is_some_and(|d| d.ready_state() == "complete");
    let later = Closure::once_into_js(move || {
        if let Some(window) = web_sys::window() {
            let next = Closure::once_into_js(f);
            let _ = window.set_timeout_with_callback(next.unchecked_ref());
        }
    });
    if complete {
        let _ = window.set_timeout_with_callback(later.unchecked_ref());
    } else {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        options.set_capture(true);
        let _ = window.add_event_listener_with_callback_and_add_event_listener_options(
            "load",
            later.unchecked_ref(),
            &options,
        );
    }
}

/// Runs `f` when the browser is idle (within a second), or now if the page is hidden.
fn when_idle(f: fn()) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hidden = window
        .document()
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
    if hidden {
        f();
        return;
    }
    let callback = Closure::once_into_js(f);
    let options = web_sys::IdleRequestOptions::new();
    options.set_timeout(1000);
    let scheduled = window
        .request_idle_callback_with_options(callback.unchecked_ref(), &options)
        .is_ok();
    if !scheduled {
        let _ = window.set_timeout_with_callback(callback.unchecked_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inp_is_the_longest_interaction_below_a_handful() {
        let mut interactions = Interactions::default();
        assert_eq!(interactions.inp(0), None);
        // Several entries of one interaction: its longest counts.
        interactions.add(7, 48.0);
        interactions.add(7, 120.0);
        interactions.add(7, 64.0);
        interactions.add(0, 900.0); // not an interaction (e.g. a mousemove)
        interactions.add(14, 80.0);
        assert_eq!(interactions.inp(2), Some(120.0));
    }

    #[test]
    fn inp_skips_one_interaction_per_fifty() {
        let mut interactions = Interactions::default();
        for (i, latency) in [400.0, 300.0, 250.0, 200.0, 100.0].into_iter().enumerate() {
            interactions.add(7 * (i as u64 + 1), latency);
        }
        assert_eq!(interactions.inp(49), Some(400.0));
        assert_eq!(interactions.inp(50), Some(300.0));
        assert_eq!(interactions.inp(149), Some(250.0));
        // Never past the shortest candidate.
        assert_eq!(interactions.inp(10_000), Some(100.0));
    }

    #[test]
    fn inp_keeps_the_ten_longest() {
        let mut interactions = Interactions::default();
        for i in 1..=30u64 {
            interactions.add(i * 7, i as f64 * 10.0);
        }
        assert_eq!(interactions.longest.len(), INP_CANDIDATES);
        assert_eq!(interactions.inp(0), Some(300.0));
        // 500 interactions: the tenth longest (skip 9 would need 450-499: index 9 → 210).
        assert_eq!(interactions.inp(499), Some(210.0));
        // A short one does not enter, a long one does.
        interactions.add(999, 5.0);
        assert_eq!(interactions.inp(499), Some(210.0));
        interactions.add(1001, 1000.0);
        assert_eq!(interactions.inp(0), Some(1000.0));
        assert_eq!(interactions.inp(499), Some(220.0));
    }

    #[test]
    fn the_interaction_count_polyfill_counts_ids_seven_apart() {
        let mut ids = InteractionIds::default();
        assert_eq!(ids.count(), 0);
        for id in [0, 7021, 7028, 7049] {
            ids.add(id);
        }
        assert_eq!(ids.count(), 5);
    }

    #[test]
    fn cls_is_the_largest_session_window() {
        let mut shifts = LayoutShifts::default();
        assert_eq!(shifts.cls(), 0.0);
        // Window 1: three shifts less than a second apart → 0.3.
        shifts.add(0.1, 100.0, false);
        shifts.add(0.1, 900.0, false);
        shifts.add(0.1, 1800.0, false);
        // A gap of more than a second: window 2 → 0.05.
        shifts.add(0.05, 3000.0, false);
        // A shift right after an input does not count.
        shifts.add(0.5, 3100.0, true);
        assert!((shifts.cls() - 0.3).abs() < 1e-12);
    }

    #[test]
    fn cls_windows_last_at_most_five_seconds() {
        let mut shifts = LayoutShifts::default();
        // One shift every 900 ms: a window closes when it would reach 5 s.
        for i in 0..12 {
            shifts.add(0.01, 1000.0 + 900.0 * f64::from(i), false);
        }
        // 1000 to 5500 (six shifts: 5500 is 4.5 s after the first), then 6400 is 5.4 s after
        // the first and opens a new window (six more). Without the cap it would be 0.12.
        assert!((shifts.cls() - 0.06).abs() < 1e-12, "{}", shifts.cls());
    }
}
