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

/// Exact distance between two samples given as ascending (value, count) runs with totals
/// `nu` and `nv` (used when a side was counted per distinct value).
pub fn wasserstein_runs(
    u: impl Iterator<Item = (f64, u64)>,
    nu: u64,
    v: impl Iterator<Item = (f64, u64)>,
    nv: u64,
) -> f64 {
    let (mut u, mut v) = (u.peekable(), v.peekable());
    let (mut cu, mut cv) = (0u64, 0u64);
    let (mut sum, mut previous) = (0.0f64, None::<f64>);
    loop {
        let next = match (u.peek(), v.peek()) {
            (Some(&(a, _)), Some(&(b, _))) => a.min(b),
            (Some(&(a, _)), None) => a,
            (None, Some(&(b, _))) => b,
            (None, None) => break,
        };
        if let Some(prev) = previous {
            sum += (cu as f64 / nu as f64 - cv as f64 / nv as f64).abs() * (next - prev);
        }
        while let Some(&(a, c)) = u.peek() {
            if a > next {
                break;
            }
            cu += c;
            u.next();
        }
        while let Some(&(b, c)) = v.peek() {
            if b > next {
                break;
            }
            cv += c;
            v.next();
        }
        previous = Some(next);
    }
    sum
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
        let runs = wasserstein_runs(
            [(1.0, 1), (2.0, 2), (9.0, 1)].into_iter(),
            4,
            [(3.0, 1)].into_iter(),
            1,
        );
        assert!((runs - 2.5).abs() < 1e-12);
    }
}
