//! The app's charts as SVG strings, drawn with plotters' SVG backend.
//!
//! Every chart is a pure function from data and [`ChartLabels`] to a self-contained SVG
//! document: `width="100%"` with a `viewBox` (it scales to its container), `role="img"`, a
//! `<title>`, an `aria-label` and `<desc>` with the caller's description, a white background,
//! and numbers written by the caller's formatter (the user's locale). Nothing here touches the
//! DOM, fonts or clocks, so the functions run the same natively, in tests, on the page and in a
//! Web Worker. Bad input (empty data, NaN, ∞, mismatched lengths, huge label lists) draws what
//! can be drawn and never panics.

mod bars;
mod bins;
mod colour;
mod drift;
mod frame;
mod heatmap;
mod histogram;
mod labels;
mod text;
mod ticks;

pub use bars::{bar_chart_svg, grouped_bar_chart_svg};
pub use drift::{ecdf_svg, overlay_histogram_svg};
pub use heatmap::heatmap_svg;
pub use histogram::histogram_svg;
pub use labels::{ChartLabels, Comparison, HeatScale};
