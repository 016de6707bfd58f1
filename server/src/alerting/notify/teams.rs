//! `teams` channels: a Microsoft Teams incoming webhook made with Workflows ("Post to a channel
//! when a webhook request is received"), one Adaptive Card 1.4 per notification
//! (<https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using>).
//!
//! ```toml
//! [alerting.channels.teams]
//! webhook_url = "https://prod-00.westeurope.logic.azure.com:443/workflows/…/invoke?…&sig=…"
//! ```
//!
//! The card: the title (red while firing, green once resolved), then per alert a container
//! with its heading, details and a "Playbook" button when it has one. Teams renders a small
//! Markdown subset in text blocks; in alert text, what would make emphasis or a link is
//! escaped.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::http::ChatWebhook;
use super::payload::AlertStatus;
use super::render::{self, Markup};
use super::spec::{ChannelConfig, redact_webhook_url};
use super::{ChannelKind, Notifier, WebhookMessage};

/// The content type of an Adaptive Card attachment.
pub const ADAPTIVE_CARD: &str = "application/vnd.microsoft.card.adaptive";

/// The incoming webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamsConfig {
    /// The workflow's URL; its query holds the signature, so it is shown as
    /// `https://host/***`.
    pub webhook_url: String,
}

impl ChannelConfig for TeamsConfig {
    fn check(&self) -> Result<(), String> {
        ChatWebhook::check(&self.webhook_url)
    }

    fn redacted(&self) -> Self {
        TeamsConfig {
            webhook_url: redact_webhook_url(&self.webhook_url),
        }
    }

    fn compile(&self, timeout: Duration) -> Result<Arc<dyn Notifier>, String> {
        ChatWebhook::compile(
            ChannelKind::Teams,
            &self.webhook_url,
            timeout,
            teams_message,
        )
    }
}

/// The Markdown subset of Adaptive Card text blocks.
#[derive(Debug, Clone, Copy)]
pub struct CardMarkdown;

impl Markup for CardMarkdown {
    /// Escapes only what Adaptive Cards' Markdown acts on (emphasis with `*` and `_`, a link
    /// `[text](url)`), since some Teams clients have shown escapes literally: the rest of the
    /// text stays as it is.
    fn text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if matches!(c, '\\' | '*' | '_') || (c == ']' && chars.peek() == Some(&'(')) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }
    fn bold(&self, escaped: &str) -> String {
        format!("**{escaped}**")
    }
    fn link(&self, url: &str, escaped: &str) -> String {
        let url = url.replace('(', "%28").replace(')', "%29");
        format!("[{escaped}]({url})")
    }
}

/// A wrapping text block.
fn text_block(text: String) -> Value {
    json!({"type": "TextBlock", "text": text, "wrap": true, "spacing": "None"})
}

/// The webhook's JSON body: a message with one Adaptive Card.
pub fn teams_message(message: &WebhookMessage) -> Value {
    let m = &CardMarkdown;
    let (views, hidden) = render::listed(message);
    let colour = match message.status {
        AlertStatus::Firing => "Attention",
        AlertStatus::Resolved => "Good",
    };
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": m.text(&render::title(message)),
        "weight": "Bolder",
        "size": "Medium",
        "color": colour,
        "wrap": true,
    })];
    for view in &views {
        let mut items = vec![text_block(view.heading(m))];
        items.extend(view.details(m).into_iter().map(text_block));
        let mut actions = Vec::new();
        if let Some(url) = view.runbook_url {
            actions.push(json!({"type": "Action.OpenUrl", "title": "Playbook", "url": url}));
        }
        if let Some(url) = view.generator_url {
            actions.push(json!({"type": "Action.OpenUrl", "title": "Source", "url": url}));
        }
        if !actions.is_empty() {
            items.push(json!({"type": "ActionSet", "actions": actions}));
        }
        body.push(json!({
            "type": "Container",
            "separator": true,
            "spacing": "Medium",
            "items": items,
        }));
    }
    body.extend(
        render::footer(message, hidden, m)
            .into_iter()
            .map(|line| json!({"type": "TextBlock", "text": line, "wrap": true, "isSubtle": true})),
    );
    json!({
        "type": "message",
        "attachments": [{
            "contentType": ADAPTIVE_CARD,
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "msteams": {"width": "Full"},
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_emphasis_and_links_are_escaped() {
        assert_eq!(CardMarkdown.text("[FIRING:1] a (b)"), "[FIRING:1] a (b)");
        assert_eq!(
            CardMarkdown.text("*x* _y_ [z](http://e) \\"),
            "\\*x\\* \\_y\\_ [z\\](http://e) \\\\"
        );
    }
}
