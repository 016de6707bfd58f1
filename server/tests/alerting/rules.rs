//! Each built-in rule from inactive to firing to resolved, with the series written into a real
//! store at chosen instants; the traffic guard; restarts.

use std::sync::Arc;

use server::alerting::engine::{Engine, RuleHealth};
use server::alerting::rules::RuleConfig;
use server::alerting::state::Phase;
use server::config::SyntheticConfig;
use server::probes::{ProbeSpec, Probes};
use server::status::{MaintenanceSpec, Status, StatusConfig};
use server::storage::{ErrorDetail, ProbeResultRow, RumEventRow, Store};
use server::telemetry::metrics::{self as names, Metrics};

use super::{MINUTE, Pg, SECOND, T0, engine_with_only, phase_of, sqlite_store, write};

const DAY: i64 = 24 * 60 * MINUTE;

/// Steps `engine` at `at` and checks the rule's phase.
async fn expect(engine: &Engine, at: i64, rule: &str, phase: Phase) {
    engine.step(at).await.expect("step");
    assert_eq!(
        phase_of(engine, rule),
        phase,
        "{rule} at T0{:+} s",
        (at - T0) / SECOND
    );
}

fn http_labels(class: &str) -> [(&'static str, &str); 3] {
    [("method", "GET"), ("route", "/"), ("status_class", class)]
}

#[tokio::test]
async fn high_latency_fires_on_a_slow_minute_and_resolves() {
    let (store, _dir) = sqlite_store().await;
    let ok = http_labels("2xx");
    // 100 requests of 0.8 s in the minute before T0, then 100 of 0.1 s.
    write(
        &store,
        names::HTTP_REQUEST_DURATION_SECONDS_SUM,
        &ok,
        &[(T0 - MINUTE, 0.0), (T0, 80.0), (T0 + MINUTE, 90.0)],
    )
    .await;
    write(
        &store,
        names::HTTP_REQUEST_DURATION_SECONDS_COUNT,
        &ok,
        &[(T0 - MINUTE, 0.0), (T0, 100.0), (T0 + MINUTE, 200.0)],
    )
    .await;
    let engine = engine_with_only(&store, "HighLatency", &[]);
    expect(&engine, T0 - MINUTE, "HighLatency", Phase::Inactive).await;
    expect(&engine, T0, "HighLatency", Phase::Firing).await;
    let alert = engine
        .alerts()
        .into_iter()
        .find(|a| a.rule == "HighLatency")
        .expect("alert");
    assert!(
        (alert.value.expect("value") - 0.8).abs() < 1e-9,
        "{alert:?}"
    );
    assert_eq!(alert.labels["severity"], "warning");
    assert_eq!(alert.annotations["playbook"], "high-latency");
    expect(&engine, T0 + MINUTE, "HighLatency", Phase::Resolved).await;
}

/// Requests of the 2xx and 5xx classes, cumulative, at each instant.
async fn write_requests(store: &Store, points: &[(i64, f64, f64)]) {
    let ok: Vec<(i64, f64)> = points.iter().map(|(t, ok, _)| (*t, *ok)).collect();
    let errors: Vec<(i64, f64)> = points.iter().map(|(t, _, e)| (*t, *e)).collect();
    write(store, names::HTTP_REQUESTS_TOTAL, &http_labels("2xx"), &ok).await;
    write(
        store,
        names::HTTP_REQUESTS_TOTAL,
        &http_labels("5xx"),
        &errors,
    )
    .await;
}

async fn error_rate_fires_and_resolves(store: &Store) {
    write_requests(
        store,
        &[
            (T0 - 5 * MINUTE, 0.0, 0.0),
            (T0, 90.0, 10.0),
            (T0 + 5 * MINUTE, 190.0, 10.0),
        ],
    )
    .await;
    let engine = engine_with_only(store, "HighErrorRate", &[]);
    expect(&engine, T0, "HighErrorRate", Phase::Firing).await;
    expect(&engine, T0 + 5 * MINUTE, "HighErrorRate", Phase::Resolved).await;
    let history = store.alerts().history(10).await.expect("history");
    let phases: Vec<(&str, &str)> = history
        .iter()
        .rev()
        .map(|h| (h.previous.as_str(), h.phase.as_str()))
        .collect();
    assert_eq!(phases, [("inactive", "firing"), ("firing", "resolved")]);
}

#[tokio::test]
async fn high_error_rate_fires_and_resolves_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    error_rate_fires_and_resolves(&store).await;
}

