//! `http` probes: one request, then the assertions on status, body, JSON values and the TLS
//! certificate's expiry.
//!
//! Each probe has its own client, built once, that keeps no idle connection: every run opens a
//! new one (resolution, TCP, TLS), as a first visit would and as blackbox_exporter measures.
//! Steps: `response` (until the response head) and `transfer` (reading the body, at most
//! [`MAX_BODY_BYTES`] of it). Failure reasons never carry the URL (it may hold a password), a
//! header or the body.
//!
//! A run over `https://` also records when the presented certificate expires
//! ([`Outcome::cert_expiry_ms`]), whatever the assertions say: it is stored with the result,
//! published as `probe_ssl_earliest_cert_expiry` and watched by the `CertificateExpiring` rule.

use std::time::Instant;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, Url};

use super::check::Outcome;
use super::spec::{Assertions, HttpTarget, JsonAssertion, StatusRange};
use super::unix_now_ms;

/// The most of a body that is read (and searched); the rest is not downloaded.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Redirects followed at most, when following.
pub const MAX_REDIRECTS: usize = 10;
/// The `User-Agent` of probe requests.
pub const USER_AGENT: &str = concat!("csv-analyzer-probe/", env!("CARGO_PKG_VERSION"));

/// An `http` probe, compiled.
#[derive(Debug)]
pub struct HttpCheck {
    client: Client,
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<String>,
    assertions: ResponseAssertions,
}

/// The assertions on one HTTP answer, compiled (shared with the `transaction` kind's steps).
#[derive(Debug)]
pub struct ResponseAssertions {
    statuses: Vec<StatusRange>,
    body_contains: Option<String>,
    body_regex: Option<regex::Regex>,
    json: Vec<JsonAssertion>,
    min_cert_days: Option<u64>,
}

impl HttpCheck {
    pub fn new(target: &HttpTarget, assertions: &Assertions) -> Result<HttpCheck, String> {
        let url = Url::parse(&target.url).map_err(|e| format!("the URL is not valid: {e}"))?;
        let method = Method::from_bytes(target.method.as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", target.method))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &target.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a header name"))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| format!("the value of header `{name}` is not valid"))?;
            value.set_sensitive(true);
            headers.append(name, value);
        }
        let redirects = if target.follow_redirects {
            reqwest::redirect::Policy::limited(MAX_REDIRECTS)
        } else {
            reqwest::redirect::Policy::none()
        };
        let client = Client::builder()
            .redirect(redirects)
            .pool_max_idle_per_host(0)
            .tls_info(true)
            .tls_danger_accept_invalid_certs(target.insecure_skip_verify)
            .user_agent(USER_AGENT)
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))?;
        Ok(HttpCheck {
            client,
            method,
            url,
            headers,
            body: target.body.clone(),
            assertions: ResponseAssertions::new(assertions)?,
        })
    }

    /// One request and the assertions.
    pub async fn run(&self) -> Outcome {
        let started = Instant::now();
        let mut steps = Vec::with_capacity(2);
        let mut request = self
            .client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Outcome::failed(started, steps, describe(error)),
        };
        steps.push(("response".into(), started.elapsed()));
        let status = response.status().as_u16();
        let certificate = peer_certificate_expiry(&response);
        let cert_expiry_ms = certificate.as_ref().and_then(|c| c.as_ref().ok().copied());
        let transfer = Instant::now();
        let body = match read_body(&mut response).await {
            Ok(body) => body,
            Err(reason) => {
                return Outcome::failed(started, steps, reason).with_cert_expiry(cert_expiry_ms);
            }
        };
        steps.push(("transfer".into(), transfer.elapsed()));
        match self.assertions.check(status, certificate.as_ref(), &body) {
            Ok(()) => Outcome::succeeded(started, steps),
            Err(reason) => Outcome::failed(started, steps, reason),
        }
        .with_cert_expiry(cert_expiry_ms)
    }
}

/// When the certificate the server presented expires (its `notAfter`, Unix milliseconds), if
/// it presented one (`https://`), or why it cannot be read. Only the leaf certificate is read:
/// the HTTP client shows no other.
pub fn peer_certificate_expiry(response: &reqwest::Response) -> Option<Result<i64, String>> {
    response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .map(certificate_not_after_ms)
}

