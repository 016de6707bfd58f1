//! A probe's definition as users write it: a `[[probes]]` table of the configuration file or
//! the JSON body of `POST /api/probes` — the same type, validated the same way.
//!
//! ```toml
//! [[probes]]
//! name = "app"
//! kind = "http"            # http | transaction | browser | tcp | dns
//! interval_seconds = 30
//! timeout_ms = 5000
//! locations = ["local"]
//! [probes.http]
//! url = "https://csv.example.org/"
//! headers = { Authorization = "Bearer s3cret" }
//! [probes.assertions]
//! status = ["2xx"]
//! body_contains = "CSV Analyzer"
//! ```
//!
//! The kind's own table (`http`, `transaction`, `browser`, `tcp` or `dns`) carries the target;
//! `assertions` the checks.
//! [`ProbeSpec::validate`] names the probe and the reason; [`ProbeSpec::redacted`] is what the
//! API and the logs show (header values, bodies and URL passwords as `***`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What replaces a secret in every answer and log line.
pub const REDACTED: &str = "***";
/// The location of probes run by the server itself.
pub const LOCAL: &str = "local";
/// Longest probe or location name.
pub const MAX_NAME_LEN: usize = 64;
/// Default interval between two runs.
pub const DEFAULT_INTERVAL_SECONDS: u64 = 60;
/// Default hard timeout of one run.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// A probe definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    /// Unique name, also the probe's id in the API and its `probe` label in `/metrics`:
    /// 1 to 64 letters, digits, `.`, `_`, `-`.
    #[schema(example = "app-home")]
    pub name: String,
    /// What the probe does; its target is in the table of the same name.
    pub kind: ProbeKind,
    /// Seconds between two runs (at least 1).
    #[serde(default = "default_interval")]
    #[schema(default = 60, minimum = 1)]
    pub interval_seconds: u64,
    /// Hard limit of one run, milliseconds (at least 1, at most the interval): a target that
    /// does not answer in time is a failure.
    #[serde(default = "default_timeout")]
    #[schema(default = 10000, minimum = 1)]
    pub timeout_ms: u64,
    /// Where the probe runs; `local` is the server itself.
    #[serde(default = "default_locations")]
    #[schema(default = json!(["local"]))]
    pub locations: Vec<String>,
    /// The target of an `http` probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpTarget>,
    /// The target of a `tcp` probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpTarget>,
    /// The target of a `dns` probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsTarget>,
    /// The steps of a `transaction` probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<TransactionTarget>,
    /// The journey of a `browser` probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<BrowserTarget>,
    /// What a run must see to succeed (besides completing in time).
    #[serde(default, skip_serializing_if = "Assertions::is_empty")]
    pub assertions: Assertions,
}

/// The kinds of probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    /// One HTTP request.
    Http,
    /// A TCP connection.
    Tcp,
    /// A name resolution.
    Dns,
    /// Ordered HTTP requests sharing cookies and extracted values.
    Transaction,
    /// The user's journey in headless Chromium: open the app, upload a CSV, see its profile.
    Browser,
}

impl ProbeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Tcp => "tcp",
            Self::Dns => "dns",
            Self::Transaction => "transaction",
            Self::Browser => "browser",
        }
    }
}

/// One HTTP request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpTarget {
    /// `http://` or `https://` URL.
    #[schema(example = "https://csv.example.org/healthz")]
    pub url: String,
    #[serde(default = "default_method")]
    #[schema(default = "GET")]
    pub method: String,
    /// Request headers. Their values are redacted (`***`) in answers and logs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body. Redacted (`***`) in answers and logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Follow redirects (up to 10); otherwise a 3xx is the answer assertions see.
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub follow_redirects: bool,
    /// Accept any TLS certificate (self-signed, expired, other name); the expiry assertion
    /// still reads it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_skip_verify: bool,
}

