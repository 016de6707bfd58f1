//! From a firing alert to a real local webhook receiver: routing, grouping (nothing sent twice
//! within a group interval), the outbox across a receiver outage and a server restart (nothing
//! lost, nothing doubled), resolution, silences and inhibition. The engine and the dispatcher
//! are stepped at instants the test chooses.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use server::alerting::dispatch::{Dispatcher, RouteConfig, Timing, default_inhibit_rules};
use server::alerting::engine::Engine;
use server::alerting::notify::ChannelSpec;
use server::alerting::rules::RuleConfig;
use server::storage::{SilenceRow, Store};
use server::telemetry::metrics as names;

use super::{MINUTE, SECOND, T0, rules, sqlite_store, write};

/// A webhook receiver on 127.0.0.1:0 that records what it accepts (body and idempotency key)
/// and answers 503 while `down`.
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    down: Arc<AtomicBool>,
}

impl Receiver {
    async fn start() -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let down = Arc::new(AtomicBool::new(false));
        let (r, d) = (received.clone(), down.clone());
        let router = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: String| {
                let (r, d) = (r.clone(), d.clone());
                async move {
                    if d.load(Ordering::SeqCst) {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let key = headers
                        .get("idempotency-key")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    r.lock().expect("received").push((key, body));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            received,
            down,
        }
    }

    fn received(&self) -> Vec<(String, Value)> {
        self.received.lock().expect("received").clone()
    }
}

/// The engine with only `enabled` rules, and a dispatcher sending everything to the receiver.
fn pipeline(
    store: &Store,
    receiver: &Receiver,
    enabled: &[&str],
    tables: &[RuleConfig],
) -> (Engine, Dispatcher) {
    let rules = rules(tables)
        .into_iter()
        .map(|mut r| {
            r.enabled = enabled.contains(&r.name.as_str());
            r
        })
        .collect();
    let engine = Engine::new(
        rules,
        store.clone(),
        None,
        None,
        std::time::Duration::from_secs(15),
    );
    let channel: ChannelSpec = serde_json::from_value(serde_json::json!({
        "name": "oncall", "kind": "webhook", "timeout_seconds": 5, "webhook": {"url": receiver.url},
    }))
    .expect("channel");
    let routes = [RouteConfig {
        channel: "oncall".into(),
        matchers: Vec::new(),
        continue_matching: false,
    }];
    let timing = Timing {
        group_wait_ms: 0,
        group_interval_ms: MINUTE,
        repeat_interval_ms: 60 * MINUTE,
    };
    let dispatcher = Dispatcher::new(
        &[channel],
        &routes,
        &default_inhibit_rules(),
        timing,
        "https://csv.example.org",
        store.clone(),
        engine.clone(),
    )
    .expect("dispatcher");
    (engine, dispatcher)
}

async fn tick(engine: &Engine, dispatcher: &Dispatcher, at: i64) {
    engine.step(at).await.expect("evaluate");
    dispatcher.step(at).await.expect("queue");
    dispatcher.deliver(at).await.expect("deliver");
}

async fn errors(store: &Store, points: &[(i64, f64, f64)]) {
    let ok: Vec<(i64, f64)> = points.iter().map(|(t, ok, _)| (*t, *ok)).collect();
    let bad: Vec<(i64, f64)> = points.iter().map(|(t, _, e)| (*t, *e)).collect();
    write(
        store,
        names::HTTP_REQUESTS_TOTAL,
        &[("method", "GET"), ("route", "/"), ("status_class", "2xx")],
        &ok,
    )
    .await;
    write(
        store,
        names::HTTP_REQUESTS_TOTAL,
        &[("method", "GET"), ("route", "/"), ("status_class", "5xx")],
        &bad,
    )
    .await;
}

#[tokio::test]
async fn a_firing_alert_is_notified_once_per_group_interval_and_its_resolution_once() {
    let (store, _dir) = sqlite_store().await;
    let receiver = Receiver::start().await;
    errors(
        &store,
        &[
            (T0 - 5 * MINUTE, 0.0, 0.0),
            (T0, 90.0, 10.0),
            (T0 + 10 * MINUTE, 190.0, 10.0),
        ],
    )
    .await;
    let (engine, dispatcher) = pipeline(&store, &receiver, &["HighErrorRate"], &[]);

    tick(&engine, &dispatcher, T0).await;
    let got = receiver.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let (key, body) = &got[0];
    assert!(!key.is_empty(), "an idempotency key");
    assert_eq!(body["version"], "4");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["receiver"], "oncall");
    assert_eq!(body["groupLabels"]["alertname"], "HighErrorRate");
    assert_eq!(body["alerts"][0]["labels"]["severity"], "critical");
    assert_eq!(body["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
    assert!(
        body["alerts"][0]["generatorURL"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://csv.example.org/alerts#"))
    );

    // Still firing, unchanged: nothing more within the repeat interval.
    for s in [15, 30, 45, 60, 120] {
        tick(&engine, &dispatcher, T0 + s * SECOND).await;
    }
    assert_eq!(receiver.received().len(), 1);

    // Resolved (no error in the 5 minutes before T0 + 10 min): one resolution, then silence.
    tick(&engine, &dispatcher, T0 + 10 * MINUTE).await;
    let got = receiver.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].1["status"], "resolved");
    assert_ne!(got[1].1["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
    tick(&engine, &dispatcher, T0 + 20 * MINUTE).await;
    assert_eq!(receiver.received().len(), 2);
    assert!(
        store.alerts().groups().await.expect("groups").is_empty(),
        "the group is over"
    );
}

#[tokio::test]
async fn a_receiver_outage_and_a_server_restart_lose_nothing_and_send_nothing_twice() {
    let (store, _dir) = sqlite_store().await;
    let receiver = Receiver::start().await;
    receiver.down.store(true, Ordering::SeqCst);
    errors(
        &store,
        &[
            (T0 - 5 * MINUTE, 0.0, 0.0),
            (T0, 90.0, 10.0),
            (T0 + 5 * MINUTE, 180.0, 20.0),
        ],
    )
    .await;
    let (engine, dispatcher) = pipeline(&store, &receiver, &["HighErrorRate"], &[]);
    tick(&engine, &dispatcher, T0).await;
    let outbox = store.alerts().outbox(10).await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].state.as_str(), outbox[0].attempts),
        ("pending", 1)
    );
    assert!(
        outbox[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("503")),
        "{outbox:?}"
    );
    assert_eq!(outbox[0].next_attempt_ms, T0 + SECOND, "retried after 1 s");
    // Not due yet; then tried again and backing off: 2 s, then 4 s.
    assert_eq!(
        dispatcher.deliver(T0 + 500).await.expect("deliver").retried,
        0
    );
    assert_eq!(
        dispatcher
            .deliver(T0 + SECOND)
            .await
            .expect("deliver")
            .retried,
        1
    );
    assert_eq!(
        store.alerts().outbox(10).await.expect("outbox")[0].next_attempt_ms,
        T0 + 3 * SECOND
    );

