//! Sending: events wait in a queue and leave in beacons — `navigator.sendBeacon` with the JSON
//! as a string, sent as `text/plain` (no CORS preflight), to [`BEACON_URL`] — every `flush_interval_ms`,
//! when the page is hidden or left, and at once after a panic.
//!
//! Whether anything is sent is decided by, in order: the user's consent ([`super::consent`]),
//! the server's `GET /api/rum/config` (`enabled`; a 404 or any failure means off), and the
//! sampling decision, made once per session from `sample_rate` ([`sampled`]). Until the
//! server's answer arrives, events wait (at most [`MAX_QUEUED`]); once collection is off they
//! are dropped.

use std::cell::RefCell;
use std::ops::Range;

use shared::api::rum::{Beacon, Context, Event, MAX_BEACON_BYTES, MAX_EVENTS};
use shared::api::rum_summary::RumClientConfig;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;

use super::context;

/// Where beacons go.
pub const BEACON_URL: &str = "/api/rum";
/// Whether to send them, how many sessions, how often.
pub const CONFIG_URL: &str = "/api/rum/config";
/// Events kept while waiting for the server's answer or after a refused beacon; more are
/// dropped.
pub const MAX_QUEUED: usize = 1_000;
/// The shortest flush interval honoured, whatever the server says.
const MIN_FLUSH_INTERVAL_MS: u64 = 100;

/// One beacon's body and the queue items it covers (an item too large for any beacon is
/// skipped: it is inside a range but not in a body).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub body: String,
    pub covers: Range<usize>,
}

/// The queue cut into beacons: in order, each with one context, at most [`MAX_EVENTS`] events
/// and [`MAX_BEACON_BYTES`] bytes.
pub fn batches(session: &str, app_version: &str, queue: &[(Context, Event)]) -> Vec<Batch> {
    let mut out = Vec::new();
    let mut next = 0;
    while next < queue.len() {
        let start = next;
        let context = &queue[start].0;
        let empty = body(session, app_version, context, &[]);
        let mut size = empty.len();
        let mut events: Vec<String> = Vec::new();
        while next < queue.len() && queue[next].0 == *context && events.len() < MAX_EVENTS {
            let Ok(json) = serde_json::to_string(&queue[next].1) else {
                next += 1;
                continue;
            };
            if empty.len() + json.len() > MAX_BEACON_BYTES {
                // Too large even alone: skipped.
                next += 1;
                continue;
            }
            let extra = json.len() + usize::from(!events.is_empty());
            if size + extra > MAX_BEACON_BYTES {
                break;
            }
            size += extra;
            events.push(json);
            next += 1;
        }
        if !events.is_empty() {
            out.push(Batch {
                body: body(session, app_version, context, &events),
                covers: start..next,
            });
        }
    }
    out
}

/// The beacon's JSON with `events` (each already JSON) spliced in: `events` is the last field
/// of [`Beacon`], so its serialisation ends with `[]}`.
fn body(session: &str, app_version: &str, context: &Context, events: &[String]) -> String {
    let empty = Beacon {
        session: session.to_owned(),
        app_version: app_version.to_owned(),
        context: context.clone(),
        events: Vec::new(),
    };
    let json = serde_json::to_string(&empty).unwrap_or_default();
    let Some(head) = json.strip_suffix("[]}") else {
        return json;
    };
    format!("{head}[{}]}}", events.join(","))
}

/// Whether the session `session` is one of the `rate` share that report: a pure function of
/// the id, so the decision is the same for every page load of the tab.
pub fn sampled(session: &str, rate: f64) -> bool {
    if rate.is_nan() || rate <= 0.0 {
        return false;
    }
    if rate >= 1.0 {
        return true;
    }
    unit_interval(session) < rate
}

/// `text` hashed (FNV-1a 64) to a number in [0, 1).
fn unit_interval(text: &str) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether collection runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Waiting for the server's config: events are kept.
    Waiting,
    On,
    /// No consent, switched off by the server, or not sampled: events are dropped.
    Off,
}

struct Sender {
    mode: Mode,
    queue: Vec<(Context, Event)>,
    config: Option<RumClientConfig>,
    fetching: bool,
    interval: Option<i32>,
    tick: Option<Closure<dyn FnMut()>>,
}

thread_local! {
    static SENDER: RefCell<Sender> = const {
        RefCell::new(Sender {
            mode: Mode::Waiting,
            queue: Vec::new(),
            config: None,
            fetching: false,
            interval: None,
            tick: None,
        })
    };
}

/// Queues `event`, seen in `context`. Never fails; after a panic in this module it drops.
pub fn push(context: Context, event: Event) {
    let full = SENDER.with(|sender| {
        let Ok(mut sender) = sender.try_borrow_mut() else {
            return false;
        };
        if sender.mode == Mode::Off || sender.queue.len() >= MAX_QUEUED {
            return false;
        }
        sender.queue.push((context, event));
        sender.mode == Mode::On && sender.queue.len() >= MAX_EVENTS
    });
    if full {
        flush();
    }
}

