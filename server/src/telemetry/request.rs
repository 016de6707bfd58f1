//! Per-request context: a request id, the W3C trace context, one span, and one log line.
//!
//! - `x-request-id`: taken from the request when it is a safe token (≤ 64 of `[A-Za-z0-9._-]`),
//!   else a new UUID; echoed on the response.
//! - `traceparent`: honoured, so a browser request and the server's span share one trace; when
//!   traces are exported (OTLP) the span is a child of the incoming one. The trace id is always
//!   logged — from the span, the header, or a new random one.
//! - One JSON log line per request: request id, trace id, method, route template, status,
//!   latency. Never headers, cookies, query strings or bodies.
//! - The golden signals: when metrics are on, the same pass counts and times the request
//!   ([`Metrics::start_request`]) — one layer, so measuring costs as little as possible.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::trace::TraceContextExt;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::metrics::{Metrics, RouteLabel};

pub const REQUEST_ID_HEADER: &str = "x-request-id";
pub const TRACE_ID_HEADER: &str = "x-trace-id";

/// The middleware: `axum::middleware::from_fn_with_state(metrics, request_context)` added with
/// `Router::layer` (so `MatchedPath` is known); `metrics` is `None` when they are turned off.
pub async fn request_context(
    State(metrics): State<Option<Arc<Metrics>>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let matched = request.extensions().get::<MatchedPath>();
    let tracker = metrics
        .as_ref()
        .map(|m| m.start_request(matched.map(MatchedPath::as_str), request.method()));
    let request_id = request_id(request.headers());
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "static".to_string(), |p| p.as_str().to_string());
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(request.headers()))
    });
    let span = tracing::info_span!(
        "http_request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
        request_id = %request_id,
    );
    let _ = span.set_parent(parent.clone());
    let trace_id = trace_id(&span, &parent);
    let mut response = next.run(request).instrument(span.clone()).await;
    if let Some(tracker) = tracker {
        tracker.finish(
            response.status(),
            response.extensions().get::<RouteLabel>().copied(),
        );
    }
    let status = response.status().as_u16();
    span.record("http.response.status_code", status);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        parent: &span,
        request_id = %request_id,
        trace_id = %trace_id,
        method = %method,
        route = %route,
        status,
        latency_ms,
        "request"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    if let Ok(value) = HeaderValue::from_str(&trace_id) {
        headers.insert(TRACE_ID_HEADER, value);
    }
    response
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string)
}

/// The trace id of the span when traces are recorded, else of the incoming `traceparent`,
/// else a new random one (32 lowercase hex digits).
fn trace_id(span: &tracing::Span, parent: &opentelemetry::Context) -> String {
    let own = span.context().span().span_context().trace_id();
    if own != opentelemetry::trace::TraceId::INVALID {
        return own.to_string();
    }
    let incoming = parent.span().span_context().trace_id();
    if incoming != opentelemetry::trace::TraceId::INVALID {
        return incoming.to_string();
    }
    uuid::Uuid::new_v4().simple().to_string()
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl opentelemetry::propagation::Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_kept_only_when_safe() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("abc-123_x.y"));
        assert_eq!(request_id(&headers), "abc-123_x.y");
        headers.insert(
            REQUEST_ID_HEADER,
            HeaderValue::from_static("bad id\"<script>"),
        );
        let generated = request_id(&headers);
        assert_eq!(generated.len(), 36, "{generated}");
    }

    #[test]
    fn an_incoming_traceparent_gives_the_trace_id() {
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        let parent = opentelemetry::global::get_text_map_propagator(|p| {
            p.extract(&HeaderExtractor(&headers))
        });
        let span = tracing::Span::none();
        assert_eq!(trace_id(&span, &parent), "4bf92f3577b34da6a3ce929d0e0e4736");
        let empty = opentelemetry::Context::new();
        assert_eq!(trace_id(&span, &empty).len(), 32);
    }
}
