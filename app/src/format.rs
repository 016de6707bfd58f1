//! How numbers and dates are written on the page, in the user's language: `1,234.5` in
//! English, `1 234,5` in French (narrow no-break space, decimal comma).

use crate::i18n::Lang;

/// The thousands separator of `lang`.
fn group_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ",",
        Lang::Fr => "\u{202F}",
    }
}

/// Groups the digits of an unsigned integer written in base 10.
fn group(lang: Lang, digits: &str) -> String {
    let separator = group_separator(lang);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

/// `1234567` → `1,234,567` (en), `1 234 567` (fr).
pub fn count(lang: Lang, value: u64) -> String {
    group(lang, &value.to_string())
}

/// A byte count in binary units: `512 B`, `64.0 KiB`, `1.5 MiB` (en); `1,5 Mio` (fr).
pub fn bytes(lang: Lang, value: u64) -> String {
    let (unit_byte, units) = match lang {
        Lang::En => ("B", ["KiB", "MiB", "GiB", "TiB"]),
        Lang::Fr => ("o", ["Kio", "Mio", "Gio", "Tio"]),
    };
    if value < 1024 {
        return format!("{value}\u{a0}{unit_byte}");
    }
    let mut scaled = value as f64 / 1024.0;
    let mut unit = 0;
    while scaled >= 1024.0 && unit < units.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    format!(
        "{}\u{a0}{}",
        decimal(lang, &format!("{scaled:.1}")),
        units[unit]
    )
}

/// A number already written with a `.` decimal point, in `lang`: the integer part grouped,
/// the decimal separator localised.
fn decimal(lang: Lang, plain: &str) -> String {
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let mut out = format!("{sign}{}", group(lang, integer));
    if let Some(fraction) = fraction {
        out.push_str(match lang {
            Lang::En => ".",
            Lang::Fr => ",",
        });
        out.push_str(fraction);
    }
    out
}

/// A statistic: whole numbers exactly, others with four decimals (trailing zeros dropped),
/// very large or very small ones in scientific notation.
pub fn stat(lang: Lang, value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == value.trunc() && value.abs() < 1e15 {
        return decimal(lang, &format!("{}", value as i64));
    }
    let magnitude = value.abs();
    if !(1e-3..1e9).contains(&magnitude) {
        let scientific = format!("{value:.3e}");
        return match lang {
            Lang::En => scientific,
            Lang::Fr => scientific.replace('.', ","),
        };
    }
    let fixed = format!("{value:.4}");
    decimal(lang, fixed.trim_end_matches('0').trim_end_matches('.'))
}

/// A statistic that may be undefined (`—`).
pub fn optional_stat(lang: Lang, value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| stat(lang, v))
}

/// A number with exactly `decimals` decimals: `0.1234` → `0.123` (en), `0,123` (fr).
pub fn fixed(lang: Lang, value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    decimal(lang, &format!("{value:.decimals$}"))
}

/// A fraction 0..=1 as a percentage with one decimal: `12.5%` (en), `12,5 %` (fr).
pub fn share(lang: Lang, fraction: f64) -> String {
    if !fraction.is_finite() {
        return "—".to_owned();
    }
    let number = fixed(lang, fraction * 100.0, 1);
    match lang {
        Lang::En => format!("{number}%"),
        Lang::Fr => format!("{number}\u{a0}%"),
    }
}

/// A p-value: scientific below 0.001, three decimals otherwise.
pub fn p_value(lang: Lang, value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(p) if p.is_finite() && p > 0.0 && p < 1e-3 => stat(lang, p),
        Some(p) => fixed(lang, p, 3),
    }
}

/// Percentage of `done` over `total`, 0–100, rounded down.
pub fn percent(done: u64, total: u64) -> u64 {
    if total == 0 {
        100
    } else {
        (u128::from(done.min(total)) * 100 / u128::from(total)) as u64
    }
}

/// An ISO 8601 date or date-time from the engine, written in the user's locale by the
/// browser's `Intl` (unchanged outside a browser, or when the browser cannot read it).
pub fn datetime(lang: Lang, iso: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
        if !date.get_time().is_nan() {
            let date_only = iso.len() <= 10;
            let options = js_sys::Object::new();
            let set = |key: &str, value: &str| {
                let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
            };
            set("dateStyle", "medium");
            if date_only {
                set("timeZone", "UTC");
            } else {
                set("timeStyle", "short");
            }
            return String::from(date.to_locale_string(lang.code(), &options));
        }
    }
    let _ = lang;
    iso.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(Lang::En, 0), "0");
        assert_eq!(count(Lang::En, 999), "999");
        assert_eq!(count(Lang::En, 1000), "1,000");
        assert_eq!(count(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(count(Lang::Fr, 1_234_567), "1\u{202F}234\u{202F}567");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes(Lang::En, 512), "512\u{a0}B");
        assert_eq!(bytes(Lang::En, 64 * 1024), "64.0\u{a0}KiB");
        assert_eq!(bytes(Lang::En, 3 * 1024 * 1024 / 2), "1.5\u{a0}MiB");
        assert_eq!(bytes(Lang::Fr, 3 * 1024 * 1024 / 2), "1,5\u{a0}Mio");
    }

    #[test]
    fn statistics_are_short() {
        let en = |v| stat(Lang::En, v);
        assert_eq!(en(3.0), "3");
        assert_eq!(en(-0.0), "0");
        assert_eq!(en(12.5), "12.5");
        assert_eq!(en(2.0 / 3.0), "0.6667");
        assert_eq!(en(-1234.5), "-1,234.5");
        assert_eq!(en(0.0001234), "1.234e-4");
        assert_eq!(en(1.5e12), "1,500,000,000,000");
        assert_eq!(en(2.5e9 + 0.5), "2.500e9");
        assert_eq!(en(1.5e15), "1.500e15");
        assert_eq!(optional_stat(Lang::En, None), "—");
    }

    #[test]
    fn french_uses_the_decimal_comma() {
        assert_eq!(stat(Lang::Fr, 12.5), "12,5");
        assert_eq!(stat(Lang::Fr, -1234.5), "-1\u{202F}234,5");
        assert_eq!(stat(Lang::Fr, 0.0001234), "1,234e-4");
        assert_eq!(share(Lang::Fr, 0.125), "12,5\u{a0}%");
        assert_eq!(share(Lang::En, 0.125), "12.5%");
        assert_eq!(p_value(Lang::Fr, Some(0.04321)), "0,043");
        assert_eq!(p_value(Lang::En, Some(0.0000123)), "1.230e-5");
    }

    #[test]
    fn percent_is_bounded() {
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(5, 3), 100);
    }
}
