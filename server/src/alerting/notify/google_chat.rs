//! `google_chat` channels: a Google Chat incoming webhook
//! (<https://developers.google.com/workspace/chat/quickstart/webhooks>), one text message per
//! notification.
//!
//! ```toml
//! [alerting.channels.google_chat]
//! webhook_url = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=…&token=…"
//! ```
//!
//! The text uses Chat's formatting (`*bold*`, `<url|label>` links): the title, then each
//! alert. Chat has no escape for its markup, so in alert text `<` and `>` are shown as `‹` and
//! `›` (an alert cannot mention `<users/all>` or forge a link) and `*`, `_`, `~`, `` ` `` are
//! left as they are (at worst some text shows in bold).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::http::ChatWebhook;
use super::render::{self, Markup};
use super::spec::{ChannelConfig, redact_webhook_url};
use super::{ChannelKind, Notifier, WebhookMessage};

/// Chat's limit of a message's text (bytes, 32 KB); longer lists are cut.
const MAX_TEXT_BYTES: usize = 32_000;

/// The incoming webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoogleChatConfig {
    /// The webhook's URL; its `key` and `token` are secrets, so it is shown as
    /// `https://chat.googleapis.com/***`.
    pub webhook_url: String,
}

impl ChannelConfig for GoogleChatConfig {
    fn check(&self) -> Result<(), String> {
        ChatWebhook::check(&self.webhook_url)
    }

    fn redacted(&self) -> Self {
        GoogleChatConfig {
            webhook_url: redact_webhook_url(&self.webhook_url),
        }
    }

    fn compile(&self, timeout: Duration) -> Result<Arc<dyn Notifier>, String> {
        ChatWebhook::compile(
            ChannelKind::GoogleChat,
            &self.webhook_url,
            timeout,
            chat_message,
        )
    }
}

/// Google Chat's text formatting.
#[derive(Debug, Clone, Copy)]
pub struct ChatText;

impl Markup for ChatText {
    fn text(&self, text: &str) -> String {
        text.replace('<', "‹").replace('>', "›")
    }
    fn bold(&self, escaped: &str) -> String {
        format!("*{escaped}*")
    }
    fn link(&self, url: &str, escaped: &str) -> String {
        let url = url
            .replace('|', "%7C")
            .replace('<', "%3C")
            .replace('>', "%3E");
        format!("<{url}|{escaped}>")
    }
}

/// The webhook's JSON body.
pub fn chat_message(message: &WebhookMessage) -> Value {
    let mut text = render::document(message, &ChatText, "\n");
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES - 3;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    json!({"text": text})
}
