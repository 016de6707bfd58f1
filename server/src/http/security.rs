//! Security headers on every response.
//!
//! The Content-Security-Policy allows exactly the Trunk-built app: its own files (`'self'`),
//! WebAssembly compilation (`'wasm-unsafe-eval'`) and the inline bootstrap `<script type="module">`
//! that Trunk writes into `index.html`, by its SHA-256 hash — no `'unsafe-inline'`. The hashes are
//! computed once, when the layer is built, from the `index.html` that will be served: **restart the
//! server after replacing `dist/`**, or the new bootstrap script is refused.
//!
//! Headers a handler already set are left alone (a route may need its own CSP); everything else
//! gets the defaults below.
//!
//! HSTS ([`Hsts`]) is only sent for requests known to have come over TLS. The server itself speaks
//! plain HTTP, so "over TLS" means a TLS-terminating proxy in front: either every request does
//! ([`Hsts::Always`]) or the proxy says so with `X-Forwarded-Proto: https`
//! ([`Hsts::IfForwardedHttps`]). Trusting that header from anyone is harmless here: browsers ignore
//! `Strict-Transport-Security` received over plain HTTP (RFC 6797 §8.1), so a forged header cannot
//! pin a host that is not actually served over HTTPS.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use tower::{Layer, Service};

/// `Strict-Transport-Security` value: one year, this host only (no `includeSubDomains`, which
/// would bind every sibling service of the deployment's domain too; no `preload`).
pub const HSTS_VALUE: &str = "max-age=31536000";

/// When to send `Strict-Transport-Security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hsts {
    /// Never (plain-HTTP deployments, local use, tests).
    #[default]
    Never,
    /// On every response: every request reaches the server through a TLS-terminating proxy.
    Always,
    /// When the request carries `X-Forwarded-Proto: https` (set by the proxy).
    IfForwardedHttps,
}

/// The security-header layer; cheap to clone. Apply with `Router::layer(headers)`.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    inner: Arc<Policy>,
}

#[derive(Debug)]
struct Policy {
    csp: HeaderValue,
    hsts: Hsts,
}

/// The static headers, apart from the CSP and HSTS.
const FIXED: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

impl SecurityHeaders {
    /// Headers for the app in `dist_dir`: the CSP allows the inline scripts of its `index.html`.
    pub fn from_dist_dir(dist_dir: &Path, hsts: Hsts) -> std::io::Result<Self> {
        let index = std::fs::read_to_string(dist_dir.join("index.html"))?;
        Ok(Self::from_index_html(&index, hsts))
    }

    /// Headers for an app whose `index.html` is `html`.
    pub fn from_index_html(html: &str, hsts: Hsts) -> Self {
        let csp = content_security_policy(&inline_script_hashes(html));
        Self {
            inner: Arc::new(Policy {
                // Built from fixed ASCII text and base64, so always a valid header value.
                csp: HeaderValue::from_str(&csp).expect("the CSP is ASCII"),
                hsts,
            }),
        }
    }

    /// The `Content-Security-Policy` value sent.
    pub fn content_security_policy(&self) -> &str {
        self.inner.csp.to_str().unwrap_or_default()
    }

    fn apply(&self, over_tls: bool, headers: &mut HeaderMap) {
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(header::CONTENT_SECURITY_POLICY, self.inner.csp.clone());
        }
        for (name, value) in FIXED {
            if !headers.contains_key(&name) {
                headers.insert(name, HeaderValue::from_static(value));
            }
        }
        if over_tls && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY) {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS_VALUE),
            );
        }
    }

    fn over_tls<B>(&self, request: &Request<B>) -> bool {
        match self.inner.hsts {
            Hsts::Never => false,
            Hsts::Always => true,
            Hsts::IfForwardedHttps => request
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                // A chain of proxies appends: the first value is the client's protocol.
                .and_then(|v| v.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https")),
        }
    }
}

/// The policy for an app whose inline scripts have the given `'sha256-…'` sources.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        script_src.push_str(" '");
        script_src.push_str(hash);
        script_src.push('\'');
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'self'"
    )
}

