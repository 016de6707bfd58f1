//! The probe kinds and the scheduler against real local targets (HTTP on 127.0.0.1:0 that
//! succeeds, fails, hangs, redirects, answers JSON; HTTPS with a certificate of a chosen age; a
//! closed port; `localhost`), with the results in a real SQLite file.

mod agent;
mod blackbox;
mod kinds;
#[path = "../support/postgres.rs"]
mod postgres;
mod scheduler;
#[path = "../support/targets.rs"]
mod targets;
mod transaction;

use server::probes::{CompiledProbe, Outcome, ProbeSpec};

/// A definition from JSON (the API's form), validated.
pub fn spec(value: serde_json::Value) -> ProbeSpec {
    let spec: ProbeSpec = serde_json::from_value(value).expect("a probe definition");
    spec.validate().expect("a valid probe");
    spec
}

/// One run of `spec` with its hard timeout.
pub async fn run(spec: &ProbeSpec) -> Outcome {
    CompiledProbe::compile(spec)
        .expect("compiles")
        .run_with_timeout()
        .await
}

/// An `http` probe of `url` with `assertions`.
pub fn http(url: &str, assertions: serde_json::Value) -> ProbeSpec {
    spec(serde_json::json!({
        "name": "target",
        "kind": "http",
        "timeout_ms": 2000,
        "http": {"url": url},
        "assertions": assertions,
    }))
}
