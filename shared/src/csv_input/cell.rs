//! What one cell holds: missing, a number, a boolean, a date-time or text.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::DecimalSeparator;

/// Everything needed to read a cell, fixed once the dialect is known.
#[derive(Debug, Clone)]
pub struct CellContext {
    pub decimal_separator: DecimalSeparator,
    missing_tokens: Vec<Vec<u8>>,
    longest_token: usize,
    /// `token_starts[b]`: some token starts with byte `b` (a quick no for most cells).
    token_starts: [bool; 256],
}

impl CellContext {
    pub fn new(decimal_separator: DecimalSeparator, missing_tokens: &[String]) -> Self {
        let missing_tokens: Vec<Vec<u8>> = missing_tokens
            .iter()
            .map(|token| token.trim().as_bytes().to_vec())
            .filter(|token| !token.is_empty())
            .collect();
        let longest_token = missing_tokens.iter().map(Vec::len).max().unwrap_or(0);
        let mut token_starts = [false; 256];
        for token in &missing_tokens {
            token_starts[usize::from(token[0])] = true;
        }
        Self {
            decimal_separator,
            missing_tokens,
            longest_token,
            token_starts,
        }
    }

    #[inline]
    fn is_missing_token(&self, cell: &[u8]) -> bool {
        cell.len() <= self.longest_token
            && self.token_starts[usize::from(cell[0])]
            && self.missing_tokens.iter().any(|t| t == cell)
    }
}

/// A cell, read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellValue<'a> {
    Missing,
    /// An integer written without a fraction or exponent (kept as f64: exact below 2^53).
    Integer(f64),
    Float(f64),
    Boolean(bool),
    /// Microseconds since 1970-01-01T00:00:00 (UTC when the cell had an offset).
    DateTime(i64),
    /// The cell's raw bytes, untrimmed.
    Text(&'a [u8]),
}

/// Reads one cell. Numbers and date-times are recognised after trimming ASCII spaces; text
/// keeps the cell exactly as written.
pub fn classify_cell<'a>(raw: &'a [u8], ctx: &CellContext) -> CellValue<'a> {
    let cell = raw.trim_ascii();
    let Some(&first) = cell.first() else {
        return CellValue::Missing;
    };
    if ctx.is_missing_token(cell) {
        return CellValue::Missing;
    }
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        if is_zero_padded(cell) {
            // `0456`, `007`: an identifier (postal code, product code), not a quantity.
            return CellValue::Text(raw);
        }
        if let Some(value) = parse_integer(cell) {
            return CellValue::Integer(value);
        }
        if looks_like_date(cell)
            && let Some(micros) = parse_datetime(cell)
        {
            return CellValue::DateTime(micros);
        }
        if let Some(value) = parse_float(cell, ctx.decimal_separator) {
            return CellValue::Float(value);
        }
        return CellValue::Text(raw);
    }
    if cell.len() <= 5 {
        if cell.eq_ignore_ascii_case(b"true") {
            return CellValue::Boolean(true);
        }
        if cell.eq_ignore_ascii_case(b"false") {
            return CellValue::Boolean(false);
        }
    }
    CellValue::Text(raw)
}

/// What a column has held so far, to try the likely reading of a cell first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindHint {
    Unknown,
    Integer,
    Float,
    DateTime,
}

/// [`classify_cell`] with a fast path for the kind the column has held so far. Whenever the
/// fast path answers, [`classify_cell`] would have given the same value (a whole number read as
/// `Float` only happens in a column that already holds floats, so its kind is float either way).
#[inline]
pub fn classify_cell_hinted<'a>(raw: &'a [u8], ctx: &CellContext, hint: KindHint) -> CellValue<'a> {
    let cell = raw.trim_ascii();
    if let Some(&first) = cell.first()
        && !ctx.is_missing_token(cell)
    {
        match hint {
            KindHint::Float if ctx.decimal_separator == DecimalSeparator::Dot => {
                let leading_zero = first == b'0' && cell.get(1).is_some_and(u8::is_ascii_digit);
                if (first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.'))
                    && !leading_zero
                    && let Ok(value) = fast_float2::parse::<f64, _>(cell)
                    && value.is_finite()
                {
                    return CellValue::Float(value);
                }
            }
            KindHint::Integer => {
                if !is_zero_padded(cell)
                    && let Some(value) = parse_integer(cell)
                {
                    return CellValue::Integer(value);
                }
            }
            KindHint::DateTime => {
                if looks_like_date(cell)
                    && let Some(micros) = plain_datetime(cell)
                {
                    return CellValue::DateTime(micros);
                }
            }
            _ => {}
        }
    }
    classify_cell(raw, ctx)
}

/// `[+-]?0[0-9]+`: an integer written with leading zeros.
#[inline]
fn is_zero_padded(cell: &[u8]) -> bool {
    let digits = match cell[0] {
        b'+' | b'-' => &cell[1..],
        _ => cell,
    };
    digits.len() > 1 && digits[0] == b'0' && digits.iter().all(u8::is_ascii_digit)
}

