//! `transaction` probes: ordered HTTP steps, as a user's journey makes them (load the page,
//! fetch its wasm, post a beacon, read an API).
//!
//! - One run, one client: its cookie jar is shared by the steps and dropped at the end, and its
//!   connections are reused between steps as a browser's are (but never between runs: each run
//!   starts as a first visit).
//! - A step's `extract` rules take values from its body (a JSON pointer, or a regex's first
//!   capture group) into variables; `{{name}}` in a later step's URL, header values and body is
//!   replaced by the value. A relative URL is resolved against the previous step's final URL.
//! - Each step's answer goes through the http assertions ([`ResponseAssertions`]); the run stops
//!   at the first step that fails, and the reason names it: `step "login": status 500, expected
//!   2xx`. Each completed step's duration (request to the end of its body) is a step of the
//!   [`Outcome`], labelled with the step's name.
//! - The run's certificate expiry ([`Outcome::cert_expiry_ms`]) is the earliest of the
//!   certificates its `https://` steps were answered with, the steps before a failure included.
//!
//! Failure reasons never carry a URL, header, body or extracted value.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, Url};

use super::check::Outcome;
use super::http::{
    MAX_REDIRECTS, ResponseAssertions, USER_AGENT, chain, describe, peer_certificate_expiry,
    read_body,
};
use super::spec::{TransactionStep, TransactionTarget, placeholders};

/// A `transaction` probe, compiled.
#[derive(Debug)]
pub struct TransactionCheck {
    steps: Vec<CompiledStep>,
    insecure_skip_verify: bool,
}

#[derive(Debug)]
struct CompiledStep {
    name: Arc<str>,
    spec: TransactionStep,
    method: Method,
    assertions: ResponseAssertions,
    max_latency: Option<Duration>,
    extract: Vec<(String, Extractor)>,
}

#[derive(Debug)]
enum Extractor {
    Pointer(String),
    Regex(regex::Regex),
}

impl TransactionCheck {
    pub fn new(target: &TransactionTarget) -> Result<TransactionCheck, String> {
        let mut steps = Vec::with_capacity(target.steps.len());
        for step in &target.steps {
            let named = |reason: String| format!("step `{}`: {reason}", step.name);
            let method = Method::from_bytes(step.method.as_bytes())
                .map_err(|_| named(format!("`{}` is not an HTTP method", step.method)))?;
            let mut extract = Vec::with_capacity(step.extract.len());
            for rule in &step.extract {
                let extractor = match (&rule.pointer, &rule.regex) {
                    (Some(pointer), None) => Extractor::Pointer(pointer.clone()),
                    (None, Some(regex)) => Extractor::Regex(
                        regex::Regex::new(regex).map_err(|e| named(e.to_string()))?,
                    ),
                    _ => return Err(named(format!("`{}`: pointer or regex", rule.name))),
                };
                extract.push((rule.name.clone(), extractor));
            }
            steps.push(CompiledStep {
                name: Arc::from(step.name.as_str()),
                spec: step.clone(),
                method,
                assertions: ResponseAssertions::new(&step.assertions).map_err(named)?,
                max_latency: step.assertions.max_latency_ms.map(Duration::from_millis),
                extract,
            });
        }
        Ok(TransactionCheck {
            steps,
            insecure_skip_verify: target.insecure_skip_verify,
        })
    }

    /// A client for one run: its own cookie jar, no redirect following (each step applies its
    /// own policy, see [`Self::send`]).
    fn client(&self) -> Result<Client, String> {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .tls_info(true)
            .tls_danger_accept_invalid_certs(self.insecure_skip_verify)
            .user_agent(USER_AGENT)
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
    }

