//! Population Stability Index.
//!
//! PSI = Σ (c_i − r_i) · ln(c_i / r_i) over bins, where r_i and c_i are the reference and current
//! proportions, each clipped below at [`PSI_FLOOR`] so empty bins stay finite.
//!
//! Numeric columns use 10 bins cut at the reference's deciles (linear interpolation), duplicate
//! cut points merged; a value x falls in bin i when exactly i cut points are <= x (left-closed
//! bins, the first and last open-ended). Categorical columns use one bin per category.

/// Proportions below this are raised to it.
pub const PSI_FLOOR: f64 = 1e-4;

/// PSI from per-bin proportions (each side sums to 1).
pub fn psi_from_proportions(reference: &[f64], current: &[f64]) -> f64 {
    reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| {
            let (r, c) = (r.max(PSI_FLOOR), c.max(PSI_FLOOR));
            (c - r) * (c / r).ln()
        })
        .sum()
}

/// PSI from per-bin counts.
pub fn psi_from_counts(reference: &[u64], current: &[u64]) -> Option<f64> {
    let total_ref: u64 = reference.iter().sum();
    let total_cur: u64 = current.iter().sum();
    if total_ref == 0 || total_cur == 0 {
        return None;
    }
    let r: Vec<f64> = reference
        .iter()
        .map(|&n| n as f64 / total_ref as f64)
        .collect();
    let c: Vec<f64> = current
        .iter()
        .map(|&n| n as f64 / total_cur as f64)
        .collect();
    Some(psi_from_proportions(&r, &c))
}

/// Cut points at the reference's deciles (strictly increasing after merging duplicates).
pub fn decile_cuts(quantile: impl Fn(f64) -> Option<f64>, bins: usize) -> Option<Vec<f64>> {
    let mut cuts = Vec::with_capacity(bins.saturating_sub(1));
    for i in 1..bins {
        let q = quantile(i as f64 / bins as f64)?;
        if cuts.last().is_none_or(|&last: &f64| q > last) {
            cuts.push(q);
        }
    }
    Some(cuts)
}

/// Counts per bin given a "values below x" function (strictly below, as bins are left-closed).
pub fn bin_counts_by(count_below: impl Fn(f64) -> u64, total: u64, cuts: &[f64]) -> Vec<u64> {
    let mut counts = Vec::with_capacity(cuts.len() + 1);
    let mut below = 0u64;
    for &cut in cuts {
        let upto = count_below(cut);
        counts.push(upto - below);
        below = upto;
    }
    counts.push(total - below);
    counts
}

/// Counts of sorted values per bin for the given cut points.
pub fn bin_counts_sorted(sorted: &[f64], cuts: &[f64]) -> Vec<u64> {
    let mut counts = Vec::with_capacity(cuts.len() + 1);
    let mut below = 0usize;
    for &cut in cuts {
        let upto = sorted.partition_point(|&v| v < cut);
        counts.push((upto - below) as u64);
        below = upto;
    }
    counts.push((sorted.len() - below) as u64);
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_distribution_gives_zero() {
        assert_eq!(psi_from_counts(&[10, 20, 30], &[1, 2, 3]), Some(0.0));
    }

    #[test]
    fn empty_bins_are_floored() {
        let psi = psi_from_proportions(&[0.5, 0.5, 0.0], &[0.5, 0.0, 0.5]);
        let expected =
            (PSI_FLOOR - 0.5) * (PSI_FLOOR / 0.5).ln() + (0.5 - PSI_FLOOR) * (0.5 / PSI_FLOOR).ln();
        assert!((psi - expected).abs() < 1e-12);
    }

    #[test]
    fn bins_are_left_closed() {
        let sorted = [1.0, 2.0, 2.0, 3.0, 4.0];
        assert_eq!(bin_counts_sorted(&sorted, &[2.0, 3.5]), vec![1, 3, 1]);
    }
}