/// A TCP connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpTarget {
    /// `host:port` (`[v6]:port` for an IPv6 address).
    #[schema(example = "db.internal:5432")]
    pub address: String,
}

/// Most steps in one transaction.
pub const MAX_TRANSACTION_STEPS: usize = 32;

/// The ordered steps of a `transaction` probe: one cookie jar and one set of extracted values
/// for the whole run; the run fails at the first step that fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionTarget {
    /// 1 to 32 steps, run in order.
    pub steps: Vec<TransactionStep>,
    /// Accept any TLS certificate in every step.
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_skip_verify: bool,
}

/// One request of a transaction. `{{name}}` in the URL, a header value or the body is replaced
/// by the value an earlier step extracted into `name`. A relative URL is resolved against the
/// previous step's final URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionStep {
    /// Unique within the probe; the `step` label of its duration. Not `total`.
    #[schema(example = "load-page")]
    pub name: String,
    /// Absolute (`http://`, `https://`), or relative to the previous step's URL.
    #[schema(example = "https://csv.example.org/")]
    pub url: String,
    #[serde(default = "default_method")]
    #[schema(default = "GET")]
    pub method: String,
    /// Request headers (redacted as `***` in answers and logs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Request body (redacted as `***` in answers and logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Follow redirects (up to 10).
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub follow_redirects: bool,
    /// The http assertions on this step's answer (default: any 2xx); `max_latency_ms` bounds
    /// this step.
    #[serde(default, skip_serializing_if = "Assertions::is_empty")]
    pub assertions: Assertions,
    /// Values taken from this step's answer for the later steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extract: Vec<Extraction>,
}

/// A value taken from a step's body into a variable: the value at a JSON `pointer` (strings as
/// they are, other values as JSON) or a `regex`'s first capture group (the whole match without
/// a group). Exactly one of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Extraction {
    /// The variable, used as `{{name}}` later: letters, digits, `_`.
    #[schema(example = "wasm")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/token")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "src=\"([^\"]+\\.wasm)\"")]
    pub regex: Option<String>,
}

/// The `{{name}}` placeholders in `text`, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        found.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    found
}

