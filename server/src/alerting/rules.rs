//! Alert rules: the seed's thresholds (§2.2) as built-in defaults, and what users change in the
//! configuration file.
//!
//! A rule watches one [`Signal`] — a figure the server computes from its own stored series
//! (metric samples, RUM events, probe results, model reports) — aggregated over a window, and
//! compares it with a threshold. The condition must hold for `for` before the alert fires, and
//! an alert may keep firing for `keep_firing_for` after it stops holding (see
//! [`super::state`]).
//!
//! ```toml
//! [alerting]
//! evaluation_interval_seconds = 15
//!
//! [[alerting.rules]]          # a default, changed: only the keys given change
//! name = "HighErrorRate"
//! threshold = 0.05
//!
//! [[alerting.rules]]          # a default, disabled
//! name = "TrafficAnomaly"
//! enabled = false
//!
//! [[alerting.rules]]          # a rule of one's own: signal, op, threshold, severity, summary
//! name = "SlowPages"
//! signal = "rum_lcp_p75_seconds"
//! op = ">"
//! threshold = 4.0
//! window_seconds = 900
//! severity = "warning"
//! summary = "Pages take more than 4 s to show their main content"
//! ```
//!
//! [`resolve`] merges the defaults with these tables and validates the result: an invalid rule
//! stops the start-up with the rule's name and the reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Label names the engine sets itself.
pub const ALERTNAME: &str = "alertname";
pub const SEVERITY: &str = "severity";

/// How urgent an alert is; routing sends `critical` to the on-call engineer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// How the signal is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Comparison {
    #[serde(rename = ">")]
    Above,
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<")]
    Below,
    #[serde(rename = "<=")]
    AtMost,
}

impl Comparison {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Self::Above => value > threshold,
            Self::AtLeast => value >= threshold,
            Self::Below => value < threshold,
            Self::AtMost => value <= threshold,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Above => ">",
            Self::AtLeast => ">=",
            Self::Below => "<",
            Self::AtMost => "<=",
        }
    }
}

/// How a signal's samples in the window become one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The mean of the samples (a gauge), or Δsum / Δcount (the latency histogram).
    Mean,
    /// The largest sample.
    Max,
    /// The smallest sample: "above the threshold during the whole window".
    Min,
    /// The latest sample.
    Last,
    /// The increase of one counter over the increase of another (error ratio).
    Ratio,
    /// The 75th percentile of the events in the window (web vitals, analysis timings).
    P75,
    /// Per-minute rate over the window.
    Rate,
    /// The latest report or result per subject (model, dataset, probe).
    Latest,
    /// How many events happened in the window (failed sign-ins).
    Count,
}

impl Aggregation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mean => "mean",
            Self::Max => "max",
            Self::Min => "min",
            Self::Last => "last",
            Self::Ratio => "ratio",
            Self::P75 => "p75",
            Self::Rate => "rate",
            Self::Latest => "latest",
            Self::Count => "count",
        }
    }
}

