//! The engine behind a wasm-bindgen function, for measuring its single-threaded throughput in a
//! JavaScript engine (V8 under Node) without a browser: `bash bench/wasm/run.sh FILE`.

use shared::profile::{ProfileOptions, Profiler};
use wasm_bindgen::prelude::wasm_bindgen;

/// Profiles `bytes` pushed in `chunk`-byte slices; returns the row count.
#[wasm_bindgen]
pub fn profile_rows(bytes: &[u8], chunk: usize) -> f64 {
    let mut profiler = Profiler::new(ProfileOptions::default());
    for piece in bytes.chunks(chunk.max(1)) {
        profiler.push(piece);
    }
    profiler.finish().profile().rows as f64
}
