//! `webhook` channels: Alertmanager's webhook payload POSTed as it is, so anything that reads
//! Alertmanager's webhooks (an incident tool, a ticketing bridge, another Alertmanager-aware
//! service) reads ours.
//!
//! ```toml
//! [alerting.channels.webhook]
//! url = "https://hooks.example.org/alerts"
//! headers = { Authorization = "Bearer s3cret" }
//! max_alerts = 0           # 0: all
//! ```
//!
//! Each request carries `Idempotency-Key: <key>`, the same for every attempt of one
//! notification, so a receiver can drop a retry of a delivery it had in fact received.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::http::JsonPost;
use super::spec::{ChannelConfig, REDACTED, Schemes, check_headers, check_url, redact_webhook_url};
use super::{ChannelKind, Delivery, DeliveryError, Notifier, WebhookMessage};

/// The header that carries the idempotency key.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Where and how to POST the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `http://` or `https://` URL. Shown as scheme, host and port only.
    #[schema(example = "https://hooks.example.org/alerts")]
    pub url: String,
    /// Extra request headers (e.g. `Authorization`); values are redacted (`***`) in answers
    /// and logs. Not `Content-Type` nor `Idempotency-Key`, which the channel sets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// At most this many alerts per request, the rest counted in `truncatedAlerts` (as
    /// Alertmanager's `max_alerts`); 0 sends them all.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schema(default = 0)]
    pub max_alerts: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ChannelConfig for WebhookConfig {
    fn check(&self) -> Result<(), String> {
        check_url("url", &self.url, Schemes::HttpOrHttps)?;
        check_headers(&self.headers, &["Content-Type", IDEMPOTENCY_KEY])
    }

    fn redacted(&self) -> Self {
        WebhookConfig {
            url: redact_webhook_url(&self.url),
            headers: self
                .headers
                .keys()
                .map(|k| (k.clone(), REDACTED.to_string()))
                .collect(),
            max_alerts: self.max_alerts,
        }
    }

    fn compile(&self, timeout: Duration) -> Result<Arc<dyn Notifier>, String> {
        let url = check_url("url", &self.url, Schemes::HttpOrHttps)?;
        Ok(Arc::new(Webhook {
            post: JsonPost::new(url, &self.headers, timeout)?,
            max_alerts: self.max_alerts,
        }))
    }
}

/// A compiled `webhook` channel.
#[derive(Debug)]
pub struct Webhook {
    post: JsonPost,
    max_alerts: usize,
}

impl Notifier for Webhook {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    fn notify<'a>(&'a self, message: &'a WebhookMessage, idempotency_key: &'a str) -> Delivery<'a> {
        Box::pin(async move {
            let body = if self.max_alerts == 0 {
                serde_json::to_vec(message)
            } else {
                serde_json::to_vec(&message.truncated(self.max_alerts))
            }
            .map_err(|e| DeliveryError::permanent(format!("cannot write the payload: {e}")))?;
            let key = HeaderValue::from_str(idempotency_key).map_err(|_| {
                DeliveryError::permanent(
                    "the idempotency key is not a valid header value (visible ASCII only)",
                )
            })?;
            self.post
                .send(body, &[(HeaderName::from_static("idempotency-key"), key)])
                .await
        })
    }
}
