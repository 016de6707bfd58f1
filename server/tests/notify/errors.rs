//! Failures: which are worth a retry, and that no failure text (nor a redacted definition, nor
//! a `Debug`) shows a webhook URL, a header value or a token.

use std::time::Duration;

use serde_json::json;
use server::alerting::notify::{ChannelSpec, DeliveryError};

use crate::receiver::{Answer, Receiver};
use crate::{channel, example};

/// The secrets of the channels below.
const SECRETS: [&str; 4] = [
    "XXXXSLACKTOKEN",
    "hook-token-123",
    "/services/T0/B0/",
    "SIGSIGSIG",
];

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "`{secret}` shown in: {text}");
    }
}

/// A Slack channel and a webhook channel with a bearer token, to `receiver`.
fn channels(receiver: &Receiver) -> Vec<serde_json::Value> {
    vec![
        json!({
            "name": "slack",
            "kind": "slack",
            "slack": {"webhook_url": receiver.url("/services/T0/B0/XXXXSLACKTOKEN")},
        }),
        json!({
            "name": "hook",
            "kind": "webhook",
            "webhook": {
                "url": receiver.url("/hook?sig=SIGSIGSIG"),
                "headers": {"Authorization": "Bearer hook-token-123"},
            },
        }),
    ]
}

async fn fails_with(definition: serde_json::Value) -> DeliveryError {
    let error = channel(definition)
        .notify(&example(), "k")
        .await
        .expect_err("the delivery fails");
    assert_no_secret(&error.reason);
    assert_no_secret(&error.to_string());
    error
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_retried() {
    let receiver = Receiver::start().await;
    for definition in channels(&receiver) {
        receiver.answer(Answer {
            body: "internal error for {target}".into(),
            ..Answer::status(500)
        });
        let error = fails_with(definition.clone()).await;
        assert!(error.retryable, "{error:?}");
        assert!(
            error
                .reason
                .starts_with("the receiver answered 500 Internal Server Error"),
            "{error:?}"
        );
        receiver.answer(Answer {
            headers: vec![("retry-after", "7")],
            ..Answer::status(429)
        });
        let error = fails_with(definition).await;
        assert!(error.retryable, "{error:?}");
        assert_eq!(error.retry_after, Some(Duration::from_secs(7)));
    }
}

#[tokio::test]
async fn client_errors_are_not_retried_and_echoed_secrets_are_removed() {
    let receiver = Receiver::start().await;
    for definition in channels(&receiver) {
        // A receiver that repeats the URL and the token in its answer.
        receiver.answer(Answer {
            body: "invalid_token: {target} with {authorization}".into(),
            ..Answer::status(400)
        });
        let error = fails_with(definition.clone()).await;
        assert!(!error.retryable, "{error:?}");
        assert!(
            error
                .reason
                .starts_with("the receiver answered 400 Bad Request: invalid_token: "),
            "{error:?}"
        );
        assert!(error.reason.contains("***"), "{error:?}");
        receiver.answer(Answer {
            headers: vec![("location", "https://elsewhere.example.org/")],
            ..Answer::status(302)
        });
        let error = fails_with(definition).await;
        assert!(!error.retryable, "{error:?}");
        assert!(error.reason.contains("redirects are not followed"));
    }
    // Redirects are not followed: the receiver saw each request once.
    assert_eq!(receiver.requests().len(), 4);
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let receiver = Receiver::start().await;
    for mut definition in channels(&receiver) {
        let url = |path: &str| format!("http://127.0.0.1:{closed}{path}");
        if definition["kind"] == "slack" {
            definition["slack"]["webhook_url"] = json!(url("/services/T0/B0/XXXXSLACKTOKEN"));
        } else {
            definition["webhook"]["url"] = json!(url("/hook?sig=SIGSIGSIG"));
        }
        let error = fails_with(definition).await;
        assert!(error.retryable, "{error:?}");
        assert!(error.reason.starts_with("cannot connect"), "{error:?}");
    }
}

#[tokio::test]
async fn a_slow_receiver_is_a_retried_timeout() {
    let receiver = Receiver::start().await;
    receiver.answer(Answer {
        delay: Duration::from_secs(5),
        ..Answer::status(200)
    });
    let mut definition = channels(&receiver).remove(1);
    definition["timeout_seconds"] = json!(1);
    let started = std::time::Instant::now();
    let error = fails_with(definition).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(error.retryable, "{error:?}");
}

#[tokio::test]
async fn definitions_and_debug_output_hide_secrets() {
    let receiver = Receiver::start().await;
    for definition in channels(&receiver) {
        let spec: ChannelSpec = serde_json::from_value(definition.clone()).unwrap();
        assert_no_secret(&serde_json::to_string(&spec.redacted()).unwrap());
        assert_no_secret(&format!("{:?}", spec.compile().unwrap()));
    }
    let mail: ChannelSpec = serde_json::from_value(json!({
        "name": "mail",
        "kind": "email",
        "email": {
            "host": "smtp.example.org",
            "username": "alerts",
            "password": "hunter2-smtp",
            "from": "alerts@example.org",
            "to": ["ops@example.org"],
        },
    }))
    .unwrap();
    let shown = serde_json::to_string(&mail.redacted()).unwrap();
    assert!(!shown.contains("hunter2-smtp") && shown.contains("\"password\":\"***\""));
    let debug = format!("{:?}", mail.compile().unwrap());
    assert!(!debug.contains("hunter2-smtp"), "{debug}");
}
