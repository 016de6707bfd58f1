//! Column profiles: the result types and the streaming profiler that builds them.

mod column_stats;
mod correlation;
pub mod field_type;
mod numeric;
mod table;
mod text;

pub use column_stats::format_number;
pub use field_type::ColumnKind;
pub use table::{ColumnJob, ColumnResult, Profiler, TableAccumulator, TableAssembly, TableSummary};

pub(crate) use column_stats::ColumnData;
pub(crate) use numeric::{Distribution, NumberSummary};
pub(crate) use text::TextSummary;

use serde::{Deserialize, Serialize};

use crate::csv_input::{DecimalSeparator, ReadOptions, TextEncoding};

/// Knobs of the profiler. The defaults suit ordinary files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileOptions {
    pub read: ReadOptions,
    /// Values per column kept for exact statistics; beyond it, sketches.
    pub exact_limit: u64,
    /// Numeric columns in the correlation matrix (the first ones that show numbers).
    pub max_correlation_columns: usize,
    /// Cap on the automatically chosen number of histogram bins.
    pub max_histogram_bins: usize,
    /// How many most frequent values to report.
    pub top_values: usize,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        Self {
            read: ReadOptions::default(),
            exact_limit: 1_000_000,
            max_correlation_columns: 32,
            max_histogram_bins: 50,
            top_values: 10,
        }
    }
}

/// The profile of a table: what `csv-analyzer profile --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Data rows (the header is not counted).
    pub rows: u64,
    pub columns: Vec<ColumnProfile>,
    pub correlation: CorrelationMatrix,
    pub input: InputReport,
}

/// How the input was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    pub bytes: u64,
    /// `,` `;` `\t` `|` or another single character.
    pub delimiter: String,
    /// `utf-8`, or `windows-1252` when some text was not valid UTF-8.
    pub encoding: TextEncoding,
    pub bom: bool,
    pub decimal_separator: DecimalSeparator,
    pub has_header: bool,
    /// Rows whose field count differs from the header's.
    pub ragged_rows: u64,
    /// The first few ragged rows (1-based data row numbers).
    pub ragged_row_examples: Vec<u64>,
    pub missing_tokens: Vec<String>,
    pub exact_limit: u64,
}

/// One column's profile. `count` is the number of non-missing values; a statistic that is
/// undefined (no values, one value for `std`, a non-numeric column) is `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    pub count: u64,
    pub missing: u64,
    /// Distinct non-missing values: parsed values for numbers and date-times, text otherwise.
    pub distinct: u64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1).
    pub std: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub quantiles: Option<Quantiles>,
    pub histogram: Option<Histogram>,
    /// Most frequent values, by count descending then value ascending.
    pub top: Vec<TopValue>,
    pub datetime_range: Option<DateTimeRange>,
    /// Present when the column went past the exact limit: the sketches' error bounds.
    pub approximation: Option<Approximation>,
}

/// Quantiles by linear interpolation (numpy/pandas default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    pub p1: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Quantiles {
    fn from_slice(q: &[f64]) -> Quantiles {
        Quantiles {
            p1: q[0],
            p5: q[1],
            p25: q[2],
            p50: q[3],
            p75: q[4],
            p95: q[5],
            p99: q[6],
        }
    }
}

/// Equal-width bins `[edges[i], edges[i+1])`, the last one closed; bin count chosen as numpy's
/// `bins="auto"`, capped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopValue {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateTimeRange {
    pub min: String,
    pub max: String,
}

/// Error bounds of sketch-based statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Approximation {
    /// Normalised rank error of the quantiles and histogram (KLL sketch).
    pub quantile_rank_error: f64,
    /// Relative error of `distinct` at 2 standard deviations (HyperLogLog).
    pub distinct_relative_error: f64,
    /// Largest over-count of a `top` value's count (frequent items sketch).
    pub top_count_max_error: u64,
}

/// Pearson correlation over pairwise-complete rows; `null` where undefined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CorrelationMatrix {
    pub columns: Vec<String>,
    pub matrix: Vec<Vec<Option<f64>>>,
    /// Numeric columns left out (more than `max_correlation_columns`).
    pub omitted: Vec<String>,
}
