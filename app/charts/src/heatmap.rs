//! Heat maps: the correlation matrix (diverging, −1..1) and the confusion matrix (counts).

use plotters::element::PathElement;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, FontTransform, RGBColor};

use crate::colour::{self, MISSING, MISSING_LINE, MUTED, TEXT};
use crate::frame::{self, Header, LegendItem, Mark, Root, Sizes};
use crate::labels::{ChartLabels, HeatScale};
use crate::text;

/// Most rows or columns drawn (the quality report's class limit); the rest are counted.
pub(crate) const MAX_CELLS: usize = 100;
/// Largest cell side, so a 2 × 2 matrix does not fill a desktop screen.
const MAX_CELL: f64 = 60.0;
/// Steps of the colour bar under the grid.
pub(crate) const SCALE_STEPS: usize = 24;

/// A grid of `values[row][column]` coloured on `scale`, with row labels on the left, column
/// labels underneath (turned upright when they do not fit), the value printed in each cell
/// that has room for it, and a colour bar with its end values. A `None` or non-finite value
/// is a grey, crossed cell; `labels.missing`, when given, names it in the legend. The grid has
/// as many rows as the longer of `row_labels` and `values` (likewise for columns, up to 100
/// each); a missing label is blank.
pub fn heatmap_svg(
    row_labels: &[String],
    col_labels: &[String],
    values: &[Vec<Option<f64>>],
    scale: HeatScale,
    labels: &ChartLabels,
) -> String {
    let s = Sizes::for_width(labels.layout_width());
    let width = f64::from(labels.layout_width());
    let all_rows = row_labels.len().max(values.len());
    let all_cols = col_labels
        .len()
        .max(values.iter().map(Vec::len).max().unwrap_or(0));
    let (n_rows, n_cols) = (all_rows.min(MAX_CELLS), all_cols.min(MAX_CELLS));
    let value = |r: usize, c: usize| {
        values
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    };
    let (lo, hi) = match scale {
        HeatScale::Diverging => (-1.0, 1.0),
        HeatScale::Sequential { max } if max.is_finite() && max > 0.0 => (0.0, max),
        HeatScale::Sequential { .. } => {
            let top = (0..n_rows)
                .flat_map(|r| (0..n_cols).map(move |c| (r, c)))
                .filter_map(|(r, c)| value(r, c))
                .fold(0.0, f64::max);
            (0.0, if top > 0.0 { top } else { 1.0 })
        }
    };
    let fill = |v: f64| match scale {
        HeatScale::Diverging => colour::diverging(v),
        HeatScale::Sequential { .. } => colour::sequential(v / hi),
    };
    let any_missing = (0..n_rows).any(|r| (0..n_cols).any(|c| value(r, c).is_none()));

    // Horizontal layout: y title, row labels, grid.
    let y_title = !labels.y_label.is_empty();
    let label_line = Sizes::line(s.tick);
    let row_names: Vec<String> = (0..n_rows)
        .map(|r| {
            let name = row_labels.get(r).map_or("", String::as_str);
            text::fit_middle(name, width * 0.3, s.tick)
        })
        .collect();
    let rows_more =
        (all_rows > n_rows).then(|| format!("… +{}", labels.number((all_rows - n_rows) as f64)));
    let cols_more =
        (all_cols > n_cols).then(|| format!("… +{}", labels.number((all_cols - n_cols) as f64)));
    let names_width = row_names
        .iter()
        .chain(rows_more.as_ref())
        .map(|n| text::width(n, s.tick))
        .fold(0.0, f64::max);
    let grid_left = s.pad
        + if y_title {
            Sizes::line(s.label) + 4.0
        } else {
            0.0
        }
        + names_width
        + 6.0;
    let more_width = cols_more
        .as_ref()
        .map_or(0.0, |m| text::width(m, s.tick) + 6.0);
    let available = (width - grid_left - s.pad - more_width).max(f64::from(n_cols.max(1) as u32));
    let cell = (available / n_cols.max(1) as f64)
        .floor()
        .clamp(1.0, MAX_CELL);
    let grid_w = cell * n_cols as f64;
    let grid_h = cell * n_rows as f64;

    // Column labels: across when they fit their cell, else upright (reading upwards).
    let upright_max = if width < 480.0 { 90.0 } else { 120.0 };
    let col_text: Vec<String> = (0..n_cols)
        .map(|c| text::one_line(col_labels.get(c).map_or("", String::as_str)))
        .collect();
    let widest_col = col_text
        .iter()
        .map(|n| text::width(n, s.tick))
        .fold(0.0, f64::max);
    let across = widest_col <= cell - 4.0;
    let col_names: Vec<String> = col_text
        .iter()
        .map(|n| {
            if across {
                n.clone()
            } else {
                text::fit_middle(n, upright_max, s.tick)
            }
        })
        .collect();
    let col_band = if across {
        label_line
    } else {
        col_names
            .iter()
            .map(|n| text::width(n, s.tick))
            .fold(0.0, f64::max)
            .min(upright_max)
    } + 6.0;
    // Label every k-th row/column when cells are thinner than a line of text.
    let row_step = (label_line / cell).ceil().max(1.0) as usize;
    let col_step = if across {
        1
    } else {
        (label_line / cell).ceil().max(1.0) as usize
    };

    // Vertical layout: header, grid, column labels, x title, colour bar.
    let header = Header::layout(labels, &[]);
    let grid_top = header.height + 4.0;
    let x_title_top = grid_top + grid_h + col_band + 2.0;
    let x_title = !labels.x_label.is_empty();
    let legend_top = x_title_top
        + if x_title {
            Sizes::line(s.label) + 6.0
        } else {
            4.0
        };
    let bar_w = grid_w.clamp(120.0, 260.0).min(width - 2.0 * s.pad);
    let missing_item = (any_missing && !labels.missing.is_empty()).then(|| LegendItem {
        name: text::fit(&labels.missing, width - 2.0 * s.pad - 20.0, s.label),
        colour: MISSING,
        mark: Mark::Missing,
    });
    let bar_left = grid_left.min(width - s.pad - bar_w).max(s.pad);
    let missing_inline = missing_item.as_ref().is_some_and(|item| {
        bar_left + bar_w + 24.0 + 20.0 + text::width(&item.name, s.label) <= width - s.pad
    });
    let legend_h = 10.0
        + 4.0
        + label_line
        + if missing_item.is_some() && !missing_inline {
            Sizes::line(s.label) + 4.0
        } else {
            0.0
        };
    let height = legend_top + legend_h + s.pad;

    let x_desc = text::fit(
        &labels.x_label,
        grid_w.max(width - grid_left - s.pad),
        s.label,
    );
    let y_desc = text::fit(&labels.y_label, grid_h.max(60.0), s.label);

    frame::document(labels, height, |root| {
        header.draw(root)?;
        for r in 0..n_rows {
            for c in 0..n_cols {
                let x0 = grid_left + c as f64 * cell;
                let y0 = grid_top + r as f64 * cell;
                draw_cell(root, (x0, y0), cell, value(r, c), &fill, labels, s)?;
            }
        }
        // Row labels, y title.
        for (r, name) in row_names.iter().enumerate().step_by(row_step) {
            frame::label(
                root,
                name,
                (grid_left - 6.0, grid_top + (r as f64 + 0.5) * cell),
                &frame::font(s.tick, TEXT),
                (HPos::Right, VPos::Center),
            )?;
        }
        if let Some(more) = &rows_more {
            frame::label(
                root,
                more,
                (grid_left - 6.0, grid_top + grid_h + label_line / 2.0 + 2.0),
                &frame::font(s.tick, MUTED),
                (HPos::Right, VPos::Center),
            )?;
        }
        if y_title {
            frame::label(
                root,
                &y_desc,
                (s.pad, grid_top + grid_h / 2.0),
                &frame::font(s.label, TEXT).transform(FontTransform::Rotate270),
                (HPos::Center, VPos::Top),
            )?;
        }
        // Column labels, x title.
        for (c, name) in col_names.iter().enumerate().step_by(col_step) {
            let x = grid_left + (c as f64 + 0.5) * cell;
            if across {
                frame::label(
                    root,
                    name,
                    (x, grid_top + grid_h + 4.0),
                    &frame::font(s.tick, TEXT),
                    (HPos::Center, VPos::Top),
                )?;
            } else {
                frame::label(
                    root,
                    name,
                    (x, grid_top + grid_h + 4.0),
                    &frame::font(s.tick, TEXT).transform(FontTransform::Rotate270),
                    (HPos::Right, VPos::Center),
                )?;
            }
        }
        if let Some(more) = &cols_more {
            frame::label(
                root,
                more,
                (
                    grid_left + grid_w + 6.0,
                    grid_top + grid_h - label_line / 2.0,
                ),
                &frame::font(s.tick, MUTED),
                (HPos::Left, VPos::Center),
            )?;
        }
        if x_title {
            frame::label(
                root,
                &x_desc,
                (grid_left + grid_w / 2.0, x_title_top),
                &frame::font(s.label, TEXT),
                (HPos::Center, VPos::Top),
            )?;
        }
        // Colour bar with its two ends and middle.
        let step_w = bar_w / SCALE_STEPS as f64;
        for i in 0..SCALE_STEPS {
            let t = (i as f64 + 0.5) / SCALE_STEPS as f64;
            let x0 = bar_left + i as f64 * step_w;
            frame::rect(
                root,
                (x0.round() as i32, legend_top.round() as i32),
                (
                    (x0 + step_w).round() as i32,
                    (legend_top + 10.0).round() as i32,
                ),
                fill(lo + t * (hi - lo)).filled(),
            )?;
        }
        let tick_y = legend_top + 14.0;
        for (v, x, anchor) in [
            (lo, bar_left, HPos::Left),
            ((lo + hi) / 2.0, bar_left + bar_w / 2.0, HPos::Center),
            (hi, bar_left + bar_w, HPos::Right),
        ] {
            frame::label(
                root,
                &labels.number(v),
                (x, tick_y),
                &frame::font(s.tick, TEXT),
                (anchor, VPos::Top),
            )?;
        }
        if let Some(item) = &missing_item {
            let (x, y) = if missing_inline {
                (bar_left + bar_w + 24.0, legend_top + 5.0)
            } else {
                (
                    bar_left,
                    tick_y + label_line + 4.0 + Sizes::line(s.label) / 2.0,
                )
            };
            missing_swatch(root, (x, y))?;
            frame::label(
                root,
                &item.name,
                (x + 20.0, y),
                &frame::font(s.label, TEXT),
                (HPos::Left, VPos::Center),
            )?;
        }
        Ok(())
    })
}