/// `[+-]?[0-9]+`, up to 18 digits so it fits i64 exactly.
#[inline]
fn parse_integer(cell: &[u8]) -> Option<f64> {
    let (negative, digits) = match cell[0] {
        b'-' => (true, &cell[1..]),
        b'+' => (false, &cell[1..]),
        _ => (false, cell),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + i64::from(digit);
    }
    Some(if negative { -value } else { value } as f64)
}

/// A finite decimal number, with `,` as the decimal mark when the dialect says so.
fn parse_float(cell: &[u8], decimal: DecimalSeparator) -> Option<f64> {
    // Callers checked the first byte (a digit, sign or dot), so `inf`, `nan` and friends never
    // get here; fast-float accepts nothing but decimal syntax after that.
    let value: f64 = match decimal {
        DecimalSeparator::Dot => fast_float2::parse(cell).ok()?,
        DecimalSeparator::Comma => {
            // A dot is not a decimal mark here: `12.5` is text in a decimal-comma file.
            if cell.contains(&b'.') {
                return None;
            }
            let mut buffer = [0u8; 64];
            if cell.len() > buffer.len() {
                return None;
            }
            for (slot, &b) in buffer.iter_mut().zip(cell) {
                *slot = if b == b',' { b'.' } else { b };
            }
            fast_float2::parse(&buffer[..cell.len()]).ok()?
        }
    };
    value.is_finite().then_some(value)
}

fn looks_like_date(cell: &[u8]) -> bool {
    cell.len() >= 10
        && cell[4] == b'-'
        && cell[7] == b'-'
        && cell[..4].iter().all(u8::is_ascii_digit)
        && cell[5..7].iter().all(u8::is_ascii_digit)
        && cell[8..10].iter().all(u8::is_ascii_digit)
}

/// ISO 8601 / RFC 3339 dates and date-times: `2024-03-01`, `2024-03-01T12:30[:45[.123]]`,
/// with `T` or a space, optionally followed by `Z` or an offset.
fn parse_datetime(cell: &[u8]) -> Option<i64> {
    if let Some(micros) = plain_datetime(cell) {
        return Some(micros);
    }
    let text = std::str::from_utf8(cell).ok()?;
    if text.len() == 10 {
        let date = text.parse::<NaiveDate>().ok()?;
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros());
    }
    let mut buffer = [0u8; 40];
    if cell.len() > buffer.len() {
        return None;
    }
    buffer[..cell.len()].copy_from_slice(cell);
    if buffer[10] == b' ' {
        buffer[10] = b'T';
    }
    let text = std::str::from_utf8(&buffer[..cell.len()]).ok()?;
    if let Ok(naive) = text.parse::<NaiveDateTime>() {
        return Some(naive.and_utc().timestamp_micros());
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M") {
        return Some(naive.and_utc().timestamp_micros());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|dt| dt.timestamp_micros())
}

/// Fast path for the most common spellings, `YYYY-MM-DD` and `YYYY-MM-DD[T ]HH:MM:SS`: digits
/// are picked out here, chrono validates the calendar and does the arithmetic.
#[inline]
fn plain_datetime(cell: &[u8]) -> Option<i64> {
    fn number(digits: &[u8]) -> Option<u32> {
        digits.iter().try_fold(0u32, |acc, &b| {
            let d = b.wrapping_sub(b'0');
            (d <= 9).then(|| acc * 10 + u32::from(d))
        })
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(&cell[0..4])?).ok()?,
        number(&cell[5..7])?,
        number(&cell[8..10])?,
    )?;
    let time = match cell.len() {
        10 => chrono::NaiveTime::MIN,
        19 if matches!(cell[10], b'T' | b' ') && cell[13] == b':' && cell[16] == b':' => {
            chrono::NaiveTime::from_hms_opt(
                number(&cell[11..13])?,
                number(&cell[14..16])?,
                number(&cell[17..19])?,
            )?
        }
        _ => return None,
    };
    Some(NaiveDateTime::new(date, time).and_utc().timestamp_micros())
}

