//! `GET /api/openapi.json`: an OpenAPI 3.1 document that matches what the router answers.
//! Needs the app's router to merge `routes::openapi::router()` (routes/mod.rs).

use serde_json::Value;

use super::{assert_security_headers, fake_dist, serve_dist};

async fn document(base: &super::TestServer) -> Value {
    let response = reqwest::get(base.url("/api/openapi.json"))
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_security_headers(response.headers(), "/api/openapi.json");
    response.json().await.expect("a JSON document")
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_the_probes() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let doc = document(&server).await;
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3.1."), "{version}");
    assert!(doc["info"]["title"].is_string());
    let health = &doc["paths"]["/healthz"]["get"];
    assert!(health.is_object(), "GET /healthz is documented");
    assert_eq!(
        health["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Health"
    );
    let schemas = &doc["components"]["schemas"];
    for name in ["Health", "ErrorBody", "ErrorCode"] {
        assert!(schemas[name].is_object(), "schema {name}");
    }
    assert_eq!(
        schemas["Health"]["required"],
        serde_json::json!(["status", "version"])
    );
}

#[tokio::test]
async fn every_operation_documents_the_limits_answers() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let doc = document(&server).await;
    let paths = doc["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            for status in ["413", "503"] {
                let schema = &operation["responses"][status]["content"]["application/json"]["schema"]
                    ["$ref"];
                // `/readyz` documents its own 503 (not ready) with its own body.
                let own = path == "/readyz" && status == "503";
                let expected = if own {
                    "#/components/schemas/Readiness"
                } else {
                    "#/components/schemas/ErrorBody"
                };
                assert_eq!(schema, expected, "{method} {path} {status}");
            }
        }
    }
}

/// Guards against a documented path that is not routed (or routed elsewhere): every documented
/// GET without parameters answers with one of its documented statuses.
#[tokio::test]
async fn every_documented_get_is_routed_and_answers_a_documented_status() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let doc = document(&server).await;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        let response = reqwest::get(server.url(path)).await.expect("answer");
        let status = response.status().as_u16().to_string();
        assert!(
            get["responses"].get(&status).is_some(),
            "GET {path} answered {status}, not documented"
        );
        if status == "200" {
            let media_type = response.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .to_string();
            assert!(
                get["responses"]["200"]["content"]
                    .get(&media_type)
                    .is_some(),
                "{path} answered {media_type}, not its documented content type"
            );
        }
    }
}

#[tokio::test]
async fn the_probe_operations_are_documented_with_their_token() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let doc = document(&server).await;
    let scheme = &doc["components"]["securitySchemes"]["api_token"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    let token = serde_json::json!([{"api_token": []}]);
    let paths = &doc["paths"];
    for (path, method) in [
        ("/api/probes", "post"),
        ("/api/probes/{id}", "put"),
        ("/api/probes/{id}", "delete"),
    ] {
        let operation = &paths[path][method];
        assert_eq!(operation["security"], token, "{method} {path}");
        assert!(operation["responses"]["401"].is_object(), "{method} {path}");
    }
    for (path, method) in [
        ("/api/probes", "get"),
        ("/api/probes/{id}", "get"),
        ("/api/probes/{id}/results", "get"),
    ] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path}");
        assert!(
            operation.get("security").is_none(),
            "{method} {path} is public"
        );
    }
    assert_eq!(
        paths["/api/probes/{id}/results"]["get"]["responses"]["400"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    let codes = doc["components"]["schemas"]["ErrorCode"].to_string();
    assert!(
        codes.contains("unauthorized") && codes.contains("conflict"),
        "{codes}"
    );
}

/// Every `$ref` anywhere in `value`, with where it was found.
fn refs<'a>(value: &'a Value, at: String, found: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(target) = child.as_str() {
                        found.push((at.clone(), target));
                    }
                } else {
                    refs(child, format!("{at}/{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                refs(child, format!("{at}/{index}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_reference_in_the_document_names_a_defined_schema() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let doc = document(&server).await;
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(found.len() > 100, "only {} references", found.len());
    for (at, target) in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{at}: {target} is not a component schema"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{at}: {target} is not defined"
        );
    }
}

