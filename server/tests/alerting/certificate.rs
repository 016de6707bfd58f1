//! CertificateExpiring over real components: a local TLS server presents a certificate made
//! with rcgen, the real http probe runs against it through the real scheduler, its result is
//! stored (SQLite) with the certificate's expiry and published on `/metrics`, and the engine
//! moves the alert inactive → pending → firing, then resolved once the server presents a
//! renewed certificate. The oracle is the `notAfter` the test gave rcgen.
//!
//! Then the signal's rules on both dialects, with results written at chosen instants: the least
//! over locations, the last certificate seen when a run failed before reading one, none after a
//! success without one, stale results, and probes that read no certificate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use server::alerting::engine::{Engine, RuleHealth};
use server::alerting::rules::RuleConfig;
use server::alerting::state::Phase;
use server::config::SyntheticConfig;
use server::probes::{ProbeSpec, Probes};
use server::storage::{ProbeResultRow, Store};
use server::telemetry::metrics::Metrics;

use super::targets::spawn_tls_target_until;
use super::{MINUTE, Pg, SECOND, T0, phase_of, rules, sqlite_store};

const RULE: &str = "CertificateExpiring";
const DAY_S: i64 = 86_400;
const DAY: i64 = DAY_S * SECOND;

fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64
}

/// An engine over `store` and `probes` with only CertificateExpiring enabled, changed by
/// `tables`.
fn engine(store: &Store, probes: Probes, tables: &[RuleConfig]) -> Engine {
    let rules = rules(tables)
        .into_iter()
        .map(|mut rule| {
            rule.enabled = rule.name == RULE;
            rule
        })
        .collect();
    Engine::new(
        rules,
        store.clone(),
        Some(probes),
        None,
        Duration::from_secs(15),
    )
}

fn probes(specs: &[ProbeSpec], store: &Store) -> (Probes, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new(8));
    let probes = Probes::new(
        &SyntheticConfig::default(),
        specs,
        store.clone(),
        metrics.clone(),
    )
    .expect("probes");
    (probes, metrics)
}

/// Runs every local probe once now, whatever its phase, and waits for the results to be
/// stored: the scheduler is stepped `turn` days ahead (each turn later than the one before, so
/// that every probe is due again).
async fn run_all(probes: &Probes, turn: u64) {
    let due = Instant::now() + Duration::from_secs(turn * 24 * 3600);
    for run in probes.step(due) {
        let report = run.await.expect("the run");
        assert!(report.recorded, "{report:?}");
    }
}

/// The value of `name{labels}` in the exposition.
fn exposed(metrics: &Metrics, series: &str) -> Option<f64> {
    let text = metrics.encode();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().expect("a number"))
}

