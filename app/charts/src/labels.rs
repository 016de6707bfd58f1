//! What the caller says about a chart: its words (already translated), how numbers are written,
//! and the width it is laid out for.

/// The words and number format of one chart. The app translates the words; the chart only
/// places them.
pub struct ChartLabels<'a> {
    /// Drawn at the top (unless `show_title` is false) and the SVG's `<title>`.
    pub title: String,
    /// The chart in words for screen readers ("Histogram of age: most values between 30 and
    /// 40"): the SVG's `aria-label` and `<desc>`. When empty, the title is used.
    pub description: String,
    /// Horizontal axis title (empty: none).
    pub x_label: String,
    /// Vertical axis title (empty: none).
    pub y_label: String,
    /// How a missing value is named in a heat map's legend ("no value"); empty: no legend
    /// entry (missing cells are still drawn hatched).
    pub missing: String,
    /// Writes every number shown (tick labels, bar values, cell values) in the user's locale.
    pub format: &'a dyn Fn(f64) -> String,
    /// The width in CSS pixels the chart is laid out for; the SVG is `width="100%"` with a
    /// `viewBox` of this width, so passing the container's width keeps text at its nominal
    /// size (about 12–16 px), while any other width still scales. Clamped to 240..=2400.
    pub width: u32,
    /// Whether to draw the title inside the SVG (an exported chart needs it; a card that
    /// already has a heading does not).
    pub show_title: bool,
}

impl<'a> ChartLabels<'a> {
    /// Default layout width: a desktop card.
    pub const DEFAULT_WIDTH: u32 = 640;

    /// A chart titled `title`, described for screen readers by `description`, with numbers
    /// written by `format`; no axis titles, 640 px wide, title shown.
    pub fn new(
        title: impl Into<String>,
        description: impl Into<String>,
        format: &'a dyn Fn(f64) -> String,
    ) -> Self {
        Self {
            title: title.into(),
            description: description.into(),
            x_label: String::new(),
            y_label: String::new(),
            missing: String::new(),
            format,
            width: Self::DEFAULT_WIDTH,
            show_title: true,
        }
    }

    /// Sets the axis titles.
    pub fn axes(mut self, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        self.x_label = x_label.into();
        self.y_label = y_label.into();
        self
    }

    /// Sets the layout width (CSS pixels).
    pub fn with_width(mut self, width: u32) -> Self {
        self.width = width;
        self
    }

    /// Sets the name of a missing value (heat-map legend).
    pub fn with_missing(mut self, missing: impl Into<String>) -> Self {
        self.missing = missing.into();
        self
    }

    /// Hides the drawn title (the `<title>` element stays).
    pub fn without_title(mut self) -> Self {
        self.show_title = false;
        self
    }

    pub(crate) fn layout_width(&self) -> u32 {
        self.width.clamp(240, 2400)
    }

    /// A number as the user reads it, on one line.
    pub(crate) fn number(&self, value: f64) -> String {
        crate::text::one_line(&(self.format)(value))
    }
}

/// The names of the two sides of a drift comparison, and of the KS distance ("KS distance",
/// "distance KS"), as the legend and the ECDF's mark show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub reference: String,
    pub current: String,
    /// Printed beside the KS mark as `"{ks_distance} = {value}"`.
    pub ks_distance: String,
}

/// How heat-map values map to colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HeatScale {
    /// −1 (blue) … 0 (near white) … +1 (red), ColorBrewer RdBu: correlations.
    Diverging,
    /// 0 (near white) … `max` (dark blue), ColorBrewer Blues: counts. A `max` that is not a
    /// positive finite number means "the largest value in the data".
    Sequential { max: f64 },
}
