//! The agent endpoints over a real socket: definitions unredacted for a token and refused
//! without one or with a revoked one; a batch of results stored once however often it is sent,
//! with the agent's location; results of probes not assigned to the location ignored. And the
//! idempotent insert itself on SQLite and PostgreSQL.

use serde_json::{Value, json};
use server::auth::tokens;
use server::storage::{ProbeResultRow, Store};
use server::{AppState, app};

use super::postgres::{TempDatabase, postgres_or_skip};
use super::spec;

const SECRET: &str = "Bearer agent-secret-161";

struct Served {
    base: String,
    state: AppState,
    token: String,
    client: reqwest::Client,
}

impl Served {
    async fn start() -> Served {
        let dist = tempfile::tempdir().expect("dist");
        std::fs::write(dist.path().join("index.html"), "<title>x</title>").expect("index");
        let state = AppState::in_memory(dist.path()).await.expect("state");
        let token = tokens::generate().expect("token");
        assert!(
            state
                .store()
                .api_tokens()
                .create("agent", &tokens::hash(&token), "responder", 1)
                .await
                .expect("stored")
        );
        for (name, locations) in [
            ("edge", json!(["eu-west", "us-east"])),
            ("home", json!(["local"])),
        ] {
            state
                .probes()
                .create(spec(json!({
                    "name": name, "kind": "http", "interval_seconds": 60, "timeout_ms": 1000,
                    "locations": locations,
                    "http": {"url": "http://127.0.0.1:9/", "headers": {"Authorization": SECRET}},
                })))
                .await
                .expect("created");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let router = app(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        std::mem::forget(dist);
        Served {
            base,
            state,
            token,
            client: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = request.send().await.expect("answer");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn post(&self, body: &Value, token: Option<&str>) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}/api/agent/results", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = request.send().await.expect("answer");
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

fn result(id: &str, probe: &str, started_ms: i64, success: bool) -> Value {
    json!({"id": id, "probe": probe, "started_ms": started_ms, "success": success,
           "duration_ms": 12.5, "timings": [{"step": "response", "ms": 10.0}],
           "failure": if success { Value::Null } else { json!("status 500, expected 2xx") }})
}

#[tokio::test]
async fn an_agent_reads_its_definitions_with_their_secrets() {
    let served = Served::start().await;
    let (status, body) = served
        .get("/api/agent/probes?location=eu-west", Some(&served.token))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["location"], "eu-west");
    let probes = body["probes"].as_array().expect("probes");
    assert_eq!(probes.len(), 1, "only the probes of this location: {body}");
    assert_eq!(probes[0]["name"], "edge");
    assert_eq!(
        probes[0]["http"]["headers"]["Authorization"], SECRET,
        "unredacted"
    );
    // The public API still redacts.
    let (_, public) = served.get("/api/probes/edge", None).await;
    assert_eq!(
        public["definition"]["http"]["headers"]["Authorization"],
        "***"
    );

    let (status, body) = served.get("/api/agent/probes?location=eu-west", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = served
        .get("/api/agent/probes?location=eu-west", Some("csva_nope"))
        .await;
    assert_eq!(status, 401);
    for bad in [
        "/api/agent/probes",
        "/api/agent/probes?location=local",
        "/api/agent/probes?location=a%20b",
    ] {
        let (status, body) = served.get(bad, Some(&served.token)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_request")),
            "{bad}: {body}"
        );
    }

    assert!(
        served
            .state
            .store()
            .api_tokens()
            .revoke("agent", 2)
            .await
            .expect("revoked")
    );
    let (status, _) = served
        .get("/api/agent/probes?location=eu-west", Some(&served.token))
        .await;
    assert_eq!(status, 401, "a revoked token is refused");
    let batch = json!({"location": "eu-west", "results": [result("r-1", "edge", 1_000, true)]});
    assert_eq!(served.post(&batch, Some(&served.token)).await.0, 401);
}

#[tokio::test]
async fn a_batch_sent_twice_is_stored_once_with_the_location() {
    let served = Served::start().await;
    let now = 1_790_000_000_000_i64;
    let batch = json!({"location": "eu-west", "results": [
        result("5d0c1e36-0000-4000-8000-000000000001", "edge", now, true),
        result("5d0c1e36-0000-4000-8000-000000000002", "edge", now + 1_000, false),
        result("5d0c1e36-0000-4000-8000-000000000003", "home", now + 2_000, true),
        result("5d0c1e36-0000-4000-8000-000000000004", "gone", now + 3_000, true),
    ]});
    assert_eq!(served.post(&batch, None).await.0, 401);
    let (status, receipt) = served.post(&batch, Some(&served.token)).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt, json!({"received": 4, "stored": 2, "ignored": 2}));
    let (status, receipt) = served.post(&batch, Some(&served.token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        receipt,
        json!({"received": 4, "stored": 0, "ignored": 2}),
        "stored once"
    );

    let results = served.state.store().probe_results();
    let rows = results.since("edge", 0, 100).await.expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.location == "eu-west"));
    assert_eq!(rows[1].failure.as_deref(), Some("status 500, expected 2xx"));
    let [tally] = results.tallies("edge", [0]).await.expect("tally");
    assert_eq!((tally.runs, tally.successes), (2, 1), "hours counted once");
    let home = results.since("home", 0, 100).await.expect("rows");
    assert!(
        home.iter().all(|r| r.location == "local"),
        "a probe not assigned to eu-west takes no result from it"
    );
    let (_, view) = served.get("/api/probes/edge", None).await;
    assert_eq!(view["latest"][0]["location"], "eu-west", "{view}");

    // Bad batches are 400 JSON that say why.
    for (bad, says) in [
        (json!({"location": "local", "results": []}), "local"),
        (
            json!({"location": "eu-west", "results": [result("bad id", "edge", now, true)]}),
            "result id",
        ),
        (json!({"location": "eu-west", "results": [{"id": "x"}]}), ""),
        (
            json!({"location": "eu-west", "results": (0..501).map(|i| result(&format!("id-{i}"), "edge", now, true)).collect::<Vec<_>>()}),
            "at most 500",
        ),
    ] {
        let (status, body) = served.post(&bad, Some(&served.token)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("bad_request")),
            "{body}"
        );
        assert!(
            body["detail"].as_str().unwrap_or("").contains(says),
            "{body}"
        );
    }
}

/// An agent's result may carry when the certificate it read expires: stored, shown by the API
/// and published on `/metrics`. A result without it (an older agent) is taken as before.
#[tokio::test]
async fn an_agent_result_carries_the_certificate_expiry_and_older_agents_omit_it() {
    let served = Served::start().await;
    let now = 1_790_000_000_000_i64;
    let expiry = 1_790_864_000_000_i64;
    let mut with = result("5d0c1e36-0000-4000-8000-00000000000a", "edge", now, true);
    with["cert_expiry_ms"] = json!(expiry);
    let old = result(
        "5d0c1e36-0000-4000-8000-00000000000b",
        "edge",
        now - 1_000,
        true,
    );
    assert!(old.get("cert_expiry_ms").is_none(), "the old shape");
    let batch = json!({"location": "eu-west", "results": [old, with]});
    let (status, receipt) = served.post(&batch, Some(&served.token)).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt, json!({"received": 2, "stored": 2, "ignored": 0}));
    let rows = served
        .state
        .store()
        .probe_results()
        .since("edge", 0, 100)
        .await
        .expect("rows");
    let expiries: Vec<Option<i64>> = rows.iter().map(|r| r.cert_expiry_ms).collect();
    assert_eq!(expiries, [None, Some(expiry)]);
    let (_, view) = served.get("/api/probes/edge", None).await;
    assert_eq!(
        view["latest"][0]["certificate_expires_at"], "2026-10-01T14:13:20.000Z",
        "{view}"
    );
    let metrics = served
        .client
        .get(format!("{}/metrics", served.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let line = metrics
        .lines()
        .find(|l| {
            l.starts_with("probe_ssl_earliest_cert_expiry{probe=\"edge\",location=\"eu-west\"} ")
        })
        .unwrap_or_else(|| panic!("no certificate series in:\n{metrics}"));
    let seconds: f64 = line
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a number");
    assert_eq!(seconds, expiry as f64 / 1000.0);

    // Not a Unix time in ms: 400 naming the field.
    let mut bad = result("5d0c1e36-0000-4000-8000-00000000000c", "edge", now, true);
    bad["cert_expiry_ms"] = json!(-5);
    let (status, body) = served
        .post(
            &json!({"location": "eu-west", "results": [bad]}),
            Some(&served.token),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("cert_expiry_ms"),
        "{body}"
    );
}

async fn insert_once_on(store: &Store) {
    let row = |started_ms: i64| ProbeResultRow {
        probe: "edge".into(),
        location: "eu-west".into(),
        started_ms,
        success: 1,
        duration_ms: 5.0,
        timings: "[]".into(),
        failure: None,
        cert_expiry_ms: None,
    };
    let results = store.probe_results();
    let batch = vec![("a".to_string(), row(1_000)), ("b".to_string(), row(2_000))];
    assert_eq!(results.insert_once(&batch).await.expect("insert"), 2);
    assert_eq!(results.insert_once(&batch).await.expect("again"), 0);
    let more = vec![("b".to_string(), row(2_000)), ("c".to_string(), row(3_000))];
    assert_eq!(results.insert_once(&more).await.expect("overlap"), 1);
    // The server's own results have no id and never conflict.
    results
        .insert(&[row(4_000), row(4_000)])
        .await
        .expect("local rows");
    assert_eq!(results.count().await.expect("count"), 5);
    let [tally] = results.tallies("edge", [0]).await.expect("tally");
    assert_eq!(tally.runs, 5);
}

#[tokio::test]
async fn the_idempotent_insert_holds_on_sqlite_and_postgres() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("sqlite");
    store.migrate().await.expect("migrate");
    insert_once_on(&store).await;
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    let store = Store::connect(&database.url).await.expect("postgres");
    store.migrate().await.expect("migrate");
    insert_once_on(&store).await;
    store.close().await;
    database.drop_now().await;
}
