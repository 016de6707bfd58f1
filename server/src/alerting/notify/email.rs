//! `email` channels: one e-mail per notification over SMTP (lettre, rustls).
//!
//! ```toml
//! [alerting.channels.email]
//! host = "smtp.example.org"
//! port = 587                # default: 587 starttls, 465 tls, 25 none
//! security = "starttls"     # starttls | tls | none
//! username = "alerts@example.org"
//! password = "s3cret"       # shown as ***
//! from = "CSV Analyzer <alerts@example.org>"
//! to = ["oncall@example.org"]
//! ```
//!
//! `starttls` refuses to go on if the server does not offer STARTTLS (nothing is sent in
//! clear text); `tls` is TLS from the first byte (port 465); `none` is plain text, for a relay
//! on the same machine or network, and sends a password only to a loopback address. The
//! server's certificate must chain to a CA of the system or of `ca_file` (a private CA).
//!
//! The message: subject `[FIRING:1] HighErrorRate (critical)`, a plain-text part and an HTML
//! alternative saying the same (all alert text escaped), `Message-ID` made from the
//! idempotency key (a retried delivery has the ID of the first attempt, so a duplicate is
//! recognisable, and mail systems that deduplicate drop it), `References` the same for every
//! notification of a group (mail clients thread them), `Auto-Submitted: auto-generated`
//! (RFC 3834: no auto-replies to it).

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::render::{self, Html, Plain};
use super::spec::{ChannelConfig, REDACTED, is_loopback};
use super::{ChannelKind, Delivery, DeliveryError, Notifier, WebhookMessage};

/// Most recipients of one channel.
pub const MAX_RECIPIENTS: usize = 50;

/// The SMTP server and the addresses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The SMTP server's host name (also the name its TLS certificate must have).
    #[schema(example = "smtp.example.org")]
    pub host: String,
    /// Default: 587 with `starttls`, 465 with `tls`, 25 with `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// How the connection is protected.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The SMTP login, if the server wants one (with `password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Shown as `***` in answers and logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The sender, `alerts@example.org` or `Name <alerts@example.org>`.
    #[schema(example = "CSV Analyzer <alerts@example.org>")]
    pub from: String,
    /// The recipients (1 to 50).
    #[schema(example = json!(["oncall@example.org"]))]
    pub to: Vec<String>,
    /// A PEM file of CA certificates trusted for this server besides the system's (a private
    /// CA); `starttls` and `tls` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "/etc/csv-analyzer/smtp-ca.pem")]
    pub ca_file: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the start (port 465).
    Tls,
    /// No encryption: a local relay only.
    None,
}

impl SmtpSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starttls => "starttls",
            Self::Tls => "tls",
            Self::None => "none",
        }
    }

    /// The usual port.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Starttls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

impl EmailConfig {
    fn mailboxes(&self) -> Result<(Mailbox, Vec<Mailbox>), String> {
        let from = self
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("`from` is not an e-mail address: {e}"))?;
        let to = self
            .to
            .iter()
            .map(|to| {
                to.parse::<Mailbox>()
                    .map_err(|e| format!("`{to}` in `to` is not an e-mail address: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((from, to))
    }

    fn port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }

    /// TLS to `host`: its certificate must name it and chain to a system CA or one of
    /// `ca_file`.
    fn tls_parameters(&self) -> Result<TlsParameters, String> {
        let host = self.host.trim();
        let mut builder = TlsParameters::builder(host.to_string());
        if let Some(path) = &self.ca_file {
            let pem =
                std::fs::read(path).map_err(|e| format!("cannot read ca_file `{path}`: {e}"))?;
            if !pem.windows(17).any(|w| w == b"BEGIN CERTIFICATE") {
                return Err(format!("ca_file `{path}` holds no PEM certificate"));
            }
            let certificate = Certificate::from_pem(&pem)
                .map_err(|e| format!("ca_file `{path}` is not valid PEM: {e}"))?;
            builder = builder.add_root_certificate(certificate);
        }
        builder
            .build()
            .map_err(|e| format!("cannot set up TLS for `{host}`: {e}"))
    }
}

impl ChannelConfig for EmailConfig {
    fn check(&self) -> Result<(), String> {
        let host = self.host.trim();
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || "/:@".contains(c)) {
            return Err(format!("`{}` is not a host name", self.host));
        }
        if self.port == Some(0) {
            return Err("port 0 cannot be connected to".to_string());
        }
        if self.to.is_empty() || self.to.len() > MAX_RECIPIENTS {
            return Err(format!(
                "`to` must list 1 to {MAX_RECIPIENTS} addresses, not {}",
                self.to.len()
            ));
        }
        self.mailboxes()?;
        if let Some(path) = &self.ca_file {
            if path.trim().is_empty() {
                return Err("`ca_file` is empty: leave it out for the system's CAs".to_string());
            }
            if self.security == SmtpSecurity::None {
                return Err("`ca_file` needs `security = \"starttls\"` or `\"tls\"`".to_string());
            }
        }
        match (&self.username, &self.password) {
            (Some(_), None) | (None, Some(_)) => {
                return Err("`username` and `password` go together".to_string());
            }
            (Some(_), Some(_)) if self.security == SmtpSecurity::None && !is_loopback(host) => {
                return Err(
                    "a password over `security = \"none\"` would cross the network in clear \
                     text: use starttls or tls (or a relay on a loopback address)"
                        .to_string(),
                );
            }
            _ => {}
        }
        Ok(())
    }

    fn redacted(&self) -> Self {
        let mut copy = self.clone();
        if copy.password.is_some() {
            copy.password = Some(REDACTED.to_string());
        }
        copy
    }

    fn compile(&self, timeout: Duration) -> Result<Arc<dyn Notifier>, String> {
        let (from, to) = self.mailboxes()?;
        let host = self.host.trim();
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host);
        let builder = match self.security {
            SmtpSecurity::Starttls => builder.tls(Tls::Required(self.tls_parameters()?)),
            SmtpSecurity::Tls => builder.tls(Tls::Wrapper(self.tls_parameters()?)),
            SmtpSecurity::None => builder,
        };
        let mut builder = builder.port(self.port()).timeout(Some(timeout));
        let mut secrets = Vec::new();
        if let (Some(username), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
            secrets.push(password.clone());
        }
        Ok(Arc::new(Email {
            transport: builder.build(),
            from,
            to,
            secrets,
        }))
    }
}