/// What a rule watches. Each is computed by [`super::signals`] from the server's own store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Mean request latency in seconds: Δ`http_request_duration_seconds_sum` /
    /// Δ`_count` over the window, all routes.
    HttpLatencyMeanSeconds,
    /// Share of 5xx answers: Δ5xx / Δall requests over the window.
    HttpErrorRatio,
    /// Change of the request rate against the same window one day and one week earlier (the
    /// mean of those that have samples): |rate / baseline − 1|.
    HttpTrafficChangeRatio,
    /// Requests in flight over the concurrency limit.
    HttpSaturationRatio,
    /// Host CPU in use (0–1).
    HostCpuUsageRatio,
    /// Host memory in use (0–1).
    HostMemoryUsageRatio,
    /// The data directory's disk in use (0–1).
    DataDirDiskUsageRatio,
    /// Per probe: locations whose latest run failed (runs that could not measure are left out).
    ProbeFailingLocations,
    /// Per probe: days left on the TLS certificate, the least over its locations' latest runs
    /// that read one (a transaction's: the earliest of its steps). An `https://` probe none of
    /// whose recent runs read a certificate has no data; other probes are not observed.
    ProbeCertificateDaysLeft,
    /// The 75th percentile of Largest Contentful Paint from real users, seconds.
    RumLcpP75Seconds,
    /// The 75th percentile of in-browser analysis time per 10,000 rows, milliseconds, over
    /// the analyses (profile, drift, quality) of 10,000 rows or more that real users ran (the
    /// fixed costs of smaller ones say nothing of the engine's speed).
    #[serde(rename = "rum_analysis_p75_ms_per_10k_rows")]
    RumAnalysisP75MsPer10kRows,
    /// JavaScript errors and panics reported by real users, per minute, over the window; the
    /// rule's `baseline_factor` also requires this many times the rate of the hour before.
    RumErrorsPerMinute,
    /// Per model: the larger relative drop of accuracy and macro F1 below the baseline, in the
    /// latest quality report published for it (`POST /api/model-reports`).
    ModelQualityDropRatio,
    /// Per dataset: 1 when the latest drift report published for it says the dataset drifted
    /// (its columns' KS p-values below 0.05, over the share threshold), else 0.
    DataDriftDetected,
    /// Failed sign-ins in the window, from the audit trail (`login.failure`: wrong passwords,
    /// unknown names and attempts refused by the rate limit), all names and networks together.
    LoginFailures,
    /// Always 1: the Watchdog, firing all the time so that a dead pipeline is noticed.
    Constant,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HttpLatencyMeanSeconds => "http_latency_mean_seconds",
            Self::HttpErrorRatio => "http_error_ratio",
            Self::HttpTrafficChangeRatio => "http_traffic_change_ratio",
            Self::HttpSaturationRatio => "http_saturation_ratio",
            Self::HostCpuUsageRatio => "host_cpu_usage_ratio",
            Self::HostMemoryUsageRatio => "host_memory_usage_ratio",
            Self::DataDirDiskUsageRatio => "data_dir_disk_usage_ratio",
            Self::ProbeFailingLocations => "probe_failing_locations",
            Self::ProbeCertificateDaysLeft => "probe_certificate_days_left",
            Self::RumLcpP75Seconds => "rum_lcp_p75_seconds",
            Self::RumAnalysisP75MsPer10kRows => "rum_analysis_p75_ms_per_10k_rows",
            Self::RumErrorsPerMinute => "rum_errors_per_minute",
            Self::ModelQualityDropRatio => "model_quality_drop_ratio",
            Self::DataDriftDetected => "data_drift_detected",
            Self::LoginFailures => "login_failures",
            Self::Constant => "constant",
        }
    }

    /// Whether the server's `/metrics` carries this signal (the Prometheus export needs it).
    pub fn in_metrics(self) -> bool {
        !matches!(self, Self::ModelQualityDropRatio | Self::DataDriftDetected)
    }

    /// The aggregations this signal can be computed with; the first is its default.
    pub fn aggregations(self) -> &'static [Aggregation] {
        use Aggregation::*;
        match self {
            Self::HttpLatencyMeanSeconds => &[Mean],
            Self::HttpErrorRatio | Self::HttpTrafficChangeRatio => &[Ratio],
            Self::HttpSaturationRatio
            | Self::HostCpuUsageRatio
            | Self::HostMemoryUsageRatio
            | Self::DataDirDiskUsageRatio => &[Max, Mean, Min, Last],
            Self::ProbeFailingLocations
            | Self::ProbeCertificateDaysLeft
            | Self::ModelQualityDropRatio
            | Self::DataDriftDetected => &[Latest],
            Self::RumLcpP75Seconds | Self::RumAnalysisP75MsPer10kRows => &[P75],
            Self::RumErrorsPerMinute => &[Rate],
            Self::LoginFailures => &[Count],
            Self::Constant => &[Last],
        }
    }

    /// Whether the signal is a ratio of counts, so that a minimum of traffic guards it.
    pub fn has_traffic_guard(self) -> bool {
        matches!(
            self,
            Self::HttpLatencyMeanSeconds | Self::HttpErrorRatio | Self::HttpTrafficChangeRatio
        )
    }
}

