//! How numbers are written on the page.

/// `1234567` → `1,234,567`.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A byte count in binary units: `512 B`, `64.0 KiB`, `1.5 MiB`.
pub fn bytes(value: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if value < 1024 {
        return format!("{value} B");
    }
    let mut scaled = value as f64 / 1024.0;
    let mut unit = 0;
    while scaled >= 1024.0 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    format!("{scaled:.1} {}", UNITS[unit])
}

/// A statistic for a table cell: whole numbers exactly, others with four decimals (trailing
/// zeros dropped), very large or very small ones in scientific notation.
pub fn stat(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == value.trunc() && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    let magnitude = value.abs();
    if !(1e-3..1e9).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let fixed = format!("{value:.4}");
    fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A statistic that may be undefined.
pub fn optional_stat(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), stat)
}

/// Percentage of `done` over `total`, 0–100, rounded down.
pub fn percent(done: u64, total: u64) -> u64 {
    if total == 0 {
        100
    } else {
        (u128::from(done.min(total)) * 100 / u128::from(total)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(64 * 1024), "64.0 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
    }

    #[test]
    fn statistics_are_short() {
        assert_eq!(stat(3.0), "3");
        assert_eq!(stat(-0.0), "0");
        assert_eq!(stat(12.5), "12.5");
        assert_eq!(stat(2.0 / 3.0), "0.6667");
        assert_eq!(stat(0.0001234), "1.234e-4");
        assert_eq!(stat(1.5e12), "1500000000000");
        assert_eq!(stat(2.5e9 + 0.5), "2.500e9");
        assert_eq!(stat(1.5e15), "1.500e15");
        assert_eq!(optional_stat(None), "—");
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(5, 3), 100);
    }
}