#[tokio::test]
async fn high_error_rate_fires_and_resolves_on_postgres() {
    let Some(pg) = Pg::start().await else { return };
    error_rate_fires_and_resolves(&pg.store).await;
    pg.stop().await;
}

#[tokio::test]
async fn three_requests_with_one_error_page_nobody_and_say_no_data() {
    let (store, _dir) = sqlite_store().await;
    write_requests(&store, &[(T0 - 5 * MINUTE, 0.0, 0.0), (T0, 2.0, 1.0)]).await;
    let engine = engine_with_only(&store, "HighErrorRate", &[]);
    expect(&engine, T0, "HighErrorRate", Phase::Inactive).await;
    let status = engine.rule_status("HighErrorRate");
    assert_eq!(status.health, RuleHealth::NoData);
    assert_eq!(
        status.detail.as_deref(),
        Some("3 requests in the window, fewer than 20")
    );
    // The guard is a setting: with a minimum of 3, the same traffic fires.
    let engine = engine_with_only(
        &store,
        "HighErrorRate",
        &[RuleConfig {
            name: "HighErrorRate".into(),
            min_requests: Some(3),
            ..RuleConfig::default()
        }],
    );
    expect(&engine, T0, "HighErrorRate", Phase::Firing).await;
}

#[tokio::test]
async fn traffic_anomaly_compares_with_the_day_before() {
    let (store, _dir) = sqlite_store().await;
    let w = 10 * MINUTE;
    let ok = http_labels("2xx");
    // A day ago: 1,000 requests per 10 minutes. Now: 100, then 1,000 again.
    write(
        &store,
        names::HTTP_REQUESTS_TOTAL,
        &ok,
        &[
            (T0 - DAY - w, 0.0),
            (T0 - DAY, 1000.0),
            (T0 - DAY + w, 2000.0),
            (T0 - w, 5000.0),
            (T0, 5100.0),
            (T0 + w, 6100.0),
        ],
    )
    .await;
    let engine = engine_with_only(&store, "TrafficAnomaly", &[]);
    expect(&engine, T0, "TrafficAnomaly", Phase::Firing).await;
    let alert = engine.alerts().into_iter().next().expect("alert");
    assert!(
        (alert.value.expect("value") - 0.9).abs() < 1e-9,
        "{alert:?}"
    );
    expect(&engine, T0 + w, "TrafficAnomaly", Phase::Resolved).await;
    // Without any history to compare with: no data, not an anomaly.
    let (empty, _dir2) = sqlite_store().await;
    write(
        &empty,
        names::HTTP_REQUESTS_TOTAL,
        &ok,
        &[(T0 - w, 0.0), (T0, 100.0)],
    )
    .await;
    let engine = engine_with_only(&empty, "TrafficAnomaly", &[]);
    expect(&engine, T0, "TrafficAnomaly", Phase::Inactive).await;
    assert_eq!(
        engine.rule_status("TrafficAnomaly").health,
        RuleHealth::NoData
    );
}

/// A gauge rule: `bad` samples fire it at T0, then a `good` sample at `good_at` resolves it.
async fn gauge_rule(rule: &str, gauge: &str, bad: &[(i64, f64)], good_at: i64, good: f64) {
    let (store, _dir) = sqlite_store().await;
    write(&store, gauge, &[], bad).await;
    write(&store, gauge, &[], &[(good_at, good)]).await;
    let engine = engine_with_only(&store, rule, &[]);
    expect(&engine, T0, rule, Phase::Firing).await;
    expect(&engine, good_at, rule, Phase::Resolved).await;
}

