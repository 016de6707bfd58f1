//! How wide a label will be, without a font.
//!
//! plotters' SVG backend writes `<text>` elements and leaves the glyphs to the browser, so the
//! charts need no font file. Layout (how wide the label column is, whether a number fits in a
//! heat-map cell, where to cut a long category name) still needs widths; they come from the
//! tables below: advance widths in hundredths of an em, for each character the larger of
//! DejaVu Sans and Liberation Sans (Arial's metrics). Those are the widest of the common sans
//! fonts the `font-family` stack can land on, so a label measured here fits whichever is used.
//! Only numbers are taken from the fonts (no glyphs, nothing embedded): DejaVu's licence is the
//! Bitstream Vera one, Liberation's the SIL Open Font License 1.1; both allow this.
//!
//! Why not plotters' own font support: on `wasm32-unknown-unknown` plotters 0.3.7 always
//! measures text through the DOM (`window().unwrap()`, a `<span>` per call), which panics in a
//! Web Worker and forces a layout on the main thread; its `ab_glyph` feature is native only.
//! The charts therefore never ask plotters to measure text (no `caption`, no right-hand label
//! area, no series-label legend): every label is placed from these widths.

const ASCII: [u8; 95] = [
    32, 41, 46, 84, 64, 96, 78, 28, 40, 40, 50, 84, 32, 37, 32, 34, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 34, 34, 84, 84, 84, 56, 102, 69, 69, 73, 78, 67, 62, 78, 76, 30, 50, 67, 56, 87, 75,
    79, 67, 79, 73, 67, 62, 74, 69, 99, 69, 67, 69, 40, 34, 40, 84, 56, 50, 62, 64, 55, 64, 62, 36,
    64, 64, 28, 28, 58, 28, 98, 64, 62, 64, 64, 42, 53, 40, 64, 60, 82, 60, 60, 53, 64, 34, 64, 84,
];

const LATIN1: [u8; 96] = [
    32, 41, 64, 64, 64, 64, 34, 56, 50, 100, 48, 62, 84, 37, 100, 56, 50, 84, 41, 41, 50, 64, 64,
    32, 50, 41, 48, 62, 97, 97, 97, 62, 69, 69, 69, 69, 69, 69, 100, 73, 67, 67, 67, 67, 30, 30,
    30, 30, 78, 75, 79, 79, 79, 79, 79, 84, 79, 74, 74, 74, 74, 67, 67, 63, 62, 62, 62, 62, 62, 62,
    99, 55, 62, 62, 62, 62, 28, 28, 28, 28, 62, 64, 62, 62, 62, 62, 62, 84, 62, 64, 64, 64, 64, 60,
    64, 60,
];

/// Width of `c` in ems.
fn char_em(c: char) -> f64 {
    let code = c as u32;
    let hundredths = match code {
        32..=126 => ASCII[(code - 32) as usize],
        160..=255 => LATIN1[(code - 160) as usize],
        // Combining marks and zero-width characters.
        0x0300..=0x036F | 0x200B..=0x200D | 0xFE00..=0xFE0F => 0,
        // Thin and narrow no-break spaces (French thousands separator).
        0x2009 | 0x202F => 20,
        0x2018 | 0x2019 => 32,
        0x201C | 0x201D => 52,
        0x2013 => 56,
        0x2014 | 0x2026 => 100,
        0x2212 => 84,
        0x20AC => 64,
        // East Asian wide characters, Hangul, full-width forms, emoji: one em.
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD => 100,
        // Other scripts (Latin extended, Greek, Cyrillic, …): a wide average letter.
        _ => 70,
    };
    f64::from(hundredths) / 100.0
}

/// Estimated width in pixels of `text` set at `size` pixels.
pub(crate) fn width(text: &str, size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * size
}

/// Bold text is up to about 14% wider than regular in these fonts.
const BOLD: f64 = 1.14;

/// Estimated width in pixels of `text` set in bold at `size` pixels.
pub(crate) fn width_bold(text: &str, size: f64) -> f64 {
    width(text, size) * BOLD
}

/// Like [`fit`], for bold text.
pub(crate) fn fit_bold(text: &str, max_width: f64, size: f64) -> String {
    fit(text, max_width / BOLD, size)
}

