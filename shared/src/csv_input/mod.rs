//! Reading CSV: options, dialect sniffing, cell decoding and the push-based record reader.
//!
//! The engine is fed bytes in chunks ([`CsvSource::push`]) so the browser can read a `File`
//! slice by slice and the CLI can read a pipe. Records are parsed by `csv-core`, the
//! push-based parser the `csv` crate is built on.

mod cell;
mod reader;
mod sniff;
mod source;
mod windows_1252;

pub use cell::{
    CellContext, CellValue, KindHint, classify_cell, classify_cell_hinted, format_timestamp_micros,
};
pub use reader::{ReaderEvent, Record, RecordBatch, RecordReader};
pub use sniff::{SniffResult, sniff};
pub use source::{CsvSource, SourceEvent, TableHeader};

use serde::{Deserialize, Serialize};

/// The tokens that mean "no value" when a whole cell (trimmed) equals one of them.
pub const DEFAULT_MISSING_TOKENS: [&str; 7] = ["NA", "N/A", "null", "NULL", "NaN", "nan", "-"];

/// How many bytes from the start of the input are used to guess the dialect.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Leading bytes checked for a NUL byte (binary data, or UTF-16 text): not a CSV.
pub const BINARY_CHECK_BYTES: usize = 64 * 1024;

/// Offset of the first NUL byte among the first [`BINARY_CHECK_BYTES`] of an input, given a
/// chunk of it starting at `offset`; `None` when the chunk is clean or past the window.
pub fn find_binary_byte(chunk: &[u8], offset: u64) -> Option<u64> {
    let window = (BINARY_CHECK_BYTES as u64).saturating_sub(offset) as usize;
    chunk[..chunk.len().min(window)]
        .iter()
        .position(|&b| b == 0)
        .map(|i| offset + i as u64)
}

/// Text encoding of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "windows-1252")]
    Windows1252,
}

/// Decimal separator of numbers in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecimalSeparator {
    Dot,
    Comma,
}

/// What the caller knows about the input; `None` means "detect it".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadOptions {
    /// One of `,` `;` tab `|`, or any other single byte; `None` detects it.
    pub delimiter: Option<u8>,
    /// `None`: comma when the delimiter is `;` and the sample's numbers use it, else dot.
    pub decimal_separator: Option<DecimalSeparator>,
    /// `None`: UTF-8, with any field that is not valid UTF-8 read as Windows-1252.
    pub encoding: Option<TextEncoding>,
    /// Whether the first record names the columns (default true).
    pub has_header: bool,
    /// Cells equal to one of these (after trimming spaces) are missing; empty cells always are.
    pub missing_tokens: Vec<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            delimiter: None,
            decimal_separator: None,
            encoding: None,
            has_header: true,
            missing_tokens: DEFAULT_MISSING_TOKENS
                .iter()
                .map(|t| t.to_string())
                .collect(),
        }
    }
}

/// The dialect actually used to read a file: detected or given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: u8,
    pub decimal_separator: DecimalSeparator,
    /// A forced encoding; `None` is UTF-8 with a per-field Windows-1252 fallback.
    pub forced_encoding: Option<TextEncoding>,
}

/// Turns raw field bytes into text: UTF-8 when valid, otherwise Windows-1252 (or as forced).
pub fn decode_text(bytes: &[u8], forced: Option<TextEncoding>) -> String {
    match forced {
        Some(TextEncoding::Windows1252) => windows_1252::decode(bytes),
        Some(TextEncoding::Utf8) => String::from_utf8_lossy(bytes).into_owned(),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => windows_1252::decode(bytes),
        },
    }
}

/// Printable name of a delimiter byte (`"\t"` for tab).
pub fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "\\t".to_string(),
        other => char::from(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_early_mean_binary() {
        assert_eq!(find_binary_byte(b"PK\x03\x04\0", 0), Some(4));
        assert_eq!(find_binary_byte(b"a,b\n", 0), None);
        assert_eq!(find_binary_byte(b"\0", 10), Some(10));
        assert_eq!(find_binary_byte(b"\0", BINARY_CHECK_BYTES as u64), None);
        let mut late = vec![b'a'; BINARY_CHECK_BYTES];
        late.push(0);
        assert_eq!(find_binary_byte(&late, 0), None);
    }

    #[test]
    fn latin1_bytes_fall_back_to_windows_1252() {
        assert_eq!(decode_text(b"caf\xe9", None), "café");
        assert_eq!(decode_text("café".as_bytes(), None), "café");
        assert_eq!(decode_text(b"\x80", None), "€");
    }
}
