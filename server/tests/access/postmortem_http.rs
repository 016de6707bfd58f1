//! Post-mortems, corrective actions, the ticketing webhook and the on-call rotation over HTTP:
//! a SEV2 resolved gets its draft with the timeline, 5 whys and actions are written, the
//! actions list puts the overdue first, the Markdown export carries it all; the ticketing
//! receiver (a local HTTP server) gets Jira's body on open, resolve and action, and the keys
//! it answers are kept; `/api/oncall` names who is on call.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::post;
use reqwest::Method;
use serde_json::{Value, json};

use super::Server;
use super::call_text as call;

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A Jira-like receiver: stores each body with its Authorization header, answers a new key.
async fn jira() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let received: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let kept = received.clone();
    let app = Router::new().route(
        "/rest/api/2/issue",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let mut all = kept.lock().expect("lock");
                all.push((auth, serde_json::from_str(&body).unwrap_or(Value::Null)));
                let key = format!("OPS-{}", all.len());
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(json!({ "id": "1", "key": key })),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!(
        "http://{}/rest/api/2/issue",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, received)
}

#[tokio::test]
async fn a_resolved_sev2_gets_a_postmortem_actions_and_tickets() {
    let (url, received) = jira().await;
    let server = Server::start_with(|config| {
        config.alerting.external_url = "https://csv.example.org".to_string();
        let ticketing = &mut config.incidents.ticketing;
        ticketing.enabled = true;
        ticketing.url = url.clone();
        ticketing.bearer_token = Some("jira-secret".to_string());
        ticketing.on =
            serde_json::from_value(json!(["opened", "resolved", "action_added"])).expect("events");
        config.incidents.oncall = serde_json::from_value(json!({
            "time_zone": "Europe/Paris",
            "handoff_day": "monday",
            "handoff_time": "09:00",
            "people": ["ana"],
            "start_date": "2026-01-05",
            "commander": "carla"
        }))
        .expect("rotation");
    })
    .await;
    let responder = server.token("responder").await;
    let commander = server.token("commander").await;

    let (status, body) = call(
        &server,
        Method::POST,
        "/api/incidents",
        &responder,
        Some(json!({"title": "Uploads fail", "severity": "SEV2", "components": ["app"]})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = json_of(&body)["id"].as_i64().expect("id");
    let path = |tail: &str| format!("/api/incidents/{id}{tail}");
    let (status, _) = call(&server, Method::GET, &path("/postmortem"), &responder, None).await;
    assert_eq!(status, 404, "no post-mortem while open");
    for state in ["diagnosing", "resolved"] {
        let (status, body) = call(
            &server,
            Method::POST,
            &path("/state"),
            &responder,
            Some(json!({ "state": state })),
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, body) = call(&server, Method::GET, &path("/postmortem"), &responder, None).await;
    assert_eq!(status, 200, "a SEV2 resolved is drafted: {body}");
    let draft = json_of(&body);
    assert_eq!(draft["postmortem"]["status"], "draft");
    assert!(
        draft["postmortem"]["summary"]
            .as_str()
            .unwrap_or("")
            .contains("Uploads fail")
    );

    let (status, _) = call(
        &server,
        Method::PUT,
        &path("/postmortem"),
        &responder,
        Some(json!({"summary": "x"})),
    )
    .await;
    assert_eq!(status, 403, "the post-mortem is the commander's");
    let whys = json!([
        {"why": "Why did uploads fail?", "answer": "The worker ran out of memory."},
        {"why": "Why did it run out?", "answer": "A 2 GB file was read whole."},
        {"why": "Why whole?", "answer": "The streaming reader was bypassed for gzip."},
    ]);
    let (status, body) = call(
        &server,
        Method::PUT,
        &path("/postmortem"),
        &commander,
        Some(json!({"impact": "Uploads over 1 GB failed for 40 minutes.", "whys": whys})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    for (title, due) in [
        ("Stream gzip input", "2030-01-31"),
        ("Alert on worker memory", "2020-01-31"),
    ] {
        let (status, body) = call(
            &server,
            Method::POST,
            &path("/actions"),
            &commander,
            Some(json!({"title": title, "owner": "bob", "due_date": due})),
        )
        .await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, body) = call(
        &server,
        Method::POST,
        &path("/actions"),
        &commander,
        Some(json!({"title": "x", "owner": "bob", "due_date": "2030-02-30"})),
    )
    .await;
    assert_eq!(status, 400, "not a date: {body}");
    let (status, body) = call(&server, Method::GET, "/api/actions", &responder, None).await;
    assert_eq!(status, 200);
    let actions = json_of(&body);
    assert_eq!(
        actions[0]["title"], "Alert on worker memory",
        "overdue first"
    );
    assert_eq!(actions[0]["overdue"], true);
    assert_eq!(actions[1]["overdue"], false);
    let overdue_id = actions[0]["id"].as_i64().expect("id");
    let (status, _) = call(
        &server,
        Method::PUT,
        &format!("/api/actions/{overdue_id}"),
        &responder,
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, body) = call(
        &server,
        Method::GET,
        "/api/actions?overdue=true",
        &responder,
        None,
    )
    .await;
    assert_eq!(
        json_of(&body).as_array().map(Vec::len),
        Some(0),
        "done is not overdue"
    );

    let (status, body) = call(
        &server,
        Method::POST,
        &path("/postmortem/publish"),
        &commander,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, markdown) = call(
        &server,
        Method::GET,
        &path("/postmortem.md"),
        &responder,
        None,
    )
    .await;
    assert_eq!(status, 200);
    for expected in [
        "Uploads fail",
        "The streaming reader was bypassed for gzip.",
        "Stream gzip input",
        "diagnosing → resolved",
    ] {
        assert!(markdown.contains(expected), "{expected} in\n{markdown}");
    }

    // The ticketing receiver: opened, resolved, two actions; keys kept.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while received.lock().expect("lock").len() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            received.lock().expect("lock")
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    {
        let all = received.lock().expect("lock");
        assert!(all.iter().all(|(auth, _)| auth == "Bearer jira-secret"));
        let summary = all[0].1["fields"]["summary"].as_str().unwrap_or_default();
        assert_eq!(summary, "[SEV2] Uploads fail");
        let description = all[0].1["fields"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            description.contains(&format!("https://csv.example.org/incidents/{id}")),
            "{description}"
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, body) = call(&server, Method::GET, &path("/postmortem"), &responder, None).await;
        let refs: Vec<String> = json_of(&body)["actions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["ticket_ref"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if refs.len() == 2 {
            assert!(refs.iter().all(|r| r.starts_with("OPS-")), "{refs:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "ticket keys on actions: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, body) = call(&server, Method::GET, &path(""), &responder, None).await;
    let timeline = json_of(&body)["timeline"].to_string();
    assert!(
        timeline.contains("ticket OPS-1 (opened event)"),
        "{timeline}"
    );

    // Who is on call: ana, the only one in the rotation.
    let (status, body) = call(&server, Method::GET, "/api/oncall", &responder, None).await;
    assert_eq!(status, 200);
    let on_call = json_of(&body);
    assert_eq!(on_call["now"]["person"], "ana");
    assert_eq!(on_call["commander"], "carla");
    let (status, body) = call(
        &server,
        Method::POST,
        "/api/oncall/overrides",
        &commander,
        Some(json!({"person": "dan", "starts_at": "2020-01-01T00:00:00Z",
                    "ends_at": "2099-01-01T00:00:00Z", "reason": "ana is away"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = call(&server, Method::GET, "/api/oncall", &responder, None).await;
    assert_eq!(json_of(&body)["now"]["person"], "dan");
    assert_eq!(json_of(&body)["now"]["overridden"], true);
}

/// A ticketing system that refuses the request: the incident's timeline says so, with what it
/// answered, for the incident and for a corrective action, so people file them by hand.
#[tokio::test]
async fn a_refused_ticket_request_is_noted_on_the_timeline() {
    let app = Router::new().route(
        "/rest/api/2/issue",
        post(|| async {
            (
                axum::http::StatusCode::BAD_REQUEST,
                "{\"errorMessages\":[\"Field 'project' is required\"]}\n",
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let url = format!(
        "http://{}/rest/api/2/issue",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let server = Server::start_with(|config| {
        let ticketing = &mut config.incidents.ticketing;
        ticketing.enabled = true;
        ticketing.url = url.clone();
        ticketing.on = serde_json::from_value(json!(["opened", "action_added"])).expect("events");
    })
    .await;
    let commander = server.token("commander").await;
    let (status, body) = call(
        &server,
        Method::POST,
        "/api/incidents",
        &commander,
        Some(json!({"title": "Exports fail", "severity": "SEV3"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = json_of(&body)["id"].as_i64().expect("id");
    let (status, body) = call(
        &server,
        Method::POST,
        &format!("/api/incidents/{id}/actions"),
        &commander,
        Some(json!({"title": "Retry exports", "owner": "bob", "due_date": "2030-01-31"})),
    )
    .await;
    assert_eq!(status, 204, "{body}");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, body) = call(
            &server,
            Method::GET,
            &format!("/api/incidents/{id}"),
            &commander,
            None,
        )
        .await;
        let notes: Vec<String> = json_of(&body)["timeline"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["actor"] == "ticketing")
            .filter_map(|e| e["text"].as_str().map(str::to_string))
            .collect();
        if notes.len() == 2 {
            let opened = notes
                .iter()
                .find(|n| n.contains("(opened event)"))
                .expect("the opened event's note");
            assert!(
                opened.contains("refused the request with 400")
                    && opened.contains("Field 'project' is required")
                    && opened.ends_with("File the ticket by hand."),
                "{opened}"
            );
            let action = notes
                .iter()
                .find(|n| n.contains("action_added event"))
                .expect("the action's note");
            assert!(action.contains("\"Retry exports\""), "{action}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "ticketing notes: {notes:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