#[tokio::test]
async fn saturation_memory_and_disk_fire_above_their_thresholds() {
    gauge_rule(
        "HighSaturation",
        names::HTTP_SATURATION_RATIO,
        &[(T0, 0.9)],
        T0 + 2 * MINUTE,
        0.1,
    )
    .await;
    gauge_rule(
        "HostMemoryHigh",
        names::HOST_MEMORY_USAGE_RATIO,
        &[(T0, 0.9)],
        T0 + 2 * MINUTE,
        0.5,
    )
    .await;
    gauge_rule(
        "DiskAlmostFull",
        names::DATA_DIR_DISK_USAGE_RATIO,
        &[(T0, 0.95)],
        T0 + 2 * MINUTE,
        0.5,
    )
    .await;
}

#[tokio::test]
async fn host_cpu_fires_only_after_ten_minutes_above_80_percent() {
    let ten_minutes: Vec<(i64, f64)> = (0..=10)
        .map(|m| (T0 - 10 * MINUTE + m * MINUTE, 0.95))
        .collect();
    gauge_rule(
        "HostCpuHigh",
        names::HOST_CPU_USAGE_RATIO,
        &ten_minutes,
        T0 + MINUTE,
        0.5,
    )
    .await;
    // One minute below in the ten: not firing.
    let (store, _dir) = sqlite_store().await;
    let mut dip = ten_minutes.clone();
    dip[5].1 = 0.5;
    write(&store, names::HOST_CPU_USAGE_RATIO, &[], &dip).await;
    let engine = engine_with_only(&store, "HostCpuHigh", &[]);
    expect(&engine, T0, "HostCpuHigh", Phase::Inactive).await;
}

fn probe(name: &str) -> ProbeSpec {
    serde_json::from_value(serde_json::json!({
        "name": name, "kind": "tcp", "interval_seconds": 30,
        "locations": ["local", "eu-west"], "tcp": {"address": "127.0.0.1:9"},
    }))
    .expect("probe")
}

fn run(
    probe: &str,
    location: &str,
    at: i64,
    success: bool,
    failure: Option<&str>,
) -> ProbeResultRow {
    ProbeResultRow {
        probe: probe.into(),
        location: location.into(),
        started_ms: at,
        success: i64::from(success),
        duration_ms: 5.0,
        timings: "[]".into(),
        failure: failure.map(str::to_string),
        cert_expiry_ms: None,
    }
}