/// `sha256-<base64>` of every inline `<script>` (one without a `src` attribute) in `html`, in
/// document order, without duplicates.
///
/// Browsers hash the script element's text: the characters between `<script …>` and `</script>`,
/// after HTML's newline normalisation (CRLF and lone CR become LF), encoded as UTF-8. A
/// `<script` inside an HTML comment is hashed too, which only makes the policy allow a script
/// that is never run.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes: Vec<String> = Vec::new();
    for body in inline_scripts(html) {
        let normalised = body.replace("\r\n", "\n").replace('\r', "\n");
        let digest = Sha256::digest(normalised.as_bytes());
        let hash = format!("sha256-{}", BASE64.encode(digest));
        if !hashes.contains(&hash) {
            hashes.push(hash);
        }
    }
    hashes
}

/// The text of each `<script>` element without a `src` attribute.
fn inline_scripts(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase(); // same byte offsets: ASCII-only lowering
    let mut scripts = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find("<script") {
        let tag_start = at + found;
        let after_name = tag_start + "<script".len();
        // `<scripts>` or `<script-x>` are other elements.
        if !lower[after_name..].starts_with(|c: char| c == '>' || c == '/' || c.is_whitespace()) {
            at = after_name;
            continue;
        }
        let Some(tag_end) = find_tag_end(&lower, after_name) else {
            break;
        };
        let body_start = tag_end + 1;
        let Some(close) = lower[body_start..].find("</script") else {
            break;
        };
        let body_end = body_start + close;
        if !has_attribute(&lower[after_name..tag_end], "src") {
            scripts.push(&html[body_start..body_end]);
        }
        at = body_end;
    }
    scripts
}

/// The `>` closing a start tag, skipping `>` inside quoted attribute values.
fn find_tag_end(html: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

/// Whether the attribute text of a start tag (lower-cased) has an attribute called `name`.
fn has_attribute(attributes: &str, name: &str) -> bool {
    let bytes = attributes.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !b"=/>".contains(&bytes[i]) {
            i += 1;
        }
        if &attributes[start..i] == name {
            return true;
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != q {
                        i += 1;
                    }
                    i += 1;
                }
                _ => {
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                }
            }
        }
        if i == start {
            i += 1; // a stray byte such as a lone `=`: step over it
        }
    }
    false
}

impl<S> Layer<S> for SecurityHeaders {
    type Service = SecurityHeadersService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeadersService {
            inner,
            headers: self.clone(),
        }
    }
}

/// The service made by [`SecurityHeaders`].
#[derive(Debug, Clone)]
pub struct SecurityHeadersService<S> {
    inner: S,
    headers: SecurityHeaders,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SecurityHeadersService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let over_tls = self.headers.over_tls(&request);
        let headers = self.headers.clone();
        let future = self.inner.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            headers.apply(over_tls, response.headers_mut());
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scripts_without_src_are_hashed() {
        let html = r#"<script src="/a.js"></script><SCRIPT type="module">x()</SCRIPT>
            <script data-src="y">y()</script><scripts>no</scripts><script>x()</script>"#;
        assert_eq!(inline_scripts(html), vec!["x()", "y()", "x()"]);
        assert_eq!(inline_script_hashes(html).len(), 2);
    }

    #[test]
    fn quoted_greater_than_does_not_end_the_tag() {
        let html = r#"<script data-x="a>b" src='/s.js'></script><script type='a > b'>z</script>"#;
        assert_eq!(inline_scripts(html), vec!["z"]);
    }

    #[test]
    fn attributes_are_found_by_name() {
        assert!(has_attribute(r#" type="module" src="/x.js""#, "src"));
        assert!(has_attribute(" src", "src"));
        assert!(has_attribute(" defer src=/x.js", "src"));
        assert!(!has_attribute(r#" data-src="/x.js" title="src=1""#, "src"));
    }

    #[test]
    fn newlines_are_normalised_before_hashing() {
        assert_eq!(
            inline_script_hashes("<script>a\r\nb\rc</script>"),
            inline_script_hashes("<script>a\nb\nc</script>")
        );
    }

    #[test]
    fn forwarded_https_is_read_from_the_first_proxy_value() {
        let headers = SecurityHeaders::from_index_html("", Hsts::IfForwardedHttps);
        let request = |proto: &str| {
            Request::builder()
                .header("x-forwarded-proto", proto)
                .body(())
                .unwrap()
        };
        assert!(headers.over_tls(&request("https")));
        assert!(headers.over_tls(&request("HTTPS, http")));
        assert!(!headers.over_tls(&request("http, https")));
        assert!(!headers.over_tls(&Request::new(())));
    }
}