/// A rule as the engine runs it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Rule {
    /// Unique; the `alertname` label.
    #[schema(example = "HighErrorRate")]
    pub name: String,
    pub signal: Signal,
    pub aggregation: Aggregation,
    /// The window the signal is computed over, seconds.
    pub window_seconds: u64,
    pub op: Comparison,
    pub threshold: f64,
    /// How long the condition must hold before the alert fires, seconds (0: at once).
    pub for_seconds: u64,
    /// How long a firing alert keeps firing after the condition stops holding, seconds.
    pub keep_firing_for_seconds: u64,
    pub severity: Severity,
    /// One line for people: what is wrong.
    pub summary: String,
    /// The playbook (`playbooks/<name>.md`) the alert points to.
    pub playbook: Option<String>,
    /// Ratio signals: fewer requests than this in the window is "no data", not OK nor firing.
    pub min_requests: u64,
    /// `rum_errors_per_minute`: the rate must also be at least this many times the hour before.
    pub baseline_factor: Option<f64>,
    /// Extra labels of the alert.
    pub labels: BTreeMap<String, String>,
    pub enabled: bool,
}

/// A `[[alerting.rules]]` table: a default's name with the keys to change, or a new rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<Aggregation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Comparison>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_firing_for_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_requests: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_factor: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// Requests a ratio rule needs in its window by default (three requests with one error page
/// nobody).
pub const DEFAULT_MIN_REQUESTS: u64 = 20;

#[allow(clippy::too_many_arguments)]
fn rule(
    name: &str,
    signal: Signal,
    window_seconds: u64,
    op: Comparison,
    threshold: f64,
    for_seconds: u64,
    severity: Severity,
    summary: &str,
    playbook: &str,
) -> Rule {
    Rule {
        name: name.to_string(),
        signal,
        aggregation: signal.aggregations()[0],
        window_seconds,
        op,
        threshold,
        for_seconds,
        keep_firing_for_seconds: 0,
        severity,
        summary: summary.to_string(),
        playbook: Some(playbook.to_string()),
        min_requests: if signal.has_traffic_guard() {
            DEFAULT_MIN_REQUESTS
        } else {
            0
        },
        baseline_factor: None,
        labels: BTreeMap::new(),
        enabled: true,
    }
}