#[tokio::test]
async fn probe_failing_needs_two_locations_and_ignores_unavailable_runs() {
    let (store, _dir) = sqlite_store().await;
    let synthetic = SyntheticConfig {
        enabled: false,
        ..SyntheticConfig::default()
    };
    let probes = Probes::new(
        &synthetic,
        &[probe("db")],
        store.clone(),
        Arc::new(Metrics::new(8)),
    )
    .expect("probes");
    let rules = super::rules(&[])
        .into_iter()
        .map(|mut r| {
            r.enabled = r.name == "ProbeFailing";
            r
        })
        .collect();
    // A maintenance window on the probe, from T0 + 1 min for an hour.
    let window: MaintenanceSpec = serde_json::from_value(serde_json::json!({
        "name": "db upgrade",
        "components": ["db"],
        "start": "2027-01-15T08:01:00Z",
        "end": "2027-01-15T09:01:00Z",
    }))
    .expect("window");
    let status = Status::new(&StatusConfig::default(), &[window]).expect("status");
    let engine = Engine::new(
        rules,
        store.clone(),
        Some(probes),
        Some(status),
        std::time::Duration::from_secs(15),
    );
    let results = store.probe_results();
    results
        .insert(&[run(
            "db",
            "local",
            T0 - 40 * SECOND,
            false,
            Some("connection refused"),
        )])
        .await
        .expect("insert");
    results
        .insert(&[run("db", "eu-west", T0 - 40 * SECOND, true, None)])
        .await
        .expect("insert");
    expect(&engine, T0, "ProbeFailing", Phase::Inactive).await;
    // An agent that could not run it (no Chromium, say) does not count as failing.
    results
        .insert(&[run(
            "db",
            "eu-west",
            T0 - 10 * SECOND,
            false,
            Some("unavailable: no Chromium"),
        )])
        .await
        .expect("insert");
    expect(&engine, T0, "ProbeFailing", Phase::Inactive).await;
    results
        .insert(&[run(
            "db",
            "eu-west",
            T0 - 5 * SECOND,
            false,
            Some("timed out after 1000 ms"),
        )])
        .await
        .expect("insert");
    expect(&engine, T0, "ProbeFailing", Phase::Firing).await;
    let alert = engine.alerts().into_iter().next().expect("alert");
    assert_eq!(alert.labels["probe"], "db");
    // Not held now; held by the window a minute later.
    assert_eq!(
        engine
            .maintenance_hold(&alert.labels, T0)
            .await
            .expect("hold"),
        None
    );
    assert_eq!(
        engine
            .maintenance_hold(&alert.labels, T0 + 2 * MINUTE)
            .await
            .expect("hold")
            .as_deref(),
        Some("maintenance:db")
    );
    results
        .insert(&[run("db", "local", T0 + 20 * SECOND, true, None)])
        .await
        .expect("insert");
    expect(&engine, T0 + 30 * SECOND, "ProbeFailing", Phase::Resolved).await;
    // Results older than three intervals say nothing of now.
    expect(&engine, T0 + 10 * MINUTE, "ProbeFailing", Phase::Resolved).await;
    assert_eq!(
        engine.rule_status("ProbeFailing").health,
        RuleHealth::NoData
    );
}

fn rum_event(
    at: i64,
    event_type: &'static str,
    name: &'static str,
    value: Option<f64>,
    n: usize,
) -> RumEventRow {
    RumEventRow {
        received_ms: at,
        session: Arc::from(format!("s{n}").as_str()),
        app_version: Arc::from("0.1.0"),
        route: Arc::from("/"),
        device: "desktop",
        browser: "chromium",
        viewport: "desktop",
        connection: None,
        client_net: None,
        event_type,
        name,
        value,
        rating: None,
        at_ms: 10.0,
        size_bucket: None,
        rows_bucket: None,
        thread: None,
        error: (event_type == "error").then(|| ErrorDetail {
            message: "boom".into(),
            source: "app.js".into(),
            line: 1,
            column: 1,
            fingerprint: "f1".into(),
            stack: None,
        }),
        navigation: None,
        ms_per_10k_rows: None,
    }
}

#[tokio::test]
async fn web_vitals_poor_fires_on_the_lcp_p75() {
    let (store, _dir) = sqlite_store().await;
    let lcp = |at: i64, values: &[f64]| -> Vec<RumEventRow> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| rum_event(at, "vital", "LCP", Some(*v), i))
            .collect()
    };
    // p75 of 1.0, 3.0, 3.5, 4.0 s is 3.5 s (nearest rank).
    store
        .rum()
        .insert(&lcp(T0 - 10 * SECOND, &[1000.0, 3000.0, 3500.0, 4000.0]))
        .await
        .expect("insert");
    let engine = engine_with_only(&store, "WebVitalsPoor", &[]);
    expect(&engine, T0, "WebVitalsPoor", Phase::Firing).await;
    assert_eq!(engine.alerts()[0].value, Some(3.5));
    store
        .rum()
        .insert(&lcp(T0 + 20 * MINUTE, &[900.0, 1000.0, 1200.0, 1300.0]))
        .await
        .expect("insert");
    expect(&engine, T0 + 20 * MINUTE, "WebVitalsPoor", Phase::Resolved).await;
}