/// The closed vocabularies of the incident and access API, as the issue and docs/incidents.md
/// name them, are enums in the document, so clients (and schemathesis) know the valid values.
#[tokio::test]
async fn the_incident_and_access_vocabularies_are_enums() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let doc = document(&server).await;
    let schemas = &doc["components"]["schemas"];
    let expected = [
        ("IncidentSeverity", vec!["SEV1", "SEV2", "SEV3", "SEV4"]),
        (
            "IncidentState",
            vec![
                "detected",
                "notified",
                "triaged",
                "diagnosing",
                "resolved",
                "closed",
            ],
        ),
        ("IncidentRole", vec!["on_call", "commander", "sme"]),
        ("Visibility", vec!["public", "internal"]),
        (
            "ActionStatus",
            vec!["open", "in_progress", "done", "cancelled"],
        ),
        ("PostmortemStatus", vec!["draft", "published"]),
        (
            "AccessRole",
            vec!["viewer", "responder", "commander", "admin"],
        ),
    ];
    for (name, values) in expected {
        assert_eq!(schemas[name]["enum"], serde_json::json!(values), "{name}");
    }
    let reference = |schema: &Value| schema.to_string();
    for (body, field, target) in [
        ("NewIncidentBody", "severity", "IncidentSeverity"),
        ("StateBody", "state", "IncidentState"),
        ("UpdateBody", "visibility", "Visibility"),
        ("IncidentView", "state", "IncidentState"),
        ("NewUser", "role", "AccessRole"),
        ("ActionView", "status", "ActionStatus"),
    ] {
        let property = &schemas[body]["properties"][field];
        assert!(
            reference(property).contains(&format!("#/components/schemas/{target}")),
            "{body}.{field} is {property}"
        );
    }
    // Two request bodies once shared a component name, so one route documented the other's.
    let body_of = |path: &str, method: &str| {
        let target = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has a JSON body"))
            .trim_start_matches("#/components/schemas/")
            .to_string();
        schemas[target.as_str()].clone()
    };
    let assign = body_of("/api/incidents/{id}/roles", "post");
    assert!(
        reference(&assign["properties"]["role"]).contains("IncidentRole"),
        "{assign}"
    );
    assert!(assign["properties"]["person"].is_object(), "{assign}");
    let user_role = body_of("/api/users/{name}/role", "put");
    assert!(
        reference(&user_role["properties"]["role"]).contains("AccessRole"),
        "{user_role}"
    );
    let list = doc["paths"]["/api/incidents"]["get"]["parameters"]
        .as_array()
        .expect("the list's parameters");
    let limit = list
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("a limit parameter");
    assert_eq!(limit["schema"]["minimum"], 1, "{limit}");
    assert_eq!(limit["schema"]["maximum"], 500, "{limit}");
}

/// Two `ToSchema` types with the same name are one component in the document: the last one
/// registered wins, and the other's operations are documented with the wrong schema (it
/// happened twice: two `RoleBody` bodies, then the alert and incident `Severity`). The names
/// are read from the source, where the collision is, since the document only shows the winner.
#[test]
fn no_two_schema_types_share_a_component_name() {
    let item = regex::Regex::new(
        r"#\[derive\(([^\]]*)\)\]((?:\s*(?:///[^\n]*|#\[[^\n]*\]))*)\s*pub(?:\([a-z]+\))? (?:struct|enum) (\w+)",
    )
    .expect("regex");
    let derive = regex::Regex::new(r"#\[derive\([^\]]*\bToSchema\b").expect("regex");
    let rename = regex::Regex::new(r"schema\([^\n]*\bas = (?:[\w:]+::)?(\w+)").expect("regex");
    let mut names: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut derives = 0;
    let mut pending = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            derives += derive.find_iter(&text).count();
            for found in item.captures_iter(&text) {
                if !found[1].contains("ToSchema") {
                    continue;
                }
                let name = rename
                    .captures(&found[2])
                    .map_or_else(|| found[3].to_string(), |c| c[1].to_string());
                names
                    .entry(name)
                    .or_default()
                    .push(format!("{} ({})", &found[3], path.display()));
            }
        }
    }
    let seen: usize = names.values().map(Vec::len).sum();
    assert!(seen > 50, "only {seen} schema types found");
    assert_eq!(
        seen, derives,
        "every `derive(ToSchema)` is read (an attribute the pattern does not know hides one)"
    );
    for (name, types) in names {
        assert_eq!(types.len(), 1, "component `{name}` is defined by {types:?}");
    }
}
