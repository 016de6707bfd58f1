//! A channel's definition as users write it: a `[[alerting.channels]]` table of the
//! configuration file (the same type can be the body of an API request later).
//!
//! ```toml
//! [[alerting.channels]]
//! name = "oncall-slack"
//! kind = "slack"           # webhook | slack | teams | google_chat | email
//! timeout_seconds = 10
//! [alerting.channels.slack]
//! webhook_url = "https://hooks.slack.com/services/T000/B000/XXXX"
//! ```
//!
//! The kind's own table (`webhook`, `slack`, `teams`, `google_chat` or `email`) carries the
//! target. [`ChannelSpec::validate`] names the channel and the reason; [`ChannelSpec::redacted`]
//! is what the API and the logs show: a webhook URL's path and query (where Slack, Teams and
//! Google Chat keep their token), header values and the SMTP password as `***`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::email::EmailConfig;
use super::google_chat::GoogleChatConfig;
use super::slack::SlackConfig;
use super::teams::TeamsConfig;
use super::webhook::WebhookConfig;
use super::{Bounded, Notifier};

/// What replaces a secret in every answer and log line.
pub const REDACTED: &str = "***";
/// Longest channel name.
pub const MAX_NAME_LEN: usize = 64;
/// Default limit of one delivery.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 10;
/// Largest `timeout_seconds`.
pub const MAX_TIMEOUT_SECONDS: u64 = 300;

/// What a channel's configuration table provides; implemented in the channel's file.
pub trait ChannelConfig: Sized {
    /// Every check that needs no network; the reason only (the caller names the channel).
    fn check(&self) -> Result<(), String>;
    /// A copy fit for answers and logs, secrets as [`REDACTED`].
    fn redacted(&self) -> Self;
    /// The runnable channel. Called on a checked configuration.
    fn compile(&self, timeout: Duration) -> Result<Arc<dyn Notifier>, String>;
}

/// Declares the channels: each line gives the table's name, the kind's variant and the
/// configuration type, and yields the `ChannelKind` variant, the `ChannelSpec` field and their
/// dispatch. A macro so that registering a channel is one line here (and one file), as the
/// architecture asks, instead of four matches to keep in step.
macro_rules! channels {
    ($($(#[$doc:meta])* $table:ident: $variant:ident => $config:ty,)+) => {
        /// The kinds of channel.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ChannelKind {
            $($(#[$doc])* $variant,)+
        }

        impl ChannelKind {
            /// Every kind, in declaration order.
            pub const ALL: &[ChannelKind] = &[$(ChannelKind::$variant),+];

            /// The `kind` value, also the name of the kind's table.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ChannelKind::$variant => stringify!($table),)+
                }
            }
        }

        /// A notification channel's definition.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct ChannelSpec {
            /// Unique name, the `receiver` of the notifications it sends: 1 to 64 letters,
            /// digits, `.`, `_`, `-`.
            #[schema(example = "oncall-slack")]
            pub name: String,
            /// Where notifications go; the target is in the table of the same name.
            pub kind: ChannelKind,
            /// Limit of one delivery, seconds (1 to 300); a receiver slower than that is a
            /// failure that is retried.
            #[serde(default = "default_timeout")]
            #[schema(default = 10, minimum = 1, maximum = 300)]
            pub timeout_seconds: u64,
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $table: Option<$config>,
            )+
        }

        impl ChannelSpec {
            /// Which tables are present, per kind.
            fn tables(&self) -> Vec<(ChannelKind, bool)> {
                vec![$((ChannelKind::$variant, self.$table.is_some())),+]
            }

            /// The checks of the table of `self.kind` (present: checked by the caller).
            fn check_table(&self) -> Result<(), String> {
                match self.kind {
                    $(ChannelKind::$variant => self.$table.as_ref().map_or(Ok(()), ChannelConfig::check),)+
                }
            }

            fn redact_tables(&mut self) {
                $(self.$table = self.$table.as_ref().map(ChannelConfig::redacted);)+
            }

            fn compile_table(&self, timeout: Duration) -> Result<Arc<dyn Notifier>, String> {
                let missing = || format!("kind `{0}` needs a `{0}` table", self.kind.as_str());
                match self.kind {
                    $(ChannelKind::$variant => self.$table.as_ref().ok_or_else(missing)?.compile(timeout),)+
                }
            }
        }
    };
}

