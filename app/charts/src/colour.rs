//! The palette. Every colour here is checked by a test: text reaches WCAG AA (4.5:1) against the
//! white background, marks that carry data reach the 3:1 of non-text contrast, and the series
//! colours are the Okabe–Ito set, told apart with the common colour-vision deficiencies
//! (reference is blue, current is vermillion).

use plotters::style::RGBColor;

pub(crate) const BACKGROUND: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
/// Body text: the app's `--text`.
pub(crate) const TEXT: RGBColor = RGBColor(0x1B, 0x1F, 0x24);
/// Secondary text, axes and tick marks: the app's `--muted`.
pub(crate) const MUTED: RGBColor = RGBColor(0x5B, 0x64, 0x70);
/// Grid lines (decoration: they need no contrast).
pub(crate) const GRID: RGBColor = RGBColor(0xE3, 0xE6, 0xEA);
/// Missing heat-map cells: a grey none of the scales uses, crossed by a darker line.
pub(crate) const MISSING: RGBColor = RGBColor(0xD9, 0xD9, 0xD9);
pub(crate) const MISSING_LINE: RGBColor = RGBColor(0x76, 0x76, 0x76);

/// Okabe–Ito blue: single-series charts and the reference side.
pub(crate) const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Okabe–Ito vermillion: the current side.
pub(crate) const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
/// Series of grouped bars, in order (cycled beyond four).
pub(crate) const SERIES: [RGBColor; 4] = [
    BLUE,
    VERMILLION,
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
];

pub(crate) const REFERENCE: RGBColor = BLUE;
pub(crate) const CURRENT: RGBColor = VERMILLION;

/// ColorBrewer RdBu (7 classes), from −1 to +1.
const DIVERGING: [RGBColor; 7] = [
    RGBColor(0x21, 0x66, 0xAC),
    RGBColor(0x67, 0xA9, 0xCF),
    RGBColor(0xD1, 0xE5, 0xF0),
    RGBColor(0xF7, 0xF7, 0xF7),
    RGBColor(0xFD, 0xDB, 0xC7),
    RGBColor(0xEF, 0x8A, 0x62),
    RGBColor(0xB2, 0x18, 0x2B),
];

/// ColorBrewer Blues (9 classes), from 0 to the maximum.
const SEQUENTIAL: [RGBColor; 9] = [
    RGBColor(0xF7, 0xFB, 0xFF),
    RGBColor(0xDE, 0xEB, 0xF7),
    RGBColor(0xC6, 0xDB, 0xEF),
    RGBColor(0x9E, 0xCA, 0xE1),
    RGBColor(0x6B, 0xAE, 0xD6),
    RGBColor(0x42, 0x92, 0xC6),
    RGBColor(0x21, 0x71, 0xB5),
    RGBColor(0x08, 0x51, 0x9C),
    RGBColor(0x08, 0x30, 0x6B),
];

/// Colour of `t` in 0..=1 along `stops` (linear between stops; outside values clamped).
fn along(stops: &[RGBColor], t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let scaled = t * (stops.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(stops.len() - 2);
    let f = scaled - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// −1..=1 on RdBu.
pub(crate) fn diverging(value: f64) -> RGBColor {
    along(&DIVERGING, (value + 1.0) / 2.0)
}

/// 0..=1 (a fraction of the maximum) on Blues.
pub(crate) fn sequential(fraction: f64) -> RGBColor {
    along(&SEQUENTIAL, fraction)
}

/// WCAG relative luminance.
pub(crate) fn luminance(c: RGBColor) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.0) + 0.7152 * channel(c.1) + 0.0722 * channel(c.2)
}

/// WCAG contrast ratio, 1..=21.
pub(crate) fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Text on heat-map cells: pure black, because the body text colour falls short of 4.5:1 on
/// mid-luminance cells where white does too (black or white always reaches 4.58:1).
const CELL_DARK: RGBColor = RGBColor(0x00, 0x00, 0x00);

/// The text colour (black or white) that reads best on `background`.
pub(crate) fn text_on(background: RGBColor) -> RGBColor {
    if contrast(CELL_DARK, background) >= contrast(BACKGROUND, background) {
        CELL_DARK
    } else {
        BACKGROUND
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_colours_reach_aa_against_white() {
        assert!(contrast(TEXT, BACKGROUND) >= 4.5);
        assert!(contrast(MUTED, BACKGROUND) >= 4.5);
    }

    #[test]
    fn data_marks_reach_the_non_text_contrast() {
        for c in SERIES.iter().chain([&MISSING_LINE]) {
            assert!(contrast(*c, BACKGROUND) >= 3.0, "{c:?}");
        }
    }

    #[test]
    fn cell_text_reaches_aa_on_every_scale_colour() {
        for i in 0..=100 {
            let t = f64::from(i) / 100.0;
            for bg in [diverging(t * 2.0 - 1.0), sequential(t), MISSING] {
                assert!(contrast(text_on(bg), bg) >= 4.5, "{bg:?}");
            }
        }
    }

    #[test]
    fn scales_hit_their_end_stops_and_clamp() {
        assert_eq!(diverging(-1.0), DIVERGING[0]);
        assert_eq!(diverging(0.0), DIVERGING[3]);
        assert_eq!(diverging(7.0), DIVERGING[6]);
        assert_eq!(sequential(f64::NAN), SEQUENTIAL[0]);
        assert_eq!(sequential(1.0), SEQUENTIAL[8]);
    }
}
