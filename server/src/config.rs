//! One typed configuration: defaults, then a TOML file, then `CSV_ANALYZER_…` environment
//! variables, then command-line flags; validated at start-up with the key (and line) named.
//!
//! Environment variables name keys with `__` between table and key:
//! `CSV_ANALYZER_ADDR` sets `addr`, `CSV_ANALYZER_LIMITS__CONCURRENCY` sets `limits.concurrency`.
//! The documented example is `docs/config.example.toml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "CSV_ANALYZER_";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// Directory for the server's data: the SQLite database unless `database_url` is set.
    pub data_dir: PathBuf,
    /// The built browser app (`scripts/build-app.sh` output).
    pub dist_dir: PathBuf,
    /// `json` (one object per line, Loki-ready) or `pretty`.
    pub log_format: LogFormat,
    /// Empty: SQLite in `data_dir`. Otherwise `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// OTLP/HTTP endpoint for traces (e.g. `http://127.0.0.1:4318`); empty: no export.
    pub otlp_endpoint: String,
    /// `service.name` of exported traces.
    pub service_name: String,
    pub limits: Limits,
    pub metrics: MetricsConfig,
    pub retention: Retention,
    pub rum: RumConfig,
    /// How the synthetic probes run.
    pub synthetic: SyntheticConfig,
    /// Synthetic probes (`[[probes]]` tables, see `docs/probes.md`): read-only through the API.
    pub probes: Vec<crate::probes::ProbeSpec>,
    /// The status page (`[status]`, see `docs/status.md`).
    pub status: crate::status::StatusConfig,
    /// Maintenance windows (`[[maintenance]]`): read-only through the API.
    pub maintenance: Vec<crate::status::MaintenanceSpec>,
    /// Alert rules and their evaluation (`[alerting]`, see `docs/alerting.md`).
    pub alerting: crate::alerting::AlertingConfig,
    /// Sign-in, sessions and what is public (`[auth]`, see `docs/access.md`).
    pub auth: crate::auth::AuthConfig,
    /// Incidents opened from alerts, reopening, and the rest of `[incidents]` (see
    /// `docs/incidents.md`).
    pub incidents: crate::incidents::IncidentSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line (Loki/Promtail-ready).
    Json,
    /// Human-readable.
    Pretty,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Requests served at once; more are answered 503 with `Retry-After`.
    pub concurrency: usize,
    /// A request running longer is answered 503.
    pub request_timeout_seconds: u64,
    /// Largest request body; larger ones are answered 413.
    pub body_limit_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Count and time every HTTP request (the golden signals). `/metrics` answers either way.
    pub enabled: bool,
    /// How often the figures are stored, for alert rules and pages.
    pub sample_interval_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    /// Stored metric samples older than this are deleted.
    pub metric_samples_days: u64,
    /// How often the retention task runs.
    pub interval_seconds: u64,
    /// Rows deleted per statement, so a large clean-up never holds the database for long.
    pub batch_size: u32,
}

/// Real-user monitoring: the beacons the browser app sends to `POST /api/rum`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RumConfig {
    /// Accept beacons. Off: `POST /api/rum` answers 404 and `GET /api/rum/config` tells the app
    /// not to collect.
    pub enabled: bool,
    /// Share of page loads (sessions) the app reports, from 0 to 1.
    pub sample_rate: f64,
    /// Raw events (and error groups not seen since) older than this are deleted.
    pub retention_days: u64,
    /// Beacons one client (its truncated IP address) may send per minute; more are answered 429.
    pub rate_limit_per_minute: u32,
    /// Events accepted but not yet written; a beacon that does not fit is answered 503.
    pub queue_capacity: usize,
    /// Origins (`scheme://host[:port]`) whose pages may send beacons; `*` allows any. Empty: only
    /// the server's own origin (the request's `Host`). A beacon without `Origin` is accepted.
    pub allowed_origins: Vec<String>,
    /// How often the app sends what it collected, in milliseconds (also on page hide).
    pub flush_interval_ms: u64,
    /// Take the client's address from the first `X-Forwarded-For` value (and the host from
    /// `X-Forwarded-Host`): only behind a proxy that sets them.
    pub trust_forwarded_for: bool,
}

