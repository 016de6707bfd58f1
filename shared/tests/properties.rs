//! Property tests of the engine on random small CSVs (numbers, text, missing cells, quotes,
//! embedded newlines, CRLF, ragged rows):
//!
//! * pushing the bytes in random chunk sizes gives exactly the same `Profile` (also across the
//!   64 KiB sniffing boundary, and with sketches when the exact limit is tiny);
//! * merging `TableAccumulator`s built over a random split of the batches, in a random order,
//!   gives the same counts / distinct / min / max / quantiles / histogram / top values as one
//!   accumulator (means and standard deviations within 1e-12 relative, correlations within
//!   1e-9);
//! * quantiles are monotone and within [min, max]; histogram counts add up to `count`;
//! * drift: statistics in [0, 1] (KS), p-values in [0, 1], PSI and Wasserstein >= 0; swapping
//!   reference and current leaves the KS statistic unchanged; a table against itself does not
//!   drift.
//!
//! Failures are not persisted to a `proptest-regressions/` file (nothing is written next to the
//! tests); proptest prints the minimal failing input, which belongs in a fixture or a unit test.

use proptest::prelude::*;
use proptest::test_runner::Config;
use shared::csv_input::{CsvSource, DecimalSeparator, ReadOptions, SourceEvent, TableHeader};
use shared::drift::{DriftOptions, DriftTest, compare};
use shared::profile::{Profile, ProfileOptions, Profiler, TableAccumulator, TableSummary};

// ---------------------------------------------------------------------------------------------
// Random tables.

#[derive(Debug, Clone, Copy)]
enum Flavour {
    Int,
    Float,
    Category,
    Text,
    Date,
    Bool,
    Mixed,
}

fn missing_cell() -> BoxedStrategy<String> {
    prop::sample::select(vec![
        "", "NA", " N/A ", "null", "NULL", "NaN", "nan", "-", "  ",
    ])
    .prop_map(str::to_string)
    .boxed()
}

fn value_cell(flavour: Flavour) -> BoxedStrategy<String> {
    match flavour {
        Flavour::Int => prop_oneof![
            4 => (-1000i64..1000).prop_map(|v| v.to_string()),
            1 => (0i64..5).prop_map(|v| v.to_string()),
            1 => (0i64..100).prop_map(|v| format!(" +{v} ")),
        ]
        .boxed(),
        Flavour::Float => prop_oneof![
            4 => (-1e4f64..1e4).prop_map(|v| format!("{v:.3}")),
            2 => (0u8..6).prop_map(|v| format!("{v}.5")),
            1 => (1u8..9, -3i8..4).prop_map(|(m, e)| format!("{m}e{e}")),
        ]
        .boxed(),
        Flavour::Category => prop::sample::select(vec!["a", "b", "c", "ä", "x y", "Zed"])
            .prop_map(str::to_string)
            .boxed(),
        Flavour::Text => "[a-zé ,;\"\n\r]{1,8}".boxed(),
        Flavour::Date => (0u32..40, 0u32..4)
            .prop_map(|(d, h)| {
                format!(
                    "2024-{:02}-{:02}T{:02}:00:00",
                    1 + d / 28,
                    1 + d % 28,
                    h * 6
                )
            })
            .boxed(),
        Flavour::Bool => prop::sample::select(vec!["true", "false", "TRUE", "False"])
            .prop_map(str::to_string)
            .boxed(),
        Flavour::Mixed => prop_oneof![
            value_cell(Flavour::Int),
            value_cell(Flavour::Float),
            value_cell(Flavour::Category),
            value_cell(Flavour::Text),
            value_cell(Flavour::Date),
            value_cell(Flavour::Bool),
        ]
        .boxed(),
    }
}

fn cell(flavour: Flavour) -> BoxedStrategy<String> {
    prop_oneof![1 => missing_cell(), 6 => value_cell(flavour)].boxed()
}

