//! The CSV Analyzer browser app, as a library shared by its two wasm binaries:
//!
//! - `app` (`src/main.rs`): the page — mounts [`app::App`];
//! - `worker` (`src/bin/worker.rs`): the Web Worker that runs every analysis
//!   ([`worker::service`]), driven from the page by [`worker::client::AnalysisWorker`].
//!
//! The page also reports real-user monitoring beacons ([`rum`]).
//!
//! It also compiles natively, so that the workspace's clippy and unit tests cover it.

pub mod app;
pub mod components;
pub mod format;
pub mod i18n;
pub mod pages;
pub mod panic;
pub mod rum;
pub mod worker;
