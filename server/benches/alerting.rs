//! The alert engine's evaluation cost: one `Engine::step` over a SQLite file holding an hour
//! of samples (every 15 s: 20 routes × 2 status classes of the HTTP counters and histogram,
//! and the gauges), with the built-in rules (the baseline) and with about 1,000 rules (the
//! built-in ones plus 987 of one's own over the same signals, with their own thresholds and
//! windows). `cargo bench -p server --bench alerting`; figures in docs/benchmarks.md.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use server::alerting::engine::Engine;
use server::alerting::rules::{Comparison, RuleConfig, Severity, Signal, resolve};
use server::storage::{MetricSample, Store, canonical_labels};
use server::telemetry::metrics as names;

const NOW: i64 = 1_800_000_000_000;
const STEP: i64 = 15_000;

async fn store(dir: &std::path::Path) -> Store {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let mut samples = Vec::new();
    for i in 0..=240_i64 {
        let ts = NOW - 3_600_000 + i * STEP;
        for route in 0..20 {
            for (class, per_step) in [("2xx", 50.0), ("5xx", 1.0)] {
                let labels = canonical_labels([
                    ("method", "GET".to_string()),
                    ("route", format!("/r{route}")),
                    ("status_class", class.to_string()),
                ]);
                let count = per_step * i as f64;
                samples.push(MetricSample::new(
                    ts,
                    names::HTTP_REQUESTS_TOTAL,
                    labels.clone(),
                    count,
                ));
                samples.push(MetricSample::new(
                    ts,
                    names::HTTP_REQUEST_DURATION_SECONDS_COUNT,
                    labels.clone(),
                    count,
                ));
                samples.push(MetricSample::new(
                    ts,
                    names::HTTP_REQUEST_DURATION_SECONDS_SUM,
                    labels,
                    count * 0.05,
                ));
            }
        }
        for gauge in [
            names::HTTP_SATURATION_RATIO,
            names::HOST_CPU_USAGE_RATIO,
            names::HOST_MEMORY_USAGE_RATIO,
            names::DATA_DIR_DISK_USAGE_RATIO,
        ] {
            samples.push(MetricSample::new(ts, gauge, "", 0.5));
        }
    }
    for chunk in samples.chunks(5_000) {
        store.metric_samples().insert(chunk).await.expect("insert");
    }
    store
}

/// The built-in rules and `extra` rules of one's own over the metric signals.
fn rules(extra: usize) -> Vec<server::alerting::rules::Rule> {
    let signals = [
        Signal::HttpLatencyMeanSeconds,
        Signal::HttpErrorRatio,
        Signal::HttpSaturationRatio,
        Signal::HostCpuUsageRatio,
        Signal::HostMemoryUsageRatio,
        Signal::DataDirDiskUsageRatio,
    ];
    let tables: Vec<RuleConfig> = (0..extra)
        .map(|i| RuleConfig {
            name: format!("Rule{i}"),
            signal: Some(signals[i % signals.len()]),
            op: Some(Comparison::Above),
            threshold: Some(0.1 + (i % 7) as f64 / 10.0),
            window_seconds: Some(60 * (1 + (i % 10) as u64)),
            severity: Some(Severity::Warning),
            summary: Some(format!("rule {i}")),
            ..RuleConfig::default()
        })
        .collect();
    resolve(&tables).expect("valid rules")
}

fn evaluation(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let store = runtime.block_on(store(dir.path()));
    let mut group = c.benchmark_group("alert_engine_step");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let built_in = rules(0).len();
    for (name, extra) in [
        (format!("{built_in} built-in rules (baseline)"), 0),
        (format!("{} rules", built_in + 987), 987),
    ] {
        let engine = Engine::new(
            rules(extra),
            store.clone(),
            None,
            None,
            Duration::from_secs(15),
        );
        let mut at = NOW;
        group.bench_function(name, |b| {
            b.iter(|| {
                at += 1;
                runtime.block_on(engine.step(at)).expect("step")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
