//! Text values of one column (text, booleans, and every value of a mixed column): exact counts
//! per distinct value up to a limit of values, then HyperLogLog + frequent items.

use datasketches::common::NumStdDev;
use datasketches::frequencies::{ErrorType, FrequentItemsSketch};
use datasketches::hll::HllSketch;
use hashbrown::HashMap;

use super::Approximation;
use super::numeric::{new_hll, union_hll};

const FREQUENT_MAP_SIZE: usize = 1024;
/// A column with at most this many distinct values keeps exact counts past the exact limit:
/// the map stays small, and exact beats a sketch.
pub(crate) const SMALL_DOMAIN: usize = 1024;

pub(crate) struct TextSketch {
    hll: HllSketch,
    frequent: FrequentItemsSketch<Vec<u8>>,
    count: u64,
}

impl TextSketch {
    fn new() -> Self {
        Self {
            hll: new_hll(),
            frequent: FrequentItemsSketch::new(FREQUENT_MAP_SIZE)
                .expect("FREQUENT_MAP_SIZE is a power of two >= 8"),
            count: 0,
        }
    }

    fn add(&mut self, value: &[u8], times: u64) {
        self.hll.update(value);
        self.frequent.update_with_count_ref(value, times);
        self.count += times;
    }
}

pub(crate) enum TextStore {
    Exact {
        counts: HashMap<Box<[u8]>, u64>,
        total: u64,
    },
    Sketch(Box<TextSketch>),
}

impl Default for TextStore {
    fn default() -> Self {
        TextStore::Exact {
            counts: HashMap::new(),
            total: 0,
        }
    }
}

impl TextStore {
    /// Adds `value` seen `times` times. Returns true when the value was new to an exact store
    /// (so the caller can check its encoding once per distinct value).
    #[inline]
    pub fn add(&mut self, value: &[u8], times: u64, exact_limit: u64) -> bool {
        match self {
            TextStore::Exact { counts, total } => {
                *total += times;
                let new = match counts.get_mut(value) {
                    Some(count) => {
                        *count += times;
                        false
                    }
                    None => {
                        counts.insert(value.into(), times);
                        true
                    }
                };
                if *total > exact_limit {
                    self.reached_limit();
                }
                new
            }
            TextStore::Sketch(sketch) => {
                sketch.add(value, times);
                true
            }
        }
    }

    /// The column went past the exact limit: sketch it, unless its domain is small.
    pub fn reached_limit(&mut self) {
        if let TextStore::Exact { counts, .. } = self
            && counts.len() > SMALL_DOMAIN
        {
            self.switch_to_sketch();
        }
    }

    pub fn switch_to_sketch(&mut self) {
        if let TextStore::Exact { counts, .. } = self {
            let mut sketch = Box::new(TextSketch::new());
            for (value, &count) in counts.iter() {
                sketch.add(value, count);
            }
            *self = TextStore::Sketch(sketch);
        }
    }

    pub fn merge(&mut self, other: TextStore, exact_limit: u64) {
        match other {
            TextStore::Exact { counts, .. } => {
                for (value, count) in counts {
                    self.add(&value, count, exact_limit);
                }
            }
            TextStore::Sketch(theirs) => {
                self.switch_to_sketch();
                if let TextStore::Sketch(mine) = self {
                    mine.hll = union_hll(&mine.hll, &theirs.hll);
                    mine.frequent.merge(&theirs.frequent);
                    mine.count += theirs.count;
                }
            }
        }
    }

    /// Decodes each distinct value once (`decode`), then orders by count descending and text
    /// ascending.
    pub fn finish(self, top_n: usize, decode: &dyn Fn(&[u8]) -> String) -> TextSummary {
        let by_count_then_text =
            |a: &(String, u64), b: &(String, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
        match self {
            TextStore::Exact { counts, total } => {
                let distinct = counts.len() as u64;
                let mut all: Vec<(String, u64)> =
                    counts.into_iter().map(|(v, c)| (decode(&v), c)).collect();
                all.sort_unstable_by(by_count_then_text);
                TextSummary {
                    count: total,
                    distinct,
                    top: all.iter().take(top_n).cloned().collect(),
                    counts: all,
                    approximation: None,
                }
            }
            TextStore::Sketch(sketch) => {
                let mut rows: Vec<(String, u64)> = sketch
                    .frequent
                    .frequent_items(ErrorType::NoFalseNegatives)
                    .into_iter()
                    .map(|row| (decode(row.item()), row.estimate()))
                    .collect();
                rows.sort_unstable_by(by_count_then_text);
                let estimate = sketch.hll.estimate();
                let upper = sketch.hll.upper_bound(NumStdDev::Two);
                // Top values: only those certainly more frequent than the sketch's error.
                let threshold = sketch.frequent.maximum_error();
                TextSummary {
                    count: sketch.count,
                    distinct: estimate.round() as u64,
                    top: rows
                        .iter()
                        .filter(|(_, count)| *count > 2 * threshold)
                        .take(top_n)
                        .cloned()
                        .collect(),
                    counts: rows,
                    approximation: Some(Approximation {
                        quantile_rank_error: 0.0,
                        distinct_relative_error: if estimate > 0.0 {
                            (upper - estimate) / estimate
                        } else {
                            0.0
                        },
                        top_count_max_error: sketch.frequent.maximum_error(),
                    }),
                }
            }
        }
    }
}

/// The finished text values of a column.
pub(crate) struct TextSummary {
    pub count: u64,
    pub distinct: u64,
    /// The most frequent values, by count descending then text ascending.
    pub top: Vec<(String, u64)>,
    /// Every value with its count (exact), or the frequent items (sketch), same order as `top`.
    pub counts: Vec<(String, u64)>,
    pub approximation: Option<Approximation>,
}
