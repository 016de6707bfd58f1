//! What every chart shares: the SVG document around plotters' drawing, fonts, the title and
//! legend band, and the Cartesian frame (axes, ticks, grid) most charts sit in.

use std::error::Error;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::colour::{BACKGROUND, GRID, MUTED, TEXT};
use crate::labels::ChartLabels;
use crate::text;

pub(crate) type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(crate) type Drawn = Result<(), Box<dyn Error>>;

/// The app's font stack (style/main.css): the charts read like the page around them.
const FONT_FAMILY: &str =
    "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif";

/// plotters' SVG backend writes `font-size = size / 1.24`; sizes here are the CSS pixels wanted.
const PLOTTERS_FONT_SCALE: f64 = 1.24;

/// Font sizes and spacing for a layout width: a little tighter on a phone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    /// Tick labels, category names, values.
    pub tick: f64,
    /// Axis titles, legend.
    pub label: f64,
    pub title: f64,
    /// Outer padding.
    pub pad: f64,
}

impl Sizes {
    pub(crate) fn for_width(width: u32) -> Sizes {
        if width < 480 {
            Sizes {
                tick: 12.0,
                label: 13.0,
                title: 15.0,
                pad: 8.0,
            }
        } else {
            Sizes {
                tick: 13.0,
                label: 14.0,
                title: 16.0,
                pad: 12.0,
            }
        }
    }

    /// Height of a line of text of `size`.
    pub(crate) fn line(size: f64) -> f64 {
        (size * 1.3).ceil()
    }
}

pub(crate) fn font(size: f64, colour: RGBColor) -> TextStyle<'static> {
    let mut style = TextStyle::from((FontFamily::Name(FONT_FAMILY), size * PLOTTERS_FONT_SCALE));
    style.color = colour.to_backend_color();
    style
}

pub(crate) fn bold(size: f64, colour: RGBColor) -> TextStyle<'static> {
    let mut style = TextStyle::from((
        FontFamily::Name(FONT_FAMILY),
        size * PLOTTERS_FONT_SCALE,
        FontStyle::Bold,
    ));
    style.color = colour.to_backend_color();
    style
}

/// Draws one label (nothing when empty).
pub(crate) fn label(
    root: &Root,
    text: &str,
    at: (f64, f64),
    style: &TextStyle,
    anchor: (HPos, VPos),
) -> Drawn {
    if text.is_empty() {
        return Ok(());
    }
    let style = style.pos(Pos::new(anchor.0, anchor.1));
    root.draw(&Text::new(
        text.to_owned(),
        (at.0.round() as i32, at.1.round() as i32),
        style,
    ))?;
    Ok(())
}

/// A filled rectangle from two corners in any order.
pub(crate) fn rect(root: &Root, a: (i32, i32), b: (i32, i32), style: ShapeStyle) -> Drawn {
    let upper_left = (a.0.min(b.0), a.1.min(b.1));
    let lower_right = (a.0.max(b.0), a.1.max(b.1));
    root.draw(&Rectangle::new([upper_left, lower_right], style))?;
    Ok(())
}

/// Draws with `draw` on a `width` × `height` canvas and wraps the result as the charts' SVG
/// document. A drawing error (none is expected from a string backend) leaves an empty chart
/// that still carries its title and description.
pub(crate) fn document(
    labels: &ChartLabels,
    height: f64,
    draw: impl FnOnce(&Root) -> Drawn,
) -> String {
    let width = labels.layout_width();
    let height = (height.ceil() as u32).clamp(80, 20_000);
    let mut svg = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let result = root
            .fill(&BACKGROUND)
            .map_err(Box::<dyn Error>::from)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(Box::<dyn Error>::from));
        result.is_ok()
    };
    if !drawn {
        svg.clear();
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        // Best effort: the fallback document is assembled below either way.
        let _ = root.fill(&BACKGROUND).and_then(|()| root.present());
    }
    accessible(&svg, width, height, labels)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Replaces plotters' fixed-size `<svg>` tag by one that scales to its container and names the
/// chart for assistive technology.
fn accessible(svg: &str, width: u32, height: u32, labels: &ChartLabels) -> String {
    let body = svg
        .strip_prefix("<svg")
        .and_then(|rest| rest.find(">\n").map(|end| &rest[end + 2..]))
        .unwrap_or("</svg>\n");
    let title = escape(&text::one_line(&labels.title));
    let description = escape(&text::one_line(&labels.description));
    let name = if description.is_empty() {
        &title
    } else {
        &description
    };
    let mut out = String::with_capacity(body.len() + 400);
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {width} {height}\" \
         preserveAspectRatio=\"xMidYMin meet\" role=\"img\" aria-label=\"{name}\" \
         font-family=\"{}\">\n<title>{title}</title>\n",
        escape(FONT_FAMILY)
    ));
    if !description.is_empty() {
        out.push_str(&format!("<desc>{description}</desc>\n"));
    }
    out.push_str(&tidy(body));
    out
}

