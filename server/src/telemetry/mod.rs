//! Observability: logs and traces (`logging`, `request`), Prometheus metrics (`metrics`), host
//! and process figures (`system`). Metric names and labels are defined in `metrics` only.

pub mod logging;
pub mod metrics;
pub mod request;
pub mod system;