#[tokio::test]
async fn prediction_latency_high_fires_on_the_p75_per_10k_rows_of_large_analyses() {
    let (store, _dir) = sqlite_store().await;
    let timing =
        |at: i64, name: &'static str, rows: &'static str, per_10k: f64, n: usize| RumEventRow {
            rows_bucket: Some(rows),
            thread: Some("worker"),
            size_bucket: Some("1-10MB"),
            ms_per_10k_rows: Some(per_10k),
            ..rum_event(at, "timing", name, Some(per_10k * 3.0), n)
        };
    // Analyses of 10,000 rows or more: 150, 180, 240, 300 ms per 10k; p75 (nearest rank) 240.
    // Small files' fixed costs (5,000 ms per 10k) do not count.
    let mut events: Vec<RumEventRow> = [150.0, 180.0, 240.0, 300.0]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let name = ["profile", "drift", "quality", "profile"][i];
            timing(T0 - 10 * SECOND, name, "10k-100k", *v, i)
        })
        .collect();
    events.extend((0..10).map(|i| timing(T0 - 5 * SECOND, "profile", "1k-10k", 5000.0, 10 + i)));
    store.rum().insert(&events).await.expect("insert");
    let engine = engine_with_only(&store, "PredictionLatencyHigh", &[]);
    expect(
        &engine,
        T0 - 20 * MINUTE,
        "PredictionLatencyHigh",
        Phase::Inactive,
    )
    .await;
    expect(&engine, T0, "PredictionLatencyHigh", Phase::Firing).await;
    assert_eq!(engine.alerts()[0].value, Some(240.0));
    // 15 minutes later the window holds only fast analyses: p75 of 90, 100, 110, 120 is 110.
    let fast: Vec<RumEventRow> = [90.0, 100.0, 110.0, 120.0]
        .iter()
        .enumerate()
        .map(|(i, v)| timing(T0 + 20 * MINUTE, "profile", "100k-1M", *v, 20 + i))
        .collect();
    store.rum().insert(&fast).await.expect("insert");
    expect(
        &engine,
        T0 + 20 * MINUTE,
        "PredictionLatencyHigh",
        Phase::Resolved,
    )
    .await;
    assert_eq!(engine.alerts()[0].value, Some(110.0));
    // Only small analyses in the window: no data, not OK and not firing.
    let (store, _dir) = sqlite_store().await;
    let small: Vec<RumEventRow> = (0..5)
        .map(|i| timing(T0 - 5 * SECOND, "profile", "<1k", 9000.0, i))
        .collect();
    store.rum().insert(&small).await.expect("insert");
    let engine = engine_with_only(&store, "PredictionLatencyHigh", &[]);
    expect(&engine, T0, "PredictionLatencyHigh", Phase::Inactive).await;
    assert_eq!(
        engine.rule_status("PredictionLatencyHigh").health,
        RuleHealth::NoData
    );
}