channels! {
    /// POST Alertmanager's webhook payload, as it is, to a URL.
    webhook: Webhook => WebhookConfig,
    /// A Slack incoming webhook.
    slack: Slack => SlackConfig,
    /// A Microsoft Teams incoming webhook (Workflows), an Adaptive Card.
    teams: Teams => TeamsConfig,
    /// A Google Chat incoming webhook.
    google_chat: GoogleChat => GoogleChatConfig,
    /// E-mail over SMTP.
    email: Email => EmailConfig,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECONDS
}

impl ChannelSpec {
    /// Every check that does not need the network; the error names the channel and the reason.
    pub fn validate(&self) -> Result<(), String> {
        self.check().map_err(|reason| {
            if self.name.is_empty() {
                format!("channel: {reason}")
            } else {
                format!("channel `{}`: {reason}", self.name)
            }
        })
    }

    fn check(&self) -> Result<(), String> {
        check_name(&self.name)?;
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&self.timeout_seconds) {
            return Err(format!(
                "timeout_seconds must be 1 to {MAX_TIMEOUT_SECONDS}, not {}",
                self.timeout_seconds
            ));
        }
        let tables = self.tables();
        if tables
            .iter()
            .any(|&(kind, present)| kind == self.kind && !present)
        {
            return Err(format!(
                "kind `{0}` needs a `{0}` table with its target",
                self.kind.as_str()
            ));
        }
        for (kind, present) in tables {
            if kind != self.kind && present {
                return Err(format!(
                    "a `{}` table does not go with kind `{}`",
                    kind.as_str(),
                    self.kind.as_str()
                ));
            }
        }
        self.check_table()
    }

    /// A copy fit for answers and logs: URL paths and queries, header values and passwords as
    /// `***`.
    pub fn redacted(&self) -> ChannelSpec {
        let mut copy = self.clone();
        copy.redact_tables();
        copy
    }

    /// The delivery time limit.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds)
    }

    /// Validates and builds the runnable channel (its HTTP client or SMTP transport, built
    /// once); every delivery is bounded by `timeout_seconds`. The error names the channel.
    pub fn compile(&self) -> Result<Arc<dyn Notifier>, String> {
        self.validate()?;
        let inner = self
            .compile_table(self.timeout())
            .map_err(|reason| format!("channel `{}`: {reason}", self.name))?;
        Ok(Arc::new(Bounded {
            inner,
            timeout: self.timeout(),
        }))
    }
}

/// A channel name: 1 to 64 letters, digits, `.`, `_`, `-`.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!("the name must have 1 to {MAX_NAME_LEN} characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "the name `{name}` may use letters, digits, `.`, `_` and `-` only, not {bad:?}"
        ));
    }
    Ok(())
}

/// Which schemes a webhook URL may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schemes {
    /// `http://` or `https://` (a generic webhook: Alertmanager allows both).
    HttpOrHttps,
    /// `https://`, or `http://` to a loopback address only: the URL of a chat service is its
    /// secret, and a plain-text request would show it to the network.
    HttpsUnlessLoopback,
}

