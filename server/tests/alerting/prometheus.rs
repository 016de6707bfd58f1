//! `csv-analyzer rules export --format prometheus` against Debian's `promtool` (package
//! `prometheus`, installed by scripts/setup.sh): `check rules` accepts the file, and `test
//! rules` — Prometheus's own evaluator, an independent oracle — fires HighErrorRate and
//! HostCpuHigh on the series that fire them in our engine, and not on those that do not
//! (a low error rate, too little traffic, a CPU dip).

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
    assert!(report.contains("SUCCESS: 11 rules found"), "{report}");

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
