//! Numbers of one column: exact (every value kept, sorted at the end) up to a limit, then
//! sketches (KLL quantiles, HyperLogLog distinct count, frequent items), from Apache
//! DataSketches. Also used for date-times (microseconds since the epoch).

use datasketches::common::{NumStdDev, SearchCriteria};
use datasketches::frequencies::{ErrorType, FrequentItemsSketch};
use datasketches::hll::{HllSketch, HllType};
use datasketches::kll::{KllFloat, KllSketch};

use super::{Approximation, Histogram, Quantiles};

/// KLL accuracy parameter: normalised rank error about 0.8%.
const KLL_K: u16 = 400;
/// HyperLogLog registers 2^14: relative standard error about 0.8%.
const HLL_LG_K: u8 = 14;
/// Frequent-items map size (exact counts while fewer than ~768 distinct values).
const FREQUENT_MAP_SIZE: usize = 1024;

/// Count, mean and sum of squared deviations, mergeable (Welford; Chan et al. for merging).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        let mean = self.mean + delta * other.n as f64 / n as f64;
        let m2 = self.m2 + other.m2 + delta * delta * (self.n as f64 * other.n as f64) / n as f64;
        *self = Moments { n, mean, m2 };
    }
}

pub(crate) struct NumberSketch {
    kll: KllSketch<KllFloat<f64>>,
    hll: HllSketch,
    frequent: FrequentItemsSketch<u64>,
    moments: Moments,
}

impl NumberSketch {
    fn new() -> Self {
        Self {
            kll: KllSketch::new(KLL_K).unwrap_or_default(),
            hll: new_hll(),
            frequent: FrequentItemsSketch::new(FREQUENT_MAP_SIZE)
                .expect("FREQUENT_MAP_SIZE is a power of two >= 8"),
            moments: Moments::default(),
        }
    }

    fn add(&mut self, x: f64) {
        if let Ok(item) = KllFloat::<f64>::new(x) {
            self.kll.update(item);
        }
        let bits = canonical_bits(x);
        self.hll.update(bits);
        self.frequent.update(bits);
        self.moments.add(x);
    }

    fn merge(&mut self, other: &NumberSketch) {
        // Both sketches were built with the same parameters, so merging cannot fail.
        let _ = self.kll.merge(&other.kll);
        self.hll = union_hll(&self.hll, &other.hll);
        self.frequent.merge(&other.frequent);
        self.moments.merge(&other.moments);
    }
}

pub(crate) fn new_hll() -> HllSketch {
    HllSketch::new(HLL_LG_K, HllType::Hll8).expect("HLL_LG_K is within 4..=21")
}

pub(crate) fn union_hll(a: &HllSketch, b: &HllSketch) -> HllSketch {
    let mut union = datasketches::hll::HllUnion::new(HLL_LG_K).expect("HLL_LG_K is within 4..=21");
    union.update(a);
    union.update(b);
    union.to_sketch(HllType::Hll8)
}

/// `-0.0` and `0.0` are the same value.
fn canonical_bits(x: f64) -> u64 {
    if x == 0.0 { 0 } else { x.to_bits() }
}

/// The numbers of one column while reading.
pub(crate) enum NumberStore {
    /// Every value; `sorted` once [`NumberStore::presort`] ran and nothing was pushed since.
    Exact {
        values: Vec<f64>,
        sorted: bool,
    },
    Sketch(Box<NumberSketch>),
}

impl Default for NumberStore {
    fn default() -> Self {
        NumberStore::Exact {
            values: Vec::new(),
            sorted: true,
        }
    }
}

impl NumberStore {
    pub fn count(&self) -> u64 {
        match self {
            NumberStore::Exact { values, .. } => values.len() as u64,
            NumberStore::Sketch(sketch) => sketch.moments.n,
        }
    }

    /// Values kept for exact statistics (0 once sketched).
    pub fn kept(&self) -> u64 {
        match self {
            NumberStore::Exact { values, .. } => values.len() as u64,
            NumberStore::Sketch(_) => 0,
        }
    }

