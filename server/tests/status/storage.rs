//! The status repository on both engines: the same columns, a change noted only when the
//! state differs, newest first; per-day counts of several probes.

use server::storage::{ProbeResultRow, Store};

use super::columns::columns;
use super::{Engine, on_both_engines};

async fn store(engine: &Engine, dir: &tempfile::TempDir) -> Store {
    let url = match engine {
        Engine::Sqlite => format!("sqlite://{}", dir.path().join("s.db").display()),
        Engine::Postgres(url) => url.clone(),
    };
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

on_both_engines! {
    async fn the_status_tables_and_changes(engine) {
        let dir = tempfile::tempdir().expect("dir");
        let store = store(&engine, &dir).await;
        let text = |n: &str| (n.to_string(), "text".to_string());
        let int = |n: &str| (n.to_string(), "integer".to_string());
        assert_eq!(columns(&store, "status_changes").await, [
            int("id"), text("component"), text("name"), text("state"), text("previous"), int("changed_ms"),
        ]);
        assert_eq!(columns(&store, "maintenance_windows").await, [
            text("id"), text("name"), text("components"), int("start_ms"), int("end_ms"), text("comment"), int("created_ms"),
        ]);

        let repo = store.status();
        assert!(repo.record_if_changed("api", "API", "operational", 1_000).await.expect("record"));
        assert!(!repo.record_if_changed("api", "API", "operational", 2_000).await.expect("same state"));
        assert!(repo.record_if_changed("api", "API", "major_outage", 3_000).await.expect("record"));
        assert!(repo.record_if_changed("app", "App", "operational", 2_500).await.expect("record"));
        let recent = repo.recent_changes(10).await.expect("recent");
        let seen: Vec<(&str, &str, Option<&str>, i64)> = recent.iter()
            .map(|c| (c.component.as_str(), c.state.as_str(), c.previous.as_deref(), c.changed_ms)).collect();
        assert_eq!(seen, [
            ("api", "major_outage", Some("operational"), 3_000),
            ("app", "operational", None, 2_500),
            ("api", "operational", None, 1_000),
        ]);
        let latest = repo.latest_changes().await.expect("latest");
        assert_eq!(latest.iter().map(|c| (c.component.as_str(), c.state.as_str())).collect::<Vec<_>>(),
            [("api", "major_outage"), ("app", "operational")]);

        const DAY: i64 = 24 * 60 * 60 * 1000;
        let row = |probe: &str, started_ms: i64, success: bool| ProbeResultRow {
            probe: probe.into(), location: "local".into(), started_ms, success: i64::from(success),
            duration_ms: 10.0, timings: "[]".into(), failure: None, cert_expiry_ms: None,
        };
        store.probe_results().insert(&[
            row("a", 10 * DAY + 5, true), row("b", 10 * DAY + 7_200_000, false),
            row("a", 11 * DAY + 1, true), row("c", 11 * DAY + 2, false),
        ]).await.expect("insert");
        let counts = repo.counts(&["a".into(), "b".into()], 10 * DAY, DAY).await.expect("counts");
        let seen: Vec<(i64, i64, i64)> = counts.iter().map(|c| (c.start_ms, c.runs, c.successes)).collect();
        assert_eq!(seen, [(10 * DAY, 2, 1), (11 * DAY, 1, 1)]);
        assert!(repo.counts(&[], 0, DAY).await.expect("none").is_empty());
    }
}

on_both_engines! {
    /// Retention deletes old changes but keeps each component's latest (its current state),
    /// however old, so the page and the feed still know it.
    async fn retention_keeps_each_components_current_state(engine) {
        let dir = tempfile::tempdir().expect("dir");
        let store = store(&engine, &dir).await;
        let repo = store.status();
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let now = 200 * DAY;
        // api: three old changes and a recent one; app: one old change only.
        for (at, state) in [(1, "operational"), (2, "major_outage"), (3, "operational")] {
            repo.record_if_changed("api", "API", state, at * DAY).await.expect("record");
        }
        repo.record_if_changed("api", "API", "degraded_performance", now - DAY).await.expect("record");
        repo.record_if_changed("app", "App", "operational", 5 * DAY).await.expect("record");

        // Batches of one: the loop runs until nothing older is left.
        let deleted = server::tasks::retention::status_changes_step(&store, now, 90, 1)
            .await
            .expect("retention");
        assert_eq!(deleted, 3, "api's three old changes");
        let left: Vec<(String, String)> = repo.recent_changes(10).await.expect("recent")
            .into_iter().map(|c| (c.component, c.state)).collect();
        assert_eq!(left, [
            ("api".to_string(), "degraded_performance".to_string()),
            ("app".to_string(), "operational".to_string()),
        ]);
        let again = server::tasks::retention::status_changes_step(&store, now, 90, 100)
            .await
            .expect("retention");
        assert_eq!(again, 0);
    }
}