/// Synthetic monitoring: how the server runs the probes of location `local`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticConfig {
    /// Run the probes whose locations include `local`. Off: definitions and stored results are
    /// still served.
    pub enabled: bool,
    /// Probe runs in flight at once, all probes together; more wait for a slot.
    pub max_concurrency: usize,
    /// Probe results older than this are deleted (90 days gives the 90-day uptime).
    pub retention_days: u64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_concurrency: 64,
            retention_days: 90,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            dist_dir: PathBuf::from("./dist"),
            log_format: LogFormat::Json,
            database_url: String::new(),
            otlp_endpoint: String::new(),
            service_name: "csv-analyzer".to_string(),
            limits: Limits::default(),
            metrics: MetricsConfig::default(),
            retention: Retention::default(),
            rum: RumConfig::default(),
            synthetic: SyntheticConfig::default(),
            probes: Vec::new(),
            status: crate::status::StatusConfig::default(),
            maintenance: Vec::new(),
            alerting: crate::alerting::AlertingConfig::default(),
            auth: crate::auth::AuthConfig::default(),
            incidents: crate::incidents::IncidentSettings::default(),
        }
    }
}

impl Default for RumConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sample_rate: 1.0,
            retention_days: 30,
            rate_limit_per_minute: 600,
            queue_capacity: 100_000,
            allowed_origins: Vec::new(),
            flush_interval_ms: 10_000,
            trust_forwarded_for: false,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            concurrency: 256,
            request_timeout_seconds: 30,
            body_limit_bytes: 1 << 20,
        }
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sample_interval_seconds: 15,
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            metric_samples_days: 30,
            interval_seconds: 3600,
            batch_size: 1000,
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`: never print a password.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// A configuration problem, with the key, where it came from, and the line when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ConfigError {
    pub location: String,
    pub message: String,
}

impl Config {
    /// The SQLite file used when no `database_url` is set.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("csv-analyzer.db")
    }

    /// The database to connect to: `database_url`, or SQLite in the data directory.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite://{}", self.sqlite_path().display())
        } else {
            self.database_url.trim().to_string()
        }
    }

    /// Defaults, then `file` (if any), then the environment. Errors name the key and its source.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(file, std::env::vars())
    }

    /// [`Config::load`] with an explicit environment (tests pass their own).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        if let Some(path) = file {
            // Read and check the file first: its errors come with a line number.
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
                location: path.display().to_string(),
                message: format!("cannot read the configuration file: {e}"),
            })?;
            check_text(&text, &path.display().to_string())?;
        }
        let overrides: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) && !IGNORED_ENV.contains(&k.as_str()))
            .collect();
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        let mut config: Config = figment.extract().map_err(|e| figment_error(&e, None))?;
        // Each variable on its own, so an error can name it.
        for (name, value) in overrides {
            config = Figment::from(Serialized::defaults(&config))
                .merge(env_single(&name, &value))
                .extract()
                .map_err(|e| figment_error(&e, Some(&name)))?;
        }
        config.validate().map_err(|(key, message)| ConfigError {
            location: format!("configuration key `{key}`"),
            message,
        })?;
        Ok(config)
    }

    /// Checks values that parse but make no sense; returns the key and why.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let positive = [
            ("limits.concurrency", self.limits.concurrency as u64),
            (
                "limits.request_timeout_seconds",
                self.limits.request_timeout_seconds,
            ),
            (
                "limits.body_limit_bytes",
                self.limits.body_limit_bytes as u64,
            ),
            (
                "metrics.sample_interval_seconds",
                self.metrics.sample_interval_seconds,
            ),
            (
                "retention.metric_samples_days",
                self.retention.metric_samples_days,
            ),
            (
                "retention.interval_seconds",
                self.retention.interval_seconds,
            ),
            ("retention.batch_size", u64::from(self.retention.batch_size)),
            ("rum.retention_days", self.rum.retention_days),
            (
                "rum.rate_limit_per_minute",
                u64::from(self.rum.rate_limit_per_minute),
            ),
            ("rum.flush_interval_ms", self.rum.flush_interval_ms),
            (
                "synthetic.max_concurrency",
                self.synthetic.max_concurrency as u64,
            ),
            ("synthetic.retention_days", self.synthetic.retention_days),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err((key.to_string(), "must be greater than 0".to_string()));
            }
        }
        let url = self.database_url.trim();
        if !url.is_empty()
            && !["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            return Err((
                "database_url".to_string(),
                "must start with sqlite:, postgres:// or postgresql://".to_string(),
            ));
        }
        let otlp = self.otlp_endpoint.trim();
        if !(otlp.is_empty() || otlp.starts_with("http://") || otlp.starts_with("https://")) {
            return Err((
                "otlp_endpoint".to_string(),
                "must be an http:// or https:// URL (OTLP over HTTP)".to_string(),
            ));
        }
        if self.service_name.trim().is_empty() {
            return Err(("service_name".to_string(), "must not be empty".to_string()));
        }
        if !(0.0..=1.0).contains(&self.rum.sample_rate) {
            return Err((
                "rum.sample_rate".to_string(),
                "must be between 0 and 1".to_string(),
            ));
        }
        let max_events = shared::api::rum::MAX_EVENTS;
        if self.rum.queue_capacity < max_events {
            return Err((
                "rum.queue_capacity".to_string(),
                format!("must be at least {max_events} (one full beacon)"),
            ));
        }
        if let Some(bad) = self
            .rum
            .allowed_origins
            .iter()
            .find(|origin| *origin != "*" && !is_origin(origin))
        {
            return Err((
                "rum.allowed_origins".to_string(),
                format!("`{bad}` is not an origin: write scheme://host[:port] (no path) or *"),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for spec in &self.probes {
            spec.validate()
                .map_err(|reason| ("probes".to_string(), reason))?;
            if !names.insert(spec.name.as_str()) {
                return Err((
                    "probes".to_string(),
                    format!("probe `{}`: the name is used twice", spec.name),
                ));
            }
        }
        self.status.validate(&self.maintenance)?;
        self.alerting
            .resolved_rules()
            .map_err(|reason| ("alerting".to_string(), reason))?;
        self.alerting
            .validate_notifications()
            .map_err(|reason| ("alerting".to_string(), reason))?;
        self.auth
            .validate()
            .map_err(|reason| ("auth".to_string(), reason))?;
        self.incidents
            .oncall
            .validate()
            .map_err(|reason| ("incidents.oncall".to_string(), reason))?;
        self.incidents
            .ticketing
            .validate()
            .map_err(|reason| ("incidents.ticketing".to_string(), reason))?;
        Ok(())
    }

    /// A copy fit for printing: the database password and the probes' secrets as `***`.
    pub fn redacted(&self) -> Config {
        let mut copy = self.clone();
        copy.database_url = redact_url(&copy.database_url);
        copy.probes = copy.probes.iter().map(|p| p.redacted()).collect();
        copy.alerting.channels = copy
            .alerting
            .channels
            .iter()
            .map(|c| c.redacted())
            .collect();
        let ticketing = &mut copy.incidents.ticketing;
        ticketing.url = crate::alerting::notify::spec::redact_webhook_url(&ticketing.url);
        for secret in [&mut ticketing.bearer_token, &mut ticketing.basic_password] {
            if secret.is_some() {
                *secret = Some("***".to_string());
            }
        }
        copy
    }
}

/// Whether `text` is a serialised origin: `http(s)://host[:port]`, nothing after.
fn is_origin(text: &str) -> bool {
    let Some((scheme, authority)) = text.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && !authority.contains(['/', '?', '#', '@', ' '])
}