#[tokio::test]
async fn js_error_spike_needs_ten_a_minute_and_three_times_the_hour_before() {
    let errors = |from: i64, count: usize, spread: i64| -> Vec<RumEventRow> {
        (0..count)
            .map(|i| {
                rum_event(
                    from + (i as i64 * spread) / count as i64,
                    "error",
                    "js",
                    None,
                    i,
                )
            })
            .collect()
    };
    // The hour before: 60 errors (1 a minute). The 5 minutes before T0: 100 (20 a minute).
    let (store, _dir) = sqlite_store().await;
    store
        .rum()
        .insert(&errors(T0 - 65 * MINUTE + 1, 60, 60 * MINUTE))
        .await
        .expect("insert");
    store
        .rum()
        .insert(&errors(T0 - 5 * MINUTE + 1, 100, 5 * MINUTE - 1))
        .await
        .expect("insert");
    let engine = engine_with_only(&store, "JsErrorSpike", &[]);
    expect(&engine, T0, "JsErrorSpike", Phase::Firing).await;
    expect(&engine, T0 + 10 * MINUTE, "JsErrorSpike", Phase::Resolved).await;

    // Already 10 a minute the hour before: 20 a minute is not 3× that.
    let (store, _dir) = sqlite_store().await;
    store
        .rum()
        .insert(&errors(T0 - 65 * MINUTE + 1, 600, 60 * MINUTE))
        .await
        .expect("insert");
    store
        .rum()
        .insert(&errors(T0 - 5 * MINUTE + 1, 100, 5 * MINUTE - 1))
        .await
        .expect("insert");
    let engine = engine_with_only(&store, "JsErrorSpike", &[]);
    expect(&engine, T0, "JsErrorSpike", Phase::Inactive).await;
    let alert = engine.alerts().into_iter().next().expect("observed");
    assert!(
        alert
            .note
            .as_deref()
            .is_some_and(|n| n.contains("under 3× the hour before")),
        "{alert:?}"
    );
}

#[tokio::test]
async fn the_watchdog_always_fires() {
    let (store, _dir) = sqlite_store().await;
    let engine = engine_with_only(&store, "Watchdog", &[]);
    expect(&engine, T0, "Watchdog", Phase::Firing).await;
    expect(&engine, T0 + MINUTE, "Watchdog", Phase::Firing).await;
}

#[tokio::test]
async fn for_holds_the_alert_pending_and_a_restart_carries_the_state_over() {
    let (store, _dir) = sqlite_store().await;
    write_requests(
        &store,
        &[
            (T0 - 5 * MINUTE, 0.0, 0.0),
            (T0, 90.0, 10.0),
            (T0 + MINUTE, 180.0, 20.0),
            (T0 + 2 * MINUTE, 270.0, 30.0),
        ],
    )
    .await;
    let slow = [RuleConfig {
        name: "HighErrorRate".into(),
        for_seconds: Some(60),
        ..RuleConfig::default()
    }];
    let engine = engine_with_only(&store, "HighErrorRate", &slow);
    expect(&engine, T0, "HighErrorRate", Phase::Pending).await;
    expect(&engine, T0 + 30 * SECOND, "HighErrorRate", Phase::Pending).await;
    expect(&engine, T0 + MINUTE, "HighErrorRate", Phase::Firing).await;

    // A new engine (the server restarted) over the same store: still firing, same episode.
    let restarted = engine_with_only(&store, "HighErrorRate", &slow);
    assert_eq!(restarted.load().await.expect("load"), 1);
    let report = restarted.step(T0 + 2 * MINUTE).await.expect("step");
    assert!(report.changes.is_empty(), "{report:?}");
    let alert = restarted.alerts().into_iter().next().expect("alert");
    assert_eq!(alert.state.phase, Phase::Firing);
    assert_eq!(alert.state.fired_at_ms, Some(T0 + MINUTE));
    let firings = store
        .alerts()
        .history(100)
        .await
        .expect("history")
        .into_iter()
        .filter(|h| h.phase == "firing")
        .count();
    assert_eq!(firings, 1, "one episode, noted once");

    // The rule disabled: its alert resolves instead of firing forever.
    let disabled = [RuleConfig {
        name: "HighErrorRate".into(),
        enabled: Some(false),
        ..RuleConfig::default()
    }];
    let engine = engine_with_only(&store, "Watchdog", &disabled);
    engine.load().await.expect("load");
    engine.step(T0 + 3 * MINUTE).await.expect("step");
    assert_eq!(phase_of(&engine, "HighErrorRate"), Phase::Resolved);
}

fn report(json: serde_json::Value) -> shared::api::model_report::ModelReport {
    serde_json::from_value(json).expect("a model report")
}

