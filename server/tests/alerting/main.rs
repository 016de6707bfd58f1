//! The alert engine over a real store (a SQLite file; PostgreSQL too where it answers): each
//! built-in rule driven from inactive to firing to resolved by series written into the store
//! at instants the test chooses (the engine's clock is the `now_ms` given to `step`), the
//! traffic guard's "no data", restarts that carry the state over, and the HTTP API
//! (Alertmanager's alert list, rules, history, acknowledgement, silences) on a real server.
//!
//! The PostgreSQL half uses `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! one temporary database per test; without it a loud line says so (with `CI=true` it fails).

mod api;
mod certificate;
mod delivery;
mod interop;
#[path = "../support/postgres.rs"]
mod postgres;
mod prometheus;
mod retention;
mod rules;
#[path = "../support/targets.rs"]
mod targets;

use std::collections::BTreeMap;
use std::time::Duration;

use server::alerting::engine::Engine;
use server::alerting::rules::{Rule, RuleConfig, resolve};
use server::alerting::state::Phase;
use server::storage::{MetricSample, Store};

pub use postgres::{TempDatabase, postgres_or_skip};

/// A fixed instant far from the wall clock: 2027-01-15T08:00:00Z.
pub const T0: i64 = 1_800_000_000_000;
pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;

/// A store over a fresh SQLite file (kept as long as the returned directory).
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("alerts.db").display());
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, dir)
}

/// The built-in rules changed by `tables`.
pub fn rules(tables: &[RuleConfig]) -> Vec<Rule> {
    resolve(tables).expect("valid rules")
}

/// An engine over `store` with only the rule called `name` enabled (so that the Watchdog and
/// the others do not add alerts), changed by `tables`.
pub fn engine_with_only(store: &Store, name: &str, tables: &[RuleConfig]) -> Engine {
    let rules = rules(tables)
        .into_iter()
        .map(|mut rule| {
            rule.enabled = rule.name == name;
            rule
        })
        .collect();
    Engine::new(rules, store.clone(), None, None, Duration::from_secs(15))
}

/// The phase of the one alert of rule `name` (inactive when there is none).
pub fn phase_of(engine: &Engine, name: &str) -> Phase {
    let alerts: Vec<_> = engine
        .alerts()
        .into_iter()
        .filter(|a| a.rule == name)
        .collect();
    assert!(alerts.len() <= 1, "one alert for {name}: {alerts:?}");
    alerts.first().map_or(Phase::Inactive, |a| a.state.phase)
}

/// Writes samples of one series.
pub async fn write(store: &Store, name: &str, labels: &[(&str, &str)], points: &[(i64, f64)]) {
    let labels = server::storage::canonical_labels(labels.iter().map(|(k, v)| (*k, *v)));
    let samples: Vec<MetricSample> = points
        .iter()
        .map(|(ts, value)| MetricSample::new(*ts, name, labels.clone(), *value))
        .collect();
    store
        .metric_samples()
        .insert(&samples)
        .await
        .expect("insert samples");
}

/// A label set as a map.
pub fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A PostgreSQL database of its own for a test, or `None` (after the loud line) without one.
pub struct Pg {
    pub store: Store,
    database: TempDatabase,
}

impl Pg {
    pub async fn start() -> Option<Pg> {
        let admin = postgres_or_skip().await?;
        let database = TempDatabase::create(&admin).await;
        let store = Store::connect(&database.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        Some(Pg { store, database })
    }

    pub async fn stop(self) {
        self.store.close().await;
        self.database.drop_now().await;
    }
}