    /// Runs the steps in order; stops at the first that fails.
    pub async fn run(&self) -> Outcome {
        let started = Instant::now();
        let mut steps: Vec<(Cow<'static, str>, Duration)> = Vec::with_capacity(self.steps.len());
        let client = match self.client() {
            Ok(client) => client,
            Err(reason) => return Outcome::failed(started, steps, reason),
        };
        let mut variables: BTreeMap<String, String> = BTreeMap::new();
        let mut previous: Option<Url> = None;
        let mut earliest_expiry: Option<i64> = None;
        for step in &self.steps {
            let step_started = Instant::now();
            let result = self
                .run_step(
                    &client,
                    step,
                    &mut variables,
                    previous.as_ref(),
                    &mut earliest_expiry,
                )
                .await;
            let took = step_started.elapsed();
            match result {
                Ok(url) => {
                    steps.push((Cow::Owned(step.name.to_string()), took));
                    if let Some(ceiling) = step.max_latency
                        && took > ceiling
                    {
                        return Outcome::failed(
                            started,
                            steps,
                            format!(
                                "step {:?}: took {} ms, more than the ceiling of {} ms",
                                &*step.name,
                                took.as_millis(),
                                ceiling.as_millis()
                            ),
                        )
                        .with_cert_expiry(earliest_expiry);
                    }
                    previous = Some(url);
                }
                Err(reason) => {
                    return Outcome::failed(
                        started,
                        steps,
                        format!("step {:?}: {reason}", &*step.name),
                    )
                    .with_cert_expiry(earliest_expiry);
                }
            }
        }
        Outcome::succeeded(started, steps).with_cert_expiry(earliest_expiry)
    }

    /// One step: the request (placeholders filled), the assertions, the extractions. Returns
    /// the final URL (after redirects). The certificate the step was answered with, if any,
    /// lowers `earliest_expiry`.
    async fn run_step(
        &self,
        client: &Client,
        step: &CompiledStep,
        variables: &mut BTreeMap<String, String>,
        previous: Option<&Url>,
        earliest_expiry: &mut Option<i64>,
    ) -> Result<Url, String> {
        let text = substitute(&step.spec.url, variables);
        let url = match (Url::parse(&text), previous) {
            (Ok(url), _) => url,
            (Err(_), Some(base)) => base
                .join(&text)
                .map_err(|_| "the URL is not valid once its values are filled in".to_string())?,
            _ => return Err("the URL is not valid once its values are filled in".to_string()),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return Err("the URL is not http:// or https:// once its values are filled in".into());
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &step.spec.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a header name"))?;
            let mut value = HeaderValue::from_str(&substitute(value, variables)).map_err(|_| {
                format!("the value of header `{name}` is not valid once its values are filled in")
            })?;
            value.set_sensitive(true);
            headers.append(header, value);
        }
        let body = step.spec.body.as_ref().map(|b| substitute(b, variables));
        let mut response = self
            .send(client, step, url, headers, body)
            .await
            .map_err(describe)?;
        let status = response.status().as_u16();
        let certificate = peer_certificate_expiry(&response);
        if let Some(Ok(expiry_ms)) = &certificate {
            *earliest_expiry = Some(earliest_expiry.map_or(*expiry_ms, |e| e.min(*expiry_ms)));
        }
        let final_url = response.url().clone();
        let body = read_body(&mut response).await?;
        step.assertions.check(status, certificate.as_ref(), &body)?;
        for (name, extractor) in &step.extract {
            let value = extract(extractor, &body)
                .ok_or_else(|| format!("nothing to extract into `{name}`"))?;
            variables.insert(name.clone(), value);
        }
        Ok(final_url)
    }

    /// Sends the request, following redirects by hand when the step does (so the jar sees
    /// every `Set-Cookie` on the way): 301/302/303 turn into a GET without body, 307/308 keep
    /// the method and body.
    async fn send(
        &self,
        client: &Client,
        step: &CompiledStep,
        mut url: Url,
        headers: HeaderMap,
        mut body: Option<String>,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut method = step.method.clone();
        let mut hops = 0;
        loop {
            let mut request = client
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if let Some(body) = &body {
                request = request.body(body.clone());
            }
            let response = request.send().await?;
            let status = response.status();
            if !step.spec.follow_redirects || !status.is_redirection() || hops >= MAX_REDIRECTS {
                return Ok(response);
            }
            let Some(next) = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
            else {
                return Ok(response);
            };
            if matches!(status.as_u16(), 301..=303) {
                method = Method::GET;
                body = None;
            }
            url = next;
            hops += 1;
        }
    }
}

/// `text` with each `{{name}}` replaced by its value (unknown names are left as they are:
/// validation refuses them).
fn substitute(text: &str, variables: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for name in placeholders(text) {
        if let Some(value) = variables.get(name) {
            out = out.replace(&format!("{{{{{name}}}}}"), value);
            // `{{ name }}` with spaces too.
            out = out.replace(&format!("{{{{ {name} }}}}"), value);
        }
    }
    out
}

/// The value an extractor takes from a body, if there is one.
fn extract(extractor: &Extractor, body: &[u8]) -> Option<String> {
    match extractor {
        Extractor::Pointer(pointer) => {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            match value.pointer(pointer)? {
                serde_json::Value::String(text) => Some(text.clone()),
                other => Some(other.to_string()),
            }
        }
        Extractor::Regex(regex) => {
            let text = String::from_utf8_lossy(body);
            let captures = regex.captures(&text)?;
            captures
                .get(1)
                .or_else(|| captures.get(0))
                .map(|m| m.as_str().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let vars = BTreeMap::from([("wasm".to_string(), "/pkg/app.wasm".to_string())]);
        assert_eq!(substitute("{{wasm}}?v=1", &vars), "/pkg/app.wasm?v=1");
        assert_eq!(substitute("a {{ wasm }} b", &vars), "a /pkg/app.wasm b");
        assert_eq!(substitute("{{other}}", &vars), "{{other}}");
    }

    #[test]
    fn extraction_reads_pointers_and_captures() {
        let body = br#"{"token":"abc","n":3}"#;
        let p = |s: &str| extract(&Extractor::Pointer(s.into()), body);
        assert_eq!(p("/token").as_deref(), Some("abc"));
        assert_eq!(p("/n").as_deref(), Some("3"));
        assert_eq!(p("/none"), None);
        let html = br#"<link href="/pkg/app_bg.wasm" rel="preload">"#;
        let r = |s: &str| extract(&Extractor::Regex(regex::Regex::new(s).unwrap()), html);
        assert_eq!(
            r(r#"href="([^"]+\.wasm)""#).as_deref(),
            Some("/pkg/app_bg.wasm")
        );
        assert_eq!(r(r"\.wasm").as_deref(), Some(".wasm"));
        assert_eq!(r("nope"), None);
    }
}
