//! Reading a browser `File` in slices and pushing them into the streaming [`Profiler`].
//!
//! Each slice is read with `Blob.slice` + `arrayBuffer`, and the task yields to the event loop
//! between slices so the page stays responsive and the progress bar repaints.

use std::sync::Arc;

use gloo_timers::future::TimeoutFuture;
use js_sys::Uint8Array;
use shared::csv_input::find_binary_byte;
use shared::profile::{Profile, ProfileOptions, Profiler};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

/// Bytes read per slice.
pub const SLICE_BYTES: u64 = 1024 * 1024;

/// Why a file could not be profiled, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Empty,
    Binary,
    Browser(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Empty => f.write_str("The file is empty."),
            ReadError::Binary => f.write_str(
                "This does not look like a CSV file: it contains NUL bytes, so it is binary \
                 (or UTF-16 text). Save it as UTF-8 or Windows-1252 CSV and try again.",
            ),
            ReadError::Browser(detail) => {
                write!(f, "The browser could not read the file: {detail}")
            }
        }
    }
}

/// How a read ended, when it did not fail.
pub enum Outcome {
    Profiled(Arc<Profile>),
    Cancelled,
}

/// Reads `file` slice by slice into a [`Profiler`]. `on_progress` gets the bytes read so far
/// after each slice; `keep_going` is asked before each slice and a `false` cancels the read.
pub async fn profile_file(
    file: &File,
    on_progress: impl Fn(u64),
    keep_going: impl Fn() -> bool,
) -> Result<Outcome, ReadError> {
    let total = file.size() as u64;
    if total == 0 {
        return Err(ReadError::Empty);
    }
    let mut profiler = Profiler::new(ProfileOptions::default());
    let mut offset = 0;
    while offset < total {
        if !keep_going() {
            return Ok(Outcome::Cancelled);
        }
        let end = (offset + SLICE_BYTES).min(total);
        let bytes = read_slice(file, offset, end).await?;
        if find_binary_byte(&bytes, offset).is_some() {
            return Err(ReadError::Binary);
        }
        profiler.push(&bytes);
        offset = end;
        on_progress(offset);
        // A macrotask boundary: lets the browser paint and handle a click on Cancel.
        TimeoutFuture::new(0).await;
    }
    if !keep_going() {
        return Ok(Outcome::Cancelled);
    }
    Ok(Outcome::Profiled(Arc::new(
        profiler.finish().into_profile(),
    )))
}

async fn read_slice(file: &File, start: u64, end: u64) -> Result<Vec<u8>, ReadError> {
    let blob = file
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(browser_error)?;
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(browser_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

fn browser_error(error: JsValue) -> ReadError {
    let detail = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned());
    ReadError::Browser(detail)
}