fn missing_swatch(root: &Root, (x, middle): (f64, f64)) -> frame::Drawn {
    let (x0, y0) = (x.round() as i32, (middle - 7.0).round() as i32);
    let (x1, y1) = (x0 + 14, y0 + 14);
    frame::rect(root, (x0, y0), (x1, y1), MISSING.filled())?;
    root.draw(&PathElement::new(
        vec![(x0, y1), (x1, y0)],
        MISSING_LINE.stroke_width(1),
    ))?;
    Ok(())
}

fn draw_cell(
    root: &Root,
    (x0, y0): (f64, f64),
    cell: f64,
    value: Option<f64>,
    fill: &dyn Fn(f64) -> RGBColor,
    labels: &ChartLabels,
    s: Sizes,
) -> frame::Drawn {
    // A one-pixel white seam between cells once they are big enough to spare it.
    let seam = if cell >= 8.0 { 1 } else { 0 };
    let (a, b) = (
        (x0.round() as i32, y0.round() as i32),
        (
            (x0 + cell).round() as i32 - seam,
            (y0 + cell).round() as i32 - seam,
        ),
    );
    let background = match value {
        Some(v) => fill(v),
        None => MISSING,
    };
    frame::rect(root, a, b, background.filled())?;
    if value.is_none() && cell >= 6.0 {
        root.draw(&PathElement::new(
            vec![(a.0, b.1), (b.0, a.1)],
            MISSING_LINE.stroke_width(1),
        ))?;
    }
    if let Some(v) = value {
        let number = labels.number(v);
        // The nominal size, else down to 10 px, else no number.
        let fits =
            |size: f64| cell >= Sizes::line(size) + 2.0 && text::width(&number, size) <= cell - 4.0;
        let nominal = (cell * 0.36).clamp(10.0, s.tick);
        let size = [nominal, nominal - 1.0, nominal - 2.0, 10.0]
            .into_iter()
            .filter(|size| *size >= 10.0)
            .find(|size| fits(*size));
        if let Some(size) = size {
            frame::label(
                root,
                &number,
                (x0 + cell / 2.0, y0 + cell / 2.0),
                &frame::font(size, colour::text_on(background)),
                (HPos::Center, VPos::Center),
            )?;
        }
    }
    Ok(())
}