/// The built-in rules, one per threshold of the seed (§2.2) that the server can observe.
pub fn defaults() -> Vec<Rule> {
    use Comparison::*;
    use Severity::*;
    use Signal::*;
    let mut rules = vec![
        rule(
            "HighLatency",
            HttpLatencyMeanSeconds,
            60,
            Above,
            0.5,
            0,
            Warning,
            "Mean request latency above 500 ms over 1 minute",
            "high-latency",
        ),
        rule(
            "HighErrorRate",
            HttpErrorRatio,
            300,
            Above,
            0.02,
            0,
            Critical,
            "More than 2% of requests answered 5xx over 5 minutes",
            "application-down",
        ),
        rule(
            "TrafficAnomaly",
            HttpTrafficChangeRatio,
            600,
            Above,
            0.5,
            0,
            Warning,
            "Request rate 50% above or below the same time one day and one week ago",
            "traffic-anomaly",
        ),
        rule(
            "HighSaturation",
            HttpSaturationRatio,
            60,
            Above,
            0.8,
            0,
            Warning,
            "More than 80% of the request capacity in use",
            "high-saturation",
        ),
        rule(
            "HostCpuHigh",
            HostCpuUsageRatio,
            600,
            Above,
            0.8,
            0,
            Warning,
            "Host CPU above 80% for 10 minutes",
            "host-resources",
        ),
        rule(
            "HostMemoryHigh",
            HostMemoryUsageRatio,
            60,
            Above,
            0.85,
            0,
            Warning,
            "Host memory above 85%",
            "host-resources",
        ),
        rule(
            "DiskAlmostFull",
            DataDirDiskUsageRatio,
            60,
            Above,
            0.9,
            0,
            Critical,
            "The data directory's disk is more than 90% full",
            "disk-almost-full",
        ),
        rule(
            "ProbeFailing",
            ProbeFailingLocations,
            0,
            AtLeast,
            2.0,
            0,
            Critical,
            "A synthetic probe fails from 2 locations or more",
            "probe-failing",
        ),
        rule(
            "CertificateExpiring",
            ProbeCertificateDaysLeft,
            0,
            Below,
            14.0,
            0,
            Warning,
            "A probed site's TLS certificate expires in less than 14 days",
            "certificate-expiring",
        ),
        rule(
            "WebVitalsPoor",
            RumLcpP75Seconds,
            900,
            Above,
            2.5,
            0,
            Warning,
            "Largest Contentful Paint p75 above 2.5 s for real users",
            "web-vitals-poor",
        ),
        rule(
            "PredictionLatencyHigh",
            RumAnalysisP75MsPer10kRows,
            900,
            Above,
            200.0,
            0,
            Warning,
            "In-browser analysis p75 above 200 ms per 10,000 rows for real users",
            "prediction-latency-high",
        ),
        rule(
            "JsErrorSpike",
            RumErrorsPerMinute,
            300,
            AtLeast,
            10.0,
            0,
            Warning,
            "JavaScript errors per minute at least 3× their 1-hour baseline and at least 10",
            "js-error-spike",
        ),
        rule(
            "ModelQualityDrop",
            ModelQualityDropRatio,
            0,
            Above,
            0.10,
            0,
            Warning,
            "A model's accuracy or macro F1 is more than 10% below its baseline",
            "model-quality-drop",
        ),
        rule(
            "DataDrift",
            DataDriftDetected,
            0,
            AtLeast,
            1.0,
            0,
            Warning,
            "A published drift report says the dataset drifted (KS p < 0.05)",
            "data-drift",
        ),
        rule(
            "RepeatedLoginFailures",
            LoginFailures,
            300,
            AtLeast,
            10.0,
            0,
            Warning,
            "10 or more failed sign-ins in 5 minutes: someone may be guessing passwords",
            "repeated-login-failures",
        ),
        rule(
            "Watchdog",
            Constant,
            0,
            AtLeast,
            1.0,
            0,
            Info,
            "Always firing: the alerting pipeline works",
            "watchdog",
        ),
    ];
    // HostCpuHigh: "above 80% for 10 minutes" is every sample of the window above it.
    if let Some(cpu) = rules.iter_mut().find(|r| r.name == "HostCpuHigh") {
        cpu.aggregation = Aggregation::Min;
    }
    if let Some(spike) = rules.iter_mut().find(|r| r.name == "JsErrorSpike") {
        spike.baseline_factor = Some(3.0);
    }
    rules
}

/// The defaults changed, disabled and completed by the configuration's tables, validated; the
/// error names the rule and the reason.
pub fn resolve(configured: &[RuleConfig]) -> Result<Vec<Rule>, String> {
    let mut rules = defaults();
    let mut seen = std::collections::BTreeSet::new();
    for table in configured {
        if !seen.insert(table.name.as_str()) {
            return Err(format!(
                "alert rule `{}`: defined twice in the configuration",
                table.name
            ));
        }
        match rules.iter_mut().find(|r| r.name == table.name) {
            Some(existing) => apply(existing, table),
            None => rules.push(new_rule(table)?),
        }
    }
    for rule in &rules {
        rule.validate()?;
    }
    Ok(rules)
}