/// A compiled `email` channel.
pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    secrets: Vec<String>,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the transport: it holds the credentials.
        f.debug_struct("Email")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

impl Notifier for Email {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn notify<'a>(&'a self, message: &'a WebhookMessage, idempotency_key: &'a str) -> Delivery<'a> {
        Box::pin(async move {
            let email = self.message(message, idempotency_key)?;
            match self.transport.send(email).await {
                Ok(_) => Ok(()),
                Err(error) => Err(self.describe(&error)),
            }
        })
    }
}

impl Email {
    /// The e-mail of one notification.
    pub fn message(
        &self,
        message: &WebhookMessage,
        idempotency_key: &str,
    ) -> Result<Message, DeliveryError> {
        let domain = self.from.email.domain();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(render::title(message))
            .message_id(Some(message_id(idempotency_key, domain)))
            .references(format!(
                "<group-{}@{domain}>",
                short_hash(&message.group_key)
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_string(),
            ));
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                text_body(message),
                html_body(message),
            ))
            .map_err(|e| DeliveryError::permanent(format!("cannot build the e-mail: {e}")))
    }

    /// An SMTP failure: 4xx answers, connection and TLS failures, time-outs are retried; 5xx
    /// answers (refused recipient, failed login) and client errors are not. The password is
    /// taken out of the text in case a server echoes it.
    fn describe(&self, error: &lettre::transport::smtp::Error) -> DeliveryError {
        let mut reason = format!("SMTP: {}", chain(error));
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            reason = reason.replace(secret.as_str(), REDACTED);
        }
        if error.is_permanent() || error.is_client() {
            DeliveryError::permanent(reason)
        } else {
            DeliveryError::retryable(reason)
        }
    }
}

/// `<alert-KEY@domain>`, the key as it is when it is a safe dot-atom (letters, digits, `-`,
/// `_`, `.`; at most 64), else its hash: the same key always gives the same ID.
pub fn message_id(idempotency_key: &str, domain: &str) -> String {
    let safe = !idempotency_key.is_empty()
        && idempotency_key.len() <= 64
        && idempotency_key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !idempotency_key.starts_with('.')
        && !idempotency_key.ends_with('.')
        && !idempotency_key.contains("..");
    let local = if safe {
        idempotency_key.to_string()
    } else {
        short_hash(idempotency_key)
    };
    format!("<alert-{local}@{domain}>")
}

/// The first 128 bits of SHA-256, in hex.
fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The plain-text part.
pub fn text_body(message: &WebhookMessage) -> String {
    let mut text = render::document(message, &Plain, "\n");
    text.push('\n');
    text
}

/// The HTML part: a small document, every alert text escaped.
pub fn html_body(message: &WebhookMessage) -> String {
    let title = render::escape_html(&render::title(message));
    let (views, hidden) = render::listed(message);
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family: sans-serif\">\n<h2>{title}</h2>\n"
    );
    for view in &views {
        let mut lines = view.details(&Html);
        let links = view.links(&Html);
        if !links.is_empty() {
            lines.push(links.join(" · "));
        }
        html.push_str(&format!(
            "<h3>{}</h3>\n<p>{}</p>\n",
            view.heading(&Html),
            lines.join("<br>\n")
        ));
    }
    let footer = render::footer(message, hidden, &Html);
    if !footer.is_empty() {
        html.push_str(&format!("<p>{}</p>\n", footer.join("<br>\n")));
    }
    html.push_str("</body></html>\n");
    html
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

    fn config() -> EmailConfig {
        EmailConfig {
            host: "smtp.example.org".into(),
            port: None,
            security: SmtpSecurity::Starttls,
            username: Some("alerts".into()),
            password: Some("s3cret".into()),
            from: "CSV Analyzer <alerts@example.org>".into(),
            to: vec!["ops@example.org".into()],
            ca_file: None,
        }
    }

    #[test]
    fn checks_addresses_and_clear_text_passwords() {
        config().check().unwrap();
        let mut c = config();
        c.to = vec!["not an address".into()];
        assert!(c.check().unwrap_err().contains("`not an address` in `to`"));
        c = config();
        c.security = SmtpSecurity::None;
        assert!(c.check().unwrap_err().contains("clear text"));
        c.host = "127.0.0.1".into();
        c.check().unwrap();
        c.password = None;
        assert!(c.check().unwrap_err().contains("go together"));
        assert_eq!(config().redacted().password.as_deref(), Some("***"));
    }

    #[test]
    fn message_ids_come_from_the_key() {
        assert_eq!(message_id("42", "example.org"), "<alert-42@example.org>");
        let odd = message_id("a b<>", "example.org");
        assert_eq!(odd, message_id("a b<>", "example.org"));
        assert!(odd.starts_with("<alert-") && odd.len() == "<alert-@example.org>".len() + 32);
    }
}