impl TransactionTarget {
    fn check(&self) -> Result<(), String> {
        if self.steps.is_empty() || self.steps.len() > MAX_TRANSACTION_STEPS {
            return Err(format!(
                "a transaction has 1 to {MAX_TRANSACTION_STEPS} steps, not {}",
                self.steps.len()
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        let mut variables: Vec<&str> = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            check_name("a step name", &step.name)?;
            if step.name == "total" {
                return Err("a step cannot be named `total` (the whole run's label)".to_string());
            }
            if names.contains(&step.name.as_str()) {
                return Err(format!("two steps are named `{}`", step.name));
            }
            names.push(&step.name);
            step.check(i == 0, &variables)
                .map_err(|reason| format!("step `{}`: {reason}", step.name))?;
            for extraction in &step.extract {
                variables.push(&extraction.name);
            }
        }
        Ok(())
    }
}

impl TransactionStep {
    fn check(&self, first: bool, defined: &[&str]) -> Result<(), String> {
        let texts = std::iter::once(self.url.as_str())
            .chain(self.headers.values().map(String::as_str))
            .chain(self.body.as_deref());
        for text in texts {
            for used in placeholders(text) {
                if !defined.contains(&used) {
                    return Err(format!(
                        "`{{{{{used}}}}}` is not extracted by an earlier step"
                    ));
                }
            }
        }
        let sample = {
            let mut url = self.url.clone();
            for used in placeholders(&self.url) {
                url = url.replace(&format!("{{{{{used}}}}}"), "x");
            }
            url
        };
        match reqwest::Url::parse(&sample) {
            Ok(url) => {
                if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                    return Err("the URL must be http:// or https:// with a host".to_string());
                }
            }
            Err(_) if !first => {
                let base =
                    reqwest::Url::parse("http://base.invalid/").map_err(|e| e.to_string())?;
                base.join(&sample)
                    .map_err(|e| format!("the URL is not valid: {e}"))?;
            }
            Err(e) => return Err(format!("the URL is not valid: {e}")),
        }
        reqwest::Method::from_bytes(self.method.as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", self.method))?;
        for (name, value) in &self.headers {
            reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a header name"))?;
            reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| format!("the value of header `{name}` is not valid"))?;
        }
        let a = &self.assertions;
        if a.max_latency_ms == Some(0) {
            return Err("max_latency_ms must be at least 1".to_string());
        }
        if a.min_cert_days.is_some() && !self.url.starts_with("https://") {
            return Err("min_cert_days needs an https:// URL".to_string());
        }
        crate::probes::http::ResponseAssertions::new(a)?;
        for json in &a.json {
            if !(json.pointer.is_empty() || json.pointer.starts_with('/')) {
                return Err(format!(
                    "the JSON pointer `{}` must be empty or start with `/`",
                    json.pointer
                ));
            }
        }
        for extraction in &self.extract {
            let name = &extraction.name;
            if name.is_empty()
                || name.len() > MAX_NAME_LEN
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(format!(
                    "the variable `{name}` must have 1 to {MAX_NAME_LEN} letters, digits or `_`"
                ));
            }
            match (&extraction.pointer, &extraction.regex) {
                (Some(pointer), None) => {
                    if !(pointer.is_empty() || pointer.starts_with('/')) {
                        return Err(format!(
                            "the JSON pointer `{pointer}` of `{name}` must be empty or start with `/`"
                        ));
                    }
                }
                (None, Some(regex)) => {
                    regex::Regex::new(regex).map_err(|e| {
                        format!("the regex of `{name}` is not a valid regular expression: {e}")
                    })?;
                }
                _ => {
                    return Err(format!(
                        "the variable `{name}` needs exactly one of `pointer` and `regex`"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The journey of a `browser` probe, in a fresh headless Chromium each run: open `url`, wait
/// for the app to render, upload a CSV through its file input, wait for one column card per
/// column of the file. Console errors and uncaught exceptions fail the run unless allowed.
/// Without Chromium on the probing machine the run is `unavailable`, never a success.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrowserTarget {
    /// The app's page (`http://` or `https://`).
    #[schema(example = "https://csv.example.org/")]
    pub url: String,
    /// A CSV file on the probing machine to upload (its header gives the expected column
    /// count). Default: a built-in 40-row, 4-column sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/etc/csv-analyzer/probe-sample.csv")]
    pub sample_csv: Option<String>,
    /// Chromium's executable. Default: the first of `chromium`, `chromium-browser`,
    /// `google-chrome-stable`, `google-chrome` on the `PATH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/usr/bin/chromium")]
    pub chromium: Option<String>,
    /// Let console errors and uncaught exceptions pass (they are still logged).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_console_errors: bool,
    /// Accept any TLS certificate.
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_skip_verify: bool,
}

/// A name resolution (the system resolver, as the server's own connections use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsTarget {
    #[schema(example = "csv.example.org")]
    pub name: String,
    /// An address the answer must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "203.0.113.7")]
    pub expect_address: Option<String>,
}

/// What a run must see to succeed. All given assertions must hold.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertions {
    /// `http`: accepted statuses — codes (`200`), classes (`"2xx"`) or ranges (`"200-299"`).
    /// Empty: any 2xx.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<StatusPattern>,
    /// `http`: the body contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_contains: Option<String>,
    /// `http`: the body matches this regular expression (Rust `regex` syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_regex: Option<String>,
    /// `http`: the body is JSON and the value at each pointer equals the given one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<JsonAssertion>,
    /// Any kind: the run takes at most this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_latency_ms: Option<u64>,
    /// `http` over `https://`: the server's certificate expires in at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cert_days: Option<u64>,
}

/// An accepted HTTP status: a code or a text (`"2xx"`, `"200-299"`, `"301"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum StatusPattern {
    Code(u16),
    Text(String),
}

/// The value at a JSON pointer (RFC 6901) of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonAssertion {
    /// E.g. `/status` or `/items/0/id`.
    #[schema(example = "/status")]
    pub pointer: String,
    /// The expected value (any JSON).
    #[schema(value_type = Object, example = "ok")]
    pub equals: serde_json::Value,
}

fn default_interval() -> u64 {
    DEFAULT_INTERVAL_SECONDS
}
fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}
fn default_locations() -> Vec<String> {
    vec![LOCAL.to_string()]
}
fn default_method() -> String {
    "GET".to_string()
}
fn yes() -> bool {
    true
}
fn is_false(value: &bool) -> bool {
    !*value
}

impl Assertions {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn http_only(&self) -> Option<&'static str> {
        if !self.status.is_empty() {
            Some("status")
        } else if self.body_contains.is_some() {
            Some("body_contains")
        } else if self.body_regex.is_some() {
            Some("body_regex")
        } else if !self.json.is_empty() {
            Some("json")
        } else if self.min_cert_days.is_some() {
            Some("min_cert_days")
        } else {
            None
        }
    }
}