/// Renders a timestamp the way the profile reports it: ISO 8601, no offset, seconds always,
/// fractional seconds only when present.
pub fn format_timestamp_micros(micros: i64) -> String {
    match DateTime::from_timestamp_micros(micros) {
        Some(dt) => {
            let naive = dt.naive_utc();
            if micros % 1_000_000 == 0 {
                naive.format("%Y-%m-%dT%H:%M:%S").to_string()
            } else {
                naive.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
            }
        }
        None => micros.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_input::DEFAULT_MISSING_TOKENS;

    fn ctx(decimal: DecimalSeparator) -> CellContext {
        let tokens: Vec<String> = DEFAULT_MISSING_TOKENS
            .iter()
            .map(|t| t.to_string())
            .collect();
        CellContext::new(decimal, &tokens)
    }

    #[test]
    fn cells_are_classified() {
        let dot = ctx(DecimalSeparator::Dot);
        assert_eq!(classify_cell(b"", &dot), CellValue::Missing);
        assert_eq!(classify_cell(b"  ", &dot), CellValue::Missing);
        for token in DEFAULT_MISSING_TOKENS {
            assert_eq!(classify_cell(token.as_bytes(), &dot), CellValue::Missing);
        }
        assert_eq!(classify_cell(b" 42 ", &dot), CellValue::Integer(42.0));
        assert_eq!(classify_cell(b"-7", &dot), CellValue::Integer(-7.0));
        assert_eq!(classify_cell(b"12.5", &dot), CellValue::Float(12.5));
        assert_eq!(classify_cell(b"1e3", &dot), CellValue::Float(1000.0));
        assert_eq!(classify_cell(b"12,5", &dot), CellValue::Text(b"12,5"));
        assert_eq!(classify_cell(b"inf", &dot), CellValue::Text(b"inf"));
        assert_eq!(classify_cell(b"1e999", &dot), CellValue::Text(b"1e999"));
        assert_eq!(classify_cell(b"TRUE", &dot), CellValue::Boolean(true));
        assert_eq!(classify_cell(b"false", &dot), CellValue::Boolean(false));
        assert_eq!(classify_cell(b"abc", &dot), CellValue::Text(b"abc"));
        assert_eq!(classify_cell(b"--", &dot), CellValue::Text(b"--"));
        assert_eq!(classify_cell(b"0456", &dot), CellValue::Text(b"0456"));
        assert_eq!(classify_cell(b"0", &dot), CellValue::Integer(0.0));
        assert_eq!(classify_cell(b"0.5", &dot), CellValue::Float(0.5));
    }

    #[test]
    fn hinted_reads_agree_with_plain_ones() {
        let dot = ctx(DecimalSeparator::Dot);
        let cells: [&[u8]; 22] = [
            b"",
            b" ",
            b"NA",
            b"-",
            b"42",
            b" 7 ",
            b"-3",
            b"+5",
            b"0",
            b"007",
            b"12.5",
            b"-0.5",
            b".5",
            b"1e3",
            b"1e999",
            b"-inf",
            b"nan",
            b"2024-03-01",
            b"2024-03-01T01:02:03",
            b"2024-02-30",
            b"abc",
            b"00.5",
        ];
        for cell in cells {
            let plain = classify_cell(cell, &dot);
            for hint in [KindHint::Unknown, KindHint::Integer, KindHint::DateTime] {
                assert_eq!(
                    classify_cell_hinted(cell, &dot, hint),
                    plain,
                    "{cell:?} {hint:?}"
                );
            }
            let float = classify_cell_hinted(cell, &dot, KindHint::Float);
            match (plain, float) {
                (CellValue::Integer(a), CellValue::Float(b)) => assert_eq!(a, b),
                (a, b) => assert_eq!(a, b, "{cell:?}"),
            }
        }
    }

    #[test]
    fn decimal_comma_is_read_when_asked() {
        let comma = ctx(DecimalSeparator::Comma);
        assert_eq!(classify_cell(b"12,5", &comma), CellValue::Float(12.5));
        assert_eq!(classify_cell(b"-0,25", &comma), CellValue::Float(-0.25));
        assert_eq!(classify_cell(b"12.5", &comma), CellValue::Text(b"12.5"));
        assert_eq!(classify_cell(b"7", &comma), CellValue::Integer(7.0));
    }

    #[test]
    fn datetimes_are_recognised() {
        let dot = ctx(DecimalSeparator::Dot);
        let day = 1_709_251_200_000_000; // 2024-03-01T00:00:00Z
        assert_eq!(classify_cell(b"2024-03-01", &dot), CellValue::DateTime(day));
        assert_eq!(
            classify_cell(b"2024-03-01T01:00:00", &dot),
            CellValue::DateTime(day + 3_600_000_000)
        );
        assert_eq!(
            classify_cell(b"2024-03-01 01:00", &dot),
            CellValue::DateTime(day + 3_600_000_000)
        );
        assert_eq!(
            classify_cell(b"2024-03-01T02:00:00+01:00", &dot),
            CellValue::DateTime(day + 3_600_000_000)
        );
        assert_eq!(
            classify_cell(b"2024-03-01T00:00:00.5Z", &dot),
            CellValue::DateTime(day + 500_000)
        );
        assert_eq!(
            classify_cell(b"2024-13-01", &dot),
            CellValue::Text(b"2024-13-01")
        );
        assert_eq!(format_timestamp_micros(day), "2024-03-01T00:00:00");
        assert_eq!(
            format_timestamp_micros(day + 500_000),
            "2024-03-01T00:00:00.500000"
        );
    }
}