    #[inline]
    pub fn push(&mut self, x: f64, exact_limit: u64) {
        match self {
            NumberStore::Exact { values, sorted } => {
                if (values.len() as u64) < exact_limit {
                    values.push(x);
                    *sorted = false;
                } else {
                    // Switch before pushing, so the vector never grows past the limit.
                    self.switch_to_sketch();
                    if let NumberStore::Sketch(sketch) = self {
                        sketch.add(x);
                    }
                }
            }
            NumberStore::Sketch(sketch) => sketch.add(x),
        }
    }

    /// Sorts the kept values now (e.g. on a worker thread) so that merging and finishing are
    /// linear.
    pub fn presort(&mut self) {
        if let NumberStore::Exact { values, sorted } = self
            && !*sorted
        {
            radsort::sort(values);
            *sorted = true;
        }
    }

    pub fn switch_to_sketch(&mut self) {
        if let NumberStore::Exact { values, .. } = self {
            let mut sketch = Box::new(NumberSketch::new());
            for &x in values.iter() {
                sketch.add(x);
            }
            *self = NumberStore::Sketch(sketch);
        }
    }

    pub fn merge(&mut self, other: NumberStore, exact_limit: u64) {
        match (&mut *self, other) {
            (
                NumberStore::Exact { values, sorted },
                NumberStore::Exact {
                    values: theirs,
                    sorted: theirs_sorted,
                },
            ) => {
                if *sorted && theirs_sorted {
                    *values = merge_sorted(values, &theirs);
                } else {
                    values.extend_from_slice(&theirs);
                    *sorted = values.len() <= 1;
                }
                if values.len() as u64 > exact_limit {
                    self.switch_to_sketch();
                }
            }
            (NumberStore::Sketch(mine), NumberStore::Exact { values, .. }) => {
                for x in values {
                    mine.add(x);
                }
            }
            (NumberStore::Exact { .. }, NumberStore::Sketch(theirs)) => {
                let mine = std::mem::replace(self, NumberStore::Sketch(theirs));
                if let NumberStore::Exact { values, .. } = mine
                    && let NumberStore::Sketch(sketch) = self
                {
                    for x in values {
                        sketch.add(x);
                    }
                }
            }
            (NumberStore::Sketch(mine), NumberStore::Sketch(theirs)) => mine.merge(&theirs),
        }
    }

    /// The values as (value, count) pairs, ascending; approximate counts in sketch mode.
    pub fn value_counts(&mut self) -> Vec<(f64, u64)> {
        self.presort();
        match self {
            NumberStore::Exact { values, .. } => runs(values).collect(),
            NumberStore::Sketch(sketch) => {
                let mut counts: Vec<(f64, u64)> = sketch
                    .frequent
                    .frequent_items(ErrorType::NoFalseNegatives)
                    .iter()
                    .map(|row| (f64::from_bits(*row.item()), row.estimate()))
                    .collect();
                counts.sort_by(|a, b| a.0.total_cmp(&b.0));
                counts
            }
        }
    }

    pub fn finish(mut self) -> NumberSummary {
        self.presort();
        match self {
            NumberStore::Exact { values, .. } => NumberSummary::Exact(values),
            NumberStore::Sketch(sketch) => NumberSummary::Sketch(sketch),
        }
    }
}

/// Merges two ascending slices (total order, as `radsort`).
fn merge_sorted(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].total_cmp(&b[j]).is_le() {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Runs of equal values in a sorted slice, as (value, count).
fn runs(sorted: &[f64]) -> impl Iterator<Item = (f64, u64)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= sorted.len() {
            return None;
        }
        let value = sorted[i];
        let start = i;
        while i < sorted.len() && sorted[i] == value {
            i += 1;
        }
        Some((value, (i - start) as u64))
    })
}

/// The finished numbers of a column: sorted values, or the sketches.
pub(crate) enum NumberSummary {
    Exact(Vec<f64>),
    Sketch(Box<NumberSketch>),
}

/// Statistics read off a [`NumberSummary`].
pub(crate) struct NumberStats {
    pub count: u64,
    pub distinct: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub quantiles: Option<Quantiles>,
    pub histogram: Option<Histogram>,
    /// (value, count), by count descending then value ascending.
    pub top: Vec<(f64, u64)>,
    pub approximation: Option<Approximation>,
}

