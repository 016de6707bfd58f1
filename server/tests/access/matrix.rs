//! The role × route matrix: every state-changing route (and the reads that are not public),
//! sent with no credentials, with a token of each role, and with a session that omits its
//! CSRF token. Only the allowed pass: anonymous → 401, a role below the route's → 403, a role
//! at or above it → neither (the answer may be 2xx, 404 or 409: the request got through).

use reqwest::Method;
use serde_json::{Value, json};

use super::Server;

/// One route: method, path, JSON body or form fields, and the least role allowed (`None`:
/// public).
struct Route {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    form: Option<Vec<(&'static str, &'static str)>>,
    least: Option<&'static str>,
}

fn route(
    method: Method,
    path: &'static str,
    body: Option<Value>,
    least: Option<&'static str>,
) -> Route {
    Route {
        method,
        path,
        body,
        form: None,
        least,
    }
}

/// A page's form post.
fn form(path: &'static str, fields: &[(&'static str, &'static str)], least: &'static str) -> Route {
    Route {
        method: Method::POST,
        path,
        body: None,
        form: Some(fields.to_vec()),
        least: Some(least),
    }
}

const ROLES: [&str; 4] = ["viewer", "responder", "commander", "admin"];

fn rank(role: &str) -> usize {
    ROLES.iter().position(|r| *r == role).expect("a role")
}

