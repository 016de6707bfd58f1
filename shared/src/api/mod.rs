//! Types that cross a boundary of the product: what the app exports, what the app and the
//! server exchange.
//!
//! - [`provenance`]: the envelope of an exported result (app version, files and their hashes,
//!   parameters), around exactly what the CLI prints with `--json`.
//! - [`model_report`]: the summary figures of a quality or drift analysis that the user
//!   publishes to `POST /api/model-reports` (for the alert rules).
//! - [`rum`]: the real-user-monitoring beacon the app sends to `POST /api/rum`.
//! - [`rum_summary`]: what the server answers on `GET /api/rum/config` and
//!   `GET /api/rum/summary`.

pub mod model_report;
pub mod provenance;
pub mod rum;
pub mod rum_summary;

pub use provenance::{FileProvenance, FileRole, Provenance, WithProvenance, export_json};