fn flavour() -> impl Strategy<Value = Flavour> {
    prop_oneof![
        3 => Just(Flavour::Int),
        3 => Just(Flavour::Float),
        2 => Just(Flavour::Category),
        1 => Just(Flavour::Text),
        1 => Just(Flavour::Date),
        1 => Just(Flavour::Bool),
        1 => Just(Flavour::Mixed),
    ]
}

/// How a row is written.
#[derive(Debug, Clone)]
struct RowStyle {
    crlf: bool,
    quote_all: bool,
    /// -1: drop the last cell, +1: one cell too many, 0: as wide as the header.
    ragged: i8,
}

#[derive(Debug, Clone)]
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    styles: Vec<RowStyle>,
    trailing_newline: bool,
}

fn row_style() -> impl Strategy<Value = RowStyle> {
    (
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop_oneof![20 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
    )
        .prop_map(|(crlf, quote_all, ragged)| RowStyle {
            crlf,
            quote_all,
            ragged,
        })
}

fn rows_for(flavours: &[Flavour], max_rows: usize) -> BoxedStrategy<Vec<Vec<String>>> {
    let row: Vec<BoxedStrategy<String>> = flavours.iter().map(|&f| cell(f)).collect();
    prop::collection::vec(row, 0..=max_rows).boxed()
}

fn table_from(flavours: Vec<Flavour>, max_rows: usize) -> BoxedStrategy<Table> {
    let header: Vec<String> = (0..flavours.len()).map(|i| format!("c{i}")).collect();
    (
        rows_for(&flavours, max_rows),
        prop::collection::vec(row_style(), max_rows + 1),
        any::<bool>(),
    )
        .prop_map(move |(rows, styles, trailing_newline)| Table {
            header: header.clone(),
            rows,
            styles,
            trailing_newline,
        })
        .boxed()
}

fn table(max_rows: usize) -> BoxedStrategy<Table> {
    prop::collection::vec(flavour(), 1..=4)
        .prop_flat_map(move |flavours| table_from(flavours, max_rows))
        .boxed()
}

/// Two tables with the same columns (same flavours), for drift.
fn table_pair(max_rows: usize) -> BoxedStrategy<(Table, Table)> {
    prop::collection::vec(flavour(), 1..=3)
        .prop_flat_map(move |flavours| {
            (
                table_from(flavours.clone(), max_rows),
                table_from(flavours, max_rows),
            )
        })
        .boxed()
}

fn write_field(out: &mut String, field: &str, quote_all: bool) {
    let needs = field.contains([',', '"', '\r', '\n']);
    if needs || quote_all {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

impl Table {
    /// The CSV text of the header and the given rows (by index).
    fn csv_of(&self, rows: &[usize], trailing_newline: bool) -> Vec<u8> {
        let mut out = String::new();
        for (i, name) in self.header.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_field(&mut out, name, false);
        }
        out.push('\n');
        for (k, &r) in rows.iter().enumerate() {
            let style = &self.styles[r % self.styles.len()];
            let mut cells = self.rows[r].clone();
            match style.ragged {
                -1 if cells.len() > 1 => {
                    cells.pop();
                }
                1 => cells.push("extra".to_string()),
                _ => {}
            }
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_field(&mut out, cell, style.quote_all);
            }
            if k + 1 < rows.len() || trailing_newline {
                out.push_str(if style.crlf { "\r\n" } else { "\n" });
            }
        }
        out.into_bytes()
    }

    fn csv(&self) -> Vec<u8> {
        let all: Vec<usize> = (0..self.rows.len()).collect();
        self.csv_of(&all, self.trailing_newline)
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn profile_in_chunks(bytes: &[u8], chunks: &[usize], options: &ProfileOptions) -> Profile {
    let mut profiler = Profiler::new(options.clone());
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let size = chunks[i % chunks.len()].max(1).min(rest.len());
        profiler.push(&rest[..size]);
        rest = &rest[size..];
        i += 1;
    }
    profiler.finish().into_profile()
}

fn summary(bytes: &[u8]) -> TableSummary {
    let mut profiler = Profiler::new(ProfileOptions::default());
    profiler.push(bytes);
    profiler.finish()
}

/// Comma, dot: every part of a split table is read the same way.
fn fixed_read_options() -> ReadOptions {
    ReadOptions {
        delimiter: Some(b','),
        decimal_separator: Some(DecimalSeparator::Dot),
        ..ReadOptions::default()
    }
}

fn header_of(bytes: &[u8], read: &ReadOptions) -> TableHeader {
    let mut source = CsvSource::new(read.clone());
    let mut header = None;
    let mut sink = |event: SourceEvent<'_>| {
        if let SourceEvent::Header(h) = event {
            header = Some(h.clone());
        }
    };
    source.push(bytes, &mut sink);
    source.finish(&mut sink);
    header.expect("a header is always emitted")
}

fn add_batches(acc: &mut TableAccumulator, bytes: &[u8], read: &ReadOptions) {
    let mut source = CsvSource::new(read.clone());
    let mut sink = |event: SourceEvent<'_>| {
        if let SourceEvent::Batch(batch) = event {
            acc.add_batch(batch);
        }
    };
    source.push(bytes, &mut sink);
    source.finish(&mut sink);
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

fn opt_close(a: Option<f64>, b: Option<f64>, rel: f64, floor: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b, rel) || (a - b).abs() <= floor,
        (None, None) => true,
        _ => false,
    }
}

