//! The table accumulator (batches in, merge, finish) and the streaming [`Profiler`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::csv_input::{
    CsvSource, RecordBatch, SourceEvent, TableHeader, TextEncoding, classify_cell_hinted,
    decode_text, delimiter_name,
};

use super::column_stats::{ColumnAccumulator, ColumnData};
use super::correlation::CorrelationAccumulator;
use super::{ColumnProfile, InputReport, Profile, ProfileOptions};

/// How many ragged row numbers are reported.
const RAGGED_EXAMPLES: usize = 10;

/// Statistics of a table being read. Feed it batches, merge accumulators of other parts of the
/// same table (in any order), then finish.
pub struct TableAccumulator {
    header: TableHeader,
    options: ProfileOptions,
    rows: u64,
    ragged_rows: u64,
    ragged_examples: Vec<u64>,
    columns: Vec<ColumnAccumulator>,
    correlation: CorrelationAccumulator,
    /// Per column, the batch's numbers aligned by row (NaN when absent).
    scratch: Vec<Vec<f64>>,
    /// Values per column over every accumulator of this table (see [`TableAccumulator::fork`]).
    budget: Arc<Vec<AtomicU64>>,
    /// Values per column already added to `budget` by this accumulator.
    reported: Vec<u64>,
}

impl TableAccumulator {
    pub fn new(header: TableHeader, options: ProfileOptions) -> Self {
        let width = header.names.len();
        Self {
            correlation: CorrelationAccumulator::new(options.max_correlation_columns),
            header,
            options,
            rows: 0,
            ragged_rows: 0,
            ragged_examples: Vec::new(),
            columns: (0..width).map(|_| ColumnAccumulator::default()).collect(),
            scratch: vec![Vec::new(); width],
            budget: Arc::new((0..width).map(|_| AtomicU64::new(0)).collect()),
            reported: vec![0; width],
        }
    }

