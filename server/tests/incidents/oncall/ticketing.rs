//! The ticketing webhook against a receiver bound on 127.0.0.1:0: method, path, auth header
//! and the exact JSON body for the Jira and ServiceNow templates, the retry after a 500, and a
//! refusal that is not retried.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::json;
use server::incidents::ticketing::{
    JIRA_TEMPLATE, SERVICENOW_TEMPLATE, TicketError, TicketEvent, TicketingSettings,
};
use server::incidents::{Lifecycle, Severity, State};
use server::storage::incidents::Incident;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    authorization: Option<String>,
    content_type: Option<String>,
    body: serde_json::Value,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<(StatusCode, &'static str)>>>,
}

async fn receive(
    AxumState(receiver): AxumState<Receiver>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    receiver.got.lock().expect("lock").push(Received {
        method,
        path: uri.path().to_string(),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: serde_json::from_slice(&body).expect("the body is JSON"),
    });
    let (status, answer) = receiver
        .answers
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or((StatusCode::CREATED, "{}"));
    (status, answer.to_string())
}

/// A receiver answering `answers` in order (then 201 `{}`), and its base URL.
async fn receiver(answers: &[(StatusCode, &'static str)]) -> (Receiver, String) {
    let receiver = Receiver::default();
    receiver
        .answers
        .lock()
        .expect("lock")
        .extend(answers.iter().copied());
    let app = Router::new().fallback(receive).with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (receiver, format!("http://{address}"))
}

fn incident() -> Incident {
    let detected_ms = super::ms("2027-03-02T10:00:00Z");
    Incident {
        id: 7,
        title: "API \"down\"\\ again".into(),
        severity: Severity::Sev2,
        components: vec!["api".into(), "db".into()],
        playbook: Some("application-down".into()),
        created_by: "alerting".into(),
        lifecycle: Lifecycle {
            state: State::Detected,
            detected_ms,
            notified_ms: None,
            triaged_ms: None,
            diagnosing_ms: None,
            resolved_ms: None,
            closed_ms: None,
            reopened_count: 0,
        },
        acknowledged: None,
        updated_ms: detected_ms,
    }
}

fn extra(id: i64) -> BTreeMap<String, String> {
    BTreeMap::from([(
        "incident.url".to_string(),
        format!("https://csv.example.org/incidents/{id}"),
    )])
}

#[tokio::test]
async fn jira_issue_with_basic_auth() {
    let (receiver, base) = receiver(&[(
        StatusCode::CREATED,
        r#"{"id":"10001","key":"OPS-7","self":"x"}"#,
    )])
    .await;
    let settings = TicketingSettings {
        enabled: true,
        url: format!("{base}/rest/api/2/issue"),
        basic_user: Some("bot@example.org".into()),
        basic_password: Some("api-token".into()),
        on: vec![TicketEvent::Opened, TicketEvent::Resolved],
        template: JIRA_TEMPLATE.into(),
        ..TicketingSettings::default()
    };
    let ticketing = settings.compile().expect("valid").expect("enabled");
    let incident = incident();
    let key = ticketing
        .send(TicketEvent::Opened, &incident, &extra(incident.id))
        .await
        .expect("sent");
    assert_eq!(key.as_deref(), Some("OPS-7"));
    // Not in `on`: nothing is sent.
    assert_eq!(
        ticketing
            .send(TicketEvent::ActionAdded, &incident, &extra(incident.id))
            .await
            .expect("skipped"),
        None
    );
    let got = receiver.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    let request = &got[0];
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.path, "/rest/api/2/issue");
    // base64("bot@example.org:api-token")
    assert_eq!(
        request.authorization.as_deref(),
        Some("Basic Ym90QGV4YW1wbGUub3JnOmFwaS10b2tlbg==")
    );
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    let id = incident.id;
    assert_eq!(
        request.body,
        json!({
            "fields": {
                "project": {"key": "OPS"},
                "summary": "[SEV2] API \"down\"\\ again",
                "description": format!(
                    "CSV Analyzer incident {id} was opened (detected).\nComponents: api, db\n\n\
                     https://csv.example.org/incidents/{id}"
                ),
                "issuetype": {"name": "Incident"},
                "labels": ["csv-analyzer", format!("incident-{id}")]
            }
        })
    );
}

#[tokio::test]
async fn servicenow_incident_with_bearer_token_after_a_500() {
    let (receiver, base) = receiver(&[
        (StatusCode::INTERNAL_SERVER_ERROR, "busy"),
        (
            StatusCode::CREATED,
            r#"{"result":{"number":"INC0010002","sys_id":"abc"}}"#,
        ),
    ])
    .await;
    let settings = TicketingSettings {
        enabled: true,
        url: format!("{base}/api/now/table/incident"),
        bearer_token: Some("sn-token".into()),
        on: vec![TicketEvent::ActionAdded],
        template: SERVICENOW_TEMPLATE.into(),
        ..TicketingSettings::default()
    };
    let incident = incident();
    let mut values = extra(incident.id);
    values.insert("action.title".into(), "Add a readiness probe".into());
    let key =
        server::incidents::ticketing::send(&settings, TicketEvent::ActionAdded, &incident, &values)
            .await
            .expect("sent on the second attempt");
    assert_eq!(key.as_deref(), Some("INC0010002"));
    let got = receiver.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 2, "one retry");
    let id = incident.id;
    for request in &got {
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/api/now/table/incident");
        assert_eq!(request.authorization.as_deref(), Some("Bearer sn-token"));
        assert_eq!(
            request.body,
            json!({
                "short_description": "[SEV2] API \"down\"\\ again",
                "description": format!(
                    "CSV Analyzer incident {id} was action_added (detected). Add a readiness \
                     probe https://csv.example.org/incidents/{id}"
                ),
                "urgency": "1",
                "impact": "1",
                "correlation_id": format!("csv-analyzer-{id}")
            })
        );
    }
}

#[tokio::test]
async fn refusals_are_not_retried_and_outages_give_up_after_three() {
    let (receiver, base) = receiver(&[
        (
            StatusCode::BAD_REQUEST,
            r#"{"errors":{"project":"unknown"}}"#,
        ),
        (StatusCode::SERVICE_UNAVAILABLE, ""),
        (StatusCode::BAD_GATEWAY, ""),
        (StatusCode::INTERNAL_SERVER_ERROR, ""),
    ])
    .await;
    let settings = TicketingSettings {
        enabled: true,
        url: format!("{base}/rest/api/2/issue"),
        ..TicketingSettings::default()
    };
    let incident = incident();
    let refused = server::incidents::ticketing::send(
        &settings,
        TicketEvent::Opened,
        &incident,
        &BTreeMap::new(),
    )
    .await
    .expect_err("400");
    assert_eq!(
        refused,
        TicketError::Rejected {
            status: 400,
            body: r#"{"errors":{"project":"unknown"}}"#.into()
        }
    );
    assert_eq!(receiver.got.lock().expect("lock").len(), 1);
    let down = server::incidents::ticketing::send(
        &settings,
        TicketEvent::Opened,
        &incident,
        &BTreeMap::new(),
    )
    .await
    .expect_err("5xx three times");
    assert!(
        matches!(down, TicketError::Unreachable { attempts: 3, .. }),
        "{down:?}"
    );
    assert_eq!(receiver.got.lock().expect("lock").len(), 4);
    assert!(
        receiver.got.lock().expect("lock")[1]
            .authorization
            .is_none()
    );
}