#[tokio::test]
async fn a_certificate_ten_days_from_expiry_fires_and_a_renewed_one_resolves() {
    let (store, _dir) = sqlite_store().await;
    let now_s = unix_now_ms() / 1000;
    let not_after = now_s + 10 * DAY_S;
    let target = spawn_tls_target_until(not_after).await;
    let spec: ProbeSpec = serde_json::from_value(serde_json::json!({
        "name": "site", "kind": "http", "interval_seconds": 600, "timeout_ms": 5000,
        "http": {"url": format!("{}/", target.base), "insecure_skip_verify": true},
    }))
    .expect("probe");
    let (probes, metrics) = probes(&[spec], &store);
    // `for` changed by the configuration, as any rule's: pending for 5 minutes first.
    let slow = [RuleConfig {
        name: RULE.into(),
        for_seconds: Some(300),
        ..RuleConfig::default()
    }];
    let engine = engine(&store, probes.clone(), &slow);

    // No run yet: an https probe without a certificate seen is "no data", not OK.
    let t = unix_now_ms();
    engine.step(t).await.expect("step");
    assert_eq!(phase_of(&engine, RULE), Phase::Inactive);
    let status = engine.rule_status(RULE);
    assert_eq!(status.health, RuleHealth::NoData);
    assert_eq!(
        status.detail.as_deref(),
        Some("no recent run at any location read a TLS certificate")
    );

    run_all(&probes, 1).await;
    let row = store
        .probe_results()
        .latest("site", "local")
        .await
        .expect("read")
        .expect("a stored result");
    assert_eq!(row.success, 1, "{row:?}");
    assert_eq!(
        row.cert_expiry_ms,
        Some(not_after * 1000),
        "the notAfter given to rcgen"
    );
    assert_eq!(
        exposed(
            &metrics,
            "probe_ssl_earliest_cert_expiry{probe=\"site\",location=\"local\"}"
        ),
        Some(not_after as f64),
        "{}",
        metrics.encode()
    );

    let t1 = unix_now_ms();
    engine.step(t1).await.expect("step");
    assert_eq!(phase_of(&engine, RULE), Phase::Pending);
    let alert = engine.alerts().into_iter().next().expect("the alert");
    let expected_days = (not_after * 1000 - t1) as f64 / DAY as f64;
    assert!(
        (alert.value.expect("a value") - expected_days).abs() < 1e-9,
        "{alert:?}, expected {expected_days}"
    );
    assert!((9.99..=10.0).contains(&expected_days), "{expected_days}");
    assert_eq!(alert.labels["probe"], "site");
    assert_eq!(alert.labels["severity"], "warning");
    assert_eq!(alert.annotations["playbook"], "certificate-expiring");
    assert_eq!(
        alert.annotations["summary"],
        "A probed site's TLS certificate expires in less than 14 days"
    );
    engine.step(t1 + 4 * MINUTE).await.expect("step");
    assert_eq!(
        phase_of(&engine, RULE),
        Phase::Pending,
        "4 of the 5 minutes"
    );
    engine.step(t1 + 5 * MINUTE).await.expect("step");
    assert_eq!(phase_of(&engine, RULE), Phase::Firing);

    // Renewed for 60 days: the next run reads it, and the alert resolves.
    let renewed = unix_now_ms() / 1000 + 60 * DAY_S;
    target.present(renewed);
    run_all(&probes, 2).await;
    let row = store
        .probe_results()
        .latest("site", "local")
        .await
        .expect("read")
        .expect("a stored result");
    assert_eq!(row.cert_expiry_ms, Some(renewed * 1000));
    assert_eq!(
        exposed(
            &metrics,
            "probe_ssl_earliest_cert_expiry{probe=\"site\",location=\"local\"}"
        ),
        Some(renewed as f64)
    );
    engine.step(t1 + 6 * MINUTE).await.expect("step");
    assert_eq!(phase_of(&engine, RULE), Phase::Resolved);
    let alert = engine.alerts().into_iter().next().expect("the alert");
    let expected_days = (renewed * 1000 - (t1 + 6 * MINUTE)) as f64 / DAY as f64;
    assert!(
        (alert.value.expect("a value") - expected_days).abs() < 1e-9,
        "{alert:?}"
    );
    let phases: Vec<(String, String)> = store
        .alerts()
        .history(10)
        .await
        .expect("history")
        .into_iter()
        .rev()
        .map(|h| (h.previous, h.phase))
        .collect();
    assert_eq!(
        phases,
        [
            ("inactive".to_string(), "pending".to_string()),
            ("pending".to_string(), "firing".to_string()),
            ("firing".to_string(), "resolved".to_string()),
        ]
    );
}

fn spec(value: serde_json::Value) -> ProbeSpec {
    serde_json::from_value(value).expect("probe")
}

fn result(
    probe: &str,
    location: &str,
    at: i64,
    success: bool,
    cert_expiry_ms: Option<i64>,
) -> ProbeResultRow {
    ProbeResultRow {
        probe: probe.into(),
        location: location.into(),
        started_ms: at,
        success: i64::from(success),
        duration_ms: 5.0,
        timings: "[]".into(),
        failure: (!success).then(|| "connection failed: certificate expired".to_string()),
        cert_expiry_ms,
    }
}

/// The value of the one alert of the rule, and its phase.
fn seen(engine: &Engine) -> (Option<f64>, Phase) {
    let alerts: Vec<_> = engine
        .alerts()
        .into_iter()
        .filter(|a| a.rule == RULE)
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    (alerts[0].value, alerts[0].state.phase)
}

