//! Drift: a column's two distributions overlaid, and their two ECDFs with the KS distance.

use plotters::element::PathElement;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor};

use crate::bins::{self, Bin};
use crate::colour::{BACKGROUND, CURRENT, REFERENCE, TEXT};
use crate::frame::{self, Axis, Frame, LegendItem, Mark, Plot, Root};
use crate::labels::{ChartLabels, Comparison};
use crate::text;

/// Opacity of the reference side's bars (its outline carries the contrast).
const REFERENCE_SHADE: f64 = 0.25;

/// The reference and current histograms over the same `edges`, each normalised to
/// proportions (so files of different sizes compare): the reference as light blue bars with a
/// blue outline, the current as a vermillion outline on top, and a legend naming both. A side
/// with no values draws nothing.
pub fn overlay_histogram_svg(
    edges: &[f64],
    reference_counts: &[u64],
    current_counts: &[u64],
    names: &Comparison,
    labels: &ChartLabels,
) -> String {
    let proportions = |counts: &[u64]| -> Vec<f64> {
        let n = edges.len().saturating_sub(1);
        let total: f64 = counts.iter().take(n).map(|c| *c as f64).sum();
        counts
            .iter()
            .take(n)
            .map(|c| if total > 0.0 { *c as f64 / total } else { 0.0 })
            .collect()
    };
    let (reference, current) = (proportions(reference_counts), proportions(current_counts));
    let reference_at = |i: usize| reference.get(i).copied();
    let current_at = |i: usize| current.get(i).copied();
    let all = bins::from_edges(edges, &[&reference_at, &current_at]);
    let bins = bins::merge(all, (labels.layout_width() / 3) as usize);
    let (lo, hi) = bins::span(&bins).unwrap_or((0.0, 1.0));
    let top = bins
        .iter()
        .flat_map(|b| b.values.iter().copied())
        .fold(0.0, f64::max);
    let mut y = Axis::new(0.0, if top > 0.0 { top * 1.05 } else { 1.0 }, false);
    y.ticks_hi = if top > 0.0 { top } else { 1.0 };
    Frame {
        labels,
        legend: vec![
            LegendItem {
                name: names.reference.clone(),
                colour: REFERENCE,
                mark: Mark::Shaded(REFERENCE_SHADE),
            },
            LegendItem {
                name: names.current.clone(),
                colour: CURRENT,
                mark: Mark::Line,
            },
        ],
        x: Axis::new(lo, hi, bins::integer_edges(edges)),
        y,
        plot_height: frame::plot_height(labels),
        left_labels: 0.0,
        x_grid: false,
    }
    .render(|root, plot| {
        for bin in bins.iter().filter(|b| b.values[0] > 0.0) {
            let (x0, top) = plot.px(bin.lo, bin.values[0]);
            let (x1, base) = plot.px(bin.hi, 0.0);
            frame::rect(
                root,
                (x0, top.min(base - 1)),
                (x1.max(x0 + 2), base),
                REFERENCE.mix(REFERENCE_SHADE).filled(),
            )?;
        }
        step_outline(root, plot, &bins, 0, REFERENCE, 2)?;
        step_outline(root, plot, &bins, 1, CURRENT, 3)
    })
}

/// The outline of series `k` of the bins: up, across and down each bin, as one polyline.
fn step_outline(
    root: &Root,
    plot: &Plot,
    bins: &[Bin],
    k: usize,
    colour: RGBColor,
    stroke: u32,
) -> frame::Drawn {
    if bins.iter().all(|b| b.values[k] <= 0.0) {
        return Ok(());
    }
    let mut points = Vec::with_capacity(bins.len() * 2 + 2);
    for bin in bins {
        let (x0, y) = plot.px(bin.lo, bin.values[k]);
        let (x1, base) = plot.px(bin.hi, 0.0);
        if points.is_empty() {
            points.push((x0, base));
        }
        points.push((x0, y));
        points.push((x1, y));
    }
    if let (Some(last), Some(&(_, base))) = (bins.last(), points.first()) {
        points.push((plot.px(last.hi, 0.0).0, base));
    }
    root.draw(&PathElement::new(
        simplify(points),
        colour.stroke_width(stroke),
    ))?;
    Ok(())
}

