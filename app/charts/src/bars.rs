//! Horizontal bars: the top values of a categorical column, and grouped bars (per-class
//! precision, recall and F1).

use plotters::element::PathElement;
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use crate::colour::{MUTED, SERIES, TEXT};
use crate::frame::{self, Axis, Frame, LegendItem, Mark, Sizes};
use crate::labels::ChartLabels;
use crate::text;

/// Most bars drawn; the categories past it are counted in a "… +N" line.
const MAX_BARS: usize = 60;
/// Most series in a grouped chart (colours repeat past four).
const MAX_SERIES: usize = 8;

/// Horizontal bars, one per `(category, value)` in the given order (top to bottom), with the
/// value printed at the end of each bar. Values may be negative (bars then grow left of the
/// zero line); a non-finite value leaves its category without a bar.
pub fn bar_chart_svg(bars: &[(String, f64)], labels: &ChartLabels) -> String {
    let categories: Vec<&str> = bars.iter().map(|(name, _)| name.as_str()).collect();
    let values: Vec<f64> = bars.iter().map(|(_, v)| *v).collect();
    horizontal(&categories, &[("", &values)], false, labels)
}

/// Horizontal grouped bars: for each category (top to bottom) one bar per series, in the
/// series' order and colour, with a legend naming the series. A series shorter than
/// `categories` leaves the rest without a bar.
pub fn grouped_bar_chart_svg(
    categories: &[String],
    series: &[(String, Vec<f64>)],
    labels: &ChartLabels,
) -> String {
    let categories: Vec<&str> = categories.iter().map(String::as_str).collect();
    let series: Vec<(&str, &[f64])> = series
        .iter()
        .take(MAX_SERIES)
        .map(|(name, values)| (name.as_str(), values.as_slice()))
        .collect();
    horizontal(&categories, &series, true, labels)
}

fn horizontal(
    categories: &[&str],
    series: &[(&str, &[f64])],
    legend: bool,
    labels: &ChartLabels,
) -> String {
    let s = Sizes::for_width(labels.layout_width());
    let width = f64::from(labels.layout_width());
    let per_group = series.len().max(1);
    let shown = categories.len().min((MAX_BARS / per_group).max(1));
    let hidden = categories.len() - shown;
    let grouped = series.len() > 1 || legend;

    // Rows: a bar is 18 px (single) or 13–14 px (grouped), groups 8–12 px apart.
    let bar = if grouped {
        if width < 480.0 { 13.0 } else { 14.0 }
    } else {
        18.0
    };
    let gap = if grouped { 12.0 } else { 8.0 };
    let row = bar * per_group as f64 + gap;
    let rows = shown + usize::from(hidden > 0);
    let plot_height = (row * rows.max(1) as f64).max(row);
    let value_size = if grouped { s.tick - 1.0 } else { s.tick };

    // Category names on the left, at most 40% (phone) or 30% (desktop) of the width.
    let max_name = width * if width < 480.0 { 0.4 } else { 0.3 };
    let names: Vec<String> = categories[..shown]
        .iter()
        .map(|c| text::fit(c, max_name, s.tick))
        .collect();
    let more = (hidden > 0).then(|| format!("… +{}", labels.number(hidden as f64)));
    let name_width = names
        .iter()
        .chain(more.as_ref())
        .map(|n| text::width(n, s.tick))
        .fold(0.0, f64::max);

    // Value range with 0 in it; room past the bar ends for the printed values.
    let finite = || {
        series
            .iter()
            .flat_map(|(_, values)| values.iter().take(shown))
            .copied()
            .filter(|v| v.is_finite())
    };
    let (lo, hi) = frame::sane_range(finite().fold(0.0, f64::min), finite().fold(0.0, f64::max));
    let value_width = finite()
        .map(|v| text::width(&labels.number(v), value_size))
        .fold(0.0, f64::max)
        + 6.0;
    let plot_w = (width - s.pad - name_width - 8.0 - s.pad.max(16.0)).max(40.0);
    let fraction = (value_width / plot_w).min(0.25);
    let sides = f64::from(u8::from(hi > 0.0) + u8::from(lo < 0.0));
    let padded = (hi - lo) / (1.0 - sides * fraction);
    let x = Axis {
        lo: if lo < 0.0 { lo - fraction * padded } else { lo },
        hi: if hi > 0.0 { hi + fraction * padded } else { hi },
        ticks_lo: lo,
        ticks_hi: hi,
        integer: false,
        ticks: true,
    };
    let mut y = Axis::new(0.0, plot_height, false);
    y.ticks = false;

    let legend_items: Vec<LegendItem> = if legend {
        series
            .iter()
            .enumerate()
            .map(|(i, (name, _))| LegendItem {
                name: (*name).to_owned(),
                colour: SERIES[i % SERIES.len()],
                mark: Mark::Box,
            })
            .collect()
    } else {
        Vec::new()
    };

    Frame {
        labels,
        legend: legend_items,
        x,
        y,
        plot_height,
        left_labels: name_width + 8.0,
        x_grid: true,
    }
    .render(|root, plot| {
        let (zero, _) = plot.px(0.0, 0.0);
        let row_px = f64::from(plot.bottom - plot.top) / rows.max(1) as f64;
        let scale = row_px / row;
        for (i, name) in names.iter().enumerate() {
            let group_top = f64::from(plot.top) + i as f64 * row_px + gap * scale / 2.0;
            let middle = group_top + bar * scale * per_group as f64 / 2.0;
            frame::label(
                root,
                name,
                (f64::from(plot.left) - 8.0, middle),
                &frame::font(s.tick, TEXT),
                (HPos::Right, VPos::Center),
            )?;
            for (j, (_, values)) in series.iter().enumerate() {
                let Some(&value) = values.get(i).filter(|v| v.is_finite()) else {
                    continue;
                };
                let top = group_top + j as f64 * bar * scale;
                let bottom = top + bar * scale - if grouped { 1.0 } else { 0.0 };
                let (end, _) = plot.px(value, 0.0);
                if value != 0.0 {
                    frame::rect(
                        root,
                        (zero, top.round() as i32),
                        (end, bottom.round() as i32),
                        SERIES[j % SERIES.len()].filled(),
                    )?;
                }
                let (at, anchor) = if value < 0.0 {
                    (f64::from(end) - 4.0, HPos::Right)
                } else {
                    (f64::from(end) + 4.0, HPos::Left)
                };
                frame::label(
                    root,
                    &labels.number(value),
                    (at, (top + bottom) / 2.0),
                    &frame::font(value_size, TEXT),
                    (anchor, VPos::Center),
                )?;
            }
        }
        if let Some(more) = &more {
            let middle = f64::from(plot.top) + (rows as f64 - 0.5) * row_px;
            frame::label(
                root,
                more,
                (f64::from(plot.left) - 8.0, middle),
                &frame::font(s.tick, MUTED),
                (HPos::Right, VPos::Center),
            )?;
        }
        if lo < 0.0 {
            root.draw(&PathElement::new(
                vec![(zero, plot.top), (zero, plot.bottom)],
                MUTED.stroke_width(1),
            ))?;
        }
        Ok(())
    })
}