    /// An empty accumulator for other rows of the same table, e.g. on another thread. Forks
    /// share one count of values per column, so a column switches to sketches everywhere as
    /// soon as the table as a whole holds more than the exact limit (memory stays flat however
    /// many workers there are), and a table within the limit stays exact however it is split.
    pub fn fork(&self) -> TableAccumulator {
        let mut fork = TableAccumulator::new(self.header.clone(), self.options.clone());
        fork.budget = Arc::clone(&self.budget);
        fork
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn header(&self) -> &TableHeader {
        &self.header
    }

    pub fn add_batch(&mut self, batch: &RecordBatch) {
        let width = self.columns.len();
        let rows = batch.len();
        let limit = self.options.exact_limit;
        let cells = &self.header.cells;
        for (c, column) in self.columns.iter().enumerate() {
            let scratch = &mut self.scratch[c];
            scratch.clear();
            if column.is_numeric() {
                scratch.resize(rows, f64::NAN);
            }
        }
        let mut has_number = vec![false; width];
        for (r, record) in batch.records().enumerate() {
            let fields = record.len();
            if fields != width {
                self.ragged_rows += 1;
                if self.ragged_examples.len() < RAGGED_EXAMPLES {
                    self.ragged_examples.push(batch.first_record() + r as u64);
                }
            }
            for (c, field) in record.fields().take(width).enumerate() {
                let column = &mut self.columns[c];
                let value = classify_cell_hinted(field, cells, column.hint());
                if let Some(x) = column.add(value, limit)
                    && let Some(slot) = self.scratch[c].get_mut(r)
                {
                    *slot = x;
                    has_number[c] = true;
                }
            }
            for column in self.columns.iter_mut().skip(fields) {
                column.add_missing();
            }
        }
        self.rows += rows as u64;
        self.report_to_budget();
        for (c, column) in self.columns.iter().enumerate() {
            if !column.is_numeric() {
                has_number[c] = false;
                self.correlation.drop_column(c);
            }
        }
        let aligned: Vec<Option<&[f64]>> = self
            .scratch
            .iter()
            .zip(&has_number)
            .map(|(values, &has)| has.then_some(values.as_slice()))
            .collect();
        self.correlation.add_batch(&aligned);
    }

    /// Adds this batch's values to the shared budget; sketches the columns past the limit.
    fn report_to_budget(&mut self) {
        let limit = self.options.exact_limit;
        for (c, column) in self.columns.iter_mut().enumerate() {
            let delta = column.values - self.reported[c];
            if delta == 0 {
                continue;
            }
            self.reported[c] = column.values;
            let total = self.budget[c].fetch_add(delta, Ordering::Relaxed) + delta;
            if total > limit {
                column.reached_limit();
            }
        }
    }

    /// Sorts the kept values of every column now, so that `merge` and `finish` are linear.
    pub fn presort(&mut self) {
        for column in &mut self.columns {
            column.presort();
        }
    }

    /// Notes which columns' kept values are already in order (a time column, an id), so that
    /// merging keeps them sorted without sorting: cheaper than [`TableAccumulator::presort`]
    /// when the merge is followed by one sort per column anyway.
    pub fn mark_sorted_columns(&mut self) {
        for column in &mut self.columns {
            column.mark_sorted();
        }
    }

    /// Adds another accumulator of the same table (same header), read from other rows.
    pub fn merge(&mut self, other: TableAccumulator) {
        let limit = self.options.exact_limit;
        self.merge_table_level(&other);
        for (mine, theirs) in self.columns.iter_mut().zip(other.columns) {
            mine.merge(theirs, limit);
        }
        self.correlation.merge(other.correlation);
    }

    fn merge_table_level(&mut self, other: &TableAccumulator) {
        self.rows += other.rows;
        self.ragged_rows += other.ragged_rows;
        self.ragged_examples.extend(&other.ragged_examples);
        self.ragged_examples.sort_unstable();
        self.ragged_examples.truncate(RAGGED_EXAMPLES);
    }

    /// Builds the profile. `bytes` and `bom` describe the input as a whole.
    pub fn finish(self, bytes: u64, bom: bool) -> TableSummary {
        let (assembly, jobs) = self.finish_jobs(Vec::new(), bytes, bom);
        let results = jobs.into_iter().map(ColumnJob::run).collect();
        assembly.assemble(results)
    }

    /// Splits the finishing of this accumulator and `others` of the same table (e.g. one per
    /// worker) into one job per column — merge that column's parts, then compute its
    /// statistics — so a caller with threads can run them in parallel.
    /// [`TableAssembly::assemble`] takes the results in column order.
    pub fn finish_jobs(
        self,
        others: Vec<TableAccumulator>,
        bytes: u64,
        bom: bool,
    ) -> (TableAssembly, Vec<ColumnJob>) {
        let mut first = self;
        let parts = others;
        let width = first.columns.len();
        let mut per_column: Vec<Vec<ColumnAccumulator>> = std::mem::take(&mut first.columns)
            .into_iter()
            .map(|c| vec![c])
            .collect();
        for part in parts {
            first.merge_table_level(&part);
            first.correlation.merge(part.correlation);
            for (c, column) in part.columns.into_iter().enumerate().take(width) {
                per_column[c].push(column);
            }
        }
        let forced = first.header.dialect.forced_encoding;
        let jobs = per_column
            .into_iter()
            .zip(&first.header.names)
            .map(|(parts, name)| ColumnJob {
                name: name.clone(),
                parts,
                exact_limit: first.options.exact_limit,
                max_bins: first.options.max_histogram_bins,
                top_n: first.options.top_values,
                forced,
            })
            .collect();
        let TableAccumulator {
            header,
            options,
            rows,
            ragged_rows,
            ragged_examples,
            correlation,
            ..
        } = first;
        let assembly = TableAssembly {
            header,
            options,
            rows,
            ragged_rows,
            ragged_examples,
            correlation,
            bytes,
            bom,
        };
        (assembly, jobs)
    }
}

/// Merging and finishing one column; independent of the other columns.
pub struct ColumnJob {
    name: String,
    parts: Vec<ColumnAccumulator>,
    exact_limit: u64,
    max_bins: usize,
    top_n: usize,
    forced: Option<TextEncoding>,
}

/// A finished column, to hand to [`TableAssembly::assemble`].
pub struct ColumnResult {
    profile: ColumnProfile,
    data: ColumnData,
    non_utf8: bool,
}

impl ColumnJob {
    /// Values kept for exact statistics (a size hint for scheduling: biggest first).
    pub fn weight(&self) -> u64 {
        self.parts.iter().map(|c| c.values).sum()
    }

