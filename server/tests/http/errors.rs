//! One error format: unknown `/api` paths and panics answer JSON, never the SPA or a stack trace.

use axum::Router;
use server::http::api_fallback;

use super::{assert_json_error, assert_security_headers, fake_dist, serve, serve_dist};

#[tokio::test]
async fn the_api_fallback_answers_404_json_and_leaves_other_paths_alone() {
    let router: Router = Router::new()
        .merge(api_fallback())
        .fallback(|| async { "the SPA" });
    let server = serve(router).await;
    let client = reqwest::Client::new();
    for path in ["/api", "/api/", "/api/x", "/api/x/y.json"] {
        let response = client.get(server.url(path)).send().await.expect("answer");
        let body = assert_json_error(response, 404, "not_found").await;
        assert_eq!(body["detail"], format!("no API route for GET {path}"));
    }
    let response = client
        .post(server.url("/api/x"))
        .send()
        .await
        .expect("answer");
    assert_json_error(response, 404, "not_found").await;
    let response = client
        .get(server.url("/apix"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.text().await.expect("body"), "the SPA");
}

/// Needs the app's router to merge `http::api_fallback()` (routes/mod.rs).
#[tokio::test]
async fn the_app_answers_unknown_api_paths_with_404_json_not_index_html() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let response = reqwest::get(server.url("/api/no-such-thing"))
        .await
        .expect("answer");
    assert_security_headers(response.headers(), "/api 404");
    assert_json_error(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_panicking_handler_answers_500_json_without_its_message() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let response = reqwest::get(server.url("/test/panic"))
        .await
        .expect("answer");
    let body = assert_json_error(response, 500, "internal").await;
    assert_eq!(body["detail"], serde_json::Value::Null);
    assert!(!body.to_string().contains("secret"));
}
