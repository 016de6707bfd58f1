//! `csv-analyzer rules export --format prometheus` against Debian's `promtool` (package
//! `prometheus`, installed by scripts/setup.sh): `check rules` accepts the file, and `test
//! rules` — Prometheus's own evaluator, an independent oracle — fires HighErrorRate and
//! HostCpuHigh on the series that fire them in our engine, and not on those that do not
//! (a low error rate, too little traffic, a CPU dip); and CertificateExpiring once per probe
//! whose least certificate expiry over its locations is less than 14 days away.

use std::path::Path;
use std::process::Command;

fn csv_analyzer(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_csv-analyzer"))
        .args(args)
        .current_dir(dir)
        .env_remove("CSV_ANALYZER_CONFIG")
        .output()
        .expect("run csv-analyzer")
}

fn promtool(args: &[&str], dir: &Path) -> (bool, String) {
    let output = Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs promtool (Debian package `prometheus`; scripts/setup.sh installs it): {e}")
        });
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn promtool_accepts_the_exported_rules_and_fires_them_on_the_same_series() {
    let dir = tempfile::tempdir().expect("dir");
    let out = csv_analyzer(
        &[
            "rules",
            "export",
            "--format",
            "prometheus",
            "--output",
            "rules.yml",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, report) = promtool(&["check", "rules", "rules.yml"], dir.path());
    assert!(ok, "{report}");
    assert!(report.contains("SUCCESS: 14 rules found"), "{report}");

    // Series every 15 s for 10 minutes. 10% errors at 100 requests per 15 s: fires; 1%: not;
    // 1 request in 3 failing: too little traffic, not either.
    let tests = r#"
rule_files:
  - rules.yml
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'http_requests_total{route="/",method="GET",status_class="2xx"}'
        values: '0+90x40'
      - series: 'http_requests_total{route="/",method="GET",status_class="5xx"}'
        values: '0+10x40'
      - series: 'host_cpu_usage_ratio'
        values: '0.95x40'
    alert_rule_test:
      - eval_time: 6m
        alertname: HighErrorRate
        exp_alerts:
          - exp_labels:
              severity: critical
            exp_annotations:
              summary: "More than 2% of requests answered 5xx over 5 minutes"
              playbook: "application-down"
      - eval_time: 9m
        alertname: HostCpuHigh
        exp_alerts:
          - exp_labels:
              severity: warning
            exp_annotations:
              summary: "Host CPU above 80% for 10 minutes"
              playbook: "host-resources"
  - interval: 15s
    input_series:
      - series: 'http_requests_total{route="/",method="GET",status_class="2xx"}'
        values: '0+99x40'
      - series: 'http_requests_total{route="/",method="GET",status_class="5xx"}'
        values: '0+1x40'
      - series: 'host_cpu_usage_ratio'
        values: '0.95x20 0.5 0.95x19'
    alert_rule_test:
      - eval_time: 6m
        alertname: HighErrorRate
        exp_alerts: []
      - eval_time: 9m
        alertname: HostCpuHigh
        exp_alerts: []
  - interval: 1m
    input_series:
      - series: 'http_requests_total{route="/",method="GET",status_class="2xx"}'
        values: '0 0 1 1 2 2 2'
      - series: 'http_requests_total{route="/",method="GET",status_class="5xx"}'
        values: '0 0 0 1 1 1 1'
    alert_rule_test:
      - eval_time: 6m
        alertname: HighErrorRate
        exp_alerts: []
  # Unix seconds: `time()` is 300 at 5m. `site` is 40 days from expiry at one location and 10
  # at the other: one alert, by probe. `renewed` is 60 days away; `soon`, 14 days and 5
  # minutes: no alert.
  - interval: 1m
    input_series:
      - series: 'probe_ssl_earliest_cert_expiry{probe="site",location="local"}'
        values: '3456000x10'
      - series: 'probe_ssl_earliest_cert_expiry{probe="site",location="eu-west"}'
        values: '864000x10'
      - series: 'probe_ssl_earliest_cert_expiry{probe="renewed",location="local"}'
        values: '5184000x10'
      - series: 'probe_ssl_earliest_cert_expiry{probe="soon",location="local"}'
        values: '1210200x10'
    alert_rule_test:
      - eval_time: 5m
        alertname: CertificateExpiring
        exp_alerts:
          - exp_labels:
              severity: warning
              probe: site
            exp_annotations:
              summary: "A probed site's TLS certificate expires in less than 14 days"
              playbook: "certificate-expiring"
  # Analyses of 10,000 rows or more, 100 a minute: half at 0.1-0.2 s per 10k rows, half at
  # 0.2-0.5 s. The interpolated p75 is 0.35 s = 350 ms > 200 ms: fires. With 90 of 100 under
  # 0.2 s the p75 is 0.1 + 75/90 × 0.1 = 0.183 s: does not.
  - interval: 1m
    input_series:
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="0.1"}'
        values: '0x30'
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="0.2"}'
        values: '0+50x30'
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="0.5"}'
        values: '0+100x30'
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="+Inf"}'
        values: '0+100x30'
    alert_rule_test:
      - eval_time: 20m
        alertname: PredictionLatencyHigh
        exp_alerts:
          - exp_labels:
              severity: warning
            exp_annotations:
              summary: "In-browser analysis p75 above 200 ms per 10,000 rows for real users"
              playbook: "prediction-latency-high"
  - interval: 1m
    input_series:
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="0.1"}'
        values: '0x30'
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="0.2"}'
        values: '0+90x30'
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="0.5"}'
        values: '0+100x30'
      - series: 'rum_analysis_seconds_per_10k_rows_bucket{step="profile",route="/",device="desktop",le="+Inf"}'
        values: '0+100x30'
    alert_rule_test:
      - eval_time: 20m
        alertname: PredictionLatencyHigh
        exp_alerts: []
  # 2 failures and 1 attempt refused by the rate limit a minute: 15 in 5 minutes, fires. 1
  # failure a minute beside 50 successes: 5 failures, does not (successes never count).
  - interval: 1m
    input_series:
      - series: 'login_attempts_total{outcome="failure"}'
        values: '0+2x10'
      - series: 'login_attempts_total{outcome="rate_limited"}'
        values: '0+1x10'
      - series: 'login_attempts_total{outcome="success"}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 6m
        alertname: RepeatedLoginFailures
        exp_alerts:
          - exp_labels:
              severity: warning
            exp_annotations:
              summary: "10 or more failed sign-ins in 5 minutes: someone may be guessing passwords"
              playbook: "repeated-login-failures"
  - interval: 1m
    input_series:
      - series: 'login_attempts_total{outcome="failure"}'
        values: '0+1x10'
      - series: 'login_attempts_total{outcome="rate_limited"}'
        values: '0x10'
      - series: 'login_attempts_total{outcome="success"}'
        values: '0+50x10'
    alert_rule_test:
      - eval_time: 6m
        alertname: RepeatedLoginFailures
        exp_alerts: []
"#;
    std::fs::write(dir.path().join("tests.yml"), tests).expect("tests");
    let (ok, report) = promtool(&["test", "rules", "tests.yml"], dir.path());
    assert!(ok, "{report}");
}

#[test]
fn an_invalid_rule_in_the_configuration_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[alerting.rules]]\nname = \"HighErrorRate\"\naggregation = \"max\"\n",
    )
    .expect("config");
    let out = csv_analyzer(
        &[
            "rules",
            "export",
            "--format",
            "prometheus",
            "--config",
            "bad.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("alert rule `HighErrorRate`: signal `http_error_ratio` is computed with `ratio`, not `max`"),
        "{stderr}"
    );
}