const QUANTILE_LEVELS: [f64; 7] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

impl NumberSummary {
    pub fn count(&self) -> u64 {
        match self {
            NumberSummary::Exact(values) => values.len() as u64,
            NumberSummary::Sketch(sketch) => sketch.moments.n,
        }
    }

    /// The sorted values, when every value was kept.
    pub fn sorted_values(&self) -> Option<&[f64]> {
        match self {
            NumberSummary::Exact(values) => Some(values),
            NumberSummary::Sketch(_) => None,
        }
    }

    /// Value at each probability (linear interpolation between order statistics when exact).
    pub fn quantiles_at(&self, levels: &[f64]) -> Option<Vec<f64>> {
        match self {
            NumberSummary::Exact(values) if !values.is_empty() => {
                Some(levels.iter().map(|&q| linear_quantile(values, q)).collect())
            }
            NumberSummary::Exact(_) => None,
            NumberSummary::Sketch(sketch) => levels
                .iter()
                .map(|&q| {
                    sketch
                        .kll
                        .quantile(q, SearchCriteria::Inclusive)
                        .ok()
                        .flatten()
                        .map(KllFloat::into_inner)
                })
                .collect(),
        }
    }

    /// Fraction of values <= each point (approximate in sketch mode).
    pub fn cdf_at(&self, points: &[f64]) -> Option<Vec<f64>> {
        match self {
            NumberSummary::Exact(values) if !values.is_empty() => {
                let n = values.len() as f64;
                Some(
                    points
                        .iter()
                        .map(|&p| values.partition_point(|&v| v <= p) as f64 / n)
                        .collect(),
                )
            }
            NumberSummary::Exact(_) => None,
            NumberSummary::Sketch(sketch) => points
                .iter()
                .map(|&p| {
                    let item = KllFloat::<f64>::new(p).ok()?;
                    sketch.kll.rank(&item, SearchCriteria::Inclusive)
                })
                .collect(),
        }
    }

    pub fn stats(&self, integer: bool, max_bins: usize, top_n: usize) -> NumberStats {
        match self {
            NumberSummary::Exact(values) => exact_stats(values, integer, max_bins, top_n),
            NumberSummary::Sketch(sketch) => sketch_stats(sketch, integer, max_bins, top_n),
        }
    }
}

fn exact_stats(values: &[f64], integer: bool, max_bins: usize, top_n: usize) -> NumberStats {
    let count = values.len() as u64;
    let mut distinct = 0u64;
    let mut top: Vec<(f64, u64)> = Vec::with_capacity(top_n + 1);
    for (value, n) in runs(values) {
        distinct += 1;
        push_top(&mut top, (value, n), top_n);
    }
    let (mean, std) = mean_and_std(values);
    let quantiles = (!values.is_empty()).then(|| {
        let q: Vec<f64> = QUANTILE_LEVELS
            .iter()
            .map(|&level| linear_quantile(values, level))
            .collect();
        Quantiles::from_slice(&q)
    });
    let histogram = exact_histogram(values, integer, max_bins);
    NumberStats {
        count,
        distinct,
        mean,
        std,
        min: values.first().copied(),
        max: values.last().copied(),
        quantiles,
        histogram,
        top,
        approximation: None,
    }
}

