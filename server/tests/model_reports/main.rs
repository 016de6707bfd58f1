//! Model reports (`POST`/`GET /api/model-reports`, issue 8) through the real server
//! (`startup::run` on 127.0.0.1:0) over a SQLite file and a PostgreSQL database: valid reports
//! stored and listed, every invalid field refused with a 4xx JSON answer that names it, the
//! body limit, the OpenAPI description; and the repository's reads for the alert rules
//! (`latest`, `latest_per_name`) and retention on both engines.
//!
//! PostgreSQL: see `support/postgres.rs` (skipped loudly without it, failing under `CI=true`).

#[path = "../support/columns.rs"]
mod columns;
#[path = "../support/postgres.rs"]
mod postgres;

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use server::config::Config;
use server::storage::Store;
use server::storage::model_reports::ReportFilter;
use shared::api::model_report::{MAX_REPORT_BYTES, ModelReport, ReportKind};
use tokio::sync::oneshot;

use postgres::{TempDatabase, postgres_or_skip};

/// A server started by `startup::run` on port 0, stopped gracefully by [`Running::shutdown`].
struct Running {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), server::startup::StartupError>>,
    database_url: String,
    _dist: tempfile::TempDir,
    _data: tempfile::TempDir,
}

impl Running {
    /// A server on `database_url` (empty: a SQLite file in a temporary directory).
    async fn start(database_url: &str) -> Running {
        let data = tempfile::tempdir().expect("data dir");
        let dist = tempfile::tempdir().expect("dist dir");
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><html><head><title>CSV Analyzer</title></head><body></body></html>",
        )
        .expect("index.html");
        let config = Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data.path().to_path_buf(),
            dist_dir: dist.path().to_path_buf(),
            database_url: database_url.to_string(),
            ..Config::default()
        };
        let database_url = config.effective_database_url();
        let (stop, stopped) = oneshot::channel::<()>();
        let (listening, address) = oneshot::channel::<SocketAddr>();
        let task = tokio::spawn(server::startup::run(
            config,
            move |addr| {
                let _ = listening.send(addr);
            },
            async move {
                let _ = stopped.await;
            },
        ));
        let addr = tokio::time::timeout(Duration::from_secs(30), address)
            .await
            .expect("the server starts within 30 s")
            .expect("the server reports its address");
        Running {
            base: format!("http://{addr}"),
            stop: Some(stop),
            task,
            database_url,
            _dist: dist,
            _data: data,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("the server stops within 30 s")
            .expect("the server task does not panic")
            .expect("the server stops cleanly");
    }
}

fn quality(name: &str, accuracy: f64) -> Value {
    json!({
        "kind": "quality", "name": name, "app_version": "0.1.0",
        "rows": 200, "accuracy": accuracy, "f1_macro": 0.8, "f1_weighted": 0.85,
        "baseline": {"accuracy": 0.95, "f1_macro": 0.9},
    })
}

fn drift(name: &str, dataset_drift: bool) -> Value {
    json!({
        "kind": "drift", "name": name, "app_version": "0.1.0",
        "rows_reference": 1000, "rows_current": 1200,
        "columns_tested": 2, "columns_drifted": 1, "dataset_drift": dataset_drift,
        "thresholds": {"p_value": 0.05, "drift_share": 0.5},
        "columns": [
            {"name": "price", "test": "ks", "p_value": 0.001, "psi": 0.7, "drifted": true},
            {"name": "region", "test": "chi2", "p_value": 0.4, "psi": null, "drifted": false},
        ],
    })
}

async fn post(server: &Running, body: String, content_type: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(server.url("/api/model-reports"))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("POST /api/model-reports")
}

async fn post_json(server: &Running, report: &Value) -> reqwest::Response {
    post(server, report.to_string(), "application/json").await
}

async fn get(server: &Running, query: &str) -> reqwest::Response {
    reqwest::get(server.url(&format!("/api/model-reports{query}")))
        .await
        .expect("GET /api/model-reports")
}

/// Asserts a refusal's status and JSON body; returns its `detail`.
async fn refused(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error"], code, "{body}");
    body["detail"].as_str().expect("a detail").to_string()
}

/// The report's own fields of a stored report (without `id` and `received_at`).
fn fields_of(stored: &Value) -> Value {
    let mut fields = stored.clone();
    let object = fields.as_object_mut().expect("an object");
    object.remove("id");
    object.remove("received_at");
    fields
}