fn apply(rule: &mut Rule, table: &RuleConfig) {
    if let Some(signal) = table.signal
        && signal != rule.signal
    {
        rule.signal = signal;
        rule.aggregation = signal.aggregations()[0];
    }
    macro_rules! take {
        ($($field:ident),*) => {$(
            if let Some(value) = &table.$field {
                rule.$field = value.clone();
            }
        )*};
    }
    take!(
        enabled,
        aggregation,
        window_seconds,
        op,
        threshold,
        for_seconds,
        keep_firing_for_seconds,
        severity,
        summary,
        min_requests,
        labels
    );
    if table.playbook.is_some() {
        rule.playbook.clone_from(&table.playbook);
    }
    if table.baseline_factor.is_some() {
        rule.baseline_factor = table.baseline_factor;
    }
}

fn new_rule(table: &RuleConfig) -> Result<Rule, String> {
    let named = |what: &str| {
        format!(
            "alert rule `{}`: not a default rule, so it needs `{what}`",
            table.name
        )
    };
    let signal = table.signal.ok_or_else(|| named("signal"))?;
    let mut rule = Rule {
        name: table.name.clone(),
        signal,
        aggregation: signal.aggregations()[0],
        window_seconds: 300,
        op: table.op.ok_or_else(|| named("op"))?,
        threshold: table.threshold.ok_or_else(|| named("threshold"))?,
        for_seconds: 0,
        keep_firing_for_seconds: 0,
        severity: table.severity.ok_or_else(|| named("severity"))?,
        summary: table.summary.clone().ok_or_else(|| named("summary"))?,
        playbook: None,
        min_requests: if signal.has_traffic_guard() {
            DEFAULT_MIN_REQUESTS
        } else {
            0
        },
        baseline_factor: None,
        labels: BTreeMap::new(),
        enabled: true,
    };
    apply(&mut rule, table);
    Ok(rule)
}

impl Rule {
    /// Every check that needs nothing but the rule; the error names it.
    pub fn validate(&self) -> Result<(), String> {
        self.check()
            .map_err(|reason| format!("alert rule `{}`: {reason}", self.name))
    }

    fn check(&self) -> Result<(), String> {
        crate::probes::spec::check_name("the name", &self.name)?;
        if !self.threshold.is_finite() {
            return Err("the threshold must be a finite number".to_string());
        }
        let allowed = self.signal.aggregations();
        if !allowed.contains(&self.aggregation) {
            return Err(format!(
                "signal `{}` is computed with {}, not `{}`",
                self.signal.as_str(),
                allowed
                    .iter()
                    .map(|a| format!("`{}`", a.as_str()))
                    .collect::<Vec<_>>()
                    .join(" or "),
                self.aggregation.as_str()
            ));
        }
        let windowed = !matches!(
            self.signal,
            Signal::Constant
                | Signal::ProbeFailingLocations
                | Signal::ProbeCertificateDaysLeft
                | Signal::ModelQualityDropRatio
                | Signal::DataDriftDetected
        );
        if windowed && self.window_seconds == 0 {
            return Err(format!(
                "signal `{}` needs a window: window_seconds must be at least 1",
                self.signal.as_str()
            ));
        }
        if self.window_seconds > 7 * 24 * 3600 {
            return Err("window_seconds must be at most a week (604800)".to_string());
        }
        if self.summary.trim().is_empty() {
            return Err("the summary must not be empty".to_string());
        }
        if let Some(playbook) = &self.playbook {
            crate::probes::spec::check_name("the playbook", playbook)?;
        }
        if let Some(factor) = self.baseline_factor {
            if self.signal != Signal::RumErrorsPerMinute {
                return Err(format!(
                    "baseline_factor applies to rum_errors_per_minute only, not `{}`",
                    self.signal.as_str()
                ));
            }
            if !(factor.is_finite() && factor > 0.0) {
                return Err("baseline_factor must be a positive number".to_string());
            }
        }
        for (key, value) in &self.labels {
            let valid_key = !key.is_empty()
                && key
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid_key || key.starts_with("__") {
                return Err(format!(
                    "the label name `{key}` must be letters, digits and `_`, not starting with a digit or `__`"
                ));
            }
            if key == ALERTNAME || key == SEVERITY {
                return Err(format!("the label `{key}` is set by the engine"));
            }
            if value.is_empty() {
                return Err(format!("the label `{key}` has an empty value"));
            }
        }
        Ok(())
    }

