//! Writing results to stdout: JSON or a readable table; a closed pipe ends quietly.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use super::CliError;

/// Writes `text` to stdout. A reader that went away (`| head -1`) is not an error.
pub fn emit(text: &str) -> Result<(), CliError> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Server(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

pub fn emit_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Server(format!("cannot serialise the result: {e}")))?;
    text.push('\n');
    emit(&text)
}

pub fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

/// A number for people: up to 6 significant digits, `—` when undefined.
pub fn number(value: Option<f64>) -> String {
    match value {
        None => "—".to_string(),
        Some(0.0) => "0".to_string(),
        Some(v) if v.abs() >= 1e-4 && v.abs() < 1e9 => {
            let digits = (6 - 1 - v.abs().log10().floor() as i32).clamp(0, 10) as usize;
            let text = format!("{v:.digits$}");
            if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                text
            }
        }
        Some(v) => format!("{v:.4e}"),
    }
}

/// A p-value: scientific below 0.001.
pub fn p_value(p: f64) -> String {
    if p == 0.0 {
        "0".to_string()
    } else if p < 1e-3 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(Some(12.5)), "12.5");
        assert_eq!(number(Some(1234567.891)), "1234568");
        assert_eq!(number(Some(0.000123456)), "0.000123456");
        assert_eq!(number(Some(3.0)), "3");
        assert_eq!(number(None), "—");
        assert_eq!(number(Some(1e-9)), "1.0000e-9");
        assert_eq!(p_value(0.0001234), "1.23e-4");
        assert_eq!(p_value(0.5), "0.5000");
    }
}