/// Everything the merge must reproduce; means/std/correlations with tolerances.
fn assert_merged_equal(merged: &Profile, whole: &Profile) -> Result<(), TestCaseError> {
    prop_assert_eq!(merged.rows, whole.rows);
    prop_assert_eq!(merged.input.ragged_rows, whole.input.ragged_rows);
    prop_assert_eq!(merged.columns.len(), whole.columns.len());
    for (m, w) in merged.columns.iter().zip(&whole.columns) {
        let name = &w.name;
        prop_assert_eq!(&m.name, &w.name);
        prop_assert_eq!(m.kind, w.kind, "kind of {}", name);
        prop_assert_eq!(m.count, w.count, "count of {}", name);
        prop_assert_eq!(m.missing, w.missing, "missing of {}", name);
        prop_assert_eq!(m.distinct, w.distinct, "distinct of {}", name);
        prop_assert_eq!(m.min, w.min, "min of {}", name);
        prop_assert_eq!(m.max, w.max, "max of {}", name);
        prop_assert_eq!(m.quantiles, w.quantiles, "quantiles of {}", name);
        prop_assert_eq!(&m.histogram, &w.histogram, "histogram of {}", name);
        prop_assert_eq!(&m.top, &w.top, "top values of {}", name);
        prop_assert_eq!(
            &m.datetime_range,
            &w.datetime_range,
            "date-times of {}",
            name
        );
        prop_assert!(
            opt_close(m.mean, w.mean, 1e-12, 0.0),
            "mean of {}: merged {:?}, whole {:?}",
            name,
            m.mean,
            w.mean
        );
        prop_assert!(
            opt_close(m.std, w.std, 1e-12, 0.0),
            "std of {}: merged {:?}, whole {:?}",
            name,
            m.std,
            w.std
        );
    }
    prop_assert_eq!(&merged.correlation.columns, &whole.correlation.columns);
    prop_assert_eq!(&merged.correlation.omitted, &whole.correlation.omitted);
    for (i, (mr, wr)) in merged
        .correlation
        .matrix
        .iter()
        .zip(&whole.correlation.matrix)
        .enumerate()
    {
        for (j, (&m, &w)) in mr.iter().zip(wr).enumerate() {
            prop_assert!(
                opt_close(m, w, 1e-9, 1e-12),
                "correlation [{}, {}]: merged {:?}, whole {:?}",
                i,
                j,
                m,
                w
            );
        }
    }
    Ok(())
}