/// Sends what is queued, if collection is on.
pub fn flush() {
    let queue = SENDER.with(|sender| {
        let Ok(mut sender) = sender.try_borrow_mut() else {
            return Vec::new();
        };
        if sender.mode != Mode::On {
            return Vec::new();
        }
        std::mem::take(&mut sender.queue)
    });
    if queue.is_empty() {
        return;
    }
    let session = context::session_id();
    let batches = batches(&session, context::APP_VERSION, &queue);
    let refused = batches.iter().find(|batch| !send(&batch.body));
    if let Some(batch) = refused {
        // The browser's beacon quota is full: keep the rest for the next flush.
        let mut rest = queue;
        let rest = rest.split_off(batch.covers.start);
        SENDER.with(|sender| {
            if let Ok(mut sender) = sender.try_borrow_mut()
                && sender.mode == Mode::On
            {
                let room = MAX_QUEUED.saturating_sub(sender.queue.len());
                let mut kept: Vec<_> = rest.into_iter().take(room).collect();
                kept.append(&mut sender.queue);
                sender.queue = kept;
            }
        });
    }
}

/// One beacon; false when the browser refused it. The body is a string, which
/// `sendBeacon` sends as `text/plain;charset=UTF-8` — a simple request, no CORS preflight —
/// and which, unlike a `Blob`, DevTools (and so `end2end/tests/privacy.spec.mjs`) can read.
fn send(body: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    window
        .navigator()
        .send_beacon_with_opt_str(BEACON_URL, Some(body))
        .unwrap_or(false)
}

/// Consent given (at start or from the toggle): asks the server, or applies its known answer.
pub fn resume() {
    let known = SENDER.with_borrow_mut(|sender| {
        if sender.config.is_none() {
            sender.mode = Mode::Waiting;
        }
        sender.config.clone()
    });
    match known {
        Some(config) => apply(&config),
        None => fetch_config(),
    }
}

/// Consent withdrawn: stop, and forget what was not sent.
pub fn stop() {
    SENDER.with_borrow_mut(|sender| {
        sender.mode = Mode::Off;
        sender.queue.clear();
        if let (Some(handle), Some(window)) = (sender.interval.take(), web_sys::window()) {
            window.clear_interval_with_handle(handle);
        }
    });
}

fn fetch_config() {
    let already = SENDER.with_borrow_mut(|sender| std::mem::replace(&mut sender.fetching, true));
    if already {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let config = load_config().await;
        SENDER.with_borrow_mut(|sender| sender.fetching = false);
        match config {
            Some(config) => {
                SENDER.with_borrow_mut(|sender| sender.config = Some(config.clone()));
                apply(&config);
            }
            // No RUM on this server (404), or it could not be asked: collection is off for
            // this page load.
            None => off(),
        }
    });
}

async fn load_config() -> Option<RumClientConfig> {
    let window = web_sys::window()?;
    let response = JsFuture::from(window.fetch_with_str(CONFIG_URL))
        .await
        .ok()?
        .dyn_into::<web_sys::Response>()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    serde_json::from_str(&text).ok()
}

fn off() {
    SENDER.with_borrow_mut(|sender| {
        if sender.mode == Mode::Waiting {
            sender.mode = Mode::Off;
            sender.queue.clear();
        }
    });
}

/// The server's answer, unless consent was withdrawn meanwhile.
fn apply(config: &RumClientConfig) {
    if !super::consent::given() {
        return;
    }
    let on = config.enabled && sampled(&context::session_id(), config.sample_rate);
    if !on {
        SENDER.with_borrow_mut(|sender| {
            sender.mode = Mode::Off;
            sender.queue.clear();
        });
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    SENDER.with_borrow_mut(|sender| {
        sender.mode = Mode::On;
        if sender.interval.is_some() {
            return;
        }
        let tick = sender
            .tick
            .get_or_insert_with(|| Closure::<dyn FnMut()>::new(flush));
        let every = config.flush_interval_ms.max(MIN_FLUSH_INTERVAL_MS);
        let every = i32::try_from(every).unwrap_or(i32::MAX);
        sender.interval = window
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                every,
            )
            .ok();
    });
    // What waited for the answer leaves now.
    flush();
}

#[cfg(test)]
mod tests {
    use shared::api::rum::{
        BrowserFamily, DeviceClass, ErrorEvent, ErrorKind, ViewportBucket, Vital, VitalName,
    };

    use super::*;

    fn context(route: &str) -> Context {
        Context {
            route: route.into(),
            device: DeviceClass::Desktop,
            connection: Some("4g".into()),
            viewport: ViewportBucket::Wide,
            browser: BrowserFamily::Chromium,
        }
    }

    fn vital(value: f64) -> Event {
        Event::Vital(Vital {
            name: VitalName::Lcp,
            value,
            at_ms: value,
        })
    }