#[tokio::test]
async fn model_quality_drop_fires_on_more_than_ten_percent_below_the_baseline() {
    let (store, _dir) = sqlite_store().await;
    let reports = store.model_reports();
    let quality = |accuracy: f64, f1: f64| {
        report(serde_json::json!({
            "kind": "quality", "name": "churn", "app_version": "0.1.0", "rows": 1000,
            "accuracy": accuracy, "f1_macro": f1, "f1_weighted": f1,
            "baseline": {"accuracy": 0.90, "f1_macro": 0.80},
        }))
    };
    // 0.85 / 0.90 is 5.6% below, 0.75 / 0.80 is 6.25% below: not firing.
    reports
        .insert(&quality(0.85, 0.75), T0 - MINUTE)
        .await
        .expect("insert");
    let engine = engine_with_only(&store, "ModelQualityDrop", &[]);
    expect(&engine, T0, "ModelQualityDrop", Phase::Inactive).await;
    // Macro F1 0.70 / 0.80 is 12.5% below: firing, for model `churn`.
    reports
        .insert(&quality(0.88, 0.70), T0 + MINUTE)
        .await
        .expect("insert");
    expect(&engine, T0 + 2 * MINUTE, "ModelQualityDrop", Phase::Firing).await;
    let alert = engine.alerts().into_iter().next().expect("alert");
    assert_eq!(alert.labels["model"], "churn");
    assert!(
        (alert.value.expect("value") - 0.125).abs() < 1e-9,
        "{alert:?}"
    );
    reports
        .insert(&quality(0.89, 0.79), T0 + 3 * MINUTE)
        .await
        .expect("insert");
    expect(
        &engine,
        T0 + 4 * MINUTE,
        "ModelQualityDrop",
        Phase::Resolved,
    )
    .await;
}

#[tokio::test]
async fn data_drift_fires_on_a_published_drift_verdict() {
    let (store, _dir) = sqlite_store().await;
    let drift = |drifted: bool| {
        report(serde_json::json!({
            "kind": "drift", "name": "loans", "app_version": "0.1.0",
            "rows_reference": 500, "rows_current": 500, "columns_tested": 2,
            "columns_drifted": if drifted { 2 } else { 0 }, "dataset_drift": drifted,
            "thresholds": {"p_value": 0.05, "drift_share": 0.5},
        }))
    };
    store
        .model_reports()
        .insert(&drift(true), T0 - MINUTE)
        .await
        .expect("insert");
    let engine = engine_with_only(&store, "DataDrift", &[]);
    expect(&engine, T0, "DataDrift", Phase::Firing).await;
    assert_eq!(engine.alerts()[0].labels["dataset"], "loans");
    store
        .model_reports()
        .insert(&drift(false), T0 + MINUTE)
        .await
        .expect("insert");
    expect(&engine, T0 + 2 * MINUTE, "DataDrift", Phase::Resolved).await;
}

#[tokio::test]
async fn errors_of_a_series_born_in_the_window_count_from_zero() {
    // 100 requests answered 2xx since before the window; a route's first 5xx appear in it
    // (their label set has no earlier sample): 10 of 110, firing.
    let (store, _dir) = sqlite_store().await;
    write(
        &store,
        names::HTTP_REQUESTS_TOTAL,
        &http_labels("2xx"),
        &[(T0 - 10 * MINUTE, 0.0), (T0 - MINUTE, 100.0), (T0, 100.0)],
    )
    .await;
    write(
        &store,
        names::HTTP_REQUESTS_TOTAL,
        &http_labels("5xx"),
        &[(T0 - MINUTE, 10.0), (T0, 10.0)],
    )
    .await;
    let engine = engine_with_only(&store, "HighErrorRate", &[]);
    expect(&engine, T0, "HighErrorRate", Phase::Firing).await;
    let alert = engine.alerts().into_iter().next().expect("alert");
    assert!(
        (alert.value.expect("value") - 10.0 / 110.0).abs() < 1e-9,
        "{alert:?}"
    );
}
