//! A profile column's histogram.

use plotters::style::Color;

use crate::bins::{self, Bin};
use crate::colour::BLUE;
use crate::frame::{self, Axis, Frame, Plot, Root};
use crate::labels::ChartLabels;

/// A histogram of equal-width (or any) bins `[edges[i], edges[i+1]]` with `counts[i]` values:
/// one blue bar per non-empty bin. Bins with a non-finite edge are skipped, a count without
/// its two edges is ignored, and more bins than the width can show are merged.
pub fn histogram_svg(edges: &[f64], counts: &[u64], labels: &ChartLabels) -> String {
    let count = |i: usize| counts.get(i).map(|c| *c as f64);
    let all = bins::from_edges(edges, &[&count]);
    let bins = bins::merge(all, (labels.layout_width() / 3) as usize);
    let (lo, hi) = bins::span(&bins).unwrap_or((0.0, 1.0));
    let top = bins.iter().map(|b| b.values[0]).fold(0.0, f64::max);
    let mut y = Axis::new(0.0, if top > 0.0 { top * 1.05 } else { 1.0 }, true);
    y.ticks_hi = if top > 0.0 { top } else { 1.0 };
    Frame {
        labels,
        legend: Vec::new(),
        x: Axis::new(lo, hi, bins::integer_edges(edges)),
        y,
        plot_height: frame::plot_height(labels),
        left_labels: 0.0,
        x_grid: false,
    }
    .render(|root, plot| draw_bars(root, plot, &bins))
}

/// Columns from the x axis up to each bin's first value, one pixel apart when there is room,
/// at least one pixel tall and two wide so a small non-empty bin stays visible.
pub(crate) fn draw_bars(root: &Root, plot: &Plot, bins: &[Bin]) -> frame::Drawn {
    for bin in bins.iter().filter(|b| b.values[0] > 0.0) {
        let (mut x0, top) = plot.px(bin.lo, bin.values[0]);
        let (mut x1, base) = plot.px(bin.hi, 0.0);
        if x1 - x0 > 3 {
            x1 -= 1;
        } else if x1 - x0 < 2 {
            let middle = (x0 + x1) / 2;
            (x0, x1) = (middle - 1, middle + 1);
        }
        let top = top.min(base - 1);
        frame::rect(root, (x0, top), (x1, base), BLUE.filled())?;
    }
    Ok(())
}
