//! E-mail over SMTP to a real server (aiosmtpd): the headers, both parts, escaping, the
//! login, the Message-ID of a retry, which SMTP failures are retried, and STARTTLS and TLS to
//! a server whose certificate a private CA signed.

use std::path::{Path, PathBuf};

use mailparse::{MailHeaderMap, ParsedMail};
use serde_json::json;

use crate::smtp::{ServerTls, SmtpServer};
use crate::{channel, example};

const PASSWORD: &str = "hunter2-smtp";

fn email_channel(server: &SmtpServer, to: &[&str], password: &str) -> serde_json::Value {
    json!({
        "name": "ops-mail",
        "kind": "email",
        "timeout_seconds": 5,
        "email": {
            "host": "127.0.0.1",
            "port": server.port,
            "security": "none",
            "username": "alerts",
            "password": password,
            "from": "CSV Analyzer <alerts@example.org>",
            "to": to,
        },
    })
}

fn header(mail: &ParsedMail<'_>, name: &str) -> String {
    mail.headers
        .get_first_value(name)
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn an_alert_arrives_as_text_and_escaped_html() {
    let server = SmtpServer::start(Some(("alerts", PASSWORD)));
    let notifier = channel(email_channel(
        &server,
        &["oncall@example.org", "Ops Team <ops@example.org>"],
        PASSWORD,
    ));
    let mut message = example();
    message.alerts[0].annotations.insert(
        "summary".into(),
        "<script>alert(1)</script> & \"quotes\"".into(),
    );
    notifier.notify(&message, "outbox-7").await.unwrap();

    let received = server.wait_for(1);
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert!(got.authenticated, "the client logged in");
    assert_eq!(got.mail_from, "alerts@example.org");
    assert_eq!(got.rcpt_tos, ["oncall@example.org", "ops@example.org"]);

    let mail = mailparse::parse_mail(&got.data).unwrap();
    assert_eq!(
        header(&mail, "Subject"),
        "[FIRING:1] HighErrorRate (critical)"
    );
    assert_eq!(
        header(&mail, "From"),
        "\"CSV Analyzer\" <alerts@example.org>"
    );
    let to = header(&mail, "To");
    assert!(
        to.contains("oncall@example.org") && to.contains("\"Ops Team\" <ops@example.org>"),
        "{to}"
    );
    assert_eq!(header(&mail, "Message-ID"), "<alert-outbox-7@example.org>");
    assert!(header(&mail, "References").starts_with("<group-"));
    assert_eq!(header(&mail, "Auto-Submitted"), "auto-generated");
    assert!(mail.headers.get_first_value("Date").is_some());

    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    assert_eq!(mail.subparts.len(), 2);
    let (text, html) = (&mail.subparts[0], &mail.subparts[1]);
    assert_eq!(text.ctype.mimetype, "text/plain");
    assert_eq!(html.ctype.mimetype, "text/html");
    // SMTP lines end in CRLF.
    let text = text.get_body().unwrap().replace("\r\n", "\n");
    let html = html.get_body().unwrap().replace("\r\n", "\n");

    assert!(
        text.starts_with(
            "[FIRING:1] HighErrorRate (critical)\n\nHighErrorRate (critical) — firing\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("<script>alert(1)</script> & \"quotes\""),
        "plain text is as it is: {text}"
    );
    assert!(text.contains("Playbook: https://wiki.example.org/playbooks/high-error-rate"));
    assert!(text.contains("6.0% of requests fail on web-2"));

    assert!(
        html.contains("<h2>[FIRING:1] HighErrorRate (critical)</h2>"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "alert text is escaped: {html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"),
        "{html}"
    );
    assert!(
        html.contains(
            "<a href=\"https://wiki.example.org/playbooks/high-error-rate\">Playbook</a>"
        ),
        "{html}"
    );
}

#[tokio::test]
async fn a_retried_delivery_has_the_same_message_id() {
    let server = SmtpServer::start(None);
    let mut definition = email_channel(&server, &["oncall@example.org"], PASSWORD);
    let email = definition["email"].as_object_mut().unwrap();
    email.remove("username");
    email.remove("password");
    let notifier = channel(definition);
    let message = example();
    notifier.notify(&message, "outbox-8").await.unwrap();
    notifier.notify(&message, "outbox-8").await.unwrap();
    notifier.notify(&message, "outbox 9/é").await.unwrap();
    let received = server.wait_for(3);
    let ids: Vec<String> = received
        .iter()
        .map(|r| header(&mailparse::parse_mail(&r.data).unwrap(), "Message-ID"))
        .collect();
    assert!(!received[0].authenticated);
    assert_eq!(ids[0], "<alert-outbox-8@example.org>");
    assert_eq!(ids[0], ids[1], "a duplicate is recognisable");
    assert_ne!(ids[1], ids[2]);
    assert!(ids[2].starts_with("<alert-") && ids[2].ends_with("@example.org>"));
}

#[tokio::test]
async fn smtp_failures_say_whether_to_retry_and_hide_the_password() {
    let server = SmtpServer::start(Some(("alerts", PASSWORD)));
    // A wrong password: 535, permanent.
    let error = channel(email_channel(
        &server,
        &["oncall@example.org"],
        "wrong-password-xyz",
    ))
    .notify(&example(), "k")
    .await
    .unwrap_err();
    assert!(!error.retryable, "{error:?}");
    assert!(error.reason.starts_with("SMTP: "), "{error:?}");
    assert!(error.reason.contains("535"), "{error:?}");
    assert!(!error.reason.contains("wrong-password-xyz"), "{error:?}");
    // A recipient refused for good (550), for now (451).
    let error = channel(email_channel(&server, &["reject@example.org"], PASSWORD))
        .notify(&example(), "k")
        .await
        .unwrap_err();
    assert!(!error.retryable, "{error:?}");
    assert!(error.reason.contains("550"), "{error:?}");
    let error = channel(email_channel(&server, &["busy@example.org"], PASSWORD))
        .notify(&example(), "k")
        .await
        .unwrap_err();
    assert!(error.retryable, "{error:?}");
    assert!(error.reason.contains("451"), "{error:?}");
    assert!(server.received().is_empty());

    // STARTTLS required, and the server does not offer it: nothing is sent in clear text.
    let mut definition = email_channel(&server, &["oncall@example.org"], PASSWORD);
    definition["email"]["security"] = json!("starttls");
    definition["email"]["host"] = json!("localhost");
    let error = channel(definition)
        .notify(&example(), "k")
        .await
        .unwrap_err();
    assert!(!error.retryable, "{error:?}");
    assert!(
        error.reason.contains("STARTTLS is not supported"),
        "{error:?}"
    );
    assert!(!error.reason.contains(PASSWORD), "{error:?}");
    assert!(server.received().is_empty());

    // Nobody listening: retried.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut definition = email_channel(&server, &["oncall@example.org"], PASSWORD);
    definition["email"]["port"] = json!(closed);
    let error = channel(definition)
        .notify(&example(), "k")
        .await
        .unwrap_err();
    assert!(error.retryable, "{error:?}");
    assert!(error.reason.contains("Connection refused"), "{error:?}");
}

/// A CA and a certificate it signed for `localhost`, as PEM files in `dir`: (CA, chain, key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use base64::Engine;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

    fn pem(label: &str, der: &[u8]) -> String {
        let text = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = text
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("chain.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, pem("CERTIFICATE", ca.der())).unwrap();
    std::fs::write(
        &paths.1,
        pem("CERTIFICATE", leaf.der()) + &pem("CERTIFICATE", ca.der()),
    )
    .unwrap();
    std::fs::write(&paths.2, pem("PRIVATE KEY", &key.serialize_der())).unwrap();
    paths
}

#[tokio::test]
async fn starttls_and_tls_deliver_encrypted_to_a_trusted_server() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, chain, key) = certificates(dir.path());
    for (mode, security) in [("--starttls", "starttls"), ("--tls", "tls")] {
        let server = SmtpServer::start_with(
            Some(("alerts", PASSWORD)),
            Some(ServerTls {
                mode,
                cert: &chain,
                key: &key,
            }),
        );
        let mut definition = email_channel(&server, &["oncall@example.org"], PASSWORD);
        definition["email"]["security"] = json!(security);
        definition["email"]["host"] = json!("localhost");
        // The system does not trust the test's CA: refused, nothing sent.
        let error = channel(definition.clone())
            .notify(&example(), "k")
            .await
            .unwrap_err();
        assert!(
            error.reason.to_lowercase().contains("certificate"),
            "{security}: {error:?}"
        );
        assert!(server.received().is_empty());
        // With the CA in `ca_file`: delivered, encrypted, logged in.
        definition["email"]["ca_file"] = json!(ca);
        channel(definition)
            .notify(&example(), "outbox-1")
            .await
            .unwrap_or_else(|e| panic!("{security}: {e:?}"));
        let received = server.wait_for(1);
        assert_eq!(received.len(), 1, "{security}");
        assert!(received[0].encrypted, "{security}");
        assert!(received[0].authenticated, "{security}");
        let mail = mailparse::parse_mail(&received[0].data).unwrap();
        assert_eq!(header(&mail, "Message-ID"), "<alert-outbox-1@example.org>");
    }
}
