//! The HTTP delivery the webhook, Slack, Teams and Google Chat channels share: one JSON POST,
//! its answer classified into success, a failure worth retrying or a permanent one.
//!
//! The client follows no redirect (a webhook that moved is a configuration to fix, and a
//! redirected POST would turn into a GET) and uses the system's proxy settings
//! (`HTTPS_PROXY`, `NO_PROXY`): unlike a probe, a notification must get out of a network that
//! only reaches the internet through a proxy. Failure reasons never carry the URL, a header
//! value or anything of them the receiver may echo in its answer.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Client, StatusCode, Url};

use super::DeliveryError;
use super::spec::{REDACTED, redact_webhook_url};

/// The `User-Agent` of notification requests.
pub const USER_AGENT: &str = concat!("csv-analyzer-alerting/", env!("CARGO_PKG_VERSION"));
/// The most of an error answer that is read, and shown (after removing secrets).
const MAX_ERROR_BODY_BYTES: usize = 4096;
const MAX_ERROR_BODY_CHARS: usize = 200;
/// Pieces of a URL shorter than this are not treated as secrets when cleaning error texts
/// (`v1`, `services`); tokens are longer.
const MIN_SECRET_LEN: usize = 6;

/// A JSON POST to one URL with fixed headers.
pub(super) struct JsonPost {
    client: Client,
    url: Url,
    headers: HeaderMap,
    secrets: Vec<String>,
}