/// An inclusive range of statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRange {
    pub low: u16,
    pub high: u16,
}

impl StatusRange {
    pub fn contains(&self, status: u16) -> bool {
        (self.low..=self.high).contains(&status)
    }
}

impl std::fmt::Display for StatusRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else if self.low.is_multiple_of(100) && self.high == self.low + 99 {
            write!(f, "{}xx", self.low / 100)
        } else {
            write!(f, "{}-{}", self.low, self.high)
        }
    }
}

impl StatusPattern {
    /// The statuses this pattern accepts.
    pub fn range(&self) -> Result<StatusRange, String> {
        let valid = |code: u16| {
            if (100..=599).contains(&code) {
                Ok(code)
            } else {
                Err(format!("status {code} is not between 100 and 599"))
            }
        };
        match self {
            Self::Code(code) => valid(*code).map(|c| StatusRange { low: c, high: c }),
            Self::Text(text) => {
                let text = text.trim();
                let number = |t: &str| {
                    t.trim().parse::<u16>().map_err(|_| {
                        format!("`{text}` is not a status, a class (2xx) or a range (200-299)")
                    })
                };
                if let Some(class) = text.strip_suffix("xx").or_else(|| text.strip_suffix("XX")) {
                    let digit = number(class)?;
                    let low = valid(digit * 100)?;
                    return Ok(StatusRange {
                        low,
                        high: low + 99,
                    });
                }
                if let Some((low, high)) = text.split_once('-') {
                    let (low, high) = (valid(number(low)?)?, valid(number(high)?)?);
                    if low > high {
                        return Err(format!("the range `{text}` is empty"));
                    }
                    return Ok(StatusRange { low, high });
                }
                valid(number(text)?).map(|c| StatusRange { low: c, high: c })
            }
        }
    }
}

/// A name of 1 to 64 letters, digits, `.`, `_`, `-`.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!("{what} must have 1 to {MAX_NAME_LEN} characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "{what} `{name}` may use letters, digits, `.`, `_` and `-` only, not {bad:?}"
        ));
    }
    Ok(())
}

/// `host:port` → its parts (`[::1]:80` → `::1`, 80).
pub fn split_host_port(address: &str) -> Result<(String, u16), String> {
    let bad = || format!("`{address}` is not host:port");
    let (host, port) = address.trim().rsplit_once(':').ok_or_else(bad)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || host.contains(['/', ' ']) {
        return Err(bad());
    }
    let port: u16 = port.parse().map_err(|_| bad())?;
    if port == 0 {
        return Err(format!("`{address}`: port 0 cannot be connected to"));
    }
    Ok((host.to_string(), port))
}

