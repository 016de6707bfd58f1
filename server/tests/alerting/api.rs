//! The alerting API on a real server (127.0.0.1:0, a SQLite file): Alertmanager's alert list,
//! rules with their health, history, acknowledgement and silences, with token auth on changes
//! and JSON errors for bad input. The engine is stepped by the test at the wall clock.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{Value, json};
use server::auth::tokens;
use server::config::Config;
use server::storage::Store;
use server::telemetry::metrics::Metrics;
use server::{AppState, app};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

struct Server {
    base: String,
    state: AppState,
    store: Store,
    client: reqwest::Client,
    token: String,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Server {
    async fn start() -> Server {
        Self::start_with(|_| {}).await
    }

    async fn start_with(configure: impl FnOnce(&mut Config)) -> Server {
        let dist = tempfile::tempdir().expect("dist");
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><title>app</title>",
        )
        .expect("index");
        let data = tempfile::tempdir().expect("data");
        let url = format!("sqlite://{}", data.path().join("a.db").display());
        let mut config = Config {
            dist_dir: dist.path().to_path_buf(),
            database_url: url.clone(),
            ..Config::default()
        };
        config.synthetic.enabled = false;
        // The test steps the engine itself.
        config.alerting.enabled = false;
        configure(&mut config);
        let store = Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let state = AppState::new(config, store.clone(), Arc::new(Metrics::new(8))).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let router = app(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let token = tokens::generate().expect("token");
        assert!(
            store
                .api_tokens()
                .create("oncall-bot", &tokens::hash(&token), "responder", 1)
                .await
                .expect("token")
        );
        Server {
            base: format!("http://{addr}"),
            state,
            store,
            client: reqwest::Client::new(),
            token,
            _dirs: (dist, data),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: bool,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if token {
            request = request.bearer_auth(&self.token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn firing_alerts_are_listed_as_alertmanager_lists_them() {
    let server = Server::start().await;
    // Nothing evaluated yet.
    assert_eq!(server.get("/api/alerts").await, (200, json!([])));
    let now = now_ms();
    server.state.alerts().step(now).await.expect("step");

    let (status, alerts) = server.get("/api/alerts").await;
    assert_eq!(status, 200);
    let watchdog = alerts
        .as_array()
        .expect("array")
        .iter()
        .find(|a| a["labels"]["alertname"] == "Watchdog")
        .unwrap_or_else(|| panic!("the Watchdog fires: {alerts}"));
    for key in [
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "updatedAt",
        "fingerprint",
        "status",
        "receivers",
        "generatorURL",
    ] {
        assert!(
            watchdog.get(key).is_some(),
            "Alertmanager's `{key}`: {watchdog}"
        );
    }
    assert_eq!(
        watchdog["status"],
        json!({"state": "active", "silencedBy": [], "inhibitedBy": []})
    );
    assert_eq!(watchdog["labels"]["severity"], "info");
    assert_eq!(
        watchdog["annotations"]["summary"],
        "Always firing: the alerting pipeline works"
    );
    // No traffic at all: the ratio rules have no data, and are not firing.
    assert!(
        alerts
            .as_array()
            .expect("array")
            .iter()
            .all(|a| a["labels"]["alertname"] != "HighErrorRate")
    );
    let (_, rules) = server.get("/api/alerts/rules").await;
    let error_rule = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["name"] == "HighErrorRate")
        .expect("rule");
    assert_eq!(error_rule["threshold"], 0.02);
    assert_eq!(error_rule["status"]["health"], "no_data");
    let (_, history) = server.get("/api/alerts/history").await;
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["rule"] == "Watchdog" && h["phase"] == "firing")
    );

    // Filters are label matchers.
    let (_, only) = server
        .get("/api/alerts?filter=alertname%3D%22Nope%22")
        .await;
    assert_eq!(only, json!([]));
    let (status, error) = server.get("/api/alerts?filter=nonsense").await;
    assert_eq!(status, 400, "{error}");
    assert!(
        error["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not a matcher")),
        "{error}"
    );
}

#[tokio::test]
async fn acknowledgement_and_silences_need_a_token_and_show_on_the_alert() {
    let server = Server::start().await;
    server.state.alerts().step(now_ms()).await.expect("step");
    let (_, alerts) = server.get("/api/alerts").await;
    let fingerprint = alerts[0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();

    let ack = format!("/api/alerts/{fingerprint}/ack");
    let (status, _) = server.send(reqwest::Method::POST, &ack, None, false).await;
    assert_eq!(status, 401);
    let (status, _) = server
        .send(
            reqwest::Method::POST,
            &ack,
            Some(json!({"by": "alice"})),
            true,
        )
        .await;
    assert_eq!(status, 204);
    let (_, alerts) = server.get("/api/alerts").await;
    assert_eq!(alerts[0]["acknowledgedBy"], "alice");
    let (status, _) = server
        .send(
            reqwest::Method::POST,
            "/api/alerts/0000000000000000/ack",
            None,
            true,
        )
        .await;
    assert_eq!(status, 404);

    let now = chrono::DateTime::from_timestamp_millis(now_ms()).expect("now");
    let silence = json!({
        "matchers": [{"name": "alertname", "value": "Watch.*", "isRegex": true, "isEqual": true}],
        "startsAt": (now - chrono::Duration::minutes(1)).to_rfc3339(),
        "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
        "createdBy": "alice",
        "comment": "<b>known</b>",
    });
    let (status, _) = server
        .send(
            reqwest::Method::POST,
            "/api/silences",
            Some(silence.clone()),
            false,
        )
        .await;
    assert_eq!(status, 401);
    let (status, created) = server
        .send(
            reqwest::Method::POST,
            "/api/silences",
            Some(silence.clone()),
            true,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["silenceID"].as_str().expect("id").to_string();

    let (_, alerts) = server.get("/api/alerts").await;
    assert_eq!(alerts[0]["status"]["state"], "suppressed");
    assert_eq!(alerts[0]["status"]["silencedBy"], json!([id]));
    let (_, active_only) = server.get("/api/alerts?silenced=false").await;
    assert_eq!(active_only, json!([]));
    let (_, silences) = server.get("/api/silences").await;
    assert_eq!(silences[0]["status"]["state"], "active");
    assert_eq!(silences[0]["comment"], "<b>known</b>");

    // Bad silences are refused with the reason.
    for (body, reason) in [
        (
            json!({"matchers": [], "startsAt": now.to_rfc3339(), "endsAt": now.to_rfc3339(), "createdBy": "a", "comment": "c"}),
            "at least one matcher",
        ),
        (
            json!({"matchers": [{"name": "a", "value": "("  , "isRegex": true}], "startsAt": now.to_rfc3339(), "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(), "createdBy": "a", "comment": "c"}),
            "regex",
        ),
        (
            json!({"matchers": [{"name": "a", "value": "b"}], "startsAt": "yesterday", "endsAt": now.to_rfc3339(), "createdBy": "a", "comment": "c"}),
            "startsAt",
        ),
        (
            json!({"matchers": [{"name": "a", "value": "b"}], "startsAt": now.to_rfc3339(), "endsAt": (now - chrono::Duration::hours(1)).to_rfc3339(), "createdBy": "a", "comment": "c"}),
            "after",
        ),
        (
            json!({"matchers": [{"name": "a", "value": "b"}], "startsAt": now.to_rfc3339(), "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(), "createdBy": " ", "comment": "c"}),
            "createdBy",
        ),
    ] {
        let (status, error) = server
            .send(reqwest::Method::POST, "/api/silences", Some(body), true)
            .await;
        assert_eq!(status, 400, "{error}");
        assert!(
            error["detail"].as_str().is_some_and(|d| d.contains(reason)),
            "{reason}: {error}"
        );
    }

    // Ended: the alert is active again; the silence is listed as expired.
    let (status, _) = server
        .send(
            reqwest::Method::DELETE,
            &format!("/api/silences/{id}"),
            None,
            true,
        )
        .await;
    assert_eq!(status, 204);
    let (_, alerts) = server.get("/api/alerts").await;
    assert_eq!(alerts[0]["status"]["state"], "active");
    let (_, current) = server.get("/api/silences").await;
    assert_eq!(current, json!([]));
    let (_, all) = server.get("/api/silences?expired=true").await;
    assert_eq!(all[0]["status"]["state"], "expired");
    let (status, _) = server
        .send(reqwest::Method::DELETE, "/api/silences/nope", None, true)
        .await;
    assert_eq!(status, 404);
    drop(server.store);
}

#[tokio::test]
async fn the_alerts_page_shows_firing_alerts_changes_and_rules_without_javascript() {
    let server = Server::start().await;
    server.state.alerts().step(now_ms()).await.expect("step");
    let response = server
        .client
        .get(format!("{}/alerts", server.base))
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/html")
    );
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap_or("")
        .to_string();
    let html = response.text().await.expect("html");
    assert!(html.contains("1 firing, 0 pending, 0 silenced"), "{html}");
    assert!(
        html.contains("<h3>Watchdog <span class=\"severity\">info</span></h3>"),
        "{html}"
    );
    assert!(
        html.contains("inactive → <span class=\"p-firing\">firing</span>"),
        "{html}"
    );
    assert!(
        html.contains("http_error_ratio (ratio, 300 s) &gt; 0.02"),
        "{html}"
    );
    assert!(
        html.contains("no data — 0 requests in the window, fewer than 20"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "no script, no inline style"
    );
    assert!(csp.contains("default-src"), "{csp}");
    let css = server
        .client
        .get(format!("{}/alerts/alerts.css", server.base))
        .send()
        .await
        .expect("css");
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn alertmanager_webhooks_feed_the_same_alert_list_and_history() {
    let server = Server::start().await;
    let example: Value =
        serde_json::from_str(include_str!("../notify/alertmanager_v4_example.json"))
            .expect("Alertmanager's documented example");
    let (status, _) = server
        .send(
            reqwest::Method::POST,
            "/api/alertmanager/webhook",
            Some(example.clone()),
            false,
        )
        .await;
    assert_eq!(status, 401);
    let (status, receipt) = server
        .send(
            reqwest::Method::POST,
            "/api/alertmanager/webhook",
            Some(example.clone()),
            true,
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(
        receipt,
        json!({"received": example["alerts"].as_array().map_or(0, Vec::len), "changed": example["alerts"].as_array().map_or(0, Vec::len), "own": 0})
    );

    let (_, alerts) = server.get("/api/alerts").await;
    let web1 = alerts
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["fingerprint"] == "1a30ba71cca2921f")
        .unwrap_or_else(|| panic!("the firing alert is listed: {alerts}"));
    assert_eq!(web1["labels"]["instance"], "web-1:8080");
    assert_eq!(
        web1["annotations"]["summary"],
        "5.2% of requests fail on web-1"
    );
    assert_eq!(web1["startsAt"], "2026-11-26T14:58:00.828Z");
    assert!(
        alerts
            .as_array()
            .expect("alerts")
            .iter()
            .all(|a| a["labels"]["instance"] != "web-2:8080"),
        "the resolved one is not firing"
    );

    // The engine's evaluation leaves received alerts alone.
    server.state.alerts().load().await.expect("load");
    server.state.alerts().step(now_ms()).await.expect("step");
    let (_, alerts) = server.get("/api/alerts").await;
    assert!(
        alerts
            .as_array()
            .expect("alerts")
            .iter()
            .any(|a| a["fingerprint"] == "1a30ba71cca2921f")
    );

    // Resolved by the next webhook: noted once in the history.
    let mut resolved = example.clone();
    resolved["status"] = json!("resolved");
    for alert in resolved["alerts"].as_array_mut().expect("alerts") {
        alert["status"] = json!("resolved");
        alert["endsAt"] = json!("2026-11-26T15:10:00Z");
    }
    let (status, receipt) = server
        .send(
            reqwest::Method::POST,
            "/api/alertmanager/webhook",
            Some(resolved.clone()),
            true,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(receipt["changed"], 1, "only web-1 changed: {receipt}");
    let (_, alerts) = server.get("/api/alerts").await;
    assert!(
        alerts
            .as_array()
            .expect("alerts")
            .iter()
            .all(|a| a["fingerprint"] != "1a30ba71cca2921f")
    );
    let (_, history) = server.get("/api/alerts/history").await;
    let web1: Vec<(&str, &str)> = history
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["fingerprint"] == "1a30ba71cca2921f")
        .map(|h| {
            (
                h["previous"].as_str().unwrap_or(""),
                h["phase"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(web1, [("firing", "resolved"), ("inactive", "firing")]);

    let mut wrong = example.clone();
    wrong["version"] = json!("3");
    let (status, error) = server
        .send(
            reqwest::Method::POST,
            "/api/alertmanager/webhook",
            Some(wrong),
            true,
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        error["detail"]
            .as_str()
            .is_some_and(|d| d.contains("version")),
        "{error}"
    );
}

#[tokio::test]
async fn a_test_notification_reaches_the_channel_and_the_outbox_is_listed() {
    // A receiver that records what it gets.
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let sink = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock()
                    .expect("got")
                    .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let hook = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let dead = format!("http://{}/hook", closed.local_addr().expect("addr"));
    drop(closed);
    let server = Server::start_with(|config| {
        config.alerting.channels = vec![
            serde_json::from_value(json!({"name": "ops", "kind": "webhook", "webhook": {"url": hook}})).expect("channel"),
            serde_json::from_value(json!({"name": "gone", "kind": "webhook", "timeout_seconds": 2, "webhook": {"url": dead}})).expect("channel"),
        ];
        config.alerting.routes = vec![serde_json::from_value(json!({"channel": "ops"})).expect("route")];
        config.alerting.group_wait_seconds = 0;
    })
    .await;

    let (status, _) = server
        .send(
            reqwest::Method::POST,
            "/api/alerts/channels/ops/test",
            None,
            false,
        )
        .await;
    assert_eq!(status, 401);
    let (status, result) = server
        .send(
            reqwest::Method::POST,
            "/api/alerts/channels/ops/test",
            None,
            true,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        result,
        json!({"channel": "ops", "delivered": true, "error": null})
    );
    assert_eq!(
        got.lock().expect("got")[0]["alerts"][0]["labels"]["alertname"],
        "TestNotification"
    );
    let (_, result) = server
        .send(
            reqwest::Method::POST,
            "/api/alerts/channels/gone/test",
            None,
            true,
        )
        .await;
    assert_eq!(result["delivered"], false, "{result}");
    assert!(
        result["error"].as_str().is_some_and(|e| !e.contains(&dead)),
        "no URL in errors: {result}"
    );
    let (status, _) = server
        .send(
            reqwest::Method::POST,
            "/api/alerts/channels/nope/test",
            None,
            true,
        )
        .await;
    assert_eq!(status, 404);

    // The Watchdog fires, is routed to `ops`, queued and sent; the outbox lists it.
    let now = now_ms();
    server.state.alerts().step(now).await.expect("step");
    assert_eq!(server.state.dispatcher().step(now).await.expect("queue"), 1);
    server
        .state
        .dispatcher()
        .deliver(now)
        .await
        .expect("deliver");
    let (status, outbox) = server
        .send(reqwest::Method::GET, "/api/notifications", None, true)
        .await;
    assert_eq!(status, 200);
    assert_eq!(outbox[0]["channel"], "ops");
    assert_eq!(outbox[0]["state"], "sent");
    assert_eq!(outbox[0]["status"], "firing");
    assert_eq!(got.lock().expect("got").len(), 2);
}