    // The server restarts (a new engine and dispatcher over the same database) while the
    // receiver is down; then the receiver comes back.
    drop((engine, dispatcher));
    let (engine, dispatcher) = pipeline(&store, &receiver, &["HighErrorRate"], &[]);
    engine.load().await.expect("load");
    receiver.down.store(false, Ordering::SeqCst);
    for s in [15, 30, 45] {
        tick(&engine, &dispatcher, T0 + s * SECOND).await;
    }
    let got = receiver.received();
    assert_eq!(
        got.len(),
        1,
        "delivered once, not queued again after the restart: {got:?}"
    );
    assert_eq!(
        got[0].0, outbox[0].id,
        "the outbox row's id is the idempotency key"
    );
    let outbox = store.alerts().outbox(10).await.expect("outbox");
    assert_eq!((outbox.len(), outbox[0].state.as_str()), (1, "sent"));
}

#[tokio::test]
async fn silenced_and_inhibited_alerts_are_not_notified() {
    let (store, _dir) = sqlite_store().await;
    let receiver = Receiver::start().await;
    // Errors and slowness at once: HighErrorRate holds HighLatency (the default inhibit rule).
    errors(&store, &[(T0 - 5 * MINUTE, 0.0, 0.0), (T0, 90.0, 10.0)]).await;
    let ok = [("method", "GET"), ("route", "/"), ("status_class", "2xx")];
    write(
        &store,
        names::HTTP_REQUEST_DURATION_SECONDS_SUM,
        &ok,
        &[(T0 - MINUTE, 0.0), (T0, 90.0)],
    )
    .await;
    write(
        &store,
        names::HTTP_REQUEST_DURATION_SECONDS_COUNT,
        &ok,
        &[(T0 - MINUTE, 0.0), (T0, 90.0)],
    )
    .await;
    // The Watchdog is silenced.
    store
        .alerts()
        .insert_silence(&SilenceRow {
            id: "s1".into(),
            matchers: r#"[{"name":"alertname","value":"Watchdog","isRegex":false,"isEqual":true}]"#
                .into(),
            starts_ms: T0 - MINUTE,
            ends_ms: T0 + 60 * MINUTE,
            created_by: "alice".into(),
            comment: "known".into(),
            created_ms: T0 - MINUTE,
        })
        .await
        .expect("silence");
    let (engine, dispatcher) = pipeline(
        &store,
        &receiver,
        &["HighErrorRate", "HighLatency", "Watchdog"],
        &[],
    );
    tick(&engine, &dispatcher, T0).await;
    let names: Vec<String> = receiver
        .received()
        .iter()
        .map(|(_, body)| {
            body["groupLabels"]["alertname"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        ["HighErrorRate"],
        "HighLatency inhibited, Watchdog silenced"
    );
}
