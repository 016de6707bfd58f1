//! Numbers of one column: exact (every value kept, sorted at the end) up to a limit, then
//! sketches (KLL quantiles, HyperLogLog distinct count, frequent items), from Apache
//! DataSketches. Also used for date-times (microseconds since the epoch).

use datasketches::common::{NumStdDev, SearchCriteria};
use datasketches::frequencies::{ErrorType, FrequentItemsSketch};
use datasketches::hll::{HllSketch, HllType};
use datasketches::kll::{KllFloat, KllSketch};

use hashbrown::HashMap;

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

    fn add_repeated(&mut self, x: f64, count: u64) {
        if let Ok(item) = KllFloat::<f64>::new(x) {
            for _ in 0..count {
                self.kll.update(item);
            }
        }
        let bits = canonical_bits(x);
        self.hll.update(bits);
        self.frequent.update_with_count(bits, count);
        self.moments.merge(&Moments {
            n: count,
            mean: x,
            m2: 0.0,
        });
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
///
/// A column starts by counting its distinct values; a column with a small domain (labels,
/// ratings, small counts) stays counted — exact at any length, in bounded memory. Past
/// [`SMALL_DOMAIN`] distinct values it keeps every value, up to the exact limit; past that, it
/// is sketched.
pub(crate) enum NumberStore {
    Counts {
        /// Canonical bits of the value → occurrences.
        counts: HashMap<u64, u64>,
        total: u64,
    },
    /// Every value; `sorted` once [`NumberStore::presort`] ran and nothing was pushed since.
    Exact {
        values: Vec<f64>,
        sorted: bool,
    },
    Sketch(Box<NumberSketch>),
}

/// Most distinct values a column is counted with (rather than kept value by value).
pub(crate) const SMALL_DOMAIN: usize = 1024;

impl Default for NumberStore {
    fn default() -> Self {
        NumberStore::Counts {
            counts: HashMap::new(),
            total: 0,
        }
    }
}

impl NumberStore {
    pub fn count(&self) -> u64 {
        match self {
            NumberStore::Counts { total, .. } => *total,
            NumberStore::Exact { values, .. } => values.len() as u64,
            NumberStore::Sketch(sketch) => sketch.moments.n,
        }
    }

    #[inline]
    pub fn push(&mut self, x: f64, exact_limit: u64) {
        match self {
            NumberStore::Counts { counts, total } => {
                let bits = canonical_bits(x);
                let room = counts.len() < SMALL_DOMAIN;
                match counts.get_mut(&bits) {
                    Some(count) => {
                        *count += 1;
                        *total += 1;
                    }
                    None if room => {
                        counts.insert(bits, 1);
                        *total += 1;
                    }
                    None => {
                        self.outgrow_counts(exact_limit, 1);
                        self.push(x, exact_limit);
                    }
                }
            }
            NumberStore::Exact { values, sorted } => {
                if (values.len() as u64) < exact_limit {
                    values.push(x);
                    *sorted = false;
                } else {
                    // Switch before pushing, so the vector never grows past the limit.
                    self.reached_limit();
                    self.push(x, exact_limit);
                }
            }
            NumberStore::Sketch(sketch) => sketch.add(x),
        }
    }

    /// Too many distinct values to count: keep every value (if `incoming` more still fit in
    /// the limit) or sketch.
    fn outgrow_counts(&mut self, exact_limit: u64, incoming: u64) {
        if let NumberStore::Counts { counts, total } = self {
            *self = if *total + incoming <= exact_limit {
                NumberStore::Exact {
                    values: expand(&sorted_counts(counts)),
                    sorted: true,
                }
            } else {
                let mut sketch = Box::new(NumberSketch::new());
                for (&bits, &count) in counts.iter() {
                    sketch.add_repeated(f64::from_bits(bits), count);
                }
                NumberStore::Sketch(sketch)
            };
        }
    }

    /// Sorts the kept values now (e.g. on a worker thread) so that merging and finishing are
    /// linear.
    pub fn presort(&mut self) {
        if let NumberStore::Exact { values, sorted } = self
            && !*sorted
        {
            if !values.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
                radsort::sort(values);
            }
            *sorted = true;
        }
    }

    /// Records whether the kept values happen to be in order already (no sorting).
    pub fn mark_sorted(&mut self) {
        if let NumberStore::Exact { values, sorted } = self
            && !*sorted
        {
            *sorted = values.is_sorted_by(|a, b| a.total_cmp(b).is_le());
        }
    }

    /// The table went past the exact limit: a column keeping every value switches to sketches
    /// (a counted column stays counted: its memory is already bounded).
    pub fn reached_limit(&mut self) {
        if let NumberStore::Exact { values, .. } = self {
            let mut sketch = Box::new(NumberSketch::new());
            for &x in values.iter() {
                sketch.add(x);
            }
            *self = NumberStore::Sketch(sketch);
        }
    }

    /// Any store as a sketch (for merging with one).
    fn into_sketch(self) -> Box<NumberSketch> {
        match self {
            NumberStore::Sketch(sketch) => sketch,
            NumberStore::Counts { counts, .. } => {
                let mut sketch = Box::new(NumberSketch::new());
                for (&bits, &count) in counts.iter() {
                    sketch.add_repeated(f64::from_bits(bits), count);
                }
                sketch
            }
            NumberStore::Exact { values, .. } => {
                let mut sketch = Box::new(NumberSketch::new());
                for x in values {
                    sketch.add(x);
                }
                sketch
            }
        }
    }

    pub fn merge(&mut self, other: NumberStore, exact_limit: u64) {
        let mine = std::mem::take(self);
        *self = match (mine, other) {
            (NumberStore::Sketch(mut a), b) | (b, NumberStore::Sketch(mut a)) => {
                a.merge(&b.into_sketch());
                NumberStore::Sketch(a)
            }
            (
                NumberStore::Counts {
                    mut counts,
                    mut total,
                },
                NumberStore::Counts {
                    counts: theirs,
                    total: their_total,
                },
            ) => {
                for (bits, count) in theirs {
                    *counts.entry(bits).or_insert(0) += count;
                }
                total += their_total;
                let mut merged = NumberStore::Counts { counts, total };
                if let NumberStore::Counts { counts, .. } = &merged
                    && counts.len() > SMALL_DOMAIN
                {
                    merged.outgrow_counts(exact_limit, 0);
                }
                merged
            }
            (a, b) => {
                // At least one side keeps every value: so does the result, within the limit.
                let (a, a_sorted) = a.into_values();
                let (b, b_sorted) = b.into_values();
                let (values, sorted) = if a_sorted && b_sorted {
                    (merge_sorted(&a, &b), true)
                } else {
                    let mut values = a;
                    values.extend_from_slice(&b);
                    (values, false)
                };
                let mut merged = NumberStore::Exact { values, sorted };
                if merged.count() > exact_limit {
                    merged.reached_limit();
                }
                merged
            }
        };
    }

    /// Every value (counts expanded, in order), and whether they are sorted.
    fn into_values(self) -> (Vec<f64>, bool) {
        match self {
            NumberStore::Counts { counts, .. } => (expand(&sorted_counts(&counts)), true),
            NumberStore::Exact { values, sorted } => (values, sorted),
            NumberStore::Sketch(_) => (Vec::new(), true),
        }
    }

    /// The values as (value, count) pairs, ascending; approximate counts in sketch mode.
    pub fn value_counts(&mut self) -> Vec<(f64, u64)> {
        self.presort();
        match self {
            NumberStore::Counts { counts, .. } => sorted_counts(counts),
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
            NumberStore::Counts { counts, .. } => NumberSummary::Counts(sorted_counts(&counts)),
            NumberStore::Exact { values, .. } => NumberSummary::Exact(values),
            NumberStore::Sketch(sketch) => NumberSummary::Sketch(sketch),
        }
    }
}