    pub fn run(self) -> ColumnResult {
        let mut parts = self.parts.into_iter();
        let mut column = parts.next().unwrap_or_default();
        for part in parts {
            column.merge(part, self.exact_limit);
        }
        let non_utf8 = column.non_utf8;
        let forced = self.forced;
        let decode = |bytes: &[u8]| decode_text(bytes, forced);
        let (profile, data) = column.finish(self.name, self.max_bins, self.top_n, &decode);
        ColumnResult {
            profile,
            data,
            non_utf8,
        }
    }
}

/// The table-level part of finishing: row counts, correlation, how the input was read.
pub struct TableAssembly {
    header: TableHeader,
    options: ProfileOptions,
    rows: u64,
    ragged_rows: u64,
    ragged_examples: Vec<u64>,
    correlation: CorrelationAccumulator,
    bytes: u64,
    bom: bool,
}

impl TableAssembly {
    /// Puts the finished columns (in column order) and the table-level figures together.
    pub fn assemble(self, results: Vec<ColumnResult>) -> TableSummary {
        let TableAssembly {
            header,
            options,
            rows,
            ragged_rows,
            mut ragged_examples,
            correlation,
            bytes,
            bom,
        } = self;
        ragged_examples.sort_unstable();
        let non_utf8 = results.iter().any(|r| r.non_utf8)
            || header.names.iter().any(|n| n.contains('\u{FFFD}'));
        let forced = header.dialect.forced_encoding;
        let (profiles, data): (Vec<ColumnProfile>, Vec<ColumnData>) =
            results.into_iter().map(|r| (r.profile, r.data)).unzip();
        let numeric: Vec<usize> = profiles
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind.is_numeric())
            .map(|(i, _)| i)
            .collect();
        let has_spread = |c: usize| {
            let p = &profiles[c];
            p.count >= 2 && p.min != p.max
        };
        let correlation = correlation.finish(&numeric, &header.names, &has_spread);
        let encoding = match forced {
            Some(encoding) => encoding,
            None if non_utf8 => TextEncoding::Windows1252,
            None => TextEncoding::Utf8,
        };
        let input = InputReport {
            bytes,
            delimiter: delimiter_name(header.dialect.delimiter),
            encoding,
            bom,
            decimal_separator: header.dialect.decimal_separator,
            has_header: options.read.has_header,
            ragged_rows,
            ragged_row_examples: ragged_examples,
            missing_tokens: options.read.missing_tokens.clone(),
            exact_limit: options.exact_limit,
        };
        TableSummary {
            profile: Profile {
                rows,
                columns: profiles,
                correlation,
                input,
            },
            columns: data,
        }
    }
}

/// A finished table: its [`Profile`] plus what drift needs (sorted values or sketches).
pub struct TableSummary {
    profile: Profile,
    pub(crate) columns: Vec<ColumnData>,
}

impl TableSummary {
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn into_profile(self) -> Profile {
        self.profile
    }
}

