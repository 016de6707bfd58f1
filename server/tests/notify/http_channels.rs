//! What each HTTP channel sends: method, content type, headers, and the body's structure.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use server::alerting::notify::{ChannelKind, WebhookMessage};

use crate::receiver::Receiver;
use crate::{ALERTMANAGER_EXAMPLE, channel, example};

/// The keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn the_payload_has_alertmanagers_field_names_and_round_trips() {
    let documented: Value = serde_json::from_str(ALERTMANAGER_EXAMPLE).unwrap();
    let message = example();
    assert_eq!(message.alerts.len(), 2);
    assert_eq!(
        message.alerts[0].ends_at, None,
        "0001-01-01T00:00:00Z is unset"
    );
    assert!(message.alerts[1].ends_at.is_some());
    // Written back, it is the documented JSON exactly: same names, same values.
    assert_eq!(serde_json::to_value(&message).unwrap(), documented);
    let top: BTreeSet<&str> = [
        "version",
        "groupKey",
        "truncatedAlerts",
        "status",
        "receiver",
        "groupLabels",
        "commonLabels",
        "commonAnnotations",
        "externalURL",
        "alerts",
    ]
    .into();
    assert_eq!(keys(&documented), top);
    let alert: BTreeSet<&str> = [
        "status",
        "labels",
        "annotations",
        "startsAt",
        "endsAt",
        "generatorURL",
        "fingerprint",
    ]
    .into();
    for a in documented["alerts"].as_array().unwrap() {
        assert_eq!(keys(a), alert);
    }
    // A sender that leaves out what it may (older Alertmanagers: no truncatedAlerts) and adds
    // what it likes is still read.
    let mut lean = documented.clone();
    lean.as_object_mut().unwrap().remove("truncatedAlerts");
    lean["alerts"][0]["silenceURL"] = json!("https://x/silence");
    lean["alerts"][0]["startsAt"] = json!("2026-11-26T15:58:00.828+01:00");
    lean["alerts"][1]["endsAt"] = json!("2026-11-26T14:55:30.512000000Z");
    assert_eq!(
        serde_json::from_value::<WebhookMessage>(lean).unwrap(),
        message
    );
}

#[tokio::test]
async fn webhook_posts_the_payload_as_it_is_with_the_idempotency_key() {
    let receiver = Receiver::start().await;
    let notifier = channel(json!({
        "name": "hook",
        "kind": "webhook",
        "webhook": {
            "url": receiver.url("/alerts?team=ops"),
            "headers": {"Authorization": "Bearer hook-token-123"},
        },
    }));
    assert_eq!(notifier.kind(), ChannelKind::Webhook);
    let message = example();
    notifier.notify(&message, "outbox-42").await.unwrap();
    let request = receiver.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/alerts?team=ops");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("idempotency-key"), Some("outbox-42"));
    assert_eq!(
        request.header("authorization"),
        Some("Bearer hook-token-123")
    );
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("csv-analyzer-alerting/"))
    );
    let received: WebhookMessage = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(received, message);
    let documented: Value = serde_json::from_str(ALERTMANAGER_EXAMPLE).unwrap();
    assert_eq!(
        request.json(),
        documented,
        "the documented JSON, field for field"
    );

    // A retry of the same notification has the same key; another notification another one.
    notifier.notify(&message, "outbox-42").await.unwrap();
    notifier.notify(&message, "outbox-43").await.unwrap();
    let keys: Vec<_> = receiver
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_string())
        .collect();
    assert_eq!(keys, ["outbox-42", "outbox-42", "outbox-43"]);
}