/// At most [`MAX_BODY_BYTES`] of the body; the error is a failure reason.
pub async fn read_body(response: &mut reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY_BYTES - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= MAX_BODY_BYTES {
                    return Ok(body);
                }
            }
            Ok(None) => return Ok(body),
            Err(error) => return Err(format!("reading the body failed: {}", describe(error))),
        }
    }
}

impl ResponseAssertions {
    /// Compiles the http assertions (statuses, body text and regex, JSON values, certificate).
    pub fn new(assertions: &Assertions) -> Result<ResponseAssertions, String> {
        let statuses = assertions
            .status
            .iter()
            .map(|p| p.range())
            .collect::<Result<Vec<_>, _>>()?;
        let body_regex = assertions
            .body_regex
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .map_err(|e| format!("body_regex is not a valid regular expression: {e}"))?;
        Ok(ResponseAssertions {
            statuses,
            body_contains: assertions.body_contains.clone(),
            body_regex,
            json: assertions.json.clone(),
            min_cert_days: assertions.min_cert_days,
        })
    }

    /// `Ok` when every assertion holds, else the first failure's reason. `certificate` is what
    /// [`peer_certificate_expiry`] read.
    pub fn check(
        &self,
        status: u16,
        certificate: Option<&Result<i64, String>>,
        body: &[u8],
    ) -> Result<(), String> {
        let accepted = if self.statuses.is_empty() {
            (200..=299).contains(&status)
        } else {
            self.statuses.iter().any(|r| r.contains(status))
        };
        if !accepted {
            let expected = if self.statuses.is_empty() {
                "2xx".to_string()
            } else {
                self.statuses
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(format!("status {status}, expected {expected}"));
        }
        if let Some(min_days) = self.min_cert_days {
            match certificate {
                None => return Err("no TLS certificate was presented".to_string()),
                Some(Err(why)) => return Err(why.clone()),
                Some(Ok(expiry_ms)) => {
                    let days = days_left(*expiry_ms, unix_now_ms());
                    if days < min_days as f64 {
                        return Err(format!(
                            "the TLS certificate expires in {days:.1} days, fewer than {min_days}"
                        ));
                    }
                }
            }
        }
        let text = String::from_utf8_lossy(body);
        if let Some(needle) = &self.body_contains
            && !text.contains(needle.as_str())
        {
            return Err(format!("the body does not contain {needle:?}"));
        }
        if let Some(regex) = &self.body_regex
            && !regex.is_match(&text)
        {
            return Err(format!("the body does not match /{}/", regex.as_str()));
        }
        if !self.json.is_empty() {
            let value: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
            for assertion in &self.json {
                match value.pointer(&assertion.pointer) {
                    None => return Err(format!("the JSON has nothing at {}", assertion.pointer)),
                    Some(found) if *found != assertion.equals => {
                        return Err(format!(
                            "the JSON at {} is {}, expected {}",
                            assertion.pointer,
                            shorten(&found.to_string()),
                            shorten(&assertion.equals.to_string())
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }
}

/// When the certificate (DER) expires, its `notAfter` in Unix milliseconds, or why it cannot be
/// read.
pub fn certificate_not_after_ms(der: &[u8]) -> Result<i64, String> {
    use x509_cert::der::Decode;
    let certificate = x509_cert::Certificate::from_der(der)
        .map_err(|e| format!("the TLS certificate cannot be read: {e}"))?;
    let not_after = certificate
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration()
        .as_millis();
    i64::try_from(not_after).map_err(|_| "the TLS certificate's expiry is out of range".to_string())
}

/// Days from `now_ms` until `expiry_ms` (negative once it has passed).
pub fn days_left(expiry_ms: i64, now_ms: i64) -> f64 {
    (expiry_ms as f64 - now_ms as f64) / 86_400_000.0
}

/// A reqwest error as a short reason, without its URL.
pub fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_redirect() {
        "redirect failed"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "body failed"
    } else {
        "request failed"
    };
    format!("{kind}: {}", chain(&error.without_url()))
}

/// An error and its sources, `outer: inner: …`, repeated messages left out.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// At most 100 characters of `text`.
fn shorten(text: &str) -> String {
    if text.chars().count() <= 100 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(100).collect::<String>())
    }
}
