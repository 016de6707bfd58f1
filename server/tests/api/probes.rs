//! `/api/probes` on the real server (`startup::run`) against each engine: definitions from the
//! configuration file (read-only: 409) and from the API (token needed: 401), secrets never
//! answered, the probes actually running (state, uptime, results, `/metrics`), changes kept
//! across a restart.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use server::auth::tokens;
use server::probes::ProbeSpec;
use server::storage::Store;

use super::postgres::{TempDatabase, postgres_or_skip};
use super::running::{Running, metrics_text};
use super::targets::{SECRET_HEADER, spawn_http_target};

const CONFIG_SECRET: &str = "cfg-secret-123";
const URL_PASSWORD: &str = "url-pass-789";
const BODY_SECRET: &str = "body-secret-456";

fn config_probe(base: &str) -> ProbeSpec {
    let url = base.replace("http://", &format!("http://probe:{URL_PASSWORD}@"));
    serde_json::from_value(json!({
        "name": "config-app",
        "kind": "http",
        "interval_seconds": 1,
        "timeout_ms": 800,
        "http": {"url": format!("{url}/ok"), "headers": {"X-Api-Key": CONFIG_SECRET}},
        "assertions": {"status": ["2xx"], "body_contains": "hello"},
    }))
    .expect("a probe")
}

fn api_probe(base: &str) -> Value {
    json!({
        "name": "api-auth",
        "kind": "http",
        "interval_seconds": 1,
        "timeout_ms": 800,
        "http": {
            "url": format!("{base}/auth"),
            "method": "POST",
            "headers": {"Authorization": SECRET_HEADER},
            "body": BODY_SECRET,
        },
    })
}

fn assert_no_secret(text: &str) {
    for secret in [CONFIG_SECRET, URL_PASSWORD, BODY_SECRET, SECRET_HEADER] {
        assert!(
            !text.contains(secret),
            "a secret ({secret}) was answered: {text}"
        );
    }
}

async fn start(database_url: &str, data: tempfile::TempDir, target: &str) -> Running {
    let probe = config_probe(target);
    Running::start_with(database_url, data, move |config| {
        config.probes = vec![probe]
    })
    .await
}

/// A token stored straight in the server's database.
async fn token(database_url: &str, name: &str, revoked: bool) -> String {
    let store = Store::connect(database_url)
        .await
        .expect("the server's database");
    let token = tokens::generate().expect("token");
    assert!(
        store
            .api_tokens()
            .create(name, &tokens::hash(&token), "responder", 1)
            .await
            .expect("create")
    );
    if revoked {
        assert!(store.api_tokens().revoke(name, 2).await.expect("revoke"));
    }
    store.close().await;
    token
}

async fn get_json(server: &Running, path: &str) -> (StatusCode, Value) {
    let response = reqwest::get(server.url(path)).await.expect("answer");
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_no_secret(&text);
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}")),
    )
}

/// Sends `body` with `method` and an optional bearer token; the answer's status and JSON.
async fn send(
    server: &Running,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new().request(method, server.url(path));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("answer");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    assert_no_secret(&text);
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON")
    };
    (status, value, headers)
}

/// Polls `GET /api/probes/{id}` until `check` holds (10 s at most).
async fn wait_for(server: &Running, id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, probe) = get_json(server, &format!("/api/probes/{id}")).await;
        if status == 200 && check(&probe) {
            return probe;
        }
        last = probe;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id}: {what} did not happen: {last}");
}