fn routes() -> Vec<Route> {
    let silence = json!({
        "matchers": [{"name": "alertname", "value": "Watchdog", "isRegex": false, "isEqual": true}],
        "startsAt": "2026-01-01T00:00:00Z",
        "endsAt": "2036-01-01T00:00:00Z",
        "createdBy": "matrix",
        "comment": "matrix"
    });
    let probe = json!({
        "name": "matrix-probe",
        "kind": "tcp",
        "interval_seconds": 60,
        "tcp": {"address": "127.0.0.1:9"}
    });
    let webhook = json!({
        "version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "csv",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am",
        "truncatedAlerts": 0,
        "alerts": []
    });
    let maintenance = json!({"name": "m", "components": ["nothing"],
        "start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"});
    vec![
        route(
            Method::POST,
            "/api/alerts/0123456789abcdef/ack",
            Some(json!({})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/silences",
            Some(silence),
            Some("responder"),
        ),
        route(
            Method::DELETE,
            "/api/silences/no-such-silence",
            None,
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/alertmanager/webhook",
            Some(webhook),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/alerts/channels/none/test",
            None,
            Some("responder"),
        ),
        route(Method::GET, "/api/notifications", None, Some("viewer")),
        route(
            Method::POST,
            "/api/probes",
            Some(probe.clone()),
            Some("responder"),
        ),
        route(
            Method::PUT,
            "/api/probes/matrix-probe",
            Some(probe),
            Some("responder"),
        ),
        route(
            Method::DELETE,
            "/api/probes/no-such-probe",
            None,
            Some("responder"),
        ),
        route(
            Method::GET,
            "/api/agent/probes?location=matrix",
            None,
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/agent/results",
            Some(json!({"location": "matrix", "results": []})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/maintenance",
            Some(maintenance),
            Some("responder"),
        ),
        route(
            Method::DELETE,
            "/api/maintenance/no-such-window",
            None,
            Some("responder"),
        ),
        route(Method::GET, "/api/users", None, Some("admin")),
        route(
            Method::POST,
            "/api/users",
            Some(json!({"name": "newbie", "role": "viewer", "password": "newbie's long password"})),
            Some("admin"),
        ),
        route(
            Method::PUT,
            "/api/users/spare/role",
            Some(json!({"role": "viewer"})),
            Some("admin"),
        ),
        route(Method::DELETE, "/api/users/leaving", None, Some("admin")),
        route(Method::GET, "/api/tokens", None, Some("admin")),
        route(
            Method::POST,
            "/api/tokens",
            Some(json!({"name": "made-by-matrix"})),
            Some("admin"),
        ),
        route(
            Method::DELETE,
            "/api/tokens/spare-token",
            None,
            Some("admin"),
        ),
        route(Method::GET, "/api/audit", None, Some("admin")),
        route(Method::GET, "/api/session", None, Some("viewer")),
        route(Method::GET, "/api/incidents", None, Some("viewer")),
        route(Method::GET, "/api/incidents/figures", None, Some("viewer")),
        route(Method::GET, "/api/incidents/1", None, Some("viewer")),
        route(
            Method::POST,
            "/api/incidents",
            Some(json!({"title": "matrix", "severity": "SEV3"})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/ack",
            None,
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/state",
            Some(json!({"state": "triaged"})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/severity",
            Some(json!({"severity": "SEV2"})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/roles",
            Some(json!({"role": "sme", "person": "dba"})),
            Some("commander"),
        ),
        route(
            Method::DELETE,
            "/api/incidents/1/roles/sme/nobody",
            None,
            Some("commander"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/notes",
            Some(json!({"text": "a note"})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/updates",
            Some(json!({"visibility": "internal", "body": "in"})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/updates",
            Some(json!({"visibility": "public", "body": "out"})),
            Some("commander"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/steps/diagnosis-1",
            Some(json!({"checked": true})),
            Some("responder"),
        ),
        form(
            "/incidents",
            &[("title", "by form"), ("severity", "SEV4")],
            "responder",
        ),
        form(
            "/incidents/1/notes",
            &[("text", "a form note")],
            "responder",
        ),
        form(
            "/incidents/1/steps",
            &[("step", "diagnosis-2"), ("checked", "true")],
            "responder",
        ),
        form(
            "/incidents/1/updates",
            &[("visibility", "public"), ("body", "form out")],
            "commander",
        ),
        form(
            "/incidents/1/roles",
            &[("role", "on_call"), ("person", "ana")],
            "commander",
        ),
        form(
            "/incidents/1/state",
            &[("state", "diagnosing")],
            "responder",
        ),
        route(Method::GET, "/api/oncall", None, Some("viewer")),
        route(
            Method::POST,
            "/api/oncall/overrides",
            Some(json!({"person": "ana",
            "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z"})),
            Some("commander"),
        ),
        route(
            Method::DELETE,
            "/api/oncall/overrides/999",
            None,
            Some("commander"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/postmortem",
            None,
            Some("commander"),
        ),
        route(
            Method::GET,
            "/api/incidents/1/postmortem",
            None,
            Some("viewer"),
        ),
        route(
            Method::GET,
            "/api/incidents/1/postmortem.md",
            None,
            Some("viewer"),
        ),
        route(
            Method::PUT,
            "/api/incidents/1/postmortem",
            Some(json!({"summary": "s"})),
            Some("commander"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/actions",
            Some(json!({"title": "t", "owner": "o",
            "due_date": "2030-01-01"})),
            Some("commander"),
        ),
        route(Method::GET, "/api/actions", None, Some("viewer")),
        route(
            Method::PUT,
            "/api/actions/1",
            Some(json!({"status": "in_progress"})),
            Some("responder"),
        ),
        route(
            Method::POST,
            "/api/incidents/1/postmortem/publish",
            None,
            Some("commander"),
        ),
        form(
            "/incidents/1/postmortem/edit",
            &[
                ("summary", "by form"),
                ("why1", "why?"),
                ("answer1", "because"),
            ],
            "commander",
        ),
        form(
            "/incidents/1/actions",
            &[
                ("title", "form action"),
                ("owner", "o"),
                ("due_date", "2030-01-01"),
            ],
            "commander",
        ),
        form("/actions/1", &[("status", "done")], "responder"),
        // Last: closing stops every other change.
        route(
            Method::POST,
            "/api/incidents/1/state",
            Some(json!({"state": "closed"})),
            Some("commander"),
        ),
        // Public: the beacon of the app (a bad body is a 4xx, never 401/403).
        route(Method::POST, "/api/rum", Some(json!({})), None),
        route(Method::GET, "/api/status", None, None),
        route(Method::GET, "/api/alerts", None, None),
        route(Method::GET, "/api/probes", None, None),
    ]
}

async fn send(server: &Server, route: &Route, token: Option<&str>) -> (u16, String) {
    let mut request = server
        .client
        .request(route.method.clone(), server.url(route.path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = &route.body {
        request = request.json(body);
    }
    if let Some(fields) = &route.form {
        request = request.form(fields);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn only_the_allowed_roles_pass() {
    let server = Server::start().await;
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((role, server.token(role).await));
    }
    // Targets for the routes that change people and tokens.
    server.add_user("spare", "responder").await;
    server.add_user("leaving", "viewer").await;
    let spare_token = server::auth::tokens::generate().expect("token");
    assert!(
        server
            .store
            .api_tokens()
            .create(
                "spare-token",
                &server::auth::tokens::hash(&spare_token),
                "viewer",
                1
            )
            .await
            .expect("token")
    );
    open_incident_one(&server).await;
    let mut failures = Vec::new();
    for route in routes() {
        let (anonymous, body) = send(&server, &route, None).await;
        match route.least {
            Some(_) if anonymous != 401 => failures.push(format!(
                "{} {} without credentials: {anonymous} {body}",
                route.method, route.path
            )),
            None if anonymous == 401 || anonymous == 403 => failures.push(format!(
                "{} {} is public but answered {anonymous}",
                route.method, route.path
            )),
            _ => {}
        }
        for (role, token) in &tokens {
            let (status, body) = send(&server, &route, Some(token)).await;
            let allowed = route.least.is_none_or(|least| rank(role) >= rank(least));
            let passed = status != 401 && status != 403;
            if allowed != passed {
                failures.push(format!(
                    "{} {} as {role}: {status} {body} (allowed: {allowed})",
                    route.method, route.path
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// With a session, every state-changing route needs the CSRF token, whatever the role.
#[tokio::test]
async fn sessions_without_the_csrf_token_change_nothing() {
    let server = Server::start().await;
    server.add_user("boss", "admin").await;
    open_incident_one(&server).await;
    let session = server.sign_in("boss").await;
    let mut failures = Vec::new();
    for route in routes() {
        if route.least.is_none() || route.method == Method::GET {
            continue;
        }
        let mut request = server.with_session(route.method.clone(), route.path, &session, false);
        if let Some(body) = &route.body {
            request = request.json(body);
        }
        if let Some(fields) = &route.form {
            request = request.form(fields);
        }
        let response = request.send().await.expect("request");
        if response.status() != 403 {
            failures.push(format!(
                "{} {}: {}",
                route.method,
                route.path,
                response.status()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let changes = server
        .store
        .audit()
        .list(&server::storage::AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        changes
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        ["login.success", "incident.open"],
        "nothing but the set-up and the sign-in was done"
    );
}

/// Incident 1, with the Application Down playbook, opened by a commander.
async fn open_incident_one(server: &Server) {
    let token = server::auth::tokens::generate().expect("token");
    assert!(
        server
            .store
            .api_tokens()
            .create(
                "setup-token",
                &server::auth::tokens::hash(&token),
                "commander",
                1
            )
            .await
            .expect("token")
    );
    let response = server
        .client
        .post(server.url("/api/incidents"))
        .bearer_auth(token)
        .json(
            &json!({"title": "the matrix's incident", "severity": "SEV2",
                      "components": ["api"], "playbook": "application-down"}),
        )
        .send()
        .await
        .expect("open");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["id"], 1);
}