/// (value, count) pairs expanded into every value, in order.
fn expand(pairs: &[(f64, u64)]) -> Vec<f64> {
    let n = pairs.iter().map(|p| p.1).sum::<u64>() as usize;
    let mut values = Vec::with_capacity(n);
    for &(value, count) in pairs {
        values.extend(std::iter::repeat_n(value, count as usize));
    }
    values
}

/// (value, count) pairs in ascending value order.
fn sorted_counts(counts: &HashMap<u64, u64>) -> Vec<(f64, u64)> {
    let mut pairs: Vec<(f64, u64)> = counts
        .iter()
        .map(|(&bits, &count)| (f64::from_bits(bits), count))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs
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
    /// (value, count), ascending: exact, from a small-domain column past the limit.
    Counts(Vec<(f64, u64)>),
    Sketch(Box<NumberSketch>),
}

/// The exact distribution of a column: every value, or every distinct value with its count.
#[derive(Clone, Copy)]
pub(crate) enum Distribution<'a> {
    Values(&'a [f64]),
    Counts(&'a [(f64, u64)]),
}

impl<'a> Distribution<'a> {
    pub fn n(&self) -> u64 {
        match self {
            Distribution::Values(v) => v.len() as u64,
            Distribution::Counts(c) => c.iter().map(|p| p.1).sum(),
        }
    }

    /// (value, count) ascending.
    pub fn runs(&self) -> Box<dyn Iterator<Item = (f64, u64)> + 'a> {
        match *self {
            Distribution::Values(v) => Box::new(runs(v)),
            Distribution::Counts(c) => Box::new(c.iter().copied()),
        }
    }

    /// Every value, ascending (expands counts).
    pub fn expand(&self) -> std::borrow::Cow<'a, [f64]> {
        match *self {
            Distribution::Values(v) => std::borrow::Cow::Borrowed(v),
            Distribution::Counts(c) => std::borrow::Cow::Owned(
                c.iter()
                    .flat_map(|&(v, n)| std::iter::repeat_n(v, n as usize))
                    .collect(),
            ),
        }
    }

    /// The value at 0-based position `k` of the sorted sample.
    fn at(&self, k: u64) -> f64 {
        match *self {
            Distribution::Values(v) => v[k as usize],
            Distribution::Counts(c) => {
                let mut seen = 0u64;
                for &(value, count) in c {
                    seen += count;
                    if k < seen {
                        return value;
                    }
                }
                c.last().map_or(f64::NAN, |p| p.0)
            }
        }
    }

    /// numpy's linear quantile.
    pub fn quantile(&self, q: f64) -> f64 {
        match *self {
            Distribution::Values(v) => linear_quantile(v, q),
            Distribution::Counts(_) => {
                let n = self.n();
                if n == 1 {
                    return self.at(0);
                }
                let virtual_index = ((n - 1) as f64 * q).clamp(0.0, (n - 1) as f64);
                let previous = virtual_index.floor();
                let gamma = virtual_index - previous;
                let lo = previous as u64;
                lerp(self.at(lo), self.at((lo + 1).min(n - 1)), gamma)
            }
        }
    }
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
            NumberSummary::Sketch(sketch) => sketch.moments.n,
            exact => exact.distribution().map_or(0, |d| d.n()),
        }
    }

    /// The exact distribution, unless the column was sketched.
    pub fn distribution(&self) -> Option<Distribution<'_>> {
        match self {
            NumberSummary::Exact(values) => Some(Distribution::Values(values)),
            NumberSummary::Counts(counts) => Some(Distribution::Counts(counts)),
            NumberSummary::Sketch(_) => None,
        }
    }

    /// Value at each probability (linear interpolation between order statistics when exact).
    pub fn quantiles_at(&self, levels: &[f64]) -> Option<Vec<f64>> {
        match self {
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
            exact => {
                let d = exact.distribution()?;
                (d.n() > 0).then(|| levels.iter().map(|&q| d.quantile(q)).collect())
            }
        }
    }

    /// Fraction of values <= each point (approximate in sketch mode).
    pub fn cdf_at(&self, points: &[f64]) -> Option<Vec<f64>> {
        match self {
            NumberSummary::Sketch(sketch) => points
                .iter()
                .map(|&p| {
                    let item = KllFloat::<f64>::new(p).ok()?;
                    sketch.kll.rank(&item, SearchCriteria::Inclusive)
                })
                .collect(),
            exact => {
                let d = exact.distribution()?;
                let n = d.n() as f64;
                (n > 0.0).then(|| {
                    points
                        .iter()
                        .map(|&p| d.count_below(p, true) as f64 / n)
                        .collect()
                })
            }
        }
    }

    pub fn stats(&self, integer: bool, max_bins: usize, top_n: usize) -> NumberStats {
        match self {
            NumberSummary::Sketch(sketch) => sketch_stats(sketch, integer, max_bins, top_n),
            exact => match exact.distribution() {
                Some(d) => exact_stats(d, integer, max_bins, top_n),
                None => sketch_free_empty(),
            },
        }
    }
}

