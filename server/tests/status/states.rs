//! Component states through the threshold counts, and their changes noted for the feed.

use server::status::evaluate::{Level, level_of};
use server::status::{ComponentSpec, StatusConfig};

use super::{Server, on_both_engines, probe};

fn config(config: &mut server::config::Config) {
    config.probes = vec![probe("api-ready"), probe("api-json"), probe("app-page")];
    config.status = StatusConfig {
        components: vec![
            ComponentSpec {
                name: "API".into(),
                description: "The HTTP API".into(),
                probes: vec!["api-ready".into(), "api-json".into()],
            },
            ComponentSpec {
                name: "App".into(),
                description: String::new(),
                probes: vec!["app-page".into()],
            },
            ComponentSpec {
                name: "RUM intake".into(),
                description: String::new(),
                probes: Vec::new(),
            },
        ],
        ..StatusConfig::default()
    };
}

on_both_engines! {
    /// 3 failures in a row to go down, 2 passes to come back; some probes down: partial; all:
    /// major; slow: degraded; no probe: no data. Each change is noted once.
    async fn states_follow_the_thresholds(engine) {
        let server = Server::start(&engine, config).await;
        assert_eq!(server.component_state("api").await, "no_data");
        assert_eq!(server.component_state("rum-intake").await, "no_data");
        let summary = server.json("/api/status").await;
        assert_eq!(summary["status"]["description"], "No data yet");

        server.runs("api-ready", "UU").await;
        server.runs("api-json", "UU").await;
        server.runs("app-page", "UUUUDD").await;
        assert_eq!(server.component_state("api").await, "operational");
        assert_eq!(server.component_state("app").await, "operational", "two failures are not enough");
        assert_eq!(server.component_state("rum-intake").await, "no_data", "never a made-up operational");

        server.runs("app-page", "D").await;
        assert_eq!(server.component_state("app").await, "major_outage");
        let summary = server.json("/api/status").await;
        assert_eq!(summary["status"]["indicator"], "critical");
        server.runs("app-page", "U").await;
        assert_eq!(server.component_state("app").await, "major_outage", "one pass is not enough");
        server.runs("app-page", "U").await;
        assert_eq!(server.component_state("app").await, "operational");

        server.runs("api-json", "DDD").await;
        assert_eq!(server.component_state("api").await, "partial_outage");
        server.runs("api-json", "UU").await;
        assert_eq!(server.component_state("api").await, "operational");
        server.runs("api-ready", "SSS").await;
        assert_eq!(server.component_state("api").await, "degraded_performance");
        let summary = server.json("/api/status").await;
        assert_eq!(summary["status"]["indicator"], "minor");
        assert_eq!(summary["incidents"], serde_json::json!([]));

        let changes = server.store.status().recent_changes(100).await.expect("changes");
        let app: Vec<&str> = changes.iter().rev().filter(|c| c.component == "app").map(|c| c.state.as_str()).collect();
        assert_eq!(app, ["operational", "major_outage", "operational"]);
        let api: Vec<(&str, Option<&str>)> = changes.iter().rev().filter(|c| c.component == "api")
            .map(|c| (c.state.as_str(), c.previous.as_deref())).collect();
        assert_eq!(api, [
            ("operational", None),
            ("partial_outage", Some("operational")),
            ("operational", Some("partial_outage")),
            ("degraded_performance", Some("operational")),
        ]);
        assert!(changes.iter().all(|c| c.component != "rum-intake"));
        // Reading again notes nothing new.
        server.json("/api/status").await;
        assert_eq!(server.store.status().recent_changes(100).await.expect("changes").len(), changes.len());
    }
}

on_both_engines! {
    /// Without `[[status.components]]`: App, API, RUM intake (no probes: no data) and one
    /// component per probe.
    async fn default_components(engine) {
        let server = Server::start(&engine, |c| c.probes = vec![probe("db")]).await;
        server.runs("db", "DDD").await;
        let summary = server.json("/api/status").await;
        let rows: Vec<(String, String)> = summary["components"].as_array().expect("components").iter()
            .map(|c| (c["id"].as_str().unwrap_or_default().to_string(), c["status"].as_str().unwrap_or_default().to_string()))
            .collect();
        assert_eq!(rows, [
            ("app".to_string(), "no_data".to_string()),
            ("api".to_string(), "no_data".to_string()),
            ("rum-intake".to_string(), "no_data".to_string()),
            ("probe-db".to_string(), "major_outage".to_string()),
        ]);
        assert_eq!(summary["page"]["name"], "CSV Analyzer");
        assert!(summary["page"]["updated_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}

/// The failure `probes::check` writes when only the latency ceiling failed is read as slow.
#[tokio::test]
async fn the_latency_ceiling_failure_reads_as_slow() {
    let target = super::targets::spawn_http_target().await;
    let spec: server::probes::ProbeSpec = serde_json::from_value(serde_json::json!({
        "name": "slow", "kind": "http", "timeout_ms": 5000,
        "http": {"url": target.url("/slow")},
        "assertions": {"max_latency_ms": 50},
    }))
    .expect("a probe");
    let compiled = server::probes::CompiledProbe::compile(&spec).expect("compiles");
    let outcome = compiled.run_with_timeout().await;
    assert!(!outcome.success);
    assert_eq!(
        level_of(outcome.success, outcome.failure.as_deref()),
        Level::Slow,
        "{outcome:?}"
    );
}
