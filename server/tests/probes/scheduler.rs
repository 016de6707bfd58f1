//! The scheduler: cadence, a hung target that delays no other probe, the concurrency limit,
//! results in the database and in `/metrics`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use server::config::SyntheticConfig;
use server::probes::{ProbeSpec, Probes};
use server::storage::Store;
use server::telemetry::metrics::Metrics;

use super::spec;
use super::targets::spawn_http_target;

/// A migrated SQLite store in a temp dir (kept alive by the returned guard).
async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("p.db").display()))
        .await
        .expect("SQLite");
    store.migrate().await.expect("migrate");
    (store, dir)
}

fn probe(name: &str, url: &str, interval_seconds: u64, timeout_ms: u64) -> ProbeSpec {
    spec(json!({
        "name": name,
        "kind": "http",
        "interval_seconds": interval_seconds,
        "timeout_ms": timeout_ms,
        "http": {"url": url},
    }))
}

fn probes(specs: &[ProbeSpec], max_concurrency: usize, store: &Store) -> (Probes, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new(8));
    let settings = SyntheticConfig {
        max_concurrency,
        ..SyntheticConfig::default()
    };
    let probes = Probes::new(&settings, specs, store.clone(), metrics.clone()).expect("probes");
    (probes, metrics)
}

/// With instants chosen by the test: every probe is due once within its first interval (its
/// jitter), a probe whose run hangs is skipped at its next turn while the others start, and the
/// hung run ends as a timeout failure at its timeout — after the fast probe's result is in.
#[tokio::test]
async fn a_hung_target_delays_no_other_probe() {
    let target = spawn_http_target().await;
    let (store, _dir) = sqlite().await;
    let (probes, metrics) = probes(
        &[
            probe("fast", &target.url("/ok"), 10, 2000),
            probe("hung", &target.url("/hang"), 10, 2000),
        ],
        8,
        &store,
    );
    let t0 = Instant::now();
    assert!(
        probes.step(t0 - Duration::from_secs(1)).is_empty(),
        "nothing due before the start"
    );
    let first_due = probes.next_due().expect("local probes are scheduled");
    assert!(first_due >= t0 - Duration::from_secs(1) && first_due < t0 + Duration::from_secs(10));

    let started = Instant::now();
    let mut first = probes.step(t0 + Duration::from_secs(10));
    assert_eq!(first.len(), 2, "both are due within their first interval");
    assert!(
        probes.step(t0 + Duration::from_secs(10)).is_empty(),
        "not twice in a turn"
    );

    // `fast` answers within milliseconds; `hung` is still in flight at the next turn: it is
    // skipped, `fast` runs (and is done long before `hung`'s timeout).
    let results = store.probe_results();
    for _ in 0..150 {
        if !results.since("fast", 0, 10).await.expect("read").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = probes.step(t0 + Duration::from_secs(20));
    assert_eq!(second.len(), 1);
    let fast_again = second
        .into_iter()
        .next()
        .expect("one run")
        .await
        .expect("no panic");
    assert_eq!(fast_again.probe, "fast");
    assert!(fast_again.outcome.success, "{:?}", fast_again.outcome);
    let fast_done = started.elapsed();
    assert!(
        fast_done < Duration::from_millis(1900),
        "fast ran twice while hung was in flight: {fast_done:?}"
    );

    let mut reports = Vec::new();
    for task in first.drain(..) {
        reports.push(task.await.expect("no panic"));
    }
    let hung = reports
        .iter()
        .find(|r| r.probe == "hung")
        .expect("hung ran");
    assert!(!hung.outcome.success);
    assert_eq!(
        hung.outcome.failure.as_deref(),
        Some("timed out after 2000 ms")
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(2000) && waited < Duration::from_millis(3000),
        "{waited:?}"
    );
    assert!(hung.recorded);

    let fast_rows = results.since("fast", 0, 10).await.expect("read");
    assert_eq!(fast_rows.len(), 2);
    assert!(
        fast_rows
            .iter()
            .all(|r| r.success == 1 && r.failure.is_none())
    );
    assert!(
        fast_rows[0].timings.contains("\"step\":\"response\""),
        "{}",
        fast_rows[0].timings
    );
    let hung_rows = results.since("hung", 0, 10).await.expect("read");
    assert_eq!(hung_rows.len(), 1);
    assert_eq!(hung_rows[0].success, 0);
    assert_eq!(hung_rows[0].location, "local");
    assert!((hung_rows[0].duration_ms - 2000.0).abs() < 1.0);

    let text = metrics.encode();
    assert!(
        text.contains("probe_success{probe=\"fast\",location=\"local\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("probe_success{probe=\"hung\",location=\"local\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "probe_duration_seconds{probe=\"hung\",location=\"local\",step=\"total\"} 2.0\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "probe_duration_seconds{probe=\"fast\",location=\"local\",step=\"response\"}"
        ),
        "{text}"
    );
}

/// With `max_concurrency = 1`, two due runs go one after the other.
#[tokio::test]
async fn the_concurrency_limit_holds_runs_back() {
    let target = spawn_http_target().await;
    let (store, _dir) = sqlite().await;
    let (probes, _) = probes(
        &[
            probe("slow-a", &target.url("/slow"), 10, 2000),
            probe("slow-b", &target.url("/slow"), 10, 2000),
        ],
        1,
        &store,
    );
    let runs = probes.step(Instant::now() + Duration::from_secs(10));
    assert_eq!(runs.len(), 2);
    let mut started = Vec::new();
    for run in runs {
        let report = run.await.expect("no panic");
        assert!(report.outcome.success, "{:?}", report.outcome);
        started.push(report.started_ms);
    }
    started.sort_unstable();
    assert!(
        started[1] - started[0] >= 290,
        "the second started when the first (300 ms) ended: {started:?}"
    );
}

/// The real loop on the wall clock: a 1-second probe keeps its cadence next to one that hangs
/// every time, and the loop stops on shutdown.
#[tokio::test]
async fn the_loop_keeps_each_probe_on_its_interval() {
    let target = spawn_http_target().await;
    let (store, _dir) = sqlite().await;
    let (probes, _) = probes(
        &[
            probe("tick", &target.url("/tick"), 1, 500),
            probe("hang", &target.url("/hang"), 1, 900),
        ],
        8,
        &store,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::probes::scheduler::run(probes.clone(), async {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(4_300)).await;
    stop.send(()).expect("loop alive");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops on shutdown")
        .expect("no panic");
    let ticks = target.tick_times();
    assert!(
        (4..=5).contains(&ticks.len()),
        "{} runs in 4.3 s",
        ticks.len()
    );
    for pair in ticks.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(
            gap > Duration::from_millis(850) && gap < Duration::from_millis(1150),
            "runs 1 s apart, got {gap:?}"
        );
    }
    let hangs = store
        .probe_results()
        .since("hang", 0, 100)
        .await
        .expect("read");
    assert!(hangs.len() >= 3, "{hangs:?}");
    assert!(
        hangs
            .iter()
            .all(|r| r.success == 0 && r.failure.as_deref() == Some("timed out after 900 ms"))
    );
}

/// Probes assigned to other locations are defined (listed) but never run by the server.
#[tokio::test]
async fn only_local_probes_run_here() {
    let target = spawn_http_target().await;
    let (store, _dir) = sqlite().await;
    let mut remote = probe("from-paris", &target.url("/tick"), 1, 500);
    remote.locations = vec!["paris".to_string()];
    let mut both = probe("everywhere", &target.url("/ok"), 1, 500);
    both.locations = vec!["paris".to_string(), "local".to_string()];
    let (probes, _) = probes(&[remote, both], 8, &store);
    assert_eq!(probes.list().len(), 2);
    let runs = probes.step(Instant::now() + Duration::from_secs(60));
    assert_eq!(runs.len(), 1);
    let report = runs
        .into_iter()
        .next()
        .expect("one")
        .await
        .expect("no panic");
    assert_eq!(
        (report.probe.as_str(), report.location.as_str()),
        ("everywhere", "local")
    );
    assert!(
        target.tick_times().is_empty(),
        "the paris probe did not run here"
    );
}