/// Shrinks plotters' markup without changing what it draws: the font stack is inherited from
/// the root instead of repeated on every `<text>`, `opacity="1"` (the default) goes, and font
/// sizes lose the float noise of plotters' ÷1.24 (`13.000000000000002` → `13`).
fn tidy(body: &str) -> String {
    let body = body
        .replace(&format!(" font-family=\"{}\"", escape(FONT_FAMILY)), "")
        .replace(" opacity=\"1\"", "");
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(at) = rest.find(KEY) {
        let (before, after) = rest.split_at(at + KEY.len());
        out.push_str(before);
        let end = after.find('"').unwrap_or(after.len());
        let (number, tail) = after.split_at(end);
        match number.parse::<f64>() {
            Ok(size) => {
                let rounded = format!("{size:.2}");
                out.push_str(rounded.trim_end_matches('0').trim_end_matches('.'));
            }
            Err(_) => out.push_str(number),
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mark {
    /// A filled square.
    Box,
    /// A filled square at this opacity with a solid outline (overlaid histograms).
    Shaded(f64),
    /// A short thick line.
    Line,
    /// A grey square crossed by a line (missing heat-map cells).
    Missing,
}

#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    pub name: String,
    pub colour: RGBColor,
    pub mark: Mark,
}

/// The band above the plot: the title, then the legend in as many rows as the width needs.
pub(crate) struct Header {
    /// The title in at most two lines.
    title: Vec<String>,
    /// Per legend row: (x of the swatch, item, fitted name).
    rows: Vec<Vec<(f64, LegendItem, String)>>,
    pub height: f64,
    sizes: Sizes,
}

const SWATCH: f64 = 14.0;

impl Header {
    pub(crate) fn layout(labels: &ChartLabels, legend: &[LegendItem]) -> Header {
        let width = f64::from(labels.layout_width());
        let sizes = Sizes::for_width(labels.layout_width());
        let inner = width - 2.0 * sizes.pad;
        let title = if labels.show_title {
            text::wrap_bold(&labels.title, inner, sizes.title, 2)
        } else {
            Vec::new()
        };
        let mut height = sizes.pad;
        if !title.is_empty() {
            height += title.len() as f64 * Sizes::line(sizes.title) + 4.0;
        }
        let mut rows: Vec<Vec<(f64, LegendItem, String)>> = Vec::new();
        let mut x = sizes.pad;
        for item in legend {
            let name = text::fit(&item.name, inner - SWATCH - 6.0, sizes.label);
            let item_width = SWATCH + 6.0 + text::width(&name, sizes.label);
            if rows.is_empty() || (x + item_width > width - sizes.pad && x > sizes.pad) {
                rows.push(Vec::new());
                x = sizes.pad;
            }
            if let Some(row) = rows.last_mut() {
                row.push((x, item.clone(), name));
            }
            x += item_width + 18.0;
        }
        height += rows.len() as f64 * Sizes::line(sizes.label);
        if !rows.is_empty() {
            height += 4.0;
        }
        Header {
            title,
            rows,
            height,
            sizes,
        }
    }

    pub(crate) fn draw(&self, root: &Root) -> Drawn {
        let s = self.sizes;
        let mut y = s.pad;
        for line in &self.title {
            label(
                root,
                line,
                (s.pad, y),
                &bold(s.title, TEXT),
                (HPos::Left, VPos::Top),
            )?;
            y += Sizes::line(s.title);
        }
        if !self.title.is_empty() {
            y += 4.0;
        }
        for row in &self.rows {
            let middle = y + Sizes::line(s.label) / 2.0;
            for (x, item, name) in row {
                swatch(root, *x, middle, item)?;
                label(
                    root,
                    name,
                    (x + SWATCH + 6.0, middle),
                    &font(s.label, TEXT),
                    (HPos::Left, VPos::Center),
                )?;
            }
            y += Sizes::line(s.label);
        }
        Ok(())
    }
}

fn swatch(root: &Root, x: f64, middle: f64, item: &LegendItem) -> Drawn {
    let (x0, x1) = (x.round() as i32, (x + SWATCH).round() as i32);
    let (y0, y1) = (
        (middle - SWATCH / 2.0).round() as i32,
        (middle + SWATCH / 2.0).round() as i32,
    );
    match item.mark {
        Mark::Box => rect(root, (x0, y0), (x1, y1), item.colour.filled())?,
        Mark::Shaded(opacity) => {
            rect(root, (x0, y0), (x1, y1), item.colour.mix(opacity).filled())?;
            root.draw(&PathElement::new(
                vec![(x0, y1), (x0, y0), (x1, y0), (x1, y1)],
                item.colour.stroke_width(2),
            ))?;
        }
        Mark::Line => {
            let y = middle.round() as i32;
            root.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                item.colour.stroke_width(3),
            ))?;
        }
        Mark::Missing => {
            rect(root, (x0, y0), (x1, y1), crate::colour::MISSING.filled())?;
            root.draw(&PathElement::new(
                vec![(x0, y1), (x1, y0)],
                crate::colour::MISSING_LINE.stroke_width(1),
            ))?;
        }
    }
    Ok(())
}