/// Variables with the prefix that are not configuration keys: the log filter, and the binary
/// the test scripts run (`scripts/test.sh` exports it for the browser tests, whose servers
/// inherit it).
const IGNORED_ENV: [&str; 2] = ["CSV_ANALYZER_LOG", "CSV_ANALYZER_BIN"];

/// A provider holding one environment variable, `CSV_ANALYZER_A__B=v` → `a.b = v` (the value
/// read as TOML when it parses, e.g. numbers and booleans, else as a string).
fn env_single(name: &str, value: &str) -> impl figment::Provider {
    let key = name[ENV_PREFIX.len()..].to_lowercase().replace("__", ".");
    let parsed: toml::Value = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let mut root = toml::Table::new();
    let mut cursor = &mut root;
    let parts: Vec<&str> = key.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            cursor.insert((*part).to_string(), parsed.clone());
        } else {
            cursor = cursor
                .entry((*part).to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .expect("just inserted a table");
        }
    }
    Serialized::defaults(root)
}

fn figment_error(error: &figment::Error, variable: Option<&str>) -> ConfigError {
    let key = error.path.join(".");
    let location = match variable {
        Some(name) => format!("environment variable {name}"),
        None if key.is_empty() => "configuration".to_string(),
        None => format!("configuration key `{key}`"),
    };
    ConfigError {
        location,
        message: error.kind.to_string(),
    }
}

