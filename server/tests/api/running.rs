//! The real server (`startup::run`: config, database, migrations, tasks, router) on port 0,
//! against each engine: probes, `/metrics` (checked by promtool when installed), counters that
//! move with traffic, samples written to the database, `/readyz` failing when the database goes.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use server::config::Config;
use server::storage::Store;
use tokio::sync::oneshot;

use super::fake_dist;
use super::postgres::{TempDatabase, postgres_or_skip};

/// A server started by `startup::run`, stopped (gracefully) by [`Running::shutdown`].
pub struct Running {
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), server::startup::StartupError>>,
    pub database_url: String,
    _dist: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl Running {
    pub async fn start(database_url: &str) -> Running {
        Self::start_with(database_url, tempfile::tempdir().expect("data dir"), |_| {}).await
    }

    /// A server on `database_url` (empty: SQLite in `data`) with its configuration changed
    /// by `configure`.
    pub async fn start_with(
        database_url: &str,
        data: tempfile::TempDir,
        configure: impl FnOnce(&mut Config),
    ) -> Running {
        let dist = fake_dist();
        let mut config = Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data.path().to_path_buf(),
            dist_dir: dist.path().to_path_buf(),
            database_url: database_url.to_string(),
            ..Config::default()
        };
        config.metrics.sample_interval_seconds = 1;
        configure(&mut config);
        let database_url = config.effective_database_url();
        let (stop, stopped) = oneshot::channel::<()>();
        let (listening, address) = oneshot::channel::<SocketAddr>();
        let task = tokio::spawn(server::startup::run(
            config,
            move |addr| {
                let _ = listening.send(addr);
            },
            async move {
                let _ = stopped.await;
            },
        ));
        let addr = tokio::time::timeout(Duration::from_secs(30), address)
            .await
            .expect("the server starts within 30 s")
            .expect("the server reports its address");
        Running {
            base: format!("http://{addr}"),
            stop: Some(stop),
            task,
            database_url,
            _dist: dist,
            data,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server gracefully; panics if it does not stop cleanly within 30 s. Returns
    /// the data directory, for a look at what the server left.
    pub async fn shutdown(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("the server stops within 30 s")
            .expect("the server task does not panic");
        result.expect("the server stops cleanly");
        self.data
    }
}

pub async fn metrics_text(server: &Running) -> String {
    let response = reqwest::get(server.url("/metrics"))
        .await
        .expect("/metrics");
    assert_eq!(response.status(), 200);
    response.text().await.expect("body")
}

/// The value of one sample line of the exposition (`name{labels} value`).
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse::<f64>().ok())
        .unwrap_or(0.0)
}

pub fn promtool_check(text: &str) {
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("promtool is not installed: the exposition format check was skipped");
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("promtool reads");
    let output = child.wait_with_output().expect("promtool runs");
    assert!(
        output.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn probes_metrics_and_samples(server: &Running, engine: &str) {
    let ready = reqwest::get(server.url("/readyz")).await.expect("/readyz");
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], engine);

    let series = r#"http_requests_total{route="/healthz",method="GET",status_class="2xx"}"#;
    let before = sample(&metrics_text(server).await, series);
    for _ in 0..3 {
        let health = reqwest::get(server.url("/healthz"))
            .await
            .expect("/healthz");
        assert_eq!(health.status(), 200);
        assert!(health.headers().contains_key("x-request-id"));
        assert!(health.headers().contains_key("content-security-policy"));
    }
    let text = metrics_text(server).await;
    promtool_check(&text);
    assert_eq!(sample(&text, series) - before, 3.0, "{text}");
    for gauge in [
        "host_memory_usage_ratio",
        "data_dir_disk_usage_ratio",
        "http_saturation_ratio",
    ] {
        let value = sample(&text, gauge);
        assert!((0.0..=1.0).contains(&value), "{gauge} = {value}");
    }

    // The sampler (every second here) writes the figures to the database.
    let store = Store::connect(&server.database_url)
        .await
        .expect("second connection");
    let mut stored = Vec::new();
    for _ in 0..50 {
        stored = store
            .metric_samples()
            .latest("http_requests_total", i64::MAX)
            .await
            .expect("query");
        if !stored.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!stored.is_empty(), "samples were stored");
    store.close().await;
}

#[tokio::test]
async fn sqlite_server_is_observable_and_ready() {
    let server = Running::start("").await;
    assert!(server.database_url.starts_with("sqlite://"));
    probes_metrics_and_samples(&server, "sqlite").await;
    server.shutdown().await;
}

#[tokio::test]
async fn postgres_server_is_observable_and_ready() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    let server = Running::start(&database.url).await;
    probes_metrics_and_samples(&server, "postgres").await;
    server.shutdown().await;
    database.drop_now().await;
}

async fn wait_not_ready(server: &Running) -> serde_json::Value {
    for _ in 0..50 {
        let response = reqwest::get(server.url("/readyz")).await.expect("/readyz");
        if response.status() == 503 {
            return response.json().await.expect("json");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("/readyz still answers 200 after the database went away");
}

#[tokio::test]
async fn readyz_fails_when_the_postgres_database_is_gone() {
    let Some(admin) = postgres_or_skip().await else {
        return;
    };
    let database = TempDatabase::create(&admin).await;
    let server = Running::start(&database.url).await;
    assert_eq!(
        reqwest::get(server.url("/readyz"))
            .await
            .expect("ready")
            .status(),
        200
    );
    database.drop_now().await;
    let body = wait_not_ready(&server).await;
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["database"], "postgres");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| !d.contains("password"))
    );
    // Liveness does not depend on the database.
    assert_eq!(
        reqwest::get(server.url("/healthz"))
            .await
            .expect("live")
            .status(),
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn readyz_fails_when_the_sqlite_file_is_destroyed() {
    let server = Running::start("").await;
    assert_eq!(
        reqwest::get(server.url("/readyz"))
            .await
            .expect("ready")
            .status(),
        200
    );
    let file = server.data.path().join("csv-analyzer.db");
    destroy(&file);
    let body = wait_not_ready(&server).await;
    assert_eq!(body["database"], "sqlite");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("no longer a SQLite database"))
    );
    server.shutdown().await;
}

/// Overwrites a SQLite database (and removes its WAL) so every read fails.
fn destroy(file: &Path) {
    std::fs::write(file, vec![0xA5u8; 64 * 1024]).expect("overwrite the database");
    for suffix in ["-wal", "-shm"] {
        let mut side = file.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
}