/// One axis of a Cartesian frame.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// The data range shown.
    pub lo: f64,
    pub hi: f64,
    /// Range whose ticks are drawn (within `lo..=hi`); usually the same.
    pub ticks_lo: f64,
    pub ticks_hi: f64,
    /// Ticks at whole numbers only.
    pub integer: bool,
    /// Tick labels and grid lines along this axis.
    pub ticks: bool,
}

impl Axis {
    pub(crate) fn new(lo: f64, hi: f64, integer: bool) -> Axis {
        let (lo, hi) = sane_range(lo, hi);
        Axis {
            lo,
            hi,
            ticks_lo: lo,
            ticks_hi: hi,
            integer,
            ticks: true,
        }
    }
}

/// A finite, non-empty range from possibly degenerate ends.
pub(crate) fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    // Keep the span finite (a span past f64::MAX maps nothing).
    let (lo, hi) = if (hi - lo).is_finite() {
        (lo, hi)
    } else {
        (lo / 2.0, hi / 2.0)
    };
    if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        let half = (lo.abs() * 0.05).max(0.5);
        (lo - half, hi + half)
    }
}

/// A linear f64 axis whose ticks are chosen here (`ticks::fitted`), not by plotters.
/// (plotters' own `WithKeyPoints` does not carry the f64 label formatter in 0.3.7.)
struct Ticked {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ticked {
    fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticked {
        Ticked {
            linear: (lo..hi).into(),
            ticks,
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold (labelled) points: no light grid lines between ticks.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// The plot rectangle and how data maps onto it, handed to a chart's drawing code.
pub(crate) struct Plot<'c> {
    /// Pixel bounds of the plotting area: left, top, right, bottom.
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub sizes: Sizes,
    map: &'c dyn Fn(f64, f64) -> (i32, i32),
}

impl Plot<'_> {
    /// Pixel position of a data point (clamped far outside the canvas for wild values).
    pub(crate) fn px(&self, x: f64, y: f64) -> (i32, i32) {
        (self.map)(x, y)
    }
}

/// What a Cartesian chart needs besides its drawing code.
pub(crate) struct Frame<'l> {
    pub labels: &'l ChartLabels<'l>,
    pub legend: Vec<LegendItem>,
    pub x: Axis,
    pub y: Axis,
    /// Height of the plotting area (pixels).
    pub plot_height: f64,
    /// Width kept left of the plot for the chart's own labels when the y axis has no ticks.
    pub left_labels: f64,
    /// Draw vertical grid lines at the x ticks (horizontal ones at y ticks are always drawn).
    pub x_grid: bool,
}

/// Default plot height for a layout width: wide and short on desktop, squarer on a phone.
pub(crate) fn plot_height(labels: &ChartLabels) -> f64 {
    (f64::from(labels.layout_width()) * 0.45).clamp(170.0, 320.0)
}

impl Frame<'_> {
    /// Lays out the frame, draws title, legend, axes, ticks and grid with plotters, then calls
    /// `draw` for the data.
    pub(crate) fn render(self, draw: impl FnOnce(&Root, &Plot) -> Drawn) -> String {
        let labels = self.labels;
        let width = f64::from(labels.layout_width());
        let s = Sizes::for_width(labels.layout_width());
        let header = Header::layout(labels, &self.legend);
        let tick_size = 4;
        let label_dist = f64::from(tick_size * 2);

        // Vertical: header, plot, then tick labels and the x axis title.
        let top = header.height + (s.tick / 2.0).ceil();
        let plot_h = self.plot_height.max(60.0);
        let x_title = !labels.x_label.is_empty();
        let bottom = label_dist
            + Sizes::line(s.tick)
            + if x_title {
                4.0 + Sizes::line(s.label)
            } else {
                0.0
            }
            + s.pad / 2.0;
        let height = top + plot_h + bottom;

        // Horizontal: y axis title, y tick labels (or the chart's own labels), the plot.
        let number = |v: f64| labels.number(v);
        let y_ticks = if self.y.ticks {
            crate::ticks::fitted(
                self.y.ticks_lo,
                self.y.ticks_hi,
                plot_h,
                self.y.integer,
                6.0,
                &|_| Sizes::line(s.tick),
            )
        } else {
            Vec::new()
        };
        let y_tick_width = y_ticks
            .iter()
            .map(|v| text::width(&number(*v), s.tick))
            .fold(0.0, f64::max)
            .min(width * 0.3);
        let y_title = !labels.y_label.is_empty();
        let left = s.pad
            + if y_title {
                Sizes::line(s.label) + 4.0
            } else {
                0.0
            }
            + if self.y.ticks {
                y_tick_width + label_dist
            } else {
                self.left_labels
            };
        let provisional_right = s.pad.max(16.0);
        let plot_w = (width - left - provisional_right).max(40.0);
        let x_ticks = if self.x.ticks {
            crate::ticks::fitted(
                self.x.ticks_lo,
                self.x.ticks_hi,
                plot_w * (self.x.ticks_hi - self.x.ticks_lo) / (self.x.hi - self.x.lo),
                self.x.integer,
                10.0,
                &|v| text::width(&number(v), s.tick),
            )
        } else {
            Vec::new()
        };
        // Room for half of the last tick label past the plot's right edge.
        let right = x_ticks
            .last()
            .filter(|v| (self.x.hi - **v) / (self.x.hi - self.x.lo) < 0.05)
            .map(|v| text::width(&number(*v), s.tick) / 2.0 + 2.0)
            .unwrap_or(0.0)
            .max(provisional_right)
            .min(width * 0.2);

        let x_desc = text::fit(&labels.x_label, width - left - right, s.label);
        let y_desc = text::fit(&labels.y_label, plot_h, s.label);
        let y_labels: Vec<String> = y_ticks
            .iter()
            .map(|v| text::fit(&number(*v), y_tick_width, s.tick))
            .collect();
        let y_label_of = |v: &f64| {
            y_ticks
                .iter()
                .position(|t| t == v)
                .map(|i| y_labels[i].clone())
                .unwrap_or_default()
        };
        let x_label_of = |v: &f64| number(*v);

        document(labels, height, |root| {
            header.draw(root)?;
            let mut chart = ChartBuilder::on(root)
                .margin_top(top.round() as i32)
                .margin_right(right.round() as i32)
                .margin_left(s.pad.round() as i32)
                .x_label_area_size((bottom - s.pad / 2.0).round() as i32)
                .y_label_area_size((left - s.pad).round() as i32)
                .build_cartesian_2d(
                    Ticked::new(self.x.lo, self.x.hi, x_ticks.clone()),
                    Ticked::new(self.y.lo, self.y.hi, y_ticks.clone()),
                )?;
            let mut mesh = chart.configure_mesh();
            mesh.bold_line_style(GRID.stroke_width(1))
                .light_line_style(TRANSPARENT)
                .axis_style(MUTED.stroke_width(1))
                .set_all_tick_mark_size(tick_size)
                .x_label_style(font(s.tick, TEXT))
                .y_label_style(font(s.tick, TEXT))
                .x_label_formatter(&x_label_of)
                .y_label_formatter(&y_label_of)
                .axis_desc_style(font(s.label, TEXT))
                .x_desc(x_desc.clone())
                .y_desc(y_desc.clone());
            if !self.x_grid {
                mesh.disable_x_mesh();
            }
            if !self.y.ticks {
                mesh.disable_y_mesh();
            }
            mesh.draw()?;
            let (xs, ys) = chart.plotting_area().get_pixel_range();
            let map = |x: f64, y: f64| chart.backend_coord(&(x, y));
            let plot = Plot {
                left: xs.start,
                top: ys.start,
                right: xs.end - 1,
                bottom: ys.end - 1,
                sizes: s,
                map: &map,
            };
            draw(root, &plot)
        })
    }
}
