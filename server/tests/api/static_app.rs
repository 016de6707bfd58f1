use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

use super::{fake_dist, spawn_server};

#[tokio::test]
async fn health_answers_json() {
    let dist = fake_dist();
    let base = spawn_server(dist.path()).await;
    let response = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn the_app_is_served_with_a_spa_fallback_and_never_cached() {
    let dist = fake_dist();
    let base = spawn_server(dist.path()).await;
    for path in ["/", "/drift", "/some/client/route"] {
        let response = reqwest::get(format!("{base}{path}"))
            .await
            .expect("response");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap_or("")
                .starts_with("text/html")
        );
        assert!(
            response
                .text()
                .await
                .unwrap_or_default()
                .contains("CSV Analyzer")
        );
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_compressed() {
    let dist = fake_dist();
    let base = spawn_server(dist.path()).await;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{base}/app-0123456789abcdef.js"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    let wasm = client
        .get(format!("{base}/app-0123456789abcdef_bg.wasm"))
        .send()
        .await
        .expect("response");
    assert_eq!(wasm.headers()[CONTENT_TYPE], "application/wasm");
    let favicon = client
        .get(format!("{base}/favicon.svg"))
        .send()
        .await
        .expect("response");
    assert_eq!(favicon.headers()[CACHE_CONTROL], "public, max-age=3600");
}
