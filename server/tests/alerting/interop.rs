//! The real stack end to end: Debian's `prometheus` and `prometheus-alertmanager` binaries
//! (installed by scripts/setup.sh) on loopback ports with generated configurations, around the
//! real `csv-analyzer serve`.
//!
//! - Prometheus scrapes the server's `/metrics` every second and evaluates the rule file that
//!   `csv-analyzer rules export --format prometheus` wrote (HighErrorRate with its window and
//!   `for` shortened by the configuration, the other rules disabled), and sends to Alertmanager.
//! - A real fault: a sustained overload past the server's concurrency limit of 2, which the
//!   server answers with its own 503s (no test-only route).
//! - HighErrorRate fires in both engines. Alertmanager posts Prometheus's alert (external label
//!   `source="prometheus"`) to `/api/alertmanager/webhook` with an API token as
//!   `http_config.authorization.credentials`, and it shows in `/api/alerts` beside the
//!   server's own.
//! - The server forwards its own alert to Alertmanager (`[[alerting.alertmanagers]]`), where
//!   `/api/v2/alerts` shows it; when Alertmanager sends it back through the webhook, it is not
//!   stored twice.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A child process killed when the test ends, however it ends.
struct Process {
    child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(name: &'static str, command: &mut Command) -> Process {
    let child = command.spawn().unwrap_or_else(|e| {
        panic!(
            "this test needs `{name}` (Debian packages prometheus and prometheus-alertmanager; \
             scripts/setup.sh installs them): {e}"
        )
    });
    Process { child }
}

/// A loopback port free now (Prometheus and Alertmanager need one named up front).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn csv_analyzer(args: &[&str], dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_csv-analyzer"))
        .args(args)
        .current_dir(dir)
        .env_remove("CSV_ANALYZER_CONFIG")
        .output()
        .expect("run csv-analyzer");
    assert!(
        output.status.success(),
        "csv-analyzer {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Polls `probe` every 250 ms until it gives a value or `limit` passes; the panic says what
/// was awaited and shows `last` (the latest answer).
async fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut probe: impl AsyncFnMut() -> (Option<T>, String),
) -> T {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < limit {
        let (found, seen) = probe().await;
        if let Some(found) = found {
            return found;
        }
        last = seen;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what}: not within {limit:?}; last answer: {last}");
}

async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    match client.get(url).send().await {
        Ok(response) => response.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

fn high_error_rate(alerts: &Value, source: Option<&str>) -> Option<Value> {
    alerts.as_array()?.iter().find_map(|alert| {
        let labels = &alert["labels"];
        (labels["alertname"] == "HighErrorRate" && labels["source"].as_str() == source)
            .then(|| alert.clone())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn prometheus_and_alertmanager_fire_high_error_rate_on_a_real_overload() {
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path();
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).expect("dist");
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>interop</title>",
    )
    .expect("index");
    let alertmanager_port = free_port();
    let prometheus_port = free_port();
    let alertmanager = format!("http://127.0.0.1:{alertmanager_port}");
    let prometheus = format!("http://127.0.0.1:{prometheus_port}");

    // The server: 2 requests at once, metrics sampled every second, rules every 2 s, only
    // HighErrorRate (30 s window, no `for`), its alerts forwarded to Alertmanager.
    let mut config = format!(
        r#"dist_dir = "{dist}"
[limits]
concurrency = 2
[metrics]
sample_interval_seconds = 1
[synthetic]
enabled = false
[alerting]
evaluation_interval_seconds = 2
forward_resend_seconds = 5
external_url = "http://csv-analyzer.test"
[[alerting.alertmanagers]]
url = "{alertmanager}"
timeout_seconds = 5
[[alerting.rules]]
name = "HighErrorRate"
window_seconds = 30
for_seconds = 0
"#,
        dist = dist.display()
    );
    for rule in server::alerting::rules::resolve(&[]).expect("built-in rules") {
        if rule.name != "HighErrorRate" {
            config.push_str(&format!(
                "[[alerting.rules]]\nname = \"{}\"\nenabled = false\n",
                rule.name
            ));
        }
    }
    std::fs::write(root.join("server.toml"), &config).expect("config");
    let data = root.join("data");
    let data_arg = data.to_str().expect("utf-8 path");
    let token = csv_analyzer(
        &[
            "token",
            "create",
            "--name",
            "alertmanager",
            "--config",
            "server.toml",
            "--data-dir",
            data_arg,
        ],
        root,
    );
    csv_analyzer(
        &[
            "rules",
            "export",
            "--format",
            "prometheus",
            "--config",
            "server.toml",
            "--output",
            "rules.yml",
        ],
        root,
    );
    let rules = std::fs::read_to_string(root.join("rules.yml")).expect("rules");
    assert!(rules.contains("alert: \"HighErrorRate\""), "{rules}");
    assert!(rules.contains("[30s]"), "the shortened window: {rules}");

    let mut server_process = spawn(
        "csv-analyzer",
        Command::new(env!("CARGO_BIN_EXE_csv-analyzer"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
                data_arg,
                "--config",
                "server.toml",
            ])
            .current_dir(root)
            .env_remove("CSV_ANALYZER_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let stdout = server_process.child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server's first line");
    let base = line
        .trim()
        .strip_prefix("csv-analyzer listening on ")
        .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
        .trim_end_matches('/')
        .to_string();
    let server_host = base.trim_start_matches("http://").to_string();

    // Alertmanager: one route to the server's webhook, grouped by alert name, sent at once.
    std::fs::write(
        root.join("alertmanager.yml"),
        format!(
            r#"route:
  receiver: csv-analyzer
  group_by: ["alertname"]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
receivers:
  - name: csv-analyzer
    webhook_configs:
      - url: "{base}/api/alertmanager/webhook"
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: "{token}"
"#
        ),
    )
    .expect("alertmanager.yml");
    let _alertmanager = spawn(
        "prometheus-alertmanager",
        Command::new("prometheus-alertmanager")
            .arg("--config.file=alertmanager.yml")
            .arg(format!("--storage.path={}", root.join("am").display()))
            .arg(format!(
                "--web.listen-address=127.0.0.1:{alertmanager_port}"
            ))
            .arg("--cluster.listen-address=")
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );

    // Prometheus: scrapes the server every second, evaluates the exported rules, sends to
    // Alertmanager; its alerts carry source="prometheus".
    std::fs::write(
        root.join("prometheus.yml"),
        format!(
            r#"global:
  scrape_interval: 1s
  evaluation_interval: 2s
  external_labels:
    source: prometheus
rule_files:
  - rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{alertmanager_port}"]
scrape_configs:
  - job_name: csv-analyzer
    static_configs:
      - targets: ["{server_host}"]
"#
        ),
    )
    .expect("prometheus.yml");
    let _prometheus = spawn(
        "prometheus",
        Command::new("prometheus")
            .arg("--config.file=prometheus.yml")
            .arg(format!(
                "--storage.tsdb.path={}",
                root.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    // Both are up, Prometheus has loaded the rule and scrapes the server.
    wait_for(
        "Prometheus scraping the server",
        Duration::from_secs(60),
        async || {
            let targets = get_json(&client, &format!("{prometheus}/api/v1/targets")).await;
            let up = targets["data"]["activeTargets"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["health"] == "up"));
            (up.then_some(()), targets.to_string())
        },
    )
    .await;
    wait_for(
        "Prometheus loading the rule file",
        Duration::from_secs(30),
        async || {
            let rules = get_json(&client, &format!("{prometheus}/api/v1/rules")).await;
            let loaded = rules.to_string().contains("HighErrorRate");
            (loaded.then_some(()), rules.to_string())
        },
    )
    .await;
    wait_for("Alertmanager ready", Duration::from_secs(30), async || {
        let status = client
            .get(format!("{alertmanager}/-/ready"))
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        (status.then_some(()), String::new())
    })
    .await;
    // Some healthy traffic first, so the 5xx series is born before the burst in
    // Prometheus too (its `increase` ignores a series' first sample).
    for _ in 0..5 {
        let _ = client.get(format!("{base}/api/rum/summary")).send().await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = get_json(&client, &format!("{base}/api/alerts")).await;
    assert!(high_error_rate(&before, None).is_none(), "{before}");

    // The fault: 64 clients in a loop for 12 s against a limit of 2 requests at once.
    let overload_until = Instant::now() + Duration::from_secs(12);
    let mut workers = Vec::new();
    for _ in 0..64 {
        let (client, url) = (client.clone(), format!("{base}/api/rum/summary"));
        workers.push(tokio::spawn(async move {
            let (mut ok, mut unavailable) = (0u32, 0u32);
            while Instant::now() < overload_until {
                match client.get(&url).send().await.map(|r| r.status().as_u16()) {
                    Ok(503) => unavailable += 1,
                    Ok(_) => ok += 1,
                    Err(_) => {}
                }
            }
            (ok, unavailable)
        }));
    }
    let (mut ok, mut unavailable) = (0, 0);
    for worker in workers {
        let (o, u) = worker.await.expect("worker");
        ok += o;
        unavailable += u;
    }
    assert!(
        unavailable > 100 && f64::from(unavailable) / f64::from(ok + unavailable) > 0.02,
        "the overload gives 503s: {ok} answered, {unavailable} refused"
    );

    // Our engine fires.
    let ours = wait_for(
        "HighErrorRate firing in the server's engine",
        Duration::from_secs(30),
        async || {
            let alerts = get_json(&client, &format!("{base}/api/alerts")).await;
            (high_error_rate(&alerts, None), alerts.to_string())
        },
    )
    .await;
    assert_eq!(ours["status"]["state"], "active", "{ours}");
    assert_eq!(ours["labels"]["severity"], "critical", "{ours}");

    // Prometheus fires, on its own evaluation of the exported rule.
    wait_for(
        "HighErrorRate firing in Prometheus",
        Duration::from_secs(40),
        async || {
            let alerts = get_json(&client, &format!("{prometheus}/api/v1/alerts")).await;
            let firing = alerts["data"]["alerts"].as_array().and_then(|list| {
                list.iter()
                    .find(|a| a["labels"]["alertname"] == "HighErrorRate" && a["state"] == "firing")
                    .cloned()
            });
            (firing, alerts.to_string())
        },
    )
    .await;

    // Alertmanager has both: Prometheus's and the one the server forwarded.
    let forwarded = wait_for(
        "both alerts in Alertmanager",
        Duration::from_secs(30),
        async || {
            let alerts = get_json(&client, &format!("{alertmanager}/api/v2/alerts")).await;
            let both = high_error_rate(&alerts, Some("prometheus")).is_some();
            (
                high_error_rate(&alerts, None).filter(|_| both),
                alerts.to_string(),
            )
        },
    )
    .await;
    assert_eq!(forwarded["status"]["state"], "active", "{forwarded}");
    assert!(
        forwarded["generatorURL"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://csv-analyzer.test/alerts#")),
        "{forwarded}"
    );

    // Alertmanager posted Prometheus's alert to the webhook: it shows in /api/alerts.
    let received = wait_for(
        "Prometheus's alert in /api/alerts",
        Duration::from_secs(30),
        async || {
            let alerts = get_json(&client, &format!("{base}/api/alerts")).await;
            (
                high_error_rate(&alerts, Some("prometheus")),
                alerts.to_string(),
            )
        },
    )
    .await;
    assert_eq!(received["status"]["state"], "active", "{received}");
    // The server's own alert came back in the same notification and was not stored twice.
    let alerts = get_json(&client, &format!("{base}/api/alerts")).await;
    let named: Vec<&Value> = alerts
        .as_array()
        .expect("a list")
        .iter()
        .filter(|a| a["labels"]["alertname"] == "HighErrorRate")
        .collect();
    assert_eq!(named.len(), 2, "{alerts}");
    let history = get_json(&client, &format!("{base}/api/alerts/history")).await;
    assert!(
        history.to_string().contains("alertmanager/HighErrorRate"),
        "the webhook's alert is in the history: {history}"
    );
    drop(server_process);
}
