//! Maintenance windows: from the configuration (read-only), through the API (token needed,
//! JSON errors), putting components under maintenance while active, and the function the
//! alerting engine will ask.

use serde_json::{Value, json};
use server::status::{ComponentSpec, MaintenanceSpec, StatusConfig};

use super::{Server, on_both_engines, probe};

fn config(config: &mut server::config::Config) {
    config.probes = vec![probe("api-ready"), probe("db")];
    config.status = StatusConfig {
        components: vec![
            ComponentSpec {
                name: "API".into(),
                description: String::new(),
                probes: vec!["api-ready".into()],
            },
            ComponentSpec {
                name: "Database".into(),
                description: String::new(),
                probes: vec!["db".into()],
            },
        ],
        ..StatusConfig::default()
    };
    config.maintenance = vec![
        MaintenanceSpec {
            name: "Database upgrade".into(),
            components: vec!["database".into()],
            start: "2020-01-01T00:00:00Z".into(),
            end: "2099-01-01T00:00:00Z".into(),
            comment: "PostgreSQL 17".into(),
        },
        MaintenanceSpec {
            name: "Long gone".into(),
            components: vec!["api".into()],
            start: "2020-01-01T00:00:00Z".into(),
            end: "2020-01-02T00:00:00Z".into(),
            comment: String::new(),
        },
    ];
}

async fn post(server: &Server, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = server
        .client
        .post(format!("{}/api/maintenance", server.base))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("POST")
}

async fn error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["error"], code, "{body}");
    body["detail"].as_str().unwrap_or_default().to_string()
}

on_both_engines! {
    /// A configuration window covers the database now (its probe failing or not); an API window
    /// covers the API from its start; past windows cover nothing; changes need a token.
    async fn windows_from_config_and_api(engine) {
        let server = Server::start(&engine, config).await;
        server.runs("db", "DDD").await;
        server.runs("api-ready", "UU").await;
        assert_eq!(server.component_state("database").await, "under_maintenance");
        assert_eq!(server.component_state("api").await, "operational", "a past window covers nothing");
        let summary = server.json("/api/status").await;
        assert_eq!(summary["status"]["indicator"], "maintenance");
        let scheduled = summary["scheduled_maintenances"].as_array().expect("windows");
        assert_eq!(scheduled.len(), 1, "{summary}");
        assert_eq!(scheduled[0]["status"], "in_progress");
        assert_eq!(scheduled[0]["source"], "config");

        let status = server.state.status();
        let now = crate::now_ms();
        for name in ["database", "Database", "db"] {
            assert!(status.is_under_maintenance(&server.store, server.state.probes(), name, now).await.expect("ask"), "{name}");
        }
        assert!(!status.is_under_maintenance(&server.store, server.state.probes(), "api-ready", now).await.expect("ask"));

        let body = json!({"name": "API deploy", "components": ["api"],
                          "start": "2020-06-01T00:00:00Z", "end": "2099-06-01T00:00:00+02:00",
                          "comment": "rolling restart"});
        error(post(&server, None, body.clone()).await, 401, "unauthorized").await;
        error(post(&server, Some("csva_not-a-token"), body.clone()).await, 401, "unauthorized").await;
        let token = server.token().await;
        let detail = error(post(&server, Some(&token), json!({"name": "x", "components": ["api"], "start": "soon", "end": "later"})).await, 400, "bad_request").await;
        assert!(detail.contains("`start`"), "{detail}");
        let detail = error(post(&server, Some(&token), json!({"name": "x", "components": ["api"], "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"})).await, 400, "bad_request").await;
        assert!(detail.contains("after"), "{detail}");
        let detail = error(post(&server, Some(&token), json!({"name": "x", "components": ["nope"], "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"})).await, 400, "bad_request").await;
        assert!(detail.contains("nope"), "{detail}");
        error(post(&server, Some(&token), json!({"name": "x"})).await, 400, "bad_request").await;

        let created = post(&server, Some(&token), body).await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.expect("JSON");
        assert_eq!(created["status"], "in_progress");
        assert_eq!(created["scheduled_until"], "2099-05-31T22:00:00Z");
        assert_eq!(created["source"], "api");
        assert_eq!(server.component_state("api").await, "under_maintenance");
        assert!(status.is_under_maintenance(&server.store, server.state.probes(), "api-ready", now).await.expect("ask"));

        let listed = server.json("/api/maintenance").await;
        let names: Vec<&str> = listed["maintenances"].as_array().expect("list").iter().filter_map(|w| w["name"].as_str()).collect();
        assert_eq!(names, ["Database upgrade", "Long gone", "API deploy"]);

        let delete = |id: String, token: Option<String>| {
            let mut request = server.client.delete(format!("{}/api/maintenance/{id}", server.base));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let id = created["id"].as_str().expect("an id").to_string();
        error(delete(id.clone(), None).await.expect("DELETE"), 401, "unauthorized").await;
        error(delete("config-1".into(), Some(token.clone())).await.expect("DELETE"), 409, "conflict").await;
        error(delete("no-such-window".into(), Some(token.clone())).await.expect("DELETE"), 404, "not_found").await;
        assert_eq!(delete(id.clone(), Some(token.clone())).await.expect("DELETE").status(), 204);
        error(delete(id, Some(token)).await.expect("DELETE"), 404, "not_found").await;
        assert_eq!(server.component_state("api").await, "operational");

        // Each state change was noted for the feed.
        let changes = server.store.status().recent_changes(100).await.expect("changes");
        let api: Vec<&str> = changes.iter().rev().filter(|c| c.component == "api").map(|c| c.state.as_str()).collect();
        assert_eq!(api, ["operational", "under_maintenance", "operational"]);
    }
}

/// A bad `[[maintenance]]` table stops the configuration with the reason.
#[test]
fn bad_config_windows_are_refused() {
    let text = "[[maintenance]]\nname = \"x\"\ncomponents = [\"api\"]\nstart = \"2026-01-02T00:00:00Z\"\nend = \"2026-01-01T00:00:00Z\"\n";
    let error = server::config::check_text(text, "c.toml").expect_err("end before start");
    assert!(error.to_string().contains("`maintenance`"), "{error}");
    assert!(error.to_string().contains("after"), "{error}");
    let error = server::config::check_text("[status]\nfailure_threshold = 0\n", "c.toml")
        .expect_err("zero");
    assert_eq!(
        error.to_string(),
        "c.toml:2: `status.failure_threshold` must be from 1 to 100"
    );
}

/// The commented `[[status.components]]` and `[[maintenance]]` tables of the example are valid.
#[test]
fn the_documented_components_and_windows_are_valid() {
    let text = include_str!("../../../docs/config.example.toml");
    let start = text
        .find("# [[status.components]]")
        .expect("a component example");
    let end = text.find("# Probes, one").expect("the probes' part");
    let tables: String = text[start..end]
        .lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .filter(|line| line.starts_with('[') || line.contains(" = "))
        .collect();
    let config = server::config::check_text(&tables, "example").expect("valid tables");
    assert_eq!(config.status.components.len(), 2);
    assert_eq!(config.maintenance.len(), 1);
}