fn sketch_stats(
    sketch: &NumberSketch,
    integer: bool,
    max_bins: usize,
    top_n: usize,
) -> NumberStats {
    let kll = &sketch.kll;
    let n = sketch.moments.n;
    let levels: Vec<f64> = QUANTILE_LEVELS.to_vec();
    let q: Option<Vec<f64>> = levels
        .iter()
        .map(|&l| {
            kll.quantile(l, SearchCriteria::Inclusive)
                .ok()
                .flatten()
                .map(KllFloat::into_inner)
        })
        .collect();
    let min = kll.min_item().map(|v| **v);
    let max = kll.max_item().map(|v| **v);
    let histogram = match (min, max, &q) {
        (Some(min), Some(max), Some(q)) => {
            sketch_histogram(kll, n, min, max, q[4] - q[2], integer, max_bins)
        }
        _ => None,
    };
    let mut top: Vec<(f64, u64)> = Vec::new();
    // Only values certainly more frequent than the sketch's error: none for continuous data.
    let mut rows = sketch.frequent.frequent_items(ErrorType::NoFalsePositives);
    rows.sort_by(|a, b| {
        b.estimate()
            .cmp(&a.estimate())
            .then(f64::from_bits(*a.item()).total_cmp(&f64::from_bits(*b.item())))
    });
    for row in rows.iter().take(top_n) {
        top.push((f64::from_bits(*row.item()), row.estimate()));
    }
    let estimate = sketch.hll.estimate();
    let upper = sketch.hll.upper_bound(NumStdDev::Two);
    let moments = sketch.moments;
    NumberStats {
        count: n,
        distinct: estimate.round() as u64,
        mean: (n > 0).then_some(moments.mean),
        std: (n > 1).then(|| (moments.m2 / (n - 1) as f64).sqrt()),
        min,
        max,
        quantiles: q.map(|q| Quantiles::from_slice(&q)),
        histogram,
        top,
        approximation: Some(Approximation {
            quantile_rank_error: kll.normalized_rank_error(),
            distinct_relative_error: if estimate > 0.0 {
                (upper - estimate) / estimate
            } else {
                0.0
            },
            top_count_max_error: sketch.frequent.maximum_error(),
        }),
    }
}

/// Histogram counts estimated from the quantile sketch's ranks at the bin edges.
fn sketch_histogram(
    kll: &KllSketch<KllFloat<f64>>,
    n: u64,
    min: f64,
    max: f64,
    iqr: f64,
    integer: bool,
    max_bins: usize,
) -> Option<Histogram> {
    let edges = auto_edges(min, max, n, iqr, integer, max_bins);
    let bins = edges.len() - 1;
    // Fraction of values below each bin's lower edge.
    let below: Vec<f64> = edges[..bins]
        .iter()
        .map(|&e| {
            let item = KllFloat::<f64>::new(e).ok()?;
            kll.rank(&item, SearchCriteria::Exclusive)
        })
        .collect::<Option<_>>()?;
    let counts = (0..bins)
        .map(|i| {
            let next = below.get(i + 1).copied().unwrap_or(1.0);
            ((next - below[i]) * n as f64).round().max(0.0) as u64
        })
        .collect();
    Some(Histogram { edges, counts })
}

/// Keeps the `n` best (count descending, value ascending) in `top`.
fn push_top(top: &mut Vec<(f64, u64)>, item: (f64, u64), n: usize) {
    if n == 0 {
        return;
    }
    let better = |a: &(f64, u64), b: &(f64, u64)| a.1 > b.1 || (a.1 == b.1 && a.0 < b.0);
    if top.len() == n {
        match top.last() {
            Some(worst) if better(&item, worst) => {
                top.pop();
            }
            _ => return,
        }
    }
    let position = top
        .iter()
        .position(|t| better(&item, t))
        .unwrap_or(top.len());
    top.insert(position, item);
}

/// Mean and sample standard deviation (n − 1), two-pass with compensated sums.
fn mean_and_std(values: &[f64]) -> (Option<f64>, Option<f64>) {
    let n = values.len();
    if n == 0 {
        return (None, None);
    }
    let mean = neumaier_sum(values.iter().copied()) / n as f64;
    let std = (n > 1).then(|| {
        let ss = neumaier_sum(values.iter().map(|&x| (x - mean) * (x - mean)));
        (ss / (n - 1) as f64).sqrt()
    });
    (Some(mean), std)
}

fn neumaier_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for x in values {
        let t = sum + x;
        if sum.abs() >= x.abs() {
            compensation += (sum - t) + x;
        } else {
            compensation += (x - t) + sum;
        }
        sum = t;
    }
    sum + compensation
}

/// numpy's default (`method="linear"`) quantile of sorted values, with numpy's arithmetic.
pub(crate) fn linear_quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    // numpy's "linear" method: virtual index (n - 1)·q, then a two-sided lerp.
    let virtual_index = ((n - 1) as f64 * q).clamp(0.0, (n - 1) as f64);
    let previous = virtual_index.floor();
    let gamma = virtual_index - previous;
    let lo = previous as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// numpy's (>= 2.3) `histogram_bin_edges(values, bins="auto")`, capped at `max_bins` bins.