    /// The alert's labels for one subject of the signal (a probe, a model): `alertname`,
    /// `severity`, the rule's labels and the subject's.
    pub fn alert_labels(&self, subject: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.extend(subject.clone());
        labels.insert(ALERTNAME.to_string(), self.name.clone());
        labels.insert(SEVERITY.to_string(), self.severity.as_str().to_string());
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_rule_has_its_playbook_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
        for rule in defaults() {
            let name = rule
                .playbook
                .as_deref()
                .expect("every built-in rule names a playbook");
            let path = dir.join(format!("{name}.md"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: playbook {}: {e}", rule.name, path.display()));
            assert!(text.starts_with("# "), "{name}.md starts with a `# ` title");
            for section in ["## Diagnosis", "## Resolution"] {
                let start = text
                    .find(section)
                    .unwrap_or_else(|| panic!("{name}.md has a `{section}` section"));
                let body = &text[start + section.len()..];
                let body = &body[..body.find("\n## ").unwrap_or(body.len())];
                assert!(
                    body.lines().any(|line| line.starts_with("- [ ] ")),
                    "{name}.md: `{section}` has at least one `- [ ]` step"
                );
            }
        }
    }

    #[test]
    fn the_defaults_carry_the_seed_thresholds_and_validate() {
        let rules = resolve(&[]).expect("defaults are valid");
        let find = |name: &str| rules.iter().find(|r| r.name == name).expect(name);
        assert_eq!(find("HighLatency").threshold, 0.5);
        assert_eq!(find("HighLatency").window_seconds, 60);
        assert_eq!(find("HighErrorRate").threshold, 0.02);
        assert_eq!(find("HighErrorRate").window_seconds, 300);
        assert_eq!(find("HighErrorRate").min_requests, DEFAULT_MIN_REQUESTS);
        assert_eq!(find("HostCpuHigh").aggregation, Aggregation::Min);
        assert_eq!(find("HostCpuHigh").window_seconds, 600);
        assert_eq!(find("HostMemoryHigh").threshold, 0.85);
        assert_eq!(find("DiskAlmostFull").threshold, 0.9);
        assert_eq!(find("WebVitalsPoor").threshold, 2.5);
        assert_eq!(find("JsErrorSpike").baseline_factor, Some(3.0));
        assert_eq!(find("ProbeFailing").op, Comparison::AtLeast);
        let certificate = find("CertificateExpiring");
        assert_eq!(certificate.signal, Signal::ProbeCertificateDaysLeft);
        assert_eq!(certificate.aggregation, Aggregation::Latest);
        assert_eq!(
            (certificate.op, certificate.threshold),
            (Comparison::Below, 14.0)
        );
        assert_eq!(certificate.severity, Severity::Warning);
        assert_eq!(
            certificate.playbook.as_deref(),
            Some("certificate-expiring")
        );
    }

    #[test]
    fn certificate_expiring_takes_overrides_like_the_others() {
        let rules = resolve(&[RuleConfig {
            name: "CertificateExpiring".into(),
            threshold: Some(30.0),
            for_seconds: Some(600),
            severity: Some(Severity::Critical),
            ..RuleConfig::default()
        }])
        .expect("valid");
        let rule = rules
            .iter()
            .find(|r| r.name == "CertificateExpiring")
            .expect("rule");
        assert_eq!((rule.threshold, rule.for_seconds), (30.0, 600));
        assert_eq!(rule.severity, Severity::Critical);
        assert_eq!(
            rule.summary, "A probed site's TLS certificate expires in less than 14 days",
            "unchanged"
        );
        // A rule of one's own on the signal needs no window.
        let own = resolve(&[RuleConfig {
            name: "CertificateAlmostExpired".into(),
            signal: Some(Signal::ProbeCertificateDaysLeft),
            op: Some(Comparison::Below),
            threshold: Some(3.0),
            severity: Some(Severity::Critical),
            summary: Some("expires within 3 days".into()),
            window_seconds: Some(0),
            ..RuleConfig::default()
        }])
        .expect("valid");
        assert!(own.iter().any(|r| r.name == "CertificateAlmostExpired"));
    }

    #[test]
    fn tables_change_disable_and_add_rules() {
        let tables: Vec<RuleConfig> = toml::from_str::<BTreeMap<String, Vec<RuleConfig>>>(
            r#"
            [[rules]]
            name = "HighErrorRate"
            threshold = 0.05
            for_seconds = 60
            [[rules]]
            name = "TrafficAnomaly"
            enabled = false
            [[rules]]
            name = "SlowPages"
            signal = "rum_lcp_p75_seconds"
            op = ">"
            threshold = 4.0
            severity = "warning"
            summary = "slow"
            labels = { team = "web" }
            "#,
        )
        .expect("toml")
        .remove("rules")
        .expect("rules");
        let rules = resolve(&tables).expect("valid");
        let find = |name: &str| rules.iter().find(|r| r.name == name).expect(name);
        assert_eq!(find("HighErrorRate").threshold, 0.05);
        assert_eq!(find("HighErrorRate").for_seconds, 60);
        assert_eq!(find("HighErrorRate").window_seconds, 300, "unchanged");
        assert!(!find("TrafficAnomaly").enabled);
        assert_eq!(find("SlowPages").aggregation, Aggregation::P75);
        assert_eq!(find("SlowPages").labels["team"], "web");
    }

    #[test]
    fn invalid_rules_are_refused_with_the_name_and_the_reason() {
        let refuse = |table: RuleConfig| resolve(&[table]).unwrap_err();
        assert_eq!(
            refuse(RuleConfig {
                name: "Mine".into(),
                signal: Some(Signal::HttpErrorRatio),
                ..RuleConfig::default()
            }),
            "alert rule `Mine`: not a default rule, so it needs `op`"
        );
        assert_eq!(
            refuse(RuleConfig {
                name: "HighErrorRate".into(),
                aggregation: Some(Aggregation::Max),
                ..RuleConfig::default()
            }),
            "alert rule `HighErrorRate`: signal `http_error_ratio` is computed with `ratio`, not `max`"
        );
        assert!(
            refuse(RuleConfig {
                name: "HighLatency".into(),
                window_seconds: Some(0),
                ..RuleConfig::default()
            })
            .contains("needs a window")
        );
        assert!(
            refuse(RuleConfig {
                name: "HighLatency".into(),
                threshold: Some(f64::NAN),
                ..RuleConfig::default()
            })
            .contains("finite")
        );
        assert!(
            refuse(RuleConfig {
                name: "HighLatency".into(),
                labels: Some(BTreeMap::from([("severity".into(), "x".into())])),
                ..RuleConfig::default()
            })
            .contains("set by the engine")
        );
        let twice = resolve(&[
            RuleConfig {
                name: "HighLatency".into(),
                ..RuleConfig::default()
            },
            RuleConfig {
                name: "HighLatency".into(),
                ..RuleConfig::default()
            },
        ])
        .unwrap_err();
        assert!(twice.contains("defined twice"), "{twice}");
    }
}