async fn scenario(database_url: &str) {
    let target = spawn_http_target().await;
    let server = start(
        database_url,
        tempfile::tempdir().expect("data"),
        &target.base,
    )
    .await;
    let db = server.database_url.clone();
    let valid = token(&db, "ci", false).await;
    let revoked = token(&db, "old", true).await;

    // The configuration's probe: listed, redacted, running.
    let (status, list) = get_json(&server, "/api/probes").await;
    assert_eq!(status, 200);
    let probe = &list["probes"][0];
    assert_eq!(probe["id"], "config-app");
    assert_eq!(probe["source"], "config");
    assert_eq!(probe["definition"]["http"]["headers"]["X-Api-Key"], "***");
    let url = probe["definition"]["http"]["url"].as_str().expect("url");
    assert!(url.starts_with("http://probe:***@127.0.0.1:"), "{url}");
    let up = wait_for(&server, "config-app", "a successful run", |p| {
        p["state"] == "up"
    })
    .await;
    assert_eq!(up["uptime"]["24h"], 1.0);
    assert_eq!(up["uptime"]["90d"], 1.0);
    assert_eq!(up["latest"][0]["location"], "local");
    assert_eq!(up["latest"][0]["failure"], Value::Null);
    assert_eq!(up["latest"][0]["timings"][0]["step"], "response");

    // Changes need a valid token.
    let body = || Some(api_probe(&target.base).to_string());
    for bad in [None, Some("csva_not-a-token"), Some(revoked.as_str())] {
        let (status, error, headers) =
            send(&server, reqwest::Method::POST, "/api/probes", bad, body()).await;
        assert_eq!(status, 401, "{bad:?}");
        assert_eq!(error["error"], "unauthorized");
        assert!(error["detail"].is_string());
        assert!(
            headers["www-authenticate"]
                .to_str()
                .expect("ascii")
                .starts_with("Bearer")
        );
    }
    let response = reqwest::Client::new()
        .post(server.url("/api/probes"))
        .header("authorization", format!("Basic {valid}"))
        .body(body().expect("body"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 401, "only Bearer");

    // Defined through the API: 201, redacted, and it runs with its real secrets.
    let (status, created, _) = send(
        &server,
        reqwest::Method::POST,
        "/api/probes",
        Some(&valid),
        body(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["source"], "api");
    assert_eq!(
        created["definition"]["http"]["headers"]["Authorization"],
        "***"
    );
    assert_eq!(created["definition"]["http"]["body"], "***");
    wait_for(
        &server,
        "api-auth",
        "a successful run with the secret header",
        |p| p["state"] == "up",
    )
    .await;

    // Refusals.
    let (status, error, _) = send(
        &server,
        reqwest::Method::POST,
        "/api/probes",
        Some(&valid),
        body(),
    )
    .await;
    assert_eq!(
        (status.as_u16(), error["error"].as_str()),
        (409, Some("conflict"))
    );
    let mut clash = api_probe(&target.base);
    clash["name"] = json!("config-app");
    let (status, error, _) = send(
        &server,
        reqwest::Method::POST,
        "/api/probes",
        Some(&valid),
        Some(clash.to_string()),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        error["detail"]
            .as_str()
            .expect("detail")
            .contains("configuration file"),
        "{error}"
    );
    for (bad, why) in [
        ("{not json".to_string(), "as JSON"),
        (
            json!({"name": "x", "kind": "http", "http": {"url": "http://h/"}, "colour": 1})
                .to_string(),
            "unknown field",
        ),
        (
            json!({"name": "x", "kind": "http", "http": {"url": "ftp://h/"}}).to_string(),
            "http://",
        ),
        (
            json!({"name": "x", "kind": "tcp", "tcp": {"address": "nowhere"}}).to_string(),
            "host:port",
        ),
        (
            json!({"name": "x y", "kind": "dns", "dns": {"name": "localhost"}}).to_string(),
            "probe `x y`",
        ),
    ] {
        let (status, error, _) = send(
            &server,
            reqwest::Method::POST,
            "/api/probes",
            Some(&valid),
            Some(bad.clone()),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(error["error"], "bad_request");
        assert!(
            error["detail"].as_str().expect("detail").contains(why),
            "{why}: {error}"
        );
    }
    let config_path = "/api/probes/config-app";
    let (status, _, _) = send(
        &server,
        reqwest::Method::PUT,
        config_path,
        Some(&valid),
        Some(clash.to_string()),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _, _) = send(
        &server,
        reqwest::Method::DELETE,
        config_path,
        Some(&valid),
        None,
    )
    .await;
    assert_eq!(status, 409);
    let (status, _, _) = send(&server, reqwest::Method::DELETE, config_path, None, None).await;
    assert_eq!(status, 401, "the token is checked first");
    let (status, _, _) = send(
        &server,
        reqwest::Method::PUT,
        "/api/probes/ghost",
        Some(&valid),
        Some(clash.to_string()),
    )
    .await;
    assert_eq!(status, 404);
    let (status, error, _) = send(
        &server,
        reqwest::Method::PUT,
        "/api/probes/api-auth",
        Some(&valid),
        Some(clash.to_string()),
    )
    .await;
    assert_eq!(status, 400, "{error}");

    // An update sent back as read (secrets `***`) keeps the secrets.
    let (_, current) = get_json(&server, "/api/probes/api-auth").await;
    let mut update = current["definition"].clone();
    update["interval_seconds"] = json!(2);
    update["timeout_ms"] = json!(700);
    let (status, replaced, _) = send(
        &server,
        reqwest::Method::PUT,
        "/api/probes/api-auth",
        Some(&valid),
        Some(update.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["definition"]["interval_seconds"], 2);
    let store = Store::connect(&db).await.expect("database");
    let stored = store.probe_definitions().list().await.expect("definitions");
    assert_eq!(stored.len(), 1, "only the API's probe is stored");
    assert!(
        stored[0].definition.contains(SECRET_HEADER) && stored[0].definition.contains(BODY_SECRET)
    );
    let before = store
        .probe_results()
        .since("api-auth", 0, 10_000)
        .await
        .expect("results")
        .len();
    store.close().await;

    // Results.
    for (query, why) in [
        ("since=yesterday", "RFC 3339"),
        ("since=2026-13-01T00:00:00Z", "RFC 3339"),
        ("limit=0", "limit"),
        ("limit=lots", "limit"),
    ] {
        let (status, error) =
            get_json(&server, &format!("/api/probes/config-app/results?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(
            error["detail"].as_str().expect("detail").contains(why),
            "{error}"
        );
    }
    let (status, _) = get_json(&server, "/api/probes/ghost/results").await;
    assert_eq!(status, 404);
    let path = "/api/probes/config-app/results?since=2000-01-01T00:00:00%2B02:00&limit=2";
    let mut results = Value::Null;
    for _ in 0..50 {
        let (status, answer) = get_json(&server, path).await;
        assert_eq!(status, 200);
        results = answer;
        if results["results"].as_array().is_some_and(|r| r.len() == 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(results["id"], "config-app");
    let results = results["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert!(
        results[0]["started_at"]
            .as_str()
            .expect("time")
            .ends_with('Z')
    );
    assert!(results[0]["started_at"].as_str() <= results[1]["started_at"].as_str());
    assert_eq!(results[0]["success"], true);
    assert!(results[0]["duration_ms"].as_f64().expect("ms") > 0.0);

    // /metrics, as blackbox_exporter names them.
    let text = metrics_text(&server).await;
    assert!(
        text.contains("probe_success{probe=\"config-app\",location=\"local\"} 1\n"),
        "{text}"
    );
    assert!(text.contains(
        "probe_duration_seconds{probe=\"config-app\",location=\"local\",step=\"total\"}"
    ));
    assert_no_secret(&text);

    // A restart keeps the API's probe (and its secrets: it still succeeds).
    let data = server.shutdown().await;
    let server = start(database_url, data, &target.base).await;
    let (_, list) = get_json(&server, "/api/probes").await;
    let ids: Vec<&str> = list["probes"]
        .as_array()
        .expect("probes")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["api-auth", "config-app"]);
    let store = Store::connect(&db).await.expect("database");
    // The restarted server runs it at its phase: wait for a run after the restart.
    for _ in 0..60 {
        let runs = store
            .probe_results()
            .since("api-auth", 0, 10_000)
            .await
            .expect("results");
        if runs.len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let latest = store
        .probe_results()
        .latest("api-auth", "local")
        .await
        .expect("latest")
        .expect("a run");
    assert_eq!(
        latest.success, 1,
        "the restored secret header is still sent: {latest:?}"
    );
    store.close().await;

    // Deleted: gone from the API and from /metrics.
    let (status, _, _) = send(
        &server,
        reqwest::Method::DELETE,
        "/api/probes/api-auth",
        Some(&valid),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, error) = get_json(&server, "/api/probes/api-auth").await;
    assert_eq!(
        (status.as_u16(), error["error"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _, _) = send(
        &server,
        reqwest::Method::DELETE,
        "/api/probes/api-auth",
        Some(&valid),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert!(!metrics_text(&server).await.contains("probe=\"api-auth\""));
    server.shutdown().await;
}

#[tokio::test]
async fn probes_api_on_sqlite() {
    scenario("").await;
}

#[tokio::test]
async fn probes_api_on_postgres() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    scenario(&database.url).await;
    database.drop_now().await;
}