async fn the_least_over_locations_and_the_last_certificate_seen(store: &Store) {
    let site = spec(serde_json::json!({
        "name": "site", "kind": "http", "interval_seconds": 60,
        "locations": ["local", "eu-west"],
        "http": {"url": "https://127.0.0.1:9/"},
    }));
    let plain = spec(serde_json::json!({
        "name": "plain", "kind": "http", "interval_seconds": 60,
        "http": {"url": "http://127.0.0.1:9/"},
    }));
    let db = spec(serde_json::json!({
        "name": "db", "kind": "tcp", "interval_seconds": 60,
        "tcp": {"address": "127.0.0.1:9"},
    }));
    let synthetic = SyntheticConfig {
        enabled: false,
        ..SyntheticConfig::default()
    };
    let probes = Probes::new(
        &synthetic,
        &[site, plain, db],
        store.clone(),
        Arc::new(Metrics::new(8)),
    )
    .expect("probes");
    let engine = engine(store, probes, &[]);
    let results = store.probe_results();
    let insert = |row: ProbeResultRow| {
        let results = results.clone();
        async move { results.insert(&[row]).await.expect("insert") }
    };
    insert(result("plain", "local", T0 - 10 * SECOND, true, None)).await;
    insert(result("db", "local", T0 - 10 * SECOND, true, None)).await;
    insert(result(
        "site",
        "local",
        T0 - 20 * SECOND,
        true,
        Some(T0 + 40 * DAY),
    ))
    .await;
    insert(result(
        "site",
        "eu-west",
        T0 - 20 * SECOND,
        true,
        Some(T0 + 20 * DAY),
    ))
    .await;
    engine.step(T0).await.expect("step");
    // One observation, for the https probe only: the least of its locations, 20 days.
    assert_eq!(seen(&engine), (Some(20.0), Phase::Inactive));
    assert_eq!(engine.rule_status(RULE).health, RuleHealth::Ok);

    // eu-west now reads a certificate 10 days from expiry: the least, and below 14.
    insert(result(
        "site",
        "eu-west",
        T0 + 10 * SECOND,
        true,
        Some(T0 + 10 * DAY),
    ))
    .await;
    engine.step(T0 + MINUTE).await.expect("step");
    let (value, phase) = seen(&engine);
    assert_eq!(phase, Phase::Firing);
    assert!(
        (value.expect("value") - (10.0 - 1.0 / 1440.0)).abs() < 1e-9,
        "{value:?}"
    );

    // eu-west's next run fails before reading a certificate (the handshake refused): the
    // last one it read still counts, so the alert keeps firing rather than resolving.
    insert(result("site", "eu-west", T0 + 70 * SECOND, false, None)).await;
    engine.step(T0 + 2 * MINUTE).await.expect("step");
    let (value, phase) = seen(&engine);
    assert_eq!(phase, Phase::Firing);
    assert!(
        (value.expect("value") - (10.0 - 2.0 / 1440.0)).abs() < 1e-9,
        "{value:?}"
    );

    // eu-west succeeds without a certificate (the target went plain http): it gives none, and
    // local's certificate, 40 days away, resolves the alert.
    insert(result("site", "eu-west", T0 + 130 * SECOND, true, None)).await;
    insert(result(
        "site",
        "local",
        T0 + 130 * SECOND,
        true,
        Some(T0 + 40 * DAY),
    ))
    .await;
    engine.step(T0 + 3 * MINUTE).await.expect("step");
    let (value, phase) = seen(&engine);
    assert_eq!(phase, Phase::Resolved);
    assert!(
        (value.expect("value") - (40.0 - 3.0 / 1440.0)).abs() < 1e-9,
        "{value:?}"
    );

    // Results older than three intervals say nothing of now: no data.
    engine.step(T0 + 10 * MINUTE).await.expect("step");
    assert_eq!(seen(&engine), (None, Phase::Resolved));
    assert_eq!(engine.rule_status(RULE).health, RuleHealth::NoData);
}

#[tokio::test]
async fn the_least_over_locations_and_the_last_certificate_seen_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    the_least_over_locations_and_the_last_certificate_seen(&store).await;
}

#[tokio::test]
async fn the_least_over_locations_and_the_last_certificate_seen_on_postgres() {
    let Some(pg) = Pg::start().await else { return };
    the_least_over_locations_and_the_last_certificate_seen(&pg.store).await;
    pg.stop().await;
}