async fn reports_are_stored_and_listed(server: &Running) {
    let mut ids = Vec::new();
    for report in [
        quality("churn", 0.9),
        drift("sales", true),
        quality("churn", 0.7),
        quality("fraud.v2", 0.99),
    ] {
        let response = post_json(server, &report).await;
        assert_eq!(response.status(), 201);
        let stored: Value = response.json().await.expect("JSON");
        assert_eq!(fields_of(&stored), report, "stored as sent");
        let received = chrono::DateTime::parse_from_rfc3339(
            stored["received_at"].as_str().expect("received_at"),
        )
        .expect("RFC 3339");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as i64;
        let age_ms = now_ms - received.timestamp_millis();
        assert!(age_ms.abs() < 60_000, "received_at is now: {age_ms} ms ago");
        ids.push(stored["id"].as_i64().expect("an id"));
    }
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 4, "distinct ids: {ids:?}");

    let list = |query: &'static str| async move {
        let response = get(server, query).await;
        assert_eq!(response.status(), 200, "{query}");
        let body: Value = response.json().await.expect("JSON");
        body["reports"].as_array().expect("reports").clone()
    };
    let all = list("").await;
    assert_eq!(all.len(), 4);
    let newest_first: Vec<i64> = all.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(newest_first, ids.iter().rev().copied().collect::<Vec<_>>());
    let churn = list("?name=churn").await;
    assert_eq!(churn.len(), 2);
    assert_eq!(churn[0]["accuracy"], 0.7, "the newest first");
    assert_eq!(list("?kind=drift").await.len(), 1);
    assert_eq!(list("?kind=quality&name=sales").await.len(), 0);
    assert_eq!(list("?limit=1").await[0]["name"], "fraud.v2");
    assert_eq!(list("?since=2000-01-01T00:00:00Z").await.len(), 4);
    assert_eq!(list("?since=2999-01-01T00:00:00%2B01:00").await.len(), 0);

    // The repository the rules read, on the same database.
    let store = Store::connect(&server.database_url)
        .await
        .expect("a second connection");
    let reports = store.model_reports();
    let latest = reports
        .latest(ReportKind::Quality, "churn")
        .await
        .expect("latest")
        .expect("churn has reports");
    assert_eq!(latest.report.quality().unwrap().accuracy, 0.7);
    let drop = latest
        .report
        .quality()
        .unwrap()
        .max_relative_drop()
        .unwrap();
    assert!(drop > 0.10, "ModelQualityDrop would fire: {drop}");
    let per_name = reports
        .latest_per_name(ReportKind::Quality)
        .await
        .expect("latest per name");
    let names: Vec<&str> = per_name.iter().map(|r| r.report.name.as_str()).collect();
    assert_eq!(names, ["churn", "fraud.v2"]);
    let drifts = reports
        .latest_per_name(ReportKind::Drift)
        .await
        .expect("latest drift");
    assert!(drifts[0].report.drift().unwrap().dataset_drift);
    store.close().await;
}

#[tokio::test]
async fn sqlite_reports_are_stored_and_listed() {
    let server = Running::start("").await;
    reports_are_stored_and_listed(&server).await;
    server.shutdown().await;
}

#[tokio::test]
async fn postgres_reports_are_stored_and_listed() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    let server = Running::start(&database.url).await;
    reports_are_stored_and_listed(&server).await;
    server.shutdown().await;
    database.drop_now().await;
}

/// `report` with `path` (`a.b`, `columns.0.p_value`) set to `value`, or removed when `None`.
fn with(mut report: Value, path: &str, value: Option<Value>) -> Value {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("a path");
    let mut target = &mut report;
    for part in parts {
        target = match part.parse::<usize>() {
            Ok(index) => &mut target[index],
            Err(_) => &mut target[part],
        };
    }
    match value {
        Some(value) => match last.parse::<usize>() {
            Ok(index) => target[index] = value,
            Err(_) => target[last] = value,
        },
        None => {
            target.as_object_mut().expect("an object").remove(last);
        }
    }
    report
}

