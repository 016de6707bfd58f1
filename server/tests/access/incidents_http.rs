//! Incidents over HTTP on a real server: the lifecycle through the JSON API with tokens of
//! each role, the figures, public status updates on `/status` (and only those), and the pages'
//! forms with a session: escaping of every text, the CSP, sign-in redirects.

use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use super::{Server, call};

const PAYLOAD: &str = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&";

#[tokio::test]
async fn an_incident_is_worked_from_open_to_closed_through_the_api() {
    let server = Server::start().await;
    let responder = server.token("responder").await;
    let commander = server.token("commander").await;
    let viewer = server.token("viewer").await;

    let (status, opened) = call(
        &server,
        Method::POST,
        "/api/incidents",
        &responder,
        Some(
            json!({"title": "API answers 500", "severity": "SEV2", "components": ["api"],
                    "playbook": "application-down"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let id = opened["id"].as_i64().expect("id");
    assert_eq!(opened["state"], "detected");
    let path = |tail: &str| format!("/api/incidents/{id}{tail}");

    let (status, _) = call(&server, Method::POST, &path("/ack"), &viewer, None).await;
    assert_eq!(status, 403, "a viewer cannot acknowledge");
    let (status, _) = call(&server, Method::POST, &path("/ack"), &responder, None).await;
    assert_eq!(status, 204);
    let (status, again) = call(&server, Method::POST, &path("/ack"), &responder, None).await;
    assert_eq!(status, 409, "{again}");
    for state in ["triaged", "diagnosing"] {
        let (status, body) = call(
            &server,
            Method::POST,
            &path("/state"),
            &responder,
            Some(json!({ "state": state })),
        )
        .await;
        assert_eq!(status, 204, "{state}: {body}");
    }
    let (status, back) = call(
        &server,
        Method::POST,
        &path("/state"),
        &responder,
        Some(json!({"state": "triaged"})),
    )
    .await;
    assert_eq!(status, 409, "the lifecycle does not go back: {back}");
    let (status, _) = call(
        &server,
        Method::POST,
        &path("/steps/diagnosis-1"),
        &responder,
        Some(json!({"checked": true})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &server,
        Method::POST,
        &path("/steps/no-such-step"),
        &responder,
        Some(json!({"checked": true})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        &server,
        Method::POST,
        &path("/updates"),
        &responder,
        Some(json!({"visibility": "public", "body": "We are looking into errors."})),
    )
    .await;
    assert_eq!(status, 403, "public updates are the commander's");
    for (visibility, body) in [
        ("public", "We are looking into errors on the API."),
        (
            "internal",
            "The database pool is exhausted; restarting web.",
        ),
    ] {
        let (status, answer) = call(
            &server,
            Method::POST,
            &path("/updates"),
            &commander,
            Some(json!({"visibility": visibility, "body": body})),
        )
        .await;
        assert_eq!(status, 204, "{answer}");
    }
    let (status, _) = call(
        &server,
        Method::POST,
        &path("/roles"),
        &commander,
        Some(json!({"role": "commander", "person": "carla"})),
    )
    .await;
    assert_eq!(status, 204);

    // The status page shows the public update, not the internal one, and no author.
    let summary: Value = server
        .client
        .get(server.url("/api/status"))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    let incidents = summary["incidents"].as_array().expect("incidents");
    assert_eq!(incidents.len(), 1, "{summary}");
    assert_eq!(incidents[0]["name"], "API answers 500");
    assert_eq!(incidents[0]["status"], "identified");
    assert_eq!(incidents[0]["impact"], "major");
    assert_eq!(
        incidents[0]["incident_updates"][0]["body"],
        "We are looking into errors on the API."
    );
    assert_eq!(
        incidents[0]["incident_updates"].as_array().map(Vec::len),
        Some(1)
    );
    let page = server
        .client
        .get(server.url("/status"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("We are looking into errors on the API."));
    assert!(
        !page.contains("database pool"),
        "internal updates stay internal"
    );

    let (status, _) = call(
        &server,
        Method::POST,
        &path("/state"),
        &responder,
        Some(json!({"state": "resolved"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &server,
        Method::POST,
        &path("/state"),
        &responder,
        Some(json!({"state": "closed"})),
    )
    .await;
    assert_eq!(status, 403, "closing is the commander's");
    let (status, _) = call(
        &server,
        Method::POST,
        &path("/state"),
        &commander,
        Some(json!({"state": "closed"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, closed_note) = call(
        &server,
        Method::POST,
        &path("/severity"),
        &commander,
        Some(json!({"severity": "SEV1"})),
    )
    .await;
    assert_eq!(status, 409, "a closed incident: {closed_note}");

    let (status, detail) = call(&server, Method::GET, &path(""), &viewer, None).await;
    assert_eq!(status, 200);
    let incident = &detail["incident"];
    assert_eq!(incident["state"], "closed");
    assert_eq!(incident["acknowledged_by"], "responder-token");
    assert!(
        incident["time_to_acknowledge_seconds"]
            .as_f64()
            .expect("mtta")
            >= 0.0
    );
    assert!(incident["time_to_resolve_seconds"].as_f64().expect("mttr") >= 0.0);
    let steps = detail["playbook"]["diagnosis"].as_array().expect("steps");
    assert_eq!(steps[0]["checked"], true);
    assert_eq!(steps[1]["checked"], false);
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in [
        "created",
        "acknowledged",
        "state_changed",
        "playbook_step",
        "status_update",
        "role_assigned",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(detail["roles"][0]["person"], "carla");

    let (status, figures) = call(
        &server,
        Method::GET,
        "/api/incidents/figures",
        &viewer,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let sev2 = figures["per_severity"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["severity"] == "SEV2")
        .expect("SEV2")
        .clone();
    assert_eq!(sev2["incidents"], 1);
    assert_eq!(sev2["open_now"], 0);
    assert_eq!(sev2["mtta"]["count"], 1);
    assert_eq!(sev2["mttr"]["count"], 1);
    assert_eq!(figures["per_component"][0]["component"], "api");

    // Every change is in the audit trail under the token that made it.
    let trail = server
        .store
        .audit()
        .list(&server::storage::AuditFilter {
            action: Some("incident.".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("trail");
    assert!(trail.len() >= 10, "{}", trail.len());
    assert!(trail.iter().all(|row| row.target == id.to_string()));
    assert_eq!(trail[0].action, "incident.transition");
    assert_eq!(trail[0].actor, "commander-token");
}

#[tokio::test]
async fn the_pages_escape_every_text_and_need_a_sign_in() {
    let server = Server::start().await;
    server.add_user("rita", "commander").await;

    let anonymous = server
        .client
        .get(server.url("/incidents"))
        .send()
        .await
        .expect("page");
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()[LOCATION], "/login?next=%2Fincidents");

    let session = server.sign_in("rita").await;
    let opened = server
        .with_session(Method::POST, "/incidents", &session, false)
        .form(&[
            ("csrf", session.csrf.as_str()),
            ("title", PAYLOAD),
            ("severity", "SEV1"),
            ("components", &format!("api, {PAYLOAD}")),
            ("playbook", "application-down"),
        ])
        .send()
        .await
        .expect("open");
    assert_eq!(opened.status(), 303);
    let location = opened.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with("/incidents/"), "{location}");
    for (action, fields) in [
        ("postmortem", vec![]),
        (
            "postmortem/edit",
            vec![
                ("summary", PAYLOAD),
                ("impact", PAYLOAD),
                ("why1", PAYLOAD),
                ("answer1", PAYLOAD),
            ],
        ),
        (
            "actions",
            vec![
                ("title", PAYLOAD),
                ("owner", PAYLOAD),
                ("due_date", "2020-01-01"),
            ],
        ),
        ("notes", vec![("text", PAYLOAD)]),
        ("updates", vec![("visibility", "public"), ("body", PAYLOAD)]),
        ("roles", vec![("role", "sme"), ("person", PAYLOAD)]),
        ("steps", vec![("step", "resolution-1"), ("checked", "true")]),
        ("ack", vec![]),
    ] {
        let mut fields = fields;
        fields.push(("csrf", session.csrf.as_str()));
        let response = server
            .with_session(
                Method::POST,
                &format!("{location}/{action}"),
                &session,
                false,
            )
            .form(&fields)
            .send()
            .await
            .expect("form");
        assert_eq!(response.status(), 303, "{action}");
    }
    // A refused change shows the page again with the reason.
    let refused = server
        .with_session(Method::POST, &format!("{location}/state"), &session, false)
        .form(&[("csrf", session.csrf.as_str()), ("state", "detected")])
        .send()
        .await
        .expect("form");
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("role=\"alert\"")
    );

    for path in [location.as_str(), "/incidents", "/status", "/actions"] {
        let response = server
            .with_session(Method::GET, path, &session, false)
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), 200, "{path}");
        let csp = response
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(csp.contains("script-src"), "{path}: {csp}");
        let html = response.text().await.expect("html");
        assert!(!html.contains("<script>alert"), "{path}: raw script");
        assert!(!html.contains("<img src=x"), "{path}: raw img");
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
            "{path}: the payload, escaped"
        );
    }
    let detail = server
        .with_session(Method::GET, &location, &session, false)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(detail.contains("Application Down"), "the playbook is shown");
    assert!(detail.contains("aria-label=\"done\""), "a ticked step");
    assert!(
        detail.contains("name=\"csrf\""),
        "forms carry the CSRF token"
    );
}

/// MTTA and MTTR over time, against values worked out by hand from the chosen instants: two
/// weekly periods, one incident in each.
#[tokio::test]
async fn figures_over_time_follow_the_stored_instants() {
    use server::incidents::{Severity, State};
    use server::storage::incidents::NewIncident;
    let server = Server::start().await;
    let viewer = server.token("viewer").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let day = 24 * 3_600_000;
    let from = now - 14 * day;
    // (detected, acknowledged after, resolved after), seconds after `from`.
    for (title, detected, ack_s, resolve_s) in [
        ("older", from + 2 * day, 120, 3_600),
        ("newer", from + 9 * day, 60, 600),
        ("newer, unresolved", from + 10 * day, 240, 0),
    ] {
        let incidents = server.store.incidents();
        let incident = incidents
            .create(
                &NewIncident {
                    title: title.to_string(),
                    severity: Severity::Sev3,
                    components: vec![],
                    playbook: None,
                    actor: "t".to_string(),
                    detected_ms: detected,
                },
                detected,
            )
            .await
            .expect("create");
        incidents
            .acknowledge(incident.id, "t", detected + ack_s * 1_000)
            .await
            .expect("ack");
        if resolve_s > 0 {
            incidents
                .transition(
                    incident.id,
                    State::Resolved,
                    "t",
                    detected + resolve_s * 1_000,
                )
                .await
                .expect("resolve");
        }
    }
    let from_text = chrono::DateTime::from_timestamp_millis(from)
        .expect("time")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let to_text = chrono::DateTime::from_timestamp_millis(now)
        .expect("time")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let response = server
        .client
        .get(server.url(&format!(
            "/api/incidents/figures?{}",
            serde_urlencoded::to_string([
                ("from", from_text.as_str()),
                ("to", to_text.as_str()),
                ("bucket_days", "7"),
            ])
            .expect("query")
        )))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("figures");
    assert_eq!(response.status(), 200);
    let figures: Value = response.json().await.expect("json");
    let periods = figures["over_time"].as_array().expect("over time");
    assert_eq!(periods.len(), 2, "{figures}");
    assert_eq!(periods[0]["incidents"], 1);
    assert_eq!(periods[0]["mtta_mean_seconds"], 120.0);
    assert_eq!(periods[0]["mttr_mean_seconds"], 3_600.0);
    assert_eq!(periods[1]["incidents"], 2);
    assert_eq!(periods[1]["mtta_mean_seconds"], 150.0, "(60 + 240) / 2");
    assert_eq!(
        periods[1]["mttr_mean_seconds"], 600.0,
        "only the resolved one"
    );
    let sev3 = figures["per_severity"]
        .as_array()
        .expect("severities")
        .iter()
        .find(|f| f["severity"] == "SEV3")
        .expect("SEV3")
        .clone();
    assert_eq!(sev3["incidents"], 3);
    assert_eq!(sev3["mtta"]["mean_seconds"], 140.0, "(120 + 60 + 240) / 3");
    assert_eq!(
        sev3["mttr"]["median_seconds"], 2_100.0,
        "median of 600 and 3600"
    );
    assert_eq!(sev3["open_now"], 1);
    let bad = server
        .client
        .get(server.url("/api/incidents/figures?bucket_days=0"))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("figures");
    assert_eq!(bad.status(), 400);
}
