//! The same targets probed by this scheduler's http kind and by Prometheus' blackbox_exporter
//! (Debian's `prometheus-blackbox-exporter`, run as a real process on a loopback port): they
//! agree on success, and on duration within 20% or 5 ms, whichever is larger (issue 7); and on
//! when an HTTPS target's certificate expires (`probe_ssl_earliest_cert_expiry`, issue 8).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::targets::{closed_port, spawn_http_target, spawn_tls_target_until};
use super::{http, run};

const BINARY: &str = "prometheus-blackbox-exporter";
/// Runs per target and side; the medians are compared.
const RUNS: usize = 7;

/// A blackbox_exporter on a free loopback port, stopped on drop.
struct Blackbox {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Blackbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_blackbox() -> Blackbox {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = dir.path().join("blackbox.yml");
    std::fs::write(
        &config,
        "modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n  \
         https_insecure:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n      \
         tls_config:\n        insecure_skip_verify: true\n",
    )
    .expect("the config");
    let port = closed_port().await;
    let child = Command::new(BINARY)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "this test needs Debian's {BINARY} (`apt-get install prometheus-blackbox-exporter`, \
                 or `bash scripts/setup.sh`): {e}"
            )
        });
    let blackbox = Blackbox {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let healthy = client
            .get(format!("{}/-/healthy", blackbox.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if healthy {
            return blackbox;
        }
        assert!(
            Instant::now() < deadline,
            "{BINARY} did not start within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One blackbox_exporter probe of `target` with `module`: its exposition.
async fn blackbox_exposition(blackbox: &Blackbox, module: &str, target: &str) -> String {
    let target: String = target
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    reqwest::Client::new()
        .get(format!(
            "{}/probe?module={module}&target={target}",
            blackbox.base
        ))
        .send()
        .await
        .expect("blackbox_exporter answers")
        .text()
        .await
        .expect("a body")
}

/// The value of the series `name` (no labels) in an exposition.
fn value_of(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

/// One blackbox_exporter probe of `target`: (probe_success, probe_duration_seconds).
async fn blackbox_probe(blackbox: &Blackbox, target: &str) -> (bool, Duration) {
    let text = blackbox_exposition(blackbox, "http_2xx", target).await;
    let value = |name: &str| value_of(&text, name);
    (
        value("probe_success") == 1.0,
        Duration::from_secs_f64(value("probe_duration_seconds")),
    )
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_and_duration_agree_with_blackbox_exporter() {
    let target = spawn_http_target().await;
    let blackbox = start_blackbox().await;
    for (path, expected) in [("/ok", true), ("/fail", false), ("/slow", true)] {
        let url = target.url(path);
        let spec = http(&url, json!({}));
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let outcome = run(&spec).await;
            assert_eq!(outcome.success, expected, "ours, {path}: {outcome:?}");
            ours.push(outcome.duration);
            let (success, duration) = blackbox_probe(&blackbox, &url).await;
            assert_eq!(success, expected, "blackbox_exporter, {path}");
            theirs.push(duration);
        }
        let (ours, theirs) = (median(ours), median(theirs));
        let allowed = (theirs.mul_f64(0.2)).max(Duration::from_millis(5));
        let gap = ours.abs_diff(theirs);
        assert!(
            gap <= allowed,
            "{path}: ours {ours:?}, blackbox_exporter {theirs:?}: {gap:?} apart, more than {allowed:?}"
        );
        eprintln!("{path}: ours {ours:?}, blackbox_exporter {theirs:?}");
    }
}

/// blackbox_exporter and the http kind read the same expiry from a certificate whose
/// `notAfter` the test chose; so does `/metrics` once the scheduler has run the probe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_certificate_expiry_agrees_with_blackbox_exporter() {
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let not_after = now_s + 10 * 86_400 + 1_234;
    let target = spawn_tls_target_until(not_after).await;
    let blackbox = start_blackbox().await;
    let url = format!("{}/", target.base);
    let text = blackbox_exposition(&blackbox, "https_insecure", &url).await;
    assert_eq!(value_of(&text, "probe_success"), 1.0, "{text}");
    let theirs = value_of(&text, "probe_ssl_earliest_cert_expiry");
    assert_eq!(theirs, not_after as f64, "blackbox_exporter: {text}");

    let spec = super::spec(json!({
        "name": "tls", "kind": "http", "timeout_ms": 5000,
        "http": {"url": url, "insecure_skip_verify": true},
    }));
    let outcome = run(&spec).await;
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(outcome.cert_expiry_ms, Some(not_after * 1000), "ours");

    // A plain http:// target has none, on both sides.
    let plain = spawn_http_target().await;
    let outcome = run(&http(&plain.url("/ok"), json!({}))).await;
    assert_eq!(outcome.cert_expiry_ms, None);
    let text = blackbox_exposition(&blackbox, "http_2xx", &plain.url("/ok")).await;
    assert!(
        !text.contains("\nprobe_ssl_earliest_cert_expiry "),
        "blackbox_exporter: {text}"
    );
}
