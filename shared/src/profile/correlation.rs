//! Pearson correlation of numeric columns, over pairwise-complete rows (as pandas `corr()`).
//!
//! Co-moments are accumulated per batch and merged (Chan et al.), so chunked and parallel reading
//! agree. Only the first `max_columns` columns that show numbers are tracked; others are listed
//! as omitted.

use hashbrown::HashMap;

use super::CorrelationMatrix;

/// n, means and co-moments of a pair of columns over the rows where both have numbers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PairMoments {
    n: u64,
    mean_x: f64,
    mean_y: f64,
    m2_x: f64,
    m2_y: f64,
    c_xy: f64,
}

impl PairMoments {
    /// Moments of the aligned slices over the rows where neither is NaN, in one pass over
    /// values shifted by `x0` and `y0` (the pair's first complete row). The shift keeps the sums
    /// small, so little precision is lost, and makes a column that is constant over these rows
    /// have exactly zero spread (pandas gives NaN there, not noise).
    fn from_aligned(xs: &[f64], ys: &[f64], x0: f64, y0: f64) -> PairMoments {
        let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0u64, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (&x, &y) in xs.iter().zip(ys) {
            let both = !(x.is_nan() || y.is_nan());
            let dx = if both { x - x0 } else { 0.0 };
            let dy = if both { y - y0 } else { 0.0 };
            n += u64::from(both);
            sx += dx;
            sy += dy;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        if n == 0 {
            return PairMoments::default();
        }
        let count = n as f64;
        PairMoments {
            n,
            mean_x: x0 + sx / count,
            mean_y: y0 + sy / count,
            m2_x: (sxx - sx * sx / count).max(0.0),
            m2_y: (syy - sy * sy / count).max(0.0),
            c_xy: sxy - sx * sy / count,
        }
    }

    fn merge(&mut self, other: &PairMoments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let dx = other.mean_x - self.mean_x;
        let dy = other.mean_y - self.mean_y;
        self.m2_x += other.m2_x + dx * dx * na * nb / n;
        self.m2_y += other.m2_y + dy * dy * na * nb / n;
        self.c_xy += other.c_xy + dx * dy * na * nb / n;
        self.mean_x += dx * nb / n;
        self.mean_y += dy * nb / n;
        self.n += other.n;
    }

    fn pearson(&self) -> Option<f64> {
        let denominator = (self.m2_x * self.m2_y).sqrt();
        (self.n >= 2 && denominator > 0.0).then(|| (self.c_xy / denominator).clamp(-1.0, 1.0))
    }
}

pub(crate) struct CorrelationAccumulator {
    max_columns: usize,
    /// Column indices being tracked, ascending.
    tracked: Vec<usize>,
    /// Columns that showed numbers but could not be tracked.
    overflow: Vec<usize>,
    /// Keyed by (i, j) with i < j, column indices.
    pairs: HashMap<(usize, usize), PairMoments>,
}

impl CorrelationAccumulator {
    pub fn new(max_columns: usize) -> Self {
        Self {
            max_columns,
            tracked: Vec::new(),
            overflow: Vec::new(),
            pairs: HashMap::new(),
        }
    }

    /// `columns[c]` is `Some(values)` (batch-aligned, NaN when absent) for every column that is
    /// still numeric and had at least one number in this batch.
    pub fn add_batch(&mut self, columns: &[Option<&[f64]>]) {
        for (c, values) in columns.iter().enumerate() {
            if values.is_some() && !self.tracked.contains(&c) && !self.overflow.contains(&c) {
                if self.tracked.len() < self.max_columns {
                    self.tracked.push(c);
                    self.tracked.sort_unstable();
                } else {
                    self.overflow.push(c);
                }
            }
        }
        for (a, &i) in self.tracked.iter().enumerate() {
            let Some(Some(xs)) = columns.get(i) else {
                continue;
            };
            for &j in &self.tracked[a + 1..] {
                let Some(Some(ys)) = columns.get(j) else {
                    continue;
                };
                // The shift: the pair's first complete row (a constant pair column gives 0s).
                let Some((x0, y0)) = xs
                    .iter()
                    .zip(ys.iter())
                    .find(|(x, y)| !x.is_nan() && !y.is_nan())
                    .map(|(&x, &y)| (x, y))
                else {
                    continue;
                };
                let batch = PairMoments::from_aligned(xs, ys, x0, y0);
                self.pairs.entry((i, j)).or_default().merge(&batch);
            }
        }
    }

    /// Forgets a column that turned out not to be numeric.
    pub fn drop_column(&mut self, c: usize) {
        self.pairs.retain(|&(i, j), _| i != c && j != c);
    }

    pub fn merge(&mut self, other: CorrelationAccumulator) {
        for c in other.tracked {
            if !self.tracked.contains(&c) && !self.overflow.contains(&c) {
                if self.tracked.len() < self.max_columns {
                    self.tracked.push(c);
                } else {
                    self.overflow.push(c);
                }
            }
        }
        self.tracked.sort_unstable();
        for c in other.overflow {
            if !self.overflow.contains(&c) {
                self.overflow.push(c);
            }
        }
        // A column tracked on one side but overflowed on the other has incomplete pairs.
        self.tracked.retain(|c| !self.overflow.contains(c));
        for (key, moments) in other.pairs {
            self.pairs.entry(key).or_default().merge(&moments);
        }
    }

    /// The matrix over the given final numeric columns (indices ascending) and their names;
    /// `has_spread(c)` says whether column `c` has two different values (else its row is null).
    pub fn finish(
        self,
        numeric: &[usize],
        names: &[String],
        has_spread: &dyn Fn(usize) -> bool,
    ) -> CorrelationMatrix {
        let included: Vec<usize> = numeric
            .iter()
            .copied()
            .filter(|c| self.tracked.contains(c))
            .collect();
        let omitted = numeric
            .iter()
            .filter(|c| !included.contains(c))
            .map(|&c| names[c].clone())
            .collect();
        let matrix = included
            .iter()
            .map(|&i| {
                included
                    .iter()
                    .map(|&j| {
                        let key = if i < j { (i, j) } else { (j, i) };
                        if i == j {
                            // pandas: 1 on the diagonal unless the column is constant.
                            has_spread(i).then_some(1.0)
                        } else {
                            self.pairs.get(&key).and_then(PairMoments::pearson)
                        }
                    })
                    .collect()
            })
            .collect();
        CorrelationMatrix {
            columns: included.iter().map(|&c| names[c].clone()).collect(),
            matrix,
            omitted,
        }
    }
}
