//! The HTTP stack in-process (no sockets): GET /healthz through the whole router with the
//! metrics middleware on and off. `cargo bench -p server --bench middleware`.

use criterion::{Criterion, criterion_group, criterion_main};
use server::{AppState, app};
use tower::ServiceExt;

fn router(
    metrics: bool,
    dist: &std::path::Path,
    runtime: &tokio::runtime::Runtime,
) -> axum::Router {
    runtime.block_on(async {
        let mut state = AppState::in_memory(dist).await.expect("state");
        if !metrics {
            let mut config = state.config().clone();
            config.metrics.enabled = false;
            state = AppState::new(config, state.store().clone(), state.metrics().clone())
                .expect("state");
        }
        app(state)
    })
}

fn middleware(c: &mut Criterion) {
    let dist = tempfile::tempdir().expect("dist");
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>x</title>",
    )
    .expect("index");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("get_healthz_in_process");
    for metrics in [false, true] {
        let router = router(metrics, dist.path(), &runtime);
        let name = if metrics {
            "metrics_on"
        } else {
            "metrics_off (baseline)"
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let request = axum::http::Request::get("/healthz")
                        .body(axum::body::Body::empty())
                        .expect("request");
                    router.clone().oneshot(request).await.expect("response")
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, middleware);
criterion_main!(benches);
