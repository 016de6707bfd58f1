//! API tokens, probe definitions and probe results on both engines: conflicts, revocation,
//! windows, tallies for the uptime, retention; and both dialects create the same columns.

use server::auth::tokens;
use server::storage::ProbeResultRow;
use server::storage::api_tokens::LAST_USED_RESOLUTION_MS;
use server::tasks::retention;

use crate::columns::columns;
use crate::on_both_engines;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn result(probe: &str, location: &str, started_ms: i64, success: bool) -> ProbeResultRow {
    ProbeResultRow {
        probe: probe.to_string(),
        location: location.to_string(),
        started_ms,
        success: i64::from(success),
        duration_ms: 12.5,
        timings: r#"[{"step":"response","ms":10.0},{"step":"transfer","ms":2.5}]"#.to_string(),
        failure: (!success).then(|| "status 500, expected 2xx".to_string()),
        cert_expiry_ms: None,
    }
}

on_both_engines! {
    /// Tokens: a name once, found by hash until revoked, last use noted at most once a minute.
    async fn tokens_are_created_found_and_revoked(store) {
        store.migrate().await.expect("migrate");
        let repo = store.api_tokens();
        let token = tokens::generate().expect("token");
        let hash = tokens::hash(&token);
        assert!(repo.create("ci", &hash, "commander", 1_000).await.expect("create"));
        let other = tokens::hash(&tokens::generate().expect("token"));
        assert!(!repo.create("ci", &other, "viewer", 2_000).await.expect("duplicate"), "the name is taken");

        assert_eq!(repo.authenticate(&hash, 5_000).await.expect("auth"), Some(("ci".to_string(), "commander".to_string())));
        assert_eq!(repo.authenticate(&other, 5_000).await.expect("auth"), None);
        let listed = repo.list().await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].created_ms, listed[0].last_used_ms, listed[0].revoked_ms), (1_000, Some(5_000), None));
        repo.authenticate(&hash, 5_000 + LAST_USED_RESOLUTION_MS - 1).await.expect("auth");
        assert_eq!(repo.list().await.expect("list")[0].last_used_ms, Some(5_000));
        repo.authenticate(&hash, 5_000 + LAST_USED_RESOLUTION_MS).await.expect("auth");
        assert_eq!(repo.list().await.expect("list")[0].last_used_ms, Some(5_000 + LAST_USED_RESOLUTION_MS));

        assert!(repo.revoke("ci", 9_000).await.expect("revoke"));
        assert!(!repo.revoke("ci", 9_500).await.expect("twice"), "already revoked");
        assert!(!repo.revoke("nobody", 9_500).await.expect("unknown"));
        assert_eq!(repo.authenticate(&hash, 10_000).await.expect("auth"), None);
        assert_eq!(repo.list().await.expect("list")[0].revoked_ms, Some(9_000));
        assert!(!repo.create("ci", &other, "viewer", 11_000).await.expect("after revocation"), "a revoked name stays taken");
    }
}

on_both_engines! {
    /// Definitions: insert once, update, delete with their results.
    async fn definitions_are_stored_and_deleted_with_their_results(store) {
        store.migrate().await.expect("migrate");
        let defs = store.probe_definitions();
        assert!(defs.insert("app", "{\"a\":1}", 1).await.expect("insert"));
        assert!(!defs.insert("app", "{}", 2).await.expect("twice"));
        assert!(defs.update("app", "{\"a\":2}", 3).await.expect("update"));
        assert!(!defs.update("nope", "{}", 3).await.expect("update unknown"));
        let listed = defs.list().await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].definition.as_str(), listed[0].created_ms, listed[0].updated_ms), ("{\"a\":2}", 1, 3));

        let results = store.probe_results();
        results.insert(&[result("app", "local", 10, true), result("other", "local", 10, true)]).await.expect("results");
        assert!(defs.delete("app").await.expect("delete"));
        assert!(!defs.delete("app").await.expect("again"));
        assert!(defs.list().await.expect("list").is_empty());
        assert_eq!(results.count().await.expect("count"), 1, "only the deleted probe's results go");
    }
}