impl std::fmt::Debug for JsonPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL is the token of most webhooks: only its host is shown.
        f.debug_struct("JsonPost")
            .field("url", &redact_webhook_url(self.url.as_str()))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl JsonPost {
    /// `url` is already checked; `headers` are sent with every request (values marked
    /// sensitive, so they are never printed by a `Debug`).
    pub fn new(
        url: Url,
        headers: &BTreeMap<String, String>,
        timeout: Duration,
    ) -> Result<JsonPost, String> {
        let mut map = HeaderMap::new();
        let mut secrets = url_secrets(&url);
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a header name"))?;
            let mut header = HeaderValue::from_str(value)
                .map_err(|_| format!("the value of header `{name}` is not valid"))?;
            header.set_sensitive(true);
            map.append(name, header);
            secrets.push(value.clone());
            // `Bearer abc…`: the token alone may come back in an answer too.
            secrets.extend(value.split_whitespace().map(str::to_string));
        }
        secrets.retain(|s| s.len() >= MIN_SECRET_LEN);
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))?;
        Ok(JsonPost {
            client,
            url,
            headers: map,
            secrets,
        })
    }

    /// POSTs `body` (JSON) with the fixed headers and `extra` ones; any 2xx is a success.
    pub async fn send(
        &self,
        body: Vec<u8>,
        extra: &[(HeaderName, HeaderValue)],
    ) -> Result<(), DeliveryError> {
        let mut request = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in extra {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| self.describe(e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = retry_after(response.headers());
        let body = self.error_body(response).await;
        let mut reason = format!("the receiver answered {}", status_text(status));
        if status.is_redirection() {
            reason.push_str(" (redirects are not followed: use the final URL)");
        }
        if !body.is_empty() {
            reason.push_str(": ");
            reason.push_str(&body);
        }
        let mut error = if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            DeliveryError::retryable(reason)
        } else {
            DeliveryError::permanent(reason)
        };
        error.retry_after = retry_after;
        Err(error)
    }

    /// A reqwest error as a reason without the URL; every such failure is worth a retry (the
    /// request was well formed: the network or the receiver failed).
    fn describe(&self, error: reqwest::Error) -> DeliveryError {
        let error = error.without_url();
        let reason = if error.is_timeout() {
            "no answer in time".to_string()
        } else if error.is_connect() {
            format!("cannot connect: {}", chain(&error))
        } else {
            format!("the request failed: {}", chain(&error))
        };
        DeliveryError::retryable(self.scrub(&reason))
    }

    /// The start of an error answer, on one line, without the channel's secrets.
    async fn error_body(&self, mut response: reqwest::Response) -> String {
        let mut bytes = Vec::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            bytes.extend_from_slice(&chunk);
            if bytes.len() >= MAX_ERROR_BODY_BYTES {
                break;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let clean = self.scrub(&line);
        match clean.char_indices().nth(MAX_ERROR_BODY_CHARS) {
            Some((end, _)) => format!("{}…", &clean[..end]),
            None => clean,
        }
    }

    /// `text` with each secret of the channel (the URL and its pieces, header values) as
    /// `***`.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

/// The pieces of a URL that may be secret: the whole, path and query, their parts, the user
/// name and password, each also percent-decoded.
fn url_secrets(url: &Url) -> Vec<String> {
    let mut secrets = vec![url.as_str().to_string(), url.path().to_string()];
    secrets.extend(url.query().map(str::to_string));
    secrets.extend(url.path().split('/').map(str::to_string));
    for (key, value) in url.query_pairs() {
        secrets.push(value.into_owned());
        secrets.push(key.into_owned());
    }
    secrets.extend(
        url.query()
            .into_iter()
            .flat_map(|q| q.split('&'))
            .flat_map(|pair| {
                pair.split_once('=')
                    .map(|(_, v)| v.to_string())
                    .into_iter()
                    .chain([pair.to_string()])
            }),
    );
    secrets.push(url.username().to_string());
    secrets.extend(url.password().map(str::to_string));
    let decoded: Vec<String> = secrets.iter().filter_map(|s| percent_decode(s)).collect();
    secrets.extend(decoded);
    secrets
}

/// `s` percent-decoded, if it had escapes and decodes to UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = s
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `503 Service Unavailable`.
fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at: std::time::SystemTime = chrono::DateTime::parse_from_rfc2822(value).ok()?.into();
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// An error and its sources, `: `-separated, without repeats.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_of_a_url_are_scrubbed_from_texts() {
        let url = Url::parse(
            "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=KEY123456&token=TOK%2F123456",
        )
        .unwrap();
        let post = JsonPost::new(
            url,
            &BTreeMap::from([("Authorization".into(), "Bearer abcdef123".into())]),
            Duration::from_secs(1),
        )
        .unwrap();
        let text = post.scrub("bad token TOK/123456 for key=KEY123456, auth abcdef123");
        assert!(
            !text.contains("123456") && !text.contains("abcdef123"),
            "{text}"
        );
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("30"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(30)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }
}

/// A chat service's incoming webhook (Slack, Teams, Google Chat): its URL is the token (so
/// `https://` unless to a loopback address, and shown redacted), and each notification is one
/// JSON body made by `render`. The three channels differ only in `render`.
#[derive(Debug)]
pub(super) struct ChatWebhook {
    kind: super::ChannelKind,
    post: JsonPost,
    render: fn(&super::WebhookMessage) -> serde_json::Value,
}

impl ChatWebhook {
    /// Checks a chat webhook's `webhook_url`.
    pub(super) fn check(url: &str) -> Result<(), String> {
        super::spec::check_url(
            "webhook_url",
            url,
            super::spec::Schemes::HttpsUnlessLoopback,
        )
        .map(drop)
    }

    /// The channel of `kind` posting `render`'s body to `url`.
    pub(super) fn compile(
        kind: super::ChannelKind,
        url: &str,
        timeout: Duration,
        render: fn(&super::WebhookMessage) -> serde_json::Value,
    ) -> Result<std::sync::Arc<dyn super::Notifier>, String> {
        let url = super::spec::check_url(
            "webhook_url",
            url,
            super::spec::Schemes::HttpsUnlessLoopback,
        )?;
        Ok(std::sync::Arc::new(ChatWebhook {
            kind,
            post: JsonPost::new(url, &Default::default(), timeout)?,
            render,
        }))
    }
}

impl super::Notifier for ChatWebhook {
    fn kind(&self) -> super::ChannelKind {
        self.kind
    }

    fn notify<'a>(
        &'a self,
        message: &'a super::WebhookMessage,
        _idempotency_key: &'a str,
    ) -> super::Delivery<'a> {
        Box::pin(async move {
            let body = serde_json::to_vec(&(self.render)(message))
                .map_err(|e| DeliveryError::permanent(format!("cannot write the message: {e}")))?;
            self.post.send(body, &[]).await
        })
    }
}
