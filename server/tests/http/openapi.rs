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
