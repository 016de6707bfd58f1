//! CSV Analyzer's analysis engine: pure Rust, native and wasm32; no I/O, no clocks, no threads.
//!
//! - [`csv_input`]: sniffing and the push-based CSV reader.
//! - [`profile`]: column profiles (exact, then sketches past a limit).
//! - [`drift`]: reference vs current table (KS, chi-square, PSI, Wasserstein).
//! - [`quality`]: model quality from a label and a prediction column.

pub mod api;
pub mod csv_input;
pub mod drift;
pub mod profile;
pub mod quality;
