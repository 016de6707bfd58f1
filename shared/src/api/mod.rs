//! Types that cross a boundary of the product: what the app exports, what the app and the
//! server exchange.
//!
//! - [`provenance`]: the envelope of an exported result (app version, files and their hashes,
//!   parameters), around exactly what the CLI prints with `--json`.

pub mod provenance;

pub use provenance::{FileProvenance, FileRole, Provenance, WithProvenance};
