//! Histogram bins from caller data: non-finite edges dropped, too many bins merged.

/// One bin and its value for each series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub values: Vec<f64>,
}

/// Bins `[edges[i], edges[i+1]]` with finite edges, and the value of each series for them
/// (a missing or non-finite value counts as 0). Edges given high-to-low are swapped.
pub(crate) fn from_edges(edges: &[f64], series: &[&dyn Fn(usize) -> Option<f64>]) -> Vec<Bin> {
    edges
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0].is_finite() && w[1].is_finite())
        .map(|(i, w)| Bin {
            lo: w[0].min(w[1]),
            hi: w[0].max(w[1]),
            values: series
                .iter()
                .map(|value| value(i).filter(|v| v.is_finite()).unwrap_or(0.0))
                .collect(),
        })
        .collect()
}

/// Merges runs of neighbouring bins so that at most `max_bins` remain (one pixel column
/// cannot show more).
pub(crate) fn merge(bins: Vec<Bin>, max_bins: usize) -> Vec<Bin> {
    let max_bins = max_bins.max(1);
    if bins.len() <= max_bins {
        return bins;
    }
    let group = bins.len().div_ceil(max_bins);
    bins.chunks(group)
        .map(|chunk| {
            let first = &chunk[0];
            let mut merged = Bin {
                lo: first.lo,
                hi: first.hi,
                values: vec![0.0; first.values.len()],
            };
            for bin in chunk {
                merged.lo = merged.lo.min(bin.lo);
                merged.hi = merged.hi.max(bin.hi);
                for (sum, v) in merged.values.iter_mut().zip(&bin.values) {
                    *sum += v;
                }
            }
            merged
        })
        .collect()
}

/// The x range the bins cover.
pub(crate) fn span(bins: &[Bin]) -> Option<(f64, f64)> {
    let lo = bins.iter().map(|b| b.lo).fold(f64::INFINITY, f64::min);
    let hi = bins.iter().map(|b| b.hi).fold(f64::NEG_INFINITY, f64::max);
    (lo <= hi).then_some((lo, hi))
}

/// Whether the edges sit on whole or half numbers (bins of integer data): ticks then go on
/// whole numbers only.
pub(crate) fn integer_edges(edges: &[f64]) -> bool {
    let finite: Vec<f64> = edges.iter().copied().filter(|e| e.is_finite()).collect();
    !finite.is_empty()
        && (finite.iter().all(|e| e.fract() == 0.0)
            || finite.iter().all(|e| e.fract().abs() == 0.5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_non_finite_edges_and_fills_missing_values() {
        let counts = [1.0, 2.0, 3.0];
        let value = |i: usize| counts.get(i).copied();
        let bins = from_edges(&[0.0, 1.0, f64::NAN, 3.0, 4.0, 5.0], &[&value]);
        // The two bins touching the NaN edge go; bins 3 and 4 have no value and count 0.
        assert_eq!(bins.len(), 3);
        assert_eq!((bins[0].lo, bins[0].hi, bins[0].values[0]), (0.0, 1.0, 1.0));
        assert_eq!((bins[1].lo, bins[1].hi, bins[1].values[0]), (3.0, 4.0, 0.0));
        assert_eq!((bins[2].lo, bins[2].hi, bins[2].values[0]), (4.0, 5.0, 0.0));
    }

    #[test]
    fn merges_down_to_the_limit_keeping_totals() {
        let value = |_: usize| Some(1.0);
        let edges: Vec<f64> = (0..=1000).map(f64::from).collect();
        let bins = merge(from_edges(&edges, &[&value]), 300);
        assert!(bins.len() <= 300);
        assert_eq!(bins.iter().map(|b| b.values[0]).sum::<f64>(), 1000.0);
        assert_eq!(span(&bins), Some((0.0, 1000.0)));
    }

    #[test]
    fn integer_edges_are_whole_or_half_numbers() {
        assert!(integer_edges(&[0.0, 1.0, 2.0]));
        assert!(integer_edges(&[-2.5, -1.5, 0.5]));
        assert!(!integer_edges(&[0.0, 0.5, 1.0]));
        assert!(!integer_edges(&[]));
    }
}
