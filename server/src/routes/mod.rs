//! HTTP routes, one file per resource.

mod health;
mod static_files;

use axum::Router;
use axum::routing::get;
use tower_http::compression::CompressionLayer;

use crate::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .fallback_service(static_files::service(state.dist_dir()))
        .layer(CompressionLayer::new())
        .with_state(state)
}
