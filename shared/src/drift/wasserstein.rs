//! First Wasserstein (earth mover's) distance between two samples, as
//! `scipy.stats.wasserstein_distance(u, v)`: the integral of |F_u − F_v|.

/// Exact distance between two ascending-sorted, NaN-free, non-empty samples (linear merge).
pub fn wasserstein_sorted(u: &[f64], v: &[f64]) -> f64 {
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    // Current pooled value: both CDFs are constant between it and the next pooled value.
    let mut current = match (u.first(), v.first()) {
        (Some(&a), Some(&b)) => a.min(b),
        _ => return 0.0,
    };
    loop {
        while i < u.len() && u[i] <= current {
            i += 1;
        }
        while j < v.len() && v[j] <= current {
            j += 1;
        }
        let next = match (u.get(i), v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let term = (i as f64 / nu - j as f64 / nv).abs() * (next - current);
        let t = sum + term;
        compensation += if sum.abs() >= term.abs() {
            (sum - t) + term
        } else {
            (term - t) + sum
        };
        sum = t;
        current = next;
    }
    sum + compensation
}

/// Approximate distance from two quantile functions: the mean of |Q_u(p) − Q_v(p)| over a grid.
pub fn wasserstein_from_quantiles(qu: &[f64], qv: &[f64]) -> f64 {
    let n = qu.len().min(qv.len());
    if n == 0 {
        return 0.0;
    }
    qu.iter().zip(qv).map(|(a, b)| (a - b).abs()).sum::<f64>() / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_values() {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) == 5.0
        assert!((wasserstein_sorted(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]) - 5.0).abs() < 1e-12);
        // scipy.stats.wasserstein_distance([0, 1], [0, 1]) == 0.0
        assert_eq!(wasserstein_sorted(&[0.0, 1.0], &[0.0, 1.0]), 0.0);
        // scipy.stats.wasserstein_distance([1, 2, 2, 9], [3]) == 2.5
        assert!((wasserstein_sorted(&[1.0, 2.0, 2.0, 9.0], &[3.0]) - 2.5).abs() < 1e-12);
    }
}