fn sketch_free_empty() -> NumberStats {
    NumberStats {
        count: 0,
        distinct: 0,
        mean: None,
        std: None,
        min: None,
        max: None,
        quantiles: None,
        histogram: None,
        top: Vec::new(),
        approximation: None,
    }
}

impl Distribution<'_> {
    /// Values < `x` (or <= `x` when `inclusive`).
    pub fn count_below(&self, x: f64, inclusive: bool) -> u64 {
        let below = |v: f64| if inclusive { v <= x } else { v < x };
        match *self {
            Distribution::Values(values) => values.partition_point(|&v| below(v)) as u64,
            Distribution::Counts(counts) => counts
                .iter()
                .take_while(|(v, _)| below(*v))
                .map(|(_, c)| c)
                .sum(),
        }
    }

    fn first(&self) -> Option<f64> {
        match *self {
            Distribution::Values(v) => v.first().copied(),
            Distribution::Counts(c) => c.first().map(|p| p.0),
        }
    }

    fn last(&self) -> Option<f64> {
        match *self {
            Distribution::Values(v) => v.last().copied(),
            Distribution::Counts(c) => c.last().map(|p| p.0),
        }
    }
}

fn exact_stats(d: Distribution<'_>, integer: bool, max_bins: usize, top_n: usize) -> NumberStats {
    let count = d.n();
    let mut distinct = 0u64;
    let mut top: Vec<(f64, u64)> = Vec::with_capacity(top_n + 1);
    for (value, n) in d.runs() {
        distinct += 1;
        push_top(&mut top, (value, n), top_n);
    }
    let (mean, std) = match d {
        Distribution::Values(values) => mean_and_std(values),
        Distribution::Counts(counts) => weighted_mean_and_std(counts),
    };
    let quantiles = (count > 0).then(|| {
        let q: Vec<f64> = QUANTILE_LEVELS
            .iter()
            .map(|&level| d.quantile(level))
            .collect();
        Quantiles::from_slice(&q)
    });
    let histogram = exact_histogram(d, integer, max_bins);
    NumberStats {
        count,
        distinct,
        mean,
        std,
        min: d.first(),
        max: d.last(),
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

/// Mean and sample standard deviation of (value, count) pairs.
fn weighted_mean_and_std(counts: &[(f64, u64)]) -> (Option<f64>, Option<f64>) {
    let n: u64 = counts.iter().map(|p| p.1).sum();
    if n == 0 {
        return (None, None);
    }
    let mean = neumaier_sum(counts.iter().map(|&(v, c)| v * c as f64)) / n as f64;
    let std = (n > 1).then(|| {
        let ss = neumaier_sum(
            counts
                .iter()
                .map(|&(v, c)| (v - mean) * (v - mean) * c as f64),
        );
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
    lerp(sorted[lo], sorted[hi], gamma)
}

/// numpy's two-sided linear interpolation between `a` and `b`.
fn lerp(a: f64, b: f64, gamma: f64) -> f64 {
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

/// Equal-width histogram: bins `[e_i, e_i+1)`, the last one closed, as numpy.
fn exact_histogram(d: Distribution<'_>, integer: bool, max_bins: usize) -> Option<Histogram> {
    let (min, max) = (d.first()?, d.last()?);
    let iqr = d.quantile(0.75) - d.quantile(0.25);
    let edges = auto_edges(min, max, d.n(), iqr, integer, max_bins);
    let bins = edges.len() - 1;
    let mut counts = Vec::with_capacity(bins);
    let mut below = d.count_below(edges[0], false);
    for i in 0..bins {
        let upto = d.count_below(edges[i + 1], i + 1 == bins);
        counts.push(upto - below);
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
        let h =
            exact_histogram(Distribution::Values(&[3.0, 3.0, 3.0]), false, 50).expect("histogram");
        assert_eq!(h.edges, vec![2.5, 3.5]);
        assert_eq!(h.counts, vec![3]);
    }

    #[test]
    fn past_the_limit_a_small_domain_is_counted_and_a_large_one_sketched() {
        let (mut a, mut b) = (NumberStore::default(), NumberStore::default());
        for i in 0..10 {
            a.push(i as f64, 15);
            b.push((i + 10) as f64, 15);
        }
        a.merge(b, 15);
        assert!(matches!(a, NumberStore::Counts { .. }));
        assert_eq!(a.count(), 20);
        let stats = a.finish().stats(true, 50, 3);
        assert_eq!((stats.min, stats.max), (Some(0.0), Some(19.0)));
        assert!((stats.mean.unwrap_or_default() - 9.5).abs() < 1e-12);
        assert!(stats.approximation.is_none());

        let (mut a, mut b) = (NumberStore::default(), NumberStore::default());
        for i in 0..1500 {
            a.push(i as f64, 2000);
            b.push((i + 1500) as f64, 2000);
        }
        a.merge(b, 2000);
        assert!(matches!(a, NumberStore::Sketch(_)));
        let stats = a.finish().stats(true, 50, 3);
        assert_eq!((stats.min, stats.max), (Some(0.0), Some(2999.0)));
        assert!((stats.mean.unwrap_or_default() - 1499.5).abs() < 1e-9);
        assert!(stats.approximation.is_some());
    }

    #[test]
    fn a_counted_store_is_sketched_when_its_domain_grows() {
        let mut store = NumberStore::default();
        for i in 0..20 {
            store.push((i % 4) as f64, 10);
        }
        assert!(matches!(store, NumberStore::Counts { .. }));
        for i in 0..SMALL_DOMAIN + 1 {
            store.push(100.0 + i as f64, 10);
        }
        assert!(matches!(store, NumberStore::Sketch(_)));
        assert_eq!(store.count(), 20 + SMALL_DOMAIN as u64 + 1);
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
