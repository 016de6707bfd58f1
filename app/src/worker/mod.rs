//! Every analysis runs in a Web Worker, so the page stays responsive.
//!
//! - [`client`]: the page side — [`client::AnalysisWorker`], an async API the pages call.
//! - [`service`]: the worker side — the entry of the `worker` binary.
//! - [`jobs`]: the analyses themselves (reading, hashing, the engine, provenance), written
//!   against a file trait so native tests run them on in-memory files.
//! - [`protocol`]: the message keys and the types both sides parse.
//!
//! # Protocol
//!
//! Messages are plain JS objects. The page posts only the user's `File`s (structured clone:
//! the worker reads them itself, slice by slice) and the options as a JSON string:
//!
//! | direction | message |
//! |---|---|
//! | worker → page, once | `{type: "ready", version}` (the page holds a job back until then) |
//! | page → worker | `{id, kind, files: [File, …], options: "<JSON>"}` |
//! | worker → page | `{id, type: "progress", read, total}` — bytes over all the job's files, at most every 100 ms and 1 % |
//! | worker → page | `{id, type: "done", result: "<JSON>", provenance?: "<JSON>", distributions?: "<JSON>", read_ms, parse_ms}` |
//! | worker → page | `{id, type: "error", code, message, file}` — bad input, a sentence for the user |
//! | worker → page | `{id, type: "panic", message}` — a bug; the page replaces the worker |
//!
//! | kind | files | options | result |
//! |---|---|---|---|
//! | `profile` | input | `ProfileOptions` | `Profile`, with `provenance` |
//! | `drift` | reference, current | `DriftParameters {profile, drift}` | `DriftReport`, with `provenance`; `distributions`: `Vec<ColumnDistribution>` |
//! | `quality` | input, baseline? | `QualityParameters {quality, max_relative_drop}` | `QualityReport`, with `provenance` |
//! | `columns` | input | `ReadOptions` | `ColumnsInfo` (header only; no provenance) |
//! | `hash` | 1 or 2 files | — | `["<sha256 hex>", …]` |
//!
//! The page runs each analysis on one worker and, at the same time, the `hash` job of the same
//! files on a second one (SHA-256 of a large file costs about as much as half the analysis;
//! beside it, on another core, it costs no wall time). When both are done the page fills the
//! hashes into the provenance and writes the file the user exports
//! ([`shared::api::export_json`]): the CLI's `--json` output plus `provenance` (app version,
//! time, each file's role, name, size and SHA-256, the options). Error codes:
//! [`protocol::ErrorCode`]. The worker makes no network request.

pub mod client;
pub mod jobs;
pub mod protocol;
pub mod service;