#[tokio::test]
async fn webhook_max_alerts_truncates_and_counts() {
    let receiver = Receiver::start().await;
    let notifier = channel(json!({
        "name": "hook",
        "kind": "webhook",
        "webhook": {"url": receiver.url("/"), "max_alerts": 1},
    }));
    notifier.notify(&example(), "k").await.unwrap();
    let body = receiver.only_request().json();
    assert_eq!(body["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(body["alerts"][0]["status"], "firing");
    assert_eq!(body["truncatedAlerts"], 1);
}

#[tokio::test]
async fn slack_gets_a_readable_summary_in_blocks() {
    let receiver = Receiver::start().await;
    let notifier = channel(json!({
        "name": "oncall-slack",
        "kind": "slack",
        "slack": {"webhook_url": receiver.url("/services/T000/B000/XXXXXXXX")},
    }));
    let mut message = example();
    message.alerts[0]
        .annotations
        .insert("summary".into(), "5.2% <!channel> fail & <b>".into());
    notifier.notify(&message, "k").await.unwrap();
    let request = receiver.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/services/T000/B000/XXXXXXXX");
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["text"], "[FIRING:1] HighErrorRate (critical)");
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(
        blocks[0]["text"]["text"],
        "[FIRING:1] HighErrorRate (critical)"
    );
    // One section per alert, firing first.
    let sections: Vec<&str> = blocks
        .iter()
        .filter(|b| b["type"] == "section")
        .map(|b| {
            assert_eq!(b["text"]["type"], "mrkdwn");
            b["text"]["text"].as_str().unwrap()
        })
        .collect();
    assert_eq!(sections.len(), 2);
    let firing = sections[0];
    assert!(
        firing.starts_with("*HighErrorRate* (critical) — firing\n"),
        "{firing}"
    );
    assert!(
        firing.contains("5.2% &lt;!channel&gt; fail &amp; &lt;b&gt;"),
        "alert text is escaped: {firing}"
    );
    assert!(firing.contains("More than 5% of API requests failed"));
    assert!(firing.contains("Started 2026-11-26 14:58:00 UTC"));
    assert!(firing.contains("instance=web-1:8080"));
    assert!(
        firing.contains("<https://wiki.example.org/playbooks/high-error-rate|Playbook>"),
        "{firing}"
    );
    let resolved = sections[1];
    assert!(resolved.contains("— resolved"), "{resolved}");
    assert!(
        resolved.contains("ended 2026-11-26 14:55:30 UTC"),
        "{resolved}"
    );
    let context = blocks.last().unwrap();
    assert_eq!(context["type"], "context");
    assert!(
        context["elements"][0]["text"]
            .as_str()
            .unwrap()
            .contains("<https://csv.example.org|Open CSV Analyzer>")
    );
}

#[tokio::test]
async fn teams_gets_an_adaptive_card() {
    let receiver = Receiver::start().await;
    let notifier = channel(json!({
        "name": "oncall-teams",
        "kind": "teams",
        "teams": {"webhook_url": receiver.url("/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SIGSIGSIG")},
    }));
    notifier.notify(&example(), "k").await.unwrap();
    let request = receiver.only_request();
    assert_eq!(request.method, "POST");
    assert!(request.target.ends_with("&sig=SIGSIGSIG"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let items = card["body"].as_array().unwrap();
    assert_eq!(items[0]["type"], "TextBlock");
    assert_eq!(items[0]["text"], "[FIRING:1] HighErrorRate (critical)");
    assert_eq!(items[0]["color"], "Attention");
    let containers: Vec<&Value> = items.iter().filter(|i| i["type"] == "Container").collect();
    assert_eq!(containers.len(), 2);
    let texts: Vec<&str> = containers[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["text"].as_str())
        .collect();
    assert_eq!(texts[0], "**HighErrorRate** (critical) — firing");
    assert!(
        texts.contains(&"5.2% of requests fail on web-1"),
        "{texts:?}"
    );
    let buttons = containers[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "ActionSet")
        .expect("the playbook button");
    assert_eq!(buttons["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(buttons["actions"][0]["title"], "Playbook");
    assert_eq!(
        buttons["actions"][0]["url"],
        "https://wiki.example.org/playbooks/high-error-rate"
    );
}

#[tokio::test]
async fn google_chat_gets_formatted_text() {
    let receiver = Receiver::start().await;
    let notifier = channel(json!({
        "name": "oncall-chat",
        "kind": "google_chat",
        "google_chat": {"webhook_url": receiver.url("/v1/spaces/AAAA/messages?key=KEYKEYKEY&token=TOKTOKTOK")},
    }));
    let mut message = example();
    message.alerts[0]
        .annotations
        .insert("description".into(), "ping <users/all>".into());
    notifier.notify(&message, "k").await.unwrap();
    let request = receiver.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.target,
        "/v1/spaces/AAAA/messages?key=KEYKEYKEY&token=TOKTOKTOK"
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(keys(&body), BTreeSet::from(["text"]));
    let text = body["text"].as_str().unwrap();
    assert!(
        text.starts_with("*[FIRING:1] HighErrorRate (critical)*\n\n*HighErrorRate* (critical) — firing\n5.2% of requests fail on web-1\n"),
        "{text}"
    );
    assert!(text.contains("ping ‹users/all›"), "no mention: {text}");
    assert!(
        text.contains("<https://wiki.example.org/playbooks/high-error-rate|Playbook>"),
        "{text}"
    );
    assert!(text.contains("6.0% of requests fail on web-2"), "{text}");
}
