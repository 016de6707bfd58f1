//! The notification channels against real receivers: an HTTP server on 127.0.0.1:0 that
//! records every request (webhook, Slack, Teams, Google Chat) and a real SMTP server
//! (Python's aiosmtpd, started per test) for e-mail. Nothing is mocked: each channel is
//! compiled from its configuration as the server would, and sends over the network.
//!
//! The e-mail tests need `python3` with `aiosmtpd` (`scripts/setup.sh` installs it).

mod email;
mod errors;
mod http_channels;
mod receiver;
mod smtp;

use std::sync::Arc;

use server::alerting::notify::{ChannelSpec, Notifier, WebhookMessage};

/// The hand-written example of Alertmanager's documented version 4 payload.
pub const ALERTMANAGER_EXAMPLE: &str = include_str!("alertmanager_v4_example.json");

/// The example, as a message.
pub fn example() -> WebhookMessage {
    serde_json::from_str(ALERTMANAGER_EXAMPLE).expect("the example payload reads")
}

/// A channel from its JSON definition (the configuration's shape), validated and compiled.
pub fn channel(definition: serde_json::Value) -> Arc<dyn Notifier> {
    let spec: ChannelSpec = serde_json::from_value(definition).expect("a channel definition");
    spec.validate().expect("a valid channel");
    spec.compile().expect("compiles")
}
