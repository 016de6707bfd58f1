//! Security headers on every kind of answer; the CSP allows exactly the app's inline bootstrap.

use std::time::Duration;

use server::http::security::{HSTS_VALUE, inline_script_hashes};
use server::http::{Hsts, Limits, SecurityHeaders};

use super::{
    BOOTSTRAP, BOOTSTRAP_HASH, Gate, assert_security_headers, bare_router, fake_dist, index_html,
    router, serve, serve_dist, write_dist,
};

#[tokio::test]
async fn html_assets_json_and_errors_all_carry_the_security_headers() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let client = reqwest::Client::new();
    for path in [
        "/",                             // index.html
        "/some/client/route",            // SPA fallback
        "/app-0123456789abcdef.js",      // asset
        "/app-0123456789abcdef_bg.wasm", // asset
        "/main-0123456789abcdef.css",    // asset
        "/healthz",                      // JSON
        "/test/panic",                   // 500 JSON from the panic handler
    ] {
        let response = client.get(server.url(path)).send().await.expect("answer");
        assert_security_headers(response.headers(), path);
    }
    // 405 from the router, 413 from the body limit.
    let response = client
        .delete(server.url("/healthz"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 405);
    assert_security_headers(response.headers(), "405");
    let response = client
        .post(server.url("/test/echo"))
        .body(vec![b'x'; 64 * 1024 + 1])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 413);
    assert_security_headers(response.headers(), "413");
}

#[tokio::test]
async fn refused_requests_carry_the_security_headers_too() {
    let dist = fake_dist();
    let security = SecurityHeaders::from_dist_dir(dist.path(), Hsts::Never).expect("index");
    let limits = Limits::new(1, Duration::from_millis(200), 1024);
    let server = serve(router(dist.path(), limits, security, Gate::default()).await).await;
    let response = reqwest::get(server.url("/test/hang"))
        .await
        .expect("answer");
    assert_eq!(response.status(), 503);
    assert_security_headers(response.headers(), "503 timeout");
}

#[tokio::test]
async fn the_csp_allows_the_bootstrap_script_by_its_hash_and_webassembly() {
    let dist = fake_dist();
    let server = serve_dist(dist.path()).await;
    let response = reqwest::get(server.url("/")).await.expect("answer");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ASCII")
        .to_string();
    assert_eq!(
        csp,
        format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' '{BOOTSTRAP_HASH}'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
    );
    // The page served is the one hashed.
    assert!(response.text().await.expect("body").contains(BOOTSTRAP));
}

#[test]
fn the_hash_is_what_a_browser_computes_for_the_element_text() {
    assert_eq!(inline_script_hashes(&index_html()), vec![BOOTSTRAP_HASH]);
    // HTML parsing turns CRLF into LF before the browser hashes: a CRLF index.html still matches.
    let crlf = index_html().replace('\n', "\r\n");
    assert_eq!(inline_script_hashes(&crlf), vec![BOOTSTRAP_HASH]);
    // Scripts with `src` are allowed by 'self', not hashed; every inline one is.
    let two = format!(
        "<script src=\"/x.js\"></script><script type=\"module\">{BOOTSTRAP}</script>\
         <script>console.log(1)</script>"
    );
    let hashes = inline_script_hashes(&two);
    assert_eq!(hashes.len(), 2);
    assert_eq!(hashes[0], BOOTSTRAP_HASH);
    let csp = SecurityHeaders::from_index_html(&two, Hsts::Never);
    for hash in &hashes {
        assert!(csp.content_security_policy().contains(&format!("'{hash}'")));
    }
}

#[tokio::test]
async fn a_rebuilt_index_is_hashed_when_the_layer_is_built() {
    let dist = tempfile::tempdir().expect("temp dir");
    write_dist(
        dist.path(),
        "<html><head><script>other()</script></head></html>",
    );
    let headers = SecurityHeaders::from_dist_dir(dist.path(), Hsts::Never).expect("index");
    assert!(!headers.content_security_policy().contains(BOOTSTRAP_HASH));
    assert_eq!(
        inline_script_hashes("<script>other()</script>").len(),
        1,
        "one inline script"
    );
    assert!(
        headers
            .content_security_policy()
            .contains(&inline_script_hashes("<script>other()</script>")[0])
    );
    assert!(SecurityHeaders::from_dist_dir(&dist.path().join("missing"), Hsts::Never).is_err());
}

#[tokio::test]
async fn hsts_only_when_the_request_came_over_tls() {
    let dist = fake_dist();
    let client = reqwest::Client::new();
    for (mode, forwarded, expected) in [
        (Hsts::Never, Some("https"), false),
        (Hsts::Always, None, true),
        (Hsts::IfForwardedHttps, Some("https"), true),
        (Hsts::IfForwardedHttps, Some("http"), false),
        (Hsts::IfForwardedHttps, None, false),
    ] {
        let security = SecurityHeaders::from_dist_dir(dist.path(), mode).expect("index");
        let server = serve(bare_router(
            super::roomy_limits(),
            security,
            Gate::default(),
        ))
        .await;
        let mut request = client.post(server.url("/test/echo"));
        if let Some(proto) = forwarded {
            request = request.header("x-forwarded-proto", proto);
        }
        let response = request.body("x").send().await.expect("answer");
        assert_eq!(response.status(), 200);
        let hsts = response.headers().get("strict-transport-security");
        assert_eq!(
            hsts.is_some(),
            expected,
            "{mode:?} with X-Forwarded-Proto {forwarded:?}"
        );
        if let Some(value) = hsts {
            assert_eq!(value, HSTS_VALUE);
        }
    }
}
