//! Axis ticks at "nice" values (1, 2, 2.5 or 5 × 10ⁿ), as many as the labels leave room for.

/// Ticks in `lo..=hi`, at most about `max_count`, spaced by a nice step (a whole step of at
/// least 1 when `integer`). A degenerate or non-finite range gives its finite ends, if any.
pub(crate) fn nice(lo: f64, hi: f64, max_count: usize, integer: bool) -> Vec<f64> {
    let span = hi - lo;
    if !lo.is_finite() || !hi.is_finite() || !span.is_finite() || span <= 0.0 {
        return [lo, hi]
            .into_iter()
            .filter(|v| v.is_finite())
            .take(if lo == hi { 1 } else { 2 })
            .collect();
    }
    let raw = span / max_count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let mut step = 10.0 * magnitude;
    for m in [1.0, 2.0, 2.5, 5.0] {
        let candidate = m * magnitude;
        if candidate >= raw && !(integer && candidate.fract() != 0.0) {
            step = candidate;
            break;
        }
    }
    if integer {
        step = step.max(1.0).round();
    }
    if !step.is_finite() || step <= 0.0 {
        return vec![lo, hi];
    }
    // Round ticks to the step's decimals so 0.1 × 3 prints as 0.3 (when that is representable).
    let decimals = -step.log10().floor() + 1.0;
    let rounding = (1.0..=15.0).contains(&decimals);
    let unit = 10f64.powi(decimals.clamp(0.0, 15.0) as i32);
    let first = (lo / step - 1e-9).ceil();
    let mut ticks = Vec::new();
    for i in 0..=max_count.max(1) * 3 {
        let k = first + i as f64;
        let mut v = k * step;
        if v > hi + step * 1e-9 {
            break;
        }
        if rounding && v.abs() < 1e15 {
            v = (v * unit).round() / unit;
        }
        if v == 0.0 {
            v = 0.0; // no "-0"
        }
        ticks.push(v);
    }
    ticks
}

/// The densest nice ticks along an axis `length` pixels long whose labels, `label_width`
/// pixels wide each and centred on their tick, leave `gap` pixels between neighbours.
pub(crate) fn fitted(
    lo: f64,
    hi: f64,
    length: f64,
    integer: bool,
    gap: f64,
    label_width: &dyn Fn(f64) -> f64,
) -> Vec<f64> {
    let mut count = ((length / 40.0) as usize).clamp(2, 12);
    loop {
        let ticks = nice(lo, hi, count, integer);
        if count <= 2 || ticks.len() < 2 {
            return ticks;
        }
        let per_value = length / (hi - lo);
        let fits = ticks.windows(2).all(|w| {
            let room = (w[1] - w[0]) * per_value;
            room >= (label_width(w[0]) + label_width(w[1])) / 2.0 + gap
        });
        if fits {
            return ticks;
        }
        count -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(
            nice(0.0, 10.0, 5, false),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice(0.0, 1.0, 4, false), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice(-1.0, 1.0, 4, false), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(nice(0.0, 0.3, 3, false), vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(nice(2.5, 5.5, 10, true), vec![3.0, 4.0, 5.0]);
        assert_eq!(nice(0.0, 3.0, 10, true), vec![0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn degenerate_ranges_do_not_loop_or_panic() {
        assert_eq!(nice(1.0, 1.0, 5, false), vec![1.0]);
        assert_eq!(nice(f64::NAN, 1.0, 5, false), vec![1.0]);
        assert!(nice(-f64::MAX, f64::MAX, 5, false).len() <= 2);
        assert!(nice(0.0, 1e-300, 5, false).len() <= 16);
    }

    #[test]
    fn fitted_ticks_thin_out_for_wide_labels() {
        let narrow = fitted(0.0, 100.0, 300.0, false, 8.0, &|_| 10.0);
        let wide = fitted(0.0, 100.0, 300.0, false, 8.0, &|_| 80.0);
        assert!(wide.len() < narrow.len(), "{wide:?} {narrow:?}");
    }
}
