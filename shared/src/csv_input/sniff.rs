//! Guessing the delimiter and the decimal separator from the first bytes of a file.
//!
//! Each candidate delimiter (`,` `;` tab `|`) parses the sample with `csv-core`; the winner is the
//! one whose records most often share the same field count (the header included), then the one
//! with more fields, then the earlier candidate. A sample that was cut mid-file drops its last,
//! possibly incomplete record. When the delimiter is `;`, numbers written `12,5` outnumbering
//! numbers written `12.5` select the decimal comma.

use csv_core::{ReadFieldResult, ReaderBuilder};

use super::DecimalSeparator;

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Records of the sample looked at.
const MAX_RECORDS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SniffResult {
    pub delimiter: u8,
    pub decimal_separator: DecimalSeparator,
}

/// Guesses the dialect of `sample`; `complete` says whether the sample is the whole input.
pub fn sniff(sample: &[u8], complete: bool) -> SniffResult {
    let mut best: Option<(f64, usize, u8)> = None;
    for &delimiter in &CANDIDATES {
        let counts = field_counts(sample, delimiter, complete);
        let Some((mode, share)) = mode_and_share(&counts) else {
            continue;
        };
        if mode < 2 {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_share, best_mode, _)) => {
                share > best_share + 1e-9
                    || ((share - best_share).abs() <= 1e-9 && mode > best_mode)
            }
        };
        if better {
            best = Some((share, mode, delimiter));
        }
    }
    let delimiter = best.map_or(b',', |(_, _, d)| d);
    let decimal_separator = if delimiter == b';' {
        detect_decimal(sample, delimiter, complete)
    } else {
        DecimalSeparator::Dot
    };
    SniffResult {
        delimiter,
        decimal_separator,
    }
}

/// Walks the sample field by field, calling `on_field(field, record_index)` and returning the
/// field count of each complete record.
fn walk(
    sample: &[u8],
    delimiter: u8,
    complete: bool,
    mut on_field: impl FnMut(&[u8]),
) -> Vec<usize> {
    let mut reader = ReaderBuilder::new().delimiter(delimiter).build();
    let mut input = sample;
    let mut field = Vec::with_capacity(64);
    let mut out = [0u8; 256];
    let mut fields_in_record = 0usize;
    let mut counts = Vec::new();
    loop {
        let (result, nin, nout) = reader.read_field(input, &mut out);
        input = &input[nin..];
        field.extend_from_slice(&out[..nout]);
        match result {
            ReadFieldResult::InputEmpty => {
                if !complete {
                    break;
                }
            }
            ReadFieldResult::OutputFull => {}
            ReadFieldResult::Field { record_end } => {
                on_field(&field);
                field.clear();
                fields_in_record += 1;
                if record_end {
                    counts.push(fields_in_record);
                    fields_in_record = 0;
                    if counts.len() >= MAX_RECORDS {
                        break;
                    }
                }
            }
            ReadFieldResult::End => break,
        }
    }
    counts
}

fn field_counts(sample: &[u8], delimiter: u8, complete: bool) -> Vec<usize> {
    walk(sample, delimiter, complete, |_| {})
}

/// The most common field count and the share of records that have it.
fn mode_and_share(counts: &[usize]) -> Option<(usize, f64)> {
    if counts.is_empty() {
        return None;
    }
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let (mut mode, mut mode_len) = (sorted[0], 0usize);
    let mut i = 0;
    while i < sorted.len() {
        let j = i + sorted[i..].iter().take_while(|&&c| c == sorted[i]).count();
        if j - i > mode_len || (j - i == mode_len && sorted[i] > mode) {
            mode = sorted[i];
            mode_len = j - i;
        }
        i = j;
    }
    Some((mode, mode_len as f64 / counts.len() as f64))
}

pub(crate) fn detect_decimal(sample: &[u8], delimiter: u8, complete: bool) -> DecimalSeparator {
    let (mut comma, mut dot) = (0usize, 0usize);
    walk(sample, delimiter, complete, |field| {
        let field = field.trim_ascii();
        match decimal_mark(field) {
            Some(b',') => comma += 1,
            Some(b'.') => dot += 1,
            _ => {}
        }
    });
    if comma > dot {
        DecimalSeparator::Comma
    } else {
        DecimalSeparator::Dot
    }
}

/// The mark of a `[+-]?digits<mark>digits` number.
fn decimal_mark(field: &[u8]) -> Option<u8> {
    let body = match field.first() {
        Some(b'+' | b'-') => &field[1..],
        _ => field,
    };
    let position = body.iter().position(|b| !b.is_ascii_digit())?;
    let mark = body[position];
    let (before, after) = (&body[..position], &body[position + 1..]);
    let is_number = !before.is_empty()
        && !after.is_empty()
        && after.iter().all(u8::is_ascii_digit)
        && matches!(mark, b',' | b'.');
    is_number.then_some(mark)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(sniff(b"a,b,c\n1,2,3\n", true).delimiter, b',');
        assert_eq!(sniff(b"a;b;c\n1;2;3\n", true).delimiter, b';');
        assert_eq!(sniff(b"a\tb\n1\t2\n", true).delimiter, b'\t');
        assert_eq!(sniff(b"a|b\n1|2\n", true).delimiter, b'|');
        assert_eq!(sniff(b"only\n1\n2\n", true).delimiter, b',');
        assert_eq!(sniff(b"", true).delimiter, b',');
    }

    #[test]
    fn quoted_delimiters_do_not_fool_it() {
        let sample = b"name;comment\n\"a\";\"x, y, z\"\n\"b\";\"u, v\"\n";
        assert_eq!(sniff(sample, true).delimiter, b';');
    }

    #[test]
    fn french_decimal_comma_with_semicolons() {
        let result = sniff(b"prix;qte\n12,5;3\n7,25;4\n", true);
        assert_eq!(result.delimiter, b';');
        assert_eq!(result.decimal_separator, DecimalSeparator::Comma);
        let result = sniff(b"prix;qte\n12.5;3\n7.25;4\n", true);
        assert_eq!(result.decimal_separator, DecimalSeparator::Dot);
        // With commas as delimiter there is no decimal comma.
        assert_eq!(
            sniff(b"a,b\n\"1,5\",2\n", true).decimal_separator,
            DecimalSeparator::Dot
        );
    }

    #[test]
    fn a_cut_sample_ignores_its_last_partial_record() {
        let sample = b"a;b\n1;2\n3;4\n5";
        assert_eq!(sniff(sample, false).delimiter, b';');
    }
}
