//! The built app (`dist/`): files as they are, any other path falls back to `index.html`
//! (client-side routes). Trunk's hashed assets are cached for a year; `index.html` never is.

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use axum::middleware::{self, Next};
use axum::routing::MethodRouter;
use axum::routing::get_service;
use tower::ServiceBuilder;
use tower_http::services::{ServeDir, ServeFile};

pub fn service(dist: &Path) -> MethodRouter {
    let index = dist.join("index.html");
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(index));
    get_service(
        ServiceBuilder::new()
            .layer(middleware::from_fn(cache_headers))
            .service(files),
    )
}

async fn cache_headers(request: Request<Body>, next: Next) -> Response<Body> {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if is_html || !response.status().is_success() {
        "no-cache"
    } else if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// Trunk names assets `name-<16 hex digits>.ext`.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn trunk_hashes_are_recognised() {
        assert!(is_hashed_asset("/app-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/app-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/favicon.svg"));
        assert!(!is_hashed_asset("/index.html"));
    }
}
