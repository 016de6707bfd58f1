//! What the drift view draws for a tested column: the two distributions side by side.
//!
//! - Numbers and date-times (KS-tested): [`DISTRIBUTION_BINS`] equal-width bins over the union
//!   of both ranges with each side's count, both ECDFs on one grid of at most
//!   [`MAX_ECDF_POINTS`] points, and where the KS distance is reached.
//! - Categories and booleans (chi-square-tested): the [`MAX_CATEGORIES`] most frequent
//!   categories (by reference share plus current share) with both shares, the rest as "other".
//!
//! Date-times are in microseconds since 1970-01-01, as the engine keeps them. Exact columns give
//! exact figures; a sketched side gives approximate ones (counts from its KLL ranks), flagged by
//! `approximate`.

use serde::{Deserialize, Serialize};

use super::report::DriftReport;
use crate::profile::{ColumnData, ColumnKind, NumberSummary, TableSummary, TextSummary};

/// Bins of the overlaid histograms.
pub const DISTRIBUTION_BINS: usize = 30;
/// Most points on the ECDF grid.
pub const MAX_ECDF_POINTS: usize = 200;
/// Categories shown by name; the others are summed into `other`.
pub const MAX_CATEGORIES: usize = 20;

/// Probability levels used to locate the KS distance when a side is a sketch (as the report).
const SKETCH_GRID: usize = 1000;

/// One tested column's chart data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDistribution {
    pub name: String,
    pub kind: ColumnKind,
    #[serde(flatten)]
    pub chart: DistributionChart,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "chart", rename_all = "lowercase")]