/// The streaming profiler: `push` bytes in any chunks, then `finish`.
///
/// ```
/// use shared::profile::{Profiler, ProfileOptions};
/// let mut profiler = Profiler::new(ProfileOptions::default());
/// profiler.push(b"a,b\n1,x\n2,");
/// profiler.push(b"y\n");
/// let profile = profiler.finish().into_profile();
/// assert_eq!(profile.rows, 2);
/// assert_eq!(profile.columns[0].mean, Some(1.5));
/// ```
pub struct Profiler {
    source: CsvSource,
    table: Option<TableAccumulator>,
    options: ProfileOptions,
}

impl Profiler {
    pub fn new(options: ProfileOptions) -> Self {
        Self {
            source: CsvSource::new(options.read.clone()),
            table: None,
            options,
        }
    }

    /// Bytes pushed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.source.bytes_seen()
    }

    /// Data rows read so far.
    pub fn rows_seen(&self) -> u64 {
        self.table.as_ref().map_or(0, TableAccumulator::rows)
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let Self {
            source,
            table,
            options,
        } = self;
        source.push(bytes, &mut |event| Self::on_event(event, table, options));
    }

    pub fn finish(mut self) -> TableSummary {
        let Self {
            source,
            table,
            options,
        } = &mut self;
        source.finish(&mut |event| Self::on_event(event, table, options));
        let (bytes, bom) = (self.source.bytes_seen(), self.source.had_bom());
        match self.table {
            Some(table) => table.finish(bytes, bom),
            None => unreachable_empty(),
        }
    }

    fn on_event(
        event: SourceEvent<'_>,
        table: &mut Option<TableAccumulator>,
        options: &ProfileOptions,
    ) {
        match event {
            SourceEvent::Header(header) => {
                *table = Some(TableAccumulator::new(header.clone(), options.clone()));
            }
            SourceEvent::Batch(batch) => {
                if let Some(table) = table.as_mut() {
                    table.add_batch(batch);
                }
            }
        }
    }
}

/// `CsvSource::finish` always sends a header, so a table always exists after it.
fn unreachable_empty() -> TableSummary {
    unreachable!("CsvSource::finish always emits a header")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_input::{
        CellContext, DEFAULT_MISSING_TOKENS, DecimalSeparator, Dialect, ReaderEvent, RecordReader,
    };

    /// `rows` integers in one column, read in batches of 2, alternately given to two forks.
    fn split_profile(rows: usize, limit: u64) -> Profile {
        let options = ProfileOptions {
            exact_limit: limit,
            ..ProfileOptions::default()
        };
        let tokens: Vec<String> = DEFAULT_MISSING_TOKENS
            .iter()
            .map(|t| t.to_string())
            .collect();
        let header = TableHeader {
            names: vec!["x".to_string()],
            dialect: Dialect {
                delimiter: b',',
                decimal_separator: DecimalSeparator::Dot,
                forced_encoding: None,
            },
            cells: CellContext::new(DecimalSeparator::Dot, &tokens),
        };
        let base = TableAccumulator::new(header, options);
        let mut forks = [base.fork(), base.fork()];
        let mut turn = 0;
        let mut reader = RecordReader::with_batch_size(b',', true, 2);
        let mut sink = |event: ReaderEvent<'_>| {
            if let ReaderEvent::Batch(batch) = event {
                forks[turn % 2].add_batch(batch);
                turn += 1;
            }
        };
        let csv: String = std::iter::once("x\n".to_string())
            .chain((0..rows).map(|i| format!("{i}\n")))
            .collect();
        reader.push(csv.as_bytes(), &mut sink);
        reader.finish(&mut sink);
        let [mut a, b] = forks;
        a.merge(b);
        a.finish(0, false).into_profile()
    }

    #[test]
    fn forks_share_the_exact_limit() {
        // 1,500 distinct values: past the limit this column cannot be counted, so it is sketched.
        let exact = split_profile(1500, 1500);
        assert_eq!(exact.columns[0].count, 1500);
        assert!(exact.columns[0].approximation.is_none());
        let sketched = split_profile(1501, 1500);
        assert_eq!(sketched.columns[0].count, 1501);
        assert!(sketched.columns[0].approximation.is_some());
    }
}