/// Parses and validates a configuration file's text; errors carry `path:line`.
pub fn check_text(text: &str, path: &str) -> Result<Config, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|span| line_of(text, span.start))
            .map_or(String::new(), |l| format!(":{l}"));
        ConfigError {
            location: format!("{path}{line}"),
            message: e.message().trim().to_string(),
        }
    })?;
    config.validate().map_err(|(key, message)| {
        let line = if key == "probes" {
            probe_line(text, &message)
        } else {
            key_line(text, &key)
        };
        ConfigError {
            location: format!("{path}{}", line.map_or(String::new(), |l| format!(":{l}"))),
            message: format!("`{key}` {message}"),
        }
    })?;
    Ok(config)
}

/// The line of `name = "NAME"` of the probe a validation message (`probe `NAME`: …`) is about.
fn probe_line(text: &str, message: &str) -> Option<usize> {
    let name = message.strip_prefix("probe `")?.split('`').next()?;
    text.lines()
        .position(|line| {
            line.split_once('=').is_some_and(|(key, value)| {
                key.trim() == "name" && value.trim().trim_matches(['"', '\'']) == name
            })
        })
        .map(|index| index + 1)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `table.key` (or a top-level `key`) is set, by a scan of the file.
fn key_line(text: &str, dotted: &str) -> Option<usize> {
    let (table, key) = match dotted.rsplit_once('.') {
        Some((table, key)) => (table, key),
        None => ("", dotted),
    };
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            current = header.trim().to_string();
        } else if current == table
            && trimmed
                .split_once('=')
                .is_some_and(|(k, _)| k.trim() == key)
        {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }

    #[test]
    fn defaults_run_with_no_file() {
        let config = Config::load_with_env(None, env(&[])).expect("defaults");
        assert_eq!(config, Config::default());
        assert!(config.effective_database_url().starts_with("sqlite://"));
    }

    #[test]
    fn a_file_then_the_environment_override_defaults() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "addr = \"127.0.0.1:9000\"\n[limits]\nconcurrency = 8\n",
        )
        .expect("write");
        let config = Config::load_with_env(
            Some(&path),
            env(&[
                ("CSV_ANALYZER_LIMITS__CONCURRENCY", "16"),
                ("CSV_ANALYZER_LOG_FORMAT", "pretty"),
                ("CSV_ANALYZER_LOG", "debug"),
                ("HOME", "/root"),
            ]),
        )
        .expect("config");
        assert_eq!(config.addr.port(), 9000);
        assert_eq!(config.limits.concurrency, 16);
        assert_eq!(config.log_format, LogFormat::Pretty);
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let error = check_text(
            "addr = \"127.0.0.1:1\"\n\n[limits]\nconcurency = 3\n",
            "c.toml",
        )
        .expect_err("unknown key");
        assert_eq!(error.location, "c.toml:4");
        assert!(error.message.contains("concurency"), "{error}");
        let error = check_text("[limits]\nconcurrency = \"many\"\n", "c.toml").expect_err("type");
        assert_eq!(error.location, "c.toml:2");
        let error = check_text("[retention]\nbatch_size = 0\n", "c.toml").expect_err("zero");
        assert_eq!(
            error.to_string(),
            "c.toml:2: `retention.batch_size` must be greater than 0"
        );
        let error = Config::load_with_env(None, env(&[("CSV_ANALYZER_LIMITS__CONCURRENCY", "x")]))
            .expect_err("bad env");
        assert!(
            error.location.contains("CSV_ANALYZER_LIMITS__CONCURRENCY"),
            "{error}"
        );
    }

    #[test]
    fn rum_settings_are_checked_and_overridable() {
        let config = Config::load_with_env(
            None,
            env(&[
                ("CSV_ANALYZER_RUM__SAMPLE_RATE", "0.25"),
                ("CSV_ANALYZER_RUM__ENABLED", "false"),
                (
                    "CSV_ANALYZER_RUM__ALLOWED_ORIGINS",
                    "[\"https://app.example\", \"http://localhost:8080\"]",
                ),
            ]),
        )
        .expect("env overrides");
        assert_eq!(config.rum.sample_rate, 0.25);
        assert!(!config.rum.enabled);
        assert_eq!(config.rum.allowed_origins.len(), 2);
        let error = check_text("[rum]\nsample_rate = 1.5\n", "c.toml").expect_err("rate");
        assert_eq!(
            error.to_string(),
            "c.toml:2: `rum.sample_rate` must be between 0 and 1"
        );
        let error = check_text("[rum]\nallowed_origins = [\"https://a/x\"]\n", "c.toml")
            .expect_err("origin with a path");
        assert!(error.message.contains("not an origin"), "{error}");
        let error = check_text("[rum]\nqueue_capacity = 10\n", "c.toml").expect_err("queue");
        assert!(error.message.contains("at least 100"), "{error}");
        assert!(check_text("[rum]\nallowed_origins = [\"*\"]\n", "c.toml").is_ok());
    }

    #[test]
    fn the_documented_probes_are_valid() {
        // The commented `[[probes]]` tables of the example, uncommented.
        let text = include_str!("../../docs/config.example.toml");
        let start = text.find("# [[probes]]").expect("a probe example");
        let probes: String = text[start..]
            .lines()
            .filter_map(|line| line.strip_prefix('#'))
            .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
            .collect();
        let config = check_text(&probes, "example probes").expect("valid probes");
        let names: Vec<&str> = config.probes.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["app", "database", "dns"]);
        assert_eq!(config.probes[0].assertions.min_cert_days, Some(14));
        // The alerting example after them.
        assert_eq!(config.alerting.channels[0].name, "oncall-slack");
        assert_eq!(config.alerting.routes[0].channel, "oncall-slack");
        assert_eq!(config.alerting.rules[0].threshold, Some(0.05));
        // Then access and incidents.
        assert_eq!(config.auth, crate::auth::AuthConfig::default());
        assert_eq!(config.incidents.oncall.people, ["alice", "bob", "carol"]);
        assert_eq!(config.incidents.oncall.time_zone, "Europe/Paris");
        assert_eq!(config.incidents.oncall.contacts["bob"], "bob-email");
        assert!(config.incidents.ticketing.enabled);
        assert_eq!(config.incidents.reopen_window_seconds, 3600);
    }

    #[test]
    fn the_documented_example_is_valid() {
        let text = include_str!("../../docs/config.example.toml");
        let config = check_text(text, "docs/config.example.toml").expect("valid example");
        assert_eq!(config.metrics.sample_interval_seconds, 15);
        assert_eq!(config, Config::default(), "the example shows the defaults");
    }
}