/// Checks a webhook URL; the reason never repeats the URL (it is a secret).
pub(crate) fn check_url(key: &str, url: &str, schemes: Schemes) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{key}` is not a URL: {e}"))?;
    let Some(host) = parsed.host_str() else {
        return Err(format!("`{key}` must have a host"));
    };
    match (parsed.scheme(), schemes) {
        ("https", _) | ("http", Schemes::HttpOrHttps) => Ok(parsed),
        ("http", Schemes::HttpsUnlessLoopback) if is_loopback(host) => Ok(parsed),
        ("http", Schemes::HttpsUnlessLoopback) => Err(format!(
            "`{key}` must be https:// (plain http:// only to a loopback address): the URL \
             carries the channel's token"
        )),
        (scheme, _) => Err(format!(
            "`{key}` must be http:// or https://, not {scheme}://"
        )),
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub(super) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A webhook URL as answers and logs show it: scheme, host and port, the rest (path, query,
/// user name and password) as `***`. Slack, Teams and Google Chat put the token in the path or
/// the query, so nothing past the host is shown. Not a URL: `***` altogether.
pub fn redact_webhook_url(url: &str) -> String {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return REDACTED.to_string();
    };
    let Some(host) = parsed.host_str() else {
        return REDACTED.to_string();
    };
    let userinfo = if parsed.username().is_empty() && parsed.password().is_none() {
        ""
    } else {
        "***@"
    };
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let rest = if parsed.path() == "/" && parsed.query().is_none() && parsed.fragment().is_none() {
        "/"
    } else {
        "/***"
    };
    format!("{}://{userinfo}{host}{port}{rest}", parsed.scheme())
}

/// Validates HTTP header names and values; the reason names the header, never its value.
pub(super) fn check_headers(
    headers: &std::collections::BTreeMap<String, String>,
    reserved: &[&str],
) -> Result<(), String> {
    for (name, value) in headers {
        reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a header name"))?;
        reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header `{name}` is not valid"))?;
        if let Some(taken) = reserved.iter().find(|r| r.eq_ignore_ascii_case(name)) {
            return Err(format!("header `{taken}` is set by the channel itself"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slack(url: &str) -> ChannelSpec {
        ChannelSpec {
            name: "oncall".into(),
            kind: ChannelKind::Slack,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            webhook: None,
            slack: Some(SlackConfig {
                webhook_url: url.into(),
            }),
            teams: None,
            google_chat: None,
            email: None,
        }
    }

    #[test]
    fn reads_the_documented_toml_shape() {
        #[derive(Deserialize)]
        struct File {
            alerting: Alerting,
        }
        #[derive(Deserialize)]
        struct Alerting {
            channels: Vec<ChannelSpec>,
        }
        let file: File = toml::from_str(
            r#"
            [[alerting.channels]]
            name = "oncall-slack"
            kind = "slack"
            [alerting.channels.slack]
            webhook_url = "https://hooks.slack.com/services/T0/B0/XXXX"

            [[alerting.channels]]
            name = "ops-mail"
            kind = "email"
            timeout_seconds = 20
            [alerting.channels.email]
            host = "smtp.example.org"
            username = "alerts"
            password = "s3cret"
            from = "CSV Analyzer <alerts@example.org>"
            to = ["ops@example.org"]
            "#,
        )
        .unwrap();
        let [slack, mail] = &file.alerting.channels[..] else {
            panic!("two channels")
        };
        assert_eq!(slack.kind, ChannelKind::Slack);
        assert_eq!(slack.timeout_seconds, 10);
        slack.validate().unwrap();
        mail.validate().unwrap();
        assert_eq!(mail.timeout(), Duration::from_secs(20));
        assert!(
            toml::from_str::<File>(
                "[[alerting.channels]]\nname = \"x\"\nkind = \"slack\"\ncolour = \"red\"\n"
            )
            .is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn validation_names_the_channel_and_the_reason() {
        slack("https://hooks.slack.com/services/T0/B0/XXXX")
            .validate()
            .unwrap();
        slack("http://127.0.0.1:9/hook").validate().unwrap();
        let error = slack("http://hooks.slack.com/services/T0/B0/XXXX")
            .validate()
            .unwrap_err();
        assert!(error.starts_with("channel `oncall`: `webhook_url` must be https://"));
        assert!(!error.contains("XXXX"), "{error}");
        let mut spec = slack("https://x/");
        spec.kind = ChannelKind::Teams;
        assert_eq!(
            spec.validate().unwrap_err(),
            "channel `oncall`: kind `teams` needs a `teams` table with its target"
        );
        spec = slack("https://x/");
        spec.timeout_seconds = 0;
        assert!(spec.validate().unwrap_err().contains("timeout_seconds"));
        spec = slack("https://x/");
        spec.name = "a b".into();
        assert!(spec.validate().unwrap_err().starts_with("channel `a b`"));
        assert!(spec.compile().is_err());
    }

    #[test]
    fn webhook_urls_keep_only_scheme_host_and_port() {
        assert_eq!(
            redact_webhook_url("https://hooks.slack.com/services/T0/B0/XXXX"),
            "https://hooks.slack.com/***"
        );
        assert_eq!(
            redact_webhook_url("https://chat.googleapis.com/v1/spaces/S/messages?key=K&token=T"),
            "https://chat.googleapis.com/***"
        );
        assert_eq!(
            redact_webhook_url("http://user:pw@127.0.0.1:8080/"),
            "http://***@127.0.0.1:8080/"
        );
        assert_eq!(
            redact_webhook_url("http://[::1]:81/x"),
            "http://[::1]:81/***"
        );
        assert_eq!(redact_webhook_url("not a url"), "***");
        let shown = serde_json::to_string(&slack("https://h/services/SECRET").redacted()).unwrap();
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