#[tokio::test]
async fn every_invalid_field_is_refused_with_a_json_answer_naming_it() {
    let server = Running::start("").await;
    let q = || quality("churn", 0.9);
    let d = || drift("sales", true);
    // (report, the name the detail must hold)
    let cases: Vec<(Value, &str)> = vec![
        (with(q(), "accuracy", None), "accuracy"),
        (with(q(), "accuracy", Some(json!(1.5))), "accuracy"),
        (with(q(), "accuracy", Some(json!(-0.1))), "accuracy"),
        (with(q(), "accuracy", Some(json!("0.9"))), "accuracy"),
        (with(q(), "f1_macro", Some(json!(null))), "f1_macro"),
        (with(q(), "f1_weighted", Some(json!(2))), "f1_weighted"),
        (with(q(), "rows", Some(json!(-1))), "rows"),
        (with(q(), "rows", Some(json!(1.5))), "rows"),
        (
            with(q(), "baseline.accuracy", Some(json!(7))),
            "baseline.accuracy",
        ),
        (with(q(), "name", Some(json!(""))), "name"),
        (with(q(), "name", Some(json!("my model"))), "name"),
        (with(q(), "name", Some(json!("x".repeat(65)))), "name"),
        (with(q(), "name", Some(json!("../etc"))), "name"),
        (with(q(), "name", None), "name"),
        (with(q(), "app_version", Some(json!(""))), "app_version"),
        (with(q(), "kind", Some(json!("regression"))), "kind"),
        (with(q(), "kind", None), "kind"),
        (with(q(), "cells", Some(json!(["alice", 42]))), "cells"),
        (with(q(), "rows_current", Some(json!(5))), "rows_current"),
        (with(d(), "accuracy", Some(json!(0.5))), "accuracy"),
        (
            with(d(), "dataset_drift", Some(json!("yes"))),
            "dataset_drift",
        ),
        (
            with(d(), "columns_drifted", Some(json!(3))),
            "columns_drifted",
        ),
        (with(d(), "columns_tested", Some(json!(5))), "columns"),
        (
            with(d(), "thresholds.p_value", Some(json!(5))),
            "thresholds.p_value",
        ),
        (with(d(), "thresholds", None), "thresholds"),
        (
            with(d(), "columns.0.p_value", Some(json!(1.2))),
            "columns[0].p_value",
        ),
        (
            with(d(), "columns.1.psi", Some(json!(-3))),
            "columns[1].psi",
        ),
        (
            with(d(), "columns.1.test", Some(json!("t"))),
            "columns[1].test",
        ),
        (
            with(d(), "columns.0.name", Some(json!(""))),
            "columns[0].name",
        ),
        (with(d(), "columns.0.values", Some(json!([1, 2]))), "values"),
    ];
    for (report, field) in cases {
        let detail = refused(post_json(&server, &report).await, 422, "unprocessable").await;
        assert!(
            detail.contains(field),
            "the detail names `{field}`: {detail} (for {report})"
        );
    }

    let detail = refused(
        post(&server, "{not json".into(), "application/json").await,
        400,
        "bad_request",
    )
    .await;
    assert!(!detail.is_empty());
    refused(
        post(&server, q().to_string(), "text/plain").await,
        415,
        "unsupported_media_type",
    )
    .await;
    let mut huge = q();
    huge["padding"] = json!("x".repeat(MAX_REPORT_BYTES));
    let detail = refused(
        post(&server, huge.to_string(), "application/json").await,
        413,
        "payload_too_large",
    )
    .await;
    assert!(detail.contains(&MAX_REPORT_BYTES.to_string()), "{detail}");

    for (query, field) in [
        ("?name=a%20b", "name"),
        ("?kind=regression", "kind"),
        ("?since=yesterday", "since"),
        ("?limit=0", "limit"),
        ("?limit=1001", "limit"),
        ("?limit=x", "limit"),
    ] {
        let detail = refused(get(&server, query).await, 400, "bad_request").await;
        assert!(detail.contains(field), "{query}: {detail}");
    }

    // Nothing refused was stored, and the server carries on.
    let store = Store::connect(&server.database_url)
        .await
        .expect("second connection");
    assert_eq!(store.model_reports().count().await.expect("count"), 0);
    store.close().await;
    assert_eq!(post_json(&server, &q()).await.status(), 201);
    server.shutdown().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes_and_what_they_answer() {
    let server = Running::start("").await;
    let doc: Value = reqwest::get(server.url("/api/openapi.json"))
        .await
        .expect("the document")
        .json()
        .await
        .expect("JSON");
    let path = &doc["paths"]["/api/model-reports"];
    for status in ["201", "400", "413", "415", "422"] {
        assert!(
            path["post"]["responses"].get(status).is_some(),
            "POST {status}"
        );
    }
    assert!(path["get"]["responses"].get("400").is_some());
    let schemas = &doc["components"]["schemas"];
    for name in [
        "ModelReport",
        "StoredModelReport",
        "ModelReportList",
        "ModelReportColumn",
        "ModelReportThresholds",
        "ModelReportBaseline",
    ] {
        assert!(schemas.get(name).is_some(), "{name} is a component");
    }
    for code in ["unprocessable", "unsupported_media_type"] {
        let codes = schemas["ErrorCode"]["enum"].as_array().expect("codes");
        assert!(codes.contains(&json!(code)), "{code}");
    }
    // A stored report's fields are exactly those its schema variant lists.
    for (index, report) in [quality("a", 0.5), drift("b", false)].iter().enumerate() {
        let stored: Value = post_json(&server, report).await.json().await.expect("JSON");
        let variant = &schemas["StoredModelReport"]["oneOf"][index];
        let properties = variant["properties"].as_object().expect("properties");
        for key in stored.as_object().expect("an object").keys() {
            assert!(properties.contains_key(key), "{key} is documented");
        }
        for required in variant["required"].as_array().expect("required") {
            assert!(
                stored.get(required.as_str().unwrap()).is_some(),
                "{required}"
            );
        }
    }
    server.shutdown().await;
}

/// A migrated store on `url`.
async fn store(url: &str) -> Store {
    let store = Store::connect(url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

fn report(kind: ReportKind, name: &str, figure: f64) -> ModelReport {
    let value = match kind {
        ReportKind::Quality => quality(name, figure),
        ReportKind::Drift => drift(name, figure > 0.5),
    };
    serde_json::from_value(value).expect("a report")
}

async fn the_rules_read_the_latest_reports(store: &Store) {
    let reports = store.model_reports();
    assert!(
        reports
            .latest(ReportKind::Quality, "m")
            .await
            .expect("latest")
            .is_none()
    );
    assert!(
        reports
            .latest_per_name(ReportKind::Drift)
            .await
            .expect("none")
            .is_empty()
    );
    // (kind, name, accuracy or drift, received_ms)
    let rows = [
        (ReportKind::Quality, "m", 0.9, 1_000),
        (ReportKind::Quality, "m", 0.8, 3_000),
        (ReportKind::Quality, "m", 0.7, 2_000), // received earlier than the previous one
        (ReportKind::Quality, "n", 0.6, 1_500),
        (ReportKind::Drift, "m", 1.0, 5_000),
        (ReportKind::Drift, "d", 0.0, 500),
        (ReportKind::Drift, "d", 1.0, 500), // the same instant: the larger id wins
    ];
    for (kind, name, figure, at) in rows {
        let stored = reports
            .insert(&report(kind, name, figure), at)
            .await
            .expect("insert");
        assert!(stored.id > 0);
    }
    let latest = reports
        .latest(ReportKind::Quality, "m")
        .await
        .expect("latest")
        .expect("one");
    assert_eq!(latest.received_ms, 3_000);
    assert_eq!(latest.report.quality().unwrap().accuracy, 0.8);
    let quality: Vec<(String, i64)> = reports
        .latest_per_name(ReportKind::Quality)
        .await
        .expect("per name")
        .into_iter()
        .map(|r| (r.report.name, r.received_ms))
        .collect();
    assert_eq!(
        quality,
        [("m".to_string(), 3_000), ("n".to_string(), 1_500)]
    );
    let drift = reports
        .latest_per_name(ReportKind::Drift)
        .await
        .expect("per name");
    assert_eq!(drift.len(), 2);
    assert_eq!(drift[0].report.name, "d");
    assert!(drift[0].report.drift().unwrap().dataset_drift);
    assert_eq!(drift[1].report.kind(), ReportKind::Drift);

    let listed = reports
        .list(ReportFilter {
            name: Some("m"),
            kind: None,
            since_ms: Some(2_000),
            limit: 10,
        })
        .await
        .expect("list");
    let at: Vec<i64> = listed.iter().map(|r| r.received_ms).collect();
    assert_eq!(at, [5_000, 3_000, 2_000]);

    // Retention keeps each kind and name's latest report, however old.
    let deleted = reports
        .delete_older_than(10_000, 100)
        .await
        .expect("delete");
    assert_eq!(deleted, 3);
    assert_eq!(reports.count().await.expect("count"), 4);
    assert_eq!(
        reports
            .latest_per_name(ReportKind::Quality)
            .await
            .expect("kept")
            .len(),
        2
    );
    assert_eq!(reports.delete_older_than(10_000, 0).await.expect("none"), 0);
}

#[tokio::test]
async fn sqlite_the_rules_read_the_latest_reports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("reports.db").display());
    let store = store(&url).await;
    the_rules_read_the_latest_reports(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_the_rules_read_the_latest_reports() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    let store = store(&database.url).await;
    the_rules_read_the_latest_reports(&store).await;
    store.close().await;
    database.drop_now().await;
}

#[tokio::test]
async fn both_dialects_create_the_same_table() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = store(&format!("sqlite://{}", dir.path().join("t.db").display())).await;
    let database = TempDatabase::create(&admin).await;
    let pg = store(&database.url).await;
    let expected: Vec<(String, String)> = [
        ("id", "integer"),
        ("kind", "text"),
        ("name", "text"),
        ("received_ms", "integer"),
        ("app_version", "text"),
        ("report", "text"),
    ]
    .iter()
    .map(|(n, t)| (n.to_string(), t.to_string()))
    .collect();
    assert_eq!(columns::columns(&sqlite, "model_reports").await, expected);
    assert_eq!(columns::columns(&pg, "model_reports").await, expected);
    sqlite.close().await;
    pg.close().await;
    database.drop_now().await;
}