fn assert_profile_invariants(profile: &Profile) -> Result<(), TestCaseError> {
    for c in &profile.columns {
        prop_assert_eq!(
            c.count + c.missing,
            profile.rows,
            "count + missing of {}",
            c.name
        );
        if let (Some(q), Some(min), Some(max)) = (c.quantiles, c.min, c.max) {
            let levels = [q.p1, q.p5, q.p25, q.p50, q.p75, q.p95, q.p99];
            prop_assert!(min <= q.p1, "{}: min {} > p1 {}", c.name, min, q.p1);
            prop_assert!(q.p99 <= max, "{}: p99 {} > max {}", c.name, q.p99, max);
            for pair in levels.windows(2) {
                prop_assert!(
                    pair[0] <= pair[1],
                    "{}: quantiles not monotone {:?}",
                    c.name,
                    levels
                );
            }
        }
        if let Some(h) = &c.histogram {
            prop_assert_eq!(h.edges.len(), h.counts.len() + 1);
            prop_assert!(
                h.edges.windows(2).all(|e| e[0] < e[1]),
                "{}: edges {:?}",
                c.name,
                h.edges
            );
            if c.approximation.is_none() {
                prop_assert_eq!(
                    h.counts.iter().sum::<u64>(),
                    c.count,
                    "histogram of {}",
                    c.name
                );
            }
        }
        if c.approximation.is_none() {
            let top: u64 = c.top.iter().map(|t| t.count).sum();
            prop_assert!(top <= c.count);
            prop_assert!(c.top.len() as u64 <= c.distinct.min(10));
            prop_assert!(c.top.windows(2).all(|t| t[0].count >= t[1].count));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    #[test]
    fn chunking_never_changes_the_profile(
        t in table(30),
        chunks in prop::collection::vec(1usize..48, 1..8),
        exact_limit in prop_oneof![3 => Just(1_000_000u64), 1 => 2u64..12],
    ) {
        let bytes = t.csv();
        let options = ProfileOptions { exact_limit, ..ProfileOptions::default() };
        let whole = profile_in_chunks(&bytes, &[bytes.len().max(1)], &options);
        let chunked = profile_in_chunks(&bytes, &chunks, &options);
        prop_assert_eq!(&chunked, &whole);
        assert_profile_invariants(&whole)?;
    }

    #[test]
    fn merged_accumulators_equal_one_accumulator(
        t in table(30),
        cuts in prop::collection::vec(0usize..=30, 0..5),
        owners in prop::collection::vec(0usize..3, 6),
        order in Just(vec![0usize, 1, 2]).prop_shuffle(),
    ) {
        let read = fixed_read_options();
        let options = ProfileOptions { read: read.clone(), ..ProfileOptions::default() };
        let bytes = t.csv();
        let header = header_of(&bytes, &read);

        let mut whole = TableAccumulator::new(header.clone(), options.clone());
        add_batches(&mut whole, &bytes, &read);
        let whole = whole.finish(bytes.len() as u64, false).into_profile();

        // Contiguous segments of rows, each read as its own batch by one of three accumulators.
        let n = t.rows.len();
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(n)).collect();
        bounds.push(0);
        bounds.push(n);
        bounds.sort_unstable();
        bounds.dedup();
        let mut accumulators: Vec<Option<TableAccumulator>> = (0..3)
            .map(|_| Some(TableAccumulator::new(header.clone(), options.clone())))
            .collect();
        for (s, segment) in bounds.windows(2).enumerate() {
            let rows: Vec<usize> = (segment[0]..segment[1]).collect();
            let part = t.csv_of(&rows, true);
            let owner = owners[s % owners.len()];
            add_batches(accumulators[owner].as_mut().expect("present"), &part, &read);
        }
        let mut merged = accumulators[order[0]].take().expect("present");
        for &i in &order[1..] {
            merged.merge(accumulators[i].take().expect("present"));
        }
        let merged = merged.finish(bytes.len() as u64, false).into_profile();
        assert_merged_equal(&merged, &whole)?;
    }

    #[test]
    fn drift_statistics_are_bounded_and_ks_is_symmetric((a, b) in table_pair(40)) {
        let (a, b) = (a.csv(), b.csv());
        let options = DriftOptions::default();
        let ab = compare(&summary(&a), &summary(&b), &options);
        let ba = compare(&summary(&b), &summary(&a), &options);
        for c in &ab.columns {
            prop_assert!((0.0..=1.0).contains(&c.p_value), "{}: p {}", c.name, c.p_value);
            prop_assert!(c.statistic >= 0.0, "{}: statistic {}", c.name, c.statistic);
            if c.test == DriftTest::Ks {
                prop_assert!(c.statistic <= 1.0, "{}: KS statistic {}", c.name, c.statistic);
            }
            if let Some(psi) = c.psi {
                prop_assert!(psi >= 0.0 && psi.is_finite(), "{}: psi {}", c.name, psi);
            }
            if let Some(w) = c.wasserstein {
                prop_assert!(w >= 0.0 && w.is_finite(), "{}: wasserstein {}", c.name, w);
            }
            prop_assert_eq!(c.drifted, c.p_value < options.p_value_threshold);
        }
        prop_assert!((0.0..=1.0).contains(&ab.drifted_share));
        let names = |r: &shared::drift::DriftReport| -> Vec<String> {
            r.columns.iter().map(|c| c.name.clone()).collect()
        };
        prop_assert_eq!(names(&ab), names(&ba));
        for (x, y) in ab.columns.iter().zip(&ba.columns) {
            prop_assert_eq!(x.test, y.test);
            if x.test == DriftTest::Ks {
                prop_assert_eq!(x.statistic, y.statistic, "KS statistic of {} not symmetric", &x.name);
                prop_assert!(
                    close(x.p_value, y.p_value, 1e-9),
                    "KS p-value of {} not symmetric: {} vs {}", x.name, x.p_value, y.p_value
                );
            }
            prop_assert!(
                opt_close(x.wasserstein, y.wasserstein, 1e-12, 1e-12),
                "Wasserstein of {} not symmetric: {:?} vs {:?}", x.name, x.wasserstein, y.wasserstein
            );
        }
    }

    #[test]
    fn a_table_never_drifts_from_itself(t in table(40)) {
        let bytes = t.csv();
        let report = compare(&summary(&bytes), &summary(&bytes), &DriftOptions::default());
        prop_assert!(!report.dataset_drift);
        prop_assert_eq!(report.drifted_share, 0.0);
        for c in &report.columns {
            prop_assert!(!c.drifted, "{} drifted from itself", c.name);
            prop_assert_eq!(c.statistic, 0.0, "statistic of {}", &c.name);
            prop_assert_eq!(c.p_value, 1.0, "p-value of {}", &c.name);
            prop_assert_eq!(c.psi, Some(0.0), "psi of {}", &c.name);
            if let Some(w) = c.wasserstein {
                prop_assert_eq!(w, 0.0, "wasserstein of {}", &c.name);
            }
        }
    }
}

proptest! {
    // Larger inputs: the dialect is sniffed from the first 64 KiB pushed, so chunk sizes decide
    // where the sample ends. The profile must not depend on it.
    #![proptest_config(Config { cases: 12, failure_persistence: None, ..Config::default() })]

    #[test]
    fn chunking_across_the_sniffing_boundary(
        t in table(20),
        long_text in prop::bool::ANY,
        chunks in prop::collection::vec(1usize..9000, 1..6),
    ) {
        let mut t = t;
        if long_text {
            for (r, row) in t.rows.iter_mut().enumerate() {
                row[0] = format!("{}{}", "long text ".repeat(40), r);
            }
        }
        let mut bytes = Vec::new();
        let body = t.csv();
        let header_end = body.iter().position(|&b| b == b'\n').map_or(body.len(), |p| p + 1);
        bytes.extend_from_slice(&body[..header_end]);
        if body.len() > header_end {
            let mut rows = body[header_end..].to_vec();
            if !t.trailing_newline {
                rows.push(b'\n');
            }
            while bytes.len() < 80 * 1024 {
                bytes.extend_from_slice(&rows);
            }
        }
        let options = ProfileOptions::default();
        let whole = profile_in_chunks(&bytes, &[bytes.len().max(1)], &options);
        let chunked = profile_in_chunks(&bytes, &chunks, &options);
        prop_assert_eq!(&chunked, &whole);
        assert_profile_invariants(&whole)?;
    }
}