impl ProbeSpec {
    /// Whether a run reads a TLS certificate: an `http` probe of an `https://` URL, or a
    /// transaction with an `https://` step (browser probes read none).
    pub fn reads_certificate(&self) -> bool {
        let https = |url: &str| {
            url.get(..8)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        };
        match self.kind {
            ProbeKind::Http => self.http.as_ref().is_some_and(|t| https(&t.url)),
            ProbeKind::Transaction => self
                .transaction
                .as_ref()
                .is_some_and(|t| t.steps.iter().any(|step| https(&step.url))),
            ProbeKind::Tcp | ProbeKind::Dns | ProbeKind::Browser => false,
        }
    }

    /// Every check that does not need the network; the error names the probe and the reason.
    pub fn validate(&self) -> Result<(), String> {
        self.check().map_err(|reason| {
            if self.name.is_empty() {
                format!("probe: {reason}")
            } else {
                format!("probe `{}`: {reason}", self.name)
            }
        })
    }

    fn check(&self) -> Result<(), String> {
        check_name("the name", &self.name)?;
        if self.interval_seconds == 0 {
            return Err("interval_seconds must be at least 1".to_string());
        }
        if self.timeout_ms == 0 {
            return Err("timeout_ms must be at least 1".to_string());
        }
        if self.timeout_ms > self.interval_seconds.saturating_mul(1000) {
            return Err(format!(
                "timeout_ms ({}) must not exceed the interval ({} s)",
                self.timeout_ms, self.interval_seconds
            ));
        }
        if self.locations.is_empty() {
            return Err(
                "locations must name at least one location (`local` is the server)".to_string(),
            );
        }
        for location in &self.locations {
            check_name("a location", location)?;
        }
        let tables = [
            (ProbeKind::Http, self.http.is_some()),
            (ProbeKind::Tcp, self.tcp.is_some()),
            (ProbeKind::Dns, self.dns.is_some()),
            (ProbeKind::Transaction, self.transaction.is_some()),
            (ProbeKind::Browser, self.browser.is_some()),
        ];
        if tables
            .iter()
            .any(|&(kind, present)| kind == self.kind && !present)
        {
            return Err(format!(
                "kind `{0}` needs a `{0}` table with its target",
                self.kind.as_str()
            ));
        }
        for (kind, present) in tables {
            if kind != self.kind && present {
                return Err(format!(
                    "a `{}` table does not go with kind `{}`",
                    kind.as_str(),
                    self.kind.as_str()
                ));
            }
        }
        let a = &self.assertions;
        if self.kind != ProbeKind::Http
            && let Some(key) = a.http_only()
        {
            return Err(format!(
                "the `{key}` assertion applies to http probes only, not {}",
                self.kind.as_str()
            ));
        }
        if a.max_latency_ms == Some(0) {
            return Err("max_latency_ms must be at least 1".to_string());
        }
        if let Some(http) = &self.http {
            let url =
                reqwest::Url::parse(&http.url).map_err(|e| format!("the URL is not valid: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err("the URL must be http:// or https:// with a host".to_string());
            }
            if a.min_cert_days.is_some() && url.scheme() != "https" {
                return Err("min_cert_days needs an https:// URL".to_string());
            }
            reqwest::Method::from_bytes(http.method.as_bytes())
                .map_err(|_| format!("`{}` is not an HTTP method", http.method))?;
            for (name, value) in &http.headers {
                reqwest::header::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("`{name}` is not a header name"))?;
                reqwest::header::HeaderValue::from_str(value)
                    .map_err(|_| format!("the value of header `{name}` is not valid"))?;
            }
            for pattern in &a.status {
                pattern.range()?;
            }
            if let Some(regex) = &a.body_regex {
                regex::Regex::new(regex)
                    .map_err(|e| format!("body_regex is not a valid regular expression: {e}"))?;
            }
            for json in &a.json {
                if !(json.pointer.is_empty() || json.pointer.starts_with('/')) {
                    return Err(format!(
                        "the JSON pointer `{}` must be empty or start with `/`",
                        json.pointer
                    ));
                }
            }
        }
        if let Some(transaction) = &self.transaction {
            transaction.check()?;
        }
        if let Some(browser) = &self.browser {
            let url = reqwest::Url::parse(&browser.url)
                .map_err(|e| format!("the URL is not valid: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err("the URL must be http:// or https:// with a host".to_string());
            }
            for (key, path) in [
                ("sample_csv", &browser.sample_csv),
                ("chromium", &browser.chromium),
            ] {
                if path.as_deref().is_some_and(|p| p.trim().is_empty()) {
                    return Err(format!("`{key}` is empty: leave it out for the default"));
                }
            }
        }
        if let Some(tcp) = &self.tcp {
            split_host_port(&tcp.address)?;
        }
        if let Some(dns) = &self.dns {
            let name = dns.name.trim();
            if name.is_empty() || name.len() > 253 || name.contains([' ', '/', ':']) {
                return Err(format!("`{}` is not a host name", dns.name));
            }
            if let Some(expected) = &dns.expect_address {
                expected
                    .parse::<IpAddr>()
                    .map_err(|_| format!("expect_address `{expected}` is not an IP address"))?;
            }
        }
        Ok(())
    }

    /// Whether the server itself runs this probe.
    pub fn runs_locally(&self) -> bool {
        self.locations.iter().any(|l| l == LOCAL)
    }

    /// A copy fit for answers and logs: header values, the body and URL passwords as `***`.
    pub fn redacted(&self) -> ProbeSpec {
        let mut copy = self.clone();
        if let Some(http) = &mut copy.http {
            http.url = crate::storage::redact_url(&http.url);
            for value in http.headers.values_mut() {
                *value = REDACTED.to_string();
            }
            if http.body.is_some() {
                http.body = Some(REDACTED.to_string());
            }
        }
        if let Some(browser) = &mut copy.browser {
            browser.url = crate::storage::redact_url(&browser.url);
        }
        if let Some(transaction) = &mut copy.transaction {
            for step in &mut transaction.steps {
                step.url = crate::storage::redact_url(&step.url);
                for value in step.headers.values_mut() {
                    *value = REDACTED.to_string();
                }
                if step.body.is_some() {
                    step.body = Some(REDACTED.to_string());
                }
            }
        }
        copy
    }

    /// For an update sent back as it was read (redacted): each `***` left in place of a header
    /// value, the body or the URL takes the value of `previous` again, so a client can change
    /// the interval without knowing the secrets.
    pub fn restore_secrets(&mut self, previous: &ProbeSpec) {
        if let (Some(transaction), Some(old)) = (&mut self.transaction, &previous.transaction) {
            for step in &mut transaction.steps {
                let Some(old) = old.steps.iter().find(|s| s.name == step.name) else {
                    continue;
                };
                for (name, value) in &mut step.headers {
                    if value == REDACTED
                        && let Some(old_value) = old.headers.get(name)
                    {
                        value.clone_from(old_value);
                    }
                }
                if step.body.as_deref() == Some(REDACTED) {
                    step.body.clone_from(&old.body);
                }
                if step.url != old.url && step.url == crate::storage::redact_url(&old.url) {
                    step.url.clone_from(&old.url);
                }
            }
        }
        if let (Some(browser), Some(old)) = (&mut self.browser, &previous.browser)
            && browser.url != old.url
            && browser.url == crate::storage::redact_url(&old.url)
        {
            browser.url.clone_from(&old.url);
        }
        let (Some(http), Some(old)) = (&mut self.http, &previous.http) else {
            return;
        };
        for (name, value) in &mut http.headers {
            if value == REDACTED
                && let Some(old_value) = old.headers.get(name)
            {
                value.clone_from(old_value);
            }
        }
        if http.body.as_deref() == Some(REDACTED) {
            http.body.clone_from(&old.body);
        }
        if http.url != old.url && http.url == crate::storage::redact_url(&old.url) {
            http.url.clone_from(&old.url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(url: &str) -> ProbeSpec {
        ProbeSpec {
            name: "p".to_string(),
            kind: ProbeKind::Http,
            interval_seconds: 60,
            timeout_ms: 1000,
            locations: default_locations(),
            http: Some(HttpTarget {
                url: url.to_string(),
                method: "GET".to_string(),
                headers: BTreeMap::new(),
                body: None,
                follow_redirects: true,
                insecure_skip_verify: false,
            }),
            tcp: None,
            dns: None,
            transaction: None,
            browser: None,
            assertions: Assertions::default(),
        }
    }

    #[test]
    fn statuses_parse_as_codes_classes_and_ranges() {
        let r = |p: StatusPattern| p.range();
        assert_eq!(
            r(StatusPattern::Code(204)),
            Ok(StatusRange {
                low: 204,
                high: 204
            })
        );
        assert_eq!(
            r(StatusPattern::Text("2xx".into())),
            Ok(StatusRange {
                low: 200,
                high: 299
            })
        );
        assert_eq!(
            r(StatusPattern::Text("301-308".into())),
            Ok(StatusRange {
                low: 301,
                high: 308
            })
        );
        assert!(r(StatusPattern::Text("9xx".into())).is_err());
        assert!(r(StatusPattern::Text("300-200".into())).is_err());
        assert!(r(StatusPattern::Text("ok".into())).is_err());
        assert!(r(StatusPattern::Code(42)).is_err());
        assert_eq!(
            StatusRange {
                low: 200,
                high: 299
            }
            .to_string(),
            "2xx"
        );
    }

    #[test]
    fn validation_names_the_probe_and_the_reason() {
        assert!(http("http://127.0.0.1:1/").validate().is_ok());
        let mut spec = http("ftp://x/");
        assert_eq!(
            spec.validate().unwrap_err(),
            "probe `p`: the URL must be http:// or https:// with a host"
        );
        spec = http("http://x/");
        spec.timeout_ms = 61_000;
        assert!(spec.validate().unwrap_err().contains("must not exceed"));
        spec = http("http://x/");
        spec.kind = ProbeKind::Tcp;
        assert!(spec.validate().unwrap_err().contains("needs a `tcp` table"));
        spec = http("http://x/");
        spec.assertions.body_regex = Some("(".into());
        assert!(spec.validate().unwrap_err().contains("body_regex"));
        spec = http("http://x/");
        spec.assertions.min_cert_days = Some(3);
        assert!(spec.validate().unwrap_err().contains("https"));
        spec = http("http://x/");
        spec.name = "a b".into();
        assert!(spec.validate().unwrap_err().starts_with("probe `a b`"));
        assert_eq!(split_host_port("[::1]:80"), Ok(("::1".to_string(), 80)));
        assert!(split_host_port("host").is_err());
    }

    #[test]
    fn secrets_are_redacted_and_restored() {
        let mut spec = http("https://user:pw@example.org/x?password=pw2&a=1");
        let target = spec.http.as_mut().unwrap();
        target
            .headers
            .insert("Authorization".into(), "Bearer s3cret".into());
        target.body = Some("{\"password\":\"x\"}".into());
        let shown = spec.redacted();
        let text = serde_json::to_string(&shown).unwrap();
        assert!(!text.contains("s3cret") && !text.contains("pw"), "{text}");
        assert!(text.contains("user:***@example.org"), "{text}");
        let mut back = shown.clone();
        back.interval_seconds = 30;
        back.restore_secrets(&spec);
        assert_eq!(back.http, spec.http);
        assert_eq!(back.interval_seconds, 30);
    }
}