pub enum DistributionChart {
    Numeric(NumericDistribution),
    Categorical(CategoricalDistribution),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericDistribution {
    /// `bins + 1` ascending edges; bin `i` is `[edges[i], edges[i+1])`, the last one closed.
    /// Empty when a value is infinite.
    pub edges: Vec<f64>,
    pub reference_counts: Vec<u64>,
    pub current_counts: Vec<u64>,
    pub ecdf: Ecdf,
    /// Where `|F_ref − F_cur|` is largest; `None` when the two ECDFs are equal everywhere.
    pub ks: Option<KsPoint>,
    /// True when a side was sketched: counts and ECDF values are estimates.
    pub approximate: bool,
}

/// Both ECDFs (fraction of values `<= x`) on a shared ascending grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ecdf {
    pub x: Vec<f64>,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

/// The point where the KS distance is reached: `distance = |reference − current|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsPoint {
    pub x: f64,
    pub reference: f64,
    pub current: f64,
    pub distance: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalDistribution {
    /// Most frequent first (reference share + current share, then value ascending).
    pub categories: Vec<CategoryShares>,
    /// Everything else: the categories past [`MAX_CATEGORIES`], and values a sketch did not keep.
    pub other: Option<Shares>,
    pub approximate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryShares {
    pub value: String,
    /// Fraction of the reference's non-missing values.
    pub reference: f64,
    /// Fraction of the current file's non-missing values.
    pub current: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shares {
    pub reference: f64,
    pub current: f64,
}

/// The chart data of every column `report` tested, in the report's order.
pub fn distributions(
    reference: &TableSummary,
    current: &TableSummary,
    report: &DriftReport,
) -> Vec<ColumnDistribution> {
    let index = |table: &TableSummary, name: &str| {
        table.profile().columns.iter().position(|c| c.name == name)
    };
    report
        .columns
        .iter()
        .filter_map(|tested| {
            let ri = index(reference, &tested.name)?;
            let ci = index(current, &tested.name)?;
            let chart = match (&reference.columns[ri], &current.columns[ci]) {
                (
                    ColumnData::Numbers(a) | ColumnData::DateTimes(a),
                    ColumnData::Numbers(b) | ColumnData::DateTimes(b),
                ) => DistributionChart::Numeric(numeric(a, b)?),
                (ColumnData::Texts(a), ColumnData::Texts(b)) => {
                    DistributionChart::Categorical(categorical(a, b))
                }
                _ => return None,
            };
            Some(ColumnDistribution {
                name: tested.name.clone(),
                kind: tested.kind,
                chart,
            })
        })
        .collect()
}

/// Values strictly below `x` (an estimate for a sketch).
fn count_below(summary: &NumberSummary, x: f64) -> f64 {
    match summary.distribution() {
        Some(d) => d.count_below(x, false) as f64,
        None => {
            let below = summary
                .cdf_at(&[x.next_down()])
                .and_then(|v| v.first().copied())
                .unwrap_or(0.0);
            below * summary.count() as f64
        }
    }
}

fn min_max(summary: &NumberSummary) -> Option<(f64, f64)> {
    let q = summary.quantiles_at(&[0.0, 1.0])?;
    Some((*q.first()?, *q.last()?))
}

fn numeric(reference: &NumberSummary, current: &NumberSummary) -> Option<NumericDistribution> {
    let (ref_min, ref_max) = min_max(reference)?;
    let (cur_min, cur_max) = min_max(current)?;
    let (lo, hi) = (ref_min.min(cur_min), ref_max.max(cur_max));
    let approximate = reference.distribution().is_none() || current.distribution().is_none();
    let edges = equal_width_edges(lo, hi, DISTRIBUTION_BINS);
    let counts = |summary: &NumberSummary| -> Vec<u64> {
        if edges.is_empty() {
            return Vec::new();
        }
        let n = summary.count();
        let mut counts = Vec::with_capacity(edges.len() - 1);
        let mut below = 0u64;
        for &edge in &edges[1..edges.len() - 1] {
            // Rounded and clamped so that a sketch's estimates stay ordered and sum to n.
            let upto = (count_below(summary, edge).round() as u64).clamp(below, n);
            counts.push(upto - below);
            below = upto;
        }
        counts.push(n - below);
        counts
    };
    let reference_counts = counts(reference);
    let current_counts = counts(current);
    Some(NumericDistribution {
        ecdf: ecdf(reference, current),
        ks: ks_point(reference, current),
        reference_counts,
        current_counts,
        edges,
        approximate,
    })
}

/// `bins + 1` edges from `lo` to `hi`; a single value gets one bin of width 1 around it
/// (numpy's choice); infinite ends get none.
fn equal_width_edges(lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() || lo > hi {
        return Vec::new();
    }
    if lo == hi {
        return vec![lo - 0.5, hi + 0.5];
    }
    let width = hi - lo;
    let mut edges: Vec<f64> = (0..=bins)
        .map(|i| {
            if width.is_finite() {
                lo + width * i as f64 / bins as f64
            } else {
                // The width overflows: a weighted mean of the ends does not.
                let t = i as f64 / bins as f64;
                lo * (1.0 - t) + hi * t
            }
        })
        .collect();
    edges[0] = lo;
    edges[bins] = hi;
    edges
}

/// The grid: every distinct value when both sides have at most [`MAX_ECDF_POINTS`] of them
/// together (the steps exactly), otherwise half the points at each side's quantiles.
fn ecdf(reference: &NumberSummary, current: &NumberSummary) -> Ecdf {
    let mut x: Vec<f64> = match (reference.distribution(), current.distribution()) {
        (Some(a), Some(b)) => {
            let mut values: Vec<f64> = a.runs().chain(b.runs()).map(|(v, _)| v).collect();
            values.sort_by(f64::total_cmp);
            values.dedup();
            values
        }
        _ => Vec::new(),
    };
    if x.is_empty() || x.len() > MAX_ECDF_POINTS {
        let per_side = MAX_ECDF_POINTS / 2;
        let levels: Vec<f64> = (0..per_side)
            .map(|i| i as f64 / (per_side - 1) as f64)
            .collect();
        x = reference.quantiles_at(&levels).unwrap_or_default();
        x.extend(current.quantiles_at(&levels).unwrap_or_default());
        x.sort_by(f64::total_cmp);
        x.dedup();
    }
    let reference = reference.cdf_at(&x).unwrap_or_default();
    let current = current.cdf_at(&x).unwrap_or_default();
    Ecdf {
        x,
        reference,
        current,
    }
}

fn ks_point(reference: &NumberSummary, current: &NumberSummary) -> Option<KsPoint> {
    let mut best: Option<KsPoint> = None;
    let mut offer = |x: f64, fa: f64, fb: f64| {
        let distance = (fa - fb).abs();
        if distance > best.map_or(0.0, |b| b.distance) {
            best = Some(KsPoint {
                x,
                reference: fa,
                current: fb,
                distance,
            });
        }
    };
    match (reference.distribution(), current.distribution()) {
        (Some(a), Some(b)) => {
            // Walk the pooled distinct values with both right-continuous ECDFs.
            let (na, nb) = (a.n() as f64, b.n() as f64);
            let (mut ra, mut rb) = (a.runs().peekable(), b.runs().peekable());
            let (mut ca, mut cb) = (0u64, 0u64);
            loop {
                let x = match (ra.peek(), rb.peek()) {
                    (Some(&(u, _)), Some(&(v, _))) => u.min(v),
                    (Some(&(u, _)), None) => u,
                    (None, Some(&(v, _))) => v,
                    (None, None) => break,
                };
                while let Some(&(u, count)) = ra.peek() {
                    if u > x {
                        break;
                    }
                    ca += count;
                    ra.next();
                }
                while let Some(&(v, count)) = rb.peek() {
                    if v > x {
                        break;
                    }
                    cb += count;
                    rb.next();
                }
                offer(x, ca as f64 / na, cb as f64 / nb);
            }
        }
        _ => {
            // A sketch: both CDFs at both sides' quantiles on a fine grid, as the report does.
            let levels: Vec<f64> = (0..=SKETCH_GRID)
                .map(|i| i as f64 / SKETCH_GRID as f64)
                .collect();
            let mut points = reference.quantiles_at(&levels).unwrap_or_default();
            points.extend(current.quantiles_at(&levels).unwrap_or_default());
            points.sort_by(f64::total_cmp);
            points.dedup();
            let fa = reference.cdf_at(&points).unwrap_or_default();
            let fb = current.cdf_at(&points).unwrap_or_default();
            for ((&x, &a), &b) in points.iter().zip(&fa).zip(&fb) {
                offer(x, a, b);
            }
        }
    }
    best
}

fn categorical(reference: &TextSummary, current: &TextSummary) -> CategoricalDistribution {
    let share = |count: u64, total: u64| {
        if total == 0 {
            0.0
        } else {
            count as f64 / total as f64
        }
    };
    let mut merged: hashbrown::HashMap<&str, (u64, u64)> = hashbrown::HashMap::new();
    for (value, count) in &reference.counts {
        merged.entry(value.as_str()).or_default().0 += count;
    }
    for (value, count) in &current.counts {
        merged.entry(value.as_str()).or_default().1 += count;
    }
    let mut all: Vec<CategoryShares> = merged
        .into_iter()
        .map(|(value, (r, c))| CategoryShares {
            value: value.to_owned(),
            reference: share(r, reference.count),
            current: share(c, current.count),
        })
        .collect();
    all.sort_by(|a, b| {
        (b.reference + b.current)
            .total_cmp(&(a.reference + a.current))
            .then_with(|| a.value.cmp(&b.value))
    });
    let approximate = reference.approximation.is_some() || current.approximation.is_some();
    let shown: Vec<CategoryShares> = all.iter().take(MAX_CATEGORIES).cloned().collect();
    // The rest: 1 minus what is shown, so that values a sketch did not keep count too.
    let rest = |side: fn(&CategoryShares) -> f64, total: u64| {
        if total == 0 {
            0.0
        } else {
            (1.0 - shown.iter().map(side).sum::<f64>()).max(0.0)
        }
    };
    let other = (all.len() > MAX_CATEGORIES || approximate).then(|| Shares {
        reference: rest(|c| c.reference, reference.count),
        current: rest(|c| c.current, current.count),
    });
    CategoricalDistribution {
        categories: shown,
        other,
        approximate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::{DriftOptions, compare};
    use crate::profile::{ProfileOptions, Profiler};

    fn summary_with(csv: &str, exact_limit: u64) -> TableSummary {
        let mut profiler = Profiler::new(ProfileOptions {
            exact_limit,
            ..ProfileOptions::default()
        });
        profiler.push(csv.as_bytes());
        profiler.finish()
    }

    fn summary(csv: &str) -> TableSummary {
        summary_with(csv, ProfileOptions::default().exact_limit)
    }

    fn column(values: impl IntoIterator<Item = String>) -> String {
        std::iter::once("x".to_string())
            .chain(values)
            .map(|line| line + "\n")
            .collect()
    }

    fn charts(reference: &str, current: &str) -> (Vec<ColumnDistribution>, DriftReport) {
        let (a, b) = (summary(reference), summary(current));
        let report = compare(&a, &b, &DriftOptions::default());
        (distributions(&a, &b, &report), report)
    }

    fn numeric_of(chart: &ColumnDistribution) -> &NumericDistribution {
        match &chart.chart {
            DistributionChart::Numeric(n) => n,
            other => panic!("not numeric: {other:?}"),
        }
    }

    fn categorical_of(chart: &ColumnDistribution) -> &CategoricalDistribution {
        match &chart.chart {
            DistributionChart::Categorical(c) => c,
            other => panic!("not categorical: {other:?}"),
        }
    }

    #[test]
    fn shifted_integers_hand_checked() {
        // Reference 0..=30, current 10..=30: the union range [0, 30] in 30 bins of width 1.
        let (charts, report) = charts(
            &column((0..=30).map(|i| i.to_string())),
            &column((10..=30).map(|i| i.to_string())),
        );
        assert_eq!(charts.len(), 1);
        assert_eq!(charts[0].name, "x");
        assert_eq!(charts[0].kind, ColumnKind::Integer);
        let n = numeric_of(&charts[0]);
        assert!(!n.approximate);
        let expected_edges: Vec<f64> = (0..=30).map(f64::from).collect();
        assert_eq!(n.edges, expected_edges);
        // One value per bin; the last bin [29, 30] is closed and holds 29 and 30.
        let mut reference = vec![1u64; 30];
        reference[29] = 2;
        let mut current = vec![0u64; 30];
        current[10..].fill(1);
        current[29] = 2;
        assert_eq!(n.reference_counts, reference);
        assert_eq!(n.current_counts, current);
        // 31 distinct values: the grid is the values themselves.
        assert_eq!(n.ecdf.x, expected_edges);
        for (k, x) in n.ecdf.x.iter().enumerate() {
            assert_eq!(n.ecdf.reference[k], (k + 1) as f64 / 31.0, "F_ref({x})");
            assert_eq!(
                n.ecdf.current[k],
                k.saturating_sub(9) as f64 / 21.0,
                "F_cur({x})"
            );
        }
        // F_ref − F_cur is largest just before the current values start: x = 9, 10/31 − 0.
        let ks = n.ks.expect("a KS point");
        assert_eq!((ks.x, ks.reference, ks.current), (9.0, 10.0 / 31.0, 0.0));
        assert_eq!(ks.distance, report.columns[0].statistic);
    }

    #[test]
    fn a_constant_column_gets_one_bin_and_no_ks_point() {
        let (charts, _) = charts("x\n5\n5\n5\n", "x\n5\n5\n");
        let n = numeric_of(&charts[0]);
        assert_eq!(n.edges, vec![4.5, 5.5]);
        assert_eq!(n.reference_counts, vec![3]);
        assert_eq!(n.current_counts, vec![2]);
        assert_eq!(n.ecdf.x, vec![5.0]);
        assert_eq!((n.ecdf.reference[0], n.ecdf.current[0]), (1.0, 1.0));
        assert_eq!(n.ks, None);
    }

    #[test]
    fn categories_are_ranked_by_both_shares() {
        // Reference a a a b, current a a b b c c c c: a 3/4 + 1/4, b 1/4 + 1/4, c 0 + 1/2.
        let (charts, report) = charts("x\na\na\na\nb\n", "x\na\na\nb\nb\nc\nc\nc\nc\n");
        assert_eq!(report.columns[0].kind, ColumnKind::Categorical);
        let c = categorical_of(&charts[0]);
        let got: Vec<(&str, f64, f64)> = c
            .categories
            .iter()
            .map(|s| (s.value.as_str(), s.reference, s.current))
            .collect();
        assert_eq!(
            got,
            vec![("a", 0.75, 0.25), ("b", 0.25, 0.25), ("c", 0.0, 0.5)]
        );
        assert_eq!(c.other, None);
        assert!(!c.approximate);
    }

    #[test]
    fn categories_past_twenty_are_other() {
        // 25 categories; category k appears k + 1 times in both files (351 values).
        let csv = column((0..25).flat_map(|k| std::iter::repeat_n(format!("c{k:02}"), k + 1)));
        let (a, b) = (summary_with(&csv, 1_000_000), summary_with(&csv, 1_000_000));
        let report = compare(&a, &b, &DriftOptions::default());
        assert_eq!(report.columns.len(), 1, "{:?}", report.skipped);
        let charts = distributions(&a, &b, &report);
        let c = categorical_of(&charts[0]);
        assert_eq!(c.categories.len(), MAX_CATEGORIES);
        assert_eq!(c.categories[0].value, "c24");
        assert_eq!(c.categories[0].reference, 25.0 / 325.0);
        // Left out: c00..c04, 1 + 2 + 3 + 4 + 5 = 15 values of 325.
        let other = c.other.expect("an other bar");
        assert!((other.reference - 15.0 / 325.0).abs() < 1e-12, "{other:?}");
        assert_eq!(other.reference, other.current);
    }

    #[test]
    fn a_sketched_side_gives_consistent_estimates() {
        // 5,000 distinct values with an exact limit of 1,000: the reference is a KLL sketch.
        let reference = column((0..5000).map(|i| i.to_string()));
        let current = column((0..5000).map(|i| (i + 2500).to_string()));
        let (a, b) = (summary_with(&reference, 1000), summary_with(&current, 1000));
        let report = compare(&a, &b, &DriftOptions::default());
        let charts = distributions(&a, &b, &report);
        let n = numeric_of(&charts[0]);
        assert!(n.approximate);
        assert_eq!(n.edges.first(), Some(&0.0));
        assert_eq!(n.edges.last(), Some(&7499.0));
        assert_eq!(n.reference_counts.iter().sum::<u64>(), 5000);
        assert_eq!(n.current_counts.iter().sum::<u64>(), 5000);
        // Bins 20..29 ([5000, 7499]) hold no reference value, bins 0..9 no current value.
        assert!(n.reference_counts[21..].iter().all(|&c| c == 0), "{n:?}");
        assert!(n.current_counts[..9].iter().all(|&c| c == 0), "{n:?}");
        assert!(n.ecdf.x.len() <= MAX_ECDF_POINTS);
        assert!(n.ecdf.x.windows(2).all(|w| w[0] < w[1]));
        assert!(n.ecdf.reference.windows(2).all(|w| w[0] <= w[1]));
        // The true distance is 0.5 (at x = 2499); the sketch gets close.
        let ks = n.ks.expect("a KS point");
        assert!((ks.distance - 0.5).abs() < 0.05, "{ks:?}");
        assert!((ks.distance - report.columns[0].statistic).abs() < 1e-9);
    }

    #[test]
    fn an_overflowing_range_still_has_finite_bins() {
        let (charts, _) = charts(
            "x\n-1.7976931348623157e308\n0\n",
            "x\n1.7976931348623157e308\n0\n",
        );
        let n = numeric_of(&charts[0]);
        // The range's width overflows, but the weighted-mean edges do not.
        assert_eq!(n.edges.len(), DISTRIBUTION_BINS + 1);
        assert!(n.edges.iter().all(|e| e.is_finite()));
        assert_eq!(n.reference_counts.iter().sum::<u64>(), 2);
        assert_eq!(n.ecdf.x.len(), 3);
    }

    #[test]
    fn untested_columns_have_no_chart_and_serde_names_the_chart() {
        let (charts, report) = charts("x,t\n1,a1\n2,a2\n", "x,t\n3,b1\n4,b2\n");
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(charts.len(), 1);
        let json = serde_json::to_value(&charts[0]).unwrap();
        assert_eq!(json["chart"], "numeric");
        assert_eq!(json["name"], "x");
        assert_eq!(json["kind"], "integer");
        let back: ColumnDistribution = serde_json::from_value(json).unwrap();
        assert_eq!(back, charts[0]);
    }
}
