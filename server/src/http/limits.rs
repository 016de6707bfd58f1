//! Overload protection: a concurrency limit, a per-request timeout and a request-body size limit,
//! all answered with the JSON of [`ApiError`] instead of queuing without bound.
//!
//! - **Concurrency**: at most `max_in_flight` requests are being handled at once. One more is
//!   refused at once with **503** `overloaded` and `Retry-After` (load shedding, not a queue: a
//!   queue would only turn overload into timeouts for everyone). The slot is held until the
//!   handler has produced its response head; streaming a large body afterwards does not hold it.
//! - **Timeout**: a handler that has not produced its response within `timeout` is dropped and
//!   the client gets **503** `timeout` with `Retry-After`. 503 rather than 504: this server is not a
//!   gateway; the condition is its own temporary overload, and 503 + `Retry-After` is what
//!   clients and load balancers already retry on.
//! - **Body size**: a `Content-Length` over `max_body_bytes` is refused with **413**
//!   `payload_too_large` before any handler runs; a body without a length (chunked) is cut off at
//!   the same size while it is read, and the handler's extractor rejection is answered with the
//!   same 413 JSON. The limit is also what axum's body extractors (`Json`, `Bytes`, …) use, instead
//!   of their built-in 2 MB default; a route may lower it with `DefaultBodyLimit::max`, never raise
//!   it above this one.
//!
//! One [`Limits`] value owns one semaphore: every route it is layered on, and every clone of it,
//! share the same `max_in_flight` slots, and [`Limits::in_flight`] reads them for metrics.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use tokio::sync::Semaphore;
use tower::{Layer, Service};
use tower_http::limit::RequestBodyLimit;

use super::error::ApiError;

/// The limits applied to each request; see the module documentation.
#[derive(Debug, Clone)]
pub struct Limits {
    max_in_flight: usize,
    timeout: Duration,
    max_body_bytes: usize,
    retry_after: Duration,
    slots: Arc<Semaphore>,
}

/// Default `Retry-After` for refused requests.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

impl Limits {
    /// At most `max_in_flight` concurrent requests (at least 1), each answered within `timeout`,
    /// with bodies of at most `max_body_bytes`.
    pub fn new(max_in_flight: usize, timeout: Duration, max_body_bytes: usize) -> Self {
        let max_in_flight = max_in_flight.max(1);
        Self {
            max_in_flight,
            timeout,
            max_body_bytes,
            retry_after: DEFAULT_RETRY_AFTER,
            slots: Arc::new(Semaphore::new(max_in_flight)),
        }
    }

    /// The `Retry-After` sent with 503 answers (rounded up to whole seconds, at least 1).
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The configured concurrency limit.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// Requests being handled now (for the saturation gauge: `in_flight / max_in_flight`).
    pub fn in_flight(&self) -> usize {
        self.max_in_flight
            .saturating_sub(self.slots.available_permits())
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The request-body size limit in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

impl<S> Layer<S> for Limits {
    type Service = LimitsService<RequestBodyLimit<<DefaultBodyLimit as Layer<S>>::Service>>;

    fn layer(&self, inner: S) -> Self::Service {
        let extractor_limit = DefaultBodyLimit::max(self.max_body_bytes).layer(inner);
        LimitsService {
            inner: RequestBodyLimit::new(extractor_limit, self.max_body_bytes),
            limits: self.clone(),
        }
    }
}

/// The service made by [`Limits`].
#[derive(Debug, Clone)]
pub struct LimitsService<S> {
    inner: S,
    limits: Limits,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for LimitsService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
    ReqBody: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let limits = self.limits.clone();
        if content_length(&request).is_some_and(|n| n > limits.max_body_bytes) {
            return ready(too_large(&limits));
        }
        let Ok(slot) = limits.slots.clone().try_acquire_owned() else {
            return ready(
                ApiError::Overloaded {
                    retry_after: limits.retry_after,
                }
                .into_response(),
            );
        };
        // `poll_ready` was called on `self.inner`: call that one, keep a fresh clone for next time.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let outcome = tokio::time::timeout(limits.timeout, inner.call(request)).await;
            drop(slot);
            match outcome {
                Err(_elapsed) => Ok(ApiError::Timeout {
                    timeout: limits.timeout,
                    retry_after: limits.retry_after,
                }
                .into_response()),
                Ok(Ok(response)) if response.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    Ok(as_json_413(response, &limits))
                }
                Ok(Ok(response)) => Ok(response.map(Body::new)),
                Ok(Err(error)) => Err(error),
            }
        })
    }
}

fn ready<E: Send + 'static>(response: Response<Body>) -> BoxFuture<Result<Response<Body>, E>> {
    Box::pin(std::future::ready(Ok(response)))
}

fn content_length<B>(request: &Request<B>) -> Option<usize> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large(limits: &Limits) -> Response<Body> {
    ApiError::PayloadTooLarge {
        limit_bytes: limits.max_body_bytes,
    }
    .into_response()
}

/// A 413 from the body limit or from an extractor's rejection (plain text) becomes the JSON one;
/// a handler's own JSON 413 is kept.
fn as_json_413<B>(response: Response<B>, limits: &Limits) -> Response<Body>
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        response.map(Body::new)
    } else {
        too_large(limits)
    }
}
