//! `slack` channels: a Slack incoming webhook
//! (<https://api.slack.com/messaging/webhooks>), one message per notification.
//!
//! ```toml
//! [alerting.channels.slack]
//! webhook_url = "https://hooks.slack.com/services/T000/B000/XXXX"
//! ```
//!
//! The message has `text` (the title: what the phone's notification and screen readers show)
//! and `blocks`: a header with the title, one section per alert (name and severity, summary,
//! description, start, labels, the playbook link), a context line with what was left out.
//! Text is Slack `mrkdwn` with `&`, `<`, `>` escaped, so an alert cannot forge a link or
//! mention `<!channel>`.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::http::ChatWebhook;
use super::render::{self, Markup};
use super::spec::{ChannelConfig, redact_webhook_url};
use super::{ChannelKind, Notifier, WebhookMessage};

/// Slack's limit of a header block's text.
const MAX_HEADER_CHARS: usize = 150;
/// Slack's limit of a section's text.
const MAX_SECTION_CHARS: usize = 3000;

/// The incoming webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The webhook's URL (`https://hooks.slack.com/services/…`): it is the token, shown as
    /// `https://hooks.slack.com/***`.
    #[schema(example = "https://hooks.slack.com/services/T000/B000/XXXX")]
    pub webhook_url: String,
}

impl ChannelConfig for SlackConfig {
    fn check(&self) -> Result<(), String> {
        ChatWebhook::check(&self.webhook_url)
    }

    fn redacted(&self) -> Self {
        SlackConfig {
            webhook_url: redact_webhook_url(&self.webhook_url),
        }
    }

    fn compile(&self, timeout: Duration) -> Result<Arc<dyn Notifier>, String> {
        ChatWebhook::compile(
            ChannelKind::Slack,
            &self.webhook_url,
            timeout,
            slack_message,
        )
    }
}

/// Slack `mrkdwn`.
#[derive(Debug, Clone, Copy)]
pub struct Mrkdwn;

impl Markup for Mrkdwn {
    fn text(&self, text: &str) -> String {
        escape(text)
    }
    fn bold(&self, escaped: &str) -> String {
        format!("*{escaped}*")
    }
    fn link(&self, url: &str, escaped: &str) -> String {
        format!("<{}|{escaped}>", escape(url).replace('|', "%7C"))
    }
}

/// `&`, `<`, `>` as Slack wants them escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The incoming webhook's JSON body.
pub fn slack_message(message: &WebhookMessage) -> Value {
    let title = render::title(message);
    let (views, hidden) = render::listed(message);
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": cut(&title, MAX_HEADER_CHARS), "emoji": false},
    })];
    for view in &views {
        let text = view.lines(&Mrkdwn).join("\n");
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(&text, MAX_SECTION_CHARS)},
        }));
    }
    let footer = render::footer(message, hidden, &Mrkdwn);
    if !footer.is_empty() {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": footer.join(" · ")}],
        }));
    }
    json!({"text": title, "blocks": blocks})
}

/// At most `max` characters, `…` marking a cut.
pub(super) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((end, _)) if text.chars().count() > max => format!("{}…", &text[..end]),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrkdwn_cannot_be_forged() {
        assert_eq!(
            Mrkdwn.text("<!channel> & <x|y>"),
            "&lt;!channel&gt; &amp; &lt;x|y&gt;"
        );
        assert_eq!(
            Mrkdwn.link("https://a/b?c=1|2", "Playbook"),
            "<https://a/b?c=1%7C2|Playbook>"
        );
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abcd", 4), "abcd");
    }
}
