//! Notification channels: where a notification goes once the alerting engine decided to send
//! it.
//!
//! - [`payload`]: the notification, Alertmanager's webhook payload (version 4), the one format
//!   every channel starts from (and the one the server will receive from an Alertmanager).
//! - [`spec`]: a channel's definition, a `[[alerting.channels]]` table: validation, redaction
//!   of secrets, [`ChannelSpec::compile`] into a [`Notifier`].
//! - One file per channel, each with its configuration table and its [`Notifier`]:
//!   [`webhook`] (the payload as it is), [`slack`], [`teams`] (an Adaptive Card),
//!   [`google_chat`], [`email`] (SMTP); the three chat services share `http::ChatWebhook` and
//!   differ only in the body they render.
//! - [`render`]: the title line and the per-alert lines the chat channels and the e-mail share;
//!   `http` the HTTP delivery the four HTTP channels share.
//!
//! A delivery carries an idempotency key chosen by the caller (the outbox row's id): the
//! webhook sends it as `Idempotency-Key`, the e-mail derives its `Message-ID` from it, so the
//! receiver can recognise a delivery that is retried after it had in fact arrived.
//!
//! Adding a channel is one new file (its configuration type implementing
//! [`spec::ChannelConfig`] and its [`Notifier`]) and one line in the `channels!` list of
//! [`spec`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub mod email;
pub mod google_chat;
mod http;
pub mod payload;
pub mod render;
pub mod slack;
pub mod spec;
pub mod teams;
pub mod webhook;

pub use payload::{AlertStatus, WebhookAlert, WebhookMessage};
pub use spec::{ChannelKind, ChannelSpec};

/// What one delivery returns, boxed so that [`Notifier`] stays dyn-compatible.
pub type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// A channel, compiled from its [`ChannelSpec`]: sends notifications. Cheap to share
/// (`Arc<dyn Notifier>`): it holds its HTTP client or SMTP transport and no per-delivery state.
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// The kind of channel (for logs and metric labels).
    fn kind(&self) -> ChannelKind;

    /// Sends `message` once. `idempotency_key` is the same for every attempt of one
    /// notification and differs between notifications (visible ASCII: the webhook sends it as
    /// a header). At most the channel's timeout.
    fn notify<'a>(&'a self, message: &'a WebhookMessage, idempotency_key: &'a str) -> Delivery<'a>;
}

/// Why a delivery failed, and whether trying again later can help: network errors, time-outs,
/// HTTP 5xx and 429, SMTP 4xx can; other HTTP 4xx, SMTP 5xx and a message that cannot be built
/// cannot (the configuration or the message must change first).
///
/// The reason never contains a webhook URL, a header value, a token or a password: it is
/// written to logs and shown in the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DeliveryError {
    /// Whether a later attempt may succeed.
    pub retryable: bool,
    /// What happened, for people.
    pub reason: String,
    /// How long the receiver asked to wait (`Retry-After` of a 429 or 503), if it did.
    pub retry_after: Option<Duration>,
}

impl DeliveryError {
    /// A failure a later attempt may not have.
    pub fn retryable(reason: impl Into<String>) -> DeliveryError {
        DeliveryError {
            retryable: true,
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// A failure every attempt will have until something changes.
    pub fn permanent(reason: impl Into<String>) -> DeliveryError {
        DeliveryError {
            retryable: false,
            reason: reason.into(),
            retry_after: None,
        }
    }
}

/// Bounds every delivery of a channel by its `timeout_seconds`, whatever the channel does
/// inside (reqwest's and lettre's own time-outs cover one request or one SMTP command; this
/// covers the whole delivery, so a slow receiver never holds the outbox).
#[derive(Debug)]
struct Bounded {
    inner: Arc<dyn Notifier>,
    timeout: Duration,
}

impl Notifier for Bounded {
    fn kind(&self) -> ChannelKind {
        self.inner.kind()
    }

    fn notify<'a>(&'a self, message: &'a WebhookMessage, idempotency_key: &'a str) -> Delivery<'a> {
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, self.inner.notify(message, idempotency_key))
                .await
            {
                Ok(result) => result,
                Err(_) => Err(DeliveryError::retryable(format!(
                    "no answer within {} s",
                    self.timeout.as_secs_f64()
                ))),
            }
        })
    }
}
