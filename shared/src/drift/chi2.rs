//! Chi-square test of homogeneity on the 2×k table of category counts (reference, current), as
//! `scipy.stats.chi2_contingency(table, correction=False)`.

use statrs::distribution::{ChiSquared, ContinuousCDF};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chi2Result {
    pub statistic: f64,
    pub p_value: f64,
    pub dof: u64,
}

/// `reference[i]` and `current[i]` count category `i`. Categories absent from both are ignored.
pub fn chi2_homogeneity(reference: &[u64], current: &[u64]) -> Chi2Result {
    let pairs: Vec<(f64, f64)> = reference
        .iter()
        .zip(current)
        .filter(|(r, c)| **r + **c > 0)
        .map(|(&r, &c)| (r as f64, c as f64))
        .collect();
    let row_ref: f64 = pairs.iter().map(|p| p.0).sum();
    let row_cur: f64 = pairs.iter().map(|p| p.1).sum();
    let total = row_ref + row_cur;
    let k = pairs.len() as u64;
    // One category, or one empty side: nothing can differ (scipy: dof 0 gives statistic 0, p 1).
    if k < 2 || row_ref == 0.0 || row_cur == 0.0 {
        return Chi2Result {
            statistic: 0.0,
            p_value: 1.0,
            dof: k.saturating_sub(1),
        };
    }
    let mut statistic = 0.0;
    for &(r, c) in &pairs {
        let column = r + c;
        let expected_ref = row_ref * column / total;
        let expected_cur = row_cur * column / total;
        statistic += (r - expected_ref).powi(2) / expected_ref;
        statistic += (c - expected_cur).powi(2) / expected_cur;
    }
    let dof = k - 1;
    let p_value = ChiSquared::new(dof as f64)
        .map(|d| d.sf(statistic))
        .unwrap_or(f64::NAN);
    Chi2Result {
        statistic,
        p_value: if p_value.is_nan() {
            1.0
        } else {
            p_value.clamp(0.0, 1.0)
        },
        dof,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_proportions_give_zero() {
        let r = chi2_homogeneity(&[10, 20, 30], &[20, 40, 60]);
        assert!(r.statistic.abs() < 1e-12);
        assert!((r.p_value - 1.0).abs() < 1e-12);
        assert_eq!(r.dof, 2);
    }

    #[test]
    fn a_single_category_is_degenerate() {
        let r = chi2_homogeneity(&[10, 0], &[5, 0]);
        assert_eq!((r.statistic, r.p_value, r.dof), (0.0, 1.0, 0));
    }

    #[test]
    fn hand_checked_two_by_two() {
        // [[10, 20], [20, 10]]: expected 15 everywhere, statistic 4 * 25/15 = 6.667, dof 1.
        let r = chi2_homogeneity(&[10, 20], &[20, 10]);
        assert!((r.statistic - 20.0 / 3.0).abs() < 1e-12);
        // scipy.stats.chi2.sf(20/3, 1) = 0.009823274507519247
        assert!((r.p_value - 0.009_823_274_507_519_247).abs() < 1e-12);
    }
}