on_both_engines! {
    /// Results: windows oldest first, the latest per location, tallies per window, retention.
    async fn results_windows_tallies_and_retention(store) {
        store.migrate().await.expect("migrate");
        let results = store.probe_results();
        let now = 100 * DAY_MS;
        let mut rows = Vec::new();
        // One run a day for 95 days: failures on the last 2 days and on days 10 to 19 back.
        for day in 0..95 {
            let at = now - day * DAY_MS - 1_000;
            let failed = day < 2 || (10..20).contains(&day);
            rows.push(result("app", "local", at, !failed));
        }
        rows.push(result("app", "paris", now - 5_000, true));
        results.insert(&rows).await.expect("insert");
        assert_eq!(results.count().await.expect("count"), 96);

        let window = results.since("app", now - 3 * DAY_MS, 10).await.expect("since");
        assert_eq!(window.len(), 4);
        assert!(window.windows(2).all(|w| w[0].started_ms <= w[1].started_ms), "oldest first");
        assert_eq!(window[0], result("app", "local", now - 2 * DAY_MS - 1_000, true));
        assert_eq!(results.since("app", 0, 3).await.expect("limit").len(), 3);

        let latest = results.latest("app", "local").await.expect("latest").expect("one");
        assert_eq!((latest.started_ms, latest.success), (now - 1_000, 0));
        assert_eq!(latest.failure.as_deref(), Some("status 500, expected 2xx"));
        assert!(results.latest("app", "tokyo").await.expect("none").is_none());

        let [day, week, month, quarter] = results
            .tallies("app", [now - DAY_MS, now - 7 * DAY_MS, now - 30 * DAY_MS, now - 90 * DAY_MS])
            .await
            .expect("tallies");
        assert_eq!((day.runs, day.successes), (2, 1), "local (failed) and paris (ok)");
        assert_eq!((week.runs, week.successes), (8, 6));
        assert_eq!((month.runs, month.successes), (31, 19));
        assert_eq!((quarter.runs, quarter.successes), (91, 79));
        assert_eq!(day.ratio(), Some(0.5));
        // Windows are whole hours: a run 59 minutes before the window's start counts.
        results.insert(&[result("app", "local", now - DAY_MS + 1_000, true)]).await.expect("insert");
        let [hour_window] = results.tallies("app", [now - DAY_MS + 59 * 60 * 1000]).await.expect("tallies");
        assert_eq!((hour_window.runs, hour_window.successes), (3, 2), "the hour holding `from`");
        results.delete_older_than(now + DAY_MS, 1_000).await.expect("clean");
        let [none] = results.tallies("ghost", [0]).await.expect("no runs");
        assert_eq!(none.ratio(), None);

        let results_left = results.count().await.expect("count");
        assert_eq!(results_left, 0, "everything before now + 1 day went");
        results.insert(&rows).await.expect("insert again");
        let deleted = retention::probe_results_step(&store, now, 90, 7).await.expect("retention");
        assert_eq!(deleted, 10, "days 90 to 94 are older than 90 days: 5 results, 5 hours");
        assert_eq!(results.count().await.expect("count"), 91);
        let [all] = results.tallies("app", [0]).await.expect("tallies");
        assert_eq!(all.runs, 91, "the hours of the deleted results went too");
    }
}

on_both_engines! {
    /// NaN and infinite durations are refused before they reach the database.
    async fn non_finite_durations_are_refused(store) {
        store.migrate().await.expect("migrate");
        let mut row = result("app", "local", 1, true);
        row.duration_ms = f64::NAN;
        assert!(store.probe_results().insert(&[row]).await.is_err());
        assert_eq!(store.probe_results().count().await.expect("count"), 0);
    }
}

on_both_engines! {
    /// Both dialects create the same token and probe tables with the same columns.
    async fn both_dialects_have_the_same_probe_columns(store) {
        store.migrate().await.expect("migrate");
        let expected: [(&str, &[(&str, &str)]); 4] = [
            ("api_tokens", &[("id", "integer"), ("name", "text"), ("token_sha256", "text"),
                ("created_ms", "integer"), ("last_used_ms", "integer"), ("revoked_ms", "integer"),
                ("role", "text")]),
            ("probes", &[("name", "text"), ("definition", "text"), ("created_ms", "integer"),
                ("updated_ms", "integer")]),
            ("probe_results", &[("id", "integer"), ("probe", "text"), ("location", "text"),
                ("started_ms", "integer"), ("success", "integer"), ("duration_ms", "real"),
                ("timings", "text"), ("failure", "text"), ("result_id", "text"),
                ("cert_expiry_ms", "integer")]),
            ("probe_hourly", &[("probe", "text"), ("location", "text"), ("hour_ms", "integer"),
                ("runs", "integer"), ("successes", "integer"), ("duration_ms_sum", "real")]),
        ];
        for (table, spec) in expected {
            let want: Vec<(String, String)> =
                spec.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
            assert_eq!(columns(&store, table).await, want, "{table}");
        }
    }
}