/// Bold `text` broken at spaces into at most `max_lines` lines of `max_width` pixels, the last
/// one cut with an ellipsis if the text is still longer.
pub(crate) fn wrap_bold(text: &str, max_width: f64, size: f64, max_lines: usize) -> Vec<String> {
    let text = one_line(text);
    let mut lines: Vec<String> = Vec::new();
    let mut words = text.split_whitespace().peekable();
    while words.peek().is_some() {
        if lines.len() + 1 == max_lines.max(1) {
            let rest: Vec<&str> = words.collect();
            lines.push(fit_bold(&rest.join(" "), max_width, size));
            break;
        }
        let mut line = String::new();
        while let Some(word) = words.peek() {
            let candidate = if line.is_empty() {
                (*word).to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && width_bold(&candidate, size) > max_width {
                break;
            }
            line = candidate;
            words.next();
        }
        lines.push(fit_bold(&line, max_width, size));
    }
    lines
}

/// `text` on one line, cut in the middle (`column_wi…name_12`) to at most `max_width`
/// pixels: for names that share a prefix, like a table's columns.
pub(crate) fn fit_middle(text: &str, max_width: f64, size: f64) -> String {
    let text = one_line(text);
    if width(&text, size) <= max_width {
        return text;
    }
    let budget = max_width - char_em('…') * size;
    if budget < 0.0 {
        return String::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut head, mut tail) = (0, chars.len());
    let mut used = 0.0;
    // Take characters from both ends in turn, the start first.
    loop {
        let from_start = head <= chars.len() - tail;
        let c = if from_start {
            chars[head]
        } else {
            chars[tail - 1]
        };
        let w = char_em(c) * size;
        if head >= tail || used + w > budget {
            break;
        }
        used += w;
        if from_start {
            head += 1;
        } else {
            tail -= 1;
        }
    }
    let mut out: String = chars[..head]
        .iter()
        .collect::<String>()
        .trim_end()
        .to_owned();
    out.push('…');
    out.extend(chars[tail..].iter());
    out
}

/// One line of text as it may go into a `<text>` element: control characters (new lines,
/// tabs) become spaces, surrounding blanks are trimmed.
pub(crate) fn one_line(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` on one line, cut to at most `max_width` pixels with an ellipsis when too long.
/// Returns an empty string when not even the ellipsis fits.
pub(crate) fn fit(text: &str, max_width: f64, size: f64) -> String {
    let text = one_line(text);
    if width(&text, size) <= max_width {
        return text;
    }
    let ellipsis = char_em('…') * size;
    let mut used = ellipsis;
    if used > max_width {
        return String::new();
    }
    let mut out = String::new();
    for c in text.chars() {
        let w = char_em(c) * size;
        if used + w > max_width {
            break;
        }
        used += w;
        out.push(c);
    }
    let mut out = out.trim_end().to_owned();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_add_up_per_character() {
        assert_eq!(width("", 12.0), 0.0);
        assert!((width("0", 10.0) - 6.4).abs() < 1e-9);
        assert!(width("WWW", 12.0) > width("iii", 12.0));
        assert_eq!(width("日本", 10.0), 20.0);
    }

    #[test]
    fn fit_keeps_short_text_and_cuts_long_text_with_an_ellipsis() {
        assert_eq!(fit("  age\n", 100.0, 12.0), "age");
        let cut = fit("a very long category name indeed", 60.0, 12.0);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(width(&cut, 12.0) <= 60.0);
        assert_eq!(fit("abc", 1.0, 12.0), "");
        // Multi-byte characters are cut on character boundaries.
        let cut = fit("ééééééééééééééééé", 40.0, 12.0);
        assert!(cut.ends_with('…'));
        assert!(width_bold("Title", 16.0) > width("Title", 16.0));
        assert!(width_bold(&fit_bold("A long bold title", 80.0, 16.0), 16.0) <= 80.0);
    }

    #[test]
    fn wrap_bold_breaks_at_spaces_then_cuts() {
        assert!(wrap_bold("", 100.0, 16.0, 2).is_empty());
        assert_eq!(wrap_bold("Short", 100.0, 16.0, 2), vec!["Short"]);
        let lines = wrap_bold("Cumulative distribution of basket_value", 200.0, 16.0, 2);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|l| width_bold(l, 16.0) <= 200.0));
        let lines = wrap_bold(
            "one two three four five six seven eight nine ten",
            80.0,
            16.0,
            2,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
    }

    #[test]
    fn fit_middle_keeps_both_ends() {
        assert_eq!(fit_middle("short", 100.0, 12.0), "short");
        let cut = fit_middle("column_with_a_long_name_12", 100.0, 12.0);
        assert!(
            cut.starts_with("col") && cut.ends_with("12") && cut.contains('…'),
            "{cut}"
        );
        assert!(width(&cut, 12.0) <= 100.0);
        assert_eq!(fit_middle("abc", 1.0, 12.0), "");
    }
}