fn auto_edges(min: f64, max: f64, n: u64, iqr: f64, integer: bool, max_bins: usize) -> Vec<f64> {
    let (first, last) = if min == max {
        (min - 0.5, max + 0.5)
    } else {
        (min, max)
    };
    let ptp = max - min;
    let sturges = ptp / ((n as f64).log2() + 1.0);
    let fd = 2.0 * iqr * (n as f64).powf(-1.0 / 3.0);
    // numpy >= 2.3: Freedman–Diaconis relaxed to at least half the square-root rule's width.
    let sqrt_width = ptp / (n as f64).sqrt();
    let mut width = fd.max(sqrt_width / 2.0).min(sturges);
    let mut bins = 1usize;
    if width != 0.0 {
        if integer && width < 1.0 {
            width = 1.0;
        }
        bins = ((last - first) / width).ceil().max(1.0) as usize;
    }
    let bins = bins.min(max_bins.max(1));
    linspace(first, last, bins + 1)
}

/// numpy's `linspace(start, stop, num)` with `endpoint=True`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut edges: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                i as f64 / div * delta + start
            } else {
                i as f64 * step + start
            }
        })
        .collect();
    if let Some(end) = edges.last_mut() {
        *end = stop;
    }
    edges
}

/// Equal-width histogram of sorted values: bins `[e_i, e_i+1)`, the last one closed, as numpy.
fn exact_histogram(sorted: &[f64], integer: bool, max_bins: usize) -> Option<Histogram> {
    let (&min, &max) = (sorted.first()?, sorted.last()?);
    let iqr = linear_quantile(sorted, 0.75) - linear_quantile(sorted, 0.25);
    let edges = auto_edges(min, max, sorted.len() as u64, iqr, integer, max_bins);
    let bins = edges.len() - 1;
    let mut counts = Vec::with_capacity(bins);
    let mut below = sorted.partition_point(|&v| v < edges[0]);
    for i in 0..bins {
        let upto = if i + 1 == bins {
            sorted.partition_point(|&v| v <= edges[i + 1])
        } else {
            sorted.partition_point(|&v| v < edges[i + 1])
        };
        counts.push((upto - below) as u64);
        below = upto;
    }
    Some(Histogram { edges, counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_quantiles_follow_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(linear_quantile(&v, 0.5), 2.5);
        assert_eq!(linear_quantile(&v, 0.0), 1.0);
        assert_eq!(linear_quantile(&v, 1.0), 4.0);
        assert!((linear_quantile(&v, 0.25) - 1.75).abs() < 1e-15);
        assert_eq!(linear_quantile(&[7.0], 0.99), 7.0);
    }

    #[test]
    fn histogram_of_a_constant_column_has_one_bin_around_it() {
        let h = exact_histogram(&[3.0, 3.0, 3.0], false, 50).expect("histogram");
        assert_eq!(h.edges, vec![2.5, 3.5]);
        assert_eq!(h.counts, vec![3]);
    }

    #[test]
    fn exact_and_sketch_stores_merge() {
        let mut a = NumberStore::default();
        let mut b = NumberStore::default();
        for i in 0..10 {
            a.push(i as f64, 15);
            b.push((i + 10) as f64, 15);
        }
        a.merge(b, 15);
        assert!(matches!(a, NumberStore::Sketch(_)));
        assert_eq!(a.count(), 20);
        let stats = a.finish().stats(true, 50, 3);
        assert_eq!(stats.min, Some(0.0));
        assert_eq!(stats.max, Some(19.0));
        assert!((stats.mean.unwrap_or_default() - 9.5).abs() < 1e-12);
        assert!(stats.approximation.is_some());
    }

    #[test]
    fn top_values_break_ties_by_value() {
        let mut top = Vec::new();
        for item in [(5.0, 2), (1.0, 2), (3.0, 7), (0.0, 1)] {
            push_top(&mut top, item, 3);
        }
        assert_eq!(top, vec![(3.0, 7), (1.0, 2), (5.0, 2)]);
    }
}