    fn big_error(chars: usize) -> Event {
        Event::Error(ErrorEvent {
            kind: ErrorKind::Error,
            message: "m".repeat(1000),
            source: "https://h/app.js".into(),
            line: 1,
            column: 1,
            stack: Some("s".repeat(chars)),
            fingerprint: String::new(),
            at_ms: 1.0,
        })
    }

    fn parse(batch: &Batch) -> Beacon {
        let mut beacon: Beacon = serde_json::from_str(&batch.body).unwrap();
        beacon.validate().unwrap();
        beacon
    }

    #[test]
    fn batches_hold_at_most_a_hundred_events() {
        let queue: Vec<_> = (0..250).map(|i| (context("/"), vital(i as f64))).collect();
        let batches = batches("0123456789abcdef", "0.1.0", &queue);
        let counts: Vec<usize> = batches.iter().map(|b| parse(b).events.len()).collect();
        assert_eq!(counts, [100, 100, 50]);
        let sent: Vec<Event> = batches.iter().flat_map(|b| parse(b).events).collect();
        let queued: Vec<Event> = queue.into_iter().map(|(_, e)| e).collect();
        assert_eq!(sent, queued);
        assert_eq!(batches[2].covers, 200..250);
    }

    #[test]
    fn batches_stay_under_64_kib() {
        // 8 kB stacks: about seven events per beacon.
        let queue: Vec<_> = (0..40).map(|_| (context("/"), big_error(8_000))).collect();
        let batches = batches("0123456789abcdef", "0.1.0", &queue);
        assert!(batches.len() >= 5, "{} beacons", batches.len());
        for batch in &batches {
            assert!(batch.body.len() <= MAX_BEACON_BYTES, "{}", batch.body.len());
        }
        // Nothing lost, nothing repeated, in order.
        let total: usize = batches.iter().map(|b| parse(b).events.len()).sum();
        assert_eq!(total, 40);
        for pair in batches.windows(2) {
            assert_eq!(pair[0].covers.end, pair[1].covers.start);
        }
        // A beacon is full: one more event would not have fitted.
        let first = &batches[0];
        let one_more = first.body.len() + 1 + serde_json::to_string(&queue[0].1).unwrap().len();
        assert!(one_more > MAX_BEACON_BYTES);
    }

    #[test]
    fn an_event_too_large_for_any_beacon_is_skipped() {
        let queue = vec![
            (context("/"), vital(1.0)),
            (context("/"), big_error(70_000)),
            (context("/"), vital(2.0)),
        ];
        let batches = batches("0123456789abcdef", "0.1.0", &queue);
        assert_eq!(batches.len(), 1);
        assert_eq!(parse(&batches[0]).events, vec![vital(1.0), vital(2.0)]);
        assert_eq!(batches[0].covers, 0..3);
    }

    #[test]
    fn each_beacon_has_one_context() {
        let queue = vec![
            (context("/"), vital(1.0)),
            (context("/"), vital(2.0)),
            (context("/drift"), vital(3.0)),
            (context("/"), vital(4.0)),
        ];
        let beacons: Vec<Beacon> = batches("0123456789abcdef", "0.1.0", &queue)
            .iter()
            .map(parse)
            .collect();
        let shape: Vec<(String, usize)> = beacons
            .iter()
            .map(|b| (b.context.route.clone(), b.events.len()))
            .collect();
        assert_eq!(
            shape,
            [("/".into(), 2), ("/drift".into(), 1), ("/".into(), 1)]
        );
        assert_eq!(beacons[0].session, "0123456789abcdef");
    }

    #[test]
    fn sampling_is_decided_once_per_session() {
        let ids: Vec<String> = (0..10_000u32)
            .map(|i| {
                context::session_id_from(&[
                    (i >> 8) as u8,
                    i as u8,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                    7,
                ])
            })
            .collect();
        assert!(ids.iter().all(|id| sampled(id, 1.0)));
        assert!(ids.iter().all(|id| !sampled(id, 0.0)));
        assert!(ids.iter().all(|id| !sampled(id, f64::NAN)));
        let share = ids.iter().filter(|id| sampled(id, 0.25)).count() as f64 / ids.len() as f64;
        assert!((share - 0.25).abs() < 0.02, "{share}");
        // The same session always gets the same answer, and a lower rate samples a subset.
        for id in &ids[..100] {
            assert_eq!(sampled(id, 0.5), sampled(id, 0.5));
            assert!(!sampled(id, 0.1) || sampled(id, 0.5));
        }
    }

    #[test]
    fn the_servers_config_reads() {
        let config: RumClientConfig =
            serde_json::from_str(r#"{"enabled":true,"sample_rate":0.5,"flush_interval_ms":10000}"#)
                .unwrap();
        assert_eq!(
            config,
            RumClientConfig {
                enabled: true,
                sample_rate: 0.5,
                flush_interval_ms: 10_000
            }
        );
    }
}