/// Drops repeated points and the middle of straight horizontal or vertical runs: a step
/// function over 100 000 points becomes a few vertices per pixel column.
fn simplify(points: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(points.len().min(4096));
    for p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let same_line = (a.0 == b.0 && b.0 == p.0) || (a.1 == b.1 && b.1 == p.1);
            let onward = (b.0 - a.0) * (p.0 - b.0) >= 0 && (b.1 - a.1) * (p.1 - b.1) >= 0;
            if same_line && onward {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// The two empirical CDFs as step lines, from `points` of `(x, F_reference(x),
/// F_current(x))` (any order; points with a non-finite value are skipped), and the KS distance
/// as a vertical segment at `ks = (x, F_reference, F_current)`, labelled
/// `"{ks_distance} = {value}"`.
pub fn ecdf_svg(
    points: &[(f64, f64, f64)],
    ks: Option<(f64, f64, f64)>,
    names: &Comparison,
    labels: &ChartLabels,
) -> String {
    let mut points: Vec<(f64, f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, a, b)| x.is_finite() && a.is_finite() && b.is_finite())
        .map(|(x, a, b)| (x, a.clamp(0.0, 1.0), b.clamp(0.0, 1.0)))
        .collect();
    points.sort_by(|p, q| p.0.total_cmp(&q.0));
    let ks = ks.filter(|(x, a, b)| x.is_finite() && a.is_finite() && b.is_finite());
    let xs = points.iter().map(|p| p.0).chain(ks.map(|k| k.0));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 1.0) };
    let integer = points.iter().all(|p| p.0.fract() == 0.0) && !points.is_empty();
    let mut y = Axis::new(0.0, 1.0, false);
    y.hi = 1.04;
    y.ticks_hi = 1.0;
    Frame {
        labels,
        legend: vec![
            LegendItem {
                name: names.reference.clone(),
                colour: REFERENCE,
                mark: Mark::Line,
            },
            LegendItem {
                name: names.current.clone(),
                colour: CURRENT,
                mark: Mark::Line,
            },
        ],
        x: Axis::new(lo, hi, integer),
        y,
        plot_height: frame::plot_height(labels),
        left_labels: 0.0,
        x_grid: false,
    }
    .render(|root, plot| {
        staircase(root, plot, &points, |p| p.1, REFERENCE, 3)?;
        staircase(root, plot, &points, |p| p.2, CURRENT, 2)?;
        if let Some((x, a, b)) = ks {
            ks_mark(
                root,
                plot,
                (x, a.clamp(0.0, 1.0), b.clamp(0.0, 1.0)),
                names,
                labels,
            )?;
        }
        Ok(())
    })
}

/// A right-continuous step function from 0 (left edge) through each point to the right edge.
fn staircase(
    root: &Root,
    plot: &Plot,
    points: &[(f64, f64, f64)],
    f: impl Fn(&(f64, f64, f64)) -> f64,
    colour: RGBColor,
    stroke: u32,
) -> frame::Drawn {
    if points.is_empty() {
        return Ok(());
    }
    let mut path = Vec::with_capacity(points.len() * 2 + 2);
    let mut level = plot.px(0.0, 0.0).1;
    path.push((plot.left, level));
    for p in points {
        let (x, y) = plot.px(p.0, f(p));
        path.push((x, level));
        path.push((x, y));
        level = y;
    }
    path.push((plot.right, level));
    root.draw(&PathElement::new(
        simplify(path),
        colour.stroke_width(stroke),
    ))?;
    Ok(())
}

fn ks_mark(
    root: &Root,
    plot: &Plot,
    (x, a, b): (f64, f64, f64),
    names: &Comparison,
    labels: &ChartLabels,
) -> frame::Drawn {
    let (px, ya) = plot.px(x, a);
    let (_, yb) = plot.px(x, b);
    let style = TEXT.stroke_width(2);
    root.draw(&PathElement::new(vec![(px, ya), (px, yb)], style))?;
    for y in [ya, yb] {
        root.draw(&PathElement::new(vec![(px - 5, y), (px + 5, y)], style))?;
    }
    let s = plot.sizes;
    let name = text::one_line(&names.ks_distance);
    let value = labels.number((b - a).abs());
    let full = if name.is_empty() {
        value.clone()
    } else {
        format!("{name} = {value}")
    };
    let line = frame::Sizes::line(s.label);
    // Both ECDFs rise, so right of the segment and below its lower end, or left of it and
    // above its upper end, no curve passes: the caption goes there, in full where it fits,
    // else just the value.
    let (upper, lower) = (f64::from(ya.min(yb)), f64::from(ya.max(yb)));
    let right_room = f64::from(plot.right - px) - 10.0;
    let left_room = f64::from(px - plot.left) - 10.0;
    let below_ok = lower + 4.0 + line <= f64::from(plot.bottom);
    let above_ok = upper - 4.0 - line >= f64::from(plot.top);
    let full_w = text::width_bold(&full, s.label);
    let right = if below_ok && full_w <= right_room {
        true
    } else if above_ok && full_w <= left_room {
        false
    } else {
        below_ok && (right_room >= left_room || !above_ok)
    };
    let room = if right { right_room } else { left_room };
    let caption = if full_w <= room {
        full
    } else {
        text::fit_bold(&value, room.max(0.0), s.label)
    };
    let w = text::width_bold(&caption, s.label);
    let (left, top) = if right {
        (f64::from(px) + 8.0, lower + 4.0)
    } else {
        (
            f64::from(px) - 8.0 - w,
            (upper - 4.0 - line).max(f64::from(plot.top)),
        )
    };
    frame::rect(
        root,
        ((left - 3.0).round() as i32, top.round() as i32),
        ((left + w + 3.0).round() as i32, (top + line).round() as i32),
        BACKGROUND.mix(0.85).filled(),
    )?;
    frame::label(
        root,
        &caption,
        (left, top + line / 2.0),
        &frame::bold(s.label, TEXT),
        (HPos::Left, VPos::Center),
    )
}
